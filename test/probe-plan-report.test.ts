import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {namedNetworks} from '../src/core/networks.js'
import {resolveObject, wildcardOf} from '../src/core/resolve.js'
import {loadObjectRows} from '../src/store/object-loader.js'
import type {ProbeResult, ProbeStatus} from '../src/probe/engine.js'
import {planMatrix, planObject, servantPorts} from '../src/probe/plan.js'
import {ASCII_GLYPHS, buildReport, cellText, matrixModel, networkLines, servantExplanation, UNICODE_GLYPHS} from '../src/probe/report.js'
import {EXIT} from '../src/core/exit-codes.js'
import {changeLine, formatDuration, WatchTracker} from '../src/core/transitions.js'
import {expandWatchFlag} from '../src/cli/watch.js'
import {demoSnapshot, SnapshotStore} from '../src/store/snapshot-store.js'
import type {AdapterRow} from '../src/core/rows.js'
import type {Store} from '../src/store/types.js'

const demo = demoSnapshot() as ReturnType<typeof demoSnapshot> & {networks: Array<{name: string; cidrs: string[]}>}
const networks = namedNetworks(demo.networks)
const matrix = (extra: Partial<Parameters<typeof planMatrix>[0]> = {}) =>
  planMatrix({nodes: demo.nodes, servers: demo.servers, adapters: demo.adapters, networks, check: 'auto', ...extra})

/** Fake engine results: `status(target)` decides each one. */
function fake(plan: ReturnType<typeof matrix>, status: (t: (typeof plan.targets)[number]) => ProbeStatus, tarsRet: number | null = null): ProbeResult[] {
  return plan.targets.map((t) => {
    const s = status(t)
    return {id: t.id, node: t.node, network: t.network, host: t.host, port: t.ports[0], check: t.check, status: s, latencyMs: s === 'up' ? 0.42 : null, sourceIp: '127.0.0.1', error: s === 'up' ? null : {code: s === 'error' ? 'TARS-4' : 'X', message: s}, tarsRet: s === 'error' ? tarsRet : null, servantVerified: t.check === 'tars' && s === 'up' ? true : null, attempts: 1}
  })
}

describe('probe plan', () => {
  it('takes each node IP\'s ports from its own active servants (the expansion)', () => {
    const ports = servantPorts(demo)
    assert.deepEqual(ports.get('127.10.0.1')?.get('127.20.0.1')?.map((p) => p.port), [20003, 20001])
    // 127.10.0.2's HTTP gateway is bound to its x IP only and is not a Tars adapter.
    assert.deepEqual(ports.get('127.10.0.2')?.get('127.10.0.2')?.map((p) => [p.port, p.servant]), [[20001, 'Plant.ControlServer.ControlObj'], [20080, null], [20002, 'Plant.HistoryServer.HistoryObj']])
    assert.deepEqual(ports.get('127.10.0.2')?.get('127.20.0.2')?.map((p) => p.port), [20001, 20002])
    assert.equal(ports.has('127.10.0.6'), false, 'its only server is inactive')
  })

  it('an adapter belongs to its servant whatever its application; its own server row decides activity', () => {
    const node = {...demo.nodes[0], nodeName: 't1', ipList: '127.10.0.1'}
    const server = {...demo.servers[0], application: 'Gw', serverName: 'Edge', nodeName: 't1 ', settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0}
    const adapter: AdapterRow = {application: 'GW', serverName: 'Edge', nodeName: 't1', adapterName: 'a', endpoint: 'tcp -h 0.0.0.0 -p 20009', servant: 'Plant.ControlServer.ControlObj', protocol: 'tars'}
    const up = servantPorts({nodes: [node], servers: [server], adapters: [adapter]})
    assert.deepEqual(up.get('t1')?.get('127.10.0.1'), [{port: 20009, servant: 'Plant.ControlServer.ControlObj'}])
    const stopped = servantPorts({nodes: [node], servers: [{...server, presentState: 'inactive'}], adapters: [adapter]})
    assert.equal(stopped.has('t1'), false)
  })

  it('builds the matrix: every node × IP, tars_ping where a Tars servant is known, nothing-to-probe shown', () => {
    const plan = matrix()
    assert.deepEqual(plan.columns, ['x', 'y'])
    assert.equal(plan.rows.length, 6)
    const n6 = plan.rows.find((r) => r.node === '127.10.0.6')!
    assert.match(n6.nothingToProbe!, /no active servant/)
    assert.equal(plan.idle.filter((i) => i.row === '127.10.0.6').length, 2)
    const t = plan.targets.find((x) => x.host === '127.10.0.2')!
    assert.equal(t.check, 'tars')
    assert.deepEqual(t.servants, ['Plant.ControlServer.ControlObj', null, 'Plant.HistoryServer.HistoryObj'])
    assert.equal(matrix({check: 'tcp'}).targets.every((x) => x.check === 'tcp' && x.servants === undefined), true)
  })

  it('--port replaces the servant ports; profile ports come last; filters apply', () => {
    const plan = matrix({ports: [22]})
    assert.equal(plan.targets.length, 10)
    assert.ok(plan.targets.every((t) => t.ports.length === 1 && t.ports[0] === 22 && t.check === 'tcp'))
    const withFallback = matrix({fallbackPorts: [22]})
    assert.deepEqual(withFallback.targets.find((t) => t.host === '127.20.0.1')!.ports, [20003, 20001, 22])
    assert.deepEqual(withFallback.targets.filter((t) => t.node === '127.10.0.6').map((t) => t.ports), [[22], [22]])
    const y = matrix({network: 'y', node: '127.10.0.[12]'})
    assert.deepEqual(y.columns, ['y'])
    assert.deepEqual(y.targets.map((t) => t.host), ['127.20.0.1', '127.20.0.2'])
  })

  it('plans an object\'s endpoints, active and inactive, one row per node', () => {
    const rows = {servers: demo.servers, adapters: demo.adapters.filter((a) => a.servant === 'Plant.AlarmServer.AlarmObj'), registry: []}
    const result = resolveObject({object: 'Plant.AlarmServer.AlarmObj', rows, nodes: demo.nodes, networks})
    const plan = planObject(result, networks, 'auto')
    assert.deepEqual(plan.rows.map((r) => [r.key, r.active]), [['127.10.0.1', true], ['127.10.0.5', true], ['127.10.0.6', false]])
    assert.ok(plan.targets.every((t) => t.check === 'tars' && t.servant === 'Plant.AlarmServer.AlarmObj'))
    assert.equal(plan.targets.filter((t) => !t.active).length, 2)
  })
})

