/**
 * Reading nodes: every node with its IPs per network, filtered (`nodes list`), and one node in detail with
 * the servers and endpoints it hosts (`nodes show`). The rules are core/nodes.ts; this reads the store.
 */
import {UserError} from '../core/errors.js'
import {assertKnownNetwork, type Network, type Networks} from '../core/networks.js'
import {buildNodeView, nodeAddresses, sortNodeViews, type NodeView} from '../core/nodes.js'
import type {AdapterRow, ServerRow} from '../core/rows.js'
import {closestNames, matcher} from '../core/text.js'
import type {Store} from '../store/types.js'

/** Picks the networks for the nodes' IPs (configured, saved in a snapshot, or one per /24 and /64). */
export type NetworksFor = (ips: () => Iterable<string>) => Networks

export interface NodesListOptions {
  /** Only nodes with an IP on this network. */
  network?: string
  /** Only nodes without an IP on this network. */
  missing?: string
  /** Only nodes in this present state. */
  state?: string
  /** Only nodes whose name matches this glob. */
  node?: string
}

export interface NodesListResult {
  nodes: NodeView[]
  networks: Network[]
  networksAuto: boolean
}

export async function listNodes(store: Store, options: NodesListOptions, networksFor: NetworksFor): Promise<NodesListResult> {
  const rows = await store.loadNodes()
  const now = Date.now()
  const networks = networksFor(() => rows.flatMap((r) => nodeAddresses(r).ips))
  assertKnownNetwork(networks, options.network)
  assertKnownNetwork(networks, options.missing)
  const nameMatches = matcher(options.node)
  const views = sortNodeViews(rows.map((r) => buildNodeView(r, networks, now))).filter((v) =>
    nameMatches(v.name)
    && (!options.state || v.presentState === options.state)
    && (!options.network || v.ips.some((i) => i.network === options.network))
    && (!options.missing || !v.ips.some((i) => i.network === options.missing)))
  return {nodes: views, networks: networks.list, networksAuto: networks.auto}
}

export interface NodeShowResult {
  node: NodeView
  servers: Array<{
    application: string
    serverName: string
    settingState: string
    presentState: string
    flowState: string
    bakFlag: number
    adapters: Array<{adapter: string; servant: string; endpoint: string; protocol: string}>
  }>
}

export async function showNode(store: Store, name: string, networksFor: NetworksFor): Promise<NodeShowResult> {
  // One node by its unique key; all names only to suggest close ones when it is not there.
  const [row] = await store.loadNodes([name])
  if (!row) {
    const close = closestNames(name, (await store.loadNodes()).map((r) => r.nodeName))
    throw new UserError(`unknown node "${name}"${close.length > 0 ? `: did you mean ${close.join(', ')}?` : ''} (\`tarsnet nodes list\` shows them all)`, {code: 'unknown_node'})
  }
  const node = buildNodeView(row, networksFor(() => nodeAddresses(row).ips), Date.now())
  const {servers, adapters} = await store.loadNodeServers(row.nodeName)
  return {node, servers: groupServers(servers, adapters)}
}

function groupServers(servers: ServerRow[], adapters: AdapterRow[]): NodeShowResult['servers'] {
  return servers
    .map((s) => ({
      application: s.application,
      serverName: s.serverName,
      settingState: s.settingState,
      presentState: s.presentState,
      flowState: s.flowState,
      bakFlag: s.bakFlag,
      adapters: adapters
        .filter((a) => a.application === s.application && a.serverName === s.serverName)
        .map((a) => ({adapter: a.adapterName, servant: a.servant, endpoint: a.endpoint, protocol: a.protocol})),
    }))
    .sort((a, b) => `${a.application}.${a.serverName}`.localeCompare(`${b.application}.${b.serverName}`))
}
