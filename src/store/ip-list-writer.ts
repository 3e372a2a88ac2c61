/**
 * The one write path for IP lists: every editing command goes through here.
 * One transaction per command; each row is written with a compare-and-swap UPDATE that applies only
 * if the row still holds the value that was read and shown (`<=>` so NULL compares equal to NULL).
 * If any row changed in between (another operator, a tarsnode report), everything is rolled back and
 * the conflicts are returned with both values. InnoDB's UPDATE reads the latest committed row, so two
 * concurrent edits of one node cannot both succeed: the second waits for the first's row lock, then
 * finds the value changed.
 */
import type {ResultSetHeader, RowDataPacket} from 'mysql2/promise'

import {UserError} from '../core/errors.js'
import {describeDbError} from './host-race.js'
import {NoReplyError, type Db} from './mysql-store.js'

export interface IpListChange {
  node: string
  /** The value read and shown: the UPDATE applies only if the row still holds exactly this. */
  expected: string | null
  /** The value to store (null: no list). */
  value: string | null
}

export interface Conflict {
  node: string
  expected: string | null
  /** What the row holds now; undefined when the row is gone. */
  actual: string | null | undefined
}

export type ApplyOutcome =
  | {applied: true; dbUser: string; database: string}
  | {applied: false; conflicts: Conflict[]}

const q = (column: string) => `\`${column.replace(/`/g, '``')}\``

/**
 * The compare-and-swap. BINARY: the default utf8 collations compare case- and trailing-space-insensitively,
 * and the swap must apply only to exactly the value read. `<=>` is NULL-safe (NULL matches NULL).
 */
export function updateStatement(column: string): string {
  return `UPDATE t_node_info SET ${q(column)} = ? WHERE node_name = ? AND BINARY ${q(column)} <=> BINARY ?`
}

/** The SQL a change runs, with values inlined, for --dry-run and --verbose. */
export function renderChangeSql(db: Db, column: string, changes: IpListChange[]): string[] {
  return [
    'START TRANSACTION;',
    ...changes.map((c) => `${db.format(updateStatement(column), [c.value, c.node, c.expected])};`),
    `-- each UPDATE must match 1 row (the value read is still there); otherwise ROLLBACK and nothing is written`,
    'COMMIT;',
  ]
}

/** How long a write waits for a row another session holds before giving up (s). */
const LOCK_WAIT_SECONDS = 20

function lostConnection(error: unknown): boolean {
  const code = (error as {code?: string}).code ?? ''
  return ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_CONNECTION_KILLED', 'ER_QUERY_INTERRUPTED', 'ETIMEDOUT'].includes(code)
    || (error as {fatal?: boolean}).fatal === true
}

/**
 * Applies the changes in one transaction, all or nothing. Throws a UserError saying what happened when the
 * database fails — and whether anything can have been written: before COMMIT is sent, nothing can be; when
 * COMMIT got no reply, the outcome is unknown and the message says how to check.
 * Every statement is bounded (Db.query); an UPDATE may also wait out the lock wait the server bounds.
 */
export async function applyChanges(db: Db, column: string, changes: IpListChange[], nodesToCheck = 'NODE'): Promise<ApplyOutcome> {
  let stage: 'begin' | 'write' | 'commit' = 'begin'
  const lockWaitMs = LOCK_WAIT_SECONDS * 1000
  try {
    await db.query(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_SECONDS}`)
    await db.query('START TRANSACTION')
    stage = 'write'
    const conflicts: Conflict[] = []
    // Rows in one fixed order: two imports touching the same nodes then queue instead of deadlocking.
    const ordered = [...changes].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
    for (const change of ordered) {
      const result = await db.query<ResultSetHeader>(updateStatement(column), [change.value, change.node, change.expected], lockWaitMs)
      // mysql2 connects with CLIENT_FOUND_ROWS: affectedRows counts matched rows, so rewriting an equal value is 1, not 0.
      if (result.affectedRows !== 1) conflicts.push({node: change.node, expected: change.expected, actual: undefined})
    }
    if (conflicts.length > 0) {
      await db.query('ROLLBACK')
      const current = await readValues(db, column, conflicts.map((c) => c.node))
      for (const c of conflicts) c.actual = current.has(c.node) ? current.get(c.node)! : undefined
      return {applied: false, conflicts}
    }
    const who = await db.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u, DATABASE() AS d')
    stage = 'commit'
    await db.query('COMMIT')
    return {applied: true, dbUser: String(who[0]?.u ?? ''), database: String(who[0]?.d ?? '')}
  } catch (error) {
    if (error instanceof NoReplyError) {
      if (stage === 'commit') {
        throw new UserError(
          `the database stopped answering while committing (${error.reason}): the change may or may not be applied; once it answers again, check with \`tarsnet nodes show ${nodesToCheck}\` (or \`nodes list\`) before retrying`,
          {code: 'commit_unknown', cause: error},
        )
      }
      // COMMIT was never sent: the server can only roll the transaction back when it notices the connection is gone.
      throw new UserError(`the database stopped answering (${error.reason}); nothing was written: run the command again when it answers, or point --db at its address on the other network`, {code: 'db_no_reply', cause: error})
    }
    if (error instanceof UserError) throw error
    if (stage !== 'commit') await db.query('ROLLBACK').catch(() => {})
    const why = describeDbError(error)
    if (stage === 'commit' && lostConnection(error)) {
      throw new UserError(`the database connection was lost while committing (${why}): the change may or may not be applied; check with \`tarsnet nodes show ${nodesToCheck}\` before retrying`, {code: 'commit_unknown', cause: error})
    }
    if (lostConnection(error)) {
      throw new UserError(`the database connection was lost before the change was committed (${why}): nothing was written (the server rolls back an unfinished transaction); run the command again`, {code: 'interrupted', cause: error})
    }
    const code = (error as {code?: string}).code
    if (code === 'ER_LOCK_DEADLOCK') {
      throw new UserError(`another session was editing the same nodes at the same moment (${why}): nothing was written; run the command again`, {code: 'locked', cause: error})
    }
    if (code === 'ER_LOCK_WAIT_TIMEOUT') {
      throw new UserError(`another session held the node's row for over ${LOCK_WAIT_SECONDS} s (${why}): nothing was written; run the command again`, {code: 'locked', cause: error})
    }
    if (code === 'ER_TABLEACCESS_DENIED_ERROR' || code === 'ER_COLUMNACCESS_DENIED_ERROR') {
      throw new UserError(`the database user may not update t_node_info (${why}): nothing was written; use a user with UPDATE on t_node_info`, {code: 'db_denied', cause: error})
    }
    throw new UserError(`writing the IP list failed (${why}): nothing was written`, {code: 'write_failed', cause: error})
  }
}

