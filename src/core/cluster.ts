/**
 * The whole cluster as the registry hands it out (pure): every object resolved once, with the same core
 * `resolve` uses (core/resolve.ts, core/object-index.ts), plus each node's IPs and networks. `check` and
 * `impact` compute on this one view; nothing here restates Tars's expansion rules.
 */
import {parseIp} from './ip.js'
import type {Networks} from './networks.js'
import {nodeAddresses, type NodeAddresses} from './nodes.js'
import {indexObjects} from './object-index.js'
import {resolveObject, type ResolveResult} from './resolve.js'
import type {AdapterRow, GroupPriorityRow, GroupRuleRow, NodeRow, RegistryRow, ServerRow} from './rows.js'

/** The registry's own servant: what clients reach through their locator. */
export const REGISTRY_OBJECT = 'tars.tarsregistry.QueryObj'

export interface ClusterRows {
  nodes: NodeRow[]
  servers: ServerRow[]
  adapters: AdapterRow[]
  registry: RegistryRow[]
  groups?: {rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}
}

export interface ClusterNode {
  name: string
  row: NodeRow
  addresses: NodeAddresses
  /** Named networks the node has an IP on (auto networks: its prefixes). */
  networks: Set<string>
  hasIpv4: boolean
  hasIpv6: boolean
}

export interface ClusterView {
  networks: Networks
  /** t_node_info rows by trimmed node_name. */
  nodes: Map<string, ClusterNode>
  /** Every object (servant) name, sorted. */
  objects: string[]
  /**
   * An object's full registry answer (findObjectById4Any, no filters), computed on each call: callers
   * walk the objects once, and keeping thousands of answers alive costs more in garbage collection than
   * resolving again. Without the proxy strings, which no whole-cluster view shows.
   */
  resolved(object: string): ResolveResult
}

export function clusterView(rows: ClusterRows, networks: Networks): ClusterView {
  const nodes = new Map<string, ClusterNode>()
  for (const row of rows.nodes) {
    const addresses = nodeAddresses(row)
    const nets = new Set<string>()
    let hasIpv4 = false
    let hasIpv6 = false
    for (const ip of addresses.ips) {
      const net = networks.classify(ip)
      if (net !== null) nets.add(net)
      if (parseIp(ip)?.family === 6) hasIpv6 = true
      else hasIpv4 = true
    }
    nodes.set(row.nodeName.trim(), {name: row.nodeName.trim(), row, addresses, networks: nets, hasIpv4, hasIpv6})
  }
  const index = indexObjects(rows)
  return {
    networks,
    nodes,
    objects: index.objects,
    resolved(object) {
      const data = index.get(object)
      return resolveObject({object, rows: data.rows, nodes: data.nodes, networks, groups: rows.groups, proxies: false})
    },
  }
}
