/**
 * A throwaway db_tars on a real MySQL/MariaDB server: created per test file, seeded per test, dropped after.
 * The server is TARSNET_TEST_DB (default mysql://root@127.0.0.1:3306).
 */
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {after, before, beforeEach} from 'node:test'
import mysql, {type Connection, type RowDataPacket} from 'mysql2/promise'

import {DB_TARS_TABLES} from './schema.js'

export const TEST_SERVER = process.env.TARSNET_TEST_DB ?? 'mysql://root@127.0.0.1:3306'

/** The test server's host, port, user and password, as a mysql2 connection or a peer's config wants them. */
export function serverOptions() {
  const u = new URL(TEST_SERVER)
  return {host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password)}
}

export interface NodeSeed {
  node_name: string
  endpoint_ip?: string
  present_state?: 'active' | 'inactive'
  setting_state?: 'active' | 'inactive'
  /** Seconds since the last heartbeat; null for NULL. Default 5. */
  heartbeat_age?: number | null
  tars_version?: string
  ip_list?: string | null
}

export interface ServerSeed {
  application: string
  server_name: string
  node_name: string
  setting_state?: string
  present_state?: string
  flow_state?: string
  bak_flag?: number
  enable_group?: string
  enable_set?: string
  set_name?: string | null
  set_area?: string | null
  set_group?: string | null
  ip_group_name?: string | null
}

export interface AdapterSeed {
  application: string
  server_name: string
  node_name: string
  adapter_name?: string
  endpoint: string
  servant: string
  protocol?: string
}

export class TestDb {
  readonly name: string
  readonly conn: Connection
  private constructor(name: string, conn: Connection) {
    this.name = name
    this.conn = conn
  }

  /** Creates a database `tarsnet_test_<random>` with the db_tars tables (and the IP-list column unless told not to). */
  static async create(options: {ipListColumn?: string | false} = {}): Promise<TestDb> {
    const name = `tarsnet_test_${randomBytes(5).toString('hex')}`
    const conn = await mysql.createConnection({...serverOptions(), multipleStatements: true})
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8`)
    await conn.query(`USE \`${name}\``)
    for (const ddl of DB_TARS_TABLES) await conn.query(ddl)
    const column = options.ipListColumn === undefined ? 'ip_list' : options.ipListColumn
    if (column) await conn.query(`ALTER TABLE t_node_info ADD COLUMN \`${column}\` varchar(512) DEFAULT NULL`)
    return new TestDb(name, conn)
  }

  /** The URL tarsnet is given to reach this database. */
  get url(): string {
    const u = new URL(TEST_SERVER)
    u.pathname = `/${this.name}`
    return u.toString()
  }

  async query<T = RowDataPacket[]>(sql: string, values: unknown[] = []): Promise<T> {
    const [rows] = await this.conn.query(sql, values)
    return rows as T
  }

  async addNodes(nodes: NodeSeed[], column = 'ip_list'): Promise<void> {
    for (const n of nodes) {
      const age = n.heartbeat_age === undefined ? 5 : n.heartbeat_age
      const cols = ['node_name', 'endpoint_ip', 'present_state', 'setting_state', 'last_heartbeat', 'last_reg_time', 'tars_version']
      const values: unknown[] = [n.node_name, n.endpoint_ip ?? '', n.present_state ?? 'active', n.setting_state ?? 'active', age, age, n.tars_version ?? '3.0.19']
      if (n.ip_list !== undefined) {
        cols.push(column)
        values.push(n.ip_list)
      }
      const placeholders = cols.map((c) => (c === 'last_heartbeat' || c === 'last_reg_time' ? 'IF(? IS NULL, NULL, NOW() - INTERVAL ? SECOND)' : '?'))
      const expanded: unknown[] = []
      cols.forEach((c, i) => {
        if (c === 'last_heartbeat' || c === 'last_reg_time') expanded.push(values[i], values[i])
        else expanded.push(values[i])
      })
      await this.conn.query(`INSERT INTO t_node_info (${cols.map((c) => `\`${c}\``).join(', ')}) VALUES (${placeholders.join(', ')})`, expanded)
    }
  }

  async addServers(servers: ServerSeed[]): Promise<void> {
    for (const s of servers) {
      await this.conn.query(
        `INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state, flow_state, bak_flag, enable_group, enable_set, set_name, set_area, set_group, ip_group_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [s.application, s.server_name, s.node_name, s.setting_state ?? 'active', s.present_state ?? 'active', s.flow_state ?? 'active', s.bak_flag ?? 0,
          s.enable_group ?? 'N', s.enable_set ?? 'N', s.set_name ?? null, s.set_area ?? null, s.set_group ?? null, s.ip_group_name ?? null],
      )
    }
  }

  async addAdapters(adapters: AdapterSeed[]): Promise<void> {
    for (const a of adapters) {
      await this.conn.query(
        'INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant, protocol) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [a.application, a.server_name, a.node_name, a.adapter_name ?? `${a.servant}Adapter`, a.endpoint, a.servant, a.protocol ?? 'tars'],
      )
    }
  }

  async drop(): Promise<void> {
    await this.conn.query(`DROP DATABASE IF EXISTS \`${this.name}\``).catch(() => {})
    await this.conn.end().catch(() => {})
  }
}

/**
 * One throwaway db_tars for a whole test file, its t_node_info reset to `seed` before every test;
 * `onSeeded` runs after each reset (to hand the database to the file and set up per-test state).
 */
export function useSeededDb(seed: NodeSeed[], onSeeded: (db: TestDb) => void | Promise<void>): void {
  let db: TestDb
  before(async () => {
    db = await TestDb.create()
  })
  after(async () => {
    await db.drop()
  })
  beforeEach(async () => {
    await db.query('DELETE FROM t_node_info')
    await db.addNodes(seed)
    await onSeeded(db)
  })
}

/** A node's stored IP-list value (undefined when there is no such node). */
export async function storedIpList(db: TestDb, node: string): Promise<string | null | undefined> {
  const rows = await db.query<RowDataPacket[]>('SELECT ip_list AS v FROM t_node_info WHERE node_name = ?', [node])
  return rows[0]?.v
}

/** The entries of an audit log file (JSON lines); none when it does not exist. */
export function readAuditLog(path: string): Array<Record<string, any>> {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l))
}

/** A connection to the test server with no database selected (for creating users and the like). */
export function adminConnection(): Promise<Connection> {
  return mysql.createConnection({...serverOptions(), multipleStatements: true})
}

/** Whether the test server answers; tests that need it fail loudly rather than skip. */
export async function testServerReachable(): Promise<boolean> {
  try {
    const c = await mysql.createConnection({...serverOptions(), connectTimeout: 3000})
    await c.end()
    return true
  } catch {
    return false
  }
}
