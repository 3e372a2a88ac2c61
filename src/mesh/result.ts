/**
 * What a mesh round means for `tarsnet mesh`: whether anything was measured at all (else exit 3 with
 * why), what the operator should know about the waits, and the result as JSON holds it.
 */
import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import type {MeshRoundResult, MeshRunOptions} from './run.js'

/** Nothing measured at all (no node answered over SSH, or none could probe): the error saying why; else null. */
export function notMeasured(result: MeshRoundResult): UserError | null {
  if (result.measured) return null
  const failed = result.sources.filter((s) => s.status === 'unreachable' || s.status === 'error')
  const sample = failed.slice(0, 3).map((s) => `${s.node}: ${s.error}`).join('; ')
  return new UserError(
    `could not run: no node ${failed.some((s) => s.status === 'unreachable') ? 'answered over SSH' : 'could probe'} (${sample}${failed.length > 3 ? '; …' : ''}): check --ssh-config, --ssh-user and that you can \`ssh\` to a node`,
    {code: 'no_node_reached', exitCode: EXIT.unknown},
  )
}

/** With --timeout auto, the nodes that probed with nc (whole seconds: a fixed wait), as a notice; else null. */
export function fixedWaitNotice(result: MeshRoundResult, timeoutMs: number): string | null {
  const fixedNc = result.sources.filter((s) => s.waits?.some((w) => !w.adaptive)).map((s) => s.node)
  if (fixedNc.length === 0) return null
  return `--timeout auto: ${fixedNc.join(', ')} probe${fixedNc.length === 1 ? 's' : ''} with nc, whose -w counts whole seconds: ${timeoutMs} ms fixed there`
}

/** The round as JSON holds it, with how it was measured (the timeout, or with auto its ceiling). */
export function meshJson(result: MeshRoundResult, options: MeshRunOptions) {
  const {measured: _measured, raft, ...rest} = result
  return {
    ...rest, ...(raft ? {raft} : {}), timeoutMs: options.adaptive ? options.adaptive.maxMs : options.timeoutMs,
    timeoutMode: options.adaptive ? 'auto' as const : 'fixed' as const, samples: options.samples ?? 1, retries: options.retries, fanout: options.ssh.fanout,
  }
}