describe('one expansion for resolve and probe', () => {
  it('expands the same endpoints for tricky hosts (core/resolve expandHosts in both)', () => {
    const hosts = ['0.0.0.0', '000.0.0.0', '0.0.000.0', '::', '0:0::0', '00::', '::0.0.0.0', '::ffff:0.0.0.0', '*', null, '127.10.0.1', '::1']
    const obj = 'T.S.Obj'
    const nodes = [{...demo.nodes[0], nodeName: 't1', ipList: '127.10.0.1,::1,127.20.0.1'}]
    const server = {...demo.servers[0], application: 'T', serverName: 'S', nodeName: 't1', settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableSet: 'N'}
    for (const host of hosts) {
      const adapter: AdapterRow = {application: 'T', serverName: 'S', nodeName: 't1', adapterName: `${obj}Adapter`, endpoint: `tcp${host === null ? '' : ` -h ${host}`} -p 20001`, servant: obj, protocol: 'tars'}
      const resolved = resolveObject({object: obj, rows: {servers: [server], adapters: [adapter], registry: []}, nodes, networks})
      const fromResolve = resolved.active.map((e) => e.host).sort()
      const fromProbe = [...(servantPorts({nodes, servers: [server], adapters: [adapter]}).get('t1')?.keys() ?? [])].sort()
      assert.deepEqual(fromProbe, fromResolve, `host ${host}`)
    }
    assert.equal(wildcardOf('000.0.0.0')?.kind, 'ipv4')
    // IPv4-mapped IPv6 is the IPv4 address it maps, everywhere (issue 9, defect 8): ::ffff:0.0.0.0 is 0.0.0.0.
    assert.equal(wildcardOf('::ffff:0.0.0.0')?.kind, 'ipv4')
  })
})

