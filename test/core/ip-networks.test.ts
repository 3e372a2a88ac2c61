import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {ipKind, isBroadcastOf, normalizeIp, parseCidr, parseIp} from '../../src/core/ip.js'
import {autoNetworks, formatNetworksSpec, namedNetworks, parseNetworksSpec} from '../../src/core/networks.js'
import {UserError} from '../../src/core/errors.js'

describe('IP parsing and normalisation', () => {
  it('normalises IPv4 (leading zeros dropped, never octal)', () => {
    assert.equal(normalizeIp('10.010.000.7'), '10.10.0.7')
    assert.equal(normalizeIp(' 192.168.1.1 '), '192.168.1.1')
  })
  it('rejects malformed IPv4 and host names', () => {
    for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.1.2', 'node-1', '', '10.0.0.x', '1e3.0.0.1']) assert.equal(parseIp(bad), null, bad)
  })
  it('normalises IPv6 to lower-case RFC 5952 form', () => {
    assert.equal(normalizeIp('FD00:0010:0000:0000:0000:0000:0000:0001'), 'fd00:10::1')
    assert.equal(normalizeIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1') // first of equal runs
    assert.equal(normalizeIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1') // a single zero group is not compressed
    assert.equal(normalizeIp('::'), '::')
    assert.equal(normalizeIp('::1'), '::1')
    assert.equal(normalizeIp('[fe80::1]'), 'fe80::1')
    // IPv4-mapped addresses are the IPv4 address they map: see core/ipv4-mapped-ipv6.test.ts
    assert.equal(normalizeIp('::ffff:10.1.2.3'), '10.1.2.3')
  })
  it('rejects malformed IPv6', () => {
    for (const bad of ['1::2::3', '12345::1', 'fd00:10', 'g::1', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0']) assert.equal(parseIp(bad), null, bad)
  })
  it('classifies address kinds', () => {
    const kind = (t: string) => ipKind(parseIp(t)!)
    assert.equal(kind('0.0.0.0'), 'unspecified')
    assert.equal(kind('::'), 'unspecified')
    assert.equal(kind('224.0.0.1'), 'multicast')
    assert.equal(kind('ff02::1'), 'multicast')
    assert.equal(kind('255.255.255.255'), 'broadcast')
    assert.equal(kind('127.0.0.1'), 'loopback')
    assert.equal(kind('::1'), 'loopback')
    assert.equal(kind('169.254.3.4'), 'link-local')
    assert.equal(kind('fe80::1'), 'link-local')
    assert.equal(kind('10.10.0.1'), 'unicast')
    assert.equal(kind('fd00:10::5'), 'unicast')
  })
  it('knows the directed broadcast address of an IPv4 CIDR', () => {
    const b = (ip: string, cidr: string) => isBroadcastOf(parseIp(ip)!, parseCidr(cidr)!)
    assert.equal(b('10.10.255.255', '10.10.0.0/16'), true)
    assert.equal(b('10.10.0.255', '10.10.0.0/16'), false)
    assert.equal(b('10.10.0.255', '10.10.0.0/24'), true)
    assert.equal(b('10.20.0.255', '10.10.0.0/24'), false) // outside the CIDR
    assert.equal(b('10.0.0.3', '10.0.0.0/30'), true)
    assert.equal(b('10.0.0.1', '10.0.0.0/31'), false) // /31 and /32 have no broadcast address
    assert.equal(b('255.255.255.255', '0.0.0.0/0'), true)
    assert.equal(b('fd00::ffff', 'fd00::/112'), false) // IPv6 has none
  })
  it('parses CIDRs and clears host bits', () => {
    assert.equal(parseCidr('10.10.3.4/16')?.text, '10.10.0.0/16')
    assert.equal(parseCidr('fd00:10::7/64')?.text, 'fd00:10::/64')
    assert.equal(parseCidr('10.0.0.0/33'), null)
    assert.equal(parseCidr('10.0.0.0/x'), null)
  })
})

describe('networks', () => {
  const spec = 'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16'
  it('parses a spec with several CIDRs per network', () => {
    assert.deepEqual(parseNetworksSpec(spec), [
      {name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']},
      {name: 'y', cidrs: ['10.20.0.0/16']},
    ])
    assert.equal(formatNetworksSpec(parseNetworksSpec(spec)), spec)
  })
  it('names the bad part of an invalid spec', () => {
    assert.throws(() => parseNetworksSpec('x=10.10.0.0/16;y'), (e: UserError) => e instanceof UserError && /"y" has no "="/.test(e.message))
    assert.throws(() => parseNetworksSpec('x=10.10.0.0/99'), /"10.10.0.0\/99" in network "x" is not a CIDR/)
    assert.throws(() => parseNetworksSpec('x=10.10.0.1'), /"10.10.0.1" in network "x" is not a CIDR/)
    assert.throws(() => parseNetworksSpec('x=10.10.0.0/16;x=10.20.0.0/16'), /defined twice/)
    assert.throws(() => parseNetworksSpec('x y=10.10.0.0/16'), /network name "x y"/)
    assert.throws(() => parseNetworksSpec('x='), /has no CIDR/)
  })
  it('classifies IPv4 and IPv6, null outside every network, longest prefix wins', () => {
    const nets = namedNetworks(parseNetworksSpec(`${spec};x-core=10.10.1.0/24`))
    assert.equal(nets.classify('10.10.0.5'), 'x')
    assert.equal(nets.classify('10.10.1.5'), 'x-core')
    assert.equal(nets.classify('FD00:10::5'), 'x')
    assert.equal(nets.classify('10.20.255.1'), 'y')
    assert.equal(nets.classify('192.168.0.1'), null)
    assert.equal(nets.classify('fd00:11::1'), null)
    assert.equal(nets.classify('not-an-ip'), null)
  })
  it('groups by /24 and /64 when none are defined', () => {
    const nets = autoNetworks(['10.10.0.9', '10.10.0.10', '10.20.0.1', 'fd00:10::1', 'fd00:10::2', 'junk'])
    assert.equal(nets.auto, true)
    assert.deepEqual(nets.list.map((n) => n.name), ['10.10.0.0/24', '10.20.0.0/24', 'fd00:10::/64'])
    assert.equal(nets.classify('10.10.0.200'), '10.10.0.0/24')
    assert.equal(nets.classify('fd00:10::abcd'), 'fd00:10::/64')
  })
  it('a wildcard host (0.0.0.0, ::) is on no network, never one called 0.0.0.0/24', () => {
    const auto = autoNetworks(['10.10.0.9', '0.0.0.0', '::', '::ffff:0.0.0.0'])
    assert.deepEqual(auto.list.map((n) => n.name), ['10.10.0.0/24'])
    for (const w of ['0.0.0.0', '::', '0:0::0']) assert.equal(auto.classify(w), null, w)
    const named = namedNetworks([{name: 'all', cidrs: ['0.0.0.0/0', '::/0']}])
    assert.equal(named.classify('0.0.0.0'), null)
    assert.equal(named.classify('::'), null)
    assert.equal(named.classify('10.1.2.3'), 'all')
  })
})
