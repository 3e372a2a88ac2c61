import {Args, Flags} from '@oclif/core'

import {planEdits} from '../../core/ip-list-edit.js'
import {readHistory, revertibleEntry, revertRequest, selectEntries, type HistoryEntry} from '../../edit/history.js'
import {historyText} from '../../edit/view.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'

export interface HistoryResult {
  auditLog: string
  entries: HistoryEntry[]
  /** With --revert: the change that undid the entry. */
  revert?: EditCommandResult & {entry: HistoryEntry}
  notices: string[]
}

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
    const path = this.auditLogPath
    const {read, notices} = readHistory(path)
    for (const n of notices) this.notice(n)
    if (this.flags.revert !== undefined) return this.revert(path, read.entries, this.flags.revert)
    const result: HistoryResult = {auditLog: path, entries: selectEntries(read.entries, {node: this.args.node, limit: this.flags.limit}), notices: this.notices}
    if (!this.jsonEnabled()) this.log(historyText(result.entries, path, this.args.node, this.screen))
    return result
  }

  /** Undoes one applied change: the entry's `before` goes back, if the list is still the entry's `after`. */
  private async revert(path: string, entries: HistoryEntry[], given: string): Promise<HistoryResult> {
    const entry = revertibleEntry(entries, given, path)
    const session = await this.openForEdit()
    const {node, ips} = await revertRequest(session, entry)
    if (!this.jsonEnabled()) this.log(`Reverting ${entry.id} (${entry.time}, ${entry.command}):`)
    const rules = this.listRules(session)
    const plan = planEdits([{node, proposed: ips, replace: true}], session.states, {...rules, allowEmpty: rules.allowEmpty || ips.length === 0})
    const revert = await this.applyPlan(session, plan, {revertOf: entry.id})
    return {auditLog: path, entries: [entry], revert: {...revert, entry}, notices: this.notices}
  }
}
