import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {namedNetworks, autoNetworks} from '../../src/core/networks.js'
import {clientOnNode, parseObjectName, resolveObject, type QueryMode, type ResolveFilters, type ResolveResult} from '../../src/core/resolve.js'
import {parseProxy} from '../../src/core/endpoint.js'
import type {AdapterRow, GroupPriorityRow, GroupRuleRow, NodeRow, RegistryRow, ServerRow} from '../../src/core/rows.js'

const OBJ = 'App.Srv.Obj'
const NETS = namedNetworks([
  {name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']},
  {name: 'y', cidrs: ['10.20.0.0/16', 'fd00:20::/64']},
])

function node(name: string, ipList: string | null | undefined, endpointIp = ''): NodeRow {
  return {
    nodeName: name, nodeObj: '', endpointIp, endpointPort: 0, presentState: 'active', settingState: 'active',
    lastHeartbeat: null, lastRegTime: null, tarsVersion: '3.0.0', ipList,
  }
}

function server(nodeName: string, over: Partial<ServerRow> = {}): ServerRow {
  return {
    application: 'App', serverName: 'Srv', nodeName, settingState: 'active', presentState: 'active', flowState: 'active',
    bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp',
    ...over,
  }
}

function adapter(nodeName: string, endpoint: string, over: Partial<AdapterRow> = {}): AdapterRow {
  return {application: 'App', serverName: 'Srv', nodeName, adapterName: 'App.Srv.ObjAdapter', endpoint, servant: OBJ, protocol: 'tars', ...over}
}

const NODES: NodeRow[] = [
  node('n1', '10.10.0.1,10.20.0.1'),
  node('n2', '10.20.0.2 ; fd00:10::2 ; 10.10.0.2'),
  node('n3', '10.10.0.3'),
  node('n4', null, '10.10.0.4'), // no list: endpoint_ip
  node('10.10.0.5', undefined), // column missing: node_name
  node('n6', '["fd00:10::6","fd00:20::6"]'),
]

interface Spec {
  servers?: ServerRow[]
  adapters?: AdapterRow[]
  registry?: RegistryRow[]
  nodes?: NodeRow[]
  mode?: QueryMode
  filters?: ResolveFilters
  rules?: GroupRuleRow[]
  priorities?: GroupPriorityRow[]
  networks?: ReturnType<typeof namedNetworks>
  proxies?: boolean
}

/** One server row per adapter unless given. */
function run(spec: Spec): ResolveResult {
  const adapters = spec.adapters ?? []
  const servers = spec.servers ?? adapters.map((a) => server(a.nodeName))
  return resolveObject({
    object: OBJ,
    rows: {servers, adapters, registry: spec.registry ?? []},
    nodes: spec.nodes ?? NODES,
    networks: spec.networks ?? NETS,
    groups: {rules: spec.rules ?? [], priorities: spec.priorities ?? []},
    mode: spec.mode,
    filters: spec.filters,
    proxies: spec.proxies,
  })
}

const hosts = (eps: Array<{host: string}>) => eps.map((e) => e.host)
const codes = (r: ResolveResult) => r.warnings.map((w) => w.code)

describe('parseObjectName', () => {
  it('accepts App.Server.Obj', () => {
    assert.deepEqual(parseObjectName('App.Srv.Obj'), {application: 'App', serverName: 'Srv', servant: 'App.Srv.Obj'})
    assert.deepEqual(parseObjectName('tars.tarsregistry.QueryObj')?.serverName, 'tarsregistry')
  })
  for (const bad of ['', 'App', 'App.Srv', 'App.Srv.Obj.X', 'App..Obj', '.Srv.Obj', 'App.Srv.', 'App Srv.Obj.x', "App.Srv.Obj'--", 'A.B.C@tcp']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(parseObjectName(bad), null))
  }
})

describe('active or inactive (setting_state, present_state, flow_state)', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['active', 'active', 'active', true],
    ['active', 'active', '', true], // only flow_state = 'inactive' makes it inactive
    ['active', 'active', 'inactive', false],
    ['inactive', 'active', 'active', false],
    ['active', 'inactive', 'active', false],
    ['active', 'activating', 'active', false],
    ['active', 'deactivating', 'active', false],
    ['active', 'destroyed', 'active', false],
    ['Active', 'active', 'active', false], // compared exactly, as the registry does
  ]
  for (const [setting, present, flow, active] of cases) {
    it(`${setting}/${present}/${flow} → ${active ? 'active' : 'inactive'}`, () => {
      const r = run({
        adapters: [adapter('n3', 'tcp -h 0.0.0.0 -p 1')],
        servers: [server('n3', {settingState: setting, presentState: present, flowState: flow})],
      })
      assert.equal(r.active.length, active ? 1 : 0)
      assert.equal(r.inactive.length, active ? 0 : 1)
      assert.equal((active ? r.active : r.inactive)[0].active, active)
    })
  }
})

