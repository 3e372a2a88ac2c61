/**
 * The prober: TCP connects (and tars_ping) to many targets at once, each bounded by its own timer.
 * All attempts run concurrently up to `concurrency`, so a run takes about one timeout however many
 * targets there are. This is the only place that owns probe sockets.
 */
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {performance} from 'node:perf_hooks'
import {TarsDecodeError} from './tars-codec.js'
import {decodeResponseBody, describeTarsRet, encodePingFrame, frameStatus} from './tars-ping.js'

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

export interface ProbeResult {
  id: string | number
  node: string
  network: string | null
  host: string
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

interface AttemptOutcome {
  port: number
  check: CheckKind
  status: ProbeStatus
  latencyMs: number | null
  sourceIp: string | null
  error: ProbeError | null
  tarsRet: number | null
}

let nextRequestId = 1

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
  {
    let started = performance.now()
    let sourceIp: string | null = localAddress ?? null
    let done = false
    let rx: Buffer | null = null
    /** The iRequestId of the ping sent; the reply must carry it back (DESIGN §4). */
    let requestId = 0
    const isTars = typeof servant === 'string'

    const socket = net.connect(isTars ? {host: target.host, port, localAddress, noDelay: true} : {host: target.host, port, localAddress})

    const finish = (o: Omit<AttemptOutcome, 'port' | 'sourceIp' | 'check'>, reset = false): void => {
      if (done) return
      done = true
      if (timer) clearTimeout(timer)
      socket.removeAllListeners()
      socket.on('error', () => {}) // late errors from a torn-down socket are of no interest
      // RST for plain connects: no TIME_WAIT left behind, so --watch can run for hours.
      if (reset && !socket.destroyed && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
      else socket.destroy()
      resolve({...o, port, sourceIp, check: isTars ? 'tars' : 'tcp'})
    }
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? 'EUNKNOWN'
      const status = classifyError(code)
      const connected = socket.readyState === 'open' || socket.bytesWritten > 0
      // After a successful connect a failure is the service's, not the link's.
      finish({status: connected && status !== 'error' ? 'error' : status, latencyMs: null, tarsRet: null, error: {code, message: err.message}})
    })

    const expire = (): void => {
      if (done) return
      if (isTars && socket.readyState === 'open') {
        finish({status: 'error', latencyMs: null, tarsRet: null, error: {code: 'ETARSNOREPLY', message: `connected, but no tars_ping reply within ${timeoutMs} ms`}})
      } else {
        if (sourceIp === null && socket.localAddress) sourceIp = socket.localAddress
        finish({status: 'timeout', latencyMs: null, tarsRet: null, error: {code: 'ETIMEDOUT', message: `no answer within ${timeoutMs} ms`}})
      }
    }
    // net issues connect() on the next tick: the clock starts then, so every probe gets its full
    // timeout however long it took to start thousands of them. Timers run before I/O in each loop turn:
    // when the loop is late, a connect that completed in time would be read after its timer fired, so
    // the verdict waits for that turn's I/O (setImmediate).
    let timer: NodeJS.Timeout | undefined
    process.nextTick(() => {
      if (done) return
      started = performance.now()
      timer = setTimeout(() => setImmediate(expire), timeoutMs)
      // The kernel has bound the source address: read it before a refusal tears the handle down.
      if (sourceIp === null && socket.localAddress) sourceIp = socket.localAddress
    })

    socket.once('connect', () => {
      if (socket.localAddress) sourceIp = socket.localAddress
      const connectMs = performance.now() - started
      if (!isTars) {
        finish({status: 'up', latencyMs: connectMs, tarsRet: null, error: null}, true)
        return
      }
      requestId = nextRequestId++
      if (nextRequestId > 0x7fffffff) nextRequestId = 1
      socket.write(encodePingFrame(servant as string, requestId, timeoutMs))
    })

