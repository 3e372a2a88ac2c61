/**
 * Gray failures, the pure parts: loss and latency percentiles from samples, the adaptive timeout's
 * estimate, the mesh's intermittent culprits and slow links, the probe's lossy links and lines, the
 * mesh matrix's loss digits, the remote script's samples, and the exporter's loss ratio and histogram.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {latencyStats, lossPercent, percentile, sampledStatus, sampleStats, slowLinks} from '../../src/core/link-samples.js'
import {analyzeMesh, type MeshLink} from '../../src/core/mesh-culprits.js'
import {namedNetworks} from '../../src/core/networks.js'
import {AUTO_FLOOR_MS, RttEstimator} from '../../src/core/rtt.js'
import {buildRegistry, ConnectHistogram, promClient, renderMetrics} from '../../src/exporter/metrics.js'
import {meshMeasurement} from '../../src/exporter/mesh-collector.js'
import {probeMeasurement} from '../../src/exporter/probe-collector.js'
import type {Measurement, Round} from '../../src/exporter/round.js'
import {buildRemoteScript, parseRemoteOutput, remoteBudgetMs} from '../../src/mesh/remote.js'
import {culpritLines, matrixLines, UNICODE, verdictLine} from '../../src/mesh/report.js'
import type {MeshPlan, MeshPlanNode} from '../../src/mesh/plan.js'
import type {MeshRoundResult} from '../../src/mesh/run.js'
import type {ProbeResult} from '../../src/probe/engine.js'
import {planMatrix} from '../../src/probe/plan.js'
import {buildReport, lossLegend, matrixModel, UNICODE_GLYPHS} from '../../src/probe/report.js'
import {demoSnapshot} from '../../src/store/snapshot-store.js'
import {parseMetrics} from '../helpers/exporter.js'

describe('samples: loss and latency percentiles', () => {
  it('nearest-rank percentiles are values that were measured; stats over the connected samples only', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert.deepEqual([percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 1)], [5, 9, 10])
    assert.deepEqual(latencyStats([0.5, 0.2, 0.9, Number.NaN]), {min: 0.2, p50: 0.5, p90: 0.9, max: 0.9})
    assert.equal(latencyStats([]), null)
    assert.deepEqual(sampleStats(10, [1, 2, 3, 4, 5, 6, 7]), {samples: 10, lost: 3, loss: 0.3, latency: {min: 1, p50: 4, p90: 7, max: 7}})
    assert.deepEqual(sampleStats(5, []), {samples: 5, lost: 5, loss: 1, latency: null})
    assert.deepEqual([sampledStatus(10, 0), sampledStatus(10, 3), sampledStatus(10, 10)], ['up', 'lossy', 'failed'])
    assert.deepEqual([lossPercent(0.3), lossPercent(0.004), lossPercent(0)], ['30 %', '<1 %', '0 %'])
  })

  it('slow: p50 at least 5× the network\'s median and at least 20 ms; fewer than 3 links name none', () => {
    const links = [{n: 'x', p: 1}, {n: 'x', p: 1.2}, {n: 'x', p: 0.9}, {n: 'x', p: 45}, {n: 'y', p: 4}, {n: 'y', p: 5}, {n: 'y', p: 19}, {n: 'z', p: 1}, {n: 'z', p: 90}]
    const slow = slowLinks(links, (l) => l.n, (l) => l.p)
    // y's 19 ms is 4.75× its median 5 and under 20 ms anyway; z has two links only.
    assert.deepEqual(slow.map((s) => [s.link.n, s.p50, s.networkMedian]), [['x', 45, 1.1]])
  })
})

describe('adaptive timeout: RFC 6298 with nmap\'s floor and initial timeout', () => {
  it('waits the initial 1000 ms (at most the ceiling) until answers come, then SRTT + 4·RTTVAR boxed between 100 ms and the ceiling', () => {
    assert.equal(new RttEstimator().timeoutMs, 1000)
    assert.equal(new RttEstimator({ceilingMs: 400}).timeoutMs, 400)
    const lan = new RttEstimator()
    for (let i = 0; i < 20; i++) lan.observe(0.3)
    assert.equal(lan.timeoutMs, AUTO_FLOOR_MS, 'a LAN answers in 0.3 ms: the floor')
    const wan = new RttEstimator({ceilingMs: 3000})
    wan.observe(200)
    assert.equal(wan.timeoutMs, 200 + 4 * 200, 'the first answer: SRTT = R, RTTVAR = R')
    wan.observe(200)
    assert.equal(wan.timeoutMs, 200 + 4 * 150, 'RTTVAR = 3/4 · 200 + 1/4 · |200 − 200|')
    wan.observe(9000)
    assert.equal(wan.timeoutMs, 800, 'an 8 s+ answer is not believed')
    const slow = new RttEstimator({ceilingMs: 3000})
    slow.observe(2000)
    assert.equal(slow.timeoutMs, 3000, 'never past the ceiling')
    // No answers where a LAN answered before: back off (RFC 6298 §5.5), doubling up to the ceiling.
    lan.backoff()
    assert.equal(lan.timeoutMs, 200)
    for (let i = 0; i < 10; i++) lan.backoff()
    assert.equal(lan.timeoutMs, 3000)
    lan.observe(0.3)
    assert.equal(lan.timeoutMs, AUTO_FLOOR_MS, 'answers teach it again')
  })
})

const NET = (n: string) => (n === 'x' ? 10 : 20)
/** A full mesh of n nodes on x and y; `shape` gives a link's status and lost samples (10 samples each). */
function meshLinks(n: number, shape: (from: number, to: number, net: string) => {status?: MeshLink['status']; lost?: number; p50?: number} = () => ({})): MeshLink[] {
  const links: MeshLink[] = []
  for (let a = 1; a <= n; a++) {
    for (let b = 1; b <= n; b++) {
      if (a === b) continue
      for (const net of ['x', 'y']) {
        const s = shape(a, b, net)
        const lost = s.lost ?? 0
        const status = s.status ?? (lost === 0 ? 'up' : lost >= 10 ? 'timeout' : 'lossy')
        const p50 = s.p50 ?? 0.4
        const connected = status === 'up' || status === 'lossy'
        links.push({from: `n${a}`, to: `n${b}`, network: net, host: `10.${NET(net)}.0.${b}`, port: 7000, status, latencyMs: connected ? p50 : null, error: connected ? null : 'no answer within 500 ms',
          samples: 10, lost: connected ? lost : 10, loss: connected ? lost / 10 : 1, latency: connected ? {min: p50, p50, p90: p50, max: p50} : null})
      }
    }
  }
  return links
}
const culprits = (links: MeshLink[]) => analyzeMesh(links, {networks: ['x', 'y']}).culprits.map((c) => ({kind: c.kind, node: c.node, network: c.network, nodes: c.nodes, intermittent: c.intermittent, loss: c.loss}))

