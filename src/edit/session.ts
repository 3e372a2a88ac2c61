/**
 * What an edit reads before it plans anything: the IP-list column (it must exist, and its size caps a
 * list), every node once, each node's state as the edit rules see it, and the networks to classify with.
 */
import {UserError} from '../core/errors.js'
import {nodeState, type NodeState} from '../core/ip-list-edit.js'
import type {Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import type {NodeRow} from '../core/rows.js'
import {ipListColumnInfo, type ColumnInfo} from '../store/ip-list-writer.js'
import type {Db, MysqlStore} from '../store/mysql-store.js'

export interface EditSession {
  store: MysqlStore
  db: Db
  column: string
  columnInfo: ColumnInfo
  rows: NodeRow[]
  states: NodeState[]
  networks: Networks
}

/** `networksFor` picks the networks for the nodes' IPs (configured, saved, or one per /24 and /64). */
export async function openEditSession(store: MysqlStore, networksFor: (ips: () => Iterable<string>) => Networks): Promise<EditSession> {
  const db = store.db
  const column = store.ipListColumn
  const columnInfo = await ipListColumnInfo(db, column)
  if (!columnInfo.exists) {
    throw new UserError(`t_node_info has no ${column} column to hold IP lists: run \`tarsnet db migrate\` first (it shows the SQL before changing anything)`, {code: 'no_ip_list_column'})
  }
  const rows = await store.loadNodes()
  const states = rows.map((r) => nodeState(r))
  const networks = networksFor(() => rows.flatMap((r) => nodeAddresses(r).ips))
  return {store, db, column, columnInfo, rows, states, networks}
}
