/**
 * What the registry check reads from the store: the objects' rows (one object's through its indexes,
 * or every object's from whole tables for --all), the group tables, recent changes, and — when no
 * locator is given — the registry's own addresses from its rows.
 */
import {UserError} from '../core/errors.js'
import type {Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {indexObjects, type ObjectData} from '../core/object-index.js'
import {resolveObject} from '../core/resolve.js'
import {hostPort} from '../core/resolve-text.js'
import {RELOAD_WINDOW_SECONDS} from '../core/registry-compare.js'
import {loadObjectRows} from '../store/object-loader.js'
import type {Store} from '../store/types.js'
import {REGISTRY_QUERY_OBJ} from '../tars/queryf.js'
import type {CheckDatabase, RegistryAddress} from './check.js'

export interface LoadedCheckDatabase {
  database: CheckDatabase
  objects: string[]
  /** Every IP the loaded nodes have (to name networks when none are configured). */
  nodeIps: string[]
  /** false when the source keeps no change times (a snapshot): no reload-window hint is possible. */
  changeTimes: boolean
}

/** Loads `objects` (each checked to exist, with the closest names when not), or every object for 'all'. */
export async function loadCheckDatabase(store: Store, objects: string[] | 'all'): Promise<LoadedCheckDatabase> {
  const data = new Map<string, ObjectData>()
  let names: string[]
  if (objects === 'all') {
    const [nodes, {servers, adapters}, registry] = [await store.loadNodes(), await store.loadAllAdapters(), await store.loadRegistry()]
    const index = indexObjects({nodes, servers, adapters, registry})
    names = index.objects
    for (const name of names) data.set(name, index.get(name))
  } else {
    names = [...new Set(objects)]
    for (const name of names) data.set(name, await loadObjectRows(store, name))
  }
  const groups = await store.loadGroups()
  const changes = await store.recentChanges(RELOAD_WINDOW_SECONDS)
  const nodeIps = new Set<string>()
  for (const d of data.values()) {
    for (const n of d.nodes) for (const ip of nodeAddresses(n).ips) nodeIps.add(ip)
  }
  return {
    objects: names,
    nodeIps: [...nodeIps],
    changeTimes: changes !== null,
    database: {
      data: (object) => data.get(object) ?? {rows: {servers: [], adapters: [], registry: []}, nodes: []},
      groups,
      changes: changes ?? [],
    },
  }
}

/**
 * The registry's own addresses, when no locator is given: tars.tarsregistry.QueryObj resolved like any
 * object (t_registry_info and its adapters, expanded per network); its active TCP endpoints are asked.
 */
export async function registryAddressesFromDatabase(store: Store, networks: Networks): Promise<{servant: string; addresses: RegistryAddress[]; notes: string[]}> {
  let loaded
  try {
    loaded = await loadObjectRows(store, REGISTRY_QUERY_OBJ)
  } catch (error) {
    if (error instanceof UserError && error.code === 'unknown_object') {
      throw new UserError(
        `no registry address: the database has no ${REGISTRY_QUERY_OBJ} (t_registry_info): give the registries' locator ('${REGISTRY_QUERY_OBJ}@tcp -h IP -p 17890:…') with --locator, TARSNET_LOCATOR or the profile's "locator"`,
        {code: 'no_locator'},
      )
    }
    throw error
  }
  const result = resolveObject({object: REGISTRY_QUERY_OBJ, rows: loaded.rows, nodes: loaded.nodes, networks, groups: await store.loadGroups()})
  const notes: string[] = []
  const addresses: RegistryAddress[] = []
  const seen = new Set<string>()
  for (const ep of result.active) {
    const label = hostPort(ep.host, ep.port)
    if (ep.protocol !== 'tcp') {
      notes.push(`${REGISTRY_QUERY_OBJ} at ${label} is ${ep.protocol}: only tcp addresses are asked`)
      continue
    }
    if (!ep.expanded && ep.expandedFrom === null && /^(0\.0\.0\.0|::)$/.test(ep.host)) {
      notes.push(`${REGISTRY_QUERY_OBJ} on ${ep.node} is bound to ${ep.host} and its node has no IP to connect to: not asked`)
      continue
    }
    if (seen.has(label)) continue
    seen.add(label)
    addresses.push({host: ep.host, port: ep.port, network: ep.network})
  }
  const inactive = [...new Set(result.inactive.map((ep) => hostPort(ep.host, ep.port)))]
  if (inactive.length > 0) notes.push(`not asked: ${inactive.join(', ')} (t_registry_info says inactive)`)
  if (addresses.length === 0) {
    throw new UserError(`no registry address: ${REGISTRY_QUERY_OBJ} has no active TCP endpoint in the database; give the registries' locator with --locator, TARSNET_LOCATOR or the profile's "locator"`, {code: 'no_locator'})
  }
  return {servant: REGISTRY_QUERY_OBJ, addresses, notes}
}