describe('loading one object (resolve and probe OBJECT)', () => {
  it('loads only the object\'s nodes, trims locator ids, and names the closest objects when unknown', async () => {
    const snap = demoSnapshot()
    snap.registry = snap.registry.map((r) => ({...r, locatorId: ` ${r.locatorId} `}))
    const real = new SnapshotStore(snap, {kind: 'demo', source: 'test', takenAt: snap.takenAt})
    const calls: Array<string[] | undefined> = []
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'loadNodes') return (names?: string[]) => {
          calls.push(names)
          return target.loadNodes(names)
        }
        const v = Reflect.get(target, prop, receiver)
        return typeof v === 'function' ? v.bind(target) : v
      },
    }) as Store
    const {rows, nodes} = await loadObjectRows(store, 'Plant.AlarmServer.AlarmObj')
    assert.equal(rows.adapters.length, 3)
    assert.deepEqual(calls, [['127.10.0.1', '127.10.0.5', '127.10.0.6']].map((x) => x), 'loadNodes gets the wanted names, not every node')
    assert.deepEqual(nodes.map((n) => n.nodeName).sort(), ['127.10.0.1', '127.10.0.5', '127.10.0.6'])
    calls.length = 0
    const reg = await loadObjectRows(store, 'tars.tarsregistry.QueryObj')
    assert.deepEqual(calls[0], ['127.10.0.1'], 'the locator id " 127.10.0.1:17890 " names node 127.10.0.1')
    assert.deepEqual(reg.nodes.map((n) => n.nodeName), ['127.10.0.1'])
    await assert.rejects(loadObjectRows(store, 'Plant.AlarmServer.AlarmOb'), /unknown object 'Plant\.AlarmServer\.AlarmOb'.*closest: Plant\.AlarmServer\.AlarmObj/)
  })
})

describe('probe OBJECT follows resolve\'s keying by servant (snapshot store)', () => {
  it('an adapter of another application whose servant is the object is probed, for that servant', async () => {
    const snap = demoSnapshot()
    const obj = 'Plant.AlarmServer.AlarmObj'
    snap.servers.push({...snap.servers[0], application: 'Edge', serverName: 'Relay', nodeName: '127.10.0.3', settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0})
    snap.adapters.push({application: 'EDGE', serverName: 'Relay ', nodeName: '127.10.0.3', adapterName: 'Edge.Relay.AlarmAdapter', endpoint: 'tcp -h 0.0.0.0 -p 20019 -t 60000', servant: obj, protocol: 'tars'})
    const store = new SnapshotStore(snap, {kind: 'demo', source: 'test', takenAt: snap.takenAt})
    const {rows, nodes} = await loadObjectRows(store, obj)
    assert.ok(rows.adapters.some((a) => a.application === 'EDGE'))
    assert.ok(rows.servers.some((s) => s.application === 'Edge'), 'its own server row is loaded (joined as MySQL would: case and trailing spaces ignored)')
    const plan = planObject(resolveObject({object: obj, rows, nodes, networks}), networks, 'auto')
    const relay = plan.targets.filter((t) => t.node === '127.10.0.3')
    assert.deepEqual(relay.map((t) => [t.host, t.ports, t.servant, t.active]), [['127.10.0.3', [20019], obj, true]])
  })
})

