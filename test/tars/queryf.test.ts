/**
 * QueryF on the wire (src/tars/queryf.ts), checked against Tars.js: @tars/stream decodes our requests,
 * our decoder reads answers @tars/stream encodes (every EndpointF field, nodeName included), and hostile
 * bytes end in our own TarsDecodeError, never a TypeError, a stack overflow or a huge allocation.
 */
import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {describe, it} from 'node:test'
import {MAX_NESTING, TarsDecodeError, TarsReader, TarsType, TarsWriter} from '../../src/tars/codec.js'
import {decodeRequestBody} from '../../src/tars/ping.js'
import {
  decodeQueryAnswer,
  decodeQueryArgs,
  encodeQueryAnswer,
  encodeQueryArgs,
  encodeQueryFrame,
  endpointF,
  protocolOf,
  QUERY_FUNCTIONS,
  type EndpointF,
} from '../../src/tars/queryf.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsStream = require('@tars/stream') as any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsPacket = require('@tars/rpc/core/rpc-tars/RequestF.js').tars as any
// @tars/registry's own EndpointF (generated from its EndpointF.tars, which stops at tag 12).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TheirEndpoint = require('@tars/registry/EndpointFTars.js').tars.EndpointF as any

const FULL: EndpointF = {
  host: 'fd00:10::5', port: 17890, timeout: 60000, istcp: 2, grid: 1, groupworkid: 3, grouprealid: 4, setId: 'app.sz.1',
  qos: 5, bakFlag: 1, weight: 80, weightType: 1, authType: 1, nodeName: '10.10.0.5',
}

/** An EndpointF written field by field with @tars/stream, tags 0–14, plus a tag 10 and a future tag 20. */
function theirEndpoint(ep: EndpointF, extra = true) {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    _writeTo(os: any) {
      os.writeString(0, ep.host); os.writeInt32(1, ep.port); os.writeInt32(2, ep.timeout); os.writeInt32(3, ep.istcp); os.writeInt32(4, ep.grid)
      os.writeInt32(5, ep.groupworkid); os.writeInt32(6, ep.grouprealid); os.writeString(7, ep.setId); os.writeInt32(8, ep.qos); os.writeInt32(9, ep.bakFlag)
      if (extra) os.writeString(10, 'a tag nobody uses')
      os.writeInt32(11, ep.weight); os.writeInt32(12, ep.weightType); os.writeInt32(13, ep.authType); os.writeString(14, ep.nodeName)
      if (extra) {
        const m = new TarsStream.Map(TarsStream.String, TarsStream.String); m.insert('k', 'v')
        os.writeMap(20, m)
      }
    },
  }
}
const StructProto = {_write: (os: any, tag: number, v: any) => os.writeStruct(tag, v), _classname: 'EndpointF'}

/** A findObjectById4Any-shaped answer (ret at 0, lists at 2 and 3) encoded by @tars/stream. */
function theirAnswer(ret: number, active: EndpointF[], inactive: EndpointF[], tags = [2, 3]): Buffer {
  const os = new TarsStream.TarsOutputStream()
  os.writeInt32(0, ret)
  for (const [tag, eps] of [[tags[0], active], [tags[1], inactive]] as const) {
    const list = new TarsStream.List(StructProto)
    for (const ep of eps) list.push(theirEndpoint(ep))
    os.writeList(tag, list)
  }
  return os.getBinBuffer().toNodeBuffer()
}

describe('QueryF requests', () => {
  it('are RequestPackets that Tars.js decodes, with the parameters at tags 1..n', () => {
    const frame = encodeQueryFrame('tars.tarsregistry.QueryObj', 'findObjectByIdInSameSet', {id: 'App.Server.Obj', setId: 'app.sz.1'}, 4242, 1500)
    assert.equal(frame.readUInt32BE(0), frame.length)
    const is = new TarsStream.TarsInputStream(new TarsStream.BinBuffer(frame.subarray(4)))
    const req = TarsPacket.RequestPacket._readFrom(is)
    assert.equal(req.sServantName, 'tars.tarsregistry.QueryObj')
    assert.equal(req.sFuncName, 'findObjectByIdInSameSet')
    assert.equal(req.iRequestId, 4242)
    assert.equal(req.iTimeout, 1500)
    const params = new TarsStream.TarsInputStream(req.sBuffer)
    assert.equal(params.readString(1, true), 'App.Server.Obj')
    assert.equal(params.readString(2, true), 'app.sz.1')
    // And our own server side reads the same.
    const ours = decodeRequestBody(frame.subarray(4))
    assert.deepEqual(decodeQueryArgs('findObjectByIdInSameSet', Buffer.from(ours.sBuffer)), {id: 'App.Server.Obj', setId: 'app.sz.1'})
  })

  it('write exactly what @tars/registry\'s QueryFProxy writes for each function', () => {
    for (const fn of QUERY_FUNCTIONS) {
      const os = new TarsStream.TarsOutputStream()
      os.writeString(1, 'A.B.Obj')
      if (fn === 'findObjectByIdInSameSet') os.writeString(2, 'a.b.c')
      if (fn === 'findObjectByIdInSameStation') os.writeString(2, 'south')
      const want = os.getBinBuffer().toNodeBuffer().toString('hex')
      assert.equal(encodeQueryArgs(fn, {id: 'A.B.Obj', setId: 'a.b.c', station: 'south'}).toString('hex'), want, fn)
    }
  })
})

