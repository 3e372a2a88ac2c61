/**
 * The pure rules of the clients' record (core/traffic.ts): upstream's slot rule and table names, the window's
 * overlap, durations, and the caller verdicts on small hand-made series.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {namedNetworks, parseNetworksSpec} from '../../src/core/networks.js'
import {statFlags} from '../../src/options/stat-flags.js'
import {buildEndpointMap, cutTypeOf, judgeCaller, parseDuration, planTables, slotEnd, slotEndingAt, slotsOverlapping, statTableName, summarizeTraffic, trafficFindings, windowOf, type Counts} from '../../src/core/traffic.js'
import {renderTraffic} from '../../src/traffic/view.js'

const at = (iso: string) => Date.parse(`${iso}Z`)

describe('slots', () => {
  it('names a slot by its end; the end on the hour is minute 60 of the hour before, midnight the day before\'s 2360', () => {
    assert.deepEqual(slotEndingAt(at('2026-03-01T09:05:00')), {end: at('2026-03-01T09:05:00'), date: '2026-03-01', tflag: '0905'})
    assert.deepEqual(slotEndingAt(at('2026-03-01T09:00:00')), {end: at('2026-03-01T09:00:00'), date: '2026-03-01', tflag: '0860'})
    assert.deepEqual(slotEndingAt(at('2026-03-02T00:00:00')), {end: at('2026-03-02T00:00:00'), date: '2026-03-01', tflag: '2360'})
    assert.equal(slotEnd('2026-03-01', '0860'), at('2026-03-01T09:00:00'))
    assert.equal(slotEnd('2026-03-01', '2360'), at('2026-03-02T00:00:00'))
    assert.ok(Number.isNaN(slotEnd('2026-03-01', '0900')), 'HH00 never occurs')
  })

  it('puts a slot in its hour, day or minute table, and reads the cut type from the name\'s length', () => {
    const s = slotEndingAt(at('2026-03-01T10:00:00'))
    assert.equal(statTableName('tars_stat_', s, 'hour'), 'tars_stat_2026030109')
    assert.equal(statTableName('tars_stat_', s, 'day'), 'tars_stat_20260301')
    assert.equal(statTableName('tars_stat_', s, 'minute'), 'tars_stat_202603010960')
    assert.equal(cutTypeOf('tars_stat_', 'tars_stat_2026030109'), 'hour')
    assert.equal(cutTypeOf('tars_stat_', 'tars_stat_20260301'), 'day')
    assert.equal(cutTypeOf('tars_stat_', 'tars_stat_202603010960'), 'minute')
    assert.equal(cutTypeOf('tars_stat_', 'tars_stat_backup'), null)
  })

  it('takes every slot whose 5 minutes overlap the window, and says which no table holds', () => {
    const window = {from: at('2026-03-01T09:52:30'), to: at('2026-03-01T10:07:00')}
    assert.deepEqual(slotsOverlapping(window).map((s) => s.tflag), ['0955', '0960', '1005', '1010'])
    const plan = planTables('tars_stat_', window, ['tars_stat_2026030109', 'tars_stat_2026030110'])
    assert.deepEqual(plan.tables.map((t) => [t.table, t.slots.map((s) => s.tflag)]), [['tars_stat_2026030109', ['0955', '0960']], ['tars_stat_2026030110', ['1005', '1010']]])
    const gap = planTables('tars_stat_', window, ['tars_stat_2026030110'])
    // 10:10 has not ended at 10:07: not missing.
    assert.deepEqual(gap.missing.map((s) => s.tflag), ['0955', '0960'])
  })

  it('reads durations with a unit, and nothing else', () => {
    assert.equal(parseDuration('90s', '--since'), 90)
    assert.equal(parseDuration('30m', '--since'), 1800)
    assert.equal(parseDuration('2h', '--since'), 7200)
    assert.equal(parseDuration('1d', '--since'), 86_400)
    for (const bad of ['30', '1w', '-5m', '', '1.5h']) assert.throws(() => parseDuration(bad, '--since'), /is not a duration/)
    // A duration with many digits is still a duration: too long, not malformed.
    assert.throws(() => parseDuration('99999999d', '--since'), /--since 99999999d is too long/)
    // A zero --since is named as such, not blamed on an --until nobody gave.
    assert.throws(() => windowOf(0, parseDuration('0s', '--since'), 0), /^UserError: --since 0 is an empty window/)
  })

  it('the window flags\' help offers only durations the flags accept', () => {
    for (const flag of ['since', 'until'] as const) {
      const help = statFlags[flag].summary!
      const offered = [...help.matchAll(/(?<![\w.])(\d+[a-z]*)(?![\w.])/g)].map((m) => m[1])
      assert.ok(offered.length > 0, help)
      for (const d of offered) assert.doesNotThrow(() => parseDuration(d, `--${flag}`), `--${flag} help offers ${d}: ${help}`)
    }
  })
})

describe('caller verdicts', () => {
  const c = (ok: number, timeouts = 0): Counts => ({calls: ok + timeouts, ok, timeouts, exceptions: 0})
  const net = (ip: string) => (ip.startsWith('10.10.') ? 'x' : 'y')
  const series = (slots: Array<Record<string, Counts>>) => ({caller: 'A.B', networks: new Map(), slots: new Map(slots.map((s, i) => [i * 300_000, new Map(Object.entries(s))]))})

  it('failed over: failures on an IP, then none there while the others answer', () => {
    const r = judgeCaller(series([{'10.10.0.1': c(100), '10.20.0.1': c(100)}, {'10.10.0.1': c(0, 5), '10.20.0.1': c(100)}, {'10.20.0.1': c(200)}]), net, 'tars_cpp')
    assert.equal(r.verdict, 'failed-over')
    assert.deepEqual(r.deadIps, ['10.10.0.1'])
  })

  it('stuck at 5 % of its calls to a failing IP; a smaller trickle is probing', () => {
    const stuck = judgeCaller(series([{'10.10.0.1': c(0, 10), '10.20.0.1': c(190)}]), net, 'tars_nodejs')
    assert.equal(stuck.verdict, 'stuck')
    assert.deepEqual(stuck.deadIps, ['10.10.0.1'])
    assert.match(stuck.note!, /TARS_MONITOR/)
    const probing = judgeCaller(series([{'10.10.0.1': c(0, 50), '10.20.0.1': c(50)}, {'10.10.0.1': c(0, 4), '10.20.0.1': c(196)}]), net, 'tars_go')
    assert.equal(probing.verdict, 'failed-over')
    assert.deepEqual(probing.probingIps, ['10.10.0.1'])
  })

  it('failing when most calls fail on every network it uses', () => {
    const r = judgeCaller(series([{'10.10.0.1': c(1, 9), '10.20.0.1': c(0, 10)}]), net, null)
    assert.equal(r.verdict, 'failing')
  })
})

describe('summarizeTraffic', () => {
  const rows = {
    nodes: [{nodeName: 'n1', nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList: '10.10.0.1,10.20.0.1'}],
    servers: [{application: 'A', serverName: 'Cli', nodeName: 'n1', settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_go'}],
    adapters: [{application: 'A', serverName: 'S', nodeName: 'n1', adapterName: 'a', endpoint: 'tcp -h 0.0.0.0 -p 9000', servant: 'A.S.Obj', protocol: 'tars'}],
  }
  const map = buildEndpointMap(rows, namedNetworks(parseNetworksSpec('x=10.10.0.0/16;y=10.20.0.0/16')))
  const sum = (ip: string, ok: number, timeouts: number, master = 'A.Cli', port = 9000) => ({end: 300_000, master, slave: 'A.S', ip, port, ok, timeouts, exceptions: 0})

  it('maps 0.0.0.0 to each of the node\'s IPs, keeps unknown endpoints, drops pseudo callers; a caller with nothing answered is an outage (2)', () => {
    const s = summarizeTraffic([sum('10.10.0.1', 0, 5), sum('10.20.0.1', 0, 5), sum('10.10.0.1', 50, 0, 'stat_from_server'), sum('10.10.0.7', 1, 0, 'A.Cli', 9000)], map)
    assert.equal(s.exitCode, 2)
    assert.equal(s.verdict, 'outage')
    const o = s.objects[0]
    assert.deepEqual(o.endpoints.map((e) => [e.node, e.network, e.ip]), [['n1', 'x', '10.10.0.1'], ['n1', 'y', '10.20.0.1']])
    assert.deepEqual([o.callers[0].verdict, o.callers[0].language], ['failing', 'tars_go'])
    assert.deepEqual(s.unknown.map((u) => [u.ip, u.calls]), [['10.10.0.7', 1]])
    assert.equal(o.networks.reduce((n, x) => n + x.calls, 0), 10)
  })

  it('is ok (0) with no failed call in the last slot', () => {
    assert.equal(summarizeTraffic([sum('10.10.0.1', 5, 0), sum('10.20.0.1', 5, 0)], map).exitCode, 0)
  })
})

describe('findings and the view', () => {
  const rows = {
    nodes: [
      {nodeName: 'n1', nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList: '10.10.0.1,10.20.0.1'},
      {nodeName: 'n2', nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList: '10.10.0.2,10.20.0.2'},
    ],
    servers: [],
    adapters: ['n1', 'n2'].map((nodeName) => ({application: 'A', serverName: 'S', nodeName, adapterName: 'a', endpoint: 'tcp -h 0.0.0.0 -p 9000', servant: 'A.S.Obj', protocol: 'tars'})),
  }
  const map = buildEndpointMap(rows, namedNetworks(parseNetworksSpec('x=10.10.0.0/16;y=10.20.0.0/16')))
  const sum = (slot: number, ip: string, ok: number, timeouts: number, master = 'A.Cli') => ({end: slot * 300_000, master, slave: 'A.S', ip, port: 9000, ok, timeouts, exceptions: 0})

  it('check --traffic: a caller failing on every network is clients-failing, naming the nodes of the IPs it fails on', () => {
    // Its last slot: 1 of 10 answered on x, none of 10 on y; failing but not all failed (degraded, not outage).
    const s = summarizeTraffic([sum(1, '10.10.0.1', 50, 0), sum(1, '10.20.0.2', 50, 0), sum(2, '10.10.0.1', 1, 9), sum(2, '10.20.0.2', 0, 10)], map)
    assert.equal(s.objects[0].callers[0].verdict, 'failing')
    assert.equal(s.exitCode, 1)
    const f = trafficFindings(s)
    assert.deepEqual(f.map((x) => [x.code, x.object, x.nodes]), [['clients-failing', 'A.S.Obj', ['n1', 'n2']]])
    assert.match(f[0].message, /A\.Cli: most of its calls fail on every network it uses \(slot ending .*: x 1\/10 answered, y 0\/10 answered\)/)
  })

  it('shows up to 12 slots as numbers per network, more as sparklines of calls and failures', () => {
    const view = {paint: (_: unknown, t: string) => t, unicode: true, width: 160}
    const result = (slots: number) => {
      const sums = Array.from({length: slots}, (_, k) => [sum(k + 1, '10.10.0.1', 100, k === slots - 1 ? 100 : 0), sum(k + 1, '10.20.0.1', 100, 0)]).flat()
      return {...summarizeTraffic(sums, map), window: {now: '', from: '', to: '', sinceSeconds: 0, untilSeconds: 0, slots, slotsRead: slots, tables: []}, statSource: 'test', notices: []}
    }
    const numbers = renderTraffic(result(12), view).join('\n')
    assert.match(numbers, /^x\s+1300\s+8%\s+100\s+100(\s+100){9}\s+200 50%$/m)
    const sparks = renderTraffic(result(13), view).join('\n')
    assert.match(sparks, /NETWORK\s+CALLS\s+FAILED\s+CALLS 00:05–01:05\s+FAILED %/)
    // x: the last slot twice the calls (the highest bar) and half of them failed (a mid-height failure bar).
    assert.match(sparks, /^x\s+1400\s+7%\s+▄{12}█\s+ {12}▄$/m)
    assert.match(sparks, /^y\s+1300\s+0%\s+█{13}\s*$/m)
  })
})
