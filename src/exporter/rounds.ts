/**
 * The main thread's side of the round worker (worker.ts): start it, ask for one round at a time (so two
 * rounds never run at once), receive the round and its rendered metrics, stop it.
 */
import type {Worker} from 'node:worker_threads'

import {startProgramWorker} from '../platform/runtime.js'

import type {Round} from './round.js'
import type {FromWorker, WorkerConfig} from './worker.js'

export class RoundWorker {
  private readonly worker: Worker
  private readonly replies: FromWorker[] = []
  private waiting: {resolve: (m: FromWorker) => void; reject: (e: Error) => void} | null = null
  private failure: Error | null = null
  private readonly exited: Promise<void>

  constructor(config: WorkerConfig, private readonly onNote: (message: string) => void) {
    this.worker = startProgramWorker('exporter-rounds', config)
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'note') {
        this.onNote(message.message)
        return
      }
      if (this.waiting) {
        const w = this.waiting
        this.waiting = null
        w.resolve(message)
      } else this.replies.push(message)
    })
    this.worker.on('error', (error) => this.fail(error))
    this.exited = new Promise((resolve) => this.worker.once('exit', (code) => {
      this.fail(new Error(`the round worker stopped (exit ${code})`))
      resolve()
    }))
  }

  private fail(error: Error): void {
    this.failure ??= error
    const w = this.waiting
    this.waiting = null
    w?.reject(this.failure)
  }

  private next(): Promise<FromWorker> {
    const queued = this.replies.shift()
    if (queued) return Promise.resolve(queued)
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.waiting = {resolve, reject}
    })
  }

  /** Waits until the worker is ready; returns the metrics to serve before the first round. */
  async ready(): Promise<{text: string; contentType: string}> {
    const m = await this.next()
    if (m.type !== 'ready') throw new Error(`round worker: expected ready, got ${m.type}`)
    return {text: m.text, contentType: m.contentType}
  }

  /** Runs one round in the worker. */
  async round(): Promise<{round: Round; text: string}> {
    this.worker.postMessage({type: 'round'})
    const m = await this.next()
    if (m.type !== 'round') throw new Error(`round worker: expected a round, got ${m.type}`)
    return {round: m.round, text: m.text}
  }

  /** Stops the worker: its round in flight is dropped; waits for it to end (ended by force after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.failure) this.worker.postMessage({type: 'stop'})
    const timer = setTimeout(() => void this.worker.terminate(), graceMs)
    await this.exited
    clearTimeout(timer)
  }
}
