import {checkMigration, migrate, type MigrateResult} from '../../edit/migrate.js'
import {EditCommand, writeFlags} from '../../options/edit-command.js'
import {osUser} from '../../store/audit-log.js'
import type {MysqlStore} from '../../store/mysql-store.js'

export type MigrateCommandResult = MigrateResult & {notices: string[]}

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

  async run(): Promise<MigrateCommandResult> {
    this.refuseReadOnlySource()
    const store = (await this.openStore()) as MysqlStore
    const checked = await checkMigration(store)
    const {column} = checked
    const say = (text: string) => {
      if (!this.jsonEnabled()) this.log(text)
    }
    if (checked.status === 'already-present') {
      say(`Nothing to do: t_node_info already has the ${column} column (${checked.columnType}).`)
      return {...checked, notices: this.notices}
    }
    say(`t_node_info has no ${column} column. This adds it:\n\n  ${checked.sql}\n`)
    if (this.writeOptions.dryRun) {
      say('Dry run: nothing was changed.')
      return {...checked, notices: this.notices}
    }
    if (!this.writeOptions.yes) await this.askToApply({question: `Run this ALTER TABLE on ${store.info.source}?`})

    const path = this.auditLogPath
    const {result, auditError} = await migrate(store, checked, {path, osUser: osUser(this.io.env), command: this.commandLine()})
    if (result.status === 'already-present') {
      say(`Nothing to do: the ${column} column appeared meanwhile (another migrate ran).`)
      return {...result, notices: this.notices}
    }
    if (auditError !== undefined) this.notice(`the column WAS added, but the audit log ${path} could not be written (${auditError})`)
    say(`Added t_node_info.${column} (${result.columnType}). Set node IP lists with \`tarsnet nodes set-ips\`, \`nodes edit\` or \`nodes import\`.`)
    return {...result, notices: this.notices}
  }
}
