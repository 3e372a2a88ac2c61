/**
 * The QueryF client: asks registry addresses questions over TARS (src/tars/queryf.ts). One connection
 * per address; the questions are pipelined on it, told apart by iRequestId, a window of them in flight
 * at once; each question is bounded by the timeout from the moment it is sent. Every address is asked at
 * the same time. Outcomes use probe's words: ok, timeout, refused, unreachable, error.
 */
import net from 'node:net'
import {performance} from 'node:perf_hooks'

import type {RegistryError, RegistryStatus} from '../core/registry-compare.js'
import {classifyError} from '../probe/engine.js'
import {TarsDecodeError} from '../tars/codec.js'
import {decodeResponseBody, describeTarsRet, MAX_FRAME} from '../tars/ping.js'
import {decodeQueryAnswer, encodeQueryArgs, encodeQueryFrame, type QueryAnswer, type QueryArgs, type QueryFunction} from '../tars/queryf.js'

export interface Question {
  fn: QueryFunction
  args: QueryArgs
}

export interface QuestionOutcome {
  status: RegistryStatus
  error: RegistryError | null
  answer: QueryAnswer | null
  /** From sending the question to its answer, ms. */
  latencyMs: number | null
}

export interface AddressOutcome {
  host: string
  port: number
  /** ok when at least one question was answered; else why not (the connect's failure, or the first question's). */
  status: RegistryStatus
  error: RegistryError | null
  /** The round trip of the first answer, ms. */
  latencyMs: number | null
  /** This machine's address on the connection (what the registry sees as the caller). */
  clientIp: string | null
  /** One per question, in the order asked. */
  outcomes: QuestionOutcome[]
}

export interface AskOptions {
  timeoutMs: number
  /** The request context of every question (e.g. {node_name}: the caller the registry groups by). */
  context?: Record<string, string>
  /** Questions in flight at once on one connection. */
  window?: number
  /**
   * Called once per question as it settles, with this machine's address on that connection: the caller
   * can compare each answer while the others are still on their way.
   */
  onSettled?: (question: number, outcome: QuestionOutcome, clientIp: string | null) => void
}

/** For askRegistries: the same, with the index of the address. */
export type RegistriesSettled = (address: number, question: number, outcome: QuestionOutcome, clientIp: string | null) => void

export const DEFAULT_WINDOW = 100

interface InFlight {
  index: number
  sentAt: number
  deadline: number
}

