/**
 * Gray failures for real: six hosts (network namespaces) on two networks, sshd in each, the real MariaDB
 * holding the cluster, and loss made the way a failing NIC makes it: iptables' `statistic` match dropping
 * 30 % of one node's packets on one interface, inside that node's namespace (the lab flushes its rules
 * after each test, and deleting the namespace removes them whatever happens). SSH (port 22) is left out
 * of the drop so that every node is still reached the same way; every other packet on that interface is
 * fair game.
 *
 * Statistics, said once: with p = 0.3 and n samples, the share lost is Binomial(n, 0.3) / n. Every bound
 * below is at least 3.9 standard deviations from 0.3 (two-sided, P < 1e-4 by the normal approximation,
 * and the binomial tails are thinner still at these n): a correct implementation fails less than once in
 * 10,000 runs. Where a test needs "most of a node's links lossy", the chance that a 30 %-lossy link shows
 * no loss at all in 20 samples is 0.7^20 = 8e-4; three such links out of five is ~5e-9.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {after, afterEach, before, describe, it} from 'node:test'

import {MeshSession} from '../../src/mesh/run.js'
import type {MeshPlan} from '../../src/mesh/plan.js'
import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'
import {MeshLab, meshLabSupported, pythonAvailable} from '../helpers/mesh-lab.js'

const NODES = [1, 2, 3, 4, 5, 6]
const LOSSY = 3
const SAMPLES = 20
const TIMEOUT_MS = 900
const SIXTH_TOOL = pythonAvailable() ? 'python3' : 'nc'

/** Bounds on the share lost of `n` samples at p = 0.3: 0.3 ± 3.9 σ, σ = sqrt(0.21 / n). */
function lossBounds(n: number): [number, number] {
  const sigma = Math.sqrt(0.21 / n)
  return [0.3 - 3.9 * sigma, 0.3 + 3.9 * sigma]
}

