// The IP-list editing rules, pure: every refusal and every warning, by name.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  addIpRequest, checkIp, findNode, moveIp, nodeState, planEdits, planErrors, planWarnings, removeIpRequest, type NodeState,
} from '../../src/core/ip-list-edit.js'
import {autoNetworks, namedNetworks} from '../../src/core/networks.js'
import type {NodeRow} from '../../src/core/rows.js'

const XY = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']}, {name: 'y', cidrs: ['10.20.0.0/16']}])

function row(name: string, ipList: string | null | undefined, endpointIp = ''): NodeRow {
  return {nodeName: name, nodeObj: '', endpointIp, endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList}
}

const NODES: NodeState[] = [
  nodeState(row('node-a', '10.10.0.5,10.20.0.5')),
  nodeState(row('node-b', '10.10.0.6;10.20.0.6')),
  nodeState(row('node-c', null, '10.10.0.7')),
  nodeState(row('10.10.0.8', null)),
]

const plan1 = (node: string, proposed: string[], opts: Partial<Parameters<typeof planEdits>[2]> = {}, replace = true) =>
  planEdits([{node, proposed, replace}], NODES, {networks: XY, ...opts})

const codes = (issues: Array<{code: string}>) => issues.map((i) => i.code)

describe('checkIp: what may be an address in a list', () => {
  it('normalises IPv4 leading zeros and IPv6 case/compression', () => {
    assert.equal(checkIp('010.010.000.005').ip, '10.10.0.5')
    assert.equal(checkIp('FD00:0010:0000:0000:0000:0000:0000:0001').ip, 'fd00:10::1')
    assert.equal(checkIp('  10.10.0.5  ').ip, '10.10.0.5')
    assert.equal(checkIp('[fd00:10::1]').ip, 'fd00:10::1')
  })
  it('accepts plain unicast without warning', () => {
    for (const ok of ['10.10.0.5', '192.0.2.1', 'fd00:10::5', '2001:db8::1']) {
      const c = checkIp(ok)
      assert.equal(c.error, undefined, ok)
      assert.equal(c.warning, undefined, ok)
    }
  })
  const rejects: Array<[string, string]> = [
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['10.10.0.256', 'malformed'],
    ['10.10.0', 'malformed'],
    ['10.10.0.5.6', 'malformed'],
    ['10.10.0.1a', 'malformed'],
    ['fd00::1::2', 'malformed'],
    ['gggg::1', 'malformed'],
    ['', 'malformed'],
    ['10.10.0.0/16', 'malformed'],
    ['10.10.0.5:19386', 'malformed'],
    ['fe80::1%eth0', 'malformed'],
    ['node-a', 'host-name'],
    ['db1.plant.example', 'host-name'],
    ['localhost', 'host-name'],
  ]
  for (const [input, code] of rejects) {
    it(`refuses ${JSON.stringify(input)} as ${code}`, () => {
      const c = checkIp(input)
      assert.equal(c.error?.code, code, JSON.stringify(c))
      assert.ok(c.error!.message.length > 10)
    })
  }
  it('explains a CIDR, a port and a zone id specifically', () => {
    assert.match(checkIp('10.10.0.0/16').error!.message, /CIDR/)
    assert.match(checkIp('10.10.0.5:19386').error!.message, /port.*10\.10\.0\.5/)
    assert.match(checkIp('fe80::1%eth0').error!.message, /zone id/)
  })
  it('refuses the broadcast address of a defined network, not of an automatic /24 guess', () => {
    assert.equal(checkIp('10.20.255.255', {networks: XY}).error?.code, 'broadcast')
    assert.match(checkIp('10.20.255.255', {networks: XY}).error!.message, /network y/)
    assert.equal(checkIp('10.20.0.255', {networks: XY}).error, undefined)
    assert.equal(checkIp('10.20.0.255', {networks: autoNetworks(['10.20.0.1'])}).error, undefined)
    // /31 and /32 have no broadcast address
    const p2p = namedNetworks([{name: 'p', cidrs: ['10.99.0.0/31']}])
    assert.equal(checkIp('10.99.0.1', {networks: p2p}).error, undefined)
  })
  it('warns about loopback and link-local', () => {
    assert.equal(checkIp('127.0.0.1').warning?.code, 'loopback')
    assert.equal(checkIp('127.1.2.3').warning?.code, 'loopback')
    assert.equal(checkIp('::1').warning?.code, 'loopback')
    assert.equal(checkIp('169.254.1.1').warning?.code, 'link-local')
    assert.equal(checkIp('fe80::1').warning?.code, 'link-local')
  })
})

