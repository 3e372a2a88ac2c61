import {describe, it} from 'node:test'
import assert from 'node:assert/strict'

import {
  EndpointParseError,
  formatEndpoint,
  formatProxy,
  parseEndpoint,
  parseEndpointDetailed,
  parseEndpointList,
  parseProxy,
  splitEndpoints,
  tryParseEndpoint,
} from '../../src/core/endpoint.js'

describe('upstream TarsCpp unit tests (unit-test/util)', () => {
  // test_tc_clientsocket.cpp testParseEndpoint: the last -p wins.
  it('testParseEndpoint: tcp -h 127.0.0.1 -p 17890 -p 3000', () => {
    const ep = parseEndpoint('tcp -h 127.0.0.1 -p 17890 -p 3000')
    assert.equal(ep.protocol, 'tcp')
    assert.equal(ep.host, '127.0.0.1')
    assert.equal(ep.port, 3000)
  })

  it('testSepEndpointOK: two endpoints joined by ":"', () => {
    assert.deepEqual(splitEndpoints('tcp -h 127.0.0.1 -p 17890 -t 3000:tcp -h 127.0.0.1 -p 17890 -t 3001'), [
      'tcp -h 127.0.0.1 -p 17890 -t 3000',
      'tcp -h 127.0.0.1 -p 17890 -t 3001',
    ])
  })

  it('testSepEndpoint1: trailing ":"', () => {
    assert.deepEqual(splitEndpoints('tcp -h 127.0.0.1 -p 17890 -t 3000:'), ['tcp -h 127.0.0.1 -p 17890 -t 3000'])
  })

  it('testSepEndpoint2: two endpoints and a trailing ":"', () => {
    assert.deepEqual(splitEndpoints('tcp -h 127.0.0.1 -p 17890 -t 3000:tcp -h 127.0.0.1 -p 17890 -t 3001:'), [
      'tcp -h 127.0.0.1 -p 17890 -t 3000',
      'tcp -h 127.0.0.1 -p 17890 -t 3001',
    ])
  })

  // test_tc_endpoint.cpp "sep": a single IPv6 endpoint is never cut at its colons.
  for (const s of ['udp -h ::1 -p 25460 -t 60000', 'tcp -h ::1 -p 25460 -t 60000', 'ssl -h ::1 -p 25460 -t 60000']) {
    it(`sep: ${s}`, () => assert.deepEqual(splitEndpoints(s), [s]))
  }

  it('sep: surrounding spaces are trimmed', () => {
    assert.deepEqual(splitEndpoints(' tcp -h ::1 -p 25460 -t 60000 '), ['tcp -h ::1 -p 25460 -t 60000'])
  })

  it('sep: a trailing ":" and spaces are trimmed', () => {
    assert.deepEqual(splitEndpoints(' tcp -h ::1 -p 25460 -t 60000: '), ['tcp -h ::1 -p 25460 -t 60000'])
  })

  // test_tc_endpoint.cpp "seps": mixed protocols, IPv4 and IPv6.
  it('seps: udp/tcp/ssl with IPv6 and IPv4', () => {
    const s = ' udp -h ::1 -p 25460 -t 60000 : tcp -h 127.0.0.1 -p 25460 -t 60000 : ssl -h ::1 -p 25460 -t 60000: '
    assert.deepEqual(splitEndpoints(s), [
      'udp -h ::1 -p 25460 -t 60000',
      'tcp -h 127.0.0.1 -p 25460 -t 60000',
      'ssl -h ::1 -p 25460 -t 60000',
    ])
  })

  it('test_tc_epoller_server: tcp -h 127.0.0.1 -p 19089 -t 10000', () => {
    const ep = parseEndpoint('tcp -h 127.0.0.1 -p 19089 -t 10000')
    assert.deepEqual([ep.host, ep.port, ep.timeout], ['127.0.0.1', 19089, 10000])
  })
})

