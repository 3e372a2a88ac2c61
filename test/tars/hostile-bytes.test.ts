// Hostile bytes, systematically: property-based tests with fast-check of the TARS decoder —
// the codec (src/tars/codec.ts), the response frames a servant sends to tars_ping (src/tars/ping.ts)
// and the QueryF answers a registry sends (src/tars/queryf.ts). Random and mutated bytes may only ever
// give a value or our own TarsDecodeError: never a TypeError or RangeError, never a hang (each property
// has a time limit, and every decode is timed), never a decoded value out of proportion to the bytes
// (a declared length of 2^31 must not allocate 2^31 of anything). Encode → decode is the identity.
//
// Runs are kept small (300 per property) so the file takes seconds; FC_RUNS=N runs more.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import fc from 'fast-check'

import {decodeFields, MAX_NESTING, TarsDecodeError, TarsReader, TarsType, TarsWriter, type TarsValue} from '../../src/tars/codec.js'
import {decodeRequestBody, decodeResponseBody, decodeResponseFrame, encodePingFrame, encodeRequestFrame, encodeResponseFrame, frameStatus, MAX_FRAME, type RequestPacket} from '../../src/tars/ping.js'
import {decodeQueryAnswer, decodeQueryArgs, encodeQueryAnswer, encodeQueryArgs, endpointF, QUERY_FUNCTIONS, type EndpointF, type QueryAnswer} from '../../src/tars/queryf.js'

const RUNS = Number(process.env.FC_RUNS ?? 300)
const LIMIT = {timeout: 120_000}
/** One decode of a few kilobytes takes well under a millisecond; this is a hang, not a slow machine. */
const MAX_DECODE_MS = 1000

/**
 * Runs a decoder on hostile bytes: a value or our own error, quickly, and a value no bigger than the
 * bytes allow (`weight` counts its elements and bytes: each takes at least one byte of input).
 */
function decodesSafely(bytes: Buffer, decode: (b: Buffer) => unknown): unknown {
  const started = performance.now()
  try {
    const value = decode(bytes)
    assert.ok(weight(value) <= 4 * bytes.length + 64, `a value of weight ${weight(value)} from ${bytes.length} byte(s)`)
    return value
  } catch (error) {
    if (!(error instanceof TarsDecodeError)) throw new Error(`not our own error on ${bytes.toString('hex').slice(0, 200)}: ${(error as Error).stack}`)
    assert.ok(error.message.length <= 300, `message of ${error.message.length} characters`)
    return error
  } finally {
    assert.ok(performance.now() - started < MAX_DECODE_MS, `decoding ${bytes.length} byte(s) took ${performance.now() - started} ms`)
  }
}

/** Elements and bytes in a decoded value: what decoding allocated, roughly. */
function weight(value: unknown, depth = 0): number {
  if (depth > MAX_NESTING + 5) throw new Error('nested deeper than the decoder allows')
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return 1
  if (typeof value === 'string') return 1 + Buffer.byteLength(value)
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return 1 + value.length
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + weight(v, depth + 1), 1)
  if (value instanceof Map) return [...value.values()].reduce((n: number, v) => n + weight(v, depth + 1), 1)
  if (typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + weight(v, depth + 1), 1)
  return 1
}

// --- arbitraries ----------------------------------------------------------------------------------

/** Bytes with the values that matter to a TARS reader over-represented: heads, big lengths, 0xff. */
const hostileBytes = fc.oneof(
  fc.uint8Array({maxLength: 512}),
  fc.array(fc.oneof(fc.constantFrom(0x00, 0x0c, 0x0d, 0x09, 0x08, 0x0a, 0x0b, 0x06, 0x07, 0x03, 0x02, 0xff, 0x7f, 0x80, 0xf0), fc.integer({min: 0, max: 255})), {maxLength: 512}).map((a) => Uint8Array.from(a)),
).map((a) => Buffer.from(a))

/** A buffer with random edits: bytes flipped, inserted, deleted, or the tail cut off. */
function mutatedBytes(base: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({min: 0, max: 255})}),
    fc.record({kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({min: 0, max: 255})}),
    fc.record({kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0)}),
    fc.record({kind: fc.constant('cut' as const), at: fc.nat(), byte: fc.constant(0)}),
    // A length field made huge: 0x7fffffff written over four bytes.
    fc.record({kind: fc.constant('huge' as const), at: fc.nat(), byte: fc.constant(0)}),
  )
  return fc.tuple(base, fc.array(edit, {minLength: 1, maxLength: 6})).map(([b, edits]) => {
    const bytes = [...b]
    for (const e of edits) {
      const at = bytes.length === 0 ? 0 : e.at % bytes.length
      if (e.kind === 'set' && bytes.length > 0) bytes[at] = e.byte
      else if (e.kind === 'insert') bytes.splice(at, 0, e.byte)
      else if (e.kind === 'delete') bytes.splice(at, 1)
      else if (e.kind === 'cut') bytes.length = at
      else if (e.kind === 'huge' && bytes.length >= 4) bytes.splice(at % (bytes.length - 3), 4, 0x7f, 0xff, 0xff, 0xff)
    }
    return Buffer.from(bytes)
  })
}

