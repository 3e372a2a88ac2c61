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
