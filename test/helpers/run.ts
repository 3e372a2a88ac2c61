/**
 * Runs a tarsnet command in this process against a buffer IO (src/cli/io.ts): the same argv, environment
 * and result shape as runCli (helpers/cli.ts), without starting Node. What only a process shows (start-up,
 * --help and --version, signals to a real process, terminals, the bundle) stays with runCli.
 *
 * runCommand waits for the command to end; startCommand hands back the running command, for what runs
 * until stopped (probe --watch, mesh --watch, the exporter): read its output as it comes, then interrupt()
 * it as Ctrl-C (or SIGTERM) would.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Config} from '@oclif/core'

import {bufferIO, type BufferIO} from '../../src/cli/io.js'
import type {BaseCommand} from '../../src/cli/base-command.js'
import {commands, loadCommand} from '../../src/commands.js'
import {runtime} from '../../src/platform/runtime.js'
import {cliEnv, cliResult, ROOT, type CliOptions, type CliResult} from './cli.js'

let config: Promise<Config> | undefined

// A worker thread (the exporter's rounds) runs the built program, as in an installed tarsnet: the entry
// (src/main.ts) hands it over at start-up, which an in-process run skips.
const PROGRAM = join(ROOT, 'dist', 'tarsnet.cjs')
runtime.program ??= {source: () => readFileSync(PROGRAM, 'latin1'), filename: PROGRAM}

/** The command id argv names (`nodes list …` → nodes:list) and the rest of argv. */
function commandOf(args: string[]): {id: string; argv: string[]} {
  for (let n = Math.min(args.length, 3); n > 0; n--) {
    const id = args.slice(0, n).join(':')
    if (Object.hasOwn(commands, id)) return {id, argv: args.slice(n)}
  }
  throw new Error(`runCommand: no command in ${JSON.stringify(args)} (help, --version and unknown commands need runCli)`)
}

/** A command running in this process: its output so far, a way to stop it, and its result. */
export interface RunningCommand {
  readonly io: BufferIO
  readonly stdout: string
  readonly stderr: string
  /** The command has returned (or thrown). */
  readonly ended: boolean
  /**
   * Waits until stdout (or stderr, or both) matches `pattern`; fails with the output so far when the
   * command ends first, or after `timeoutMs` (30 s).
   */
  untilOutput(pattern: RegExp, options?: {on?: 'stdout' | 'stderr' | 'both'; timeoutMs?: number}): Promise<void>
  /** Ctrl-C (or another signal) at the handlers the command registered, as a real signal would. */
  interrupt(signal?: NodeJS.Signals): void
  /** The command's end: the same result runCommand gives. */
  readonly result: Promise<CliResult>
}

export function startCommand(args: string[], options: CliOptions = {}): RunningCommand {
  const {id, argv} = commandOf(args)
  if (argv.includes('--help') || argv.includes('-h')) throw new Error('runCommand: --help is oclif\'s, outside the command: use runCli')
  const io = bufferIO({env: cliEnv(options.env), input: options.input})
  let ended = false
  const result = execute(id, argv, io).finally(() => {
    ended = true
  })
  // Awaited by the test when it wants the end; a command that throws meanwhile is not an unhandled rejection.
  result.catch(() => {})
  const text = (on: 'stdout' | 'stderr' | 'both') => (on === 'both' ? io.stdout + io.stderr : io[on])
  return {
    io,
    get stdout() {
      return io.stdout
    },
    get stderr() {
      return io.stderr
    },
    get ended() {
      return ended
    },
    async untilOutput(pattern, {on = 'stdout', timeoutMs = 30_000} = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (pattern.test(text(on))) return
        const why = ended ? `the command ended (exit ${io.exitCode ?? 0})` : Date.now() > deadline ? `timed out after ${timeoutMs} ms` : undefined
        if (why) throw new Error(`${why} waiting for ${pattern} on ${on}; stdout:\n${io.stdout.slice(-2000)}\nstderr:\n${io.stderr.slice(-2000)}`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    },
    interrupt: (signal) => io.interrupt(signal),
    result,
  }
}

export function runCommand(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCommand(args, options).result
}

async function execute(id: string, argv: string[], io: BufferIO): Promise<CliResult> {
  config ??= Config.load({root: ROOT})
  const Command = (await loadCommand(id))! as unknown as new (argv: string[], config: Config) => BaseCommand<never>
  const command = new Command(argv, await config)
  command.id = id
  command.io = io
  const processExitCode = process.exitCode
  try {
    await (command as unknown as {_run(): Promise<unknown>})._run()
  } catch (error) {
    // oclif's own exits (this.exit, EEXIT) pass through the command's catch; anything else is a bug here.
    const exit = (error as {oclif?: {exit?: number}}).oclif?.exit
    if (typeof exit !== 'number') throw error
    io.exitCode = exit
  }
  // The test's own process would end with it: a command says how it ends through its IO only.
  if (process.exitCode !== processExitCode) {
    const set = process.exitCode
    process.exitCode = processExitCode
    throw new Error(`${id} set process.exitCode (${set}) instead of its IO's exitCode`)
  }
  return cliResult(io.exitCode ?? 0, io.stdout, io.stderr)
}
