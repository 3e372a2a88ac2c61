/**
 * The exporter running, as a real process (the built CLI) or in this process, its JSON log lines read
 * from stderr, scraped over HTTP; and a small reader of the Prometheus text format for assertions.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {BIN, cliEnv} from './cli.js'
import {startCommand, type RunningCommand} from './run.js'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** The samples of a Prometheus text exposition (HELP/TYPE lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    out.push({name: m[1], labels, value: Number(m[3])})
  }
  return out
}

/** name{label=value,…} → value, for the samples of one metric keyed by chosen labels. */
export function valuesBy(samples: Sample[], name: string, key: (labels: Record<string, string>) => string): Record<string, number> {
  return Object.fromEntries(samples.filter((s) => s.name === name).map((s) => [key(s.labels), s.value]))
}

/** What the tests ask of a running exporter, however it runs: its log lines, its /metrics, its end. */
abstract class RunningExporter {
  url = ''
  abstract readonly stdout: string
  abstract readonly stderr: string
  /** Resolves when it has ended, with its exit code (and the signal that killed it, for a process). */
  abstract readonly exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  protected abstract readonly ended: boolean
  abstract kill(signal?: NodeJS.Signals): void

  /** Its JSON log lines so far (stderr); a line that is not JSON is only in stderr. */
  get lines(): Array<Record<string, any>> {
    const out: Array<Record<string, any>> = []
    const text = this.stderr
    for (const line of text.slice(0, text.lastIndexOf('\n') + 1).split('\n')) {
      try {
        out.push(JSON.parse(line))
      } catch {
        // not a JSON line: kept in stderr for the failure message
      }
    }
    return out
  }

  /** Waits for a log line matching `test` (returns it), failing with the log so far after `timeoutMs`. */
  async waitForLine(test: (line: Record<string, any>) => boolean, what: string, timeoutMs = 60_000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.lines.find(test)
      if (found) return found
      if (this.ended || Date.now() > deadline) throw new Error(`waiting for ${what}: ${this.ended ? 'the exporter ended' : 'timed out'}; stderr so far:\n${this.stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  /** Waits for the start line and remembers the /metrics URL. */
  async started(): Promise<string> {
    const start = await this.waitForLine((l) => l.event === 'start', 'the start line')
    this.url = start.url
    return this.url
  }

  /** The last round logged so far (0 when none). */
  get lastRound(): number {
    const rounds = this.lines.filter((l) => l.event === 'round')
    return rounds.length === 0 ? 0 : rounds[rounds.length - 1].round
  }

  /** Waits until round `n` has been logged; returns its line. */
  waitForRound(n: number): Promise<Record<string, any>> {
    return this.waitForLine((l) => l.event === 'round' && l.round === n, `round ${n}`)
  }

  async scrape(path = '/metrics'): Promise<{status: number; contentType: string | null; text: string}> {
    const res = await fetch(this.url.replace(/\/metrics$/, path))
    return {status: res.status, contentType: res.headers.get('content-type'), text: await res.text()}
  }

  async samples(): Promise<Sample[]> {
    const r = await this.scrape()
    if (r.status !== 200) throw new Error(`/metrics answered ${r.status}: ${r.text}`)
    return parseMetrics(r.text)
  }
}

/** `tarsnet exporter --json …` as a real process (the built CLI). */
export class ExporterProcess extends RunningExporter {
  stderr = ''
  stdout = ''
  readonly exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  private readonly child: ChildProcess

  constructor(args: string[], env: Record<string, string | undefined> = {}) {
    super()
    this.child = spawn(process.execPath, [BIN, 'exporter', '--json', ...args], {env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe']})
    this.child.stdout!.on('data', (d) => (this.stdout += d))
    this.child.stderr!.on('data', (d) => (this.stderr += d))
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({code, signal})))
  }

  protected get ended(): boolean {
    return this.child.exitCode !== null
  }

  get pid(): number {
    return this.child.pid!
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
  }
}

/**
 * `tarsnet exporter --json …` run in this process (test/helpers/run.ts). kill() is the signal as the
 * exporter's own handler gets it; SIGKILL, which no handler sees, stops it as SIGTERM does.
 */
export class ExporterInProcess extends RunningExporter {
  readonly exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  private readonly run: RunningCommand

  constructor(args: string[], env: Record<string, string | undefined> = {}) {
    super()
    this.run = startCommand(['exporter', '--json', ...args], {env})
    this.exit = this.run.result.then((r) => ({code: r.code, signal: null}))
    // Awaited by the test when it stops the exporter; a failure meanwhile shows in waitForLine.
    this.exit.catch(() => {})
  }

  get stdout(): string {
    return this.run.stdout
  }

  get stderr(): string {
    return this.run.stderr
  }

  protected get ended(): boolean {
    return this.run.ended
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.run.ended) this.run.interrupt(signal === 'SIGKILL' ? 'SIGTERM' : signal)
  }
}
