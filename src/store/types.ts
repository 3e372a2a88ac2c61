import type {Network} from '../core/networks.js'
import type {RecentChange} from '../core/registry-compare.js'
import type {AdapterRow, GroupPriorityRow, GroupRuleRow, NodeRow, ObjectRows, ProfileServerRow, ProfileTemplateRow, RegistryRow, ServerRow} from '../core/rows.js'

/**
 * The store's side of the rows: where they come from, snapshots, and the read interface. The row types
 * themselves live in the pure core (core/rows.ts); the store implements loading them.
 */

export type StoreKind = 'mysql' | 'snapshot' | 'demo'

export interface StoreInfo {
  kind: StoreKind
  /** Where the rows come from: "root@127.0.0.1:3306/db_tars", a file path, or "built-in demo". */
  source: string
  /** For MySQL: the host:port that answered. */
  host?: string
  /** For snapshots: when it was taken (ISO-8601). */
  takenAt?: string
  /** For MySQL: hosts that did not give the connection, with what each said (abandoned: still silent when another answered). */
  failedHosts?: Array<{host: string; error: string; abandoned?: boolean}>
}

export interface Snapshot {
  format: 'tarsnet-snapshot'
  version: 1
  takenAt: string
  source: string
  ipListColumn: string
  ipListColumnPresent: boolean
  nodes: NodeRow[]
  servers: ServerRow[]
  adapters: AdapterRow[]
  registry: RegistryRow[]
  groupRules: GroupRuleRow[]
  groupPriorities: GroupPriorityRow[]
  /** The networks in force when it was saved: used when none are configured. */
  networks?: Network[]
  /** t_profile_template and the servers' client-config columns (snapshots saved before these read as none). */
  profileTemplates?: ProfileTemplateRow[]
  serverProfiles?: ProfileServerRow[]
}

/** What decides each server's client settings: the templates and every server's language, version, template and profile. */
export interface ClientProfiles {
  templates: ProfileTemplateRow[]
  servers: ProfileServerRow[]
}

/** Read access to db_tars. Every method issues a small, fixed number of indexed queries (never one per node). */
export interface Store {
  readonly info: StoreInfo
  /** The name of the IP-list column on t_node_info (profile setting, default ip_list). */
  readonly ipListColumn: string
  /** Networks saved with a snapshot: used when none are configured. */
  readonly savedNetworks?: Network[]
  ipListColumnPresent(): Promise<boolean>
  /** Every node, or only those named (an indexed lookup on node_name's unique key: resolve needs a few of thousands). */
  loadNodes(names?: string[]): Promise<NodeRow[]>
  /** Servers and adapters hosted on one node. */
  loadNodeServers(nodeName: string): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}>
  /**
   * All rows the registry would consider for `App.Server.Obj`: the adapters whose servant it is (by servant
   * alone: a full scan of t_adapter_conf on a real db_tars, which has no index on servant), their own
   * server rows, App.Server's server rows, and t_registry_info's rows for it.
   */
  loadObject(application: string, serverName: string, servant: string): Promise<ObjectRows>
  /** Every servant name known (t_adapter_conf.servant and t_registry_info.servant), sorted, distinct. */
  listServants(): Promise<string[]>
  /** All active servers' adapters (for probing every node on its own ports). */
  loadAllAdapters(): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}>
  loadRegistry(): Promise<RegistryRow[]>
  loadGroups(): Promise<{rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}>
  /**
   * t_server_conf and t_adapter_conf rows whose registry_timestamp (the registry's own change clock) is
   * less than `withinSeconds` old, aged by the database's clock; null when the source has no change
   * times (a snapshot).
   */
  recentChanges(withinSeconds: number): Promise<RecentChange[] | null>
  /**
   * t_profile_template and each t_server_conf row's server_type, tars_version, template_name and profile
   * (two whole-table reads). A database without t_profile_template gives no templates.
   */
  loadClientProfiles(): Promise<ClientProfiles>
  /** Everything, for `snapshot save`. */
  snapshot(): Promise<Snapshot>
  close(): Promise<void>
}
