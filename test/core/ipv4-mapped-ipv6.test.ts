// IPv4-mapped IPv6 is the IPv4 address it maps, everywhere in the pure core.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ipKind, normalizeIp, parseCidr, parseIp} from '../../src/core/ip.js'
import {checkIp, nodeState, planEdits, planErrors} from '../../src/core/ip-list-edit.js'
import {namedNetworks} from '../../src/core/networks.js'
import {nodeAddresses, parseIpList} from '../../src/core/nodes.js'
import type {NodeRow} from '../../src/core/rows.js'

const XY = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}])
const row = (nodeName: string, ipList: string | null, endpointIp = ''): NodeRow => ({
  nodeName, nodeObj: '', endpointIp, endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList,
})

describe('IPv4-mapped IPv6 is the IPv4 address it maps', () => {
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
