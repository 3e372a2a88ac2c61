/**
 * `db migrate`: the IP-list column added to t_node_info, once, logged to the audit log. In two steps with
 * the confirmation between them: checkMigration says whether there is anything to do and the SQL;
 * migrate runs it.
 */
import {closeSync} from 'node:fs'

import {appendAudit} from '../store/audit-log.js'
import {addIpListColumn, ipListColumnInfo, migrationSql} from '../store/ip-list-writer.js'
import type {MysqlStore} from '../store/mysql-store.js'
import {openAuditLog, type AuditBy} from './run.js'

export interface MigrateResult {
  column: string
  sql: string
  /** "added", "already-present" (nothing to do) or "dry-run". */
  status: 'added' | 'already-present' | 'dry-run'
  columnType: string | null
  auditLog: string | null
}

/** What a migration would do: "already-present" when the column is there, else "dry-run" (nothing changed yet). */
export async function checkMigration(store: MysqlStore): Promise<MigrateResult> {
  const column = store.ipListColumn
  const result: MigrateResult = {column, sql: `${migrationSql(column)};`, status: 'dry-run', columnType: null, auditLog: null}
  const before = await ipListColumnInfo(store.db, column)
  if (before.exists) {
    result.status = 'already-present'
    result.columnType = before.type ?? null
  }
  return result
}

/**
 * Adds the column (the audit log is opened first: an unwritable log refuses the change). "already-present"
 * when another migrate added it meanwhile. The column added but its audit entry not written is `auditError`.
 */
export async function migrate(store: MysqlStore, checked: MigrateResult, by: Omit<AuditBy, 'revertOf'>): Promise<{result: MigrateResult; auditError?: string}> {
  const {db} = store
  const {column} = checked
  const audit = openAuditLog(by.path)
  let added: boolean
  try {
    added = await addIpListColumn(db, column)
  } catch (error) {
    closeSync(audit.fd)
    throw error
  }
  const after = await ipListColumnInfo(db, column)
  const result: MigrateResult = {...checked, columnType: after.type ?? null}
  if (!added) {
    closeSync(audit.fd)
    result.status = 'already-present'
    return {result}
  }
  result.status = 'added'
  try {
    const rows = await db.query<Array<{u: string; d: string}>>('SELECT CURRENT_USER() AS u, DATABASE() AS d')
    appendAudit(audit, [{
      time: new Date().toISOString(), kind: 'migrate', osUser: by.osUser, dbUser: String(rows[0]?.u ?? ''), dbHost: store.info.host ?? '',
      database: String(rows[0]?.d ?? ''), node: null, before: null, after: checked.sql, command: by.command,
    }])
    result.auditLog = by.path
  } catch (error) {
    return {result, auditError: (error as Error).message}
  }
  return {result}
}
