/**
 * Change tracking for `probe --watch` (pure): which links changed state between rounds, and per link
 * how often it changed and how long it was down. Time is passed in, never read.
 */
import type {ProbeStatus} from './engine.js'
import type {JsonResult} from './report.js'
import {NO_NETWORK} from '../core/names.js'

export interface LinkChange {
  at: number
  link: string
  node: string
  network: string | null
  host: string
  from: ProbeStatus
  to: ProbeStatus
}

interface LinkState {
  node: string
  network: string | null
  host: string
  status: ProbeStatus
  changes: number
  downSince: number | null
  downMs: number
}

export interface LinkStats {
  link: string
  node: string
  network: string | null
  host: string
  status: ProbeStatus
  changes: number
  /** Total time down during the watch, including a down period still running at `now`. */
  downMs: number
}

/** A link is one node's IP: `node network host`. */
export function linkKey(r: Pick<JsonResult, 'row' | 'network' | 'host'>): string {
  return `${r.row} ${r.network ?? NO_NETWORK} ${r.host}`
}

export class WatchTracker {
  private readonly links = new Map<string, LinkState>()
  private started: number | null = null
  rounds = 0

  /** Records a round's results at time `now` (ms); returns the changes since the previous round. */
  update(results: ReadonlyArray<Pick<JsonResult, 'row' | 'node' | 'network' | 'host' | 'status'>>, now: number): LinkChange[] {
    this.started ??= now
    this.rounds++
    const changes: LinkChange[] = []
    for (const r of results) {
      const key = linkKey(r)
      const prev = this.links.get(key)
      const down = r.status !== 'up' && r.status !== 'lossy' // a lossy link connects: not down
      if (!prev) {
        this.links.set(key, {node: r.node, network: r.network, host: r.host, status: r.status, changes: 0, downSince: down ? now : null, downMs: 0})
        continue
      }
      if (prev.status !== r.status) {
        changes.push({at: now, link: key, node: r.node, network: r.network, host: r.host, from: prev.status, to: r.status})
        prev.changes++
        prev.status = r.status
      }
      if (down && prev.downSince === null) prev.downSince = now
      if (!down && prev.downSince !== null) {
        prev.downMs += now - prev.downSince
        prev.downSince = null
      }
    }
    return changes
  }

  /** Per link, at time `now`: changes and time down; links that changed or were down come first. */
  stats(now: number): LinkStats[] {
    const out: LinkStats[] = []
    for (const [link, s] of this.links) {
      out.push({link, node: s.node, network: s.network, host: s.host, status: s.status, changes: s.changes, downMs: s.downMs + (s.downSince === null ? 0 : now - s.downSince)})
    }
    return out.sort((a, b) => b.changes - a.changes || b.downMs - a.downMs || a.link.localeCompare(b.link))
  }

  /** Milliseconds since the first round. */
  elapsed(now: number): number {
    return this.started === null ? 0 : now - this.started
  }
}

/** "14:03:07" in local time. */
export function clock(ms: number): string {
  const d = new Date(ms)
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
}

/** "14:03:07 n3 x 10.10.0.3 up → timeout" (ASCII arrow when the terminal is not UTF-8). */
export function changeLine(c: LinkChange, unicode: boolean): string {
  return `${clock(c.at)} ${c.node} ${c.network ?? NO_NETWORK} ${c.host} ${c.from} ${unicode ? '→' : '->'} ${c.to}`
}

/** "1h 2m 3s", "4.2 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return [h > 0 ? `${h}h` : '', `${m}m`, `${s % 60}s`].filter(Boolean).join(' ')
}

/**
 * oclif flags cannot have an optional value: `--watch` alone means every 2 s. Inserts the default
 * after a bare `--watch` (one not followed by a number), so `--watch`, `--watch 5` and `--watch=5` all work.
 */
export function expandWatchFlag(argv: readonly string[], defaultSeconds = 2): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i])
    if (argv[i] === '--') {
      out.push(...argv.slice(i + 1))
      break
    }
    // A number, even a negative one, is --watch's value (then refused as such), never an object name.
    if (argv[i] === '--watch' && !/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(argv[i + 1] ?? '')) out.push(String(defaultSeconds))
  }
  return out
}
