/**
 * `tarsnet resolve`: reads one object's rows (and, with --client-node, that node's), resolves them as the
 * registry does (core/resolve.ts) and, with --live, asks the live registries whether they hand out the same.
 */
import type {Locator} from '../core/locator.js'
import {assertKnownNetwork, chooseNetworks, type Network} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {clientOnNode, resolveObject, type ClientAddress, type QueryMode, type ResolveFilters, type ResolveResult} from '../core/resolve.js'
import type {LiveSummary} from '../registry/live.js'
import {loadClientNode, loadObjectRows} from '../store/object-loader.js'
import type {Store} from '../store/types.js'

export type ResolveFormat = 'table' | 'proxy' | 'nodes'

export interface ResolveOptions {
  /** The object, already checked to be App.Server.Obj. */
  object: string
  /** --set, already checked (name.area.group). */
  setId?: string
  /** --client-ip, normalised. */
  clientIp?: string
  /** --client-node as typed: a node's name or one of its IPs. */
  clientNode?: string
  filters: ResolveFilters
  /** --live: also ask the live registries. */
  live: boolean
  store: Store
  /** The networks configured (flag, env, profile); none: the store's saved ones, else automatic. */
  configuredNetworks: Network[]
  /** The registries --live asks (a locator from the environment or the profile), read only then; undefined: the registry's own rows. */
  locator: () => Locator | undefined
  /** Called once the object's rows are read (the frame notes a missing IP-list column there). */
  rowsRead?: () => Promise<void>
}

export type ResolveRunResult = ResolveResult & {live?: LiveSummary}

export async function runResolve(options: ResolveOptions): Promise<ResolveRunResult> {
  const {store, object} = options
  const {rows, nodes} = await loadObjectRows(store, object)
  await options.rowsRead?.()
  const clientNode = options.clientNode === undefined ? undefined : await loadClientNode(store, options.clientNode)
  const groups = await store.loadGroups()
  const ips = [...nodes, ...(clientNode ? [clientNode] : [])].flatMap((n) => nodeAddresses(n).ips)
  const networks = chooseNetworks(options.configuredNetworks, store.savedNetworks, ips)
  assertKnownNetwork(networks, options.filters.network)
  // A client on the node sends its node name as node_name: the registry groups by that, on every network.
  const clients: ClientAddress[] | undefined = clientNode ? [clientOnNode(clientNode)] : undefined

  let mode: QueryMode = {kind: 'any'}
  if (options.setId !== undefined) mode = {kind: 'set', setId: options.setId, clientIp: options.clientIp}
  else if (options.clientIp !== undefined) mode = {kind: 'group', clientIp: options.clientIp}

  const result = resolveObject({object, rows, nodes, networks, groups, mode, clients, filters: options.filters})
  if (!options.live) return result
  const {liveSummary} = await import('../registry/live.js')
  const live = await liveSummary({store, locator: options.locator(), object, rows, nodes, networks, groups, mode, callerNodeName: clients?.[0].callerNodeName ?? undefined})
  return {...result, live}
}