describe('rows left out, each with its reason', () => {
  it('bak_flag=1 (standby) is skipped', () => {
    const r = run({adapters: [adapter('n3', 'tcp -h 0.0.0.0 -p 1')], servers: [server('n3', {bakFlag: 1})]})
    assert.equal(r.active.length + r.inactive.length, 0)
    assert.deepEqual(r.skipped.map((s) => [s.node, s.code, s.endpoint]), [['n3', 'standby', 'tcp -h 0.0.0.0 -p 1']])
    assert.match(r.skipped[0].reason, /bak_flag=1/)
  })

  it('bak_flag=2 is not standby', () => {
    const r = run({adapters: [adapter('n3', 'tcp -h 0.0.0.0 -p 1')], servers: [server('n3', {bakFlag: 2})]})
    assert.equal(r.active.length, 1)
  })

  it('an unparsable endpoint is skipped with "endpoint does not parse: <reason>"', () => {
    const r = run({adapters: [adapter('n1', 'tcp -h 0.0.0.0 -p 99999'), adapter('n3', 'tcp -h 0.0.0.0 -p 1')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.3'])
    assert.equal(r.skipped.length, 1)
    assert.equal(r.skipped[0].node, 'n1')
    assert.equal(r.skipped[0].reason, "endpoint does not parse: -p needs a port 0-65535, got '99999'")
  })

  it('the endpoint is parsed before the standby check, as the registry does', () => {
    const r = run({adapters: [adapter('n3', 'http -h x')], servers: [server('n3', {bakFlag: 1})]})
    assert.equal(r.skipped[0].code, 'unparsable')
  })

  it('an adapter without its t_server_conf row is skipped (the join drops it)', () => {
    const r = run({adapters: [adapter('n1', 'tcp -h 0.0.0.0 -p 1')], servers: []})
    assert.equal(r.skipped[0].code, 'no-server-row')
  })

  it('a server row without an adapter for the object is a warning', () => {
    const r = run({adapters: [adapter('n1', 'tcp -h 0.0.0.0 -p 1')], servers: [server('n1'), server('n3')]})
    assert.ok(r.warnings.some((w) => w.code === 'no-adapter' && w.node === 'n3'))
  })

  it('adapters of other servants are ignored (the servant is compared exactly, as the registry\'s map key)', () => {
    const r = run({adapters: [
      adapter('n1', 'tcp -h 0.0.0.0 -p 1', {servant: 'App.Srv.Other'}),
      adapter('n2', 'tcp -h 0.0.0.0 -p 1', {servant: 'app.srv.obj'}),
      adapter('n3', 'tcp -h 0.0.0.0 -p 2'),
    ]})
    assert.deepEqual(hosts(r.active), ['10.10.0.3'])
  })

  it('an adapter belongs to its servant whatever its own application/server_name; its own server row decides', () => {
    const r = run({
      adapters: [adapter('n1', 'tcp -h 0.0.0.0 -p 1', {application: 'Other', serverName: 'Gw'}), adapter('n3', 'tcp -h 0.0.0.0 -p 2')],
      servers: [server('n1', {application: 'Other', serverName: 'Gw', presentState: 'inactive'}), server('n1'), server('n3')],
    })
    assert.deepEqual(hosts(r.active), ['10.10.0.3'])
    assert.deepEqual(r.inactive.map((e) => [e.node, e.host]), [['n1', '10.10.0.1'], ['n1', '10.20.0.1']])
    // App.Srv on n1 has no adapter of its own for the object: said, since the object's name points there.
    assert.ok(r.warnings.some((w) => w.code === 'no-adapter' && w.node === 'n1'))
  })

  it('the join is MySQL\'s: case and trailing spaces of the key columns are ignored', () => {
    const r = run({adapters: [adapter('n3', 'tcp -h 0.0.0.0 -p 1', {application: 'APP', serverName: 'srv '})], servers: [server('n3')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.3'])
  })
})

describe('expansion of wildcard hosts into node IPs', () => {
  it('0.0.0.0 → the node IPv4 addresses, in list order', () => {
    const r = run({adapters: [adapter('n1', 'tcp -h 0.0.0.0 -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.1', '10.20.0.1'])
    assert.ok(r.active.every((e) => e.expanded && e.expandedFrom === '0.0.0.0' && e.ipSource === 'ip_list' && !e.fallback))
  })

  it('0.0.0.0 on a node with IPv6 addresses uses only the IPv4 ones, and says so', () => {
    const r = run({adapters: [adapter('n2', 'tcp -h 0.0.0.0 -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.20.0.2', '10.10.0.2'])
    assert.ok(r.warnings.some((w) => w.code === 'ipv4-only' && /fd00:10::2/.test(w.message)))
  })

  it(':: → all the node addresses, IPv4 and IPv6, in list order', () => {
    const r = run({adapters: [adapter('n2', 'tcp -h :: -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.20.0.2', 'fd00:10::2', '10.10.0.2'])
    assert.equal(r.active[1].network, 'x')
    assert.equal(r.active[1].endpoint, 'tcp -h fd00:10::2 -p 7 -t 3000')
  })

  it('an uncompressed :: (0:0:0:0:0:0:0:0) is a wildcard too', () => {
    const r = run({adapters: [adapter('n6', 'tcp -h 0:0:0:0:0:0:0:0 -p 7')]})
    assert.deepEqual(hosts(r.active), ['fd00:10::6', 'fd00:20::6'])
  })

  it('* is 0.0.0.0 (TC_Endpoint::parse) → the IPv4 addresses only', () => {
    const r = run({adapters: [adapter('n2', 'tcp -h * -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.20.0.2', '10.10.0.2'])
    assert.equal(r.active[0].expandedFrom, '*')
    assert.ok(r.warnings.some((w) => w.code === 'ipv4-only' && /'-h \*' is 0\.0\.0\.0/.test(w.message)))
  })

  it('no -h is 0.0.0.0 (a default-constructed TC_Endpoint) → the IPv4 addresses only, with a warning', () => {
    const r = run({adapters: [adapter('n2', 'tcp -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.20.0.2', '10.10.0.2'])
    assert.equal(r.active[0].expandedFrom, '')
    assert.ok(codes(r).includes('no-host'))
  })

  it('* on an IPv6-only node cannot be expanded', () => {
    const r = run({adapters: [adapter('n6', 'tcp -h * -p 7')]})
    assert.deepEqual(hosts(r.active), ['0.0.0.0'])
    assert.ok(r.warnings.some((w) => w.code === 'not-expanded' && /no IPv4 address/.test(w.message)))
  })

  it('IPv6-only node: :: gives both IPv6 networks', () => {
    const r = run({adapters: [adapter('n6', 'tcp -h :: -p 7')]})
    assert.deepEqual(r.active.map((e) => [e.host, e.network]), [['fd00:10::6', 'x'], ['fd00:20::6', 'y']])
  })

  it('IPv6-only node: 0.0.0.0 cannot be expanded and is kept, with a warning', () => {
    const r = run({adapters: [adapter('n6', 'tcp -h 0.0.0.0 -p 7')]})
    assert.deepEqual(hosts(r.active), ['0.0.0.0'])
    assert.equal(r.active[0].expanded, false)
    assert.ok(r.warnings.some((w) => w.code === 'not-expanded' && /no IPv4 address/.test(w.message)))
  })

  it('keeps port, protocol, timeout, weight and auth on each expanded endpoint; grid and qos are always 0', () => {
    const src = 'udp -h 0.0.0.0 -p 9 -t 60000 -g 1 -q 2 -w 50 -v 1 -e 1'
    const r = run({adapters: [adapter('n1', src)]})
    assert.deepEqual(r.active.map((e) => e.endpoint), [
      'udp -h 10.10.0.1 -p 9 -t 60000 -w 50 -v 1 -e 1',
      'udp -h 10.20.0.1 -p 9 -t 60000 -w 50 -v 1 -e 1',
    ])
    assert.ok(r.active.every((e) => e.source === src && e.protocol === 'udp' && e.port === 9 && e.timeout === 60000 && e.grid === 0 && e.qos === 0))
    assert.equal(r.proxy, 'App.Srv.Obj@udp -h 10.10.0.1 -p 9 -t 60000 -w 50 -v 1 -e 1:udp -h 10.20.0.1 -p 9 -t 60000 -w 50 -v 1 -e 1')
    assert.ok(r.warnings.some((w) => w.code === 'grid-qos-dropped' && /-g 1 -q 2/.test(w.message)))
  })

  it('ssl keeps its protocol', () => {
    const r = run({adapters: [adapter('n3', 'ssl -h 0.0.0.0 -p 443')]})
    assert.equal(r.active[0].protocol, 'ssl')
  })

  it('a node without an IP list falls back to endpoint_ip, flagged', () => {
    const r = run({adapters: [adapter('n4', 'tcp -h 0.0.0.0 -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.4'])
    assert.equal(r.active[0].fallback, true)
    assert.equal(r.active[0].ipSource, 'endpoint_ip')
    assert.ok(r.warnings.some((w) => w.code === 'fallback' && w.node === 'n4' && /single network/.test(w.message)))
  })

  it('a node without the IP-list column and no endpoint_ip falls back to its name, flagged', () => {
    const r = run({adapters: [adapter('10.10.0.5', 'tcp -h 0.0.0.0 -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.5'])
    assert.equal(r.active[0].ipSource, 'node_name')
    assert.equal(r.active[0].fallback, true)
  })

  it('a node missing from t_node_info: warned, and its name used when it is an IP', () => {
    const r = run({adapters: [adapter('10.20.0.9', 'tcp -h 0.0.0.0 -p 7'), adapter('ghost', 'tcp -h 0.0.0.0 -p 7')]})
    assert.deepEqual(r.active.map((e) => [e.node, e.host, e.expanded]), [['10.20.0.9', '10.20.0.9', true], ['ghost', '0.0.0.0', false]])
    assert.ok(r.warnings.some((w) => w.code === 'unknown-node' && w.node === 'ghost'))
    assert.ok(r.warnings.some((w) => w.code === 'not-expanded' && w.node === 'ghost'))
  })

  it('a specific host is kept and flagged: bound to it only, no second network', () => {
    const r = run({adapters: [adapter('n1', 'tcp -h 10.10.0.1 -p 7')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.1'])
    assert.equal(r.active[0].singleHost, true)
    assert.equal(r.active[0].expanded, false)
    assert.ok(r.warnings.some((w) => w.code === 'single-host' && w.message === 'n1: bound to 10.10.0.1 only: no second network'))
    assert.ok(!codes(r).includes('foreign-host'))
  })

  it('a specific IPv6 host is kept too', () => {
    const r = run({adapters: [adapter('n6', 'tcp -h fd00:20::6 -p 7')]})
    assert.deepEqual(r.active.map((e) => [e.host, e.network, e.singleHost]), [['fd00:20::6', 'y', true]])
  })

  it('a specific host that is not one of the node IPs is warned about', () => {
    const r = run({adapters: [adapter('n3', 'tcp -h 10.10.9.9 -p 7')]})
    assert.ok(r.warnings.some((w) => w.code === 'foreign-host' && w.node === 'n3'))
  })

  it('EndpointF.nodeName is the trimmed node_name', () => {
    const r = run({adapters: [adapter(' n3 ', 'tcp -h 0.0.0.0 -p 7')], servers: [server(' n3 ')]})
    assert.deepEqual(r.active.map((e) => [e.node, e.nodeName, e.host]), [['n3', 'n3', '10.10.0.3']])
  })

  it('each endpoint carries its node, network (null outside named networks) and source', () => {
    const r = run({
      adapters: [adapter('n9', 'tcp -h 0.0.0.0 -p 7')],
      nodes: [node('n9', '10.10.0.9,192.168.1.9')],
    })
    assert.deepEqual(r.active.map((e) => [e.node, e.host, e.network, e.source]), [
      ['n9', '10.10.0.9', 'x', 'tcp -h 0.0.0.0 -p 7'],
      ['n9', '192.168.1.9', null, 'tcp -h 0.0.0.0 -p 7'],
    ])
    assert.ok(codes(r).includes('no-network'))
  })

  it('non-tars adapters are kept and noted', () => {
    const r = run({adapters: [adapter('n3', 'tcp -h 0.0.0.0 -p 80', {protocol: 'not_tars'})]})
    assert.equal(r.active[0].adapterProtocol, 'not_tars')
    assert.ok(codes(r).includes('non-tars'))
  })
})

describe('t_registry_info servants', () => {
  const reg = (endpoint: string, presentState = 'active', locatorId = '10.10.0.1:17890'): RegistryRow => ({
    locatorId, servant: 'App.Srv.Obj', endpoint, presentState, lastHeartbeat: null, enableGroup: 'N', tarsVersion: ' 3.0.19 ',
  })

  it('are resolved like servers, with present_state deciding active, node from the locator, nodeName the trimmed tars_version', () => {
    const r = run({registry: [reg('tcp -h 10.10.0.1 -p 17890 -t 60000'), reg('tcp -h 10.10.0.3 -p 17890', 'inactive', '10.10.0.3:17890')]})
    assert.deepEqual(r.active.map((e) => [e.node, e.nodeName, e.host, e.origin]), [['10.10.0.1', '3.0.19', '10.10.0.1', 't_registry_info']])
    assert.deepEqual(hosts(r.inactive), ['10.10.0.3'])
  })

  it('a wildcard registry endpoint expands through the node named by the locator host', () => {
    const r = run({registry: [reg('tcp -h 0.0.0.0 -p 17890', 'active', '10.10.0.5:17890')]})
    assert.deepEqual(hosts(r.active), ['10.10.0.5'])
  })

  it('rows of other servants are ignored; broken ones are skipped', () => {
    const r = run({registry: [{...reg('tcp -h 1.1.1.1 -p 1'), servant: 'x.y.z'}, reg('tcp -h -p 1')]})
    assert.equal(r.active.length, 0)
    assert.equal(r.skipped[0].code, 'unparsable')
  })
})

describe('--set (findObjectByIdInSameSet)', () => {
  const setServer = (n: string, name: string, area: string, group: string, over: Partial<ServerRow> = {}) =>
    server(n, {enableSet: 'Y', setName: name, setArea: area, setGroup: group, ...over})
  const adapters = [adapter('n1', 'tcp -h 0.0.0.0 -p 1'), adapter('n2', 'tcp -h 0.0.0.0 -p 1'), adapter('n3', 'tcp -h 0.0.0.0 -p 1'), adapter('n4', 'tcp -h 0.0.0.0 -p 1')]
  const servers = [setServer('n1', 'app', 'sz', '1'), setServer('n2', 'app', 'sz', '2'), setServer('n3', 'app', 'sz', '*'), server('n4')]
  const nodesOf = (r: ResolveResult) => [...new Set([...r.active, ...r.inactive].map((e) => e.node))]

  it('the exact set only (servers without a set are not returned)', () => {
    const r = run({adapters, servers, mode: {kind: 'set', setId: 'app.sz.1'}})
    assert.deepEqual(nodesOf(r), ['n1'])
    assert.equal(r.mode.function, 'findObjectByIdInSameSet')
    assert.equal(r.active[0].setId, 'app.sz.1')
  })

  it('no server in the group → the wildcard group name.area.*', () => {
    const r = run({adapters, servers, mode: {kind: 'set', setId: 'app.sz.9'}})
    assert.deepEqual(nodesOf(r), ['n3'])
  })

  it('group * → every group of name.area', () => {
    const r = run({adapters, servers, mode: {kind: 'set', setId: 'app.sz.*'}})
    assert.deepEqual(nodesOf(r), ['n1', 'n2', 'n3'])
  })

  it('inactive set members are returned as inactive', () => {
    const r = run({adapters, servers: [setServer('n1', 'app', 'sz', '1', {presentState: 'inactive'}), ...servers.slice(1)], mode: {kind: 'set', setId: 'app.sz.1'}})
    assert.deepEqual([r.active.length, nodesOf(r)], [0, ['n1']])
  })

  it('set name known but no area match → nothing, with a warning (the registry returns an error)', () => {
    const r = run({adapters, servers, mode: {kind: 'set', setId: 'app.bj.1'}})
    assert.equal(r.active.length + r.inactive.length, 0)
    assert.ok(codes(r).includes('set-empty'))
  })

  it('a set name no server uses → falls back to IDC grouping (all, without a client IP)', () => {
    const r = run({adapters, servers, mode: {kind: 'set', setId: 'other.sz.1'}})
    assert.deepEqual(nodesOf(r), ['n1', 'n2', 'n3', 'n4'])
    assert.match(r.mode.selected, /no server is in set 'other'/)
  })

  it('a servant without sets falls back to IDC grouping with the client IP', () => {
    const r = run({
      adapters: adapters.slice(0, 2), servers: [server('n1', {enableGroup: 'Y'}), server('n2', {enableGroup: 'Y'})],
      rules: [{groupId: 1, groupName: 'g1', allowIpRule: '10.10.0.1'}],
      mode: {kind: 'set', setId: 'app.sz.1', clientIp: '10.10.0.1'},
    })
    assert.deepEqual(hosts(r.active), ['10.10.0.1'])
  })

  it('an invalid set division (empty part or * name/area) is ignored for set queries', () => {
    const r = run({adapters, servers: [setServer('n1', 'app', '', '1'), setServer('n2', 'app', 'sz', '1')], mode: {kind: 'set', setId: 'app.sz.1'}})
    assert.deepEqual(nodesOf(r), ['n2'])
    assert.ok(codes(r).includes('invalid-set'))
  })

  it('enable_set is case-insensitive', () => {
    const r = run({adapters, servers: [setServer('n1', 'app', 'sz', '1', {enableSet: 'y'})], mode: {kind: 'set', setId: 'app.sz.1'}})
    assert.deepEqual(nodesOf(r), ['n1'])
  })

  for (const bad of ['app.sz', '*.sz.1', 'app.*.1', 'a.b.c.d', 'app..1']) {
    it(`rejects --set ${bad}`, () => assert.throws(() => run({adapters, servers, mode: {kind: 'set', setId: bad}}), /invalid --set/))
  }
})

describe('--client-ip (findObjectByIdInSameGroup, group priority)', () => {
  // Group 1 = network x of n1/n2, group 2 = network y of n1/n2, group 3 = n3.
  const rules: GroupRuleRow[] = [
    {groupId: 1, groupName: 'x-side', allowIpRule: '10.10.0.1|10.10.0.2|10.10.7.*'},
    {groupId: 2, groupName: 'y-side', allowIpRule: '10.20.0.*'},
    {groupId: 3, groupName: 'third', allowIpRule: '10.10.0.3'},
    {groupId: 4, groupName: 'v6', allowIpRule: 'fd00:20::6'},
  ]
  const grouped = (n: string, over: Partial<ServerRow> = {}) => server(n, {enableGroup: 'Y', ...over})
  const adapters = [adapter('n1', 'tcp -h 0.0.0.0 -p 1'), adapter('n2', 'tcp -h 0.0.0.0 -p 1'), adapter('n3', 'tcp -h 0.0.0.0 -p 1')]
  const servers = [grouped('n1'), grouped('n2'), grouped('n3')]
  const mode = (clientIp: string): QueryMode => ({kind: 'group', clientIp})

  it('groups are computed per expanded IP: one node is in one group per network', () => {
    const r = run({adapters, servers, rules})
    assert.deepEqual(r.active.map((e) => [e.host, e.groupRealId, e.groupWorkId]), [
      ['10.10.0.1', 1, 1], ['10.20.0.1', 2, 2], ['10.20.0.2', 2, 2], ['10.10.0.2', 1, 1], ['10.10.0.3', 3, 3],
    ])
  })

  it('a client on network y gets the y endpoints (a.b.c.* rule)', () => {
    const r = run({adapters, servers, rules, mode: mode('10.20.0.50')})
    assert.deepEqual(hosts(r.active), ['10.20.0.1', '10.20.0.2'])
    assert.equal(r.mode.clientGroupId, 2)
  })

  it('the same client on network x gets the x endpoints', () => {
    const r = run({adapters, servers, rules, mode: mode('10.10.7.8')})
    assert.deepEqual(hosts(r.active), ['10.10.0.1', '10.10.0.2'])
  })

  it('enable_group N: the real group is known but the work group is -1', () => {
    const r = run({adapters, servers: [server('n1'), grouped('n2'), grouped('n3')], rules})
    assert.deepEqual(r.active.slice(0, 2).map((e) => [e.groupRealId, e.groupWorkId]), [[1, -1], [2, -1]])
  })

  it('a client in no group gets everything', () => {
    const r = run({adapters, servers, rules, mode: mode('172.16.0.1')})
    assert.equal(r.active.length, 5)
    assert.equal(r.mode.clientGroupId, -1)
  })

  it('same group without an active endpoint → the first priority entry holding the client group', () => {
    const priorities: GroupPriorityRow[] = [
      {id: 1, name: 'not-mine', groupList: '2', listOrder: 1, station: ''},
      {id: 2, name: 'mine', groupList: '1|3', listOrder: 2, station: ''},
      {id: 3, name: 'later', groupList: '1,2;3', listOrder: 3, station: ''},
    ]
    const r = run({
      adapters, rules, priorities, mode: mode('10.10.7.8'),
      servers: [grouped('n1', {presentState: 'inactive'}), grouped('n2', {presentState: 'inactive'}), grouped('n3')],
    })
    assert.deepEqual(hosts(r.active), ['10.10.0.3'])
    assert.deepEqual(hosts(r.inactive), ['10.10.0.1', '10.10.0.2'])
    assert.match(r.mode.selected, /'mine'/)
  })

  it('priority entries are taken in list_order, not id order', () => {
    const priorities: GroupPriorityRow[] = [
      {id: 1, name: 'second', groupList: '1|2', listOrder: 9, station: ''},
      {id: 2, name: 'first', groupList: '1|3', listOrder: 1, station: ''},
    ]
    const r = run({adapters, rules, priorities, mode: mode('10.10.7.8'), servers: [grouped('n1', {presentState: 'inactive'}), grouped('n2', {presentState: 'inactive'}), grouped('n3')]})
    assert.match(r.mode.selected, /'first'/)
  })

  it('nothing active in any preferred group → servers without grouping (enable_group N)', () => {
    const r = run({
      adapters, rules, mode: mode('10.10.7.8'),
      servers: [grouped('n1', {presentState: 'inactive'}), grouped('n2', {presentState: 'inactive'}), server('n3')],
    })
    assert.deepEqual(hosts(r.active), ['10.10.0.3'])
    assert.equal(r.active[0].groupWorkId, -1)
  })

  it('nothing active anywhere preferred → all endpoints', () => {
    const r = run({
      adapters, rules, mode: mode('10.10.7.8'),
      servers: [grouped('n1', {presentState: 'inactive'}), grouped('n2', {presentState: 'inactive'}), grouped('n3')],
    })
    assert.equal(r.active.length + r.inactive.length, 5)
  })

  it('ip_group_name overrides the IP rules (by group name)', () => {
    const r = run({adapters, rules, servers: [grouped('n1', {ipGroupName: ' third '}), grouped('n2'), grouped('n3')], mode: mode('10.10.0.3')})
    assert.deepEqual(r.active.map((e) => e.host), ['10.10.0.1', '10.20.0.1', '10.10.0.3'])
  })

  it('an IPv6 client and IPv6 endpoints match exactly', () => {
    const r = run({adapters: [adapter('n6', 'tcp -h :: -p 1'), adapter('n3', 'tcp -h 0.0.0.0 -p 1')], servers: [grouped('n6'), grouped('n3')], rules, mode: mode('fd00:20::6')})
    assert.deepEqual(hosts(r.active), ['fd00:20::6'])
  })
})

describe('filters, proxy strings, per-node entries and per-network summary', () => {
  const adapters = [
    adapter('n1', 'tcp -h 0.0.0.0 -p 1 -t 60000'),
    adapter('n2', 'tcp -h 0.0.0.0 -p 1 -t 60000'),
    adapter('n3', 'tcp -h 0.0.0.0 -p 1 -t 60000'),
  ]
  const servers = [server('n1'), server('n2', {settingState: 'inactive'}), server('n3')]

  it('--network keeps one network', () => {
    const r = run({adapters, servers, filters: {network: 'y'}})
    assert.deepEqual(hosts([...r.active, ...r.inactive]), ['10.20.0.1', '10.20.0.2'])
    assert.deepEqual(r.networks.map((n) => n.network), ['y'])
  })

  it('--node takes a glob', () => {
    const r = run({adapters, servers, filters: {node: 'n[12]'}})
    assert.deepEqual([...new Set([...r.active, ...r.inactive].map((e) => e.node))], ['n1', 'n2'])
  })

  it('--active drops inactive endpoints', () => {
    const r = run({adapters, servers, filters: {activeOnly: true}})
    assert.equal(r.inactive.length, 0)
    assert.deepEqual(hosts(r.active), ['10.10.0.1', '10.20.0.1', '10.10.0.3'])
  })

  it('the proxy string lists the active endpoints only and parses back', () => {
    const r = run({adapters, servers})
    assert.equal(r.proxy, 'App.Srv.Obj@tcp -h 10.10.0.1 -p 1 -t 60000:tcp -h 10.20.0.1 -p 1 -t 60000:tcp -h 10.10.0.3 -p 1 -t 60000')
    assert.deepEqual(parseProxy(r.proxy!).endpoints.map((e) => e.host), ['10.10.0.1', '10.20.0.1', '10.10.0.3'])
  })

  it('no active endpoint → proxy null and a warning', () => {
    const r = run({adapters, servers: servers.map((s) => ({...s, presentState: 'inactive'}))})
    assert.equal(r.proxy, null)
    assert.ok(codes(r).includes('no-active'))
  })

  it('nodes: one entry per node in the seed form', () => {
    const r = run({adapters, servers})
    assert.deepEqual(r.nodes.map((n) => [n.node, n.active, n.proxy]), [
      ['n1', true, 'App.Srv.Obj@tcp -h 10.10.0.1 -p 1 -t 60000:tcp -h 10.20.0.1 -p 1 -t 60000'],
      ['n2', false, 'App.Srv.Obj@tcp -h 10.20.0.2 -p 1 -t 60000:tcp -h 10.10.0.2 -p 1 -t 60000'],
      ['n3', true, 'App.Srv.Obj@tcp -h 10.10.0.3 -p 1 -t 60000'],
    ])
  })

  it('proxies: false leaves the proxy strings out and nothing else', () => {
    const full = run({adapters, servers})
    const lean = run({adapters, servers, proxies: false})
    assert.equal(lean.proxy, null)
    assert.deepEqual(lean.nodes.map((n) => n.proxy), ['', '', ''])
    const withoutProxies = (r: typeof full) => ({...r, proxy: null, nodes: r.nodes.map((n) => ({...n, proxy: ''}))})
    assert.deepEqual(lean, withoutProxies(full))
  })

  it('summary per network names the nodes missing from it', () => {
    const r = run({adapters, servers})
    assert.deepEqual(r.networks.map((n) => [n.network, n.endpoints, n.activeEndpoints, n.nodes, n.missingNodes]), [
      ['x', 3, 2, ['n1', 'n2', 'n3'], []],
      ['y', 2, 1, ['n1', 'n2'], ['n3']],
    ])
    assert.ok(r.warnings.some((w) => w.code === 'missing-network' && w.node === 'n3' && w.network === 'y'))
  })

  it('with automatic networks (/24, /64) the summary lists the prefixes present', () => {
    const r = run({adapters, servers, networks: autoNetworks([]) as never})
    assert.deepEqual(r.networks.map((n) => n.network), ['10.10.0.0/24', '10.20.0.0/24'])
    assert.ok(!codes(r).includes('missing-network'))
  })

  it('the default mode is findObjectById4Any: active and inactive', () => {
    const r = run({adapters, servers})
    assert.equal(r.mode.function, 'findObjectById4Any')
    assert.deepEqual([r.active.length, r.inactive.length], [3, 2])
  })
})

describe('warnings say each thing once', () => {
  it('a node already flagged single-IP or fallback gets no extra "no endpoint on y" line', () => {
    const r = run({adapters: [adapter('n4', 'tcp -h 0.0.0.0 -p 1'), adapter('n1', 'tcp -h 10.10.0.1 -p 1'), adapter('n3', 'tcp -h 0.0.0.0 -p 1')]})
    assert.deepEqual(r.networks.find((n) => n.network === 'y')?.missingNodes, ['n1', 'n3', 'n4'])
    assert.deepEqual(r.warnings.filter((w) => w.code === 'missing-network').map((w) => w.node), ['n3'])
  })

  it('a node with two wildcard adapters is flagged for fallback once', () => {
    const r = run({adapters: [adapter('n4', 'tcp -h 0.0.0.0 -p 1'), adapter('n4', 'tcp -h 0.0.0.0 -p 2', {adapterName: 'B'})], servers: [server('n4')]})
    assert.equal(r.active.length, 2)
    assert.equal(r.warnings.filter((w) => w.code === 'fallback').length, 1)
  })
})

describe('--client-node: what a client on a node is told, by its node_name', () => {
  const rules: GroupRuleRow[] = [
    {groupId: 1, groupName: 'x-side', allowIpRule: '10.10.0.*'},
    {groupId: 2, groupName: 'y-side', allowIpRule: '10.20.0.*'},
  ]
  const grouped = (n: string, over: Partial<ServerRow> = {}) => server(n, {enableGroup: 'Y', ...over})
  const adapters = [adapter('n1', 'tcp -h 0.0.0.0 -p 1'), adapter('n3', 'tcp -h 0.0.0.0 -p 1')]

  it('a client on a node sends the node\'s name as node_name, whichever network it asks over', () => {
    assert.deepEqual(clientOnNode(node(' 10.20.0.9 ', '10.20.0.9,10.10.0.9')), {network: null, clientIp: '10.20.0.9', callerNodeName: '10.20.0.9'})
    assert.deepEqual(clientOnNode(node('c', '10.10.0.9')), {network: null, clientIp: 'c', callerNodeName: 'c'})
  })

  it('one view, grouped by the node name: an IP name is in its IDC group, any other name in none', () => {
    const rows = {servers: [grouped('n1'), grouped('n3')], adapters, registry: []}
    const byIp = resolveObject({object: OBJ, rows, nodes: NODES, networks: NETS, groups: {rules, priorities: []}, clients: [clientOnNode(node('10.20.0.9', '10.20.0.9,10.10.0.9'))]})
    assert.equal(byIp.mode.function, 'findObjectById4Any')
    assert.match(byIp.mode.note!, /findObjectByIdInSameGroup, answered for the node_name it sends/)
    assert.deepEqual(byIp.clientViews!.map((v) => [v.callerNodeName, v.mode.function, v.mode.clientGroupId, hosts(v.active)]), [
      ['10.20.0.9', 'findObjectByIdInSameGroup', 2, ['10.20.0.1']],
    ])
    // The expanded IPs' groups are tarsnet's assumption: said where it matters.
    assert.match(byIp.clientViews![0].mode.note!, /open-source registry takes them from the host as stored, so its 0\.0\.0\.0 endpoints are in group -1/)
    const byName = resolveObject({object: OBJ, rows, nodes: NODES, networks: NETS, groups: {rules, priorities: []}, clients: [clientOnNode(node('c', '10.10.0.9'))]})
    assert.deepEqual(byName.clientViews!.map((v) => [v.callerNodeName, v.mode.clientGroupId, hosts(v.active)]), [['c', -1, ['10.10.0.1', '10.20.0.1', '10.10.0.3']]])
    assert.match(byName.clientViews![0].mode.selected, /c \(not an IP, and no group rule names it\) is in no IDC group/)
  })

  it('grouped by the host as stored (the open-source registry), a 0.0.0.0 endpoint is in group -1', () => {
    const rows = {servers: [grouped('n1'), grouped('n3')], adapters, registry: []}
    const r = resolveObject({object: OBJ, rows, nodes: NODES, networks: NETS, groups: {rules, priorities: []}, groupIdsFrom: 'stored', mode: {kind: 'group', clientIp: '10.20.0.9'}})
    assert.deepEqual(r.active.map((e) => [e.host, e.groupWorkId, e.groupRealId]), [['10.10.0.1', -1, -1], ['10.20.0.1', -1, -1], ['10.10.0.3', -1, -1]])
    assert.equal(r.mode.note, undefined)
  })

  it('--client-ip on wildcard endpoints: the answer says its groups are the expanded IPs\', not the open-source registry\'s', () => {
    const rows = {servers: [grouped('n1'), grouped('n3')], adapters, registry: []}
    const r = resolveObject({object: OBJ, rows, nodes: NODES, networks: NETS, groups: {rules, priorities: []}, mode: {kind: 'group', clientIp: '10.20.0.9'}})
    assert.deepEqual(hosts(r.active), ['10.20.0.1'])
    assert.match(r.mode.note!, /^the IDC groups here come from the expanded IPs \(10\.10\.0\.1 group 1, 10\.20\.0\.1 group 2, 10\.10\.0\.3 group 1\)/)
    // Bound to specific IPs, there is nothing to say.
    const specific = resolveObject({object: OBJ, rows: {...rows, adapters: [adapter('n1', 'tcp -h 10.10.0.1 -p 1')]}, nodes: NODES, networks: NETS, groups: {rules, priorities: []}, mode: {kind: 'group', clientIp: '10.20.0.9'}})
    assert.equal(specific.mode.note, undefined)
  })

  it('with --set the view is findObjectByIdInSameSet for the node name (falling back to groups without sets)', () => {
    const r = resolveObject({
      object: OBJ, rows: {servers: [grouped('n1'), grouped('n3')], adapters, registry: []}, nodes: NODES, networks: NETS,
      groups: {rules, priorities: []}, clients: [clientOnNode(node('10.20.0.9', null))], mode: {kind: 'set', setId: 'app.sz.1'},
    })
    assert.deepEqual(r.clientViews!.map((v) => [v.mode.function, hosts(v.active)]), [['findObjectByIdInSameSet', ['10.20.0.1']]])
    assert.match(r.clientViews![0].mode.selected, /no server of this object has a set, so IDC grouping for 10\.20\.0\.9/)
  })

  it('filters apply to the view', () => {
    const r = resolveObject({
      object: OBJ, rows: {servers: [grouped('n1'), grouped('n3', {presentState: 'inactive'})], adapters, registry: []}, nodes: NODES, networks: NETS,
      groups: {rules, priorities: []}, clients: [clientOnNode(node('10.10.0.9', null))], filters: {activeOnly: true},
    })
    assert.deepEqual(r.clientViews!.map((v) => [hosts(v.active), v.inactive.length]), [[['10.10.0.1'], 0]])
  })
})
