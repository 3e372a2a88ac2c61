/**
 * The db_tars rows the core computes on (docs/design.md §1), in camelCase, with the same meaning as the columns.
 * The store loads exactly these shapes (from MySQL or a snapshot file); the core never loads anything.
 */

/**
 * Every column of upstream t_node_info (TarsFramework deploy/framework/sql/db_tars.sql). None of them
 * may serve as tarsnet's IP-list column: editing it would overwrite the framework's own data.
 */
export const UPSTREAM_NODE_INFO_COLUMNS: readonly string[] = [
  'id', 'node_name', 'node_obj', 'endpoint_ip', 'endpoint_port', 'data_dir', 'load_avg1', 'load_avg5', 'load_avg15',
  'last_reg_time', 'last_heartbeat', 'setting_state', 'present_state', 'tars_version', 'template_name', 'modify_time',
  'group_id', 'label',
]

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
  /** The registry's own version: its query hands this out as EndpointF.nodeName (`tars_version AS node_name`). */
  tarsVersion: string
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

/**
 * The rows the registry reads for one object (`t_adapter_conf RIGHT JOIN t_server_conf`, keyed by
 * `t_adapter_conf.servant` alone).
 */
export interface ObjectRows {
  /**
   * The t_server_conf rows of those adapters' own (application, server_name, node_name), plus the rows of
   * the server the object's name points at (App.Server of App.Server.Obj), for the "no adapter" warning.
   */
  servers: ServerRow[]
  /** Every adapter whose servant is the object, whatever its own application and server_name. */
  adapters: AdapterRow[]
  /** t_registry_info rows for the object (registry servants such as tars.tarsregistry.QueryObj). */
  registry: RegistryRow[]
}
