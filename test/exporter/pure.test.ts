/**
 * The exporter's pure parts: the listen address, the profile's exporter keys, a round of collectors
 * (a failing one keeps its last good measurement), plain round data → Prometheus text (links from any
 * source, findings), a probe report → samples, and a mesh round → samples (sources, culprits, a round
 * that reached no node).
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseListenAddress} from '../../src/core/listen.js'
import {namedNetworks} from '../../src/core/networks.js'
import {buildRegistry, promClient} from '../../src/exporter/metrics.js'
import {probeMeasurement} from '../../src/exporter/probe-collector.js'
import type {MeshLink} from '../../src/core/mesh-culprits.js'
import {meshMeasurement} from '../../src/exporter/mesh-collector.js'
import {roundLogJson, roundLogLine, runRound, type Collector, type Measurement, type Round} from '../../src/exporter/round.js'
import type {MeshRoundResult, MeshSource} from '../../src/mesh/run.js'
import {exporterSettings} from '../../src/cli/config/feature-settings.js'
import {planMatrix} from '../../src/probe/plan.js'
import {buildReport} from '../../src/probe/report.js'
import {demoSnapshot} from '../../src/store/snapshot-store.js'
import {parseMetrics, valuesBy} from '../helpers/exporter.js'

const measurement = (extra: Partial<Measurement> = {}): Measurement => ({
  targets: 1,
  links: [{source: 'local', node: 'n1', network: 'x', ip: '10.10.0.1', port: 19386, up: true, latencySeconds: 0.0004}],
  nodes: [{node: 'n1', networks: 1, networksUp: 1}],
  summary: '1 link',
  details: {},
  ...extra,
})

describe('exporter: listen address and profile keys', () => {
  it('parses HOST:PORT, [IPv6]:PORT, :PORT and host names; says what is wrong otherwise', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9731'), {host: '127.0.0.1', port: 9731})
    assert.deepEqual(parseListenAddress('[FD00:10::1]:9731'), {host: 'fd00:10::1', port: 9731})
    assert.deepEqual(parseListenAddress(':9731'), {host: '', port: 9731})
    assert.deepEqual(parseListenAddress('localhost:0'), {host: 'localhost', port: 0})
    assert.deepEqual(parseListenAddress('mon-1.plant.local:9731'), {host: 'mon-1.plant.local', port: 9731})
    assert.equal(parseListenAddress('9731'), 'no port')
    assert.equal(parseListenAddress('127.0.0.1:'), 'no port')
    assert.equal(parseListenAddress('127.0.0.1:http'), '"http" is not a port number')
    assert.equal(parseListenAddress('127.0.0.1:70000'), 'port 70000 is over 65535')
    assert.equal(parseListenAddress('[::1]9731'), 'an IPv6 address goes in brackets, followed by :PORT')
    assert.equal(parseListenAddress('[10.0.0.1]:9731'), '"10.0.0.1" is not an IPv6 address')
    assert.equal(parseListenAddress('10.0.0.300:9731'), '"10.0.0.300" is not an IP address or host name')
    assert.equal(parseListenAddress('bad_host:9731'), '"bad_host" is not an IP address or host name')
  })

  it('checks the profile\'s exporter keys', () => {
    assert.deepEqual(exporterSettings({}, 'p'), {})
    assert.deepEqual(exporterSettings({exporter: {listen: ':9731', interval: 15}}, 'p'), {listen: ':9731', interval: 15})
    const bad = (exporter: unknown) => () => exporterSettings({exporter} as never, 'p')
    assert.throws(bad('127.0.0.1:9731'), /^UserError: profile p: exporter must be an object like/)
    assert.throws(bad({listen: 9731}), /profile p: exporter\.listen 9731 is invalid \(not a string\)/)
    assert.throws(bad({listen: 'x'}), /profile p: exporter\.listen "x" is invalid \(no port\): write HOST:PORT/)
    assert.throws(bad({interval: '30'}), /exporter\.interval "30" is invalid: give whole seconds, at least 1/)
    assert.throws(bad({interval: 0}), /exporter\.interval 0 is invalid/)
    assert.deepEqual(exporterSettings({exporter: {mesh: true, findings: false}}, 'p'), {mesh: true, findings: false})
    assert.throws(bad({mesh: 'yes'}), /profile p: exporter\.mesh "yes" is invalid: give true or false/)
    assert.throws(bad({findings: 1}), /profile p: exporter\.findings 1 is invalid: give true or false/)
  })
})

describe('exporter: rounds of collectors', () => {
  it('a failing collector keeps serving its last good measurement; the round is marked failed', async () => {
    let fail = true
    let clock = 1_000_000
    const now = () => (clock += 500)
    const flaky: Collector = {name: 'probe', collect: async () => {
      if (fail) throw new Error('cannot reach the database:\n127.0.0.1:3306 (connection refused)')
      return measurement()
    }}
    const signal = new AbortController().signal
    const r1 = await runRound([flaky], null, signal, now)
    assert.equal(r1.number, 1)
    assert.equal(r1.success, false)
    assert.equal(r1.collectors[0].error, 'cannot reach the database: 127.0.0.1:3306 (connection refused)')
    assert.equal(r1.collectors[0].measurement, null)
    fail = false
    const r2 = await runRound([flaky], r1, signal, now)
    assert.equal(r2.success, true)
    const goodAt = r2.collectors[0].measuredAtMs
    assert.ok(goodAt !== null && goodAt > r1.endedAtMs)
    fail = true
    const r3 = await runRound([flaky], r2, signal, now)
    assert.equal(r3.number, 3)
    assert.equal(r3.success, false)
    assert.equal(r3.collectors[0].measurement, r2.collectors[0].measurement)
    assert.equal(r3.collectors[0].measuredAtMs, goodAt)
    assert.match(roundLogLine(r3), /round 3 failed in \d+\.\d s; probe FAILED: cannot reach the database: 127\.0\.0\.1:3306 \(connection refused\) \(serving the links of 3 s ago\)$/)
  })

  it('runs every collector of a round at once, and each keeps its own name', async () => {
    let running = 0
    let most = 0
    const slow = (name: string): Collector => ({name, collect: async () => {
      most = Math.max(most, ++running)
      await new Promise((r) => setTimeout(r, 20))
      running--
      return measurement()
    }})
    const round = await runRound([slow('probe'), slow('mesh')], null, new AbortController().signal)
    assert.equal(most, 2)
    assert.deepEqual(round.collectors.map((c) => c.name), ['probe', 'mesh'])
  })
})

describe('exporter: round data → metrics', () => {
  it('links from any source (local and mesh source nodes), node redundancy, findings when a collector has them', async () => {
    const prom = await promClient()
    const round: Round = {
      number: 4, startedAtMs: 1_700_000_000_000, endedAtMs: 1_700_000_001_250, success: false,
      collectors: [
        {name: 'probe', ok: true, error: null, durationMs: 1000, measuredAtMs: 1_700_000_001_000, measurement: measurement()},
        // A mesh-like collector: links seen from node n2; it failed this round, its last measurement is older.
        {name: 'mesh', ok: false, error: 'ssh: n2 unreachable', durationMs: 1200, measuredAtMs: 1_699_999_990_000, measurement: measurement({
          targets: 2,
          links: [
            {source: 'n2', node: 'n1', network: 'x', ip: '10.10.0.1', port: 19386, up: false, latencySeconds: null},
            {source: 'n2', node: 'n1', network: 'y', ip: '10.20.0.1', port: 19386, up: true, latencySeconds: 0.001},
          ],
          nodes: [],
        })},
        {name: 'check', ok: true, error: null, durationMs: 100, measuredAtMs: 1_700_000_001_100, measurement: measurement({targets: 5, links: [], nodes: [], findings: {critical: 2, warning: 1}})},
      ],
    }
    const text = await buildRegistry(prom, round).metrics()
    const samples = parseMetrics(text)
    assert.deepEqual(valuesBy(samples, 'tarsnet_link_up', (l) => `${l.source}>${l.node} ${l.network}`), {'local>n1 x': 1, 'n2>n1 x': 0, 'n2>n1 y': 1})
    assert.deepEqual(valuesBy(samples, 'tarsnet_link_latency_seconds', (l) => `${l.source}>${l.node} ${l.network}`), {'local>n1 x': 0.0004, 'n2>n1 y': 0.001})
    assert.deepEqual(valuesBy(samples, 'tarsnet_check_findings', (l) => l.severity), {critical: 2, warning: 1})
    assert.match(text, /^# TYPE tarsnet_check_findings gauge$/m)
    const one = (name: string) => samples.find((s) => s.name === name)?.value
    assert.equal(one('tarsnet_probe_success'), 0)
    assert.equal(one('tarsnet_probe_duration_seconds'), 1.25)
    assert.equal(one('tarsnet_probe_timestamp_seconds'), 1_699_999_990, 'the oldest measurement shown')
    assert.equal(one('tarsnet_probe_targets'), 8)
    // Label values are escaped.
    const odd = await buildRegistry(prom, {...round, collectors: [{...round.collectors[0], measurement: measurement({links: [{source: 'local', node: 'n"1\\', network: '(none)', ip: '::1', port: 1, up: true, latencySeconds: null}]})}]}).metrics()
    assert.match(odd, /^tarsnet_link_up\{source="local",node="n\\"1\\\\",network="\(none\)",ip="::1",port="1"\} 1$/m)
  })

  it('before any round: tarsnet_probe_success 0, no links, no timestamp, no findings', async () => {
    const text = await buildRegistry(await promClient(), null).metrics()
    const samples = parseMetrics(text)
    assert.deepEqual(samples.map((s) => `${s.name} ${s.value}`), ['tarsnet_probe_success 0', 'tarsnet_probe_targets 0'])
    assert.match(text, /^# HELP tarsnet_link_up /m)
    assert.doesNotMatch(text, /tarsnet_check_findings/)
  })
})

describe('exporter: a probe report → samples', () => {
  it('every active link; per node the networks probed and those that answered', () => {
    const demo = demoSnapshot() as ReturnType<typeof demoSnapshot> & {networks: Array<{name: string; cidrs: string[]}>}
    const plan = planMatrix({nodes: demo.nodes, servers: demo.servers, adapters: demo.adapters, networks: namedNetworks(demo.networks), check: 'tcp'})
    const results = plan.targets.map((t) => {
      const down = t.node === '127.10.0.2' && t.network === 'y'
      return {id: t.id, node: t.node, network: t.network, host: t.host, port: t.ports[0], check: t.check, status: down ? 'timeout' as const : 'up' as const, latencyMs: down ? null : 0.412, sourceIp: '127.0.0.1', error: null, tarsRet: null, servantVerified: null, attempts: 1}
    })
    const m = probeMeasurement(buildReport(plan, results))
    assert.equal(m.targets, plan.targets.length)
    assert.equal(m.links.length, plan.targets.length)
    const cut = m.links.find((l) => l.node === '127.10.0.2' && l.network === 'y')!
    assert.deepEqual(cut, {source: 'local', node: '127.10.0.2', network: 'y', ip: '127.20.0.2', port: cut.port, up: false, latencySeconds: null, loss: 1, latencySamplesMs: []})
    assert.equal(m.links.find((l) => l.up)!.latencySeconds, 0.000412)
    assert.deepEqual(m.nodes.find((n) => n.node === '127.10.0.2'), {node: '127.10.0.2', networks: 2, networksUp: 1})
    assert.deepEqual(m.nodes.find((n) => n.node === '127.10.0.3'), {node: '127.10.0.3', networks: 1, networksUp: 1}, 'a node with one network has one')
    assert.equal(m.nodes.some((n) => n.node === '127.10.0.6'), false, 'a node with nothing to probe has no redundancy figures')
    assert.match(m.summary, /^8 links, 7 up \(x: 5\/5 up, y: 2\/3 up\); DEGRADED: 127\.10\.0\.2 reachable only on x \(down on y\)$/)
    assert.equal(m.details.verdict, 'degraded')
  })
})

describe('exporter: a mesh round → samples, metrics and log lines', () => {
  const source = (node: string, status: MeshSource['status'], error: string | null = null): MeshSource =>
    ({node, sshHost: status === 'ok' ? `10.10.0.${node.slice(1)}` : null, sshNetwork: status === 'ok' ? 'x' : null, status, tool: status === 'ok' ? 'bash' : null, error, sshFailures: [], probes: 4})
  const link = (from: string, to: string, network: string, status: MeshLink['status']): MeshLink =>
    ({from, to, network, host: `10.${network === 'x' ? 10 : 20}.0.${to.slice(1)}`, port: 19386, status, latencyMs: status === 'up' ? 0.42 : null, error: status === 'up' ? null : 'no answer within 500 ms'})
  // n1 ↔ n2 fail each other on x (one link culprit); n3's sshd does not answer; n4 has nothing to probe from.
  const links = [link('n1', 'n2', 'x', 'timeout'), link('n1', 'n2', 'y', 'up'), link('n2', 'n1', 'x', 'timeout'), link('n2', 'n1', 'y', 'up'), link('n1', 'n3', 'x', 'up'), link('n2', 'n3', 'y', 'up')]
  const result = (over: Partial<MeshRoundResult> = {}): MeshRoundResult => ({
    object: null, links, pairs: [],
    sources: [source('n1', 'ok'), source('n2', 'ok'), source('n3', 'unreachable', 'ssh: connect to host 10.20.0.3 port 22: Connection timed out'), {...source('n4', 'idle', 'nothing to probe from this node'), probes: 0}],
    culprits: [{kind: 'link', network: 'x', nodes: ['n1', 'n2'], message: 'link n1 ↔ n2 on x: both work with their other peers there (an ACL or a route between them)', failedLinks: 2}],
    summary: {networks: {x: {up: 1, total: 3}, y: {up: 3, total: 3}}, pairs: {ok: 1, degraded: 1, cut: 0, unknown: 0}, failedLinks: 2, unreachableSources: ['n3']},
    verdict: 'degraded', exitCode: 1, wallMs: 900, measured: true, ...over,
  })

  it('links carry the source node; sources (not idle ones) and culprits become series; a log line names what SSH could not reach', async () => {
    const m = meshMeasurement(result())
    assert.deepEqual(m.links.map((l) => `${l.source}>${l.node} ${l.network} ${l.ip}:${l.port} ${l.up ? 1 : 0} ${l.latencySeconds}`), [
      'n1>n2 x 10.10.0.2:19386 0 null', 'n1>n2 y 10.20.0.2:19386 1 0.00042', 'n2>n1 x 10.10.0.1:19386 0 null',
      'n2>n1 y 10.20.0.1:19386 1 0.00042', 'n1>n3 x 10.10.0.3:19386 1 0.00042', 'n2>n3 y 10.20.0.3:19386 1 0.00042',
    ])
    assert.deepEqual(m.nodes, [], 'no tarsnet_node_* series: those are the local view')
    assert.deepEqual(m.meshSources, [{source: 'n1', up: true}, {source: 'n2', up: true}, {source: 'n3', up: false}])
    assert.deepEqual(m.culprits, [{kind: 'link', node: 'n1', network: 'x', peer: 'n2', failedLinks: 2}])
    assert.equal(m.failed, undefined)
    assert.equal(m.targets, 6)
    assert.equal(m.summary, '6 links, 4 up (x: 1/3 up, y: 3/3 up); SSH 2/3 nodes (n3: ssh: connect to host 10.20.0.3 port 22: Connection timed out); DEGRADED: 2 links down, every pair still up on some network; not measured from n3; culprits: link n1 ↔ n2 on x: both work with their other peers there (an ACL or a route between them)')
    assert.deepEqual(m.details.sourcesDown, [{node: 'n3', status: 'unreachable', error: 'ssh: connect to host 10.20.0.3 port 22: Connection timed out'}])

    const round = await runRound([{name: 'mesh', collect: async () => m}], null, new AbortController().signal)
    assert.equal(round.success, true, 'one node not reached over SSH does not fail the round')
    assert.match(roundLogLine(round), /round 1 ok in \d+\.\d s; mesh: 6 links, 4 up .*SSH 2\/3 nodes \(n3: ssh: connect/)
    const text = await buildRegistry(await promClient(), round).metrics()
    const samples = parseMetrics(text)
    assert.deepEqual(valuesBy(samples, 'tarsnet_mesh_source_up', (l) => l.source), {n1: 1, n2: 1, n3: 0})
    assert.deepEqual(samples.filter((s) => s.name === 'tarsnet_mesh_culprit_links').map((s) => [s.labels, s.value]), [[{kind: 'link', node: 'n1', network: 'x', peer: 'n2'}, 2]])
    assert.match(text, /^# HELP tarsnet_mesh_source_up Whether the mesh ran on this source node/m)
    assert.match(text, /^# TYPE tarsnet_mesh_culprit_links gauge$/m)
    // Without a mesh collector there is no mesh series at all.
    assert.doesNotMatch(await buildRegistry(await promClient(), await runRound([{name: 'probe', collect: async () => measurement()}], null, new AbortController().signal)).metrics(), /tarsnet_mesh_/)
  })

  it('a mesh round that reached no node: served as measured (every source down, no links), and the round fails with why', async () => {
    const none = meshMeasurement(result({
      links: [], culprits: [], verdict: 'degraded', measured: false,
      sources: [source('n1', 'unreachable', 'Permission denied (publickey).'), source('n2', 'unreachable', 'Permission denied (publickey).')],
      summary: {networks: {}, pairs: {ok: 0, degraded: 0, cut: 0, unknown: 1}, failedLinks: 0, unreachableSources: ['n1', 'n2']},
    }))
    assert.equal(none.failed, 'no node answered over SSH (n1: Permission denied (publickey).; n2: Permission denied (publickey).): check the SSH settings and that this host can `ssh` to a node')
    let clock = 5_000_000
    const now = () => (clock += 100)
    const good: Collector = {name: 'mesh', collect: async () => meshMeasurement(result())}
    const r1 = await runRound([good], null, new AbortController().signal, now)
    const r2 = await runRound([{name: 'mesh', collect: async () => none}], r1, new AbortController().signal, now)
    assert.equal(r2.success, false)
    assert.equal(r2.collectors[0].error, none.failed)
    assert.equal(r2.collectors[0].measurement, none, 'this round\'s measurement, not the last good one: its sources are down now')
    assert.ok(r2.collectors[0].measuredAtMs! > r1.endedAtMs)
    assert.match(roundLogLine(r2), /round 2 failed in \d+\.\d s; mesh FAILED: no node answered over SSH \(n1: Permission denied \(publickey\)\.; n2: Permission denied \(publickey\)\.\): check the SSH settings and that this host can `ssh` to a node$/)
    assert.equal(roundLogJson(r2).collectors instanceof Array && (roundLogJson(r2).collectors as Array<Record<string, unknown>>)[0].sourcesDownCount, 2)
    const samples = parseMetrics(await buildRegistry(await promClient(), r2).metrics())
    assert.deepEqual(valuesBy(samples, 'tarsnet_mesh_source_up', (l) => l.source), {n1: 0, n2: 0})
    assert.equal(samples.filter((s) => s.name === 'tarsnet_link_up').length, 0)
    assert.equal(samples.find((s) => s.name === 'tarsnet_probe_success')?.value, 0)
    // And a collector that throws after it: the last measurement (this failed one) stays served.
    const r3 = await runRound([{name: 'mesh', collect: async () => { throw new Error('cannot reach the database') }}], r2, new AbortController().signal, now)
    assert.match(roundLogLine(r3), /mesh FAILED: cannot reach the database \(serving the links of \d+ s ago\)$/)
  })
})
