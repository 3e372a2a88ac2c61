// The networks `tarsnet init` proposes from the nodes' IPs, and how many IPs each network holds.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {networkUse, proposeNetworks} from '../../src/core/network-proposal.js'

describe('the networks init proposes', () => {
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
