/**
 * Drives the real built CLI through a real pseudo-terminal, as a person at a keyboard would, so that
 * interactive flows (@inquirer/prompts) are tested for real, not by skipping the prompts.
 *
 * Node has no pty of its own and node-pty is a native module. Two stock tools give one instead:
 * util-linux `script -qfec` (what .ci/run installs) and, where it is missing, a 30-line relay on python3's
 * standard `pty` module. Either runs the child on a pty with a fixed window size, copies our keystrokes to
 * it and its screen output to us, and exits with the child's exit code. TARSNET_TEST_PTY=script|python
 * picks one.
 *
 *   const s = PtySession.cli(['nodes', 'edit'], {env: {TARSNET_DB: url}})
 *   await s.expect('Node (type to filter)')
 *   await s.settle()            // let the prompt finish drawing before typing
 *   s.type('node-b')
 *   s.press('enter')
 *   const {code} = await s.exit()
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {existsSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BIN, ROOT} from './cli.js'

const RELAY = `
import os, pty, sys, select, struct, fcntl, termios, json
argv = json.loads(sys.argv[1])
rows, cols = int(sys.argv[2]), int(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(argv[0], argv)
src = sys.stdin.fileno()
dst = sys.stdout.fileno()
reading = True
while True:
    r, _, _ = select.select([fd] + ([src] if reading else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(dst, data)
    if reading and src in r:
        data = os.read(src, 65536)
        if data:
            os.write(fd, data)
        else:
            reading = False
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
`

const KEYS = {
  enter: '\r',
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  tab: '\t',
  backspace: '\u007F',
  escape: '\u001B',
  space: ' ',
  'ctrl-c': '\u0003',
} as const
export type Key = keyof typeof KEYS

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007|\u001B[()][0-9A-Za-z]|\u001B[=>78]/g

/** Screen output as plain text: escape sequences removed, CRLF as LF. */
export function plain(raw: string): string {
  return raw.replace(ANSI, '').replace(/\r+\n/g, '\n').replace(/\r/g, '\n')
}

export interface PtyOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  cols?: number
  rows?: number
  /** Kill the session after this long (ms). Default 60 s. */
  timeoutMs?: number
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}

/** `a` as one word for a POSIX shell. */
export const shellQuote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`

/** The command that runs argv on a pty of rows × cols. */
function ptyCommand(argv: string[], rows: number, cols: number): string[] {
  const choice = process.env.TARSNET_TEST_PTY
  const script = choice === 'python' ? undefined : onPath('script')
  if (script) {
    // -q quiet, -f flush each write, -e exit with the child's code, -c the command; no typescript file.
    return [script, '-qfec', `stty cols ${cols} rows ${rows}; exec ${argv.map(shellQuote).join(' ')}`, '/dev/null']
  }
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : onPath('python3')
  if (!python) throw new Error('interactive tests need a pseudo-terminal: install util-linux (script) or python3')
  return [python, '-c', RELAY, JSON.stringify(argv), String(rows), String(cols)]
}

const isolatedHome = mkdtempSync(join(tmpdir(), 'tarsnet-pty-home-'))

export class PtySession {
  /** Everything the program wrote, raw. */
  raw = ''
  /** Where the next expect() starts looking, in plain(raw). */
  private cursor = 0
  private lastOutput = Date.now()
  private readonly child: ChildProcessWithoutNullStreams
  private readonly done: Promise<number>
  private readonly timer: NodeJS.Timeout

  private constructor(argv: string[], options: PtyOptions) {
    const [command, ...args] = ptyCommand(argv, options.rows ?? 40, options.cols ?? 120)
    this.child = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env as NodeJS.ProcessEnv,
    })
    this.child.stdout.on('data', (d: Buffer) => {
      this.raw += d.toString('utf8')
      this.lastOutput = Date.now()
    })
    this.child.stderr.on('data', (d: Buffer) => {
      this.raw += d.toString('utf8')
    })
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject)
      this.child.on('close', (code) => resolve(code ?? -1))
    })
    this.timer = setTimeout(() => this.child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    this.timer.unref()
  }

  /** Runs any program on a pty, with exactly the given environment (plus TERM). */
  static spawn(argv: string[], options: PtyOptions = {}): PtySession {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v
    env.TERM ??= 'xterm-256color'
    return new PtySession(argv, {...options, env})
  }

  /**
   * Runs the built tarsnet on a pty like a person's terminal: CI unset (so it may prompt), a HOME and
   * XDG dirs of its own so a developer's config never leaks in, no TARSNET_* from the caller's environment.
   */
  static cli(args: string[], options: PtyOptions = {}): PtySession {
    const env: Record<string, string | undefined> = {}
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TARSNET_')) env[k] = v
    Object.assign(env, {
      HOME: isolatedHome, XDG_CONFIG_HOME: join(isolatedHome, 'config'), XDG_DATA_HOME: join(isolatedHome, 'data'),
      TERM: 'xterm-256color', LANG: 'C.UTF-8', NO_COLOR: '1', CI: undefined, CONTINUOUS_INTEGRATION: undefined, GITHUB_ACTIONS: undefined,
    })
    Object.assign(env, options.env ?? {})
    return PtySession.spawn([process.execPath, BIN, ...args], {...options, env})
  }

  /** The screen output so far as plain text. */
  get text(): string {
    return plain(this.raw)
  }

  /** Waits until the output after the cursor matches, and moves the cursor past the match. */
  async expect(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let exited = false
    void this.done.then(() => (exited = true))
    for (;;) {
      const text = this.text
      const rest = text.slice(this.cursor)
      const found = typeof pattern === 'string'
        ? (() => {
          const i = rest.indexOf(pattern)
          return i < 0 ? null : {index: i, match: pattern}
        })()
        : (() => {
          const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(rest)
          return m ? {index: m.index, match: m[0]} : null
        })()
      if (found) {
        this.cursor += found.index + found.match.length
        return found.match
      }
      if (exited || Date.now() > deadline) {
        throw new Error(`${exited ? 'the program exited' : 'timed out'} waiting for ${String(pattern)}; output after the cursor (last 3000 characters):\n${rest.slice(-3000)}`)
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Waits until the program has written nothing for `quietMs`, then moves the cursor to the end. */
  async settle(quietMs = 150, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() - this.lastOutput < quietMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    this.cursor = this.text.length
  }

  write(data: string): void {
    this.child.stdin.write(data)
  }

  type(text: string): void {
    this.write(text)
  }

  press(key: Key, times = 1): void {
    for (let i = 0; i < times; i++) this.write(KEYS[key])
  }

  /** Types a line and presses enter. */
  line(text: string): void {
    this.write(text + KEYS.enter)
  }

  /** Waits for the program to end; returns its exit code and plain output. */
  async exit(timeoutMs = 30_000): Promise<{code: number; output: string}> {
    let timer: NodeJS.Timeout | undefined
    const code = await Promise.race([
      this.done,
      new Promise<number>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the program did not exit within ${timeoutMs} ms; output:\n${this.text}`)), timeoutMs)
      }),
    ]).finally(() => clearTimeout(timer))
    clearTimeout(this.timer)
    this.child.stdin.end()
    return {code, output: this.text}
  }

  kill(): void {
    clearTimeout(this.timer)
    this.child.kill('SIGKILL')
  }
}
