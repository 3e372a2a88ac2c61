/**
 * The MySQL backend: reads db_tars, on the connection the host race (host-race.ts) won, with a few
 * indexed queries (never one per node), every statement bounded by a timeout, and turns driver errors
 * into one clear line each.
 */
import type {Connection, RowDataPacket} from 'mysql2/promise'

import {formatHost} from './db-url.js'
import {connectFirst, describeDbError, destroyConnection, queryTimeoutFor, type RaceOptions} from './host-race.js'
import {UserError} from '../core/errors.js'
import type {RecentChange} from '../core/registry-compare.js'
import type {AdapterRow, GroupPriorityRow, GroupRuleRow, NodeRow, ObjectRows, RegistryRow, ServerRow} from '../core/rows.js'
import type {ClientProfiles, Snapshot, Store, StoreInfo} from './types.js'

export interface ConnectOptions extends RaceOptions {
  ipListColumn: string
}

/**
 * A statement that got no reply within the query timeout: the database stopped answering. As it stands
 * the message fits a read (nothing can have been written); the writers say more where a COMMIT was sent.
 */
export class NoReplyError extends UserError {
  /** "no reply from 10.10.0.2:3306 within 15 s". */
  readonly reason: string
  constructor(readonly host: string, readonly timeoutMs: number) {
    const reason = `no reply from ${host} within ${timeoutMs / 1000} s`
    super(
      `the database stopped answering (${reason}); nothing was written: try again, give its address on the other network (--db mysql://user@host1,host2/db_tars), or read a saved snapshot with --snapshot FILE`,
      {code: 'db_no_reply'},
    )
    this.reason = reason
  }
}

/**
 * The database as the store and the writers use it: every statement bounded by a timeout derived from
 * --db-timeout, so that a server that stops answering (frozen, or its network cut mid-query) is reported
 * instead of hanging. On a timeout the connection is destroyed (the server rolls back whatever it had
 * not committed when it notices) and NoReplyError is thrown.
 */
export interface Db {
  /** host:port that answered. */
  readonly host: string
  /** How long one statement may go without a reply. */
  readonly queryTimeoutMs: number
  /** Runs one statement; `extraMs` adds to the timeout a wait the server itself bounds (a lock wait). */
  query<T = RowDataPacket[]>(sql: string, values?: unknown[], extraMs?: number): Promise<T>
  /** The statement with its values inlined, for display. */
  format(sql: string, values?: unknown[]): string
}

const REQUIRED_TABLES = ['t_node_info', 't_server_conf', 't_adapter_conf', 't_registry_info'] as const
const OPTIONAL_TABLES = ['t_server_group_rule', 't_group_priority', 't_profile_template'] as const

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v))
/** UNIX_TIMESTAMP() of a DATETIME, converted in the server's own time zone, as ISO-8601 UTC. */
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(Number(v) * 1000).toISOString())

export class MysqlStore implements Store {
  readonly info: StoreInfo
  readonly ipListColumn: string
  readonly db: Db
  private readonly connection: Connection
  private readonly tables: Map<string, Set<string>>
  /** Set once a statement got no reply: the connection is gone and must not be ended politely. */
  private broken = false

  private constructor(connection: Connection, info: StoreInfo, ipListColumn: string, tables: Map<string, Set<string>>, queryTimeoutMs: number) {
    this.connection = connection
    this.info = info
    this.ipListColumn = ipListColumn
    this.tables = tables
    this.db = MysqlStore.bounded(connection, info.host ?? '', queryTimeoutMs, () => (this.broken = true))
  }

  private static bounded(connection: Connection, host: string, queryTimeoutMs: number, onBroken: () => void): Db {
    return {
      host,
      queryTimeoutMs,
      async query<T>(sql: string, values: unknown[] = [], extraMs = 0): Promise<T> {
        const timeout = queryTimeoutMs + extraMs
        try {
          const [rows] = await connection.query({sql, values, timeout})
          return rows as T
        } catch (error) {
          if ((error as {code?: string}).code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
            onBroken()
            destroyConnection(connection)
            throw new NoReplyError(host, timeout)
          }
          throw error
        }
      },
      format: (sql, values) => connection.format(sql, values),
    }
  }