describe('findNode', () => {
  it('finds exactly, then case-insensitively (MySQL collation)', () => {
    assert.equal((findNode('node-a', NODES) as {node: NodeState}).node.name, 'node-a')
    assert.equal((findNode('NODE-A', NODES) as {node: NodeState}).node.name, 'node-a')
  })
  it('lists the closest names for an unknown node', () => {
    const r = findNode('node-x', NODES)
    assert.ok('error' in r)
    assert.equal(r.error.code, 'unknown-node')
    assert.match(r.error.message, /unknown node "node-x": did you mean node-a, node-b, node-c\?/)
  })
  it('says so when nothing is close', () => {
    const r = findNode('zzzzzzzzzzzzzz', NODES)
    assert.ok('error' in r)
    assert.match(r.error.message, /no node has a similar name/)
  })
})

describe('planEdits: set a whole list', () => {
  it('normalises and stores canonically, in the given order', () => {
    const p = plan1('node-a', ['010.020.000.005', '10.10.0.5'])
    assert.ok(p.ok, JSON.stringify(planErrors(p)))
    const n = p.nodes[0]
    assert.deepEqual(n.after, ['10.20.0.5', '10.10.0.5'])
    assert.equal(n.afterRaw, '10.20.0.5,10.10.0.5')
    assert.equal(n.beforeRaw, '10.10.0.5,10.20.0.5')
    assert.equal(n.reordered, true)
    assert.deepEqual(n.added, [])
    assert.deepEqual(n.removed, [])
    assert.equal(n.changed, true)
    assert.equal(n.destructive, true, 'replacing an existing list is destructive')
  })
  it('an identical list is no change; a non-canonical stored value is rewritten', () => {
    assert.equal(plan1('node-a', ['10.10.0.5', '10.20.0.5']).nodes[0].changed, false)
    const b = plan1('node-b', ['10.10.0.6', '10.20.0.6']).nodes[0]
    assert.equal(b.changed, true)
    assert.equal(b.afterRaw, '10.10.0.6,10.20.0.6')
    assert.equal(b.reordered, false)
  })
  it('refuses duplicates in one list, also when written differently', () => {
    const p = plan1('node-a', ['10.10.0.5', '10.010.0.5'])
    assert.deepEqual(codes(planErrors(p)), ['duplicate'])
    assert.match(planErrors(p)[0].message, /10\.10\.0\.5 is given twice.*10\.010\.0\.5/)
    const v6 = plan1('node-a', ['fd00:10::1', 'FD00:10:0::1'])
    assert.deepEqual(codes(planErrors(v6)), ['duplicate'])
  })
  it('refuses every bad entry at once, each with its reason', () => {
    const p = plan1('node-a', ['0.0.0.0', '224.0.0.1', '255.255.255.255', 'db1.example', '10.1.2.300', '10.10.0.5'])
    assert.deepEqual(codes(planErrors(p)), ['unspecified', 'multicast', 'broadcast', 'host-name', 'malformed'])
    assert.equal(p.ok, false)
  })
  it('refuses an IP another node lists, unless --force (then warns)', () => {
    const p = plan1('node-a', ['10.10.0.5', '10.10.0.6'])
    assert.deepEqual(codes(planErrors(p)), ['in-use'])
    assert.match(planErrors(p)[0].message, /10\.10\.0\.6 is already used by node-b.*--force/)
    const forced = plan1('node-a', ['10.10.0.5', '10.10.0.6'], {force: true})
    assert.ok(forced.ok)
    assert.ok(codes(planWarnings(forced)).includes('in-use'))
  })
  it('counts another node\'s fallback address (endpoint_ip, node_name) as in use', () => {
    const p = plan1('node-a', ['10.10.0.5', '10.10.0.7'])
    assert.match(planErrors(p)[0].message, /node-c \(its endpoint_ip\)/)
    const q = plan1('node-a', ['10.10.0.5', '10.10.0.8'])
    assert.match(planErrors(q)[0].message, /10\.10\.0\.8 \(its node_name\)/)
  })
  it('does not block an edit over a clash the node already had (warns)', () => {
    const nodes = [nodeState(row('p', '10.10.0.1,10.20.0.1')), nodeState(row('q', '10.10.0.1,10.20.0.2'))]
    const p = planEdits([{node: 'p', proposed: ['10.10.0.1', '10.20.0.9'], replace: true}], nodes, {networks: XY})
    assert.ok(p.ok, JSON.stringify(planErrors(p)))
    assert.ok(codes(planWarnings(p)).includes('in-use'))
  })
  it('refuses an empty list unless --allow-empty, which stores NULL', () => {
    const p = plan1('node-a', [])
    assert.deepEqual(codes(planErrors(p)), ['empty'])
    const ok = plan1('node-a', [], {allowEmpty: true})
    assert.ok(ok.ok)
    assert.equal(ok.nodes[0].afterRaw, null)
    assert.equal(ok.nodes[0].destructive, true)
  })
  it('refuses a list longer than the column holds', () => {
    const ips = Array.from({length: 40}, (_, i) => `fd00:10::${(i + 1).toString(16)}:1234:5678`)
    const p = plan1('node-a', ips, {maxLength: 512})
    assert.deepEqual(codes(planErrors(p)), ['too-long'])
    assert.ok(plan1('node-a', ips.slice(0, 3), {maxLength: 512}).ok)
  })
  it('warns about a network the node loses, by name', () => {
    const p = plan1('node-a', ['10.10.0.5'])
    assert.ok(p.ok)
    const w = planWarnings(p).find((x) => x.code === 'network-lost')
    assert.equal(w?.network, 'y')
    assert.match(w!.message, /no IP on network y any more \(it had 10\.20\.0\.5\)/)
  })
  it('warns about a defined network the node is not on', () => {
    const p = plan1('node-c', ['10.10.0.7', 'fd00:10::7'])
    const w = planWarnings(p).filter((x) => x.code === 'network-missing')
    assert.deepEqual(w.map((x) => x.network), ['y'])
  })
  it('with automatic networks, warns only about a lost /24, never a "missing" one', () => {
    const auto = autoNetworks(['10.10.0.5', '10.20.0.5', '10.30.0.5'])
    const p = planEdits([{node: 'node-a', proposed: ['10.10.0.5'], replace: true}], NODES, {networks: auto})
    assert.deepEqual(codes(planWarnings(p)), ['network-lost'])
    assert.equal(planWarnings(p)[0].network, '10.20.0.0/24')
  })
  it('warns about an IP in no defined network (not for loopback, which has its own warning)', () => {
    const p = plan1('node-a', ['10.10.0.5', '10.20.0.5', '192.0.2.9', '127.0.0.2'])
    assert.deepEqual(codes(planWarnings(p)).sort(), ['loopback', 'no-network'])
  })
  it('says a fallback address is being replaced, and whether it is kept', () => {
    const keep = plan1('node-c', ['10.10.0.7', '10.20.0.7'])
    assert.ok(codes(planWarnings(keep)).includes('fallback-replaced'))
    assert.doesNotMatch(planWarnings(keep).find((w) => w.code === 'fallback-replaced')!.message, /should stay/)
    assert.equal(keep.nodes[0].destructive, false, 'no list existed: nothing is replaced')
    const drop = plan1('node-c', ['10.20.0.7'])
    assert.match(planWarnings(drop).find((w) => w.code === 'fallback-replaced')!.message, /should stay/)
    assert.ok(codes(planWarnings(drop)).includes('network-lost'))
  })
  it('says when a stored list had entries that are not IPs, and treats dropping them as destructive', () => {
    const nodes = [nodeState(row('m', '10.10.0.9,garbage,10.20.0.9'))]
    const p = planEdits([{node: 'm', proposed: ['10.10.0.9', '10.20.0.9'], replace: false}], nodes, {networks: XY})
    assert.deepEqual(codes(planWarnings(p)), ['dropped-invalid'])
    assert.equal(p.nodes[0].destructive, true)
    const broken = nodeState(row('j', '["10.10.0.1",'))
    assert.deepEqual(broken.invalid, ['["10.10.0.1",'])
  })
  it('refuses an unknown node and a node given twice', () => {
    const p = planEdits([{node: 'nope', proposed: ['10.10.0.1'], replace: true}], NODES, {networks: XY})
    assert.deepEqual(codes(p.errors), ['unknown-node'])
    const twice = planEdits([{node: 'node-a', proposed: ['10.10.0.5'], replace: true}, {node: 'NODE-A', proposed: ['10.10.0.5'], replace: true}], NODES, {networks: XY})
    assert.deepEqual(codes(twice.errors), ['duplicate'])
  })
  it('checks clashes against the other edited nodes\' new lists (import)', () => {
    // a gives up 10.10.0.5 and b takes it: fine in one import.
    const swap = planEdits([
      {node: 'node-a', proposed: ['10.10.0.50', '10.20.0.5'], replace: true},
      {node: 'node-b', proposed: ['10.10.0.5', '10.20.0.6'], replace: true},
    ], NODES, {networks: XY})
    assert.ok(swap.ok, JSON.stringify(planErrors(swap)))
    // both take the same new address: refused on both.
    const both = planEdits([
      {node: 'node-a', proposed: ['10.10.0.5', '10.20.0.77'], replace: true},
      {node: 'node-b', proposed: ['10.10.0.6', '10.20.0.77'], replace: true},
    ], NODES, {networks: XY})
    assert.deepEqual(planErrors(both).map((e) => [e.code, e.node]), [['in-use', 'node-a'], ['in-use', 'node-b']])
  })
})

