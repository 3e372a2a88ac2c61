import {Args, Flags} from '@oclif/core'

import {UserError} from '../../core/errors.js'
import {findNode, planEdits} from '../../core/ip-list-edit.js'
import {ipListTokens} from '../../core/nodes.js'
import {matcher} from '../../core/text.js'
import {EditCommand, listFlags, writeFlags, type EditResult} from '../../options/edit-command.js'
import {renderTable} from '../../platform/table.js'
import {auditLogPath, readAudit, type AuditEntry} from '../../store/audit-log.js'
import {NOTHING} from '../../core/names.js'

export interface HistoryResult {
  auditLog: string
  entries: Array<AuditEntry & {id: string}>
  /** With --revert: the change that undid the entry. */
  revert?: EditResult & {entry: AuditEntry & {id: string}}
  notices: string[]
}

/** An ID given on the command line: at least this many hex digits of it. */
const MIN_ID_PREFIX = 4

export default class NodesHistory extends EditCommand<typeof NodesHistory> {
  static override summary = 'The IP-list changes tarsnet applied, newest first (the audit log); --revert ID undoes one.'
  static override description = `Every change applied by set-ips, add-ip, remove-ip, edit, import, detect --write and db migrate is appended to the audit log (JSON lines in tarsnet's data dir, or the profile's auditLog path): when, OS user, database user and host, node, before, after, and the command. A change that was not applied (refused, dry run, conflict, interrupted) is never logged.
Each entry has an ID: the first 10 hex digits of the SHA-256 of its line, stable for as long as the log is kept. A line that is not an entry is skipped, and said.
--revert ID puts the node's list back to what it was before that change, through the same checks, confirmation and compare-and-swap write as set-ips: only while the list is still what that change left (a later change is never undone silently), and only on the database the change was made on. The revert is logged too.
The log is local to the machine tarsnet ran on.`

  static override examples = [
    {description: 'All changes', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'One node\'s changes', command: '<%= config.bin %> <%= command.id %> 10.10.0.5'},
    {description: 'The last 5, as JSON', command: '<%= config.bin %> <%= command.id %> --limit 5 --json'},
    {description: 'Undo a change (the ID from the list; a unique prefix will do)', command: '<%= config.bin %> <%= command.id %> --revert 3f9a2c71d0'},
  ]

  static override args = {
    node: Args.string({description: 'Only this node (a glob works: \'10.10.1.*\').'}),
  }

  static override flags = {
    limit: Flags.integer({summary: 'Show at most this many entries.', min: 1}),
    revert: Flags.string({summary: 'Undo the change with this ID: the node\'s list goes back to its value before it.', helpValue: 'ID'}),
    ...writeFlags,
    ...listFlags,
  }

  async run(): Promise<HistoryResult> {
    const path = auditLogPath(this.settings().auditLog.value, this.dirs.dataDir)
    let read
    try {
      read = readAudit(path)
    } catch (error) {
      throw new UserError(`cannot read the audit log ${path}: ${(error as Error).message}`, {code: 'audit_log_unreadable'})
    }
    const {entries, unreadable, firstUnreadableLine, exists} = read
    if (!exists) this.notice(`no audit log yet at ${path}: nothing has been applied from this machine`)
    if (unreadable > 0) this.notice(`${unreadable} line(s) of ${path} are not audit entries and were skipped (the first is line ${firstUnreadableLine})`)
    if (this.flags.revert !== undefined) return this.revert(path, entries, this.flags.revert)
    const wanted = this.args.node
    const matches = wanted ? matcher(wanted) : () => true
    // Newest first; the file is in append order, so equal times keep their order reversed too.
    let shown = entries
      .map((e, i) => ({e, i}))
      .filter(({e}) => (wanted ? e.node !== null && matches(e.node) : true))
      .sort((a, b) => (a.e.time === b.e.time ? b.i - a.i : a.e.time < b.e.time ? 1 : -1))
      .map(({e}) => e)
    if (this.flags.limit) shown = shown.slice(0, this.flags.limit)
    const result: HistoryResult = {auditLog: path, entries: shown, notices: this.notices}
    if (!this.jsonEnabled()) this.render(result)
    return result
  }

  /** Undoes one applied change: the entry's `before` goes back, if the list is still the entry's `after`. */
  private async revert(path: string, entries: Array<AuditEntry & {id: string}>, given: string): Promise<HistoryResult> {
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
    const session = await this.openForEdit()
    const [{d: database}] = await session.db.query<Array<{d: string}>>('SELECT DATABASE() AS d')
    if (entry.database && entry.database !== database) {
      throw new UserError(`entry ${entry.id} changed database ${entry.database} (on ${entry.dbHost || 'an unknown host'}), not ${database}: point --db at that database to revert it`, {code: 'wrong_database'})
    }
    const found2 = findNode(entry.node, session.states)
    if ('error' in found2) throw new UserError(`cannot revert ${entry.id}: ${found2.error.message}`, {code: 'unknown_node'})
    const state = found2.node
    const shown = (v: string | null) => (v === null ? 'no list' : JSON.stringify(v))
    if (state.raw !== entry.after) {
      throw new UserError(
        `not reverted, nothing written: ${state.name}'s list changed after entry ${entry.id} (it left ${shown(entry.after)}, it is now ${shown(state.raw)}); reverting would undo the later change too: see \`tarsnet nodes history ${state.name}\`, and use \`nodes set-ips\``,
        {code: 'conflict'},
      )
    }
    const tokens = ipListTokens(entry.before)
    if (tokens === null) throw new UserError(`cannot revert ${entry.id}: the list before it (${shown(entry.before)}) is unreadable; use \`nodes set-ips\``, {code: 'invalid_ip_list'})
    if (!this.jsonEnabled()) this.log(`Reverting ${entry.id} (${entry.time}, ${entry.command}):`)
    const plan = planEdits([{node: state.name, proposed: tokens, replace: true}], session.states, {
      networks: session.networks, force: this.flags.force, allowEmpty: this.flags['allow-empty'] || tokens.length === 0, maxLength: session.columnInfo.maxLength,
    })
    const revert = await this.applyPlan(session, plan, {revertOf: entry.id})
    return {auditLog: path, entries: [entry], revert: {...revert, entry}, notices: this.notices}
  }

  private render(result: HistoryResult): void {
    if (result.entries.length === 0) {
      this.log(this.args.node ? `No applied changes for ${this.args.node} in ${result.auditLog}.` : `No applied changes in ${result.auditLog}.`)
      return
    }
    const value = (v: string | null) => (v === null ? NOTHING : v.split(',').join('\n'))
    const rows = result.entries.map((e) => [
      e.id,
      e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.kind === 'migrate' ? '(schema)' : (e.node ?? ''),
      e.kind === 'migrate' ? '' : value(e.before),
      e.kind === 'migrate' ? 'db migrate: IP-list column added' : value(e.after),
      `${e.osUser}\ndb ${e.dbUser} on ${e.dbHost}`,
      e.revertOf ? `${e.command}\n(reverts ${e.revertOf})` : e.command,
    ])
    this.log(renderTable(['ID', 'WHEN (UTC)', 'NODE', 'BEFORE', 'AFTER', 'BY', 'COMMAND'], rows, {width: this.width, squeeze: ['WHEN (UTC)', 'BY', 'COMMAND']}))
  }
}
