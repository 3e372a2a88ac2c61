/**
 * Reading the record for a window: the stat database's own clock, the tables that exist for the window
 * (hour, day or minute tables, by name), tarsstat's columns checked, and each table's slots summed in SQL.
 */
import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {cutTypeOf, formatNaive, planTables, STAT_COLUMNS, windowOf, type Slot, type StatSum} from '../core/traffic.js'
import type {StatDb} from './db.js'

export interface StatWindow {
  /** The stat database's NOW() and the window, 'YYYY-MM-DD HH:MM' in its clock. */
  now: string
  from: string
  to: string
  sinceSeconds: number
  untilSeconds: number
  /** Slots overlapping the window, and how many of those that have ended a table holds. */
  slots: number
  slotsRead: number
  tables: string[]
}

export interface StatRead {
  sums: StatSum[]
  window: StatWindow
  notices: string[]
}

/** Consecutive missing slots as "10:05–10:30" ranges (the slots' intervals). */
function ranges(slots: Slot[]): string {
  const out: string[] = []
  let start: Slot | undefined
  let prev: Slot | undefined
  const flush = () => {
    if (!start || !prev) return
    // The end's date only when the range ends on another day than it starts.
    const from = formatNaive(start.end - 300_000)
    const to = formatNaive(prev.end)
    out.push(`${from}–${to.slice(0, 10) === from.slice(0, 10) ? to.slice(11) : to}`)
  }
  for (const s of slots) {
    if (!prev || s.end - prev.end !== 300_000) {
      flush()
      start = s
    }
    prev = s
  }
  flush()
  return out.length > 3 ? `${out.slice(0, 3).join(', ')}, … (${out.length} gaps)` : out.join(', ')
}

/**
 * The summed rows of every slot overlapping [now − since, now − until] on the stat database's clock.
 * `servers`: only callees of these App.Server names (any set suffix). No stat table for the window, or a
 * table without tarsstat's columns: a UserError (exit 3). Slots with no table: a notice.
 */
export async function readStat(db: StatDb, request: {sinceSeconds: number; untilSeconds: number; servers?: string[]}): Promise<StatRead> {
  const now = await db.now()
  if (!Number.isFinite(now)) throw new UserError(`the stat database ${db.source} did not give its time (NOW())`, {code: 'stat_db_clock', exitCode: EXIT.unknown})
  const window = windowOf(now, request.sinceSeconds, request.untilSeconds)
  // Only names tarsstat makes (prefix + YYYYMMDD[HH[MM]]): a backup or another tool's table is not a record.
  const existing = (await db.tables()).filter((t) => cutTypeOf(db.prefix, t) !== null)
  const plan = planTables(db.prefix, window, existing)
  const where = `${db.source} (prefix ${db.prefix})`
  if (existing.length === 0) throw new UserError(`no tarsstat table in ${where}: check --stat-db (tarsstat's database, usually tars_stat) and --stat-prefix`, {code: 'no_stat_tables', exitCode: EXIT.unknown})
  if (plan.tables.length === 0) {
    // Newest by the time in the name (a day table counts as its day's start).
    const newest = [...existing].sort((a, b) => a.slice(db.prefix.length).padEnd(12, '0').localeCompare(b.slice(db.prefix.length).padEnd(12, '0'))).at(-1)
    throw new UserError(`no tarsstat table holds ${formatNaive(window.from)}–${formatNaive(window.to).slice(11)} in ${where} (the newest is ${newest}): is tarsstat writing? widen --since`, {code: 'no_stat_tables', exitCode: EXIT.unknown})
  }
  const columns = await db.columns(plan.tables.map((t) => t.table))
  for (const {table} of plan.tables) {
    const have = columns.get(table) ?? new Set<string>()
    const lacking = STAT_COLUMNS.filter((c) => !have.has(c))
    if (lacking.length > 0) throw new UserError(`table ${table} in ${db.source} is not a tarsstat table (it has no ${lacking.join(', ')}): check --stat-prefix`, {code: 'not_stat_table', exitCode: EXIT.unknown})
  }
  const sums: StatSum[] = []
  for (const t of plan.tables) sums.push(...(await db.sum(t.table, t.slots, request.servers)))
  const notices: string[] = []
  if (plan.missing.length > 0) notices.push(`no stat table for ${ranges(plan.missing)} (${plan.missing.length} of ${plan.slots.length} slots): tarsstat wrote nothing then, or its tables were dropped`)
  return {
    sums,
    notices,
    window: {
      now: formatNaive(now), from: formatNaive(window.from), to: formatNaive(window.to), sinceSeconds: request.sinceSeconds, untilSeconds: request.untilSeconds,
      slots: plan.slots.length, slotsRead: plan.slots.filter((x) => x.end <= window.to).length - plan.missing.length, tables: plan.tables.map((t) => t.table),
    },
  }
}
