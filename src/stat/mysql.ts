/**
 * tarsstat's MySQL database: the hosts raced as for db_tars (store/host-race connectFirst), every
 * statement bounded by the same timeout, one indexed, summing query per table.
 */
import type {Connection, RowDataPacket} from 'mysql2/promise'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {parseDbTime, PSEUDO_CALLERS, slotEnd, type Slot, type StatSum} from '../core/traffic.js'
import {formatHost} from '../store/db-url.js'
import {connectFirst, describeDbError, destroyConnection, queryTimeoutFor} from '../store/host-race.js'
import type {StatDb, StatSource} from './db.js'

/** `_` and `%` match literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, '\\$&')

/**
 * The statement that sums one table's slots (sums over source_id, interface_name, return_value and
 * tars_version by grouping without them). It reads through the (f_tflag, slave_name) key tarsstat creates.
 */
export function sumStatement(table: string, slots: Slot[], servers?: string[]): {sql: string; values: unknown[]} {
  const values: unknown[] = [[...new Set(slots.map((s) => s.tflag))], [...new Set(slots.map((s) => s.date))], [...PSEUDO_CALLERS]]
  let callee = ''
  if (servers) {
    callee = servers.length === 0 ? ' AND FALSE' : ` AND (${servers.map(() => 'slave_name = ? OR slave_name LIKE ?').join(' OR ')})`
    for (const s of servers) values.push(s, `${likeLiteral(s)}.%`)
  }
  const sql = `SELECT f_date AS d, f_tflag AS f, master_name AS m, slave_name AS s, slave_ip AS ip, slave_port AS p, `
    + `SUM(succ_count) AS ok, SUM(timeout_count) AS t, SUM(exce_count) AS e FROM \`${table.replaceAll('`', '``')}\` `
    + `WHERE f_tflag IN (?) AND f_date IN (?) AND master_name NOT IN (?)${callee} `
    + 'GROUP BY f_date, f_tflag, master_name, slave_name, slave_ip, slave_port'
  return {sql, values}
}

export class MysqlStatDb implements StatDb {
  private constructor(private readonly connection: Connection, readonly source: string, readonly prefix: string, private readonly host: string, private readonly timeoutMs: number) {}

  static async open(source: Extract<StatSource, {kind: 'mysql'}>): Promise<MysqlStatDb> {
    let connected
    try {
      connected = await connectFirst({url: source.url, password: source.password, connectTimeoutMs: source.connectTimeoutMs})
    } catch (error) {
      if (!(error instanceof UserError)) throw error
      // connectFirst speaks of db_tars and --db: say which database this is, and where it was named.
      const why = error.code === 'db_unreachable' ? error.message.replace(/^cannot reach the database: /, '').replace(/\. Check the hosts.*$/, '')
        : error.code === 'db_not_found' ? `no database "${source.url.database}"` : error.message
      throw new UserError(`cannot read the stat database (${source.origin}): ${why}; give tarsstat's database with --stat-db mysql://user@host/tars_stat or the profile key stat.db`, {code: error.code === 'db_not_found' ? 'stat_db_not_found' : 'stat_db_unreachable', exitCode: EXIT.unknown})
    }
    const host = formatHost(connected.host)
    return new MysqlStatDb(connected.connection, `${source.url.user}@${host}/${source.url.database}`, source.prefix, host, queryTimeoutFor(source.connectTimeoutMs))
  }

  private async query(sql: string, values: unknown[] = []): Promise<RowDataPacket[]> {
    try {
      const [rows] = await this.connection.query({sql, values, timeout: this.timeoutMs})
      return rows as RowDataPacket[]
    } catch (error) {
      if ((error as {code?: string}).code === 'PROTOCOL_SEQUENCE_TIMEOUT') destroyConnection(this.connection)
      throw new UserError(`the stat database ${this.host} failed a query: ${describeDbError(error, this.timeoutMs)}`, {code: 'stat_db_query_failed', exitCode: EXIT.unknown})
    }
  }

  async now(): Promise<number> {
    const [row] = await this.query('SELECT CAST(NOW() AS CHAR) AS now')
    return parseDbTime(String(row.now))
  }

  async tables(): Promise<string[]> {
    const rows = await this.query('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE ?', [`${likeLiteral(this.prefix)}%`])
    return rows.map((r) => String(r.t))
  }

  async columns(tables: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>()
    if (tables.length === 0) return out
    const rows = await this.query('SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)', [tables])
    for (const r of rows) {
      const t = String(r.t)
      if (!out.has(t)) out.set(t, new Set())
      out.get(t)!.add(String(r.c).toLowerCase())
    }
    return out
  }

  async sum(table: string, slots: Slot[], servers?: string[]): Promise<StatSum[]> {
    const {sql, values} = sumStatement(table, slots, servers)
    const rows = await this.query(sql, values)
    return rows.map((r) => ({end: slotEnd(String(r.d), String(r.f)), master: String(r.m), slave: String(r.s), ip: String(r.ip), port: Number(r.p), ok: Number(r.ok ?? 0), timeouts: Number(r.t ?? 0), exceptions: Number(r.e ?? 0)}))
  }

  async close(): Promise<void> {
    await this.connection.end().catch(() => destroyConnection(this.connection))
  }
}
