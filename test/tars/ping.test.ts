import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import net from 'node:net'
import {after, before, describe, it} from 'node:test'
import {startBuiltinServant, startTarsJsServant, type RunningServant} from '../../src/lab/tars-server.js'
import {NO_SUCH_SERVANT, probeTargets} from '../../src/probe/engine.js'
import {decodeRequestBody, decodeResponseFrame, describeTarsRet, encodePingFrame, encodeResponseFrame, frameStatus} from '../../src/tars/ping.js'
import {onRequests} from '../helpers/frames.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsStream = require('@tars/stream') as any
// Tars.js's own RequestPacket/ResponsePacket classes (generated from RequestF.tars), decoded with @tars/stream.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsPacket = require('@tars/rpc/core/rpc-tars/RequestF.js').tars as any

describe('tars_ping frame', () => {
  it('has the exact bytes of docs/design.md §4', () => {
    const f = encodePingFrame('A.B.Obj', 300, 1000)
    const want =
      '1001' + // 1 iVersion = 1 (int8)
      '2c' + '3c' + // 2 cPacketType, 3 iMessageType: zero
      '41012c' + // 4 iRequestId = 300 (int16)
      '5607' + Buffer.from('A.B.Obj').toString('hex') +
      '6609' + Buffer.from('tars_ping').toString('hex') +
      '7d000c' + // 7 sBuffer: simple list, int8 head, length zero
      '8103e8' + // 8 iTimeout = 1000
      '980c' + 'a80c' // 9 context, 10 status: empty maps
    assert.equal(f.readUInt32BE(0), f.length)
    assert.equal(f.subarray(4).toString('hex'), want)
  })

  it('is decoded by Tars.js (@tars/stream) as the RequestPacket we meant', () => {
    const f = encodePingFrame('App.Server.Obj', 123456, 2500)
    const is = new TarsStream.TarsInputStream(new TarsStream.BinBuffer(f.subarray(4)))
    const req = TarsPacket.RequestPacket._readFrom(is)
    assert.equal(req.iVersion, 1)
    assert.equal(req.cPacketType, 0)
    assert.equal(req.iMessageType, 0)
    assert.equal(req.iRequestId, 123456)
    assert.equal(req.sServantName, 'App.Server.Obj')
    assert.equal(req.sFuncName, 'tars_ping')
    assert.equal(req.sBuffer.length, 0)
    assert.equal(req.iTimeout, 2500)
    assert.equal(req.context.size(), 0)
    assert.equal(req.status.size(), 0)
    // And our own decoder agrees.
    assert.equal(decodeRequestBody(f.subarray(4)).sServantName, 'App.Server.Obj')
  })

  it('decodes a ResponsePacket written by Tars.js, and one of ours', () => {
    const rsp = new TarsPacket.ResponsePacket()
    rsp.iVersion = 1; rsp.iRequestId = 77; rsp.iRet = -4; rsp.sResultDesc = 'no servant'
    const os = new TarsStream.TarsOutputStream()
    os.setHeaderLength(0)
    rsp._writeTo(os)
    os.setHeaderLength(os.getBinBuffer().length)
    const theirs = decodeResponseFrame(os.getBinBuffer().toNodeBuffer())
    assert.equal(theirs.iRequestId, 77)
    assert.equal(theirs.iRet, -4)
    assert.equal(theirs.sResultDesc, 'no servant')
    const ours = decodeResponseFrame(encodeResponseFrame({iRequestId: 5, iRet: -3}))
    assert.deepEqual([ours.iRequestId, ours.iRet, ours.sBuffer.length], [5, -3, 0])
  })

  it('waits for whole frames and rejects absurd lengths', () => {
    const f = encodePingFrame('X', 1, 1)
    assert.deepEqual(frameStatus(f.subarray(0, 3)), {complete: false})
    assert.deepEqual(frameStatus(f.subarray(0, f.length - 1)), {complete: false})
    assert.deepEqual(frameStatus(f), {complete: true, length: f.length})
    assert.throws(() => frameStatus(Buffer.from('ffffffff00', 'hex')), /not a Tars frame/)
    assert.throws(() => frameStatus(Buffer.from('0000000200', 'hex')), /not a Tars frame/)
  })

  it('names the iRet codes', () => {
    assert.equal(describeTarsRet(-4), 'port answers but hosts another servant')
    assert.equal(describeTarsRet(-3), 'servant has no such function')
    assert.equal(describeTarsRet(-77), 'tars error -77')
  })
})

