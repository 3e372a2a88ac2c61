/**
 * Per (object, caller): what each caller sent each object over a window, from tarsstat's record. For
 * commands that weigh callers (which of them would a failover touch, and how hard), not only `traffic`.
 *
 *   const stat = await openStatDb(source)            // source: lib/stat-flags statSourceOf(...)
 *   try {
 *     const {rates, window, notices} = await readCallerRates({stat, window: {sinceSeconds: 1800, untilSeconds: 0}, cluster: rows, networks})
 *   } finally { await stat.close() }
 *
 * - `stat`: an open StatDb (stat/db.ts openStatDb: tarsstat's MySQL, or the demo's record in memory).
 * - `window`: seconds back from the stat database's own NOW(): [now − since, now − until]; every 5-minute
 *   slot overlapping it is read (tarsstat's slot rule, core/traffic.ts).
 * - `cluster`: the db_tars rows that map a dialled (slave_ip, slave_port) to an object (t_adapter_conf, a
 *   0.0.0.0 adapter expanded to its node's IPs) and a caller to its language (t_server_conf.server_type).
 *   The same shape as lib/cluster-loader's ClusterRows (extra fields are ignored).
 * - `networks`: only used to place IPs; rates are per caller, not per network.
 * - `objects`: exact object names to read (only their servers' rows are queried); all when absent.
 *
 * Returns one CallerRate per (object, caller) with calls in the window, sorted by object then caller:
 * `{object, caller (master_name, App.Server + set), language (server_type or null), calls, callsPerSecond
 * (calls / (slots with any row × 300 s)), ok, timeouts, exceptions}`; pseudo callers and endpoints that map to no
 * adapter are left out. `notices`: slots without a table. Errors (no table, unreadable database, a table
 * that is not tarsstat's) are UserErrors with exit code 3.
 */
import type {Networks} from '../core/networks.js'
import type {AdapterRow, NodeRow, ServerRow} from '../core/rows.js'
import {buildEndpointMap, callerRates, type CallerRate} from '../core/traffic.js'
import type {StatDb} from './db.js'
import {readStat, type StatWindow} from './read.js'

export type {CallerRate} from '../core/traffic.js'
export type {StatWindow} from './read.js'
export {openStatDb, type StatDb, type StatSource} from './db.js'

export interface CallerRatesInput {
  stat: StatDb
  window: {sinceSeconds: number; untilSeconds: number}
  cluster: {nodes: NodeRow[]; servers: ServerRow[]; adapters: AdapterRow[]}
  networks: Networks
  objects?: string[]
}

export async function readCallerRates(input: CallerRatesInput): Promise<{rates: CallerRate[]; window: StatWindow; notices: string[]}> {
  const map = buildEndpointMap(input.cluster, input.networks)
  const servers = input.objects ? [...new Set(input.objects.map((o) => map.objects.get(o) ?? o.split('.').slice(0, 2).join('.')))] : undefined
  const read = await readStat(input.stat, {...input.window, servers})
  // Slots tarsstat wrote anything for: the one in progress, or a gap, is no time of calls.
  let rates = callerRates(read.sums, map, new Set(read.sums.map((x) => x.end)).size)
  if (input.objects) {
    const wanted = new Set(input.objects)
    rates = rates.filter((r) => wanted.has(r.object))
  }
  return {rates, window: read.window, notices: read.notices}
}
