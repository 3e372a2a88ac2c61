/**
 * The prober: TCP connects (and tars_ping) to many targets at once, each bounded by its own timer.
 * All attempts run concurrently up to `concurrency`, so a run takes about one timeout however many
 * targets there are. This is the only place that owns probe sockets.
 */
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {performance} from 'node:perf_hooks'
import {TarsDecodeError} from '../tars/codec.js'
import {decodeResponseBody, describeTarsRet, encodePingFrame, frameStatus} from '../tars/ping.js'

export type CheckKind = 'tcp' | 'tars'
export type ProbeStatus = 'up' | 'refused' | 'timeout' | 'unreachable' | 'error'

export interface ProbeTarget {
  /** Caller's key, echoed in the result. */
  id: string | number
  node: string
  network: string | null
  host: string
  /** Tried until one answers; the target is up if any port answers. */
  ports: number[]
  check: CheckKind
  /** For check 'tars': the servant name sent in the ping. */
  servant?: string
  /** Per port (same order as `ports`): its servant, when ports host different ones. A port with no
   * servant gets a TCP connect even when `check` is 'tars'. */
  servants?: Array<string | null | undefined>
}

export interface ProbeError {
  code: string
  message: string
}

/** What one connection attempt found. */
interface AttemptOutcome {
  /** The port that answered, else the first one tried. */
  port: number
  check: CheckKind
  status: ProbeStatus
  /** Connect time (tcp) or ping round trip (tars), ms; null when nothing answered. */
  latencyMs: number | null
  /** The local address the probe's socket actually used (null when the kernel refused before binding). */
  sourceIp: string | null
  error: ProbeError | null
  /** tars_ping's iRet when a reply came; null otherwise. */
  tarsRet: number | null
  /**
   * For a tars check that answered 0: whether the port proved it checks servant names (a second ping, for
   * a servant that cannot exist, got -4: TarsCpp, TarsGo, TarsJava) — false when that too got 0 (Tars.js
   * answers any name) or no clear answer. null when no tars_ping answered 0 (or the check is tcp).
   */
  servantVerified: boolean | null
}

/** A target's verdict: the deciding attempt's outcome, for that target. */
export interface ProbeResult extends AttemptOutcome {
  id: string | number
  node: string
  network: string | null
  host: string
  /** Connection attempts made for this target (ports × tries). */
  attempts: number
}

export interface ProbeOptions {
  timeoutMs?: number
  /** Extra tries after a timeout or unreachable (never after refused or a reply). Default 1. */
  retries?: number
  /** Attempts in flight at once. Default: from the open-file limit (see defaultConcurrency). */
  concurrency?: number
  /** Source address per network name. The kernel still routes by destination. */
  bind?: Map<string, string>
  onProgress?: (done: number, total: number) => void
  signal?: AbortSignal
}

export const DEFAULT_TIMEOUT_MS = 1000
export const DEFAULT_RETRIES = 1
/** File descriptors kept free for everything else the process opens (stdio, DB connection, lab). */
const FD_HEADROOM = 128
/** New connections started per event-loop turn. */
const LAUNCH_BATCH = 1000
/** Held sockets (answered plain connects) reset per event-loop turn once launching is over. */
const HELD_RESET_BATCH = 500

/** The soft RLIMIT_NOFILE, from /proc/self/limits (Linux); null when unknown. */
export function openFileLimit(limitsText?: string): number | null {
  let text = limitsText
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8')
    } catch {
      return null
    }
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text)
  if (!m) return null
  if (m[1] === 'unlimited') return Number.MAX_SAFE_INTEGER
  const n = Number(m[1])
  return Number.isFinite(n) && n > 0 ? n : null
}

/** One socket per attempt: the open-file limit minus headroom (at least 16; 896 if the limit is unknown). */
export function defaultConcurrency(limit: number | null = openFileLimit()): number {
  if (limit === null) return 1024 - FD_HEADROOM
  return Math.max(16, Math.min(limit - FD_HEADROOM, 1_000_000))
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'])

/** Maps a socket error code to a probe status. */
export function classifyError(code: string | undefined): ProbeStatus {
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'ETIMEDOUT') return 'timeout'
  if (code !== undefined && UNREACHABLE.has(code)) return 'unreachable'
  return 'error'
}

let nextRequestId = 1

function takeRequestId(): number {
  const id = nextRequestId++
  if (nextRequestId > 0x7fffffff) nextRequestId = 1
  return id
}

