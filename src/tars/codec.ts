/**
 * Our own TARS (JCE) encoding (docs/design.md §4). Pure: buffers in, buffers out, no I/O.
 *
 * A field is a head (tag + type) then a value. The head is one byte `tag<<4 | type` when tag < 15,
 * else `0xF0 | type` followed by the tag in a second byte. Integers are written with the smallest
 * type that holds them (0 has its own type, ZERO, with no payload). All multi-byte values are big-endian.
 */

export const TarsType = {
  INT8: 0,
  INT16: 1,
  INT32: 2,
  INT64: 3,
  FLOAT: 4,
  DOUBLE: 5,
  STRING1: 6,
  STRING4: 7,
  MAP: 8,
  LIST: 9,
  STRUCT_BEGIN: 10,
  STRUCT_END: 11,
  ZERO: 12,
  SIMPLE_LIST: 13,
} as const

export type TarsTypeId = (typeof TarsType)[keyof typeof TarsType]

export class TarsDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TarsDecodeError'
  }
}

/**
 * Containers (lists, maps, structs) nested deeper than this are refused: no Tars schema comes near it,
 * and hostile bytes must end in our own error, not in a stack overflow.
 */
export const MAX_NESTING = 100

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

export class TarsWriter {
  private buf: Buffer
  private len = 0

