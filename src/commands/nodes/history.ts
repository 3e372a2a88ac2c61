import {Args, Flags} from '@oclif/core'

import {matcher} from '../../core/text.js'
import {BaseCommand} from '../../lib/base-command.js'
import {renderTable} from '../../lib/table.js'
import {auditLogPath, readAudit, type AuditEntry} from '../../store/audit-log.js'

export interface HistoryResult {
  auditLog: string
  entries: AuditEntry[]
  notices: string[]
}

export default class NodesHistory extends BaseCommand<typeof NodesHistory> {
  static override summary = 'The IP-list changes tarsnet applied, newest first (the audit log).'
  static override description = `Every change applied by set-ips, add-ip, remove-ip, edit, import, detect --write and db migrate is appended to the audit log (JSON lines in tarsnet's data dir, or the profile's auditLog path): when, OS user, database user and host, node, before, after, and the command. A change that was not applied (refused, dry run, conflict, interrupted) is never logged.
The log is local to the machine tarsnet ran on.`

  static override examples = [
    {description: 'All changes', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'One node\'s changes', command: '<%= config.bin %> <%= command.id %> 10.10.0.5'},
    {description: 'The last 5, as JSON', command: '<%= config.bin %> <%= command.id %> --limit 5 --json'},
  ]

  static override args = {
    node: Args.string({description: 'Only this node (a glob works: \'10.10.1.*\').'}),
  }

  static override flags = {
    limit: Flags.integer({summary: 'Show at most this many entries.', min: 1}),
  }

  async run(): Promise<HistoryResult> {
    const path = auditLogPath(this.settings().auditLog.value, this.config.dataDir)
    const {entries, unreadable, exists} = readAudit(path)
    if (!exists) this.notice(`no audit log yet at ${path}: nothing has been applied from this machine`)
    if (unreadable > 0) this.notice(`${unreadable} line(s) of ${path} are not audit entries and were skipped`)
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

  private render(result: HistoryResult): void {
    if (result.entries.length === 0) {
      this.log(this.args.node ? `No applied changes for ${this.args.node} in ${result.auditLog}.` : `No applied changes in ${result.auditLog}.`)
      return
    }
    const value = (v: string | null) => (v === null ? '(none)' : v.split(',').join('\n'))
    const rows = result.entries.map((e) => [
      e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.kind === 'migrate' ? '(schema)' : (e.node ?? ''),
      e.kind === 'migrate' ? '' : value(e.before),
      e.kind === 'migrate' ? 'db migrate: IP-list column added' : value(e.after),
      `${e.osUser}\ndb ${e.dbUser} on ${e.dbHost}`,
      e.command,
    ])
    this.log(renderTable(['WHEN (UTC)', 'NODE', 'BEFORE', 'AFTER', 'BY', 'COMMAND'], rows))
  }
}
