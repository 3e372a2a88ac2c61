import type {Network} from '../core/networks.js'

/**
 * The rows tarsnet reads from db_tars (DESIGN §1), in camelCase, with the same meaning as the columns.
 * Both store backends (MySQL and snapshot files) produce exactly these shapes.
 */

export interface NodeRow {
  nodeName: string
  nodeObj: string
  endpointIp: string
  endpointPort: number
  presentState: string
  settingState: string
  /** ISO-8601 UTC, or null when the column is NULL. */
  lastHeartbeat: string | null
  lastRegTime: string | null
  tarsVersion: string
  /** The raw IP-list column value; null when NULL/empty; undefined when the column does not exist. */
  ipList?: string | null
}

export interface ServerRow {
  application: string
  serverName: string
  nodeName: string
  settingState: string
  presentState: string
  flowState: string
  bakFlag: number
  enableGroup: string
  enableSet: string
  setName: string
  setArea: string
  setGroup: string
  ipGroupName: string
  serverType: string
}

export interface AdapterRow {
  application: string
  serverName: string
  nodeName: string
  adapterName: string
  endpoint: string
  servant: string
  protocol: string
}

export interface RegistryRow {
  locatorId: string
  servant: string
  endpoint: string
  presentState: string
  lastHeartbeat: string | null
  enableGroup: string
}

export interface GroupRuleRow {
  groupId: number
  groupName: string
  allowIpRule: string
}

export interface GroupPriorityRow {
  id: number
  name: string
  groupList: string
  listOrder: number
  station: string
}

export type StoreKind = 'mysql' | 'snapshot' | 'demo'

export interface StoreInfo {
  kind: StoreKind
  /** Where the rows come from: "root@127.0.0.1:3306/db_tars", a file path, or "built-in demo". */
  source: string
  /** For MySQL: the host:port that answered. */
  host?: string
  /** For snapshots: when it was taken (ISO-8601). */
  takenAt?: string
  /** For MySQL: hosts tried before the one that answered, with what each said. */
  failedHosts?: Array<{host: string; error: string}>
}

/** A server row with its adapters for one object (the registry's `t_adapter_conf RIGHT JOIN t_server_conf`). */
export interface ObjectRows {
  servers: ServerRow[]
  /** Adapters of those servers whose servant is the object. */
  adapters: AdapterRow[]
  /** t_registry_info rows for the object (registry servants such as tars.tarsregistry.QueryObj). */
  registry: RegistryRow[]
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
  /** All rows the registry would consider for `App.Server.Obj`. */
  loadObject(application: string, serverName: string, servant: string): Promise<ObjectRows>
  /** Every servant name known (t_adapter_conf.servant and t_registry_info.servant), sorted, distinct. */
  listServants(): Promise<string[]>
  /** All active servers' adapters (for probing every node on its own ports). */
  loadAllAdapters(): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}>
  loadRegistry(): Promise<RegistryRow[]>
  loadGroups(): Promise<{rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}>
  /** Everything, for `snapshot save`. */
  snapshot(): Promise<Snapshot>
  close(): Promise<void>
}
