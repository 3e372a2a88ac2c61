/**
 * The one watch loop of `probe --watch` and `mesh --watch`: a round every N seconds until Ctrl-C (SIGINT
 * or SIGTERM, through the IO), the links that changed between rounds, and what each round shows — on a
 * terminal the whole view redrawn in place under a clock, otherwise stamped lines, with --json JSON lines —
 * then the summary of how often each link changed and how long it was down.
 */
import {UserError} from '../core/errors.js'
import {clock, formatDuration, WatchTracker, type LinkStats, type TrackedLink, type WatchMode, type WatchOutput, type WatchRound} from '../core/transitions.js'
import {sleepUnlessAborted} from '../platform/abortable-sleep.js'
import {renderTable} from '../platform/table.js'
import {NO_NETWORK} from '../core/names.js'
import type {IO} from './io.js'

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

/** --watch's value as seconds (undefined: no --watch); anything but a number above 0 is bad input. */
export function watchSeconds(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined
  const seconds = Number(flag)
  if (!(seconds > 0)) throw new UserError(`invalid --watch '${flag}': give a number of seconds above 0, e.g. --watch 5`, {code: 'invalid_flag'})
  return seconds
}

export interface WatchSpec<R> {
  seconds: number
  json: boolean
  /** With --json: every round is shown in full, not only the first. */
  everyRound?: boolean
  /** Before a round, outside its time (`done`: rounds done so far): the probe re-reads its node list here. */
  beforeRound?: (done: number, mode: WatchMode) => Promise<WatchOutput[]>
  /** Runs one round; `signal` aborts it on Ctrl-C, and an aborted round is not shown. */
  round: (signal: AbortSignal, done: number) => Promise<{result: R; links: ReadonlyArray<TrackedLink>}>
  /** What a round shows. */
  show: (round: WatchRound<R>) => WatchOutput[]
  /** Cleanup once the rounds stop, before the watch is summed up (the mesh closes its SSH connections). */
  finish?: () => Promise<void>
}

export interface WatchEnd<R> {
  rounds: number
  watchedMs: number
  /** The last round that ended (undefined when Ctrl-C came before the first did). */
  last: R | undefined
  /** Links that changed state or were down at some point, most eventful first. */
  eventful: LinkStats[]
}

/** Runs rounds every `seconds` until Ctrl-C; `log` writes a line for people (escaped, coloured). */
export async function watch<R>(io: IO, log: (line: string) => void, spec: WatchSpec<R>): Promise<WatchEnd<R>> {
  const tracker = new WatchTracker()
  const mode: WatchMode = spec.json ? 'json' : io.stdoutIsTTY ? 'redraw' : 'lines'
  const write = (items: WatchOutput[]) => {
    for (const item of items) {
      if (typeof item === 'string') log(item)
      else io.out.write(JSON.stringify(item) + '\n')
    }
  }
  const ac = new AbortController()
  const stopListening = io.onInterrupt(() => ac.abort())
  let last: R | undefined
  try {
    while (!ac.signal.aborted) {
      if (spec.beforeRound) write(await spec.beforeRound(tracker.rounds, mode))
      const started = Date.now()
      const {result, links} = await spec.round(ac.signal, tracker.rounds)
      if (ac.signal.aborted) break
      const at = Date.now()
      const changes = tracker.update(links, at)
      const previous = last
      last = result
      const number = tracker.rounds
      if (mode === 'redraw') {
        io.out.write('\u001B[H\u001B[2J')
        log(`${clock(at)}  every ${spec.seconds} s, round ${number} (Ctrl-C to stop)`)
      }
      write(spec.show({number, at, result, previous, changes, full: number === 1 || Boolean(spec.everyRound), mode}))
      const wait = Math.max(0, spec.seconds * 1000 - (Date.now() - started))
      await sleepUnlessAborted(wait, ac.signal)
    }
  } finally {
    stopListening()
    await spec.finish?.()
  }
  const now = Date.now()
  return {rounds: tracker.rounds, watchedMs: tracker.elapsed(now), last, eventful: tracker.stats(now).filter((s) => s.changes > 0 || s.downMs > 0)}
}

/**
 * The summary after Ctrl-C: how long, how many rounds (`closing` adds what was tidied up), and each link
 * that changed or was down. `split`: the link's network and IP in columns of their own.
 */
export function watchSummaryLines(end: WatchEnd<unknown>, width: number, options: {closing?: string; split?: boolean} = {}): string[] {
  const lines = ['', `Watched ${formatDuration(end.watchedMs)}, ${end.rounds} round(s)${options.closing ?? ''}.`]
  if (end.eventful.length === 0) return [...lines, 'No link changed state.']
  const counts = (s: LinkStats) => [String(s.changes), formatDuration(s.downMs), s.status]
  const table = options.split
    ? renderTable(['LINK', 'NETWORK', 'IP', 'CHANGES', 'DOWN FOR', 'NOW'], end.eventful.map((s) => [s.node, s.network ?? NO_NETWORK, s.host, ...counts(s)]), {width})
    : renderTable(['LINK', 'CHANGES', 'DOWN FOR', 'NOW'], end.eventful.map((s) => [`${s.node} ${s.network ?? NO_NETWORK} ${s.host}`, ...counts(s)]), {width})
  return [...lines, table]
}