describe('probe report', () => {
  it('all up: ok, exit 0, per-network counts', () => {
    const plan = matrix()
    const r = buildReport(plan, fake(plan, () => 'up'))
    assert.equal(r.verdict, 'ok')
    assert.equal(r.exitCode, EXIT.ok)
    assert.deepEqual(r.summary.networks, {x: {up: 5, total: 5}, y: {up: 3, total: 3}})
    assert.deepEqual(networkLines(r.summary), ['x: 5/5 up', 'y: 3/3 up'])
    assert.deepEqual(r.summary.nothingToProbe, ['127.10.0.6'])
    assert.deepEqual(r.lines, ['OK: every link up'])
  })

  it('a link down, node still up elsewhere: degraded, exit 1, with the line operators read', () => {
    const plan = matrix()
    const r = buildReport(plan, fake(plan, (t) => (t.host === '127.20.0.2' ? 'timeout' : 'up')))
    assert.equal(r.verdict, 'degraded')
    assert.equal(r.exitCode, EXIT.degraded)
    assert.deepEqual(r.summary.degraded, ['127.10.0.2'])
    assert.deepEqual(r.lines, ['DEGRADED: 127.10.0.2 reachable only on x (down on y)'])
    assert.deepEqual(r.summary.networks.y, {up: 2, total: 3})
  })

  it('a node up on no network: outage, exit 2; a wrong servant is reachable: SERVICE, counted apart (issue 9: defect 11)', () => {
    const plan = matrix()
    const r = buildReport(plan, fake(plan, (t) => (t.node === '127.10.0.5' ? 'error' : t.node === '127.10.0.3' ? 'refused' : 'up'), -4))
    assert.equal(r.verdict, 'outage')
    assert.equal(r.exitCode, EXIT.outage)
    assert.deepEqual(r.summary.unreachable, ['127.10.0.3'])
    assert.deepEqual(r.summary.service, ['127.10.0.5'])
    assert.ok(r.lines.includes('SERVICE: 127.10.0.5 answers on x and y, but for another servant (-4)'), r.lines.join('\n'))
    // Alone, a SERVICE verdict exits 1.
    const alone = buildReport(plan, fake(plan, (t) => (t.node === '127.10.0.5' ? 'error' : 'up'), -4))
    assert.equal(alone.verdict, 'service')
    assert.equal(alone.exitCode, 1)
    const five = r.results.find((x) => x.node === '127.10.0.5')!
    assert.equal(five.tarsRet, -4)
    assert.equal(cellText(five, UNICODE_GLYPHS), '✘ other servant (-4)')
  })

  it('inactive endpoints are shown but left out of the verdict', () => {
    const rows = {servers: demo.servers, adapters: demo.adapters.filter((a) => a.servant === 'Plant.AlarmServer.AlarmObj'), registry: []}
    const plan = planObject(resolveObject({object: 'Plant.AlarmServer.AlarmObj', rows, nodes: demo.nodes, networks}), networks, 'auto')
    const r = buildReport(plan, fake(plan, (t) => (t.active ? 'up' : 'refused')))
    assert.equal(r.verdict, 'ok')
    assert.equal(r.results.filter((x) => !x.active).length, 2)
    // The per-network counts are of active endpoints only: the inactive (refused) ones are not in them.
    assert.deepEqual(r.summary.networks, {x: {up: 2, total: 2}, y: {up: 2, total: 2}})
    assert.deepEqual(r.lines, ['OK: every active endpoint up'])
  })

  it('an object whose every endpoint is inactive: outage, exit 2, "no active endpoint", never OK', () => {
    const alarm = 'Plant.AlarmServer.AlarmObj'
    const rows = {servers: demo.servers, adapters: demo.adapters.filter((a) => a.servant === alarm && a.nodeName === '127.10.0.6'), registry: []}
    const plan = planObject(resolveObject({object: alarm, rows, nodes: demo.nodes, networks}), networks, 'auto')
    assert.ok(plan.targets.length > 0 && plan.targets.every((t) => !t.active))
    for (const status of ['refused', 'up'] as const) {
      const r = buildReport(plan, fake(plan, () => status))
      assert.equal(r.verdict, 'outage', status)
      assert.equal(r.exitCode, EXIT.outage)
      assert.deepEqual(r.lines, [`OUTAGE: the registry hands clients no active endpoint of ${alarm} (1 inactive endpoint shown, not counted)`])
      assert.deepEqual(r.summary.networks, {x: {up: 0, total: 0}, y: {up: 0, total: 0}})
      assert.equal(r.results.length, 2, 'the inactive endpoints are still in the results')
      assert.ok(r.results.every((x) => x.active === false))
    }
  })

  it('summary.degraded / unreachable hold node names (issue 4 §5), also for an object; endpoints apart', () => {
    // The JSON shape of issue 4 §5: results[], summary.networks{up,total}, degraded[node], unreachable[node], verdict.
    const shape = (r: ReturnType<typeof buildReport>, nodeNames: Set<string>) => {
      assert.deepEqual(Object.keys(r.summary).slice(0, 3), ['networks', 'degraded', 'unreachable'])
      for (const v of Object.values(r.summary.networks)) assert.deepEqual(Object.keys(v), ['up', 'total'])
      for (const n of [...r.summary.degraded, ...r.summary.unreachable]) assert.ok(nodeNames.has(n), `${n} is a node name`)
      assert.ok(['ok', 'degraded', 'outage'].includes(r.verdict))
    }
    const names = new Set(demo.nodes.map((n) => n.nodeName))
    const m = matrix()
    const mr = buildReport(m, fake(m, (t) => (t.host === '127.20.0.2' ? 'timeout' : t.node === '127.10.0.3' ? 'refused' : 'up')))
    shape(mr, names)
    assert.deepEqual([mr.summary.degraded, mr.summary.unreachable], [['127.10.0.2'], ['127.10.0.3']])

    // An object with two ports on 127.10.0.1: its rows are endpoints (node:port), its summary nodes.
    const alarm = 'Plant.AlarmServer.AlarmObj'
    const base = demo.adapters.filter((a) => a.servant === alarm && a.nodeName !== '127.10.0.6')
    const second: AdapterRow = {...base[0], adapterName: `${alarm}Adapter2`, endpoint: 'tcp -h 0.0.0.0 -p 20013 -t 60000'}
    const plan = planObject(resolveObject({object: alarm, rows: {servers: demo.servers, adapters: [...base, second], registry: []}, nodes: demo.nodes, networks}), networks, 'auto')
    assert.ok(plan.rows.some((r) => r.key === '127.10.0.1:20013'))
    const r = buildReport(plan, fake(plan, (t) => (t.ports[0] === 20013 && t.network === 'y' ? 'timeout' : t.node === '127.10.0.5' ? 'refused' : 'up')))
    shape(r, names)
    assert.deepEqual(r.summary.degraded, ['127.10.0.1'])
    assert.deepEqual(r.summary.unreachable, ['127.10.0.5'])
    assert.deepEqual(r.summary.degradedEndpoints, ['127.10.0.1:20013'])
    assert.deepEqual(r.summary.unreachableEndpoints, ['127.10.0.5'])
    assert.equal(r.verdict, 'outage')
  })

  it('renders cells in Unicode or ASCII, and a matrix model with nothing-to-probe cells', () => {
    const base = {latencyMs: 0.42, tarsRet: null, error: null, port: 20001, ports: [20001]}
    assert.equal(cellText({...base, status: 'up'}, UNICODE_GLYPHS), '✔ 0.4 ms')
    assert.equal(cellText({...base, status: 'up', latencyMs: 12.4, port: 20080, ports: [20001, 20080]}, ASCII_GLYPHS), 'OK 12 ms :20080')
    assert.equal(cellText({...base, status: 'timeout', latencyMs: null}, UNICODE_GLYPHS), '✘ timeout')
    assert.equal(cellText({...base, status: 'refused', latencyMs: null}, ASCII_GLYPHS), 'X refused')
    assert.equal(cellText({...base, status: 'up', tarsRet: 0, servantVerified: false}, UNICODE_GLYPHS), '✔ 0.4 ms, servant not verified')
    assert.equal(cellText({...base, status: 'up', tarsRet: 0, servantVerified: true}, UNICODE_GLYPHS), '✔ 0.4 ms')
    assert.equal(servantExplanation([{servantVerified: true}, {servantVerified: null}]), null)
    assert.match(servantExplanation([{servantVerified: false}, {servantVerified: false}])!, /^servant not verified \(2 links\): .*Tars\.js.*-4/)
    const plan = matrix()
    const model = matrixModel(plan, buildReport(plan, fake(plan, () => 'up')), ASCII_GLYPHS)
    assert.deepEqual(model.head, ['X', 'Y'])
    const three = model.rows.find((r) => r.row === '127.10.0.3')!
    assert.deepEqual(three.cells.map((c) => c.kind), ['up', 'none'])
    const six = model.rows.find((r) => r.row === '127.10.0.6')!
    assert.deepEqual(six.cells.map((c) => c.text), ['- nothing to probe', '- nothing to probe'])
  })
})