/**
 * A servant name no cluster has: after the real servant's ping answered 0, the same connection is asked
 * for this one. A server that checks names answers -4; one that answers 0 does not check (docs/design.md §4).
 */
export const NO_SUCH_SERVANT = `tarsnet.NoSuchServant.${randomBytes(4).toString('hex')}Obj`

/** Where an attempt's outcome goes: a callback, or an owner told with a context (no closure per socket). */
interface AttemptSink<C> {
  done(ctx: C, o: AttemptOutcome): void
  /** When given, an answered plain connect's socket is handed here to be reset later (not torn down now). */
  hold?(socket: net.Socket): void
}

const kAttempt = Symbol('tarsnet.attempt')
type ProbeSocket = net.Socket & {[kAttempt]?: Attempt<unknown>}

/**
 * One connection attempt's state. The socket listeners are shared functions that find their attempt
 * on the socket, and timeouts go through a deadline queue, so an attempt costs no closures or timers.
 */
class Attempt<C> {
  socket: ProbeSocket | null
  started = 0
  /** performance.now() by which it must have answered; 0 until connect() was issued. */
  deadline = 0
  sourceIp: string | null
  done = false
  rx: Buffer | null = null
  /** The iRequestId of the ping sent; the reply must carry it back (docs/design.md §4). */
  requestId = 0
  /** Round trip of the real servant's ping, once it answered 0: the second ping (NO_SUCH_SERVANT) is out. */
  pingMs: number | null = null

  constructor(
    readonly port: number,
    readonly timeoutMs: number,
    localAddress: string | undefined,
    readonly servant: string | null,
    readonly sink: AttemptSink<C>,
    readonly ctx: C,
    host: string,
  ) {
    this.sourceIp = localAddress ?? null
    const isTars = servant !== null
    const socket: ProbeSocket = net.connect(isTars ? {host, port, localAddress, noDelay: true} : {host, port, localAddress})
    this.socket = socket
    socket[kAttempt] = this as Attempt<unknown>
    socket.on('error', onSocketError)
    socket.on('connect', onSocketConnect)
    // net issues connect() on the next tick: the clock starts then, so every probe gets its full
    // timeout however long it took to start thousands of them.
    process.nextTick(onConnectIssued, this)
    if (!isTars) return
    // Only a tars_ping reads: a plain connect never starts reading (no read syscalls for 10,000 sockets).
    socket.on('data', onSocketData)
    socket.on('end', onSocketEnd)
  }

  finish(status: ProbeStatus, latencyMs: number | null, tarsRet: number | null, error: ProbeError | null, reset = false, servantVerified: boolean | null = null): void {
    if (this.done) return
    this.done = true
    const socket = this.socket!
    this.socket = null
    if (this.deadline !== 0) deadlines(this.timeoutMs).cancel()
    // Late events from a torn-down socket are of no interest: the listeners stay, and see `done`.
    // RST for plain connects: no TIME_WAIT left behind, so --watch can run for hours.
    if (reset && !socket.destroyed && typeof socket.resetAndDestroy === 'function') {
      if (this.sink.hold) {
        socket.pause() // net would otherwise start reading once 'connect' returns
        this.sink.hold(socket)
      } else socket.resetAndDestroy()
    } else socket.destroy()
    this.sink.done(this.ctx, {port: this.port, check: this.servant === null ? 'tcp' : 'tars', status, latencyMs, sourceIp: this.sourceIp, error, tarsRet, servantVerified})
  }

  /** The servant answered its ping: up, verified only when the name check was seen to work. */
  finishUp(verified: boolean): void {
    this.finish('up', this.pingMs, 0, null, false, verified)
  }

  expire(): void {
    if (this.done) return
    if (this.pingMs !== null) {
      this.finishUp(false) // no answer to the second ping in time: the servant is up, its name unchecked
      return
    }
    const socket = this.socket!
    if (this.servant !== null && socket.readyState === 'open') {
      this.finish('error', null, null, {code: 'ETARSNOREPLY', message: `connected, but no tars_ping reply within ${this.timeoutMs} ms`})
    } else {
      if (this.sourceIp === null && socket.localAddress) this.sourceIp = socket.localAddress
      this.finish('timeout', null, null, {code: 'ETIMEDOUT', message: `no answer within ${this.timeoutMs} ms`})
    }
  }
}

function onConnectIssued(a: Attempt<unknown>): void {
  if (a.done) return
  a.started = performance.now()
  a.deadline = a.started + a.timeoutMs
  deadlines(a.timeoutMs).push(a)
  // The kernel has bound the source address: read it before a refusal tears the handle down.
  const socket = a.socket!
  if (a.sourceIp === null && socket.localAddress) a.sourceIp = socket.localAddress
}

