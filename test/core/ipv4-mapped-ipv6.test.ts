// Issue 9 in the pure core: IPv4-mapped IPv6 is IPv4 everywhere (defect 8); init's network proposal (defect 14).
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ipKind, normalizeIp, parseCidr, parseIp} from '../../src/core/ip.js'
import {checkIp, nodeState, planEdits, planErrors} from '../../src/core/ip-list-edit.js'
import {networkUse, proposeNetworks} from '../../src/core/network-proposal.js'
import {namedNetworks} from '../../src/core/networks.js'
import {nodeAddresses, parseIpList} from '../../src/core/nodes.js'
import type {NodeRow} from '../../src/core/rows.js'

const XY = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}])
const row = (nodeName: string, ipList: string | null, endpointIp = ''): NodeRow => ({
  nodeName, nodeObj: '', endpointIp, endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList,
})

describe('defect 8: IPv4-mapped IPv6 is the IPv4 address it maps', () => {
  it('parses to IPv4, in every spelling', () => {
    for (const text of ['::ffff:10.20.0.1', '::FFFF:10.20.0.1', '::ffff:a14:1', '0:0:0:0:0:ffff:0a14:0001', '[::ffff:10.20.0.1]']) {
      const ip = parseIp(text)
      assert.equal(ip?.family, 4, text)
      assert.equal(ip?.text, '10.20.0.1', text)
      assert.deepEqual([...ip!.bytes], [10, 20, 0, 1], text)
    }
    // Not mapped: IPv4-compatible (deprecated) and other ::ffff prefixes stay IPv6.
    assert.equal(parseIp('::10.20.0.1')?.family, 6)
    assert.equal(parseIp('::ffff:0:10.20.0.1')?.family, 6)
    assert.equal(normalizeIp('64:ff9b::10.20.0.1'), '64:ff9b::a14:1')
  })

  it('is checked as the IPv4 address: kinds, networks, prefixes', () => {
    assert.equal(ipKind(parseIp('::ffff:0.0.0.0')!), 'unspecified')
    assert.equal(ipKind(parseIp('::ffff:127.0.0.1')!), 'loopback')
    assert.equal(ipKind(parseIp('::ffff:224.0.0.1')!), 'multicast')
    assert.equal(checkIp('::ffff:255.255.255.255').error?.code, 'broadcast')
    assert.equal(checkIp('::ffff:10.20.0.1').ip, '10.20.0.1')
    assert.equal(XY.classify('::ffff:10.20.0.1'), 'y')
    assert.equal(parseCidr('::ffff:10.0.0.0/104')?.text, '10.0.0.0/8')
    assert.equal(parseCidr('::ffff:10.20.0.1')?.text, '10.20.0.1/32')
    assert.equal(parseCidr('::ffff:10.0.0.0/64'), null)
  })

  it('a stored list reads unmapped; the duplicate and in-use checks see through the mapping', () => {
    assert.deepEqual(parseIpList('10.20.0.1,::ffff:10.20.0.1'), {ips: ['10.20.0.1'], invalid: [], duplicates: ['10.20.0.1'], unreadable: false})
    assert.deepEqual(nodeAddresses(row('n', '::ffff:a0a:5')).ips, ['10.10.0.5'])
    const nodes = [nodeState(row('node-a', '10.10.0.5,10.20.0.5')), nodeState(row('node-b', '10.10.0.6'))]
    const twice = planEdits([{node: 'node-a', proposed: ['10.10.0.5', '::ffff:10.10.0.5'], replace: true}], nodes, {networks: XY})
    assert.deepEqual(planErrors(twice).map((e) => e.code), ['duplicate'])
    const taken = planEdits([{node: 'node-b', proposed: ['10.10.0.6', '::ffff:10.20.0.5'], replace: true}], nodes, {networks: XY})
    assert.deepEqual(planErrors(taken).map((e) => [e.code, e.ip]), [['in-use', '10.20.0.5']])
    const written = planEdits([{node: 'node-b', proposed: ['::ffff:10.10.0.6', '::ffff:a14:6'], replace: true}], nodes, {networks: XY})
    assert.equal(written.nodes[0].afterRaw, '10.10.0.6,10.20.0.6')
  })
})

describe('defect 14: the networks init proposes', () => {
  it('groups by the widest prefix that separates each node\'s IPs: /16 for 10.10/10.20, once per network', () => {
    const lists = Array.from({length: 400}, (_, i) => [`10.10.${i >> 4}.${(i & 15) + 1}`, `10.20.${i >> 4}.${(i & 15) + 1}`])
    const groups = proposeNetworks(lists)
    assert.deepEqual(groups.map((g) => [g.name, g.cidr, g.ips.length, g.nodes]), [['x', '10.10.0.0/16', 400, 400], ['y', '10.20.0.0/16', 400, 400]])
  })
  it('goes to /24 when /16 does not separate a node\'s IPs; names follow the order of preference', () => {
    const groups = proposeNetworks([['192.168.2.5', '192.168.1.5'], ['192.168.2.6', '192.168.1.6'], ['192.168.1.7', '192.168.2.7']])
    assert.deepEqual(groups.map((g) => [g.name, g.cidr]), [['x', '192.168.2.0/24'], ['y', '192.168.1.0/24']])
  })
  it('with nothing to separate (single-IP nodes), the widest prefix: one question, not one per /24', () => {
    const groups = proposeNetworks(Array.from({length: 40}, (_, i) => [`10.10.${i}.1`]))
    assert.deepEqual(groups.map((g) => g.cidr), ['10.10.0.0/16'])
  })
  it('IPv6 at /32, /48 or /64; mixed families apart', () => {
    const groups = proposeNetworks([['fd00:10::5', 'fd00:20::5', '10.10.0.5'], ['fd00:10::6', 'fd00:20::6', '10.10.0.6']])
    assert.deepEqual(groups.map((g) => [g.name, g.cidr]), [['x', 'fd00:10::/32'], ['y', 'fd00:20::/32'], ['z', '10.10.0.0/16']])
    // Two networks inside one /32 and one /48: /64 separates them.
    assert.deepEqual(proposeNetworks([['fd00:10:0:1::5', 'fd00:10:0:2::5']]).map((g) => g.cidr), ['fd00:10:0:1::/64', 'fd00:10:0:2::/64'])
  })
  it('counts the IPs in each network: none is a warning for init', () => {
    const use = networkUse([{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.30.0.0/16']}], ['10.10.0.5', '10.20.0.5', '::ffff:10.10.0.6'])
    assert.deepEqual(use.map((u) => [u.network.name, u.ips]), [['x', 2], ['y', 0]])
  })
})
