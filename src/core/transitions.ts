/**
 * What changed between the rounds of a watch (pure): which links changed state since the last round, and
 * per link how often it changed and how long it was down. Time is passed in, never read. `probe --watch`
 * tracks each node's IP; `mesh --watch` each link from one node to another.
 */
import {NO_NETWORK} from './names.js'

/** One link as a round saw it: `row` keys it (with network and host), `node` names it for people. */
export interface TrackedLink {
  row: string
  node: string
  network: string | null
  host: string
  /** up, lossy (connects, loses samples) or a way of being down (timeout, refused, …). */
  status: string
}

export interface LinkChange {
  at: number
  link: string
  node: string
  network: string | null
  host: string
  from: string
  to: string
}

interface LinkState {
  node: string
  network: string | null
  host: string
  status: string
  changes: number
  downSince: number | null
  downMs: number
}

export interface LinkStats {
  link: string
  node: string
  network: string | null
  host: string
  status: string
  changes: number
  /** Total time down during the watch, including a down period still running at `now`. */
  downMs: number
}

/** How a watch round is shown: redrawn on a terminal, stamped lines on a pipe, JSON lines with --json. */
export type WatchMode = 'redraw' | 'lines' | 'json'

/** What a round writes: a line for people, or an object written as one JSON line. */
export type WatchOutput = string | Record<string, unknown>

/** One round of a watch, as the loop hands it to the view. */
export interface WatchRound<R> {
  /** 1 for the first round. */
  number: number
  /** When the round ended (ms). */
  at: number
  result: R
  /** The round before (undefined for the first). */
  previous: R | undefined
  /** Links whose state differs from the round before. */
  changes: LinkChange[]
  /** The first round, or every round with --every-round: the one shown in full. */
  full: boolean
  mode: WatchMode
}

/** A link's key: `row network host`. */
export function linkKey(r: Pick<TrackedLink, 'row' | 'network' | 'host'>): string {
  return `${r.row} ${r.network ?? NO_NETWORK} ${r.host}`
}

export class WatchTracker {
  private readonly links = new Map<string, LinkState>()
  private started: number | null = null
  rounds = 0

  /** Records a round's links at time `now` (ms); returns the changes since the previous round. */
  update(links: ReadonlyArray<TrackedLink>, now: number): LinkChange[] {
    this.started ??= now
    this.rounds++
    const changes: LinkChange[] = []
    for (const r of links) {
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