function onSocketError(this: ProbeSocket, err: NodeJS.ErrnoException): void {
  const a = this[kAttempt]
  if (!a || a.done) return
  if (a.pingMs !== null) {
    a.finishUp(false)
    return
  }
  const code = err.code ?? 'EUNKNOWN'
  const status = classifyError(code)
  const connected = this.readyState === 'open' || this.bytesWritten > 0
  // After a successful connect a failure is the service's, not the link's.
  a.finish(connected && status !== 'error' ? 'error' : status, null, null, {code, message: err.message})
}

function onSocketConnect(this: ProbeSocket): void {
  const a = this[kAttempt]
  if (!a || a.done) return
  if (this.localAddress) a.sourceIp = this.localAddress
  const connectMs = performance.now() - a.started
  if (a.servant === null) {
    a.finish('up', connectMs, null, null, true)
    return
  }
  a.requestId = takeRequestId()
  this.write(encodePingFrame(a.servant, a.requestId, a.timeoutMs))
}

function onSocketData(this: ProbeSocket, chunk: Buffer): void {
  const a = this[kAttempt]
  if (!a || a.done) return
  a.rx = a.rx === null ? chunk : Buffer.concat([a.rx, chunk])
  try {
    const st = frameStatus(a.rx)
    if (!st.complete) return
    const reply = decodeResponseBody(a.rx.subarray(4, st.length))
    a.rx = st.length < a.rx.length ? a.rx.subarray(st.length) : null
    if (a.pingMs !== null) {
      // The answer for NO_SUCH_SERVANT: only -4 shows the server checks which servant it is asked for.
      a.finishUp(reply.iRequestId === a.requestId && reply.iRet === -4)
      return
    }
    const latencyMs = performance.now() - a.started
    if (reply.iRequestId !== a.requestId) {
      // Not the answer to our ping: whatever iRet it carries says nothing about this servant.
      a.finish('error', null, null, {code: 'ETARSREQID', message: `a Tars reply for request ${reply.iRequestId}, not for the ping sent (request ${a.requestId})`})
      return
    }
    if (reply.iRet === 0) {
      // Answered: now ask the same connection for a servant that cannot exist, within the same deadline.
      a.pingMs = latencyMs
      a.requestId = takeRequestId()
      this.write(encodePingFrame(NO_SUCH_SERVANT, a.requestId, a.timeoutMs))
    } else {
      const desc = describeTarsRet(reply.iRet) + (reply.sResultDesc ? ` (${reply.sResultDesc})` : '')
      a.finish('error', latencyMs, reply.iRet, {code: `TARS${reply.iRet}`, message: desc})
    }
  } catch (error) {
    if (a.pingMs !== null) {
      a.finishUp(false)
      return
    }
    const message = error instanceof TarsDecodeError ? error.message : String(error)
    a.finish('error', null, null, {code: 'ETARSDECODE', message: `not a Tars reply: ${message}`})
  }
}

function onSocketEnd(this: ProbeSocket): void {
  const a = this[kAttempt]
  if (!a || a.done) return
  if (a.pingMs !== null) {
    a.finishUp(false)
    return
  }
  a.finish('error', null, null, {code: 'ETARSCLOSED', message: 'connected, but the peer closed without a tars_ping reply'})
}

/**
 * The timeouts of every attempt with the same timeoutMs: their deadlines come in the order their
 * connects were issued, so a FIFO and one timer for its head replace a timer per attempt.
 */
class DeadlineQueue {
  private items: Array<Attempt<unknown>> = []
  private head = 0
  /** Attempts in the queue still waiting for an answer. */
  private live = 0
  private timer: NodeJS.Timeout | undefined
  private expiring = false

  push(a: Attempt<unknown>): void {
    this.items.push(a)
    this.live++
    if (this.timer === undefined && !this.expiring) this.arm()
  }

  /** An attempt in the queue got its answer. */
  cancel(): void {
    if (--this.live > 0) return
    // Nothing left to time out: no timer keeps the process alive.
    this.items = []
    this.head = 0
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    const next = this.items[this.head]
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(next.deadline - performance.now())))
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    this.expiring = true
    // Timers run before I/O in each loop turn: when the loop is late, a connect that completed in time
    // would be read after its timer fired, so the verdict waits for that turn's I/O (setImmediate) and
    // only attempts whose deadline had passed when the timer fired expire.
    setImmediate(this.expireUpTo, performance.now())
  }

  private readonly expireUpTo = (cutoff: number): void => {
    this.expiring = false
    const items = this.items
    while (this.head < items.length) {
      const a = items[this.head]
      if (!a.done) {
        if (a.deadline > cutoff) break
        a.expire() // cancel() may reset the queue: stop when it did
        if (this.items !== items) return
      }
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > items.length) {
      items.splice(0, this.head)
      this.head = 0
    }
    if (this.head < items.length && this.timer === undefined) this.arm()
  }
}