describe('add, remove, move', () => {
  const a = NODES[0]
  it('add appends by default, inserts at --position (1 = first)', () => {
    const last = addIpRequest(a, '10.30.0.5')
    assert.ok('request' in last)
    assert.deepEqual(last.request.proposed, ['10.10.0.5', '10.20.0.5', '10.30.0.5'])
    const first = addIpRequest(a, '10.30.0.5', 1)
    assert.ok('request' in first)
    assert.deepEqual(first.request.proposed, ['10.30.0.5', '10.10.0.5', '10.20.0.5'])
    const mid = addIpRequest(a, '010.30.0.5', 2)
    assert.ok('request' in mid)
    assert.deepEqual(mid.request.proposed, ['10.10.0.5', '10.30.0.5', '10.20.0.5'])
    assert.equal(last.request.replace, false)
  })
  it('add refuses a position outside the list and an IP already there', () => {
    const r = addIpRequest(a, '10.30.0.5', 4)
    assert.ok('error' in r)
    assert.equal(r.error.code, 'bad-position')
    assert.match(r.error.message, /use 1 \(first\) to 3 \(last\)/)
    const d = addIpRequest(a, '10.020.0.5')
    assert.ok('error' in d)
    assert.equal(d.error.code, 'duplicate')
    assert.match(d.error.message, /position 2/)
  })
  it('add of a bad address is refused by the plan with its reason', () => {
    const r = addIpRequest(a, '239.1.1.1')
    assert.ok('request' in r)
    assert.deepEqual(codes(planErrors(planEdits([r.request], NODES, {networks: XY}))), ['multicast'])
  })
  it('adding is not destructive; removing is', () => {
    const r = addIpRequest(a, '10.30.0.5')
    assert.ok('request' in r)
    assert.equal(planEdits([r.request], NODES, {networks: XY}).nodes[0].destructive, false)
    const x = removeIpRequest(a, '10.20.0.5')
    assert.ok('request' in x)
    const p = planEdits([x.request], NODES, {networks: XY})
    assert.equal(p.nodes[0].destructive, true)
    assert.deepEqual(p.nodes[0].removed, ['10.20.0.5'])
  })
  it('remove compares normalised, and refuses what is not in the list', () => {
    const x = removeIpRequest(a, '010.020.000.005')
    assert.ok('request' in x)
    assert.deepEqual(x.request.proposed, ['10.10.0.5'])
    const no = removeIpRequest(a, '10.20.0.99')
    assert.ok('error' in no)
    assert.equal(no.error.code, 'not-in-list')
    assert.match(no.error.message, /its list is 10\.10\.0\.5, 10\.20\.0\.5/)
    const fallback = removeIpRequest(NODES[2], '10.10.0.7')
    assert.ok('error' in fallback)
    assert.match(fallback.error.message, /comes from its endpoint_ip/)
    const bad = removeIpRequest(a, 'node-b')
    assert.ok('error' in bad)
    assert.equal(bad.error.code, 'host-name')
  })
  it('removing the last IP needs --allow-empty', () => {
    const one = [nodeState(row('solo', '10.10.0.1'))]
    const x = removeIpRequest(one[0], '10.10.0.1')
    assert.ok('request' in x)
    assert.deepEqual(codes(planErrors(planEdits([x.request], one, {networks: XY}))), ['empty'])
    assert.ok(planEdits([x.request], one, {networks: XY, allowEmpty: true}).ok)
  })
  it('moveIp reorders', () => {
    assert.deepEqual(moveIp(['a', 'b', 'c'], 3, 1), ['c', 'a', 'b'])
    assert.deepEqual(moveIp(['a', 'b', 'c'], 1, 3), ['b', 'c', 'a'])
    assert.deepEqual(moveIp(['a', 'b', 'c'], 2, 2), ['a', 'b', 'c'])
  })
})
