/**
 * Runs the real built CLI (bin/run.cjs, the command package.json installs → dist) as a child process, with no TTY and a clean environment,
 * so tests see exactly what a script calling tarsnet would see.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.cjs')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON (throws when it is not). */
  json<T = any>(): T
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  input?: string
  timeoutMs?: number
}

/** A config dir of its own for every test run, so a developer's real config never leaks in. */
const isolatedHome = mkdtempSync(join(tmpdir(), 'tarsnet-test-home-'))

/** The environment the CLI runs in: no TARSNET_ variables, an isolated home, no colour, CI set; then `extra`. */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('TARSNET_')) env[k] = v
  }
  Object.assign(env, {HOME: isolatedHome, XDG_CONFIG_HOME: join(isolatedHome, 'config'), XDG_DATA_HOME: join(isolatedHome, 'data'), NO_COLOR: '1', CI: 'true'})
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** A run's outcome, the same for a process (runCli) and an in-process command (runCommand). */
export function cliResult(code: number, stdout: string, stderr: string): CliResult {
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

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env = cliEnv(options.env)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve(cliResult(code ?? -1, stdout, stderr))
    })
    child.stdin.end(options.input ?? '')
  })
}
