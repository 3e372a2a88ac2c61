/**
 * A registry replica for the lab: a QueryF servant on loopback, built on our own codec, answering from
 * the data a test gives it (or from a function of the question and the caller, as the demo's registry
 * does: lab/store-registry.ts) — and, on request, the ways a real one goes wrong: unexpanded answers, a stale
 * cache (data older than the database's: give it, or keep it with setObjects), -1 for an object it does
 * not know, malformed bytes, a huge length prefix, a connection closed mid-question, or no answer at all. One replica may listen on several addresses (the same
 * registry reached over two networks); every request is recorded with the caller's address and context. An
 * `answers` function is told the node_name the caller sent, as a real registry groups by it when sent.
 */
import net from 'node:net'

import {decodeRequestBody, encodeResponseFrame, frameStatus} from '../tars/ping.js'
import {decodeQueryArgs, encodeQueryAnswer, isQueryFunction, REGISTRY_QUERY_OBJ, type EndpointF, type QueryArgs, type QueryFunction} from '../tars/queryf.js'
import {TarsType, TarsWriter} from '../tars/codec.js'
import {assertLoopback, closedPort, type Listening} from './listeners.js'

export type ReplicaBehaviour =
  /** Answer from the data. */
  | 'answer'
  /**
   * Answer like a registry without the multi-network expansion: the endpoints of one node on one port
   * come back as that port on 0.0.0.0, once (IPv6-only ones on ::).
   */
  | 'unexpanded'
  /** A well-formed packet whose answer bytes are not a QueryF answer. */
  | 'malformed-answer'
  /** A frame whose bytes are not a Tars response packet at all. */
  | 'malformed-frame'
  /** A length prefix of 2 GB, then nothing. */
  | 'huge-length'
  /** Read every question, never answer. */
  | 'silent'
  /** Close the connection on the first question. */
  | 'close'

export interface ReplicaObject {
  active: EndpointF[]
  inactive: EndpointF[]
  /** The function's return value (default 0). */
  ret?: number
}

export interface ReplicaRequest {
  fn: string
  args: QueryArgs | null
  requestId: number
  servant: string
  context: Record<string, string>
  /** The caller's address as the replica saw it (a registry groups by it when no node_name is sent). */
  clientIp: string
  /** The replica address the question came in on. */
  localAddress: string
}

/** A question as the replica received it: what `answers` computes an answer for. */
export interface ReplicaQuestion {
  fn: QueryFunction
  args: QueryArgs
  /** The caller's TCP address. */
  clientIp: string
  /**
   * The node_name in the request context ('' counts as none): a registry answers InSameGroup and InSameSet
   * for it when sent, else for clientIp (Current::getHostName).
   */
  callerNodeName: string | null
}

export interface ReplicaOptions {
  /** Loopback addresses to listen on, all on the same port. */
  hosts: string[]
  /** 0 (default): a free port. */
  port?: number
  servant?: string
  objects?: Record<string, ReplicaObject>
  /**
   * Computes the answer per question instead of `objects` (per function, set id and caller, as a real
   * registry does); undefined for an object it does not know (answered `unknownRet`).
   */
  answers?: (question: ReplicaQuestion) => ReplicaObject | undefined
  behaviour?: ReplicaBehaviour
  /** Behaviour for some objects only (the others follow `behaviour`). */
  objectBehaviour?: Record<string, ReplicaBehaviour>
  /** Return value for an object it has no data for (default -1, as the issue's "does not know"). */
  unknownRet?: number
  /** Send EndpointF.nodeName (tag 14), as 2024+ registries do (default true). */
  nodeName?: boolean
  /** Answer this many ms late, every answer at once, as a registry across a network would (default 0). */
  delayMs?: number
  /** Keep every request in `requests` (default true; false for a replica that runs for hours, as the demo's). */
  record?: boolean
}

const NO_SERVANT = -4
const NO_FUNCTION = -3

export class RegistryReplica {
  readonly servant: string
  readonly requests: ReplicaRequest[] = []
  /** Connections accepted, per listening address. */
  readonly connections = new Map<string, number>()
  objects: Map<string, ReplicaObject>
  answers: ((question: ReplicaQuestion) => ReplicaObject | undefined) | undefined
  behaviour: ReplicaBehaviour
  objectBehaviour: Map<string, ReplicaBehaviour>
  unknownRet: number
  nodeName: boolean
  delayMs: number
  private readonly record: boolean
  private readonly servers: net.Server[] = []
  private readonly sockets = new Set<net.Socket>()

  private constructor(
    readonly addresses: Listening[],
    options: ReplicaOptions,
  ) {
    this.servant = options.servant ?? REGISTRY_QUERY_OBJ
    this.objects = new Map(Object.entries(options.objects ?? {}))
    this.answers = options.answers
    this.behaviour = options.behaviour ?? 'answer'
    this.objectBehaviour = new Map(Object.entries(options.objectBehaviour ?? {}))
    this.unknownRet = options.unknownRet ?? -1
    this.nodeName = options.nodeName ?? true
    this.delayMs = options.delayMs ?? 0
    this.record = options.record ?? true
  }

