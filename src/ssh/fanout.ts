/**
 * The SSH fan-out (docs/design.md §8): runs one remote command on many hosts through the operator's own OpenSSH
 * client, so ~/.ssh/config, ProxyJump, the agent, certificates and known_hosts apply exactly as they are.
 *
 * - Always BatchMode=yes (never a prompt), ConnectTimeout, no forwarding (no agent or X11 forwarding to
 *   every node, and no LocalForward clashes between concurrent sessions); no host-key option is ever set.
 * - A sliding window of at most `fanout` sessions (pdsh -f).
 * - Each task lists hosts to try in order: when ssh itself fails (exit 255), the next one.
 * - With a control directory (private, 0700), sessions share one ControlMaster connection per host
 *   across rounds (ControlPersist), and closeMasters() ends them and removes the directory.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface SshConfig {
  /** Absolute path of the ssh binary. */
  binary: string
  /** The environment ssh runs in (the command's: HOME, SSH_AUTH_SOCK, …); unset: this process's. */
  env?: NodeJS.ProcessEnv
  /** `ssh -F FILE`. */
  configFile?: string
  /** `ssh -l USER`. */
  user?: string
  /** Checked `Key=Value` options, each passed as `-o`. */
  options: string[]
  /** ConnectTimeout, whole seconds. */
  connectTimeoutS: number
  /** Sessions at once. */
  fanout: number
  /** ControlMaster reuse across rounds: the private directory holding the control sockets. */
  controlDir?: string
  /** ControlPersist seconds (with controlDir). */
  controlPersistS?: number
}

export interface SshTask<K> {
  key: K
  /** Hosts to try, in order (IP addresses). */
  hosts: string[]
  /** Sent on the session's stdin, then stdin is closed. */
  input: string
  /** The remote command (a fixed string: never built from data). */
  command: string
  /** How long the remote command may run once connected, ms (the session is then stopped). */
  budgetMs: number
}

export interface SshAttempt {
  host: string
  error: string
}

export interface SshTaskResult<K> {
  key: K
  /** ok: a session ran the command (its exit code and output are here); unreachable: ssh failed on every host. */
  status: 'ok' | 'unreachable'
  /** The host the command ran on. */
  host: string | null
  exitCode: number | null
  stdout: string
  /** Why the last host failed (ssh's own message), or why the output was cut. */
  error: string | null
  /** Every host that failed before the one that worked (or all of them). */
  failures: SshAttempt[]
}

export interface FanoutOptions<K> {
  signal?: AbortSignal
  /** Called as each task ends (for progress and watch output). */
  onResult?: (result: SshTaskResult<K>) => void
}

/** Output kept per session: a node's result lines are ~30 bytes per probe. */
const MAX_STDOUT = 4 * 1024 * 1024
const MAX_STDERR = 16 * 1024
/** ssh's own "cannot connect / authenticate / run" exit code. */
const SSH_FAILED = 255

/** The argument vector for one session (no shell involved: each value is one argv element). */
export function sshArgs(config: SshConfig, host: string, command: string): string[] {
  const args = ['-T', '-x', '-a', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${config.connectTimeoutS}`, '-o', 'ClearAllForwardings=yes']
  if (config.controlDir) {
    args.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${join(config.controlDir, '%C')}`, '-o', `ControlPersist=${config.controlPersistS ?? 60}`)
    // A master whose network died must notice, or every session through it would hang.
    args.push('-o', `ServerAliveInterval=${Math.max(1, config.connectTimeoutS)}`, '-o', 'ServerAliveCountMax=2')
  }
  if (config.configFile) args.push('-F', config.configFile)
  if (config.user) args.push('-l', config.user)
  for (const o of config.options) args.push('-o', o)
  args.push('--', host, command)
  return args
}

/** ssh's message: its last meaningful stderr line(s), one line, bounded. */
function sshMessage(stderr: string, fallback: string): string {
  const lines = stderr.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '').trim()).filter((l) => l !== '' && !/^Warning: Permanently added/.test(l))
  const text = lines.slice(-2).join('; ')
  return (text || fallback).slice(0, 300)
}

interface Outcome {
  exitCode: number | null
  stdout: string
  error: string | null
  /** ssh itself failed (or the session was stopped): try the next host. */
  sshFailed: boolean
}

const running = new Set<ChildProcess>()

