/**
 * `tarsnet exporter`: starts the round worker and the HTTP server, runs a round every interval until
 * SIGINT or SIGTERM, serves each finished round's metrics, and logs one line per event on stderr.
 */
import {DEFAULT_LISTEN, parseListenAddress, type ListenAddress} from '../core/listen.js'
import {UserError} from '../core/errors.js'
import {forTerminal} from '../platform/paint.js'
import {meshTiming} from '../mesh/run.js'
import type {MeshRequest} from '../mesh/request.js'
import {roundLogJson, roundLogLine, type Round} from './round.js'
import {RoundWorker} from './rounds.js'
import {MetricsServer, type Health} from './server.js'
import type {WorkerConfig} from './worker.js'

export const DEFAULT_INTERVAL_SECONDS = 30
/** Samples per link each round: a 20 % resolution per round, 100 samples per link in 10 minutes at 30 s. */
export const DEFAULT_EXPORTER_SAMPLES = 5
/** How long a stopping exporter waits for its round worker: the mesh's SSH connections are closed in it (at most 5 s). */
const STOP_GRACE_MS = 10_000

export interface ExporterOptions {
  listen: ListenAddress
  intervalSeconds: number
  /** The object whose endpoints are probed; undefined: the node matrix. */
  object?: string
  /** What every round does, handed to the round worker. */
  rounds: WorkerConfig
}

export interface ExporterResult {
  listen: string
  intervalSeconds: number
  rounds: number
  /** The last round, as in its log line; null when none finished. */
  lastRound: Record<string, unknown> | null
}

/** One log line on stderr: `text` for a person, or `json` as one JSON object per line. */
export type ExporterLog = (text: string, json: Record<string, unknown>) => void

export interface ExporterIO {
  /** Runs `handler` on SIGINT and SIGTERM until the returned function is called. */
  onInterrupt(handler: () => void): () => void
  log: ExporterLog
  /** A note from the round worker. */
  notice(message: string): void
}

/** The exporter's log: a line of text for people (control characters escaped), or JSON lines with --json. */
export function exporterLog(err: {write(text: string): unknown}, json: boolean): ExporterLog {
  return (text, fields) => {
    err.write(json ? `${JSON.stringify({time: new Date().toISOString(), ...fields})}\n` : `${forTerminal(text, false)}\n`)
  }
}

/** --listen, else the profile's exporter.listen, else the default; a bad value is one clear error. */
export function listenAddressOf(flag: string | undefined, profile: string | undefined, profileName: string): ListenAddress {
  const [text, origin] = flag !== undefined ? [flag, '--listen'] : profile !== undefined ? [profile, `profile ${profileName}: exporter.listen`] : [DEFAULT_LISTEN, 'default']
  const parsed = parseListenAddress(text)
  if (typeof parsed === 'string') {
    throw new UserError(`invalid ${origin} '${text}': ${parsed}; write HOST:PORT, e.g. --listen 127.0.0.1:9731`, {code: 'invalid_listen'})
  }
  return parsed
}

/** The mesh each round runs with --mesh: the probe's timeout, samples and retries, over the operator's SSH. */
export function meshRounds(
  request: MeshRequest, ssh: NonNullable<WorkerConfig['mesh']>['ssh'], timing: {timeoutMs: number; adaptive?: unknown; samples: number; retries: number}, intervalSeconds: number,
): WorkerConfig['mesh'] {
  return {request, ssh, ...meshTiming({timeoutMs: timing.timeoutMs, auto: timing.adaptive !== undefined}, timing.samples), retries: timing.retries, intervalSeconds}
}

export async function runExporter(options: ExporterOptions, io: ExporterIO): Promise<ExporterResult> {
  const {intervalSeconds, object} = options
  const {timing} = options.rounds
  const worker = new RoundWorker(options.rounds, (message) => io.notice(message))

  const startedAt = Date.now()
  let last: Round | null = null
  let lastSuccessAt: number | null = null
  // Healthy while rounds keep ending: a round should end every interval plus its own duration.
  const staleAfterSeconds = Math.max(3 * intervalSeconds, intervalSeconds + 60)
  const health = (): Health => {
    const lastEnd = last ? last.endedAtMs : startedAt
    const quietSeconds = (Date.now() - lastEnd) / 1000
    return {
      healthy: quietSeconds < staleAfterSeconds,
      detail: {
        rounds: last?.number ?? 0,
        lastRoundAt: last ? new Date(last.endedAtMs).toISOString() : null,
        lastRoundSuccess: last?.success ?? null,
        lastSuccessAt: lastSuccessAt === null ? null : new Date(lastSuccessAt).toISOString(),
        intervalSeconds,
        ...(quietSeconds >= staleAfterSeconds ? {problem: `no round has ended for ${Math.round(quietSeconds)} s`} : {}),
      },
    }
  }
  const server = new MetricsServer({health})
  let bound: Awaited<ReturnType<MetricsServer['listen']>>
  try {
    bound = await server.listen(options.listen)
    server.publish(await worker.ready())
  } catch (error) {
    await Promise.all([server.close(), worker.stop(STOP_GRACE_MS)])
    throw error
  }

  const stop = new AbortController()
  const stopListening = io.onInterrupt(() => stop.abort())
  const mesh = Boolean(options.rounds.mesh)
  io.log(
    `${new Date().toISOString()} serving ${bound.url}, probing every ${intervalSeconds} s${object ? ` the endpoints of ${object}` : ''}${mesh ? ', with the mesh over SSH' : ''}`,
    {event: 'start', url: bound.url, host: bound.host, port: bound.port, intervalSeconds, object: object ?? null, timeoutMs: timing.timeoutMs, timeoutMode: timing.adaptive ? 'auto' : 'fixed', samples: timing.samples, retries: timing.retries, mesh},
  )
  try {
    while (!stop.signal.aborted) {
      const roundStart = Date.now()
      const done = await untilAborted(worker.round(), stop.signal)
      if (done === null) break // an interrupted round is not served
      const {round, text} = done
      last = round
      if (round.success) lastSuccessAt = round.endedAtMs
      server.publish({text})
      io.log(roundLogLine(round), {event: 'round', ...roundLogJson(round)})
      await sleep(roundStart + intervalSeconds * 1000 - Date.now(), stop.signal)
    }
  } finally {
    stopListening()
    await Promise.all([server.close(), worker.stop(STOP_GRACE_MS)])
  }
  io.log(`${new Date().toISOString()} stopped after ${last?.number ?? 0} round(s)`, {event: 'stop', rounds: last?.number ?? 0})
  return {listen: bound.url, intervalSeconds, rounds: last?.number ?? 0, lastRound: last ? roundLogJson(last) : null}
}

/**
 * `work`'s result, or null as soon as `signal` aborts. Not Promise.race against one long-lived "stopped"
 * promise: every race would leave a reaction on it holding that round's result (its metrics text) for as
 * long as the exporter runs.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | null> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(null)
    signal.addEventListener('abort', onAbort, {once: true})
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** Waits `ms` (at most), or until `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
  })
}