/** One connection to one address, from connect to the last answer. */
class Conversation {
  private socket: net.Socket | null = null
  private connected = false
  private clientIp: string | null = null
  private readonly outcomes: Array<QuestionOutcome | undefined>
  private settled = 0
  private nextToSend = 0
  private nextRequestId = 1
  private readonly inFlight = new Map<number, InFlight>()
  /** Request ids in the order sent: their deadlines come in the same order, so one timer serves them all. */
  private fifo: number[] = []
  private fifoHead = 0
  private timer: NodeJS.Timeout | undefined
  private connectTimer: NodeJS.Timeout | undefined
  private lastReceivedAt = 0
  private firstLatency: number | null = null
  private rx: Buffer[] = []
  private rxLength = 0
  private done = false
  private resolve!: (o: AddressOutcome) => void

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly servant: string,
    private readonly questions: readonly Question[],
    private readonly options: Required<Pick<AskOptions, 'timeoutMs' | 'window'>> & Pick<AskOptions, 'onSettled' | 'context'>,
    /** Each question's parameters, encoded once for every address. */
    private readonly encoded: readonly Buffer[],
  ) {
    this.outcomes = new Array(questions.length)
  }

  run(): Promise<AddressOutcome> {
    return new Promise((resolve) => {
      this.resolve = resolve
      if (this.questions.length === 0) {
        this.finish()
        return
      }
      const socket = net.connect({host: this.host, port: this.port, noDelay: true})
      this.socket = socket
      this.connectTimer = setTimeout(() => {
        this.failAll('timeout', {code: 'ETIMEDOUT', message: `no answer within ${this.options.timeoutMs} ms`})
      }, this.options.timeoutMs)
      socket.on('connect', () => this.onConnect())
      socket.on('data', (chunk: Buffer) => this.onData(chunk))
      socket.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? 'EUNKNOWN'
        // After a connect, a failure is the service's, not the link's (as probe says it).
        const status = classifyError(code)
        this.failAll(this.connected ? 'error' : status, {code, message: err.message})
      })
      socket.on('close', () => this.failAll('error', {code: 'ETARSCLOSED', message: 'the registry closed the connection before answering'}))
    })
  }

  private onConnect(): void {
    if (this.done) return
    clearTimeout(this.connectTimer)
    this.connected = true
    this.clientIp = this.socket!.localAddress ?? null
    this.lastReceivedAt = performance.now()
    this.pump()
  }

  /** Sends questions until the window is full, in one write. */
  private pump(): void {
    if (this.done || !this.connected) return
    const frames: Buffer[] = []
    const now = performance.now()
    while (this.inFlight.size < this.options.window && this.nextToSend < this.questions.length) {
      const index = this.nextToSend++
      const q = this.questions[index]
      const id = this.nextRequestId++
      if (this.nextRequestId > 0x7fffffff) this.nextRequestId = 1
      frames.push(encodeQueryFrame(this.servant, q.fn, this.encoded[index], id, this.options.timeoutMs, this.options.context))
      this.inFlight.set(id, {index, sentAt: now, deadline: now + this.options.timeoutMs})
      this.fifo.push(id)
    }
    if (frames.length === 0) return
    this.socket!.write(frames.length === 1 ? frames[0] : Buffer.concat(frames))
    if (this.timer === undefined) this.arm()
  }

  private arm(): void {
    while (this.fifoHead < this.fifo.length && !this.inFlight.has(this.fifo[this.fifoHead])) this.fifoHead++
    if (this.fifoHead > 1024 && this.fifoHead * 2 > this.fifo.length) {
      this.fifo = this.fifo.slice(this.fifoHead)
      this.fifoHead = 0
    }
    if (this.fifoHead >= this.fifo.length) return
    const head = this.inFlight.get(this.fifo[this.fifoHead])!
    this.timer = setTimeout(() => {
      // Timers run before I/O in a loop turn: let this turn's answers in first, then expire only
      // what was already late when the timer fired.
      const cutoff = performance.now()
      setImmediate(() => this.expire(cutoff))
    }, Math.max(1, Math.ceil(head.deadline - performance.now())))
  }

  private expire(cutoff: number): void {
    this.timer = undefined
    if (this.done) return
    const late: number[] = []
    for (let i = this.fifoHead; i < this.fifo.length; i++) {
      const id = this.fifo[i]
      const q = this.inFlight.get(id)
      if (q === undefined) continue
      if (q.deadline > cutoff) break
      late.push(id)
    }
    const error = {code: 'ETARSNOREPLY', message: `connected, but no answer within ${this.options.timeoutMs} ms`}
    if (late.length > 0 && cutoff - this.lastReceivedAt >= this.options.timeoutMs) {
      // Nothing at all came back for a whole timeout: the registry has stalled, and the questions
      // still to send would only wait out the same timeout one window after another.
      this.failAll('error', error)
      return
    }
    for (const id of late) {
      const q = this.inFlight.get(id)!
      this.inFlight.delete(id)
      this.settle(q.index, {status: 'error', error, answer: null, latencyMs: null})
    }
    if (this.done) return
    this.pump()
    if (this.timer === undefined) this.arm()
  }

  private onData(chunk: Buffer): void {
    if (this.done) return
    this.lastReceivedAt = performance.now()
    this.rx.push(chunk)
    this.rxLength += chunk.length
    while (this.rxLength >= 4) {
      if (this.rx[0].length < 4) this.rx = [Buffer.concat(this.rx)]
      const length = this.rx[0].readUInt32BE(0)
      if (length < 4 || length > MAX_FRAME) {
        this.failAll('error', {code: 'ETARSDECODE', message: `not a Tars answer: frame length ${length} is not a Tars frame`})
        return
      }
      if (this.rxLength < length) break
      const frame = this.take(length)
      this.onFrame(frame.subarray(4))
      if (this.done) return
    }
    this.pump()
  }

  /** The first `n` received bytes, as one buffer (a copy only when they span chunks). */
  private take(n: number): Buffer {
    let out: Buffer
    if (this.rx[0].length >= n) {
      out = this.rx[0].subarray(0, n)
      if (this.rx[0].length === n) this.rx.shift()
      else this.rx[0] = this.rx[0].subarray(n)
    } else {
      const all = Buffer.concat(this.rx, this.rxLength)
      out = all.subarray(0, n)
      this.rx = all.length > n ? [all.subarray(n)] : []
    }
    this.rxLength -= n
    return out
  }

  private onFrame(body: Buffer): void {
    let reply
    try {
      reply = decodeResponseBody(body)
    } catch (error) {
      // Without its request id, nothing on this connection can be trusted to match its question.
      const message = error instanceof TarsDecodeError ? error.message : String(error)
      this.failAll('error', {code: 'ETARSDECODE', message: `not a Tars answer: ${message}`})
      return
    }
    const q = this.inFlight.get(reply.iRequestId)
    if (q === undefined) return // a late answer to a question already timed out
    this.inFlight.delete(reply.iRequestId)
    const latencyMs = Math.round((performance.now() - q.sentAt) * 1000) / 1000
    if (this.firstLatency === null) this.firstLatency = latencyMs
    if (reply.iRet !== 0) {
      const message = describeTarsRet(reply.iRet) + (reply.sResultDesc ? ` (${reply.sResultDesc})` : '')
      this.settle(q.index, {status: 'error', error: {code: `TARS${reply.iRet}`, message}, answer: null, latencyMs})
      return
    }
    const fn = this.questions[q.index].fn
    try {
      this.settle(q.index, {status: 'ok', error: null, answer: decodeQueryAnswer(fn, reply.sBuffer), latencyMs})
    } catch (error) {
      const message = error instanceof TarsDecodeError ? error.message : String(error)
      this.settle(q.index, {status: 'error', error: {code: 'ETARSDECODE', message: `not a ${fn} answer: ${message}`}, answer: null, latencyMs})
    }
  }

  private settle(index: number, outcome: QuestionOutcome): void {
    if (this.outcomes[index] !== undefined) return
    this.outcomes[index] = outcome
    this.settled++
    this.options.onSettled?.(index, outcome, this.clientIp)
    if (this.settled === this.questions.length) this.finish()
  }

  /** Every question not yet settled gets this outcome (a failed connect, a broken stream, a stall). */
  private failAll(status: RegistryStatus, error: RegistryError): void {
    if (this.done) return
    for (let i = 0; i < this.questions.length; i++) {
      if (this.outcomes[i] === undefined) this.settle(i, {status, error, answer: null, latencyMs: null})
    }
  }

  private finish(): void {
    if (this.done) return
    this.done = true
    clearTimeout(this.connectTimer)
    clearTimeout(this.timer)
    this.socket?.destroy()
    const outcomes = this.outcomes as QuestionOutcome[]
    const answered = outcomes.find((o) => o.status === 'ok')
    const failed = outcomes[0]
    this.resolve({
      host: this.host,
      port: this.port,
      status: answered || !failed ? 'ok' : failed.status,
      error: answered || !failed ? null : failed.error,
      latencyMs: this.firstLatency,
      clientIp: this.clientIp,
      outcomes,
    })
  }
}

