/**
 * A registry for a lab cluster, answering from a store's rows (the demo's: `tarsnet demo`): a
 * RegistryReplica on the addresses the store's own tars.tarsregistry.QueryObj rows give (resolved like any
 * object, as `registry check` finds them), whose every QueryF answer is what tarsnet's resolve core computes
 * from the same rows for that question and caller — what a registry with the multi-network expansion hands
 * out. So `registry check --demo` and `resolve --demo --live` find a registry that agrees while the demo runs.
 *
 * `expansion: 'stored'` answers as an open-source TarsFramework registry does instead: each row's endpoint
 * as stored, `0.0.0.0` handed out unexpanded (clients cannot fail over).
 */
import {chooseNetworks} from '../core/networks.js'
import {resolveObject, type QueryMode, type ResolvedEndpoint} from '../core/resolve.js'
import {loadCheckDatabase, registryAddressesFromDatabase} from '../registry/database.js'
import type {Store} from '../store/types.js'
import {endpointF, istcpOf, REGISTRY_QUERY_OBJ, type EndpointF} from '../tars/queryf.js'
import {RegistryReplica, type ReplicaObject, type ReplicaQuestion} from './registry-server.js'

export interface StoreRegistryOptions {
  /** Where to listen (loopback only); default: the active TCP addresses of the store's QueryObj rows. */
  hosts?: string[]
  /** With `hosts`: the port (default: the rows' port). */
  port?: number
  /** 'expanded' (default): a multi-network registry; 'stored': an open-source one (0.0.0.0 as stored). */
  expansion?: 'expanded' | 'stored'
}

/** Answers computed once per question and caller; a long-running demo sees few distinct ones, but bounded all the same. */
const CACHE_LIMIT = 10_000

/** Starts the registry replica(s): one per port the addresses use (a replica listens on one port). */
export async function startStoreRegistry(store: Store, options: StoreRegistryOptions = {}): Promise<RegistryReplica[]> {
  const loaded = await loadCheckDatabase(store, 'all')
  const networks = chooseNetworks([], store.savedNetworks, loaded.nodeIps)
  let listen: Array<{host: string; port: number}>
  let servant: string
  if (options.hosts) {
    const fromDb = options.port === undefined ? await registryAddressesFromDatabase(store, networks) : null
    servant = fromDb?.servant ?? REGISTRY_QUERY_OBJ
    const port = options.port ?? fromDb!.addresses[0].port
    listen = options.hosts.map((host) => ({host, port}))
  } else {
    const fromDb = await registryAddressesFromDatabase(store, networks)
    servant = fromDb.servant
    listen = fromDb.addresses
  }

  const stored = options.expansion === 'stored'
  const cache = new Map<string, ReplicaObject | undefined>()
  const answers = ({fn, args, clientIp, callerNodeName}: ReplicaQuestion): ReplicaObject | undefined => {
    // As QueryImp: the caller is the node_name sent in the context, else the TCP peer's address.
    const caller = callerNodeName ?? clientIp
    let mode: QueryMode = {kind: 'any'}
    if (fn === 'findObjectByIdInSameSet') mode = {kind: 'set', setId: args.setId ?? '', clientIp: caller}
    // findObjectById4All is answered by the same group priority as InSameGroup (QueryImp.cpp).
    else if (fn === 'findObjectByIdInSameGroup' || fn === 'findObjectById4All') mode = {kind: 'group', clientIp: caller}
    const key = `${args.id}\u0000${mode.kind}\u0000${mode.kind === 'set' ? mode.setId : ''}\u0000${mode.kind === 'any' ? '' : caller}`
    if (cache.has(key)) return cache.get(key)
    let answer: ReplicaObject | undefined
    const data = loaded.database.data(args.id)
    if (data.rows.adapters.length + data.rows.registry.length > 0) {
      try {
        // An open-source registry groups by the host as stored (a 0.0.0.0 endpoint is in group -1).
        const result = resolveObject({object: args.id, rows: data.rows, nodes: data.nodes, networks, groups: loaded.database.groups, mode, groupIdsFrom: stored ? 'stored' : 'expanded'})
        const as = (eps: ResolvedEndpoint[]) => (stored ? asStored(eps) : eps).map(toEndpointF)
        answer = {active: as(result.active), inactive: as(result.inactive)}
      } catch {
        // A question resolve refuses (a malformed set id): the registry answers -1 and empty lists.
        answer = {ret: -1, active: [], inactive: []}
      }
    }
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(key, answer)
    return answer
  }

  const byPort = new Map<number, string[]>()
  for (const a of listen) byPort.set(a.port, [...(byPort.get(a.port) ?? []), a.host])
  const replicas: RegistryReplica[] = []
  try {
    // An object it does not know: return 0 and empty lists, as TarsFramework's registry answers.
    for (const [port, hosts] of byPort) replicas.push(await RegistryReplica.start({hosts, port, servant, answers, record: false, unknownRet: 0}))
  } catch (error) {
    await Promise.all(replicas.map((r) => r.close()))
    throw error
  }
  return replicas
}

/** A resolved endpoint as the registry sends it (EndpointF; the registry copies neither -g nor -q). */
export function toEndpointF(ep: ResolvedEndpoint): EndpointF {
  return endpointF({
    host: ep.host, port: ep.port, timeout: ep.timeout, istcp: istcpOf(ep.protocol), grid: ep.grid, groupworkid: ep.groupWorkId,
    grouprealid: ep.groupRealId, setId: ep.setId, qos: ep.qos, weight: ep.weight, weightType: ep.weightType, authType: ep.authType,
    nodeName: ep.nodeName,
  })
}

/**
 * The endpoints as a registry without the multi-network expansion hands them out: one per row, the
 * wildcard it was expanded from in place of the nodes' IPs (`*` and a missing -h read as 0.0.0.0).
 */
export function asStored(eps: readonly ResolvedEndpoint[]): ResolvedEndpoint[] {
  const rows = new Set<string>()
  const out: ResolvedEndpoint[] = []
  for (const ep of eps) {
    if (!ep.expanded) {
      out.push(ep)
      continue
    }
    const row = `${ep.origin}\u0000${ep.node}\u0000${ep.adapter}\u0000${ep.source}`
    if (rows.has(row)) continue
    rows.add(row)
    const from = ep.expandedFrom
    out.push({...ep, host: from === null || from === '' || from === '*' ? '0.0.0.0' : from})
  }
  return out
}