const queues = new Map<number, DeadlineQueue>()
function deadlines(timeoutMs: number): DeadlineQueue {
  let q = queues.get(timeoutMs)
  if (!q) queues.set(timeoutMs, (q = new DeadlineQueue()))
  return q
}

const callbackSink: AttemptSink<(o: AttemptOutcome) => void> = {done: (resolve, o) => resolve(o)}

/** One connection attempt to host:port, ending by `timeoutMs` at the latest. Never rejects. */
export function attempt(
  target: {host: string},
  port: number,
  timeoutMs: number,
  localAddress: string | undefined,
  servant?: string | null,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => attemptCb(target, port, timeoutMs, localAddress, servant, resolve))
}

/** attempt() with a callback: no promise per socket when thousands are started at once. */
export function attemptCb(
  target: {host: string},
  port: number,
  timeoutMs: number,
  localAddress: string | undefined,
  servant: string | null | undefined,
  resolve: (o: AttemptOutcome) => void,
): void {
  new Attempt(port, timeoutMs, localAddress, typeof servant === 'string' ? servant : null, callbackSink, resolve, target.host)
}

/** The servant to ping on a target's port, or null for a TCP connect. */
function servantFor(t: ProbeTarget, portIndex: number): string | null {
  if (t.check !== 'tars') return null
  const s = t.servants ? t.servants[portIndex] : t.servant
  return s ? s : null
}

interface Job {
  index: number
  target: ProbeTarget
  port: number
  /** Index of the port in the target's (deduplicated) port list. */
  slot: number
  /** Index of the port in the target's own port list (for `servants`). */
  portIndex: number
  tries: number
}

/**
 * Probes every target; results come back in target order. Targets whose every port failed report
 * the first port's outcome; a target with no ports is an error ("nothing to probe") without I/O.
 */