function encodeAll(questions: readonly Question[]): Buffer[] {
  return questions.map((q) => encodeQueryArgs(q.fn, q.args))
}

function conversation(host: string, port: number, servant: string, questions: readonly Question[], options: AskOptions, encoded: readonly Buffer[]): Conversation {
  return new Conversation(host, port, servant, questions, {timeoutMs: options.timeoutMs, window: Math.max(1, options.window ?? DEFAULT_WINDOW), onSettled: options.onSettled, context: options.context}, encoded)
}

/** Asks one address every question, on one connection. Never rejects. */
export function askAddress(host: string, port: number, servant: string, questions: readonly Question[], options: AskOptions): Promise<AddressOutcome> {
  return conversation(host, port, servant, questions, options, encodeAll(questions)).run()
}

/** Asks every address every question, all addresses at once. */
export function askRegistries(
  addresses: ReadonlyArray<{host: string; port: number}>,
  servant: string,
  questions: readonly Question[],
  options: Omit<AskOptions, 'onSettled'> & {onSettled?: RegistriesSettled},
): Promise<AddressOutcome[]> {
  const encoded = encodeAll(questions)
  return Promise.all(addresses.map((a, i) => {
    const onSettled = options.onSettled
    return conversation(a.host, a.port, servant, questions, {...options, onSettled: onSettled ? (q, o, ip) => onSettled(i, q, o, ip) : undefined}, encoded).run()
  }))
}
