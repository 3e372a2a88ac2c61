/**
 * `tarsnet traffic`: what the clients did, per object, network and caller, from tarsstat's record.
 * Options in, a plain result out; the views render it (view.ts).
 */
import {tryParseEndpoint} from '../core/endpoint.js'
import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import type {ClusterRows} from '../core/cluster.js'
import {chooseNetworks, type Network, type Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {buildEndpointMap, serverOfStatName, summarizeTraffic, type TrafficSummary} from '../core/traffic.js'
import {closestNames, globToRegExp, naturalCompare} from '../core/text.js'
import {loadClusterRows} from '../store/cluster-loader.js'
import {loadObjectRows} from '../store/object-loader.js'
import {openStatDb, type StatSource} from '../stat/db.js'
import {readStat, type StatWindow} from '../stat/read.js'
import type {Store} from '../store/types.js'

export interface TrafficOptions {
  /** Object names or globs; none: every object with traffic in the window. */
  objects: string[]
  window: {sinceSeconds: number; untilSeconds: number}
  stat: StatSource
  store: Store
  configuredNetworks: Network[]
  /** The cluster's rows and networks when the caller has loaded them already (check --traffic). */
  cluster?: {rows: ClusterRows; networks: Networks}
}

export interface TrafficResult extends TrafficSummary {
  window: StatWindow
  /** Where the record came from. */
  statSource: string
  notices: string[]
}

/** The rows of the named objects (each as resolve loads it: its adapters, servers and nodes). */
async function objectsRows(store: Store, names: string[]): Promise<ClusterRows> {
  const loaded = await Promise.all(names.map((n) => loadObjectRows(store, n)))
  return {
    nodes: [...new Map(loaded.flatMap((l) => l.nodes).map((n) => [n.nodeName, n])).values()],
    servers: loaded.flatMap((l) => l.rows.servers),
    adapters: loaded.flatMap((l) => l.rows.adapters),
    registry: [],
  }
}

/** The objects the names and globs pick among the cluster's objects; a name or glob that picks none is an error. */
export function pickObjects(patterns: string[], known: Iterable<string>): string[] {
  const names = [...known]
  const picked = new Set<string>()
  for (const p of patterns) {
    const re = globToRegExp(p)
    const hits = names.filter((n) => re.test(n))
    if (hits.length === 0) {
      const close = closestNames(p, names, 5)
      throw new UserError(`no object ${/[*?[]/.test(p) ? 'matches' : 'is named'} '${p}' in the database${close.length > 0 ? `; closest: ${close.join(', ')}` : ''}`, {code: 'unknown_object', exitCode: EXIT.unknown})
    }
    for (const h of hits) picked.add(h)
  }
  return [...picked].sort(naturalCompare)
}

/** Names without glob characters: read through the object's own rows, not the whole cluster. */
const isExact = (p: string) => !/[*?[]/.test(p)

export async function runTraffic(options: TrafficOptions): Promise<TrafficResult> {
  // One or a few named objects: only their rows (as resolve reads them), not every table in full.
  const exact = !options.cluster && options.objects.length > 0 && options.objects.every(isExact)
  const rows = options.cluster?.rows ?? (exact ? await objectsRows(options.store, options.objects) : await loadClusterRows(options.store))
  const networks = options.cluster?.networks ?? chooseNetworks(options.configuredNetworks, options.store.savedNetworks, () => rows.nodes.flatMap((n) => nodeAddresses(n).ips))
  let map = buildEndpointMap(rows, networks)
  const wanted = options.objects.length > 0 ? pickObjects(options.objects, map.objects.keys()) : null
  const stat = await openStatDb(options.stat)
  try {
    const servers = wanted ? [...new Set(wanted.map((o) => map.objects.get(o)!))] : undefined
    const read = await readStat(stat, {...options.window, servers})
    let sums = read.sums
    if (exact) {
      // Only this object's server's adapters are known: a row on another port is another servant of the
      // server (not these objects), while one on the objects' port but an unknown IP stays "unknown".
      const ports = new Set(rows.adapters.filter((a) => wanted!.includes(a.servant)).map((a) => tryParseEndpoint(a.endpoint)).flatMap((p) => (p.ok ? [p.endpoint.port] : [])))
      sums = sums.filter((x) => ports.has(x.port))
      // The callers' languages: their own server rows (t_server_conf's unique key).
      const callers = [...new Set(sums.map((x) => serverOfStatName(x.master)))].filter((c) => c.includes('.'))
      const extra = await Promise.all(callers.map((c) => options.store.loadObject(c.split('.')[0], c.split('.')[1], '').then((r) => r.servers)))
      map = buildEndpointMap({...rows, servers: [...rows.servers, ...extra.flat()]}, networks)
    }
    const only = wanted ? new Set(wanted) : null
    const summary = summarizeTraffic(sums, map, only ? {objects: (o) => only.has(o)} : {})
    const notices = [...read.notices]
    if (wanted) {
      const seen = new Set(summary.objects.map((o) => o.object))
      const quiet = wanted.filter((o) => !seen.has(o))
      if (quiet.length > 0) notices.push(`no calls recorded in the window to ${quiet.slice(0, 5).join(', ')}${quiet.length > 5 ? ` and ${quiet.length - 5} more` : ''}`)
      // Unknown endpoints of other servers are not these objects' business.
      const ours = new Set(servers!.map((s) => s.toLowerCase()))
      summary.unknown = summary.unknown.filter((u) => ours.has(serverOfStatName(u.slaveName).toLowerCase()))
    }
    if (summary.unknown.length > 0) notices.push(`${summary.unknown.length} endpoint${summary.unknown.length === 1 ? '' : 's'} called that no adapter has (under "unknown"): an old node's IP, or an IP missing from a node's IP list`)
    return {...summary, window: read.window, statSource: stat.source, notices}
  } finally {
    await stat.close()
  }
}
