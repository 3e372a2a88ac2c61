/**
 * `tarsnet exporter --mesh` and `tarsnet mesh --prom-file` for real: three hosts of the mesh lab (network
 * namespaces on two networks, sshd in each, test/helpers/mesh-lab.ts), the real MariaDB holding the
 * cluster, the built CLI run as a long-lived exporter and scraped over HTTP. Things are cut the way they
 * fail (a NIC down in a node, a node's sshd unreachable) and the metrics must follow within two rounds;
 * the textfile is checked with promtool, its write with the directory's listing and the file's inode.
 *
 * The exporter is a real process: it is stopped by a real SIGTERM, and its TMPDIR (where its SSH control
 * directory goes) is its environment's, which src/ssh/fanout.ts reads from process.env (os.tmpdir()).
 * mesh --prom-file runs in-process.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, describe, it} from 'node:test'

import {TestDb} from '../helpers/db.js'
import {ExporterProcess, parseMetrics, valuesBy, type Sample} from '../helpers/exporter.js'
import {MeshLab} from '../helpers/mesh-lab.js'
import {runCommand} from '../helpers/run.js'

const labOk = process.platform === 'linux' && process.getuid?.() === 0
const NODES = [1, 2, 3]
const INTERVAL_S = 2

const meshLinks = (samples: Sample[]) =>
  valuesBy(samples.filter((s) => s.labels.source !== 'local'), 'tarsnet_link_up', (l) => `${l.source}>${l.node} ${l.network}`)
const localLinks = (samples: Sample[]) =>
  valuesBy(samples.filter((s) => s.labels.source === 'local'), 'tarsnet_link_up', (l) => `${l.node} ${l.network}`)
const sourcesUp = (samples: Sample[]) => valuesBy(samples, 'tarsnet_mesh_source_up', (l) => l.source)
const culprits = (samples: Sample[]) => valuesBy(samples, 'tarsnet_mesh_culprit_links', (l) => `${l.kind} ${l.node} ${l.network} ${l.peer}`)
const value = (samples: Sample[], name: string) => samples.find((s) => s.name === name)?.value

/** Every mesh link between the three nodes on both networks, all with the same value. */
function everyMeshLink(up: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const a of NODES) for (const b of NODES) if (a !== b) for (const net of ['x', 'y']) out[`n${a}>n${b} ${net}`] = up
  return out
}

function promtoolCheck(text: string): void {
  const lint = spawnSync('promtool', ['check', 'metrics'], {input: text, encoding: 'utf8'})
  assert.equal(lint.status, 0, lint.stdout + lint.stderr)
}