describe('parseEndpoint', () => {
  it('reads every option', () => {
    const ep = parseEndpoint('ssl -h 10.0.0.1 -p 80 -t 60000 -g 2 -q 3 -w 50 -v 1 -e 1')
    assert.deepEqual(ep, {
      protocol: 'ssl', host: '10.0.0.1', port: 80, timeout: 60000, grid: 2, qos: 3, weight: 50, weightType: 1, authType: 1,
    })
  })

  it('defaults: port 0, timeout 3000, weight -1, the rest 0', () => {
    assert.deepEqual(parseEndpoint('udp -h h'), {
      protocol: 'udp', host: 'h', port: 0, timeout: 3000, grid: 0, qos: 0, weight: -1, weightType: 0, authType: 0,
    })
  })

  it('tabs and newlines separate tokens too', () => {
    assert.equal(parseEndpoint('tcp\t-h\n1.2.3.4\r\n-p  9').port, 9)
  })

  it('-h * means 0.0.0.0', () => {
    assert.equal(parseEndpoint('tcp -h * -p 1').host, '0.0.0.0')
  })

  it('unknown options are ignored together with their value (TarsGo -b)', () => {
    const ep = parseEndpoint('tcp -h 1.2.3.4 -b 0.0.0.0 -p 5 -z -t 7')
    assert.deepEqual([ep.host, ep.port, ep.timeout], ['1.2.3.4', 5, 7])
  })

  it('the last occurrence wins for every option', () => {
    const ep = parseEndpoint('tcp -h a -h b -t 1 -t 2 -e 1 -e 0')
    assert.deepEqual([ep.host, ep.timeout, ep.authType], ['b', 2, 0])
  })

  it('a value starting with "-" is not a value: the option has none', () => {
    assert.throws(() => parseEndpoint('tcp -h -p 1'), /-h needs a host/)
    assert.throws(() => parseEndpoint('tcp -h a -p -t 5'), /-p needs a port/)
  })

  it('weighttype ≠ 0: weight defaults to 100 and is capped at 100', () => {
    assert.equal(parseEndpoint('tcp -h a -v 1').weight, 100)
    assert.equal(parseEndpoint('tcp -h a -v 2 -w 250').weight, 100)
    assert.equal(parseEndpoint('tcp -h a -v 1 -w 30').weight, 30)
  })

  it('weighttype 0: weight kept as written', () => {
    assert.equal(parseEndpoint('tcp -h a -w 250').weight, 250)
    assert.equal(parseEndpoint('tcp -h a').weight, -1)
  })

  it('numbers read like istringstream: a "+" sign and leading zeros are fine', () => {
    const ep = parseEndpoint('tcp -h a -p +080 -t 007')
    assert.deepEqual([ep.port, ep.timeout], [80, 7])
  })

  const bad: Array<[string, RegExp]> = [
    ['', /empty endpoint string/],
    ['   ', /empty endpoint string/],
    ['http -h a -p 1', /protocol must be tcp, udp or ssl/],
    ['TCP -h a -p 1', /protocol must be tcp, udp or ssl/],
    ['tcp -h a -p 1 junk', /expected an option/],
    ['tcp -host a', /expected an option/],
    ['tcp -p 1', /host must not be empty/],
    ['tcp -h a -p 65536', /-p needs a port 0-65535/],
    ['tcp -h a -p abc', /-p needs a port/],
    ['tcp -h a -p 12x', /-p needs a port/],
    ['tcp -h a -p 0x10', /-p needs a port/],
    ['tcp -h a -p', /-p needs a port/],
    ['tcp -h a -t', /-t needs a timeout/],
    ['tcp -h a -t 99999999999', /-t needs a timeout/],
    ['tcp -h a -g x', /-g needs an integer/],
    ['tcp -h a -q 1.5', /-q needs an integer/],
    ['tcp -h a -w w', /-w needs an integer/],
    ['tcp -h a -v x', /-v needs a non-negative integer/],
    ['tcp -h a -e 2', /-e must be 0 or 1/],
    ['tcp -h a -e', /-e must be 0 or 1/],
  ]
  for (const [input, reason] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseEndpoint(input), (error: unknown) => {
        assert.ok(error instanceof EndpointParseError)
        assert.match(error.reason, reason)
        assert.match(error.message, /^endpoint does not parse: /)
        return true
      })
    })
  }

  it('missingHost: the registry reads a string without -h as 0.0.0.0', () => {
    assert.equal(parseEndpoint('tcp -p 1', {missingHost: '0.0.0.0'}).host, '0.0.0.0')
    // An -h with no value is still an error.
    assert.throws(() => parseEndpoint('tcp -h -p 1', {missingHost: '0.0.0.0'}), /-h needs a host/)
  })

  it('tryParseEndpoint returns the reason as a value', () => {
    assert.deepEqual(tryParseEndpoint('tcp -h a -p x'), {ok: false, reason: "-p needs a port 0-65535, got 'x'"})
    const ok = tryParseEndpoint('tcp -h a -p 1')
    assert.ok(ok.ok && ok.endpoint.port === 1)
  })
})