// Tars.js answers tars_ping for any servant name; TarsCpp-like servers (the built-in responder) answer -4 to
// a name they do not host. probe pings the expected servant, then (on the same connection) one that cannot exist.
for (const kind of ['tars.js', 'builtin'] as const) {
  describe(`tars_ping against a ${kind === 'tars.js' ? 'real Tars.js' : 'TarsCpp-like (built-in)'} server`, () => {
    let server: RunningServant
    before(async () => {
      server = kind === 'tars.js' ? await startTarsJsServant('Lab.PingServer.PingObj', '127.0.0.1') : await startBuiltinServant('Lab.PingServer.PingObj', '127.0.0.1')
    })
    after(async () => server.close())

    const verified = kind === 'builtin'
    it(`the right servant answers 0 and is ${verified ? 'verified (a name that cannot exist gets -4)' : 'not verified (a name that cannot exist gets 0 too)'}`, async () => {
      const [right] = await probeTargets([
        {id: 'right', node: 'n1', network: 'x', host: server.host, ports: [server.port], check: 'tars', servant: 'Lab.PingServer.PingObj'},
      ], {timeoutMs: 2000, retries: 0})
      assert.equal(right.status, 'up')
      assert.equal(right.tarsRet, 0)
      assert.equal(right.error, null)
      assert.equal(right.servantVerified, verified)
      assert.ok(right.latencyMs !== null && right.latencyMs >= 0)
    })

    it(`a ping for another servant: ${verified ? '-4 (port answers but hosts another servant)' : 'answered 0 (Tars.js does not check), up but not verified'}`, async () => {
      const [other] = await probeTargets([
        {id: 'other', node: 'n1', network: 'x', host: server.host, ports: [server.port], check: 'tars', servant: 'Lab.Other.Obj'},
      ], {timeoutMs: 2000, retries: 0})
      if (verified) {
        assert.equal(other.status, 'error')
        assert.equal(other.tarsRet, -4)
        assert.equal(other.error?.message, 'port answers but hosts another servant')
        assert.equal(other.servantVerified, null)
      } else {
        assert.equal(other.status, 'up')
        assert.equal(other.tarsRet, 0)
        assert.equal(other.servantVerified, false)
      }
    })

    it('a plain TCP check of the same port is up, with nothing to verify', async () => {
      const [r] = await probeTargets([{id: 1, node: 'n1', network: 'x', host: server.host, ports: [server.port], check: 'tcp'}], {timeoutMs: 2000})
      assert.equal(r.status, 'up')
      assert.equal(r.tarsRet, null)
      assert.equal(r.servantVerified, null)
    })
  })
}

describe('the servant check: a second ping on the same connection', () => {
  /** A raw Tars server (our codec) that records each request with its connection, and answers as told. */
  async function recorder(answer: (servant: string, nth: number) => number | 'silent' | 'close') {
    const seen: Array<{conn: number; servant: string; requestId: number}> = []
    let conns = 0
    const server = net.createServer((socket) => {
      const conn = ++conns
      socket.on('error', () => {})
      onRequests(socket, (req) => {
        seen.push({conn, servant: req.sServantName, requestId: req.iRequestId})
        const a = answer(req.sServantName, seen.length)
        if (a === 'close') socket.destroy()
        else if (a !== 'silent') socket.write(encodeResponseFrame({iRequestId: req.iRequestId, iRet: a}))
      })
    })
    await new Promise<void>((resolve) => server.listen({host: '127.0.0.1', port: 0}, () => resolve()))
    const port = (server.address() as net.AddressInfo).port
    const probe = async () => (await probeTargets([{id: 1, node: 'n1', network: 'x', host: '127.0.0.1', ports: [port], check: 'tars', servant: 'A.B.Obj'}], {timeoutMs: 1500, retries: 0}))[0]
    return {seen, probe, close: () => new Promise<void>((resolve) => server.close(() => resolve()))}
  }

  it('asks for a servant that cannot exist, on the same connection, with a new request id', async () => {
    const r = await recorder((servant) => (servant === 'A.B.Obj' ? 0 : -4))
    try {
      const result = await r.probe()
      assert.equal(result.servantVerified, true)
      assert.equal(r.seen.length, 2)
      assert.equal(r.seen[0].servant, 'A.B.Obj')
      assert.equal(r.seen[1].servant, NO_SUCH_SERVANT)
      assert.match(NO_SUCH_SERVANT, /^tarsnet\.NoSuchServant\.[0-9a-f]{8}Obj$/)
      assert.equal(r.seen[1].conn, r.seen[0].conn)
      assert.notEqual(r.seen[1].requestId, r.seen[0].requestId)
    } finally {
      await r.close()
    }
  })

  for (const [what, second] of [['no answer to the second ping', 'silent'], ['the connection closed after the first', 'close'], ['another code (-3)', -3]] as const) {
    it(`${what}: still up, the servant not verified`, async () => {
      const r = await recorder((servant) => (servant === 'A.B.Obj' ? 0 : second))
      try {
        const result = await r.probe()
        assert.equal(result.status, 'up')
        assert.equal(result.tarsRet, 0)
        assert.equal(result.servantVerified, false)
        assert.ok(result.latencyMs !== null, 'the latency is the first ping\'s')
      } finally {
        await r.close()
      }
    })
  }

  it('a first ping answered -4 sends no second one', async () => {
    const r = await recorder(() => -4)
    try {
      const result = await r.probe()
      assert.deepEqual([result.status, result.tarsRet, result.servantVerified], ['error', -4, null])
      assert.equal(r.seen.length, 1)
    } finally {
      await r.close()
    }
  })
})
