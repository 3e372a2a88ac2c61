// Reading `nodes import` files and `nodes detect`'s choice of addresses, pure.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {DEFAULT_DETECT_EXCLUDE, detectAddresses, orderDetected} from '../../src/core/detect.js'
import {csvFields, detectFormat, parseImport} from '../../src/core/ip-list-import.js'
import {autoNetworks, namedNetworks} from '../../src/core/networks.js'

describe('import files', () => {
  it('detects the format by extension, else by content', () => {
    assert.equal(detectFormat('a.json', 'x'), 'json')
    assert.equal(detectFormat('a.CSV', '{'), 'csv')
    assert.equal(detectFormat('-', ' [1]'), 'json')
    assert.equal(detectFormat('ips', 'node-a,10.0.0.1'), 'csv')
  })
  it('splits CSV fields with quotes', () => {
    assert.deepEqual(csvFields('a,"1,2",b'), ['a', '1,2', 'b'])
    assert.deepEqual(csvFields('"say ""hi""",x'), ['say "hi"', 'x'])
    assert.equal(csvFields('a,"open'), null)
  })
  it('reads CSV: header, comments, blank lines, quoted or spread IPs', () => {
    const r = parseImport('x.csv', '\uFEFFnode,ips\n# plant 1\n\nnode-a,"10.10.0.5,10.20.0.5"\r\nnode-b,10.10.0.6,10.20.0.6\nnode-c,10.10.0.7 10.20.0.7;fd00::7\nnode-d,\n')
    assert.deepEqual(r.errors, [])
    assert.deepEqual(r.entries.map((e) => [e.node, e.ips, e.where]), [
      ['node-a', ['10.10.0.5', '10.20.0.5'], 'line 4'],
      ['node-b', ['10.10.0.6', '10.20.0.6'], 'line 5'],
      ['node-c', ['10.10.0.7', '10.20.0.7', 'fd00::7'], 'line 6'],
      ['node-d', [], 'line 7'],
    ])
  })
  it('reports CSV lines it cannot read, by line number', () => {
    const r = parseImport('x.csv', 'node-a,10.0.0.1\n,10.0.0.2\nnode-c,"10.0.0.3\n')
    assert.deepEqual(r.errors, ['line 2: no node name in the first field', 'line 3: a quote is not closed'])
  })
  it('reads JSON as an object or a list of objects', () => {
    const o = parseImport('x.json', '{"node-a": ["10.10.0.5", "10.20.0.5"], "node-b": "10.10.0.6,10.20.0.6", "node-c": null}')
    assert.deepEqual(o.errors, [])
    assert.deepEqual(o.entries.map((e) => [e.node, e.ips]), [['node-a', ['10.10.0.5', '10.20.0.5']], ['node-b', ['10.10.0.6', '10.20.0.6']], ['node-c', []]])
    const l = parseImport('x.json', '[{"node": "node-a", "ips": ["10.10.0.5"]}, {"node_name": "node-b", "ip_list": "10.10.0.6"}]')
    assert.deepEqual(l.entries.map((e) => [e.node, e.ips, e.where]), [['node-a', ['10.10.0.5'], '[0]'], ['node-b', ['10.10.0.6'], '[1]']])
  })
  it('reports JSON problems by place', () => {
    assert.match(parseImport('x.json', '{"a": [1]}').errors[0], /"a": the IPs must be a list of strings/)
    assert.match(parseImport('x.json', '[{"ips": []}]').errors[0], /\[0\]: no "node"/)
    assert.match(parseImport('x.json', '[{"node": "a"}]').errors[0], /no "ips" for node a/)
    assert.match(parseImport('x.json', '[1]').errors[0], /\[0\]: expected/)
    assert.match(parseImport('x.json', '"str"').errors[0], /expected an object/)
    assert.match(parseImport('x.json', '{oops').errors[0], /not valid JSON/)
  })
})

describe('nodes detect: which interface addresses', () => {
  const XY = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16', 'fd00:20::/64']}])
  const interfaces = {
    lo: [{address: '127.0.0.1', family: 'IPv4', internal: true, cidr: '127.0.0.1/8'}, {address: '::1', family: 'IPv6', internal: true, cidr: '::1/128'}],
    eth1: [{address: 'fd00:20::5', family: 'IPv6', internal: false, cidr: 'fd00:20::5/64'}, {address: '10.20.0.5', family: 'IPv4', internal: false, cidr: '10.20.0.5/16'}, {address: 'fe80::1', family: 'IPv6', internal: false, cidr: 'fe80::1/64'}],
    eth0: [{address: '10.10.0.5', family: 'IPv4', internal: false, cidr: '10.10.0.5/16'}, {address: '169.254.3.3', family: 'IPv4', internal: false, cidr: null}],
    docker0: [{address: '172.17.0.1', family: 'IPv4', internal: false, cidr: '172.17.0.1/16'}],
    'br-1a2b': [{address: '172.18.0.1', family: 'IPv4', internal: false}],
    vethabc: [{address: '172.19.0.1', family: 'IPv4', internal: false}],
    cali123: [{address: '192.168.5.1', family: 'IPv4', internal: false}],
    wg0: [{address: '192.168.9.1', family: 'IPv4', internal: false}],
  }
  it('leaves out loopback, link-local and virtual interfaces, saying why', () => {
    const r = detectAddresses(interfaces, DEFAULT_DETECT_EXCLUDE, XY)
    assert.deepEqual(r.ips.map((d) => [d.interface, d.ip, d.network]), [
      ['eth1', 'fd00:20::5', 'y'], ['eth1', '10.20.0.5', 'y'], ['eth0', '10.10.0.5', 'x'], ['wg0', '192.168.9.1', null],
    ])
    const why = Object.fromEntries(r.skipped.map((s) => [s.ip, s.reason + (s.pattern ? ` ${s.pattern}` : '')]))
    assert.deepEqual(why, {
      '127.0.0.1': 'loopback', '::1': 'loopback', 'fe80::1': 'link-local', '169.254.3.3': 'link-local',
      '172.17.0.1': 'excluded-interface docker*', '172.18.0.1': 'excluded-interface br-*', '172.19.0.1': 'excluded-interface veth*', '192.168.5.1': 'excluded-interface cali*',
    })
  })
  it('takes a custom exclude list', () => {
    const r = detectAddresses(interfaces, ['wg*', 'docker*'], XY)
    assert.ok(!r.ips.some((d) => d.interface === 'wg0'))
    assert.ok(r.ips.some((d) => d.interface === 'cali123'))
  })
  it('orders by network as defined (first preferred), IPv4 first, unknown networks last', () => {
    const r = detectAddresses(interfaces, DEFAULT_DETECT_EXCLUDE, XY)
    assert.deepEqual(orderDetected(r.ips, XY).map((d) => d.ip), ['10.10.0.5', '10.20.0.5', 'fd00:20::5', '192.168.9.1'])
  })
  it('lists an address found on two interfaces once', () => {
    const r = detectAddresses({a: [{address: '10.10.0.5', family: 4, internal: false}], b: [{address: '10.10.0.5', family: 4, internal: false}]}, [], autoNetworks([]))
    assert.equal(r.ips.length, 1)
  })
})
