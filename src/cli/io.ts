/**
 * The one way a command meets the outside: where output goes, what the terminal is, the environment, and
 * the exit code (GitHub cli's iostreams). Commands and views are handed an IO; only this module (and the
 * start-up files) touch process.stdout, process.stderr and process.exitCode. A test builds a bufferIO()
 * and runs a command in-process against it.
 */
import {PassThrough, type Readable} from 'node:stream'

/** Somewhere text is written: a stream, or a buffer in a test. */
export interface Output {
  write(text: string): unknown
}

export interface IO {
  /** The command's output (stdout): tables, JSON. */
  readonly out: Output
  /** Notices, errors, progress (stderr). */
  readonly err: Output
  /** What the command reads, when it reads stdin (`nodes import -`). */
  readonly in: Readable
  /** The environment settings and decisions read (never process.env directly). */
  readonly env: NodeJS.ProcessEnv
  readonly stdinIsTTY: boolean
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  /** The terminal's width, when stdout is one. */
  readonly columns?: number
  /** Set by the command: how the process ends (undefined: 0). */
  exitCode: number | undefined
  /**
   * The real streams, for what must have them: an editor or a prompt drawing on the terminal, a child
   * with inherited stdio. Absent in a test.
   */
  readonly terminal?: {stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream}
  /** Runs `handler` on SIGINT and SIGTERM until the returned function is called (a test's IO never signals). */
  onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void
  /** Ends the process now with `code` (after a signal, once the cleanup is done); a test's IO records it. */
  exit(code: number): void
}

let processIo: IO | undefined

/** The process's own IO: stdout, stderr, stdin, process.env and process.exitCode. */
export function processIO(): IO {
  processIo ??= {
    out: process.stdout,
    err: process.stderr,
    get in() {
      return process.stdin
    },
    env: process.env,
    get stdinIsTTY() {
      return Boolean(process.stdin.isTTY)
    },
    get stdoutIsTTY() {
      return Boolean(process.stdout.isTTY)
    },
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY)
    },
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined
    },
    get exitCode() {
      const code = process.exitCode
      return code === undefined ? undefined : Number(code)
    },
    set exitCode(code: number | undefined) {
      process.exitCode = code
    },
    get terminal() {
      return {stdin: process.stdin, stdout: process.stdout, stderr: process.stderr}
    },
    onInterrupt(handler) {
      process.on('SIGINT', handler)
      process.on('SIGTERM', handler)
      return () => {
        process.off('SIGINT', handler)
        process.off('SIGTERM', handler)
      }
    },
    exit(code) {
      process.exit(code)
    },
  }
  return processIo
}

/** An IO whose output is kept in buffers: what a test runs a command against. */
export interface BufferIO extends IO {
  readonly stdout: string
  readonly stderr: string
  /** Raises SIGINT (or another signal) at the handlers onInterrupt registered. */
  interrupt(signal?: NodeJS.Signals): void
}

export function bufferIO(options: {env?: NodeJS.ProcessEnv; input?: string; stdoutIsTTY?: boolean; columns?: number} = {}): BufferIO {
  const out: string[] = []
  const err: string[] = []
  const input = new PassThrough()
  input.end(options.input ?? '')
  const handlers = new Set<(signal: NodeJS.Signals) => void>()
  return {
    out: {write: (text: string) => out.push(text)},
    err: {write: (text: string) => err.push(text)},
    in: input,
    env: options.env ?? {},
    stdinIsTTY: false,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    columns: options.columns,
    exitCode: undefined,
    get stdout() {
      return out.join('')
    },
    get stderr() {
      return err.join('')
    },
    onInterrupt(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    exit(code) {
      this.exitCode = code
    },
    interrupt(signal = 'SIGINT') {
      for (const handler of [...handlers]) handler(signal)
    },
  }
}
