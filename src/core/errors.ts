import {clip} from './text.js'

/**
 * An error meant for the operator: its message is one line saying what is wrong and what to do.
 * The base command prints it without a stack trace (unless --debug) and exits with `exitCode`.
 */
export class UserError extends Error {
  readonly exitCode: number
  /** A short machine-readable code for JSON output, e.g. "db_unreachable". */
  readonly code: string

  constructor(message: string, options: {code?: string; exitCode?: number; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'UserError'
    this.code = options.code ?? 'error'
    this.exitCode = options.exitCode ?? 1
  }
}

/**
 * The operator's one line for a bad profile value, as every profile check words it:
 * `profile "plant" in FILE: probe.timeoutMs is "1000" (a string): expected …`. Also for checks that can
 * only run later (a probe.bind address this machine does not have, a network that does not exist).
 */
export function badProfileValue(where: string, key: string, value: unknown, expected: string, code = 'invalid_config'): UserError {
  return new UserError(`${where}: ${key} is ${describeValue(value)}: expected ${expected}`, {code})
}

/** A value found in a config file, for a message: `"1000" (a string)`, `[1,2] (a list)`, `missing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing'
  let shown: string
  try {
    shown = JSON.stringify(value) ?? String(value)
  } catch {
    shown = String(value)
  }
  shown = clip(shown, 60)
  if (typeof value === 'string') return `${shown} (a string)`
  if (Array.isArray(value)) return `${shown} (a list)`
  if (value === null) return 'null'
  if (typeof value === 'object') return `${shown} (an object)`
  return shown
}
