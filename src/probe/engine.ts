/**
 * The prober: TCP connects (and tars_ping) to many targets at once, each bounded by its own timer.
 * All attempts run concurrently up to `concurrency`, so a run takes about one timeout however many
 * targets there are. This is the only place that owns probe sockets.
 */
import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {performance} from 'node:perf_hooks'
import {sampledStatus, type LatencyStats, latencyStats} from '../core/link-samples.js'
import {RttEstimator} from '../core/rtt.js'
import {TarsDecodeError} from '../tars/codec.js'
import {decodeResponseBody, describeTarsRet, encodePingFrame, frameStatus} from '../tars/ping.js'

export type CheckKind = 'tcp' | 'tars'
/** `lossy`: with several samples, some connected and some did not (never for a single sample). */
export type ProbeStatus = 'up' | 'lossy' | 'refused' | 'timeout' | 'unreachable' | 'error'

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
  /** Connection attempts made for this target (ports × tries × samples). */
  attempts: number
  /**
   * With several samples only: how many were taken, how many did not connect, and the latency over those
   * that did (ms). A few numbers per link, never the samples themselves. latencyMs is then the p50.
   */
  sampled?: {samples: number; lost: number; latency: LatencyStats | null; latencies: Float32Array}
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
  /** Measurements per target (default 1), started `sampleSpacingMs` apart; each is one attempt (no retries). */
  samples?: number
  /** Time between the starts of a target's samples. Default SAMPLE_SPACING_MS. */
  sampleSpacingMs?: number
  /**
   * Adaptive timeouts instead of `timeoutMs`: per network, RFC 6298's SRTT + 4·RTTVAR over the round trips
   * answered in this run, between AUTO_FLOOR_MS and `maxMs`. A waiting attempt expires when the current
   * estimate says so: answers on its network that come meanwhile shorten its wait.
   */
  adaptive?: {maxMs: number; floorMs?: number}
}

/** Default time between the starts of one target's samples: 10 samples fit in about one second. */
export const SAMPLE_SPACING_MS = 100
export const MAX_SAMPLES = 100

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
export function classifyError(code: string | undefined): Exclude<ProbeStatus, 'up' | 'lossy'> {
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
    readonly queue: DeadlineQueue,
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
    if (this.deadline !== 0) this.queue.cancel()
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
      this.finish('error', null, null, {code: 'ETARSNOREPLY', message: `connected, but no tars_ping reply within ${this.queue.waitText()}`})
    } else {
      if (this.sourceIp === null && socket.localAddress) this.sourceIp = socket.localAddress
      this.finish('timeout', null, null, {code: 'ETIMEDOUT', message: `no answer within ${this.queue.waitText()}`})
    }
  }
}

function onConnectIssued(a: Attempt<unknown>): void {
  if (a.done) return
  a.started = performance.now()
  a.deadline = a.started + a.queue.limitMs()
  a.queue.push(a)
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
  // A refusal is a round trip too (SYN, RST): it teaches the network's RTT as an answer does.
  if (status === 'refused' && a.started > 0) a.queue.observe(performance.now() - a.started)
  const connected = this.readyState === 'open' || this.bytesWritten > 0
  // After a successful connect a failure is the service's, not the link's.
  a.finish(connected && status !== 'error' ? 'error' : status, null, null, {code, message: err.message})
}

function onSocketConnect(this: ProbeSocket): void {
  const a = this[kAttempt]
  if (!a || a.done) return
  if (this.localAddress) a.sourceIp = this.localAddress
  const connectMs = performance.now() - a.started
  a.queue.observe(connectMs)
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
 * The timeouts of every attempt with the same timeoutMs (or, adaptive, of one network): their deadlines
 * come in the order their connects were issued, so a FIFO and one timer for its head replace a timer per
 * attempt. Adaptive, the limit is the network's current RTT estimate, the same for every attempt waiting
 * in it at any moment: the order holds, and an answer that lowers it re-arms the timer earlier.
 */
class DeadlineQueue {
  constructor(private readonly fixedMs: number, private readonly rtt: RttEstimator | null = null) {}
  private items: Array<Attempt<unknown>> = []
  /** When the armed timer fires (performance.now() clock). */
  private armedFor = 0
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

  /** How long an attempt waits now, ms. */
  limitMs(): number {
    return this.rtt === null ? this.fixedMs : this.rtt.timeoutMs
  }

  /** "1000 ms", or for an adaptive wait "120 ms (adaptive)". */
  waitText(): string {
    return this.rtt === null ? `${this.fixedMs} ms` : `${Math.round(this.rtt.timeoutMs)} ms (adaptive)`
  }

  /** A round trip measured on this queue's network (adaptive only): a shorter limit re-arms the timer. */
  observe(rttMs: number): void {
    if (this.rtt === null) return
    this.rtt.observe(rttMs)
    if (this.timer === undefined || this.expiring || this.head >= this.items.length) return
    const next = this.items[this.head]
    if (next.started + this.rtt.timeoutMs < this.armedFor - 1) {
      clearTimeout(this.timer)
      this.arm()
    }
  }

  private arm(): void {
    const next = this.items[this.head]
    this.armedFor = next.started + this.limitMs()
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(this.armedFor - performance.now())))
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
        if (a.started + this.limitMs() > cutoff) break
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
  if (!q) queues.set(timeoutMs, (q = new DeadlineQueue(timeoutMs)))
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
  new Attempt(port, timeoutMs, deadlines(timeoutMs), localAddress, typeof servant === 'string' ? servant : null, callbackSink, resolve, target.host)
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
  /** Which of the target's samples this attempt belongs to (0 for a single sample). */
  sample: number
}

