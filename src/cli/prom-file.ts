/**
 * The one --prom-file writer: a command's result as Prometheus metrics in a file, for node_exporter's
 * textfile collector, written atomically (a reader never sees half a file). The directory is checked
 * before any work; a command that could not run still writes its failure (tarsnet_probe_success 0).
 */
import {Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {checkWritableDirectory, writeFileAtomic} from '../platform/atomic-file.js'

const FLAG = '--prom-file'

/** --prom-file FILE; `what` names the measurement in the help ("the probe", "the mesh"). */
export const promFileFlag = (what: string) => Flags.string({summary: `Also write the results as Prometheus metrics to FILE, atomically (for node_exporter's textfile collector); written with tarsnet_probe_success 0 when ${what} cannot run.`, helpValue: 'FILE'})

/** What was measured, or why nothing could be. */
export type PromOutcome<T> = {result: T} | {error: unknown}

/** The metrics text of an outcome measured from `startedAtMs` until now (the exporter's format). */
export type PromRender<T> = (outcome: PromOutcome<T>, startedAtMs: number) => Promise<string>

export class PromFile<T> {
  private readonly startedAtMs: number
  private written = false

  /** Checks that `file` can be written (one clear error, before any work); the measurement starts now. */
  constructor(readonly file: string, private readonly render: PromRender<T>, private readonly say: (message: string) => void = () => {}) {
    checkWritableDirectory(file, FLAG)
    this.startedAtMs = Date.now()
  }

  /** Writes the outcome's metrics (once: a failure after this keeps the file as written). */
  async write(outcome: PromOutcome<T>): Promise<void> {
    const text = await this.render(outcome, this.startedAtMs)
    this.written = true
    writeFileAtomic(this.file, text, FLAG)
    this.say(`metrics written to ${this.file}`)
  }

  /**
   * The command failed: the file says so, unless the file itself was the failure or was already written.
   * A failure to write it is reported through `onError`, and the command fails as it would have anyway.
   */
  async writeFailure(error: unknown, onError: (message: string) => void): Promise<void> {
    if (this.written || (error instanceof UserError && error.code === 'prom_file_unwritable')) return
    await this.write({error}).catch((failed: unknown) => onError((failed as Error).message))
  }
}
