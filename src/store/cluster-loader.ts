/**
 * Loading the whole cluster for `check`, `impact` and the exporter's check collector: every node, server,
 * adapter and registry row in one pass of whole-table reads (never one query per object or per node), then
 * the networks, then the pure cluster view.
 */
import {clusterView, type ClusterRows, type ClusterView} from '../core/cluster.js'
import type {Network, Networks} from '../core/networks.js'
import {chooseNetworks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import type {Store} from './types.js'

export async function loadClusterRows(store: Store): Promise<ClusterRows> {
  const [nodes, {servers, adapters}, registry, groups] = await Promise.all([store.loadNodes(), store.loadAllAdapters(), store.loadRegistry(), store.loadGroups()])
  return {nodes, servers, adapters, registry, groups}
}

export interface LoadedCluster {
  rows: ClusterRows
  view: ClusterView
  networks: Networks
  /** "Now" for heartbeat ages: a snapshot's own time (its heartbeats were fresh then), else the clock. */
  nowMs: number
}

/** Rows, networks (configured, else saved in a snapshot, else per /24 and /64 of the nodes' IPs) and the view. */
export async function loadCluster(store: Store, configuredNetworks: Network[]): Promise<LoadedCluster> {
  const rows = await loadClusterRows(store)
  const networks = chooseNetworks(configuredNetworks, store.savedNetworks, () => rows.nodes.flatMap((n) => nodeAddresses(n).ips))
  const takenAt = store.info.takenAt ? Date.parse(store.info.takenAt) : NaN
  return {rows, networks, view: clusterView(rows, networks), nowMs: Number.isFinite(takenAt) ? takenAt : Date.now()}
}
