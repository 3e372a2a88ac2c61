/**
 * Every object's rows at once, from whole tables (for `registry check --all`): what the store's
 * loadObject reads for one object, grouped in memory instead of one query per object. Pure.
 */
import {collationKey, locatorHost, parseObjectName} from './resolve.js'
import type {AdapterRow, NodeRow, ObjectRows, RegistryRow, ServerRow} from './rows.js'
import {naturalCompare} from './text.js'

export interface ObjectData {
  rows: ObjectRows
  /** t_node_info rows of the nodes the object's rows name. */
  nodes: NodeRow[]
}

export interface ObjectIndex {
  /** Every servant name with an adapter or registry row, sorted. */
  objects: string[]
  /** The object's rows; empty rows for a name no row carries. */
  get(object: string): ObjectData
}

/** MySQL's collation matches keys regardless of case and trailing spaces. */
const key = (application: string, serverName: string) => `${collationKey(application)}\u0000${collationKey(serverName)}`

export function indexObjects(tables: {nodes: NodeRow[]; servers: ServerRow[]; adapters: AdapterRow[]; registry: RegistryRow[]}): ObjectIndex {
  const adaptersByServant = new Map<string, AdapterRow[]>()
  // The (application, server_name) pairs each servant's adapters hang on, keyed once here rather than per lookup.
  const pairsByServant = new Map<string, Set<string>>()
  for (const a of tables.adapters) {
    if (a.servant === '') continue
    const list = adaptersByServant.get(a.servant)
    if (list) list.push(a)
    else adaptersByServant.set(a.servant, [a])
    let pairs = pairsByServant.get(a.servant)
    if (!pairs) pairsByServant.set(a.servant, (pairs = new Set()))
    pairs.add(key(a.application, a.serverName))
  }
  // Each servant's adapters in the order resolve lists them (node names in natural order), so that its own
  // sort finds them sorted: the node names are ranked once here instead of compared per object.
  const rank = new Map<string, number>()
  for (const a of tables.adapters) rank.set(a.nodeName.trim(), 0)
  ;[...rank.keys()].sort(naturalCompare).forEach((name, i) => rank.set(name, i))
  for (const list of adaptersByServant.values()) {
    list.sort((a, b) => rank.get(a.nodeName.trim())! - rank.get(b.nodeName.trim())! || naturalCompare(a.adapterName, b.adapterName))
  }
  const serversByPair = new Map<string, ServerRow[]>()
  for (const s of tables.servers) {
    const k = key(s.application, s.serverName)
    const list = serversByPair.get(k)
    if (list) list.push(s)
    else serversByPair.set(k, [s])
  }
  const registryByServant = new Map<string, RegistryRow[]>()
  for (const r of tables.registry) {
    if (r.servant === '') continue
    registryByServant.set(r.servant, [...(registryByServant.get(r.servant) ?? []), r])
  }
  const nodesByName = new Map<string, NodeRow>()
  for (const n of tables.nodes) nodesByName.set(n.nodeName.trim(), n)

  const objects = [...new Set([...adaptersByServant.keys(), ...registryByServant.keys()])].sort(naturalCompare)
  return {
    objects,
    get(object: string): ObjectData {
      const adapters = adaptersByServant.get(object) ?? []
      const registry = registryByServant.get(object) ?? []
      // The server rows of the object's own App.Server and of every server one of its adapters hangs on.
      const pairs = new Set<string>(pairsByServant.get(object))
      const name = parseObjectName(object)
      if (name) pairs.add(key(name.application, name.serverName))
      const servers = [...pairs].flatMap((p) => serversByPair.get(p) ?? [])
      const names = new Set([...servers, ...adapters].map((r) => r.nodeName.trim()))
      for (const r of registry) names.add(locatorHost(r))
      const nodes = [...names].map((n) => nodesByName.get(n)).filter((n): n is NodeRow => n !== undefined)
      return {rows: {servers, adapters, registry}, nodes}
    },
  }
}