  static async start(options: ReplicaOptions): Promise<RegistryReplica> {
    if (options.hosts.length === 0) throw new Error('lab: a registry replica needs at least one address')
    for (const h of options.hosts) assertLoopback(h)
    const port = options.port || (await closedPort(options.hosts[0]))
    const replica = new RegistryReplica(options.hosts.map((host) => ({host, port})), options)
    try {
      for (const host of options.hosts) await replica.listen(host, port)
    } catch (error) {
      await replica.close()
      throw error
    }
    return replica
  }

  get port(): number {
    return this.addresses[0].port
  }

  /** The locator a client would be given for this replica's addresses. */
  locator(): string {
    return `${this.servant}@${this.addresses.map((a) => `tcp -h ${a.host} -p ${a.port}`).join(':')}`
  }

  /** Total connections accepted on every address. */
  get connectionCount(): number {
    return [...this.connections.values()].reduce((a, b) => a + b, 0)
  }

  setObjects(objects: Record<string, ReplicaObject>): void {
    this.objects = new Map(Object.entries(objects))
  }

  private async listen(host: string, port: number): Promise<void> {
    const server = net.createServer({noDelay: true}, (socket) => this.serve(socket, host))
    server.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({host, port, backlog: 1024, exclusive: true}, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.servers.push(server)
  }

  private serve(socket: net.Socket, localHost: string): void {
    this.sockets.add(socket)
    this.connections.set(localHost, (this.connections.get(localHost) ?? 0) + 1)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    let rx = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk])
      const out: Buffer[] = []
      try {
        for (;;) {
          const st = frameStatus(rx)
          if (!st.complete) break
          const req = decodeRequestBody(rx.subarray(4, st.length))
          rx = rx.subarray(st.length)
          const reply = this.answer(req, socket, localHost)
          if (reply === 'close') {
            socket.destroy()
            return
          }
          if (reply !== null) out.push(reply)
        }
      } catch {
        socket.destroy()
        return
      }
      if (out.length === 0) return
      const bytes = Buffer.concat(out)
      if (this.delayMs > 0) setTimeout(() => socket.destroyed || socket.write(bytes), this.delayMs)
      else socket.write(bytes)
    })
  }

  /** The bytes to send for one request; null for none, 'close' to hang up. */
  private answer(req: ReturnType<typeof decodeRequestBody>, socket: net.Socket, localHost: string): Buffer | null | 'close' {
    const fn = req.sFuncName
    const args = isQueryFunction(fn) ? safeArgs(fn, Buffer.from(req.sBuffer)) : null
    const clientIp = socket.remoteAddress ?? ''
    if (this.record) this.requests.push({fn, args, requestId: req.iRequestId, servant: req.sServantName, context: req.context, clientIp, localAddress: localHost})
    const reply = (iRet: number, sBuffer?: Buffer) => encodeResponseFrame({iVersion: req.iVersion, iRequestId: req.iRequestId, iMessageType: req.iMessageType, iRet, sBuffer})
    if (req.sServantName !== this.servant) return reply(NO_SERVANT)
    if (!isQueryFunction(fn) || args === null) return reply(NO_FUNCTION)
    const behaviour = this.objectBehaviour.get(args.id) ?? this.behaviour
    switch (behaviour) {
      case 'silent': return null
      case 'close': return 'close'
      case 'huge-length': {
        const b = Buffer.alloc(12)
        b.writeUInt32BE(0x7fffffff, 0)
        return b
      }
      case 'malformed-frame': {
        const body = Buffer.alloc(24, 0xff)
        const frame = Buffer.alloc(4 + body.length)
        frame.writeUInt32BE(frame.length, 0)
        body.copy(frame, 4)
        return frame
      }
      case 'malformed-answer': {
        // A return value, then a list that claims a million endpoints in a few bytes.
        const w = new TarsWriter().writeInt(0, 0)
        w.writeHead(2, TarsType.LIST).writeInt(0, 1_000_000)
        return reply(0, Buffer.concat([w.toBuffer(), Buffer.from([0x0a, 0x06])]))
      }
      default: {
        const callerNodeName = req.context.node_name ? req.context.node_name : null
        const data = this.answers ? this.answers({fn, args, clientIp, callerNodeName}) : this.objects.get(args.id)
        const as = behaviour === 'unexpanded' ? unexpand : (eps: EndpointF[]) => eps
        const answer = data
          ? {ret: data.ret ?? 0, active: as(data.active), inactive: fn === 'findObjectById' ? [] : as(data.inactive)}
          : {ret: this.unknownRet, active: [], inactive: []}
        return reply(0, encodeQueryAnswer(fn, answer, {nodeName: this.nodeName}))
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}

function safeArgs(fn: Parameters<typeof decodeQueryArgs>[0], sBuffer: Buffer): QueryArgs | null {
  try {
    return decodeQueryArgs(fn, sBuffer)
  } catch {
    return null
  }
}

/** One wildcard endpoint per node, port and protocol, where the data has one per IP (what an open-source registry hands out). */
export function unexpand(eps: readonly EndpointF[]): EndpointF[] {
  const out = new Map<string, EndpointF>()
  for (const ep of eps) {
    const v4 = !ep.host.includes(':')
    const key = `${ep.nodeName}|${ep.port}|${ep.istcp}`
    const seen = out.get(key)
    if (!seen) out.set(key, {...ep, host: v4 ? '0.0.0.0' : '::'})
    else if (v4 && seen.host === '::') seen.host = '0.0.0.0'
  }
  return [...out.values()]
}