/**
 * Probes every target; results come back in target order. Targets whose every port failed report
 * the first port's outcome; a target with no ports is an error ("nothing to probe") without I/O.
 * With `samples` > 1 every target is measured that many times, `sampleSpacingMs` apart, every target's
 * sample k at about the same moment (all targets still in parallel); its result is the first connected
 * sample's outcome (status `lossy` when others did not connect, latencyMs their p50), or, when none
 * connected, the first sample's failure, as a single probe would have said.
 */
export async function probeTargets(targets: readonly ProbeTarget[], options: ProbeOptions = {}): Promise<ProbeResult[]> {
  const samples = Math.max(1, Math.min(MAX_SAMPLES, Math.floor(options.samples ?? 1)))
  const spacingMs = Math.max(0, options.sampleSpacingMs ?? SAMPLE_SPACING_MS)
  const timeoutMs = options.adaptive ? options.adaptive.maxMs : options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  // A retry would hide the very loss several samples measure: then each sample is one attempt.
  const retries = samples > 1 ? 0 : options.retries ?? DEFAULT_RETRIES
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency())
  const total = targets.length

  // Adaptive: one RTT estimate and deadline queue per network, for this run.
  const adaptiveQueues = new Map<string | null, DeadlineQueue>()
  const queueFor = (network: string | null): DeadlineQueue => {
    if (!options.adaptive) return deadlines(timeoutMs)
    let q = adaptiveQueues.get(network)
    if (!q) adaptiveQueues.set(network, (q = new DeadlineQueue(timeoutMs, new RttEstimator({ceilingMs: options.adaptive.maxMs, floorMs: options.adaptive.floorMs}))))
    return q
  }

  const results: Array<ProbeResult | undefined> = new Array(total)
  // Per target × sample (key index * samples + sample): outcome per port index, kept only until decided.
  const pending: Array<Array<AttemptOutcome | undefined> | undefined> = new Array(total * samples)
  /** Per target × sample: 1 once decided (another port already answered, or every port failed). */
  const sampleDone = new Uint8Array(total * samples)
  const attemptsMade = new Uint32Array(total)
  // Several samples: per target, what its samples said so far (a few numbers, and two outcomes).
  const left = samples > 1 ? new Uint16Array(total).fill(samples) : null
  const latencies = samples > 1 ? new Float64Array(total * samples).fill(Number.NaN) : null
  const firstUp: Array<AttemptOutcome | undefined> = samples > 1 ? new Array(total) : []
  const firstFail: Array<{sample: number; o: AttemptOutcome} | undefined> = samples > 1 ? new Array(total) : []
  let decided = 0

  const queue: Job[] = []
  for (let i = 0; i < total; i++) {
    const t = targets[i]
    if (t.ports.length === 0) {
      results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: 0, check: t.check, status: 'error', latencyMs: null, sourceIp: null, error: {code: 'ENOPORT', message: 'nothing to probe: no port'}, tarsRet: null, servantVerified: null, attempts: 0}
      sampleDone.fill(1, i * samples, (i + 1) * samples)
      decided++
    }
  }
  // Sample-major: every target's first sample, then every target's second… each sample waits for its start.
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < total; i++) {
      const t = targets[i]
      if (t.ports.length === 0) continue
      if (t.ports.length === 1) {
        // The common case: one port, decided by its own outcome (no per-port bookkeeping).
        queue.push({index: i, target: t, port: t.ports[0], slot: 0, portIndex: 0, tries: 0, sample: s})
        continue
      }
      const seen = new Set<number>()
      let slot = 0
      t.ports.forEach((port, portIndex) => {
        if (seen.has(port)) return
        seen.add(port)
        queue.push({index: i, target: t, port, slot: slot++, portIndex, tries: 0, sample: s})
      })
      pending[i * samples + s] = new Array(slot).fill(undefined) // not sparse: every() skips holes
    }
  }
  if (options.onProgress) options.onProgress(decided, total)
  if (queue.length === 0) return results as ProbeResult[]

  const resultOf = (i: number, r: AttemptOutcome, status: ProbeStatus, latencyMs: number | null): ProbeResult => {
    const t = targets[i]
    return {id: t.id, node: t.node, network: t.network, host: t.host, port: r.port, check: r.check, status, latencyMs: latencyMs === null ? null : Math.round(latencyMs * 1000) / 1000, sourceIp: r.sourceIp, error: status === 'lossy' ? null : r.error, tarsRet: r.tarsRet, servantVerified: r.servantVerified, attempts: attemptsMade[i]}
  }
  const decide = (i: number, r: AttemptOutcome): void => {
    results[i] = resultOf(i, r, r.status, r.latencyMs)
    decided++
    options.onProgress?.(decided, total)
  }
  /** One sample of target i decided: folded into the target's numbers; the last one decides the target. */
  const decideSample = (i: number, s: number, r: AttemptOutcome): void => {
    sampleDone[i * samples + s] = 1
    pending[i * samples + s] = undefined
    if (left === null) {
      decide(i, r)
      return
    }
    if (r.status === 'up') {
      latencies![i * samples + s] = r.latencyMs ?? Number.NaN
      firstUp[i] ??= r
    } else {
      const f = firstFail[i]
      if (f === undefined || s < f.sample) firstFail[i] = {sample: s, o: r}
    }
    if (--left[i] > 0) return
    const lat = latencies!.subarray(i * samples, (i + 1) * samples)
    let connected = 0
    for (const x of lat) if (!Number.isNaN(x)) connected++
    // A tars ping that answered without a measured time still connected.
    const up = firstUp[i]
    const lost = samples - (up === undefined ? 0 : Math.max(connected, 1))
    const latency = latencyStats(lat)
    const state = sampledStatus(samples, lost)
    const res = up !== undefined
      ? resultOf(i, up, state === 'lossy' ? 'lossy' : 'up', latency ? latency.p50 : up.latencyMs)
      : resultOf(i, firstFail[i]!.o, firstFail[i]!.o.status, null)
    res.sampled = {samples, lost, latency, latencies: Float32Array.from(lat.filter((x) => !Number.isNaN(x)))}
    results[i] = res
    firstUp[i] = undefined
    firstFail[i] = undefined
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
    const startedAt = performance.now()
    let sampleTimer: NodeJS.Timeout | undefined
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
      if (sampleTimer !== undefined) clearTimeout(sampleTimer)
      resetHeld(Number.MAX_SAFE_INTEGER)
      options.signal?.removeEventListener('abort', onAbort)
      Error.stackTraceLimit = stackLimit
      resolve(results as ProbeResult[])
    }

    const onAbort = (): void => {
      // Stop launching; the in-flight attempts end by their own timers.
      head = queue.length
      if (sampleTimer !== undefined) clearTimeout(sampleTimer)
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
        const next = queue[head]
        if (next.sample > 0) {
          // A later sample starts at its time, not as soon as there is room.
          const wait = startedAt + next.sample * spacingMs - performance.now()
          if (wait > 0) {
            if (sampleTimer === undefined) {
              sampleTimer = setTimeout(() => {
                sampleTimer = undefined
                launch()
                if (inFlight === 0 && head >= queue.length) complete()
              }, Math.ceil(wait))
            }
            break
          }
        }
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
        if (sampleDone[job.index * samples + job.sample] === 1) continue // another port already answered
        inFlight++
        attemptsMade[job.index]++
        const local = job.target.network === null ? undefined : options.bind?.get(job.target.network)
        new Attempt(job.port, timeoutMs, queueFor(job.target.network), local, servantFor(job.target, job.portIndex), sink, job, job.target.host)
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
      const k = i * samples + job.sample
      if (sampleDone[k] === 1) return
      if ((o.status === 'timeout' || o.status === 'unreachable') && job.tries < retries) {
        queue.push({...job, tries: job.tries + 1})
        return
      }
      const outcomes = pending[k]
      if (outcomes === undefined) {
        decideSample(i, job.sample, o) // a single port
        return
      }
      outcomes[job.slot] = o
      // The first port in order that answers wins, once every port before it has failed: the cell is
      // the same whichever socket happens to finish first.
      for (const x of outcomes) {
        if (x === undefined) return
        if (x.status === 'up') {
          decideSample(i, job.sample, x)
          return
        }
      }
      decideSample(i, job.sample, outcomes[0]!) // every port failed: report the first
    }

    options.signal?.addEventListener('abort', onAbort)
    if (options.signal?.aborted) {
      fillAborted()
      return
    }
    launch()
  })
}
