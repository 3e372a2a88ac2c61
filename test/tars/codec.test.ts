import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {describe, it} from 'node:test'
import {decodeFields, TarsDecodeError, TarsReader, TarsType, TarsWriter} from '../../src/tars/codec.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsStream = require('@tars/stream') as any

const hex = (b: Buffer): string => b.toString('hex')

/** The same fields written by @tars/stream (Tars.js), for byte-for-byte comparison. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function theirs(write: (os: any) => void): Buffer {
  const os = new TarsStream.TarsOutputStream()
  write(os)
  return os.getBinBuffer().toNodeBuffer()
}

describe('TarsWriter: exact bytes', () => {
  it('writes heads with tag < 15 in one byte and tag >= 15 in two', () => {
    assert.equal(hex(new TarsWriter().writeHead(0, TarsType.INT8).toBuffer()), '00')
    assert.equal(hex(new TarsWriter().writeHead(14, TarsType.MAP).toBuffer()), 'e8')
    assert.equal(hex(new TarsWriter().writeHead(15, TarsType.STRING1).toBuffer()), 'f60f')
    assert.equal(hex(new TarsWriter().writeHead(200, TarsType.ZERO).toBuffer()), 'fcc8')
  })

  it('writes integers in the smallest type, zero as ZERO', () => {
    const cases: Array<[number | bigint, string]> = [
      [0, '0c'], [1, '0001'], [-1, '00ff'], [127, '007f'], [-128, '0080'],
      [128, '010080'], [-129, '01ff7f'], [32767, '017fff'], [32768, '0200008000'],
      [-2147483648, '0280000000'], [2147483648, '030000000080000000'],
      [-(2n ** 63n), '038000000000000000'], [2n ** 63n - 1n, '037fffffffffffffff'],
    ]
    for (const [v, want] of cases) assert.equal(hex(new TarsWriter().writeInt(0, v).toBuffer()), want, `int ${v}`)
    assert.throws(() => new TarsWriter().writeInt(0, 2n ** 63n), RangeError)
    assert.throws(() => new TarsWriter().writeInt(0, 1.5), RangeError)
  })

  it('matches @tars/stream for ints, strings, bytes, maps, lists and long tags', () => {
    const big = 'x'.repeat(300)
    const ours = new TarsWriter()
      .writeInt(1, 1).writeInt(2, 0).writeInt(3, 300).writeInt(4, -70000).writeInt(5, 5_000_000_000)
      .writeString(6, 'tars_ping').writeString(7, big).writeString(20, 'héllo')
      .writeBytes(8, Buffer.from([1, 2, 3])).writeDouble(9, 1.5).writeFloat(10, 2.5)
      .writeStringMap(11, {a: 'b', c: 'd'})
      .writeList(12, [1, 2, 40000], (w, t, v) => w.writeInt(t, v))
      .toBuffer()
    const ref = theirs((os) => {
      os.writeInt16(1, 1); os.writeInt8(2, 0); os.writeInt32(3, 300); os.writeInt32(4, -70000); os.writeInt64(5, 5_000_000_000)
      os.writeString(6, 'tars_ping'); os.writeString(7, big); os.writeString(20, 'héllo')
      const bb = new TarsStream.BinBuffer(); bb.writeNodeBuffer(Buffer.from([1, 2, 3]))
      os.writeBytes(8, bb); os.writeDouble(9, 1.5); os.writeFloat(10, 2.5)
      const m = new TarsStream.Map(TarsStream.String, TarsStream.String); m.insert('a', 'b'); m.insert('c', 'd')
      os.writeMap(11, m)
      const l = new TarsStream.List(TarsStream.Int32); l.push(1); l.push(2); l.push(40000)
      os.writeList(12, l)
    })
    assert.equal(hex(ours), hex(ref))
  })

  it('writes a struct between STRUCT_BEGIN and STRUCT_END', () => {
    const b = new TarsWriter().writeStruct(3, (w) => w.writeInt(0, 7).writeString(1, 'a')).toBuffer()
    assert.equal(hex(b), '3a' + '0007' + '160161' + '0b')
  })
})

describe('TarsReader', () => {
  it('round-trips every type', () => {
    const buf = new TarsWriter()
      .writeInt(0, 0).writeInt(1, -5).writeInt(2, 1000).writeInt(3, 100000).writeInt(4, 2n ** 40n).writeInt(5, 2n ** 62n)
      .writeFloat(6, 0.5).writeDouble(7, Math.PI).writeString(8, 'ünïcode').writeString(9, 'y'.repeat(1000))
      .writeStringMap(10, new Map([['k', 'v']])).writeList(11, ['a', 'b'], (w, t, s) => w.writeString(t, s))
      .writeBytes(12, Buffer.from('abc')).writeBool(13, true)
      .writeStruct(14, (w) => w.writeInt(0, 9).writeStruct(1, (w2) => w2.writeString(0, 'in')))
      .writeInt(16, 42)
      .toBuffer()
    const r = new TarsReader(buf)
    assert.equal(r.readInt(0, true), 0)
    assert.equal(r.readInt(1, true), -5)
    assert.equal(r.readInt(2, true), 1000)
    assert.equal(r.readInt(3, true), 100000)
    assert.equal(r.readInt(4, true), 2 ** 40)
    assert.equal(r.readBigInt(5, true), 2n ** 62n)
    assert.equal(r.readFloat(6, true), 0.5)
    assert.equal(r.readDouble(7, true), Math.PI)
    assert.equal(r.readString(8, true), 'ünïcode')
    assert.equal(r.readString(9, true), 'y'.repeat(1000))
    assert.deepEqual({...r.readStringMap(10, true)}, {k: 'v'})
    assert.deepEqual(r.readList(11, (x) => x.readString(0, true), true), ['a', 'b'])
    assert.equal(r.readBytes(12, true).toString(), 'abc')
    assert.equal(r.readBool(13, true), true)
    assert.deepEqual(r.readStruct(14, (s) => ({a: s.readInt(0, true), b: s.readStruct(1, (s2) => s2.readString(0, true))})), {a: 9, b: 'in'})
    assert.equal(r.readInt(16, true), 42)
    assert.ok(r.atEnd)
  })

  it('skips unknown tags of any type, including nested structs, maps and lists', () => {
    const buf = new TarsWriter()
      .writeInt(0, 1)
      .writeStruct(1, (w) => w.writeStringMap(0, {a: 'b'}).writeList(1, [[1, 2]], (w2, t, l) => w2.writeList(t, l, (w3, t3, v) => w3.writeInt(t3, v))).writeStruct(2, (w2) => w2.writeBytes(0, Buffer.from('z'))))
      .writeDouble(2, 2.5).writeString(3, 's'.repeat(400)).writeBytes(4, Buffer.alloc(10))
      .writeInt(5, 77)
      .toBuffer()
    const r = new TarsReader(buf)
    assert.equal(r.readInt(5, true), 77)
    // A missing optional tag returns the default; a lower tag read later is not found (tags are ordered).
    assert.equal(r.readString(6, false, 'dflt'), 'dflt')
    const r2 = new TarsReader(buf)
    assert.throws(() => r2.readInt(2), /type 5 where an integer was expected/)
    
  })

  it('reads what @tars/stream wrote, including a float zero written as ZERO', () => {
    const ref = theirs((os) => { os.writeFloat(0, 0); os.writeInt64(1, -3); os.writeString(2, 'ok') })
    const r = new TarsReader(ref)
    assert.equal(r.readFloat(0, true), 0)
    assert.equal(r.readInt(1, true), -3)
    assert.equal(r.readString(2, true), 'ok')
  })

  it('decodes without a schema', () => {
    const f = decodeFields(new TarsWriter().writeInt(1, 3).writeString(2, 'a').writeStruct(3, (w) => w.writeInt(0, 1)).toBuffer())
    assert.equal(f.get(1), 3)
    assert.equal(f.get(2), 'a')
    assert.deepEqual(f.get(3), new Map([[0, 1]]))
  })

  it('fails clearly on truncated or malformed data', () => {
    assert.throws(() => new TarsReader(Buffer.from('0201', 'hex')).readInt(0, true), TarsDecodeError)
    assert.throws(() => new TarsReader(Buffer.from('1601', 'hex')).readString(1, true), TarsDecodeError)
    assert.throws(() => new TarsReader(Buffer.from('0e', 'hex')).readInt(0, true), /unknown TARS type 14/)
    assert.throws(() => new TarsReader(Buffer.alloc(0)).readInt(1, true), /required field 1/)
    assert.throws(() => new TarsReader(Buffer.from('0601', 'hex')).readInt(0, true), /where an integer was expected/)
  })
})
