/**
 * The exporter as a real process (the built CLI), its JSON log lines read from stderr, scraped over
 * HTTP; and a small reader of the Prometheus text format for assertions.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {BIN, cliEnv} from './cli.js'

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

export class ExporterProcess {
  readonly lines: Array<Record<string, any>> = []
  stderr = ''
  stdout = ''
  exit: Promise<{code: number | null; signal: NodeJS.Signals | null}>
  url = ''
  private readonly child: ChildProcess

  constructor(args: string[], env: Record<string, string | undefined> = {}) {
    this.child = spawn(process.execPath, [BIN, 'exporter', '--json', ...args], {env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe']})
    let partial = ''
    this.child.stdout!.on('data', (d) => (this.stdout += d))
    this.child.stderr!.on('data', (d) => {
      this.stderr += d
      partial += d
      let nl: number
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl)
        partial = partial.slice(nl + 1)
        try {
          this.lines.push(JSON.parse(line))
        } catch {
          // not a JSON line: kept in stderr for the failure message
        }
      }
    })
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({code, signal})))
  }

  get pid(): number {
    return this.child.pid!
  }

  /** Waits for a log line matching `test` (returns it), failing with the log so far after `timeoutMs`. */
  async waitForLine(test: (line: Record<string, any>) => boolean, what: string, timeoutMs = 60_000): Promise<Record<string, any>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.lines.find(test)
      if (found) return found
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`waiting for ${what}: ${this.child.exitCode !== null ? `the exporter exited ${this.child.exitCode}` : 'timed out'}; stderr so far:\n${this.stderr}`)
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

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
  }
}
