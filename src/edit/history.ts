/**
 * `nodes history`: the audit log read back (newest first, one node's or all), and the checks a revert
 * must pass before it is planned: an ID that names one entry, an IP-list change, the database it was made
 * on, and a list still as that change left it (a later change is never undone silently).
 */
import {UserError} from '../core/errors.js'
import {findNode} from '../core/ip-list-edit.js'
import {ipListTokens} from '../core/nodes.js'
import {matcher} from '../core/text.js'
import {readAudit, type AuditEntry, type ReadAudit} from '../store/audit-log.js'
import type {Db} from '../store/mysql-store.js'
import type {EditSession} from './session.js'

export type HistoryEntry = AuditEntry & {id: string}

/** An ID given on the command line: at least this many hex digits of it. */
const MIN_ID_PREFIX = 4

/** The log at `path`, and what the person should know about it (none yet, lines skipped). */
export function readHistory(path: string): {read: ReadAudit; notices: string[]} {
  let read
  try {
    read = readAudit(path)
  } catch (error) {
    throw new UserError(`cannot read the audit log ${path}: ${(error as Error).message}`, {code: 'audit_log_unreadable'})
  }
  const notices: string[] = []
  if (!read.exists) notices.push(`no audit log yet at ${path}: nothing has been applied from this machine`)
  if (read.unreadable > 0) notices.push(`${read.unreadable} line(s) of ${path} are not audit entries and were skipped (the first is line ${read.firstUnreadableLine})`)
  return {read, notices}
}

/** Newest first, only the nodes `node` matches (a glob), at most `limit`. */
export function selectEntries(entries: HistoryEntry[], options: {node?: string; limit?: number}): HistoryEntry[] {
  const wanted = options.node
  const matches = wanted ? matcher(wanted) : () => true
  // The file is in append order, so equal times keep their order reversed too.
  const shown = entries
    .map((e, i) => ({e, i}))
    .filter(({e}) => (wanted ? e.node !== null && matches(e.node) : true))
    .sort((a, b) => (a.e.time === b.e.time ? b.i - a.i : a.e.time < b.e.time ? 1 : -1))
    .map(({e}) => e)
  return options.limit ? shown.slice(0, options.limit) : shown
}

/** The one IP-list change an ID (or a unique prefix of it) names. */
export function revertibleEntry(entries: HistoryEntry[], given: string, path: string): HistoryEntry {
  const id = given.trim().toLowerCase()
  if (!/^[0-9a-f]+$/.test(id) || id.length < MIN_ID_PREFIX) {
    throw new UserError(`--revert "${given.slice(0, 20)}" is not an entry ID: give at least ${MIN_ID_PREFIX} of the hex digits \`tarsnet nodes history\` shows`, {code: 'invalid_revert'})
  }
  const found = entries.filter((e) => e.id.startsWith(id))
  if (found.length === 0) throw new UserError(`no entry ${id} in the audit log ${path}: \`tarsnet nodes history\` shows the IDs`, {code: 'unknown_entry'})
  if (found.length > 1) throw new UserError(`${id} matches ${found.length} entries (${found.map((e) => e.id).join(', ')}): give more of the ID`, {code: 'ambiguous_entry'})
  const entry = found[0]
  if (entry.kind !== 'ip-list' || entry.node === null) {
    throw new UserError(`entry ${entry.id} is the db migrate that added the IP-list column: tarsnet does not undo schema changes (a DBA can drop the column)`, {code: 'not_revertible'})
  }
  return entry
}

/** The node and the list that undo `entry`, when it may be undone on this database now. */
export async function revertRequest(session: EditSession, entry: HistoryEntry): Promise<{node: string; ips: string[]}> {
  const database = await currentDatabase(session.db)
  if (entry.database && entry.database !== database) {
    throw new UserError(`entry ${entry.id} changed database ${entry.database} (on ${entry.dbHost || 'an unknown host'}), not ${database}: point --db at that database to revert it`, {code: 'wrong_database'})
  }
  const found = findNode(entry.node!, session.states)
  if ('error' in found) throw new UserError(`cannot revert ${entry.id}: ${found.error.message}`, {code: 'unknown_node'})
  const state = found.node
  const shown = (v: string | null) => (v === null ? 'no list' : JSON.stringify(v))
  if (state.raw !== entry.after) {
    throw new UserError(
      `not reverted, nothing written: ${state.name}'s list changed after entry ${entry.id} (it left ${shown(entry.after)}, it is now ${shown(state.raw)}); reverting would undo the later change too: see \`tarsnet nodes history ${state.name}\`, and use \`nodes set-ips\``,
      {code: 'conflict'},
    )
  }
  const ips = ipListTokens(entry.before)
  if (ips === null) throw new UserError(`cannot revert ${entry.id}: the list before it (${shown(entry.before)}) is unreadable; use \`nodes set-ips\``, {code: 'invalid_ip_list'})
  return {node: state.name, ips}
}

async function currentDatabase(db: Db): Promise<string> {
  const [{d}] = await db.query<Array<{d: string}>>('SELECT DATABASE() AS d')
  return d
}