export async function probeTargets(targets: readonly ProbeTarget[], options: ProbeOptions = {}): Promise<ProbeResult[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const retries = options.retries ?? DEFAULT_RETRIES
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency())
  const total = targets.length

  const results: Array<ProbeResult | undefined> = new Array(total)
  // Per target: outcome per port index (kept only until the target is decided).
  const pending: Array<Array<AttemptOutcome | undefined> | undefined> = new Array(total)
  const attemptsMade = new Uint32Array(total)
  let decided = 0

  const queue: Job[] = []
  for (let i = 0; i < total; i++) {
    const t = targets[i]
    if (t.ports.length === 0) {
      results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: 0, check: t.check, status: 'error', latencyMs: null, sourceIp: null, error: {code: 'ENOPORT', message: 'nothing to probe: no port'}, tarsRet: null, servantVerified: null, attempts: 0}
      decided++
      continue
    }
    if (t.ports.length === 1) {
      // The common case: one port, decided by its own outcome (no per-port bookkeeping).
      queue.push({index: i, target: t, port: t.ports[0], slot: 0, portIndex: 0, tries: 0})
      continue
    }
    const seen = new Set<number>()
    let slot = 0
    t.ports.forEach((port, portIndex) => {
      if (seen.has(port)) return
      seen.add(port)
      queue.push({index: i, target: t, port, slot: slot++, portIndex, tries: 0})
    })
    pending[i] = new Array(slot).fill(undefined) // not sparse: every() skips holes
  }
  if (options.onProgress) options.onProgress(decided, total)
  if (queue.length === 0) return results as ProbeResult[]

  const decide = (i: number, r: AttemptOutcome): void => {
    const t = targets[i]
    results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: r.port, check: r.check, status: r.status, latencyMs: r.latencyMs === null ? null : Math.round(r.latencyMs * 1000) / 1000, sourceIp: r.sourceIp, error: r.error, tarsRet: r.tarsRet, servantVerified: r.servantVerified, attempts: attemptsMade[i]}
    pending[i] = undefined
    decided++
    options.onProgress?.(decided, total)
  }

  // Refused connects create thousands of Error objects: their stack traces are never shown.
  const stackLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  return new Promise<ProbeResult[]>((resolve) => {
    let head = 0
    /** Attempts waiting for their answer. */
    let inFlight = 0
    let finished = false
    // Answered plain connects whose sockets are reset later, once launching is over (or the budget
    // needs their descriptors): the RST and teardown then run in the wait for the last timeouts, not
    // while connects are still being issued. They count against the concurrency budget until reset.
    let held: net.Socket[] = []
    let heldHead = 0

    const heldCount = (): number => held.length - heldHead
    const resetHeld = (max: number): void => {
      const end = Math.min(held.length, heldHead + max)
      for (; heldHead < end; heldHead++) {
        const socket = held[heldHead]
        if (!socket.destroyed) socket.resetAndDestroy()
      }
      if (heldHead === held.length) {
        held = []
        heldHead = 0
      }
    }
    let draining = false
    /** Resets held sockets a slice per loop turn, so answers and timers are still served meanwhile. */
    const drainHeld = (): void => {
      if (draining || heldCount() === 0) return
      draining = true
      setImmediate(() => {
        draining = false
        resetHeld(HELD_RESET_BATCH)
        drainHeld()
      })
    }

    const complete = (): void => {
      if (finished) return
      finished = true
      resetHeld(Number.MAX_SAFE_INTEGER)
      options.signal?.removeEventListener('abort', onAbort)
      Error.stackTraceLimit = stackLimit
      resolve(results as ProbeResult[])
    }

    const onAbort = (): void => {
      // Stop launching; the in-flight attempts end by their own timers.
      head = queue.length
      if (inFlight === 0) fillAborted()
      else drainHeld()
    }

    const fillAborted = (): void => {
      for (let i = 0; i < total; i++) {
        if (results[i] === undefined) {
          const t = targets[i]
          results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: t.ports[0], check: t.check, status: 'error', latencyMs: null, sourceIp: null, error: {code: 'EABORTED', message: 'probe interrupted'}, tarsRet: null, servantVerified: null, attempts: attemptsMade[i]}
        }
      }
      complete()
    }

    const sink: AttemptSink<Job> = {
      done(job, o) {
        inFlight--
        settle(job, o)
        if (options.signal?.aborted) {
          if (inFlight === 0) fillAborted()
          return
        }
        launch()
        if (inFlight === 0 && head >= queue.length) complete()
      },
      hold(socket) {
        held.push(socket)
      },
    }

    let scheduled = false
    const launch = (): void => {
      // At most LAUNCH_BATCH new sockets per loop turn, so answers are read while thousands start.
      let budget = LAUNCH_BATCH
      while (head < queue.length) {
        if (inFlight + heldCount() >= concurrency) {
          if (heldCount() === 0) break
          resetHeld(1) // the budget needs a held socket's descriptor
        }
        if (budget-- <= 0) {
          if (!scheduled) {
            scheduled = true
            setImmediate(() => {
              scheduled = false
              launch()
            })
          }
          return
        }
        const job = queue[head++]
        if (results[job.index] !== undefined) continue // another port already answered
        inFlight++
        attemptsMade[job.index]++
        const local = job.target.network === null ? undefined : options.bind?.get(job.target.network)
        new Attempt(job.port, timeoutMs, local, servantFor(job.target, job.portIndex), sink, job, job.target.host)
      }
      // Nothing left to launch for now: reset the held sockets while the rest wait for their answers.
      drainHeld()
      // Free the consumed part of the queue now and then (10k targets × retries stay small anyway).
      if (head > 4096 && head * 2 > queue.length) {
        queue.splice(0, head)
        head = 0
      }
    }

    const settle = (job: Job, o: AttemptOutcome): void => {
      const i = job.index
      if (results[i] !== undefined) return
      if ((o.status === 'timeout' || o.status === 'unreachable') && job.tries < retries) {
        queue.push({...job, tries: job.tries + 1})
        return
      }
      const outcomes = pending[i]
      if (outcomes === undefined) {
        decide(i, o) // a single port
        return
      }
      outcomes[job.slot] = o
      // The first port in order that answers wins, once every port before it has failed: the cell is
      // the same whichever socket happens to finish first.
      for (const x of outcomes) {
        if (x === undefined) return
        if (x.status === 'up') {
          decide(i, x)
          return
        }
      }
      decide(i, outcomes[0]!) // every port failed: report the first
    }

    options.signal?.addEventListener('abort', onAbort)
    if (options.signal?.aborted) {
      fillAborted()
      return
    }
    launch()
  })
}