/** Processes whose command line mentions `text` (the exporter's ssh masters, by their control directory). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)
    } catch {
      return false
    }
  }).map(Number)
}

describe('tarsnet exporter --mesh and mesh --prom-file on a lab of real hosts', {skip: labOk ? false : 'needs Linux and root (network namespaces, sshd)'}, () => {
  let lab: MeshLab
  let db: TestDb
  let exporter: ExporterProcess | undefined
  let work: string
  let tmp: string

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tarsnet-exporter-mesh-'))
    tmp = mkdtempSync('/tmp/tnem-') // the exporter's TMPDIR: its ssh control directory is made there (short: a socket path has at most 107 bytes)
    lab = await MeshLab.start({nodes: NODES.length, kex: 'curve25519-sha256'})
    db = await TestDb.create()
    await db.addNodes(NODES.map((i) => ({node_name: `n${i}`, ip_list: lab.ipList(i)})))
    await db.addServers(NODES.map((i) => ({application: 'Lab', server_name: 'MeshServer', node_name: `n${i}`})))
    await db.addAdapters(NODES.map((i) => ({application: 'Lab', server_name: 'MeshServer', node_name: `n${i}`, endpoint: `tcp -h 0.0.0.0 -p ${lab.port} -t 60000`, servant: 'Lab.MeshServer.MeshObj'})))
  })
  afterEach(() => lab.reset())
  after(async () => {
    exporter?.kill('SIGKILL')
    await lab?.close()
    await db?.drop()
    rmSync(work, {recursive: true, force: true})
    rmSync(tmp, {recursive: true, force: true})
  })

  const sshArgs = () => ['--ssh-config', lab.sshConfig, '--ssh-timeout', '2']
  const common = () => ['--db', db.url, '--networks', lab.networksSpec(), '--timeout', '500', '--retries', '0']

  /** The first round logged after `fromRound` whose line passes `test`. */
  const roundAfter = (fromRound: number, test: (line: Record<string, any>) => boolean, what: string) =>
    exporter!.waitForLine((l) => l.event === 'round' && l.round > fromRound && test(l), what, 90_000)
  const mesh = (line: Record<string, any>) => line.collectors.find((c: any) => c.name === 'mesh')

  it('serves the mesh beside the local probe: links with source = the node names, every node reached, no culprit', async () => {
    exporter = new ExporterProcess([...common(), '--check', 'tcp', '--listen', '127.0.0.1:0', '--interval', String(INTERVAL_S), '--mesh', ...sshArgs()], {TMPDIR: tmp})
    await exporter.started()
    assert.equal(exporter.lines.find((l) => l.event === 'start')!.mesh, true)
    const round = await exporter.waitForRound(1)
    assert.equal(round.success, true, JSON.stringify(round))
    assert.deepEqual(round.collectors.map((c: any) => [c.name, c.ok]), [['probe', true], ['mesh', true]])
    assert.deepEqual([mesh(round).links, mesh(round).up, mesh(round).verdict, mesh(round).sourcesDownCount], [12, 12, 'ok', 0])

    const r = await exporter.scrape()
    const samples = parseMetrics(r.text)
    assert.deepEqual(meshLinks(samples), everyMeshLink(1))
    const link = samples.find((s) => s.name === 'tarsnet_link_up' && s.labels.source === 'n1' && s.labels.node === 'n2' && s.labels.network === 'y')!
    assert.deepEqual(link.labels, {source: 'n1', node: 'n2', network: 'y', ip: lab.ip(2, 'y'), port: String(lab.port)})
    const latencies = samples.filter((s) => s.name === 'tarsnet_link_latency_seconds' && s.labels.source !== 'local')
    assert.equal(latencies.length, 12)
    for (const s of latencies) assert.ok(s.value > 0 && s.value < 1, JSON.stringify(s))
    assert.deepEqual(localLinks(samples), {'n1 x': 1, 'n1 y': 1, 'n2 x': 1, 'n2 y': 1, 'n3 x': 1, 'n3 y': 1})
    assert.deepEqual(sourcesUp(samples), {n1: 1, n2: 1, n3: 1})
    assert.deepEqual(culprits(samples), {})
    assert.match(r.text, /^# TYPE tarsnet_mesh_culprit_links gauge$/m, 'declared even when nothing is broken')
    assert.equal(value(samples, 'tarsnet_probe_targets'), 6 + 12)
    assert.equal(value(samples, 'tarsnet_probe_success'), 1)
    promtoolCheck(r.text)
    // One ControlMaster per node, kept between rounds, in a private directory under the exporter's TMPDIR.
    const controlDirs = readdirSync(tmp).filter((f) => f.startsWith('tarsnet-ssh-'))
    assert.equal(controlDirs.length, 1)
    assert.equal(statSync(join(tmp, controlDirs[0])).mode & 0o777, 0o700)
  })

  it('a NIC down in a node (n2 on y): the mesh links, the culprit and the local view follow within two rounds, and heal', async (t) => {
    const cutAt = Date.now()
    lab.nicDown(2, 'y')
    // Round n+1 may have started before the cut; n+2 started after it.
    let n = exporter!.lastRound
    await exporter!.waitForRound(n + 2)
    let samples = await exporter!.samples()
    const seenAfterMs = Date.now() - cutAt
    assert.deepEqual(meshLinks(samples), {...everyMeshLink(1), 'n1>n2 y': 0, 'n3>n2 y': 0, 'n2>n1 y': 0, 'n2>n3 y': 0})
    assert.deepEqual(culprits(samples), {'node-network n2 y ': 4})
    assert.deepEqual(sourcesUp(samples), {n1: 1, n2: 1, n3: 1}, 'n2 still reached over SSH (on x)')
    assert.equal(localLinks(samples)['n2 y'], 0)
    const line = exporter!.lines.filter((l) => l.event === 'round').at(-1)!
    assert.equal(mesh(line).verdict, 'degraded')
    assert.match(mesh(line).culprits[0].message, /n2's side of network y/)
    t.diagnostic(`the cut was seen on /metrics ${seenAfterMs} ms after it (interval ${INTERVAL_S} s)`)

    lab.nicUp(2, 'y')
    n = exporter!.lastRound
    await exporter!.waitForRound(n + 2)
    samples = await exporter!.samples()
    assert.deepEqual(meshLinks(samples), everyMeshLink(1))
    assert.deepEqual(culprits(samples), {})
  })

  it('sshd unreachable on one node: tarsnet_mesh_source_up 0, its own links absent, the others still measure it, the round goes on; on every node: the round fails, and the exporter keeps serving', async () => {
    lab.blockSsh(3)
    let from = exporter!.lastRound
    const one = await roundAfter(from, (l) => mesh(l)?.sourcesDownCount === 1, 'a round with n3 not reached')
    assert.equal(one.success, true, 'one node not reached over SSH does not fail the round')
    assert.deepEqual(mesh(one).sourcesDown.map((s: any) => [s.node, s.status]), [['n3', 'unreachable']])
    assert.match(mesh(one).sourcesDown[0].error, /198\.19\.2\.3/, 'ssh\'s error, on the last IP tried')
    let samples = await exporter!.samples()
    assert.deepEqual(sourcesUp(samples), {n1: 1, n2: 1, n3: 0})
    const expected = everyMeshLink(1)
    for (const k of Object.keys(expected)) if (k.startsWith('n3>')) delete expected[k]
    assert.deepEqual(meshLinks(samples), expected, 'n3\'s own links absent (not measured); links to n3 still measured, and up')
    assert.equal(value(samples, 'tarsnet_probe_success'), 1)

    // No node answers SSH: the mesh measured nothing; its sources are served as down and the round fails.
    lab.blockSsh(1)
    lab.blockSsh(2)
    from = exporter!.lastRound
    const none = await roundAfter(from, (l) => l.success === false, 'a failed round')
    assert.deepEqual(none.collectors.map((c: any) => [c.name, c.ok]), [['probe', true], ['mesh', false]])
    assert.match(mesh(none).error, /^no node answered over SSH \(n1: /)
    assert.equal(mesh(none).sourcesDownCount, 3)
    samples = await exporter!.samples()
    assert.deepEqual(sourcesUp(samples), {n1: 0, n2: 0, n3: 0})
    assert.deepEqual(meshLinks(samples), {})
    assert.equal(value(samples, 'tarsnet_probe_success'), 0)
    assert.deepEqual(localLinks(samples), {'n1 x': 1, 'n1 y': 1, 'n2 x': 1, 'n2 y': 1, 'n3 x': 1, 'n3 y': 1}, 'the local probe goes on')
    assert.equal((await exporter!.scrape('/healthz')).status, 200)

    lab.reset()
    from = exporter!.lastRound
    await roundAfter(from, (l) => l.success === true && mesh(l).sourcesDownCount === 0, 'a round that works again')
    samples = await exporter!.samples()
    assert.deepEqual(sourcesUp(samples), {n1: 1, n2: 1, n3: 1})
    assert.deepEqual(meshLinks(samples), everyMeshLink(1))
  })

  it('SIGTERM: exit 0, rounds never overlapped, the SSH connections closed and their directory removed', async (t) => {
    const controlDir = join(tmp, readdirSync(tmp).find((f) => f.startsWith('tarsnet-ssh-'))!)
    assert.ok(processesMentioning(controlDir).length >= 1, 'ssh masters are running')
    exporter!.kill('SIGTERM')
    const {code, signal} = await exporter!.exit
    assert.equal(signal, null)
    assert.equal(code, 0, exporter!.stderr)
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('tarsnet-ssh-')), [])
    assert.deepEqual(processesMentioning(controlDir), [])
    const rounds = exporter!.lines.filter((l) => l.event === 'round')
    for (let i = 1; i < rounds.length; i++) {
      assert.equal(rounds[i].round, rounds[i - 1].round + 1)
      assert.ok(Date.parse(rounds[i].time) - rounds[i].durationSeconds * 1000 >= Date.parse(rounds[i - 1].time) - 1, `round ${rounds[i].round} started after round ${rounds[i - 1].round} ended`)
    }
    const durations = rounds.map((r) => r.durationSeconds).sort((a, b) => a - b)
    t.diagnostic(`${rounds.length} rounds; round time min ${durations[0]} s, median ${durations[Math.floor(durations.length / 2)]} s, max ${durations.at(-1)} s`)
    // What keeping the SSH connections buys: the first mesh (a key exchange per node) against later healthy ones.
    const healthy = rounds.filter((r) => r.round > 1 && mesh(r).ok && mesh(r).verdict === 'ok').map((r) => mesh(r).durationSeconds).sort((a, b) => a - b)
    t.diagnostic(`mesh: first round ${mesh(rounds[0]).durationSeconds} s; later all-up rounds over kept connections: median ${healthy[Math.floor(healthy.length / 2)]} s (${healthy.length})`)
    exporter = undefined
  })

  it('mesh --prom-file: replaces the file atomically (a new inode, nothing else left), keeps the exit code, passes promtool', async () => {
    const dir = join(work, 'textfile')
    mkdirSync(dir)
    const file = join(dir, 'tarsnet-mesh.prom')
    writeFileSync(file, 'old\n')
    const before = statSync(file).ino
    lab.nicDown(2, 'y')
    const r = await runCommand(['mesh', ...common(), ...sshArgs(), '--prom-file', file, '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    assert.equal(r.json().verdict, 'degraded', 'the JSON result is unchanged')
    const text = readFileSync(file, 'utf8')
    assert.notEqual(statSync(file).ino, before, 'renamed over the old file, not written into it')
    assert.deepEqual(readdirSync(dir), ['tarsnet-mesh.prom'], 'no temporary file left behind')
    assert.equal(statSync(file).mode & 0o777, 0o644)
    promtoolCheck(text)
    const samples = parseMetrics(text)
    assert.deepEqual(meshLinks(samples), {...everyMeshLink(1), 'n1>n2 y': 0, 'n3>n2 y': 0, 'n2>n1 y': 0, 'n2>n3 y': 0})
    assert.deepEqual(localLinks(samples), {})
    assert.deepEqual(sourcesUp(samples), {n1: 1, n2: 1, n3: 1})
    assert.deepEqual(culprits(samples), {'node-network n2 y ': 4})
    assert.equal(value(samples, 'tarsnet_probe_success'), 1)
    assert.equal(value(samples, 'tarsnet_probe_targets'), 12)

    // Healthy: exit 0, the file replaced again.
    lab.nicUp(2, 'y')
    const ok = await runCommand(['mesh', ...common(), ...sshArgs(), '--prom-file', file])
    assert.equal(ok.code, 0, ok.stderr + ok.stdout)
    assert.deepEqual(meshLinks(parseMetrics(readFileSync(file, 'utf8'))), everyMeshLink(1))
    assert.deepEqual(readdirSync(dir), ['tarsnet-mesh.prom'])
  })

  it('mesh --prom-file when no node answers SSH: the sources down and tarsnet_probe_success 0, exit 3; when the database is gone: tarsnet_probe_success 0, exit 3', async () => {
    const file = join(work, 'unreached.prom')
    for (const i of NODES) lab.blockSsh(i)
    const r = await runCommand(['mesh', ...common(), ...sshArgs(), '--prom-file', file])
    assert.equal(r.code, 3, r.stderr + r.stdout)
    assert.match(r.stderr, /^error: could not run: no node answered over SSH/)
    let samples = parseMetrics(readFileSync(file, 'utf8'))
    assert.deepEqual(sourcesUp(samples), {n1: 0, n2: 0, n3: 0})
    assert.deepEqual(meshLinks(samples), {})
    assert.equal(value(samples, 'tarsnet_probe_success'), 0)
    promtoolCheck(readFileSync(file, 'utf8'))

    const closed = new URL(db.url)
    closed.host = '127.0.0.1:1'
    const gone = await runCommand(['mesh', '--db', closed.toString(), '--networks', lab.networksSpec(), ...sshArgs(), '--prom-file', file])
    assert.equal(gone.code, 3)
    assert.match(gone.stderr, /^error: cannot reach the database/)
    samples = parseMetrics(readFileSync(file, 'utf8'))
    assert.equal(value(samples, 'tarsnet_probe_success'), 0)
    assert.deepEqual(sourcesUp(samples), {})
    assert.equal(existsSync(join(work, `.unreached.prom.${process.pid}.tmp`)), false)
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.')), [])
  })
})
