/**
 * The stat database as the traffic engine uses it: its clock, its table names, a table's columns, and
 * the summed rows of some slots. Two backends: tarsstat's MySQL (mysql.ts) and rows held in memory (the
 * demo's record, memory.ts), so that both answer exactly the same questions.
 */
import type {DbUrl} from '../store/db-url.js'
import type {Slot, StatSum} from '../core/traffic.js'

/** Rows as tarsstat writes them (one per source_id, caller, callee, interface, IP, port, return value). */
export interface StatRow {
  source_id: string
  f_date: string
  f_tflag: string
  master_name: string
  slave_name: string
  interface_name: string
  slave_ip: string
  slave_port: number
  return_value: number
  succ_count: number
  timeout_count: number
  exce_count: number
}

/** Where the record comes from, as plain data. */
export type StatSource =
  | {kind: 'mysql'; url: DbUrl; password: string | undefined; connectTimeoutMs: number; prefix: string; origin: string}
  | {kind: 'memory'; tables: Record<string, StatRow[]>; nowMs: number; prefix: string; origin: string}

export interface StatDb {
  /** "root@127.0.0.1:3306/tars_stat" or "built-in demo record". */
  readonly source: string
  readonly prefix: string
  /** The database's NOW(), as naive ms (core/traffic). */
  now(): Promise<number>
  /** Every table whose name starts with the prefix. */
  tables(): Promise<string[]>
  /** Lower-cased column names of each named table. */
  columns(tables: string[]): Promise<Map<string, Set<string>>>
  /**
   * One table's rows for these slots, summed over source_id, interface_name and return_value, pseudo callers
   * left out; only callees whose slave_name is one of `servers` (App.Server, any set suffix) when given.
   */
  sum(table: string, slots: Slot[], servers?: string[]): Promise<StatSum[]>
  close(): Promise<void>
}

/** Opens the record (mysql2 is loaded only for the database). */
export async function openStatDb(source: StatSource): Promise<StatDb> {
  if (source.kind === 'memory') {
    const {MemoryStatDb} = await import('./memory.js')
    return new MemoryStatDb(source.tables, source.nowMs, source.prefix, source.origin)
  }
  const {MysqlStatDb} = await import('./mysql.js')
  return MysqlStatDb.open(source)
}