    if (!isTars) return
    // Only a tars_ping reads: a plain connect never starts reading (no read syscalls for 10,000 sockets).
    socket.on('data', (chunk: Buffer) => {
      rx = rx === null ? chunk : Buffer.concat([rx, chunk])
      try {
        const st = frameStatus(rx)
        if (!st.complete) return
        const reply = decodeResponseBody(rx.subarray(4, st.length))
        const latencyMs = performance.now() - started
        if (reply.iRequestId !== requestId) {
          // Not the answer to our ping: whatever iRet it carries says nothing about this servant.
          finish({status: 'error', latencyMs: null, tarsRet: null, error: {code: 'ETARSREQID', message: `a Tars reply for request ${reply.iRequestId}, not for the ping sent (request ${requestId})`}})
          return
        }
        if (reply.iRet === 0) finish({status: 'up', latencyMs, tarsRet: 0, error: null})
        else {
          const desc = describeTarsRet(reply.iRet) + (reply.sResultDesc ? ` (${reply.sResultDesc})` : '')
          finish({status: 'error', latencyMs, tarsRet: reply.iRet, error: {code: `TARS${reply.iRet}`, message: desc}})
        }
      } catch (error) {
        const message = error instanceof TarsDecodeError ? error.message : String(error)
        finish({status: 'error', latencyMs: null, tarsRet: null, error: {code: 'ETARSDECODE', message: `not a Tars reply: ${message}`}})
      }
    })

    socket.once('end', () => {
      finish({status: 'error', latencyMs: null, tarsRet: null, error: {code: 'ETARSCLOSED', message: 'connected, but the peer closed without a tars_ping reply'}})
    })

  }
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
      results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: 0, check: t.check, status: 'error', latencyMs: null, sourceIp: null, error: {code: 'ENOPORT', message: 'nothing to probe: no port'}, tarsRet: null, attempts: 0}
      decided++
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
    results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: r.port, check: r.check, status: r.status, latencyMs: r.latencyMs === null ? null : Math.round(r.latencyMs * 1000) / 1000, sourceIp: r.sourceIp, error: r.error, tarsRet: r.tarsRet, attempts: attemptsMade[i]}
    pending[i] = undefined
    decided++
    options.onProgress?.(decided, total)
  }

  // Refused connects create thousands of Error objects: their stack traces are never shown.
  const stackLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  return new Promise<ProbeResult[]>((resolve) => {
    let head = 0
    let inFlight = 0
    let finished = false

    const complete = (): void => {
      if (finished) return
      finished = true
      options.signal?.removeEventListener('abort', onAbort)
      Error.stackTraceLimit = stackLimit
      resolve(results as ProbeResult[])
    }

    const onAbort = (): void => {
      // Stop launching; the in-flight attempts end by their own timers.
      head = queue.length
      if (inFlight === 0) fillAborted()
    }

    const fillAborted = (): void => {
      for (let i = 0; i < total; i++) {
        if (results[i] === undefined) {
          const t = targets[i]
          results[i] = {id: t.id, node: t.node, network: t.network, host: t.host, port: t.ports[0], check: t.check, status: 'error', latencyMs: null, sourceIp: null, error: {code: 'EABORTED', message: 'probe interrupted'}, tarsRet: null, attempts: attemptsMade[i]}
        }
      }
      complete()
    }

    let scheduled = false
    const launch = (): void => {
      // At most LAUNCH_BATCH new sockets per loop turn, so answers are read while thousands start.
      let budget = LAUNCH_BATCH
      while (inFlight < concurrency && head < queue.length) {
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
        attemptCb(job.target, job.port, timeoutMs, local, servantFor(job.target, job.portIndex), (o) => {
          inFlight--
          settle(job, o)
          if (options.signal?.aborted) {
            if (inFlight === 0) fillAborted()
            return
          }
          launch()
          if (inFlight === 0 && head >= queue.length) complete()
        })
      }
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
      const outcomes = pending[i]!
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
