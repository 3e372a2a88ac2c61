import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {namedNetworks, parseNetworksSpec} from '../../src/core/networks.js'
import {buildNodeView, formatIpList, nodeAddresses, parseIpList} from '../../src/core/nodes.js'
import {closestNames, formatAge, globToRegExp, naturalCompare} from '../../src/core/text.js'
import type {NodeRow} from '../../src/core/rows.js'

const NOW = Date.parse('2026-11-25T12:00:00Z')
const nets = namedNetworks(parseNetworksSpec('x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16'))

function row(over: Partial<NodeRow>): NodeRow {
  return {
    nodeName: '10.10.0.1', nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active',
    lastHeartbeat: new Date(NOW - 10_000).toISOString(), lastRegTime: null, tarsVersion: '3.0.19', ipList: null, ...over,
  }
}

describe('IP-list column reading (liberal) and writing (canonical)', () => {
  it('accepts , ; | whitespace and JSON arrays, keeping order', () => {
    assert.deepEqual(parseIpList('10.10.0.1,10.20.0.1').ips, ['10.10.0.1', '10.20.0.1'])
    assert.deepEqual(parseIpList(' 10.10.0.1 ; 10.20.0.1 | fd00:10::1\n10.30.0.1 ').ips, ['10.10.0.1', '10.20.0.1', 'fd00:10::1', '10.30.0.1'])
    assert.deepEqual(parseIpList('["10.20.0.1", "10.10.0.1"]').ips, ['10.20.0.1', '10.10.0.1'])
    assert.deepEqual(parseIpList('').ips, [])
    assert.deepEqual(parseIpList(null).ips, [])
  })
  it('normalises and reports invalid entries, duplicates and unreadable JSON', () => {
    const p = parseIpList('010.10.0.1,bogus,10.10.0.1,FD00:10:0::1')
    assert.deepEqual(p.ips, ['10.10.0.1', 'fd00:10::1'])
    assert.deepEqual(p.invalid, ['bogus'])
    assert.deepEqual(p.duplicates, ['10.10.0.1'])
    assert.equal(parseIpList('["10.10.0.1"').unreadable, true)
    assert.equal(parseIpList('[1, 2').unreadable, true)
    assert.deepEqual(parseIpList('{"a":1}').invalid, ['{"a":1}'])
  })
  it('writes comma-separated, no spaces', () => {
    assert.equal(formatIpList(['10.10.0.1', 'fd00:10::1']), '10.10.0.1,fd00:10::1')
  })
})

describe('node addresses and fallback', () => {
  it('uses the IP list when present', () => {
    assert.deepEqual(nodeAddresses(row({ipList: '10.10.0.1,10.20.0.1', endpointIp: '10.10.0.99'})), {ips: ['10.10.0.1', '10.20.0.1'], source: 'ip_list', parsed: parseIpList('10.10.0.1,10.20.0.1')})
  })
  it('falls back to endpoint_ip, then node_name, then none', () => {
    assert.equal(nodeAddresses(row({ipList: null, endpointIp: '10.10.0.7'})).source, 'endpoint_ip')
    assert.equal(nodeAddresses(row({ipList: undefined, endpointIp: ''})).source, 'node_name')
    const none = nodeAddresses(row({nodeName: 'plc-node-1', ipList: '', endpointIp: ''}))
    assert.deepEqual([none.source, none.ips], ['none', []])
  })
  it('falls back when every entry of the list is malformed', () => {
    assert.equal(nodeAddresses(row({ipList: 'garbage', endpointIp: '10.10.0.7'})).source, 'endpoint_ip')
  })
})

describe('node view problems', () => {
  const codes = (r: NodeRow) => buildNodeView(r, nets, NOW).problems.map((p) => p.code)
  it('a healthy two-network node has no problems', () => {
    const v = buildNodeView(row({ipList: '10.10.0.1,10.20.0.1'}), nets, NOW)
    assert.deepEqual(v.problems, [])
    assert.deepEqual(v.ips, [{ip: '10.10.0.1', network: 'x'}, {ip: '10.20.0.1', network: 'y'}])
    assert.equal(v.heartbeatAgeSeconds, 10)
  })
  it('marks a missing network by name', () => {
    const v = buildNodeView(row({ipList: '10.10.0.1'}), nets, NOW)
    assert.deepEqual(v.problems.map((p) => [p.code, p.network]), [['missing-network', 'y']])
  })
  it('marks an IP in no network', () => {
    assert.deepEqual(codes(row({ipList: '10.10.0.1,10.20.0.1,192.168.1.1'})), ['no-network'])
  })
  it('marks the fallback and says why', () => {
    const v = buildNodeView(row({ipList: null, endpointIp: '10.10.0.1'}), nets, NOW)
    assert.equal(v.ipSource, 'endpoint_ip')
    assert.match(v.problems[0].message, /no IP list: using endpoint_ip 10.10.0.1 \(single network\)/)
    const missingColumn = buildNodeView(row({ipList: undefined}), nets, NOW)
    assert.match(missingColumn.problems[0].message, /column is missing: using node_name/)
  })
  it('marks a malformed list without crashing', () => {
    assert.deepEqual(codes(row({ipList: '10.10.0.1,10.20.0.x,10.20.0.1'})), ['malformed-ip-list'])
    assert.ok(codes(row({ipList: '[broken', endpointIp: '10.10.0.1'})).includes('malformed-ip-list'))
  })
  it('marks a heartbeat older than 250 s as stale, and a missing one', () => {
    const v = buildNodeView(row({ipList: '10.10.0.1,10.20.0.1', lastHeartbeat: new Date(NOW - 251_000).toISOString()}), nets, NOW)
    assert.equal(v.stale, true)
    assert.deepEqual(v.problems.map((p) => p.code), ['stale-heartbeat'])
    assert.equal(buildNodeView(row({ipList: '10.10.0.1,10.20.0.1', lastHeartbeat: new Date(NOW - 249_000).toISOString()}), nets, NOW).stale, false)
    assert.deepEqual(codes(row({ipList: '10.10.0.1,10.20.0.1', lastHeartbeat: null})), ['no-heartbeat'])
  })
})

describe('text helpers', () => {
  it('sorts naturally', () => {
    assert.deepEqual(['10.10.0.10', '10.10.0.9', '10.10.0.100', 'node10', 'node2'].sort(naturalCompare), ['10.10.0.9', '10.10.0.10', '10.10.0.100', 'node2', 'node10'])
  })
  it('matches globs', () => {
    assert.ok(globToRegExp('10.10.*').test('10.10.0.1'))
    assert.ok(!globToRegExp('10.10.*').test('10.100.0.1'))
    assert.ok(!globToRegExp('10.10.0.?').test('10.10.0.10'))
    assert.ok(globToRegExp('node[12]').test('node2'))
    assert.ok(!globToRegExp('10.10.0.1').test('10.10.0.10'))
  })
  it('suggests close names', () => {
    assert.deepEqual(closestNames('10.10.0.11', ['10.10.0.1', '10.20.0.5', '172.16.0.1']).slice(0, 1), ['10.10.0.1'])
    assert.deepEqual(closestNames('Plant.Contrl.Obj', ['Plant.Control.Obj', 'Other.Thing.Obj']), ['Plant.Control.Obj'])
  })
  it('formats ages', () => {
    assert.equal(formatAge(12), '12 s ago')
    assert.equal(formatAge(600), '10 min ago')
  })
})