  /** Connects (racing the hosts) and checks this is a db_tars database (one information_schema query). */
  static async open(options: ConnectOptions): Promise<MysqlStore> {
    const {connection, host, failures} = await connectFirst(options)
    const queryTimeoutMs = queryTimeoutFor(options.connectTimeoutMs)
    const db = MysqlStore.bounded(connection, formatHost(host), queryTimeoutMs, () => {})
    try {
      const rows = await db.query<RowDataPacket[]>(
        'SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)',
        [[...REQUIRED_TABLES, ...OPTIONAL_TABLES]],
      )
      const tables = new Map<string, Set<string>>()
      for (const r of rows) {
        const t = String(r.t)
        if (!tables.has(t)) tables.set(t, new Set())
        tables.get(t)!.add(String(r.c).toLowerCase())
      }
      const missing = REQUIRED_TABLES.filter((t) => !tables.has(t))
      if (missing.length > 0) {
        throw new UserError(`not a db_tars database: ${missing.join(', ')} missing in ${options.url.database} on ${formatHost(host)}; point --db at the Tars framework database`, {code: 'not_db_tars'})
      }
      const info: StoreInfo = {
        kind: 'mysql',
        source: `${options.url.user}@${formatHost(host)}/${options.url.database}`,
        host: formatHost(host),
      }
      if (failures.length > 0) info.failedHosts = failures.map((f) => ({host: formatHost(f.host), error: f.error, ...(f.abandoned ? {abandoned: true} : {})}))
      return new MysqlStore(connection, info, options.ipListColumn, tables, queryTimeoutMs)
    } catch (error) {
      destroyConnection(connection)
      throw error
    }
  }

  private has(table: string, column?: string): boolean {
    const cols = this.tables.get(table)
    return cols !== undefined && (column === undefined || cols.has(column.toLowerCase()))
  }

  private async select(sql: string, values: unknown[] = []): Promise<RowDataPacket[]> {
    try {
      return await this.db.query<RowDataPacket[]>(sql, values)
    } catch (error) {
      if (error instanceof UserError) throw error
      throw new UserError(`database query failed on ${this.info.host}: ${describeDbError(error)}`, {code: 'db_query_failed', cause: error})
    }
  }

  async ipListColumnPresent(): Promise<boolean> {
    return this.has('t_node_info', this.ipListColumn)
  }

