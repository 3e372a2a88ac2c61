/**
 * QueryF, the registry's query interface, on the wire (TarsProtocol servant/QueryF.tars and
 * EndpointF.tars; docs/design.md §4). Pure: parameters in, bytes out, bytes in, typed answers out.
 *
 * A call's sBuffer holds its parameters at tags 1..n in declaration order; the answer's sBuffer holds
 * the return value at tag 0 and the `out` parameters at the tags of their position (so for
 * findObjectById4Any(id, out activeEp, out inactiveEp): return 0, activeEp 2, inactiveEp 3).
 *
 * Decoding is bounded: whatever the bytes, it ends in a TarsDecodeError (ours), never in a TypeError,
 * a stack overflow or an allocation larger than the answer itself.
 */
import {TarsDecodeError, TarsReader, TarsWriter} from './codec.js'
import {encodeRequestFrame, TARS_VERSION} from './ping.js'

/** The registry's own servant name (its QueryObj), as in every client's locator. */
export const REGISTRY_QUERY_OBJ = 'tars.tarsregistry.QueryObj'

export type QueryFunction =
  | 'findObjectById'
  | 'findObjectById4Any'
  | 'findObjectById4All'
  | 'findObjectByIdInSameGroup'
  | 'findObjectByIdInSameSet'
  | 'findObjectByIdInSameStation'

export const QUERY_FUNCTIONS: readonly QueryFunction[] = [
  'findObjectById', 'findObjectById4Any', 'findObjectById4All', 'findObjectByIdInSameGroup', 'findObjectByIdInSameSet', 'findObjectByIdInSameStation',
]

export function isQueryFunction(name: string): name is QueryFunction {
  return (QUERY_FUNCTIONS as readonly string[]).includes(name)
}

/** A question: the object, plus the set id (InSameSet) or station (InSameStation) those functions take. */
export interface QueryArgs {
  id: string
  setId?: string
  station?: string
}

/** EndpointF, every field (tags 0–14; 10 is unused upstream). */
export interface EndpointF {
  host: string
  port: number
  timeout: number
  /** 0 udp, 1 tcp, 2 ssl. */
  istcp: number
  grid: number
  groupworkid: number
  grouprealid: number
  setId: string
  qos: number
  bakFlag: number
  weight: number
  weightType: number
  authType: number
  /** The node that serves it; only 2024+ registries send it ('' otherwise). */
  nodeName: string
}

export interface QueryAnswer {
  /** The function's int return value (findObjectById has none: 0). */
  ret: number
  active: EndpointF[]
  /** findObjectById returns active endpoints only: empty. */
  inactive: EndpointF[]
}

/** The defaults of a default-constructed EndpointF (TarsCpp's generated resetDefault). */
export function endpointF(fields: Partial<EndpointF> & {host: string; port: number}): EndpointF {
  return {
    timeout: 0, istcp: 1, grid: 0, groupworkid: 0, grouprealid: 0, setId: '', qos: 0, bakFlag: 0, weight: 0, weightType: 0, authType: 0, nodeName: '',
    ...fields,
  }
}

const PROTOCOL_BY_ISTCP = ['udp', 'tcp', 'ssl'] as const

/** EndpointF.istcp as the endpoint grammar's protocol word; null for a value no registry sends. */
export function protocolOf(istcp: number): 'udp' | 'tcp' | 'ssl' | null {
  return PROTOCOL_BY_ISTCP[istcp] ?? null
}

export function istcpOf(protocol: 'udp' | 'tcp' | 'ssl'): number {
  return PROTOCOL_BY_ISTCP.indexOf(protocol)
}