const int32 = fc.integer({min: -2147483648, max: 2147483647})
const text = fc.string({unit: 'grapheme', maxLength: 40})
const stringMap = fc.dictionary(fc.string({maxLength: 12}), fc.string({maxLength: 20}), {maxKeys: 4})

const requestPacket: fc.Arbitrary<RequestPacket> = fc.record({
  iVersion: fc.integer({min: 1, max: 3}), cPacketType: fc.integer({min: 0, max: 1}), iMessageType: int32, iRequestId: int32,
  sServantName: text, sFuncName: text, sBuffer: fc.uint8Array({maxLength: 64}), iTimeout: int32, context: stringMap, status: stringMap,
})

const responsePacket = fc.record({
  iVersion: fc.integer({min: 1, max: 3}), cPacketType: fc.integer({min: 0, max: 1}), iRequestId: int32, iMessageType: int32, iRet: int32,
  sBuffer: fc.uint8Array({maxLength: 64}).map((a) => Buffer.from(a)), status: stringMap, sResultDesc: text, context: stringMap,
})

const endpoint: fc.Arbitrary<EndpointF> = fc.record({
  host: fc.oneof(fc.ipV4(), fc.ipV6(), text), port: fc.integer({min: 0, max: 65535}), timeout: int32, istcp: fc.integer({min: 0, max: 2}),
  grid: int32, groupworkid: int32, grouprealid: int32, setId: text, qos: int32, bakFlag: fc.integer({min: 0, max: 1}),
  weight: int32, weightType: int32, authType: int32, nodeName: text,
}).map((f) => endpointF(f))

const queryFunction = fc.constantFrom(...QUERY_FUNCTIONS)

/** Frames a servant might send: real responses, then mutated, and random bytes behind a plausible length. */
const responseFrames = fc.oneof(
  responsePacket.map((p) => encodeResponseFrame(p)),
  mutatedBytes(responsePacket.map((p) => encodeResponseFrame(p))),
  hostileBytes.map((b) => {
    const frame = Buffer.alloc(4 + b.length)
    frame.writeUInt32BE(frame.length, 0)
    b.copy(frame, 4)
    return frame
  }),
)

describe('TARS decoder: hostile bytes give our own error, never a crash, a hang or a huge allocation (properties)', () => {
  it('the schema-less reader (decodeFields) on random and mutated bytes', LIMIT, () => {
    const valid = fc.tuple(int32, text, fc.uint8Array({maxLength: 40}), fc.array(int32, {maxLength: 8})).map(([n, s, b, list]) => {
      const w = new TarsWriter()
      w.writeInt(0, n).writeString(1, s).writeBytes(2, b).writeList(3, list, (lw, t, x) => lw.writeInt(t, x))
      w.writeStruct(4, (sw) => sw.writeStringMap(0, {a: s}))
      return w.toBuffer()
    })
    fc.assert(fc.property(fc.oneof(hostileBytes, mutatedBytes(valid)), (bytes) => {
      decodesSafely(bytes, decodeFields)
    }), {numRuns: RUNS})
  })

  it('nesting past the limit, and declared lengths of 2^31, end in our own error at once', () => {
    // 10,000 nested lists of one element: a stack overflow without the nesting limit.
    const deep = Buffer.alloc(10_000 * 2, 0)
    for (let i = 0; i < 10_000; i++) {
      deep[2 * i] = TarsType.LIST
      deep[2 * i + 1] = 0x00 | TarsType.INT8
    }
    const lists = Buffer.concat([Buffer.from([TarsType.LIST, TarsType.INT32, 0x7f, 0xff, 0xff, 0xff])])
    const map = Buffer.from([TarsType.MAP, TarsType.INT32, 0x7f, 0xff, 0xff, 0xff])
    const simpleList = Buffer.from([TarsType.SIMPLE_LIST, TarsType.INT8, TarsType.INT32, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3])
    const string4 = Buffer.from([TarsType.STRING4, 0x7f, 0xff, 0xff, 0xff, 0x41])
    for (const bytes of [deep, lists, map, simpleList, string4]) assert.ok(decodesSafely(bytes, decodeFields) instanceof TarsDecodeError)
    // A frame length of more than MAX_FRAME is refused before anything is buffered.
    const huge = Buffer.alloc(8)
    huge.writeUInt32BE(MAX_FRAME + 1, 0)
    assert.throws(() => frameStatus(huge), TarsDecodeError)
  })

  it('tars_ping response frames (decodeResponseFrame) on random and mutated frames', LIMIT, () => {
    fc.assert(fc.property(responseFrames, (frame) => {
      decodesSafely(frame, (f) => {
        const st = frameStatus(f)
        return st.complete ? decodeResponseFrame(f) : st
      })
    }), {numRuns: RUNS})
  })

  it('request bodies (decodeRequestBody: what the lab\'s servants read) on mutated requests', LIMIT, () => {
    fc.assert(fc.property(fc.oneof(hostileBytes, mutatedBytes(requestPacket.map((p) => encodeRequestFrame(p).subarray(4)))), (body) => {
      decodesSafely(body, decodeRequestBody)
    }), {numRuns: RUNS})
  })

  it('QueryF answers (decodeQueryAnswer: what a registry sends) on random and mutated answers', LIMIT, () => {
    const answer = fc.tuple(queryFunction, fc.record({ret: int32, active: fc.array(endpoint, {maxLength: 4}), inactive: fc.array(endpoint, {maxLength: 4})}))
    const bytes = fc.oneof(
      fc.tuple(queryFunction, hostileBytes),
      answer.chain(([fn, a]) => mutatedBytes(fc.constant(encodeQueryAnswer(fn, a))).map((b) => [fn, b] as const)),
    )
    fc.assert(fc.property(bytes, ([fn, b]) => {
      decodesSafely(b, (x) => decodeQueryAnswer(fn, x))
    }), {numRuns: RUNS})
  })
})