  constructor(initialSize = 128) {
    this.buf = Buffer.allocUnsafe(initialSize)
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.len + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len))
  }

  get length(): number {
    return this.len
  }

  writeHead(tag: number, type: TarsTypeId): this {
    if (!Number.isInteger(tag) || tag < 0 || tag > 255) throw new RangeError(`TARS tag out of range: ${tag}`)
    if (tag < 15) {
      this.reserve(1)
      this.buf[this.len++] = (tag << 4) | type
    } else {
      this.reserve(2)
      this.buf[this.len++] = 0xf0 | type
      this.buf[this.len++] = tag
    }
    return this
  }

  /** Any integer (number or bigint), in the smallest type that holds it. */
  writeInt(tag: number, value: number | bigint): this {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`)
    const v = typeof value === 'bigint' ? value : BigInt(value)
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`integer does not fit in int64: ${value}`)
    if (v === 0n) return this.writeHead(tag, TarsType.ZERO)
    if (v >= -128n && v <= 127n) {
      this.writeHead(tag, TarsType.INT8)
      this.reserve(1)
      this.buf.writeInt8(Number(v), this.len)
      this.len += 1
    } else if (v >= -32768n && v <= 32767n) {
      this.writeHead(tag, TarsType.INT16)
      this.reserve(2)
      this.buf.writeInt16BE(Number(v), this.len)
      this.len += 2
    } else if (v >= -2147483648n && v <= 2147483647n) {
      this.writeHead(tag, TarsType.INT32)
      this.reserve(4)
      this.buf.writeInt32BE(Number(v), this.len)
      this.len += 4
    } else {
      this.writeHead(tag, TarsType.INT64)
      this.reserve(8)
      this.buf.writeBigInt64BE(v, this.len)
      this.len += 8
    }
    return this
  }

  writeBool(tag: number, value: boolean): this {
    return this.writeInt(tag, value ? 1 : 0)
  }

  writeFloat(tag: number, value: number): this {
    this.writeHead(tag, TarsType.FLOAT)
    this.reserve(4)
    this.buf.writeFloatBE(value, this.len)
    this.len += 4
    return this
  }

  writeDouble(tag: number, value: number): this {
    this.writeHead(tag, TarsType.DOUBLE)
    this.reserve(8)
    this.buf.writeDoubleBE(value, this.len)
    this.len += 8
    return this
  }

  /** UTF-8; STRING1 up to 255 bytes, else STRING4. */
  writeString(tag: number, value: string | Buffer): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
    if (bytes.length <= 255) {
      this.writeHead(tag, TarsType.STRING1)
      this.reserve(1 + bytes.length)
      this.buf[this.len++] = bytes.length
    } else {
      this.writeHead(tag, TarsType.STRING4)
      this.reserve(4 + bytes.length)
      this.buf.writeUInt32BE(bytes.length, this.len)
      this.len += 4
    }
    bytes.copy(this.buf, this.len)
    this.len += bytes.length
    return this
  }

  /** vector<byte>: SIMPLE_LIST head, an INT8 head with tag 0, the length as an int at tag 0, the bytes. */
  writeBytes(tag: number, value: Uint8Array): this {
    this.writeHead(tag, TarsType.SIMPLE_LIST)
    this.writeHead(0, TarsType.INT8)
    this.writeInt(0, value.length)
    this.reserve(value.length)
    this.buf.set(value, this.len)
    this.len += value.length
    return this
  }

  /** A map: its size at tag 0, then each key at tag 0 and value at tag 1. */
  writeMap<K, V>(
    tag: number,
    entries: Iterable<[K, V]>,
    writeKey: (w: TarsWriter, tag: number, key: K) => void,
    writeValue: (w: TarsWriter, tag: number, value: V) => void,
  ): this {
    const list = [...entries]
    this.writeHead(tag, TarsType.MAP)
    this.writeInt(0, list.length)
    for (const [k, v] of list) {
      writeKey(this, 0, k)
      writeValue(this, 1, v)
    }
    return this
  }

  /** map<string, string>, the shape of context and status. */
  writeStringMap(tag: number, map: Record<string, string> | Map<string, string>): this {
    const entries = map instanceof Map ? map.entries() : Object.entries(map)
    return this.writeMap(
      tag,
      entries,
      (w, t, k) => w.writeString(t, k),
      (w, t, v) => w.writeString(t, v),
    )
  }

  /** A list: its length at tag 0, then each item at tag 0. */
  writeList<T>(tag: number, items: readonly T[], writeItem: (w: TarsWriter, tag: number, item: T) => void): this {
    this.writeHead(tag, TarsType.LIST)
    this.writeInt(0, items.length)
    for (const item of items) writeItem(this, 0, item)
    return this
  }

  writeStruct(tag: number, writeFields: (w: TarsWriter) => void): this {
    this.writeHead(tag, TarsType.STRUCT_BEGIN)
    writeFields(this)
    this.writeHead(0, TarsType.STRUCT_END)
    return this
  }
}

export interface Head {
  tag: number
  type: TarsTypeId
  /** Bytes the head took (1 or 2). */
  size: number
}

/** A decoded value of unknown schema: numbers, bigints (int64 beyond 2^53), strings, bytes, lists, maps, structs. */
export type TarsValue =
  | number
  | bigint
  | string
  | Buffer
  | TarsValue[]
  | Array<[TarsValue, TarsValue]>
  | Map<number, TarsValue>

export class TarsReader {
  private pos: number
  /** Containers currently open while skipping or reading without a schema. */
  private depth = 0

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start
  }

  get offset(): number {
    return this.pos
  }

  get atEnd(): boolean {
    return this.pos >= this.end
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new TarsDecodeError(`truncated: need ${n} byte(s) at offset ${this.pos}`)
  }

  peekHead(): Head {
    this.need(1)
    const b = this.buf[this.pos]
    const type = (b & 0x0f) as TarsTypeId
    if (type > 13) throw new TarsDecodeError(`unknown TARS type ${type} at offset ${this.pos}`)
    let tag = b >> 4
    let size = 1
    if (tag === 15) {
      this.need(2)
      tag = this.buf[this.pos + 1]
      size = 2
    }
    return {tag, type, size}
  }

  readHead(): Head {
    const h = this.peekHead()
    this.pos += h.size
    return h
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) throw new TarsDecodeError(`nested deeper than ${MAX_NESTING} levels at offset ${this.pos}`)
  }

  /** A declared element count that the remaining bytes cannot hold (each element takes at least one byte). */
  private checkCount(n: number, what: string): void {
    if (n > this.end - this.pos) throw new TarsDecodeError(`${what} of ${n} element(s) in ${Math.max(0, this.end - this.pos)} remaining byte(s)`)
  }

  /** Skips the value of a field whose head was just read. */
  skipValue(type: TarsTypeId): void {
    if (type === TarsType.MAP || type === TarsType.LIST || type === TarsType.STRUCT_BEGIN) {
      this.enter()
      try {
        this.skipContainer(type)
      } finally {
        this.depth--
      }
      return
    }
    switch (type) {
      case TarsType.INT8: this.need(1); this.pos += 1; break
      case TarsType.INT16: this.need(2); this.pos += 2; break
      case TarsType.INT32: this.need(4); this.pos += 4; break
      case TarsType.INT64: this.need(8); this.pos += 8; break
      case TarsType.FLOAT: this.need(4); this.pos += 4; break
      case TarsType.DOUBLE: this.need(8); this.pos += 8; break
      case TarsType.STRING1: {
        this.need(1)
        const n = this.buf[this.pos]
        this.need(1 + n)
        this.pos += 1 + n
        break
      }
      case TarsType.STRING4: {
        this.need(4)
        const n = this.buf.readUInt32BE(this.pos)
        this.need(4 + n)
        this.pos += 4 + n
        break
      }
      case TarsType.STRUCT_END: break
      case TarsType.ZERO: break
      case TarsType.SIMPLE_LIST: {
        const h = this.readHead()
        if (h.type !== TarsType.INT8) throw new TarsDecodeError(`simple list element type ${h.type}, expected int8`)
        const n = this.readSize()
        this.need(n)
        this.pos += n
        break
      }
      default: throw new TarsDecodeError(`unknown TARS type ${type as number}`)
    }
  }

  private skipContainer(type: TarsTypeId): void {
    if (type === TarsType.STRUCT_BEGIN) {
      this.skipToStructEnd()
      return
    }
    const n = this.readSize()
    const items = type === TarsType.MAP ? n * 2 : n
    this.checkCount(items, type === TarsType.MAP ? 'a map' : 'a list')
    for (let i = 0; i < items; i++) this.skipField()
  }

  skipField(): void {
    this.skipValue(this.readHead().type)
  }

  /** Skips everything up to and including the STRUCT_END of the current struct. */
  skipToStructEnd(): void {
    for (;;) {
      const h = this.readHead()
      if (h.type === TarsType.STRUCT_END) return
      this.skipValue(h.type)
    }
  }

  /**
   * Moves to the field with `tag`, skipping lower unknown tags. Returns false (and stays put) when the
   * field is absent: the data ends, a struct ends, or a higher tag comes first (fields are in tag order).
   */
  skipToTag(tag: number): boolean {
    while (!this.atEnd) {
      const h = this.peekHead()
      if (h.type === TarsType.STRUCT_END || h.tag > tag) return false
      if (h.tag === tag) return true
      this.pos += h.size
      this.skipValue(h.type)
    }
    return false
  }

  private missing(tag: number, what: string): never {
    throw new TarsDecodeError(`required field ${tag} (${what}) missing`)
  }

  /** A list/map size: a non-negative int. */
  private readSize(): number {
    const h = this.readHead()
    const n = this.readIntValue(h.type)
    if (typeof n === 'bigint' || n < 0) throw new TarsDecodeError(`invalid size ${n}`)
    return n
  }

  /** Reads an int payload; int64 stays a number while it is safe, else a bigint. */
  private readIntValue(type: TarsTypeId): number | bigint {
    switch (type) {
      case TarsType.ZERO: return 0
      case TarsType.INT8: this.need(1); return this.buf.readInt8(this.pos++)
      case TarsType.INT16: { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v }
      case TarsType.INT32: { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v }
      case TarsType.INT64: {
        this.need(8)
        const v = this.buf.readBigInt64BE(this.pos)
        this.pos += 8
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
      }
      default: throw new TarsDecodeError(`type ${type} where an integer was expected`)
    }
  }

  readInt(tag: number, required: true): number
  readInt(tag: number, required?: boolean, fallback?: number): number
  readInt(tag: number, required = false, fallback = 0): number {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'int') : fallback
    const v = this.readIntValue(this.readHead().type)
    return typeof v === 'bigint' ? Number(v) : v
  }

  readBigInt(tag: number, required = false, fallback = 0n): bigint {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'int64') : fallback
    return BigInt(this.readIntValue(this.readHead().type))
  }

  readBool(tag: number, required = false, fallback = false): boolean {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'bool') : fallback
    return this.readIntValue(this.readHead().type) !== 0
  }

  /** FLOAT or DOUBLE (or ZERO): both are accepted, as the other implementations do. */
  readFloat(tag: number, required = false, fallback = 0): number {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'float') : fallback
    const h = this.readHead()
    if (h.type === TarsType.ZERO) return 0
    if (h.type === TarsType.FLOAT) { this.need(4); const v = this.buf.readFloatBE(this.pos); this.pos += 4; return v }
    if (h.type === TarsType.DOUBLE) { this.need(8); const v = this.buf.readDoubleBE(this.pos); this.pos += 8; return v }
    throw new TarsDecodeError(`type ${h.type} where a float was expected (tag ${tag})`)
  }

  readDouble(tag: number, required = false, fallback = 0): number {
    return this.readFloat(tag, required, fallback)
  }

  private readStringBytes(type: TarsTypeId): Buffer {
    let n: number
    if (type === TarsType.STRING1) {
      this.need(1)
      n = this.buf[this.pos++]
    } else if (type === TarsType.STRING4) {
      this.need(4)
      n = this.buf.readUInt32BE(this.pos)
      this.pos += 4
    } else {
      throw new TarsDecodeError(`type ${type} where a string was expected`)
    }
    this.need(n)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  readString(tag: number, required = false, fallback = ''): string {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'string') : fallback
    return this.readStringBytes(this.readHead().type).toString('utf8')
  }

  /** vector<byte>: a SIMPLE_LIST, or (as some encoders write it) a LIST of int8. */
  readBytes(tag: number, required = false): Buffer {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'vector<byte>') : Buffer.alloc(0)
    const h = this.readHead()
    if (h.type === TarsType.SIMPLE_LIST) {
      const eh = this.readHead()
      if (eh.type !== TarsType.INT8) throw new TarsDecodeError(`simple list element type ${eh.type}, expected int8`)
      const n = this.readSize()
      this.need(n)
      const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
      this.pos += n
      return out
    }
    if (h.type === TarsType.LIST) {
      const n = this.readSize()
      this.checkCount(n, 'a byte list')
      const out = Buffer.alloc(n)
      for (let i = 0; i < n; i++) {
        const eh = this.readHead()
        out[i] = Number(this.readIntValue(eh.type)) & 0xff
      }
      return out
    }
    throw new TarsDecodeError(`type ${h.type} where vector<byte> was expected (tag ${tag})`)
  }

  readMap<K, V>(
    tag: number,
    readKey: (r: TarsReader) => K,
    readValue: (r: TarsReader) => V,
    required = false,
  ): Array<[K, V]> {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'map') : []
    const h = this.readHead()
    if (h.type !== TarsType.MAP) throw new TarsDecodeError(`type ${h.type} where a map was expected (tag ${tag})`)
    const n = this.readSize()
    this.checkCount(n * 2, 'a map')
    const out: Array<[K, V]> = []
    for (let i = 0; i < n; i++) out.push([readKey(this), readValue(this)])
    return out
  }

  readStringMap(tag: number, required = false): Record<string, string> {
    const entries = this.readMap(tag, (r) => r.readString(0, true), (r) => r.readString(1, true), required)
    const out: Record<string, string> = Object.create(null)
    for (const [k, v] of entries) out[k] = v
    return out
  }

  readList<T>(tag: number, readItem: (r: TarsReader) => T, required = false): T[] {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'list') : []
    const h = this.readHead()
    if (h.type !== TarsType.LIST) throw new TarsDecodeError(`type ${h.type} where a list was expected (tag ${tag})`)
    const n = this.readSize()
    this.checkCount(n, 'a list')
    const out: T[] = []
    for (let i = 0; i < n; i++) out.push(readItem(this))
    return out
  }

  /** A nested struct at `tag`: `readFields` reads what it knows, the rest is skipped to STRUCT_END. */
  readStruct<T>(tag: number, readFields: (r: TarsReader) => T, required = false): T | undefined {
    if (!this.skipToTag(tag)) return required ? this.missing(tag, 'struct') : undefined
    const h = this.readHead()
    if (h.type !== TarsType.STRUCT_BEGIN) throw new TarsDecodeError(`type ${h.type} where a struct was expected (tag ${tag})`)
    const value = readFields(this)
    this.skipToStructEnd()
    return value
  }

  /** Reads the value of any field whose head was just read, without a schema. */
  readAnyValue(type: TarsTypeId): TarsValue {
    if (type !== TarsType.MAP && type !== TarsType.LIST && type !== TarsType.STRUCT_BEGIN) return this.readAnyScalar(type)
    this.enter()
    try {
      return this.readAnyContainer(type)
    } finally {
      this.depth--
    }
  }

  private readAnyContainer(type: TarsTypeId): TarsValue {
    switch (type) {
      case TarsType.MAP: {
        const n = this.readSize()
        this.checkCount(n * 2, 'a map')
        const out: Array<[TarsValue, TarsValue]> = []
        for (let i = 0; i < n; i++) {
          const k = this.readAnyValue(this.readHead().type)
          const v = this.readAnyValue(this.readHead().type)
          out.push([k, v])
        }
        return out
      }
      case TarsType.LIST: {
        const n = this.readSize()
        this.checkCount(n, 'a list')
        const out: TarsValue[] = []
        for (let i = 0; i < n; i++) out.push(this.readAnyValue(this.readHead().type))
        return out
      }
      default: return this.readFields(true)
    }
  }

  private readAnyScalar(type: TarsTypeId): TarsValue {
    switch (type) {
      case TarsType.ZERO: case TarsType.INT8: case TarsType.INT16: case TarsType.INT32: case TarsType.INT64:
        return this.readIntValue(type)
      case TarsType.FLOAT: { this.need(4); const v = this.buf.readFloatBE(this.pos); this.pos += 4; return v }
      case TarsType.DOUBLE: { this.need(8); const v = this.buf.readDoubleBE(this.pos); this.pos += 8; return v }
      case TarsType.STRING1: case TarsType.STRING4: return this.readStringBytes(type).toString('utf8')
      case TarsType.SIMPLE_LIST: {
        const eh = this.readHead()
        if (eh.type !== TarsType.INT8) throw new TarsDecodeError(`simple list element type ${eh.type}, expected int8`)
        const n = this.readSize()
        this.need(n)
        const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
        this.pos += n
        return out
      }
      case TarsType.STRUCT_END: throw new TarsDecodeError('unexpected struct end')
      default: throw new TarsDecodeError(`unknown TARS type ${type as number}`)
    }
  }

  /** Every field up to the end (or STRUCT_END when `inStruct`), by tag. For debugging and tests. */
  readFields(inStruct = false): Map<number, TarsValue> {
    const out = new Map<number, TarsValue>()
    for (;;) {
      if (this.atEnd) {
        if (inStruct) throw new TarsDecodeError('struct not terminated')
        return out
      }
      const h = this.readHead()
      if (h.type === TarsType.STRUCT_END) {
        if (inStruct) return out
        throw new TarsDecodeError('unexpected struct end')
      }
      out.set(h.tag, this.readAnyValue(h.type))
    }
  }
}

/** Decodes a whole buffer of top-level fields without a schema. */
export function decodeFields(buf: Buffer): Map<number, TarsValue> {
  return new TarsReader(buf).readFields(false)
}
