/**
 * tars_ping on the wire (docs/design.md §4; TarsProtocol tup/RequestF.tars, TarsCpp AppProtocol.cpp/Servant.cpp).
 * Pure: builds and parses frames; the prober owns the socket.
 *
 * A frame is a 4-byte big-endian total length (including those 4 bytes), then the packet's fields
 * written directly (no struct wrapper).
 */
import {TarsDecodeError, TarsReader, TarsWriter} from './codec.js'

export const TARS_VERSION = 1
export const PING_FUNCTION = 'tars_ping'
/** Frames larger than this are not a Tars reply to a ping (TarsCpp caps packets at 100 MB by default). */
export const MAX_FRAME = 10 * 1024 * 1024

export interface RequestPacket {
  iVersion: number
  cPacketType: number
  iMessageType: number
  iRequestId: number
  sServantName: string
  sFuncName: string
  sBuffer: Uint8Array
  iTimeout: number
  context: Record<string, string>
  status: Record<string, string>
}

export interface ResponsePacket {
  iVersion: number
  cPacketType: number
  iRequestId: number
  iMessageType: number
  iRet: number
  sBuffer: Buffer
  status: Record<string, string>
  sResultDesc: string
  context: Record<string, string>
}

/** Writes a RequestPacket as one length-prefixed frame. */
export function encodeRequestFrame(p: RequestPacket): Buffer {
  const w = new TarsWriter(64 + p.sServantName.length + p.sFuncName.length + p.sBuffer.length)
  w.writeInt(1, p.iVersion)
  w.writeInt(2, p.cPacketType)
  w.writeInt(3, p.iMessageType)
  w.writeInt(4, p.iRequestId)
  w.writeString(5, p.sServantName)
  w.writeString(6, p.sFuncName)
  w.writeBytes(7, p.sBuffer)
  w.writeInt(8, p.iTimeout)
  w.writeStringMap(9, p.context)
  w.writeStringMap(10, p.status)
  const body = w.toBuffer()
  const frame = Buffer.allocUnsafe(4 + body.length)
  frame.writeUInt32BE(4 + body.length, 0)
  body.copy(frame, 4)
  return frame
}

/** The tars_ping request for `servant`: an empty sBuffer, empty context and status. */
export function encodePingFrame(servant: string, requestId: number, timeoutMs: number): Buffer {
  return encodeRequestFrame({
    iVersion: TARS_VERSION,
    cPacketType: 0,
    iMessageType: 0,
    iRequestId: requestId,
    sServantName: servant,
    sFuncName: PING_FUNCTION,
    sBuffer: new Uint8Array(0),
    iTimeout: timeoutMs,
    context: {},
    status: {},
  })
}

/**
 * How far a receive buffer is from holding a whole frame: `{complete: true, length}` when the first
 * frame is whole, `{complete: false}` when more bytes are needed. Throws on a length no Tars peer sends.
 */
export function frameStatus(buf: Buffer): {complete: true; length: number} | {complete: false} {
  if (buf.length < 4) return {complete: false}
  const length = buf.readUInt32BE(0)
  if (length < 4 || length > MAX_FRAME) throw new TarsDecodeError(`frame length ${length} is not a Tars frame`)
  return buf.length >= length ? {complete: true, length} : {complete: false}
}

export function decodeRequestBody(body: Buffer): RequestPacket {
  const r = new TarsReader(body)
  return {
    iVersion: r.readInt(1, true),
    cPacketType: r.readInt(2, true),
    iMessageType: r.readInt(3, true),
    iRequestId: r.readInt(4, true),
    sServantName: r.readString(5, true),
    sFuncName: r.readString(6, true),
    sBuffer: r.readBytes(7, true),
    iTimeout: r.readInt(8, true),
    context: r.readStringMap(9, true),
    status: r.readStringMap(10, true),
  }
}

/** Decodes a ResponsePacket body (the frame without its 4-byte length). Unknown tags are skipped. */
export function decodeResponseBody(body: Buffer): ResponsePacket {
  const r = new TarsReader(body)
  return {
    iVersion: r.readInt(1, true),
    cPacketType: r.readInt(2, true),
    iRequestId: r.readInt(3, true),
    iMessageType: r.readInt(4, true),
    iRet: r.readInt(5, true),
    sBuffer: r.readBytes(6, true),
    status: r.readStringMap(7, true),
    sResultDesc: r.readString(8, false),
    context: r.readStringMap(9, false),
  }
}

export function decodeResponseFrame(frame: Buffer): ResponsePacket {
  const st = frameStatus(frame)
  if (!st.complete) throw new TarsDecodeError('incomplete frame')
  return decodeResponseBody(frame.subarray(4, st.length))
}

/** Builds a ResponsePacket frame (for the lab's own responder and for tests). */
export function encodeResponseFrame(p: Partial<ResponsePacket> & {iRequestId: number; iRet: number}): Buffer {
  const w = new TarsWriter()
  w.writeInt(1, p.iVersion ?? TARS_VERSION)
  w.writeInt(2, p.cPacketType ?? 0)
  w.writeInt(3, p.iRequestId)
  w.writeInt(4, p.iMessageType ?? 0)
  w.writeInt(5, p.iRet)
  w.writeBytes(6, p.sBuffer ?? Buffer.alloc(0))
  w.writeStringMap(7, p.status ?? {})
  if (p.sResultDesc) w.writeString(8, p.sResultDesc)
  if (p.context && Object.keys(p.context).length > 0) w.writeStringMap(9, p.context)
  const body = w.toBuffer()
  const frame = Buffer.allocUnsafe(4 + body.length)
  frame.writeUInt32BE(4 + body.length, 0)
  body.copy(frame, 4)
  return frame
}

/** The server-side return codes (TarsCpp servant/tup Tars.h constants, shared by TarsGo/Java/Node). */
export const TARS_RET: Record<number, {name: string; meaning: string}> = {
  0: {name: 'TARSSERVERSUCCESS', meaning: 'ok'},
  [-1]: {name: 'TARSSERVERDECODEERR', meaning: 'server could not decode the request'},
  [-2]: {name: 'TARSSERVERENCODEERR', meaning: 'server could not encode the response'},
  [-3]: {name: 'TARSSERVERNOFUNCERR', meaning: 'servant has no such function'},
  [-4]: {name: 'TARSSERVERNOSERVANTERR', meaning: 'port answers but hosts another servant'},
  [-5]: {name: 'TARSSERVERRESETGRID', meaning: 'server grid (gray release) state differs'},
  [-6]: {name: 'TARSSERVERQUEUETIMEOUT', meaning: 'request waited too long in the server queue'},
  [-7]: {name: 'TARSINVOKETIMEOUT', meaning: 'call timed out in the server'},
  [-8]: {name: 'TARSPROXYCONNECTERR', meaning: 'proxy connection failed'},
  [-9]: {name: 'TARSSERVEROVERLOAD', meaning: 'server overloaded (queue full)'},
  [-10]: {name: 'TARSADAPTERNULL', meaning: 'no adapter available'},
  [-11]: {name: 'TARSINVOKEBYINVALIDESET', meaning: 'call violates the set rules'},
  [-12]: {name: 'TARSCLIENTDECODEERR', meaning: 'client could not decode the response'},
  [-99]: {name: 'TARSSERVERUNKNOWNERR', meaning: 'unknown server error'},
}

/** One line for an iRet: "-4 port answers but hosts another servant". */
export function describeTarsRet(code: number): string {
  const known = TARS_RET[code]
  return known ? known.meaning : `tars error ${code}`
}
