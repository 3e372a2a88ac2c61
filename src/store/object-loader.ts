/**
 * Loading one object's rows for `resolve` and `probe OBJECT`: its adapter, server and registry rows, a
 * clear error (with the closest names) for an unknown object, and only the object's own nodes — through
 * node_name's unique key, since a cluster has thousands. Also what a probe or mesh run reads (loadRunScope).
 */
import {assertKnownNetwork, chooseNetworks, type Network, type Networks} from '../core/networks.js'
import {normalizeIp} from '../core/ip.js'
import {nodeAddresses} from '../core/nodes.js'
import {locatorHost, parseObjectName, resolveObject, type ResolveFilters, type ResolveResult} from '../core/resolve.js'
import {clip, closestNames} from '../core/text.js'
import type {AdapterRow, NodeRow, ObjectRows, ServerRow} from '../core/rows.js'
import type {Store} from './types.js'
import {UserError} from '../core/errors.js'

export interface LoadedObject {
  rows: ObjectRows
  /** t_node_info rows of the nodes that serve the object (adapters, servers, registry locators). */
  nodes: NodeRow[]
}

/** The node names an object's rows refer to: server/adapter node_name (trimmed), registry locator hosts. */
export function objectNodeNames(rows: ObjectRows): Set<string> {
  const wanted = new Set([...rows.servers, ...rows.adapters].map((r) => r.nodeName.trim()))
  for (const r of rows.registry) wanted.add(locatorHost(r))
  return wanted
}

/** Loads `objectName` (already checked to be App.Server.Obj) and its nodes; an unknown object is a UserError. */
export async function loadObjectRows(store: Store, objectName: string): Promise<LoadedObject> {
  const name = parseObjectName(objectName)
  if (!name) throw new UserError(`invalid object name '${objectName}': write it as App.Server.Obj`, {code: 'invalid_object'})
  const rows = await store.loadObject(name.application, name.serverName, name.servant)
  if (!rows.adapters.some((a) => a.servant === objectName) && !rows.registry.some((r) => r.servant === objectName)) {
    const close = closestNames(objectName, await store.listServants(), 5)
    throw new UserError(
      `unknown object '${objectName}': no adapter or registry servant has that name${close.length > 0 ? `; closest: ${close.join(', ')}` : ''}`,
      {code: 'unknown_object'},
    )
  }
  const nodes = await store.loadNodes([...objectNodeNames(rows)])
  return {rows, nodes}
}

/** What a probe or mesh run reads: every node and adapter (the node matrix), or one object resolved. */
export type RunScope =
  | {kind: 'matrix'; nodes: NodeRow[]; servers: ServerRow[]; adapters: AdapterRow[]; networks: Networks}
  | {kind: 'object'; nodes: NodeRow[]; result: ResolveResult; networks: Networks}

/**
 * Reads the rows a probe or mesh run needs and the networks they are judged by (the configured ones, else the
 * store's saved ones, else grouped from the nodes' IPs); `--network` must name one of them.
 */
export async function loadRunScope(store: Store, request: {object?: string; network?: string; configuredNetworks: Network[]}, objectFilters: ResolveFilters): Promise<RunScope> {
  const networksOf = (nodes: NodeRow[]): Networks => {
    const networks = chooseNetworks(request.configuredNetworks, store.savedNetworks, () => nodes.flatMap((n) => nodeAddresses(n).ips))
    assertKnownNetwork(networks, request.network)
    return networks
  }
  if (request.object === undefined) {
    const [nodes, {servers, adapters}] = await Promise.all([store.loadNodes(), store.loadAllAdapters()])
    return {kind: 'matrix', nodes, servers, adapters, networks: networksOf(nodes)}
  }
  const {rows, nodes} = await loadObjectRows(store, request.object)
  const networks = networksOf(nodes)
  const result = resolveObject({object: request.object, rows, nodes, networks, groups: await store.loadGroups(), filters: objectFilters})
  return {kind: 'object', nodes, result, networks}
}

/**
 * The node a --client-node names: by its node_name, else (an IP) the node that has that IP in its list,
 * endpoint_ip or name. Unknown: one line with the closest names.
 */
export async function loadClientNode(store: Store, text: string): Promise<NodeRow> {
  const name = text.trim()
  if (name === '') throw new UserError("--client-node is empty: give a node's name (t_node_info.node_name) or one of its IPs", {code: 'invalid_flag'})
  const [row] = await store.loadNodes([name])
  if (row) return row
  const all = await store.loadNodes()
  const ip = normalizeIp(name)
  if (ip) {
    const holders = all.filter((n) => nodeAddresses(n).ips.includes(ip))
    if (holders.length === 1) return holders[0]
    if (holders.length > 1) throw new UserError(`--client-node ${name}: the IP is on ${holders.length} nodes (${holders.map((n) => n.nodeName).join(', ')}): give the node's name`, {code: 'ambiguous_node'})
  }
  const close = closestNames(name, all.map((n) => n.nodeName), 5)
  throw new UserError(`unknown node '${clip(name)}' for --client-node: not in t_node_info${ip ? ' and no node has that IP' : ''}${close.length > 0 ? `; closest: ${close.join(', ')}` : ''}`, {code: 'unknown_node'})
}
