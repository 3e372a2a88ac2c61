import {closeSync} from 'node:fs'

import {EditCommand, writeFlags} from '../../options/edit-command.js'
import {appendAudit, auditLogPath, osUser} from '../../store/audit-log.js'
import {addIpListColumn, ipListColumnInfo, migrationSql} from '../../store/ip-list-writer.js'
import type {MysqlStore} from '../../store/mysql-store.js'

export interface MigrateResult {
  column: string
  sql: string
  /** "added", "already-present" (nothing to do) or "dry-run". */
  status: 'added' | 'already-present' | 'dry-run'
  columnType: string | null
  auditLog: string | null
  notices: string[]
}

export default class DbMigrate extends EditCommand<typeof DbMigrate> {
  static override summary = 'Add the IP-list column to t_node_info (and nothing else).'
  static override description = `Upstream Tars has no column for a node's several IPs (docs/design.md §1): tarsnet keeps them in t_node_info.ip_list (the name is the profile's ipListColumn). This adds that one nullable column; existing rows read as "no list" and keep falling back to endpoint_ip, and tarsnode keeps working unchanged.
The SQL is shown first. Where a person is, you are asked; scripts pass --yes; --dry-run only prints it. Running it again is a no-op that says so.`

  static override examples = [
    {description: 'See the SQL without changing anything', command: '<%= config.bin %> <%= command.id %> --dry-run'},
    {description: 'Add the column (asks first)', command: "<%= config.bin %> <%= command.id %> --db 'mysql://tarsAdmin@10.10.0.2/db_tars'"},
    {description: 'From a script', command: '<%= config.bin %> <%= command.id %> --yes --json'},
  ]

  static override flags = {...writeFlags}

  async run(): Promise<MigrateResult> {
    this.refuseReadOnlySource()
    const store = (await this.openStore()) as MysqlStore
    const db = store.db
    const column = store.ipListColumn
    const sql = migrationSql(column)
    const result: MigrateResult = {column, sql: `${sql};`, status: 'dry-run', columnType: null, auditLog: null, notices: this.notices}
    const say = (text: string) => {
      if (!this.jsonEnabled()) this.log(text)
    }

    const before = await ipListColumnInfo(db, column)
    if (before.exists) {
      result.status = 'already-present'
      result.columnType = before.type ?? null
      say(`Nothing to do: t_node_info already has the ${column} column (${before.type}).`)
      return result
    }
    say(`t_node_info has no ${column} column. This adds it:\n\n  ${sql};\n`)
    if (this.writeOptions.dryRun) {
      say('Dry run: nothing was changed.')
      return result
    }
    if (!this.writeOptions.yes) await this.askToApply({question: `Run this ALTER TABLE on ${store.info.source}?`})

    const path = auditLogPath(this.settings().auditLog.value, this.dirs.dataDir)
    const audit = this.openAuditLog(path)
    let added: boolean
    try {
      added = await addIpListColumn(db, column)
    } catch (error) {
      closeSync(audit.fd)
      throw error
    }
    const after = await ipListColumnInfo(db, column)
    result.columnType = after.type ?? null
    if (!added) {
      closeSync(audit.fd)
      result.status = 'already-present'
      say(`Nothing to do: the ${column} column appeared meanwhile (another migrate ran).`)
      return result
    }
    result.status = 'added'
    try {
      const rows = await db.query<Array<{u: string; d: string}>>('SELECT CURRENT_USER() AS u, DATABASE() AS d')
      appendAudit(audit, [{
        time: new Date().toISOString(), kind: 'migrate', osUser: osUser(), dbUser: String(rows[0]?.u ?? ''), dbHost: store.info.host ?? '',
        database: String(rows[0]?.d ?? ''), node: null, before: null, after: `${sql};`, command: this.commandLine(),
      }])
      result.auditLog = path
    } catch (error) {
      this.notice(`the column WAS added, but the audit log ${path} could not be written (${(error as Error).message})`)
    }
    say(`Added t_node_info.${column} (${after.type}). Set node IP lists with \`tarsnet nodes set-ips\`, \`nodes edit\` or \`nodes import\`.`)
    return result
  }
}