/** The current IP-list values of the given nodes (absent: no such row). */
export async function readValues(db: Db, column: string, nodes: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>()
  if (nodes.length === 0) return out
  const rows = await db.query<RowDataPacket[]>(`SELECT node_name, ${q(column)} AS v FROM t_node_info WHERE node_name IN (?)`, [nodes])
  for (const r of rows) {
    const name = String(r.node_name).trim()
    const match = nodes.find((n) => n.toLowerCase() === name.toLowerCase()) ?? name
    out.set(match, r.v === null ? null : String(r.v))
  }
  return out
}

export interface ColumnInfo {
  exists: boolean
  /** e.g. "varchar(512)". */
  type?: string
  maxLength?: number
}

/** Reads the IP-list column's definition now (not from the store's cached list: migrate may just have added it). */
export async function ipListColumnInfo(db: Db, column: string): Promise<ColumnInfo> {
  const rows = await db.query<RowDataPacket[]>(
    `SELECT COLUMN_TYPE AS t, CHARACTER_MAXIMUM_LENGTH AS l FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't_node_info' AND COLUMN_NAME = ?`,
    [column],
  )
  if (rows.length === 0) return {exists: false}
  const length = rows[0].l === null || rows[0].l === undefined ? undefined : Number(rows[0].l)
  return {exists: true, type: String(rows[0].t), ...(length !== undefined && Number.isFinite(length) ? {maxLength: length} : {})}
}

/**
 * The migration: one nullable column and nothing else.
 * varchar(512): an IPv6 address is at most 39 characters, so 512 holds a dozen of them (or ~30 IPv4),
 * far beyond the two or three networks a node has, and it stays an in-row column (no TEXT overflow page).
 * DEFAULT NULL: existing rows read as "no list" and keep falling back to endpoint_ip, and tarsnode's own
 * INSERT/UPDATE statements, which do not name the column, keep working unchanged. Adding a nullable
 * column at the end is an in-place (instant) ALTER on MariaDB 10.3+ and MySQL 8.
 */
export function migrationSql(column: string): string {
  return `ALTER TABLE t_node_info ADD COLUMN ${q(column)} varchar(512) DEFAULT NULL COMMENT 'node IPs in order of preference, comma-separated (tarsnet)'`
}

/** Runs the migration. Returns false when the column appeared meanwhile (another migrate won): nothing to do. */
export async function addIpListColumn(db: Db, column: string): Promise<boolean> {
  let sent = false
  try {
    // The ALTER waits for the table's metadata lock: bound that wait on the server, so a busy table is
    // an answer (an error) and only a silent server is "stopped answering".
    await db.query(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SECONDS}`)
    sent = true
    await db.query(migrationSql(column), [], LOCK_WAIT_SECONDS * 1000)
    return true
  } catch (error) {
    const code = (error as {code?: string}).code
    if (error instanceof NoReplyError) {
      if (!sent) throw new UserError(`the database stopped answering (${error.reason}); nothing was changed: run it again when it answers`, {code: 'db_no_reply', cause: error})
      throw new UserError(`the database stopped answering during the ALTER TABLE (${error.reason}): the column may or may not have been added; once it answers again, check with \`tarsnet db migrate --dry-run\``, {code: 'commit_unknown', cause: error})
    }
    if (code === 'ER_DUP_FIELDNAME') return false
    if (code === 'ER_TABLEACCESS_DENIED_ERROR' || code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') {
      throw new UserError(`the database user may not ALTER t_node_info (${describeDbError(error)}): run it as a user with ALTER on db_tars, or have the DBA run the SQL shown`, {code: 'db_denied', cause: error})
    }
    if (code === 'ER_LOCK_WAIT_TIMEOUT') {
      throw new UserError(`another session held t_node_info for over ${LOCK_WAIT_SECONDS} s (${describeDbError(error)}): t_node_info is unchanged; run it again`, {code: 'locked', cause: error})
    }
    throw new UserError(`the migration failed (${describeDbError(error)}): t_node_info is unchanged`, {code: 'migrate_failed', cause: error})
  }
}