describe('QueryF answers', () => {
  it('decode every EndpointF field of an answer @tars/stream encoded, nodeName (tag 14) included, skipping tags 10 and 20', () => {
    const other = endpointF({host: '10.20.0.5', port: 7001, timeout: 3000, nodeName: 'n5'})
    const answer = decodeQueryAnswer('findObjectById4Any', theirAnswer(0, [FULL, other], [other]))
    assert.equal(answer.ret, 0)
    assert.deepEqual(answer.active, [FULL, other])
    assert.deepEqual(answer.inactive, [other])
    assert.equal(protocolOf(answer.active[0].istcp), 'ssl')
  })

  it('read the out parameters at the tags of each function (set and station: 3 and 4; findObjectById: the list at 0)', () => {
    const set = decodeQueryAnswer('findObjectByIdInSameSet', theirAnswer(-1, [FULL], [], [3, 4]))
    assert.equal(set.ret, -1)
    assert.deepEqual(set.active, [FULL])
    const os = new TarsStream.TarsOutputStream()
    const list = new TarsStream.List(StructProto)
    list.push(theirEndpoint(FULL, false))
    os.writeList(0, list)
    const plain = decodeQueryAnswer('findObjectById', os.getBinBuffer().toNodeBuffer())
    assert.deepEqual(plain, {ret: 0, active: [FULL], inactive: []})
  })

  it('round-trip through our encoder, and @tars/registry\'s EndpointF reads ours (stopping at its tag 12)', () => {
    const bytes = encodeQueryAnswer('findObjectById4Any', {ret: 0, active: [FULL], inactive: []})
    assert.deepEqual(decodeQueryAnswer('findObjectById4Any', bytes), {ret: 0, active: [FULL], inactive: []})
    const is = new TarsStream.TarsInputStream(new TarsStream.BinBuffer(bytes))
    assert.equal(is.readInt32(0, true), 0)
    const theirs = is.readList(2, true, TarsStream.List(TheirEndpoint)).toObject()
    assert.deepEqual(theirs, [{host: 'fd00:10::5', port: 17890, timeout: 60000, istcp: 2, grid: 1, groupworkid: 3, grouprealid: 4, setId: 'app.sz.1', qos: 5, bakFlag: 1, weight: 80, weightType: 1}])
    // A pre-2024 registry sends no tag 14: nodeName is then empty.
    const old = encodeQueryAnswer('findObjectById4Any', {ret: 0, active: [FULL], inactive: []}, {nodeName: false})
    assert.equal(decodeQueryAnswer('findObjectById4Any', old).active[0].nodeName, '')
  })
})

describe('hostile bytes', () => {
  const valid = encodeQueryAnswer('findObjectById4Any', {ret: 0, active: [FULL, FULL], inactive: [FULL]})
  const decodeOnly = (b: Buffer) => {
    try {
      decodeQueryAnswer('findObjectById4Any', b)
    } catch (error) {
      assert.ok(error instanceof TarsDecodeError, `not our error: ${(error as Error).stack}`)
    }
  }

  it('every truncation of a valid answer is a TarsDecodeError', () => {
    for (let n = 0; n < valid.length; n++) assert.throws(() => decodeQueryAnswer('findObjectById4Any', valid.subarray(0, n)), TarsDecodeError, `truncated at ${n}`)
  })

  it('random bytes and single-byte corruptions end in TarsDecodeError or a decoded answer, nothing else', () => {
    let seed = 12345
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(valid)
      b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256)
      decodeOnly(b)
      const junk = Buffer.alloc(1 + Math.floor(rand() * 64))
      for (let k = 0; k < junk.length; k++) junk[k] = Math.floor(rand() * 256)
      decodeOnly(junk)
    }
  })

  it('a list claiming a billion endpoints in a few bytes fails at once, without allocating for them', () => {
    const w = new TarsWriter().writeInt(0, 0)
    w.writeHead(2, TarsType.LIST).writeInt(0, 1_000_000_000)
    assert.throws(() => decodeQueryAnswer('findObjectById4Any', w.toBuffer()), /list of 1000000000 element\(s\) in 0 remaining byte/)
    // The same claim in a vector<byte> written as a LIST of int8 (a 1 GB Buffer.alloc otherwise).
    const bytes = new TarsWriter()
    bytes.writeHead(7, TarsType.LIST).writeInt(0, 1_000_000_000)
    assert.throws(() => new TarsReader(bytes.toBuffer()).readBytes(7), /byte list of 1000000000/)
  })

  it('nesting a million structs deep is refused at the nesting limit, not by a stack overflow', () => {
    const deep = Buffer.concat([new TarsWriter().writeInt(0, 0).toBuffer(), Buffer.alloc(1_000_000, 0x1a)]) // tag 1, STRUCT_BEGIN, again and again
    assert.throws(() => decodeQueryAnswer('findObjectById4Any', deep), new RegExp(`nested deeper than ${MAX_NESTING}`))
    const lists = Buffer.alloc(300_000)
    for (let i = 0; i < lists.length; i += 3) lists.set([0x19, 0x00, 0x01], i) // tag 1 LIST of one element, again and again
    assert.throws(() => decodeQueryAnswer('findObjectById4Any', Buffer.concat([new TarsWriter().writeInt(0, 0).toBuffer(), lists])), /nested deeper/)
  })
})