describe('gray failures on a lab of real hosts', () => {
  const supported = meshLabSupported()
  let lab: MeshLab
  let db: TestDb

  before(async () => {
    if (supported !== true) return
    // Every prober takes samples: n5 has only nc, n6 python3 (nc where this machine has no python3).
    lab = await MeshLab.start({nodes: NODES.length, kex: 'curve25519-sha256', tools: {5: 'nc', 6: SIXTH_TOOL}})
    db = await TestDb.create()
    await db.addNodes(NODES.map((i) => ({node_name: `n${i}`, ip_list: lab.ipList(i)})))
    await db.addServers(NODES.map((i) => ({application: 'Lab', server_name: 'MeshServer', node_name: `n${i}`})))
    await db.addAdapters(NODES.map((i) => ({application: 'Lab', server_name: 'MeshServer', node_name: `n${i}`, endpoint: `tcp -h 0.0.0.0 -p ${lab.port} -t 60000`, servant: 'Lab.MeshServer.MeshObj'})))
  })
  afterEach(() => lab?.reset())
  after(async () => {
    await lab?.close()
    await db?.drop()
  })

  // --timeout 900: a SYN (or SYN-ACK) the kernel sends again after 1 s is never mistaken for an answer,
  // while a busy machine starting hundreds of nc and date processes (nc's timing includes them) has room.
  const mesh = (...more: string[]) => ['mesh', '--db', db.url, '--networks', lab.networksSpec(), '--ssh-config', lab.sshConfig, '--ssh-timeout', '3', '--timeout', String(TIMEOUT_MS), ...more]
  const culprits = (json: any) => json.culprits.map((c: any) => ({kind: c.kind, node: c.node, network: c.network, intermittent: c.intermittent}))
  const touches = (l: any, node: string, network: string) => l.network === network && (l.from === node || l.to === node)
  /** Drops 30 % of node i's packets on its interface to `network` (not SSH's), in `chain` (INPUT: what it receives). */
  const lossy = (i: number, network: string, chain: 'INPUT' | 'OUTPUT', extra: string[] = []) =>
    lab.exec(i, 'iptables', ['-A', chain, chain === 'INPUT' ? '-i' : '-o', `eth-${network}`, '-p', 'tcp', '-m', 'multiport', '!', '--ports', '22', ...extra, '-m', 'statistic', '--mode', 'random', '--probability', '0.3', '-j', 'DROP'])

  it('the machine can host the lab', () => {
    assert.equal(supported, true, `the gray-failure lab ${supported}: install it, and run the tests as root on Linux`)
  })

  it('a healthy lab with --samples 10: every link up with 0 loss and its latency percentiles, exit 0', async () => {
    const r = await runCommand([...mesh('--samples', '10'), '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const json = r.json()
    assert.equal(json.samples, 10)
    assert.equal(json.retries, 0, 'each sample is one connect: JSON says no retries were made')
    assert.equal(json.links.length, NODES.length * (NODES.length - 1) * 2)
    for (const l of json.links) {
      // The samples themselves (kept for the exporter's histogram) never reach the JSON.
      assert.deepEqual(Object.keys(l).sort(), ['error', 'from', 'host', 'latency', 'latencyMs', 'loss', 'lost', 'network', 'port', 'samples', 'slow', 'status', 'to'])
      assert.deepEqual([l.status, l.samples, l.lost, l.loss], ['up', 10, 0, 0], `${l.from}>${l.to} on ${l.network}`)
      assert.ok(l.latency.min <= l.latency.p50 && l.latency.p50 <= l.latency.p90 && l.latency.p90 <= l.latency.max, JSON.stringify(l.latency))
      assert.equal(l.latencyMs, Math.round(l.latency.p50 * 100) / 100)
    }
    assert.deepEqual(json.culprits, [])
    assert.equal(json.verdict, 'ok')
    assert.deepEqual(json.sources.map((x: any) => x.tool), ['bash', 'bash', 'bash', 'bash', 'nc', SIXTH_TOOL])
  })

  it('a NIC that drops 30 % of what it receives: that node\'s side of the network, intermittent, loss near 0.3; every other link up with 0 loss', async () => {
    lossy(LOSSY, 'x', 'INPUT')
    const r = await runCommand([...mesh('--samples', String(SAMPLES)), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(culprits(json), [{kind: 'node-network', node: `n${LOSSY}`, network: 'x', intermittent: true}])
    // Its 10 links on x (5 peers, both ways), 20 samples each: 200 samples.
    const [lo, hi] = lossBounds(10 * SAMPLES)
    const {loss} = json.culprits[0]
    assert.ok(loss >= lo && loss <= hi, `loss ${loss} within [${lo.toFixed(3)}, ${hi.toFixed(3)}]`)
    for (const l of json.links.filter((x: any) => !touches(x, `n${LOSSY}`, 'x'))) {
      assert.deepEqual([l.status, l.lost], ['up', 0], `${l.from}>${l.to} on ${l.network}`)
    }
    // No link of the lossy NIC failed all 20 samples (0.3^20): each connects, most lose some.
    const its = json.links.filter((x: any) => touches(x, `n${LOSSY}`, 'x'))
    assert.ok(its.every((l: any) => l.status === 'up' || l.status === 'lossy'), JSON.stringify(its.map((l: any) => l.status)))
    assert.equal(json.summary.failedLinks, 0)
    assert.equal(json.verdict, 'degraded')

    const text = await runCommand(mesh('--samples', String(SAMPLES)), {env: {COLUMNS: '200', LANG: 'C.UTF-8'}})
    assert.equal(text.code, 1, text.stderr)
    assert.match(text.stdout, new RegExp(`n${LOSSY}'s side of network x loses ~\\d+ % of packets \\(intermittent`))
    assert.match(text.stdout, /1-9 lossy: ~10-90 % of samples lost/)
    assert.match(text.stdout, /^network x {2}\(30\/30 links up, \d+ lossy\)$/m)
    assert.match(text.stdout, new RegExp(`^${LOSSY} n${LOSSY} +[1-9✔] [1-9✔] · [1-9✔] [1-9✔] [1-9✔]$`, 'm'))
    assert.match(text.stdout, /^DEGRADED: .*links? lossy/m)

    // The same NIC seen by probe from this host (a leg on each bridge): the lossy link and its line.
    const p = await runCommand(['probe', '--db', db.url, '--networks', lab.networksSpec(), '--check', 'tcp', '--samples', String(SAMPLES), '--timeout', String(TIMEOUT_MS), '--json'])
    assert.equal(p.code, 1, p.stderr + p.stdout)
    const probe = p.json()
    const bad = probe.results.find((x: any) => x.node === `n${LOSSY}` && x.network === 'x')
    // One link, 20 samples: 0.3 ± 3.9 σ with σ = sqrt(0.21 / 20) is [0.0, 0.7]: a loss above 0 and below all.
    assert.equal(bad.status, 'lossy', JSON.stringify(bad))
    assert.ok(bad.lost > 0 && bad.lost < SAMPLES)
    for (const x of probe.results.filter((y: any) => y !== bad)) assert.deepEqual([x.status, x.lost], ['up', 0], `${x.node} on ${x.network}`)
    assert.ok(probe.lines.some((line: string) => line.startsWith(`LOSSY: n${LOSSY}'s side of network x loses ~`)), probe.lines.join('\n'))
    assert.equal(probe.verdict, 'degraded')
  })

  it('mesh --timeout auto, one run: the fixed timeout\'s states; each node waits on a network what this run\'s answers say, the initial 1000 ms where none came', async () => {
    // Dropped targets on both networks, and n4 getting no answer at all on y (its SYNs there are dropped).
    lab.dropLinks([{from: 1, to: 2, network: 'y'}, {from: 3, to: 4, network: 'x'}, {from: 6, to: 1, network: 'x'}, {from: 5, to: 3, network: 'y'}])
    lab.blockOutbound(4, 'y')
    const base = ['mesh', '--db', db.url, '--networks', lab.networksSpec(), '--ssh-config', lab.sshConfig, '--ssh-timeout', '3', '--json']
    const fixed = await runCommand([...base, '--timeout', '1000'])
    const auto = await runCommand([...base, '--timeout', 'auto'])
    assert.equal(auto.code, fixed.code, auto.stderr + auto.stdout)
    const states = (json: any) => json.links.map((l: any) => `${l.from}>${l.to} ${l.network} ${l.status}`)
    assert.deepEqual(states(auto.json()), states(fixed.json()))
    assert.ok(states(auto.json()).filter((s: string) => s.endsWith('timeout')).length >= 4 + 5)
    const json = auto.json()
    assert.deepEqual([json.timeoutMode, json.timeoutMs], ['auto', 3000])
    // Fixed mode says nothing of waits; auto says, per node and network, the wait it used (never wall time).
    assert.ok(fixed.json().sources.every((s: any) => s.waits === undefined))
    for (const s of json.sources) {
      assert.deepEqual(s.waits.map((w: any) => w.network), ['x', 'y'], s.node)
      for (const w of s.waits) {
        const at = `${s.node} on ${w.network}: ${JSON.stringify(w)}`
        if (s.tool === 'nc') assert.deepEqual([w.adaptive, w.ms, w.answers], [false, 1000, null], at)
        else if (s.node === 'n4' && w.network === 'y') assert.deepEqual([w.adaptive, w.ms, w.answers], [true, 1000, 0], at)
        else assert.ok(w.adaptive && w.answers > 0 && w.ms >= 100 && w.ms < 1000, at)
      }
    }
    const error = (from: string, to: string, network: string) => json.links.find((l: any) => l.from === from && l.to === to && l.network === network).error
    const learned = json.sources.find((s: any) => s.node === 'n1').waits.find((w: any) => w.network === 'y').ms
    assert.equal(error('n1', 'n2', 'y'), `no answer within ${learned} ms (adaptive)`)
    assert.equal(error('n4', 'n1', 'y'), 'no answer within 1000 ms (adaptive)')
    assert.equal(error('n5', 'n3', 'y'), 'no answer within 1000 ms (nc: fixed)')
    assert.ok(json.notices.includes('--timeout auto: n5 probes with nc, whose -w counts whole seconds: 1000 ms fixed there'), JSON.stringify(json.notices))
    assert.equal(fixed.json().links.find((l: any) => l.from === 'n1' && l.to === 'n2' && l.network === 'y').error, 'no answer within 1000 ms')

    // Rounds of one session (as --watch and the exporter run them) start from what earlier rounds learned.
    const node = (i: number) => ({name: `n${i}`, ips: lab.networks.map((net) => ({ip: lab.ip(i, net), network: net})), targets: lab.networks.map((net) => ({host: lab.ip(i, net), network: net, ports: [lab.port]})), note: null})
    const plan: MeshPlan = {mode: 'nodes', object: null, columns: lab.networks, nodes: [1, 2, 3].map(node), notes: []}
    const session = new MeshSession({timeoutMs: 1000, retries: 0, adaptive: {maxMs: 3000}, ssh: {binary: execFileSync('sh', ['-c', 'command -v ssh'], {encoding: 'utf8'}).trim(), configFile: lab.sshConfig, options: [], connectTimeoutS: 3, fanout: 8}})
    try {
      for (let round = 0; round < 2; round++) {
        const r = await session.round(plan)
        assert.match(r.links.find((l) => l.from === 'n1' && l.to === 'n2' && l.network === 'y')!.error!, /^no answer within \d+ ms \(adaptive\)$/)
        for (const s of r.sources) for (const w of s.waits!) assert.ok(w.ms < 1000, `round ${round}: ${s.node} ${JSON.stringify(w)}`)
      }
    } finally {
      await session.close()
    }
  })

  it('loss in one direction only (30 % of the SYNs a node sends on x): still that node\'s side, from its own connections', async () => {
    lossy(LOSSY, 'x', 'OUTPUT', ['--syn'])
    const r = await runCommand([...mesh('--samples', String(SAMPLES)), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(culprits(json), [{kind: 'node-network', node: `n${LOSSY}`, network: 'x', intermittent: true}])
    // Its 5 outgoing links, 20 samples each: 100 samples.
    const [lo, hi] = lossBounds(5 * SAMPLES)
    assert.ok(json.culprits[0].loss >= lo && json.culprits[0].loss <= hi, `loss ${json.culprits[0].loss} within [${lo.toFixed(3)}, ${hi.toFixed(3)}]`)
    assert.match(json.culprits[0].message, /lossy from it/)
    // What reaches it is clean: its SYN-ACKs are not SYNs.
    for (const l of json.links.filter((x: any) => x.to === `n${LOSSY}`)) assert.deepEqual([l.status, l.lost], ['up', 0], `${l.from}>${l.to} on ${l.network}`)
  })
})