describe('TARS codec round trips: encode → decode is the identity (properties)', () => {
  it('integers of every width, strings, bytes, lists, maps and structs', LIMIT, () => {
    const int64 = fc.bigInt({min: -(2n ** 63n), max: 2n ** 63n - 1n})
    fc.assert(fc.property(int64, fc.string({unit: 'grapheme', maxLength: 300}), fc.uint8Array({maxLength: 300}), fc.array(int32, {maxLength: 20}), stringMap, (n, s, b, list, map) => {
      const w = new TarsWriter(4)
      w.writeInt(0, n).writeString(1, s).writeBytes(2, b).writeList(3, list, (lw, t, x) => lw.writeInt(t, x)).writeStringMap(4, map)
      w.writeStruct(5, (sw) => sw.writeInt(0, n).writeString(1, s))
      const r = new TarsReader(w.toBuffer())
      assert.equal(r.readBigInt(0, true), n)
      assert.equal(r.readString(1, true), s)
      assert.deepEqual([...r.readBytes(2, true)], [...b])
      assert.deepEqual(r.readList(3, (lr) => lr.readInt(0, true), true), list)
      // Maps are read into null-prototype objects (a key "__proto__" stays a key): compared as plain ones.
      assert.deepEqual({...r.readStringMap(4, true)}, {...map})
      assert.deepEqual(r.readStruct(5, (sr) => [sr.readBigInt(0, true), sr.readString(1, true)], true), [n, s])
      // And the schema-less reader reads the same bytes without an error.
      const fields = decodeFields(w.toBuffer())
      assert.equal(fields.get(1), s)
      assert.equal(BigInt(fields.get(0) as number | bigint), n)
    }), {numRuns: RUNS})
  })

  it('request and response packets, and the ping frame', LIMIT, () => {
    fc.assert(fc.property(requestPacket, responsePacket, (req, res) => {
      const plain = <T extends {context: object; status: object}>(p: T) => ({...p, context: {...p.context}, status: {...p.status}})
      const decodedReq = decodeRequestBody(encodeRequestFrame(req).subarray(4))
      assert.deepEqual(plain({...decodedReq, sBuffer: [...decodedReq.sBuffer]}), plain({...req, sBuffer: [...req.sBuffer]}))
      const frame = encodeResponseFrame(res)
      assert.deepEqual(frameStatus(frame), {complete: true, length: frame.length})
      assert.deepEqual(plain(decodeResponseFrame(frame)), plain(res))
      assert.deepEqual(plain(decodeResponseBody(frame.subarray(4))), plain(res))
      const ping = decodeRequestBody(encodePingFrame(req.sServantName, req.iRequestId, req.iTimeout).subarray(4))
      assert.deepEqual([ping.sServantName, ping.sFuncName, ping.iRequestId, ping.iTimeout], [req.sServantName, 'tars_ping', req.iRequestId, req.iTimeout])
    }), {numRuns: RUNS})
  })

  it('QueryF arguments and answers, for every query function', LIMIT, () => {
    fc.assert(fc.property(queryFunction, text, text, fc.array(endpoint, {maxLength: 5}), fc.array(endpoint, {maxLength: 5}), int32, (fn, id, extra, active, inactive, ret) => {
      const args = decodeQueryArgs(fn, encodeQueryArgs(fn, {id, setId: extra, station: extra}))
      assert.equal(args.id, id)
      const answer: QueryAnswer = {ret, active, inactive}
      const decoded = decodeQueryAnswer(fn, encodeQueryAnswer(fn, answer))
      assert.deepEqual(decoded.active, active)
      // findObjectById carries only the active list (and no ret).
      if (fn !== 'findObjectById') {
        assert.deepEqual(decoded.inactive, inactive)
        assert.equal(decoded.ret, ret)
      }
    }), {numRuns: RUNS})
  })
})

// A value the schema-less reader gives is plain data: a type check for the weight function above.
const _typecheck: (v: TarsValue) => number = (v) => weight(v)
void _typecheck