describe('mesh: gray-failure culprits', () => {
  it('a node whose links on x are lossy with every peer, both ways: its side of x, intermittent, with the loss; not ten link culprits', () => {
    const links = meshLinks(6, (a, b, net) => ({lost: net === 'x' && (a === 3 || b === 3) ? 3 : 0}))
    const analysis = analyzeMesh(links, {networks: ['x', 'y']})
    assert.deepEqual(culprits(links), [{kind: 'node-network', node: 'n3', network: 'x', nodes: undefined, intermittent: true, loss: 0.3}])
    assert.match(analysis.culprits[0].message, /^n3's side of network x loses ~30 % of packets \(intermittent: 10 of its 10 links there lossy, with 5 peers; y clean; its NIC, cable or switch port on x\)$/)
    assert.deepEqual([analysis.summary.failedLinks, analysis.summary.lossyLinks, analysis.verdict], [0, 10, 'degraded'])
    assert.deepEqual(analysis.summary.networks.x, {up: 30, total: 30, lossy: 10})
    assert.ok(analysis.pairs.every((p) => p.verdict === 'ok'), 'a lossy link still connects: every pair can talk')
  })

  it('loss on one direction only (the node\'s own connections out): its side, "from it"; most but not all lossy still counts', () => {
    // n3 → n6 happened to lose nothing in its 10 samples.
    const links = meshLinks(6, (a, b, net) => ({lost: net === 'x' && a === 3 && b !== 6 ? 2 : 0}))
    const analysis = analyzeMesh(links, {networks: ['x', 'y']})
    assert.deepEqual(culprits(links), [{kind: 'node-network', node: 'n3', network: 'x', nodes: undefined, intermittent: true, loss: 0.16}])
    assert.match(analysis.culprits[0].message, /4 of its 10 links there lossy from it, with 4 peers/)
  })

  it('its side named for what reaches it also explains a lossy link of its own the other way: no lone link beside it', () => {
    // As seen on the lab with 3 samples: n3 drops 30 % of what it receives on x; by chance only one of its own connections lost a sample.
    const links = meshLinks(6, (a, b, net) => ({lost: net === 'x' && (b === 3 || (a === 3 && b === 2)) ? 3 : 0}))
    assert.deepEqual(culprits(links), [{kind: 'node-network', node: 'n3', network: 'x', nodes: undefined, intermittent: true, loss: 0.18}])
    assert.match(analyzeMesh(links).culprits[0].message, /6 of its 10 links there lossy, with 5 peers/)
  })

  it('a link alone lossy is named alone; a network lossy on most links is the network', () => {
    const lone = meshLinks(5, (a, b, net) => ({lost: net === 'y' && a === 1 && b === 2 ? 4 : 0}))
    assert.deepEqual(culprits(lone), [{kind: 'link', node: undefined, network: 'y', nodes: ['n1', 'n2'], intermittent: true, loss: 0.4}])
    assert.match(analyzeMesh(lone).culprits[0].message, /^link n1 ↔ n2 on y loses ~40 % of packets n1 → n2 \(intermittent; only this link/)
    const net = meshLinks(5, (a, b, n) => ({lost: n === 'x' && (a + b) % 5 !== 0 ? 1 : 0}))
    assert.deepEqual(culprits(net).map((c) => [c.kind, c.network, c.intermittent]), [['network', 'x', true]])
  })

  it('hard failures and gray ones side by side: a NIC down on n2 and a lossy n4 on x are two culprits', () => {
    const links = meshLinks(6, (a, b, net) => (net !== 'x' ? {} : b === 2 || a === 2 ? {status: 'timeout'} : a === 4 || b === 4 ? {lost: 5} : {}))
    const found = culprits(links)
    assert.deepEqual(found.map((c) => [c.kind, c.node, c.network, c.intermittent ?? false]), [['node-network', 'n2', 'x', false], ['node-network', 'n4', 'x', true]])
    const result = {...analyzeMesh(links, {networks: ['x', 'y']}), links} as unknown as MeshRoundResult
    assert.match(culpritLines(result)[0], /^Culprits: 2 explain the 10 failed links and 8 lossy links:$/)
    assert.match(verdictLine(result, UNICODE), /^DEGRADED: 10 links down, every pair still up on some network; 8 links lossy/)
    // The exporter's culprit series count failed links only: loss has its own metric.
    const m = meshMeasurement({...result, object: null, sources: [], exitCode: 1, wallMs: 1, measured: true})
    assert.deepEqual(m.culprits!.map((c) => c.kind), ['node-network'])
    assert.equal(m.links.find((l) => l.source === 'n4' && l.node === 'n1' && l.network === 'x')!.loss, 0.5)
  })

  it('one sample per link: a NIC failing at random across many peers is that node\'s side, intermittent, not a list of ACLs', () => {
    // 30 % of n3's connects on x fail outright (one sample each: no link can be lossy); y is clean.
    let k = 0
    const links = meshLinks(20, (a, b, net) => ({lost: net === 'x' && (a === 3 || b === 3) && k++ % 3 === 0 ? 10 : 0}))
    const analysis = analyzeMesh(links, {networks: ['x', 'y']})
    assert.deepEqual(analysis.culprits.map((c) => [c.kind, c.node, c.network, c.intermittent]), [['node-network', 'n3', 'x', true]])
    assert.match(analysis.culprits[0].message, /^n3's side of network x loses ~34 % of packets \(intermittent: 13 of its 38 links there failed, with 13 peers; y clean;/)
    assert.deepEqual([analysis.summary.failedLinks, analysis.verdict], [13, 'degraded'])
    const result = {...analysis, links} as unknown as MeshRoundResult
    assert.match(culpritLines(result)[0], /^Culprits: 1 explains the 13 failed links:$/)
  })

  it('a lossy NIC whose links failed every sample now and then: those links are its side too, not ACLs', () => {
    let k = 0
    const links = meshLinks(20, (a, b, net) => ({lost: net === 'x' && (a === 3 || b === 3) ? (k++ % 17 === 0 ? 10 : 3) : 0}))
    const analysis = analyzeMesh(links, {networks: ['x', 'y']})
    assert.deepEqual(analysis.culprits.map((c) => [c.kind, c.node, c.network, c.intermittent]), [['node-network', 'n3', 'x', true]])
    assert.match(analysis.culprits[0].message, /38 of its 38 links there lossy or failed \(3 failed\)/)
    assert.match(culpritLines({...analysis, links} as unknown as MeshRoundResult)[0], /^Culprits: 1 explains the 3 failed links and 35 lossy links:$/)
  })

  it('one sample per link, random failures on x between most nodes: the network, not a dozen node sides and links', () => {
    let seed = 12345 // a fixed sequence: ~30 % of x's links fail, spread over every node
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const links = meshLinks(20, (_a, _b, net) => ({lost: net === 'x' && random() < 0.3 ? 10 : 0}))
    const analysis = analyzeMesh(links, {networks: ['x', 'y']})
    assert.deepEqual(analysis.culprits.map((c) => [c.kind, c.network, c.intermittent]), [['network', 'x', true]])
    assert.match(analysis.culprits[0].message, /^network x loses ~\d+ % of packets: \d+ of its 380 links lossy or failing at random, at \d+ of its 20 nodes \(intermittent/)
    assert.ok(Math.abs(analysis.culprits[0].loss! - 0.3) < 0.1, String(analysis.culprits[0].loss))
  })

  it('failed links of one node with two peers, or with its other network failing too, stay links', () => {
    const two = meshLinks(6, (a, b, net) => ({status: net === 'x' && ((a === 3 && b === 5) || (a === 5 && b === 3) || (a === 3 && b === 6)) ? 'timeout' : undefined}))
    assert.deepEqual(culprits(two).map((c) => [c.kind, c.nodes, c.intermittent]), [['link', ['n3', 'n5'], undefined], ['link', ['n3', 'n6'], undefined]])
    const both = meshLinks(6, (a, b, net) => ({status: (net === 'x' && a === 3 && b <= 4) || (net === 'y' && a === 3 && b === 6) ? 'timeout' : undefined}))
    assert.ok(culprits(both).every((c) => c.kind === 'link' && c.intermittent === undefined), JSON.stringify(culprits(both)))
  })

  it('slow links are listed and marked, and the verdict stays ok', () => {
    const links = meshLinks(4, (a, b, net) => ({p50: net === 'y' && a === 2 && b === 3 ? 60 : 0.5}))
    const analysis = analyzeMesh(links, {networks: ['x', 'y']})
    assert.equal(analysis.verdict, 'ok')
    assert.deepEqual(analysis.slow, [{from: 'n2', to: 'n3', network: 'y', host: '10.20.0.3', p50: 60, networkMedian: 0.5}])
    assert.equal(links.filter((l) => l.slow).length, 1)
  })

  it('the matrix shows a lossy cell as its loss in tens of per cent, with the legend', () => {
    const links = meshLinks(3, (a, b, net) => ({lost: net === 'x' && b === 2 ? 3 : 0}))
    const node = (i: number): MeshPlanNode => ({name: `n${i}`, ips: [{ip: `10.10.0.${i}`, network: 'x'}, {ip: `10.20.0.${i}`, network: 'y'}], targets: [{host: `10.10.0.${i}`, network: 'x', ports: [7000]}, {host: `10.20.0.${i}`, network: 'y', ports: [7000]}], note: null})
    const plan: MeshPlan = {mode: 'nodes', object: null, columns: ['x', 'y'], nodes: [node(1), node(2), node(3)], notes: []}
    const result = {...analyzeMesh(links, {networks: ['x', 'y']}), links, sources: ['n1', 'n2', 'n3'].map((n) => ({node: n, status: 'ok'}))} as unknown as MeshRoundResult
    const lines = matrixLines(plan, result, UNICODE)
    assert.ok(lines.includes('1 n1       · 3 ✔'), lines.join('\n'))
    assert.ok(lines.includes('2 n2       ✔ · ✔'), lines.join('\n'))
    assert.ok(lines.includes('3 n3       ✔ 3 ·'), lines.join('\n'))
    assert.match(lines.at(-1)!, /1-9 lossy: ~10-90 % of samples lost/)
  })
})

describe('probe: lossy links in the report', () => {
  const demo = demoSnapshot() as ReturnType<typeof demoSnapshot> & {networks: Array<{name: string; cidrs: string[]}>}
  const plan = planMatrix({nodes: demo.nodes, servers: demo.servers, adapters: demo.adapters, networks: namedNetworks(demo.networks), check: 'tcp'})
  const results = (shape: (node: string, network: string | null) => {lost: number; p50: number}): ProbeResult[] => plan.targets.map((t) => {
    const {lost, p50} = shape(t.node, t.network)
    return {id: t.id, node: t.node, network: t.network, host: t.host, port: t.ports[0], check: t.check, status: lost === 0 ? 'up' : 'lossy', latencyMs: p50, sourceIp: '127.0.0.1', error: null, tarsRet: null, servantVerified: null, attempts: 10,
      sampled: {samples: 10, lost, latency: {min: p50, p50, p90: p50, max: p50}, latencies: new Float32Array(10 - lost).fill(p50)}}
  })

  it('a lossy link: status lossy, its loss and samples in JSON, the verdict degraded, one LOSSY line naming its side, the cell and legend', () => {
    const report = buildReport(plan, results((node, net) => ({lost: node === '127.10.0.2' && net === 'y' ? 3 : 0, p50: 0.4})))
    const bad = report.results.find((r) => r.node === '127.10.0.2' && r.network === 'y')!
    assert.deepEqual([bad.status, bad.samples, bad.lost, bad.loss, bad.latency?.p50], ['lossy', 10, 3, 0.3, 0.4])
    assert.equal(JSON.stringify(bad).includes('latencies'), false, 'the samples themselves stay out of the JSON')
    assert.deepEqual([report.verdict, report.exitCode], ['degraded', 1])
    assert.deepEqual(report.lines, ['LOSSY: 127.10.0.2\'s side of network y loses ~30 % of packets (intermittent: 3 of 10 samples lost to 127.20.0.2)'])
    assert.deepEqual(report.summary.networks.y, {up: 3, total: 3, lossy: 1})
    const cell = matrixModel(plan, report, UNICODE_GLYPHS).rows.find((r) => r.row === '127.10.0.2')!.cells[1]
    assert.equal(cell.kind, 'lossy')
    assert.match(cell.text, /^✔ 0\.4 ms( :\d+)?, 30% lost$/)
    assert.match(lossLegend(report.results)!, /^"N% lost": the share of a link's 10 samples that did not connect/)
    const m = probeMeasurement(report)
    const sample = m.links.find((l) => l.node === '127.10.0.2' && l.network === 'y')!
    assert.deepEqual([sample.up, sample.loss, sample.latencySamplesMs!.length], [true, 0.3, 7])
  })

  it('every link of a network lossy: the network (or this host\'s side of it), one line; a slow link is said without changing the verdict', () => {
    const lossy = buildReport(plan, results((_n, net) => ({lost: net === 'x' ? 1 : 0, p50: 0.4})))
    assert.deepEqual(lossy.lines, ['LOSSY: network x (or this host\'s side of it) loses ~10 % of packets on every one of its 5 links (intermittent)'])
    const slow = buildReport(plan, results((node, net) => ({lost: 0, p50: node === '127.10.0.4' && net === 'x' ? 30 : 0.5})))
    assert.equal(slow.verdict, 'ok')
    assert.deepEqual(slow.lines, ['OK: every link up', 'SLOW: 127.10.0.4 on x (127.10.0.4): p50 30 ms, 60× the network\'s median 0.5 ms (≥ 5× and ≥ 20 ms)'])
    assert.equal(slow.results.filter((r) => r.slow).length, 1)
  })
})

describe('the remote script with samples', () => {
  it('lists every probe once per sample (id = probe × samples + sample), without retries; the budget covers the spacing', () => {
    const probes = [{host: '198.19.1.2', port: 7000}, {host: '198.19.2.2', port: 7000}]
    const script = buildRemoteScript(probes, {timeoutMs: 500, retries: 2, samples: 3})
    assert.match(script, /^P='0,0,198\.19\.1\.2,7000 1,0,198\.19\.1\.2,7000 2,0,198\.19\.1\.2,7000 3,0,198\.19\.2\.2,7000 4,0,198\.19\.2\.2,7000 5,0,198\.19\.2\.2,7000'$/m)
    assert.match(script, /^R=0$/m)
    assert.match(script, /^M=3$/m)
    assert.match(script, /^G=0\.100$/m)
    assert.match(buildRemoteScript(probes, {timeoutMs: 500, retries: 2}), /^R=2$/m)
    assert.ok(remoteBudgetMs(2, {timeoutMs: 500, retries: 0, samples: 10}) > remoteBudgetMs(2, {timeoutMs: 500, retries: 0}) + 9 * 900)
    assert.throws(() => buildRemoteScript(probes, {timeoutMs: 500, retries: 0, samples: 0}), /bad samples/)
    const parsed = parseRemoteOutput('TARSNET-MESH 1 bash\nR 5 up 120\nR 0 timeout\nTARSNET-MESH-END\n', 6)
    assert.deepEqual([parsed.results[5]?.latencyUs, parsed.results[0]?.status, parsed.results[1]], [120, 'timeout', undefined])
  })
})

describe('the remote script with --timeout auto', () => {
  const probes = [{host: '198.19.1.2', port: 7000, net: 0}, {host: '198.19.2.2', port: 7000, net: 1}]
  const adaptive = {initialMs: [1000, 250], floorMs: 100, maxMs: 3000}

  it('numbers each probe\'s network, gives each network its initial wait, the floor and the ceiling; fixed mode adapts nothing', () => {
    const script = buildRemoteScript(probes, {timeoutMs: 1000, retries: 0, adaptive})
    assert.match(script, /^P='0,0,198\.19\.1\.2,7000 1,1,198\.19\.2\.2,7000'$/m)
    assert.match(script, /^A=1$/m)
    assert.match(script, /^I='0:1000 1:250'$/m)
    assert.match(script, /^F=100$/m)
    // bash and python3 may wait up to the ceiling; nc keeps the fixed whole seconds.
    assert.match(script, /^K=3000$/m)
    assert.match(script, /^W=1$/m)
    const fixed = buildRemoteScript(probes.map(({host, port}) => ({host, port})), {timeoutMs: 1000, retries: 0})
    assert.match(fixed, /^A=0$/m)
    assert.match(fixed, /^K=1000$/m)
    // The safety net and the budget cover the ceiling.
    assert.ok(remoteBudgetMs(2, {timeoutMs: 1000, retries: 0, adaptive}) >= remoteBudgetMs(2, {timeoutMs: 3000, retries: 0}))
  })

  it('refuses a network index or timing it cannot trust', () => {
    assert.throws(() => buildRemoteScript([{host: '198.19.1.2', port: 7000, net: 2}], {timeoutMs: 1000, retries: 0, adaptive}), /network index/)
    assert.throws(() => buildRemoteScript([{host: '198.19.1.2', port: 7000, net: 1}], {timeoutMs: 1000, retries: 0}), /network index/)
    assert.throws(() => buildRemoteScript(probes, {timeoutMs: 1000, retries: 0, adaptive: {...adaptive, initialMs: [1000, 0.5]}}), /adaptive/)
    assert.throws(() => buildRemoteScript(probes, {timeoutMs: 1000, retries: 0, adaptive: {...adaptive, initialMs: []}}), /adaptive/)
  })

  it('reads the waits the node used per network: the longest over its batches, the answers added up; junk ignored', () => {
    const out = parseRemoteOutput('TARSNET-MESH 1 bash\nR 0 timeout\nW 0 140 3\nW 1 1000 0\nW 0 120 2\nW 99 5 1\nW 0 x 1\nTARSNET-MESH-END\n', 2)
    assert.deepEqual(out.waits, [{ms: 140, answers: 5}, {ms: 1000, answers: 0}])
    assert.equal(out.ignoredLines, 2)
  })
})

describe('exporter: loss ratio and the connect-latency histogram', () => {
  const link = (source: string, node: string, network: string, loss: number, samplesMs: number[]) =>
    ({source, node, network, ip: `10.${NET(network)}.0.${node.slice(1)}`, port: 7000, up: loss < 1, latencySeconds: samplesMs.length > 0 ? samplesMs[0] / 1000 : null, loss, latencySamplesMs: samplesMs})
  const measurement = (links: Measurement['links']): Measurement => ({targets: links.length, links, nodes: [], summary: 's', details: {}})
  const round = (n: number, m: Measurement, ok = true): Round => ({number: n, startedAtMs: 0, endedAtMs: 1, success: ok, collectors: [{name: 'probe', ok, error: ok ? null : 'db gone', durationMs: 1, measurement: m, measuredAtMs: 1}]})

  it('tarsnet_link_loss_ratio per link; the histogram counts every connected sample and grows across rounds, not from a served-again measurement', async () => {
    const prom = await promClient()
    const m = measurement([link('local', 'n1', 'x', 0.3, [0.4, 0.6, 0.3, 0.4, 0.5, 0.4, 0.4]), link('local', 'n2', 'x', 1, []), link('n3', 'n1', 'x', 0, [2, 2])])
    const histogram = new ConnectHistogram(prom)
    histogram.add(round(1, m))
    let samples = parseMetrics(await buildRegistry(prom, round(1, m), histogram).metrics())
    const value = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
    assert.equal(value('tarsnet_link_loss_ratio', {source: 'local', node: 'n1'}), 0.3)
    assert.equal(value('tarsnet_link_loss_ratio', {source: 'local', node: 'n2'}), 1)
    assert.equal(value('tarsnet_connect_latency_seconds_count', {vantage: 'local', node: 'n1', network: 'x'}), 7)
    assert.equal(value('tarsnet_connect_latency_seconds_bucket', {vantage: 'local', node: 'n1', le: '0.0005'}), 6)
    assert.equal(value('tarsnet_connect_latency_seconds_count', {vantage: 'mesh', node: 'n1', network: 'x'}), 2)
    histogram.add(round(2, m))
    histogram.add(round(3, m, false)) // a failed round serves round 2's measurement again: not counted twice
    samples = parseMetrics(await buildRegistry(prom, round(3, m, false), histogram).metrics())
    assert.equal(value('tarsnet_connect_latency_seconds_count', {vantage: 'local', node: 'n1', network: 'x'}), 14)
    // --prom-file: one round, its own samples.
    const text = (await renderMetrics(round(1, m))).text
    assert.match(text, /^# TYPE tarsnet_connect_latency_seconds histogram$/m)
    assert.match(text, /^tarsnet_connect_latency_seconds_count\{vantage="local",node="n1",network="x"\} 7$/m)
  })

  it('series stay sane at 100 nodes on 2 networks with the full mesh: at most 6,000 histogram series', async () => {
    const links: Measurement['links'] = []
    for (let b = 1; b <= 100; b++) {
      for (const net of ['x', 'y']) {
        links.push(link('local', `n${b}`, net, 0, [0.4]))
        for (let a = 1; a <= 100; a++) if (a !== b) links.push(link(`n${a}`, `n${b}`, net, 0, [0.4]))
      }
    }
    const prom = await promClient()
    const histogram = new ConnectHistogram(prom)
    const r = round(1, measurement(links))
    histogram.add(r)
    const text = await buildRegistry(prom, r, histogram).metrics()
    const series = text.split('\n').filter((l) => l.startsWith('tarsnet_connect_latency_seconds')).length
    assert.equal(series, 100 * 2 * 2 * 15)
    assert.ok(series <= 6000)
    // tarsnet_link_up's series are the links themselves; loss ratio adds as many, no more.
    const count = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`)).length
    assert.equal(count('tarsnet_link_loss_ratio'), count('tarsnet_link_up'))
  })
})