  async loadNodes(names?: string[]): Promise<NodeRow[]> {
    if (names !== undefined && names.length === 0) return []
    const withList = this.has('t_node_info', this.ipListColumn)
    const rows = await this.select(
      `SELECT node_name, node_obj, endpoint_ip, endpoint_port, present_state, setting_state,
              UNIX_TIMESTAMP(last_heartbeat) AS hb, UNIX_TIMESTAMP(last_reg_time) AS reg, tars_version
              ${withList ? `, \`${this.ipListColumn}\` AS ip_list` : ''}
       FROM t_node_info${names === undefined ? '' : ' WHERE node_name IN (?)'}`,
      names === undefined ? [] : [names],
    )
    return rows.map((r) => {
      const row: NodeRow = {
        nodeName: str(r.node_name).trim(),
        nodeObj: str(r.node_obj),
        endpointIp: str(r.endpoint_ip),
        endpointPort: num(r.endpoint_port),
        presentState: str(r.present_state),
        settingState: str(r.setting_state),
        lastHeartbeat: iso(r.hb),
        lastRegTime: iso(r.reg),
        tarsVersion: str(r.tars_version),
      }
      if (withList) row.ipList = r.ip_list === null ? null : str(r.ip_list)
      return row
    })
  }

  private serverColumns(): string {
    const flow = this.has('t_server_conf', 'flow_state') ? 'flow_state' : "'active' AS flow_state"
    return `application, server_name, node_name, setting_state, present_state, ${flow}, bak_flag, enable_group, enable_set,
            set_name, set_area, set_group, ip_group_name, server_type`
  }

  private static toServer(r: RowDataPacket): ServerRow {
    return {
      application: str(r.application),
      serverName: str(r.server_name),
      nodeName: str(r.node_name),
      settingState: str(r.setting_state),
      presentState: str(r.present_state),
      flowState: str(r.flow_state) || 'active',
      bakFlag: num(r.bak_flag),
      enableGroup: str(r.enable_group),
      enableSet: str(r.enable_set),
      setName: str(r.set_name),
      setArea: str(r.set_area),
      setGroup: str(r.set_group),
      ipGroupName: str(r.ip_group_name),
      serverType: str(r.server_type),
    }
  }

  private static toAdapter(r: RowDataPacket): AdapterRow {
    return {
      application: str(r.application),
      serverName: str(r.server_name),
      nodeName: str(r.node_name),
      adapterName: str(r.adapter_name),
      endpoint: str(r.endpoint),
      servant: str(r.servant),
      protocol: r.protocol === null || r.protocol === undefined ? 'tars' : str(r.protocol),
    }
  }

  private static toRegistry(r: RowDataPacket): RegistryRow {
    return {
      locatorId: str(r.locator_id),
      servant: str(r.servant),
      endpoint: str(r.endpoint),
      presentState: str(r.present_state),
      lastHeartbeat: iso(r.hb),
      enableGroup: str(r.enable_group),
      tarsVersion: str(r.tars_version),
    }
  }

  private static readonly ADAPTER_COLUMNS = 'application, server_name, node_name, adapter_name, endpoint, servant, protocol'
  private static readonly REGISTRY_COLUMNS = 'locator_id, servant, endpoint, present_state, UNIX_TIMESTAMP(last_heartbeat) AS hb, enable_group, tars_version'

  async loadNodeServers(nodeName: string): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}> {
    // t_server_conf has an index on node_name; t_adapter_conf has none, so join through the server rows'
    // (application, server_name, node_name), the prefix of its unique key.
    const servers = await this.select(`SELECT ${this.serverColumns()} FROM t_server_conf WHERE node_name = ?`, [nodeName])
    const adapters = await this.select(
      `SELECT a.application, a.server_name, a.node_name, a.adapter_name, a.endpoint, a.servant, a.protocol
       FROM t_server_conf s JOIN t_adapter_conf a
         ON a.application = s.application AND a.server_name = s.server_name AND a.node_name = s.node_name
       WHERE s.node_name = ?`,
      [nodeName],
    )
    return {servers: servers.map((r) => MysqlStore.toServer(r)), adapters: adapters.map((r) => MysqlStore.toAdapter(r))}
  }

  async loadObject(application: string, serverName: string, servant: string): Promise<ObjectRows> {
    // Keyed by servant alone, as the registry's cache is. db_tars has no index on t_adapter_conf.servant,
    // so this one is a full scan of t_adapter_conf (measured in bench/resolve.bench.ts).
    const adapters = (await this.select(`SELECT ${MysqlStore.ADAPTER_COLUMNS} FROM t_adapter_conf WHERE servant = ?`, [servant]))
      .map((r) => MysqlStore.toAdapter(r))
    // The adapters' own server rows, and those of App.Server for the "no adapter" warning: ranges of
    // t_server_conf's unique key (application, server_name, node_name).
    const triples = [...new Map(adapters.map((a) => [`${a.application}\u0000${a.serverName}\u0000${a.nodeName}`, [a.application, a.serverName, a.nodeName]])).values()]
    const servers = await this.select(
      `SELECT ${this.serverColumns()} FROM t_server_conf
       WHERE (application = ? AND server_name = ?)${triples.length > 0 ? ' OR (application, server_name, node_name) IN (?)' : ''}`,
      triples.length > 0 ? [application, serverName, triples] : [application, serverName],
    )
    const registry = await this.select(`SELECT ${MysqlStore.REGISTRY_COLUMNS} FROM t_registry_info WHERE servant = ?`, [servant])
    return {
      servers: servers.map((r) => MysqlStore.toServer(r)),
      adapters,
      registry: registry.map((r) => MysqlStore.toRegistry(r)),
    }
  }

  async listServants(): Promise<string[]> {
    const rows = await this.select(
      `SELECT DISTINCT servant FROM t_adapter_conf WHERE servant <> '' UNION SELECT DISTINCT servant FROM t_registry_info WHERE servant <> ''`,
    )
    return rows.map((r) => str(r.servant)).sort()
  }

  async loadAllAdapters(): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}> {
    const servers = await this.select(`SELECT ${this.serverColumns()} FROM t_server_conf`)
    const adapters = await this.select(`SELECT ${MysqlStore.ADAPTER_COLUMNS} FROM t_adapter_conf`)
    return {servers: servers.map((r) => MysqlStore.toServer(r)), adapters: adapters.map((r) => MysqlStore.toAdapter(r))}
  }

  async loadRegistry(): Promise<RegistryRow[]> {
    const rows = await this.select(`SELECT ${MysqlStore.REGISTRY_COLUMNS} FROM t_registry_info`)
    return rows.map((r) => MysqlStore.toRegistry(r))
  }

  async loadGroups(): Promise<{rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}> {
    const rules = this.has('t_server_group_rule')
      ? await this.select('SELECT group_id, group_name, allow_ip_rule FROM t_server_group_rule')
      : []
    const priorities = this.has('t_group_priority')
      ? await this.select('SELECT id, name, group_list, list_order, station FROM t_group_priority ORDER BY list_order')
      : []
    return {
      rules: rules.map((r) => ({groupId: num(r.group_id), groupName: str(r.group_name), allowIpRule: str(r.allow_ip_rule)})),
      priorities: priorities.map((r) => ({id: num(r.id), name: str(r.name), groupList: str(r.group_list), listOrder: num(r.list_order), station: str(r.station)})),
    }
  }

  async loadClientProfiles(): Promise<ClientProfiles> {
    const templates = this.has('t_profile_template') ? await this.select('SELECT template_name, parents_name, profile FROM t_profile_template') : []
    const col = (name: string, fallback: string) => (this.has('t_server_conf', name) ? name : `${fallback} AS ${name}`)
    const servers = await this.select(
      `SELECT application, server_name, node_name, server_type, ${col('tars_version', "''")}, ${col('template_name', "''")}, ${col('profile', 'NULL')} FROM t_server_conf`,
    )
    return {
      templates: templates.map((r) => ({templateName: str(r.template_name), parentsName: str(r.parents_name), profile: str(r.profile)})),
      servers: servers.map((r) => ({
        application: str(r.application), serverName: str(r.server_name), nodeName: str(r.node_name), serverType: str(r.server_type),
        tarsVersion: str(r.tars_version), templateName: str(r.template_name), profile: r.profile === null || r.profile === undefined ? null : str(r.profile),
      })),
    }
  }

  async recentChanges(withinSeconds: number): Promise<RecentChange[] | null> {
    // registry_timestamp is what the registry's own incremental reload reads (DbHandle::loadObjectIdCache);
    // both columns are indexed upstream. Ages come from the database's clock, not this machine's.
    // t_node_info.modify_time and t_registry_info.modify_time change with every heartbeat: no signal there.
    const out: RecentChange[] = []
    const since = Math.max(0, Math.floor(withinSeconds))
    let any = false
    if (this.has('t_server_conf', 'registry_timestamp')) {
      any = true
      const rows = await this.select(
        `SELECT application, server_name, node_name, UNIX_TIMESTAMP(NOW()) - UNIX_TIMESTAMP(registry_timestamp) AS age
         FROM t_server_conf WHERE registry_timestamp >= NOW() - INTERVAL ? SECOND`,
        [since],
      )
      for (const r of rows) out.push({table: 't_server_conf', application: str(r.application), serverName: str(r.server_name), nodeName: str(r.node_name), servant: null, ageSeconds: num(r.age)})
    }
    if (this.has('t_adapter_conf', 'registry_timestamp')) {
      any = true
      const rows = await this.select(
        `SELECT application, server_name, node_name, servant, UNIX_TIMESTAMP(NOW()) - UNIX_TIMESTAMP(registry_timestamp) AS age
         FROM t_adapter_conf WHERE registry_timestamp >= NOW() - INTERVAL ? SECOND`,
        [since],
      )
      for (const r of rows) out.push({table: 't_adapter_conf', application: str(r.application), serverName: str(r.server_name), nodeName: str(r.node_name), servant: str(r.servant), ageSeconds: num(r.age)})
    }
    return any ? out : null
  }

  async snapshot(): Promise<Snapshot> {
    const [nodes, all, registry, groups, profiles] = [await this.loadNodes(), await this.loadAllAdapters(), await this.loadRegistry(), await this.loadGroups(), await this.loadClientProfiles()]
    return {
      format: 'tarsnet-snapshot',
      version: 1,
      takenAt: new Date().toISOString(),
      source: this.info.source,
      ipListColumn: this.ipListColumn,
      ipListColumnPresent: await this.ipListColumnPresent(),
      nodes,
      servers: all.servers,
      adapters: all.adapters,
      registry,
      groupRules: groups.rules,
      groupPriorities: groups.priorities,
      profileTemplates: profiles.templates,
      serverProfiles: profiles.servers,
    }
  }

  async close(): Promise<void> {
    if (this.broken) {
      destroyConnection(this.connection)
      return
    }
    // A server that stops answering now would hold a polite QUIT forever: give it a moment, then cut.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.connection.end().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 1000)
      }),
    ])
    clearTimeout(timer)
    destroyConnection(this.connection)
  }
}