/** Tags of the parameters after `id` and of the two `out` lists, per function. */
function layout(fn: QueryFunction): {extra: 'setId' | 'station' | null; active: number; inactive: number | null} {
  switch (fn) {
    case 'findObjectById': return {extra: null, active: 0, inactive: null}
    case 'findObjectByIdInSameSet': return {extra: 'setId', active: 3, inactive: 4}
    case 'findObjectByIdInSameStation': return {extra: 'station', active: 3, inactive: 4}
    default: return {extra: null, active: 2, inactive: 3}
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests

/** The call's parameters (the RequestPacket's sBuffer). */
export function encodeQueryArgs(fn: QueryFunction, args: QueryArgs): Buffer {
  const w = new TarsWriter(32 + args.id.length)
  w.writeString(1, args.id)
  const {extra} = layout(fn)
  if (extra === 'setId') w.writeString(2, args.setId ?? '')
  if (extra === 'station') w.writeString(2, args.station ?? '')
  return w.toBuffer()
}

/** A whole request frame: QueryF `fn` on `servant` (the locator's object), request id, timeout. */
export function encodeQueryFrame(servant: string, fn: QueryFunction, args: QueryArgs | Buffer, requestId: number, timeoutMs: number): Buffer {
  return encodeRequestFrame({
    iVersion: TARS_VERSION,
    cPacketType: 0,
    iMessageType: 0,
    iRequestId: requestId,
    sServantName: servant,
    sFuncName: fn,
    // The parameters may come encoded already: the same question goes to every address.
    sBuffer: Buffer.isBuffer(args) ? args : encodeQueryArgs(fn, args),
    iTimeout: timeoutMs,
    context: {},
    status: {},
  })
}

/** The server's side: the parameters of a call (for the lab's registry replica). */
export function decodeQueryArgs(fn: QueryFunction, sBuffer: Buffer): QueryArgs {
  const r = new TarsReader(sBuffer)
  const id = r.readString(1, true)
  const {extra} = layout(fn)
  if (extra === 'setId') return {id, setId: r.readString(2, true)}
  if (extra === 'station') return {id, station: r.readString(2, true)}
  return {id}
}

// ---------------------------------------------------------------------------------------------------
// EndpointF

export function writeEndpointF(w: TarsWriter, tag: number, ep: EndpointF, options: {nodeName?: boolean} = {}): void {
  w.writeStruct(tag, (s) => {
    s.writeString(0, ep.host)
    s.writeInt(1, ep.port)
    s.writeInt(2, ep.timeout)
    s.writeInt(3, ep.istcp)
    s.writeInt(4, ep.grid)
    s.writeInt(5, ep.groupworkid)
    s.writeInt(6, ep.grouprealid)
    s.writeString(7, ep.setId)
    s.writeInt(8, ep.qos)
    s.writeInt(9, ep.bakFlag)
    s.writeInt(11, ep.weight)
    s.writeInt(12, ep.weightType)
    s.writeInt(13, ep.authType)
    // A pre-2024 registry has no tag 14: `nodeName: false` answers like one.
    if (options.nodeName !== false) s.writeString(14, ep.nodeName)
  })
}

/** Reads one EndpointF struct's fields (the reader is inside the struct); unknown tags are skipped. */
export function readEndpointFFields(r: TarsReader): EndpointF {
  return {
    host: r.readString(0, true),
    port: r.readInt(1, true),
    timeout: r.readInt(2, true),
    istcp: r.readInt(3, true),
    grid: r.readInt(4, true),
    groupworkid: r.readInt(5),
    grouprealid: r.readInt(6),
    setId: r.readString(7),
    qos: r.readInt(8),
    bakFlag: r.readInt(9),
    weight: r.readInt(11),
    weightType: r.readInt(12),
    authType: r.readInt(13),
    nodeName: r.readString(14),
  }
}

function readEndpointList(r: TarsReader, tag: number): EndpointF[] {
  return r.readList(tag, (item) => item.readStruct(0, readEndpointFFields, true)!, true)
}

// ---------------------------------------------------------------------------------------------------
// Answers

/**
 * Decodes the answer's sBuffer for `fn`. Throws TarsDecodeError when the bytes are not that answer
 * (anything else thrown while decoding is a bug, and is turned into one too, so hostile bytes can
 * never crash a caller).
 */
export function decodeQueryAnswer(fn: QueryFunction, sBuffer: Buffer): QueryAnswer {
  try {
    const r = new TarsReader(sBuffer)
    const {active, inactive} = layout(fn)
    if (inactive === null) return {ret: 0, active: readEndpointList(r, active), inactive: []}
    const ret = r.readInt(0, true)
    return {ret, active: readEndpointList(r, active), inactive: readEndpointList(r, inactive)}
  } catch (error) {
    if (error instanceof TarsDecodeError) throw error
    throw new TarsDecodeError(`not a ${fn} answer: ${(error as Error).message}`)
  }
}

/** Encodes an answer's sBuffer (for the lab's replica; `nodeName: false` answers like a pre-2024 registry). */
export function encodeQueryAnswer(fn: QueryFunction, answer: QueryAnswer, options: {nodeName?: boolean} = {}): Buffer {
  const w = new TarsWriter(64 + 64 * (answer.active.length + answer.inactive.length))
  const {active, inactive} = layout(fn)
  const list = (tag: number, eps: EndpointF[]) => w.writeList(tag, eps, (lw, t, ep) => writeEndpointF(lw, t, ep, options))
  if (inactive === null) {
    list(active, answer.active)
    return w.toBuffer()
  }
  w.writeInt(0, answer.ret)
  list(active, answer.active)
  list(inactive, answer.inactive)
  return w.toBuffer()
}