describe('IPv6', () => {
  it('parses bare IPv6 hosts', () => {
    assert.equal(parseEndpoint('tcp -h ::1 -p 25460').host, '::1')
    assert.equal(parseEndpoint('tcp -h fd00:10:20::5 -p 1').host, 'fd00:10:20::5')
    assert.equal(parseEndpoint('tcp -h :: -p 1').host, '::')
  })

  it('serialises IPv6 hosts bare (no brackets)', () => {
    assert.equal(formatEndpoint(parseEndpoint('tcp -h fd00::5 -p 8 -t 60000')), 'tcp -h fd00::5 -p 8 -t 60000')
  })

  it('splits a list mixing IPv6 and IPv4 only where a protocol word begins', () => {
    const list = 'tcp -h fd00::1 -p 1:tcp -h 10.0.0.1 -p 1:udp -h ::ffff:10.0.0.2 -p 2'
    assert.deepEqual(parseEndpointList(list).map((e) => `${e.protocol} ${e.host} ${e.port}`), [
      'tcp fd00::1 1', 'tcp 10.0.0.1 1', 'udp ::ffff:10.0.0.2 2',
    ])
  })

  it('a host ending in ":" loses it when trimmed, exactly as upstream', () => {
    // sepEndpoint trims ':' from each piece's ends; "-h ::" is safe because "-p" follows it.
    assert.deepEqual(splitEndpoints('tcp -h :: -p 1:tcp -h ::1 -p 2'), ['tcp -h :: -p 1', 'tcp -h ::1 -p 2'])
  })
})

describe('formatEndpoint (TC_Endpoint::toString)', () => {
  it('writes -h -p always, then -t -g -q -w -v -e in that order', () => {
    assert.equal(
      formatEndpoint(parseEndpoint('tcp -e 1 -v 1 -w 5 -q 4 -g 3 -t 2 -p 1 -h a')),
      'tcp -h a -p 1 -t 2 -g 3 -q 4 -w 5 -v 1 -e 1',
    )
  })

  it('omits -t 0, zero grid/qos/weighttype/auth, and weight ≤ 0', () => {
    assert.equal(formatEndpoint(parseEndpoint('udp -h a -p 0 -t 0 -g 0 -q 0 -w 0 -v 0 -e 0')), 'udp -h a -p 0')
  })

  it('writes the default timeout 3000 when the string had none', () => {
    assert.equal(formatEndpoint(parseEndpoint('tcp -h a -p 1')), 'tcp -h a -p 1 -t 3000')
  })

  it('writes the implied weight 100 when weighttype is set', () => {
    assert.equal(formatEndpoint(parseEndpoint('tcp -h a -p 1 -v 1')), 'tcp -h a -p 1 -t 3000 -w 100 -v 1')
  })

  it('round-trips: parse(format(ep)) == ep', () => {
    for (const s of ['tcp -h 10.1.2.3 -p 10000 -t 60000', 'ssl -h fd00::9 -p 443 -t 1 -g 1 -q 2 -w 3 -v 4 -e 1', 'udp -h * -p 5']) {
      const ep = parseEndpoint(s)
      assert.deepEqual(parseEndpoint(formatEndpoint(ep)), ep)
    }
  })
})

