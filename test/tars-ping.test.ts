import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {after, before, describe, it} from 'node:test'
import {startBuiltinServant, startTarsJsServant, type RunningServant} from '../src/lab/tars-server.js'
import {probeTargets} from '../src/probe/engine.js'
import {decodeRequestBody, decodeResponseFrame, describeTarsRet, encodePingFrame, encodeResponseFrame, frameStatus} from '../src/tars/ping.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsStream = require('@tars/stream') as any
// Tars.js's own RequestPacket/ResponsePacket classes (generated from RequestF.tars), decoded with @tars/stream.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsPacket = require('@tars/rpc/core/rpc-tars/RequestF.js').tars as any

describe('tars_ping frame', () => {
  it('has the exact bytes of DESIGN §4', () => {
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

for (const kind of ['tars.js', 'builtin'] as const) {
  describe(`tars_ping against a ${kind} server`, () => {
    let server: RunningServant
    before(async () => {
      server = kind === 'tars.js' ? await startTarsJsServant('Lab.PingServer.PingObj', '127.0.0.1') : await startBuiltinServant('Lab.PingServer.PingObj', '127.0.0.1')
    })
    after(async () => server.close())

    it('the right servant answers 0; a wrong one -4 (port answers but hosts another servant)', async () => {
      const [right, wrong] = await probeTargets([
        {id: 'right', node: 'n1', network: 'x', host: server.host, ports: [server.port], check: 'tars', servant: 'Lab.PingServer.PingObj'},
        {id: 'wrong', node: 'n1', network: 'x', host: server.host, ports: [server.port], check: 'tars', servant: 'Lab.Other.Obj'},
      ], {timeoutMs: 2000, retries: 0})
      assert.equal(right.status, 'up')
      assert.equal(right.tarsRet, 0)
      assert.equal(right.error, null)
      assert.ok(right.latencyMs !== null && right.latencyMs >= 0)
      assert.equal(wrong.status, 'error')
      assert.equal(wrong.tarsRet, -4)
      assert.equal(wrong.error?.message, 'port answers but hosts another servant')
    })

    it('a plain TCP check of the same port is up', async () => {
      const [r] = await probeTargets([{id: 1, node: 'n1', network: 'x', host: server.host, ports: [server.port], check: 'tcp'}], {timeoutMs: 2000})
      assert.equal(r.status, 'up')
      assert.equal(r.tarsRet, null)
    })
  })
}