describe('probe --watch', () => {
  it('tracks changes and time down per link', () => {
    const w = new WatchTracker()
    const link = (status: ProbeStatus) => [{row: 'n3', node: 'n3', network: 'x', host: '10.0.0.3', status} as never]
    assert.deepEqual(w.update(link('up'), 0), [])
    const [c] = w.update(link('timeout'), 2000)
    assert.equal(changeLine({...c, at: new Date(2026, 0, 1, 14, 3, 7).getTime()}, true), '14:03:07 n3 x 10.0.0.3 up → timeout')
    assert.equal(changeLine({...c, at: new Date(2026, 0, 1, 14, 3, 7).getTime()}, false), '14:03:07 n3 x 10.0.0.3 up -> timeout')
    assert.deepEqual(w.update(link('timeout'), 4000), [])
    assert.equal(w.update(link('up'), 7000).length, 1)
    w.update(link('refused'), 9000)
    const [s] = w.stats(10_000)
    assert.equal(s.changes, 3)
    assert.equal(s.downMs, 5000 + 1000)
    assert.equal(w.rounds, 5)
    assert.equal(formatDuration(6000), '6.0 s')
    assert.equal(formatDuration(3_723_000), '1h 2m 3s')
  })

  it('gives --watch its optional value', () => {
    assert.deepEqual(expandWatchFlag(['--watch']), ['--watch', '2'])
    assert.deepEqual(expandWatchFlag(['--watch', '5', '--demo']), ['--watch', '5', '--demo'])
    assert.deepEqual(expandWatchFlag(['--watch', 'App.S.Obj']), ['--watch', '2', 'App.S.Obj'])
    assert.deepEqual(expandWatchFlag(['--watch=3']), ['--watch=3'])
    assert.deepEqual(expandWatchFlag(['--', '--watch']), ['--', '--watch'])
  })
})
