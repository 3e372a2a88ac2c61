/**
 * Runs a tarsnet command in this process against a buffer IO (src/cli/io.ts): the same argv, environment
 * and result shape as runCli (helpers/cli.ts), without starting Node. What only a process shows (start-up,
 * --help and --version, signals, terminals, the bundle) stays with runCli.
 */
import {Config} from '@oclif/core'

import {bufferIO} from '../../src/cli/io.js'
import type {BaseCommand} from '../../src/cli/base-command.js'
import {commands, loadCommand} from '../../src/commands.js'
import {cliEnv, ROOT, type CliOptions, type CliResult} from './cli.js'

let config: Promise<Config> | undefined

/** The command id argv names (`nodes list …` → nodes:list) and the rest of argv. */
function commandOf(args: string[]): {id: string; argv: string[]} {
  for (let n = Math.min(args.length, 3); n > 0; n--) {
    const id = args.slice(0, n).join(':')
    if (Object.hasOwn(commands, id)) return {id, argv: args.slice(n)}
  }
  throw new Error(`runCommand: no command in ${JSON.stringify(args)} (help, --version and unknown commands need runCli)`)
}

export async function runCommand(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const {id, argv} = commandOf(args)
  if (argv.includes('--help') || argv.includes('-h')) throw new Error('runCommand: --help is oclif\'s, outside the command: use runCli')
  config ??= Config.load({root: ROOT})
  const Command = (await loadCommand(id))! as unknown as new (argv: string[], config: Config) => BaseCommand<never>
  const io = bufferIO({env: cliEnv(options.env), input: options.input})
  const command = new Command(argv, await config)
  command.id = id
  command.io = io
  try {
    await (command as unknown as {_run(): Promise<unknown>})._run()
  } catch (error) {
    // oclif's own exits (this.exit, EEXIT) pass through the command's catch; anything else is a bug here.
    const exit = (error as {oclif?: {exit?: number}}).oclif?.exit
    if (typeof exit !== 'number') throw error
    io.exitCode = exit
  }
  const code = io.exitCode ?? 0
  const {stdout, stderr} = io
  return {
    code,
    stdout,
    stderr,
    json() {
      try {
        return JSON.parse(stdout)
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`)
      }
    },
  }
}