function runOne(config: SshConfig, host: string, task: SshTask<unknown>, signal?: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({exitCode: null, stdout: '', error: 'interrupted', sshFailed: false})
      return
    }
    const child = spawn(config.binary, sshArgs(config, host, task.command), {stdio: ['pipe', 'pipe', 'pipe'], env: config.env})
    running.add(child)
    let stdout = ''
    let stderr = ''
    let stopped: string | null = null
    let settled = false
    const stop = (why: string) => {
      if (stopped === null) stopped = why
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 2000).unref()
    }
    const limitMs = config.connectTimeoutS * 1000 + task.budgetMs + 5000
    const timer = setTimeout(() => stop(`the session did not finish within ${Math.round(limitMs / 1000)} s`), limitMs)
    const onAbort = () => stop('interrupted')
    signal?.addEventListener('abort', onAbort, {once: true})
    child.stdout!.setEncoding('latin1')
    child.stdout!.on('data', (d: string) => {
      if (stdout.length + d.length > MAX_STDOUT) {
        stdout += d.slice(0, Math.max(0, MAX_STDOUT - stdout.length))
        stop(`the node printed more than ${MAX_STDOUT} bytes`)
      } else stdout += d
    })
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (d: string) => {
      stderr = (stderr + d).slice(-MAX_STDERR)
    })
    child.stdin!.on('error', () => {}) // ssh may exit before reading its stdin (EPIPE)
    child.stdin!.end(task.input)
    const finish = (code: number | null, error: Error | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      running.delete(child)
      if (error) {
        resolve({exitCode: null, stdout, error: `cannot run ${config.binary}: ${error.message}`, sshFailed: true})
        return
      }
      if (stopped !== null) {
        resolve({exitCode: code, stdout, error: stopped, sshFailed: stopped !== 'interrupted' && !stopped.startsWith('the node printed')})
        return
      }
      if (code === SSH_FAILED) {
        resolve({exitCode: code, stdout, error: sshMessage(stderr, `ssh exited ${code}`), sshFailed: true})
        return
      }
      resolve({exitCode: code, stdout, error: code === 0 ? null : sshMessage(stderr, `the remote command exited ${code}`), sshFailed: false})
    }
    child.on('error', (e) => finish(null, e))
    // 'close' waits for the pipes; a ControlPersist master detaches from them, but be sure: after
    // 'exit', give the pipes a moment and then settle anyway.
    child.on('close', (code) => finish(code, null))
    child.on('exit', (code) => {
      setTimeout(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
        finish(code, null)
      }, 2000).unref()
    })
  })
}

/** Runs every task through a sliding window of `config.fanout` sessions; results in task order. */
export async function runSshTasks<K>(tasks: readonly SshTask<K>[], config: SshConfig, options: FanoutOptions<K> = {}): Promise<Array<SshTaskResult<K>>> {
  const results: Array<SshTaskResult<K>> = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++
      const task = tasks[index]
      const failures: SshAttempt[] = []
      let result: SshTaskResult<K> | null = null
      for (const host of task.hosts) {
        const o = await runOne(config, host, task as SshTask<unknown>, options.signal)
        if (o.sshFailed) {
          failures.push({host, error: o.error ?? 'ssh failed'})
          continue
        }
        result = {key: task.key, status: 'ok', host, exitCode: o.exitCode, stdout: o.stdout, error: o.error, failures}
        break
      }
      result ??= {key: task.key, status: 'unreachable', host: null, exitCode: null, stdout: '', error: failures.at(-1)?.error ?? (task.hosts.length === 0 ? 'no IP to connect to' : 'ssh failed'), failures}
      results[index] = result
      options.onResult?.(result)
    }
  }
  await Promise.all(Array.from({length: Math.max(1, Math.min(config.fanout, tasks.length))}, worker))
  return results
}

/** A Unix socket path holds at most 107 bytes; ControlPath is the directory plus '/' and %C (40 hex digits). */
const MAX_CONTROL_DIR = 107 - 41

/** A private directory (0700) for control sockets: in the temp dir, or /tmp when that path is too long for sockets. */
export function createControlDir(env?: NodeJS.ProcessEnv): string {
  const base = env?.TMPDIR || tmpdir()
  const dir = mkdtempSync(join(base.length + 20 <= MAX_CONTROL_DIR ? base : '/tmp', 'tarsnet-ssh-'))
  if (Buffer.byteLength(dir) > MAX_CONTROL_DIR) {
    rmSync(dir, {recursive: true, force: true})
    throw new Error(`no directory short enough for ssh control sockets (${dir})`)
  }
  return dir
}

/**
 * Ends the ControlMaster of every host (`ssh -O exit`, with the same options so the socket names match),
 * then removes the directory. Bounded: a master that does not answer within a few seconds is left to its
 * ControlPersist timeout, and its socket is removed with the directory.
 */
export async function closeControlMasters(config: SshConfig, hosts: Iterable<string>): Promise<void> {
  const dir = config.controlDir
  if (!dir) return
  const exits = [...new Set(hosts)].map((host) => new Promise<void>((resolve) => {
    const args = sshArgs(config, host, '').slice(0, -3)
    const child = spawn(config.binary, [...args, '-O', 'exit', '--', host], {stdio: 'ignore', env: config.env})
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.on('error', () => resolve())
    child.on('close', () => {
      clearTimeout(timer)
      resolve()
    })
  }))
  await Promise.all(exits)
  rmSync(dir, {recursive: true, force: true})
}

/** Stops every ssh this process started and has not seen end (on an unexpected exit). */
export function killRunningSessions(): void {
  for (const child of running) child.kill('SIGTERM')
}
