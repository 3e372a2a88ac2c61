/**
 * Where the rows come from, as plain data (it can be handed to the exporter's round worker), and
 * opening a store from it. Prompting for a password is the command's business, not this one's.
 */
import type {DbUrl} from './db-url.js'
import type {Store} from './types.js'

export type StoreSource =
  | {kind: 'demo'}
  | {kind: 'snapshot'; path: string}
  | {kind: 'mysql'; url: DbUrl; password: string | undefined; connectTimeoutMs: number; ipListColumn: string; preferredHosts?: string[]}

/** Opens a new store (the caller closes it); mysql2 and the snapshot reader are loaded only when used. */
export async function openStoreFrom(source: StoreSource): Promise<Store> {
  if (source.kind === 'mysql') {
    const {MysqlStore} = await import('./mysql-store.js')
    return MysqlStore.open({url: source.url, password: source.password, connectTimeoutMs: source.connectTimeoutMs, ipListColumn: source.ipListColumn, preferredHosts: source.preferredHosts})
  }
  const {SnapshotStore} = await import('./snapshot-store.js')
  return source.kind === 'demo' ? SnapshotStore.demo() : SnapshotStore.fromFile(source.path)
}