describe('splitEndpoints edge cases', () => {
  it('empty and protocol-free input gives no pieces', () => {
    assert.deepEqual(splitEndpoints(''), [])
    assert.deepEqual(splitEndpoints(' : : '), [])
  })

  it('never splits on ":" between options', () => {
    assert.deepEqual(splitEndpoints('tcp -h 1.1.1.1 -p 1 : tcp -h 2.2.2.2 -p 2'), ['tcp -h 1.1.1.1 -p 1', 'tcp -h 2.2.2.2 -p 2'])
  })

  it('a protocol word inside a host name splits there, like upstream', () => {
    assert.deepEqual(splitEndpoints('tcp -h mytcphost -p 1'), ['tcp -h my', 'tcphost -p 1'])
  })
})

describe('proxy strings', () => {
  it('parses Obj@ep1:ep2', () => {
    const p = parseProxy('App.Server.Obj@tcp -h 10.0.0.1 -p 1:tcp -h 10.1.0.1 -p 1')
    assert.equal(p.object, 'App.Server.Obj')
    assert.deepEqual(p.endpoints.map((e) => e.host), ['10.0.0.1', '10.1.0.1'])
  })

  it('parses the seed form with IPv6', () => {
    const p = parseProxy('obj@tcp -h fd00::1 -p 9:tcp -h fd01::1 -p 9')
    assert.deepEqual(p.endpoints.map((e) => e.host), ['fd00::1', 'fd01::1'])
  })

  it('an object without @ has no endpoints; a #hash suffix is dropped', () => {
    assert.deepEqual(parseProxy('App.Server.Obj'), {object: 'App.Server.Obj', endpoints: []})
    assert.equal(parseProxy('App.S.Obj#1@tcp -h a -p 1').object, 'App.S.Obj')
  })

  it('rejects an empty object or an empty endpoint list, and bad endpoints', () => {
    assert.throws(() => parseProxy('@tcp -h a -p 1'), /no object name/)
    assert.throws(() => parseProxy('A.B.C@'), /no endpoint/)
    assert.throws(() => parseProxy('A.B.C@tcp -h a -p x'), /-p needs a port/)
  })

  it('formatProxy builds what parseProxy reads', () => {
    const eps = parseEndpointList('tcp -h 10.0.0.1 -p 1 -t 60000:tcp -h fd00::1 -p 1 -t 60000')
    const s = formatProxy('A.B.Obj', eps)
    assert.equal(s, 'A.B.Obj@tcp -h 10.0.0.1 -p 1 -t 60000:tcp -h fd00::1 -p 1 -t 60000')
    assert.deepEqual(parseProxy(s), {object: 'A.B.Obj', endpoints: eps})
    assert.equal(formatProxy('A.B.Obj', []), 'A.B.Obj')
  })
})

describe('parseEndpointDetailed', () => {
  it('keeps the host as written so * and 0.0.0.0 can be told apart', () => {
    assert.equal(parseEndpointDetailed('tcp -h * -p 1').hostText, '*')
    assert.equal(parseEndpointDetailed('tcp -h * -p 1').endpoint.host, '0.0.0.0')
    assert.equal(parseEndpointDetailed('tcp -h a -h 0.0.0.0 -p 1').hostText, '0.0.0.0')
    assert.equal(parseEndpointDetailed('tcp -p 1', {missingHost: '0.0.0.0'}).hostText, null)
  })
})
