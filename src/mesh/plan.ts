/**
 * What the mesh measures (pure): the nodes in scope, each node's targets (its own active servant ports on
 * each of its IPs, as `probe` has them, or given ports), how to reach each node over SSH (its IPs in list
 * order), and, per source node, the probes it runs: every other node's targets on every network both
 * have. A node does not probe itself.
 */
import {normalizeIp} from '../core/ip.js'
import type {Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import type {ResolveResult} from '../core/resolve.js'
import type {AdapterRow, NodeRow, ServerRow} from '../core/rows.js'
import {matcher, naturalCompare} from '../core/text.js'
import {servantPorts} from '../probe/plan.js'

export interface MeshAddress {
  ip: string
  network: string | null
}

/** What peers probe on a node: one of its IPs, on these ports (the first that answers wins). */
export interface MeshTarget {
  host: string
  network: string | null
  ports: number[]
}

export interface MeshPlanNode {
  name: string
  /** Its IPs in list order: SSH tries them in this order; probes leave from its networks. */
  ips: MeshAddress[]
  targets: MeshTarget[]
  /** Why peers probe nothing on it (no IP, no port), or null. */
  note: string | null
}

export interface MeshPlan {
  mode: 'nodes' | 'object'
  object: string | null
  /** Matrix networks, in order; null is "in no named network". */
  columns: Array<string | null>
  nodes: MeshPlanNode[]
  notes: string[]
}

/** One probe a source runs: a target of another node, on one port. */
export interface MeshProbe {
  to: string
  network: string | null
  host: string
  port: number
  /** Index of the port in the target's port list (the first port that answers wins). */
  portIndex: number
}

export interface MeshInput {
  nodes: NodeRow[]
  servers: ServerRow[]
  adapters: AdapterRow[]
  networks: Networks
  /** --port: these ports on every IP instead of the servant ports. */
  ports?: number[]
  /** The profile's probe ports: after the servant ports, and alone where a node has none. */
  fallbackPorts?: number[]
  /** --network: only probes on this network. */
  network?: string
  /** --node: only nodes whose name matches. */
  node?: string
}

function columnsOf(networks: Networks, nodes: MeshPlanNode[], only?: string): Array<string | null> {
  const cols: Array<string | null> = networks.list.map((n) => n.name).filter((n) => !only || n === only)
  if (!only && nodes.some((n) => n.ips.some((i) => i.network === null))) cols.push(null)
  return cols
}

const validPorts = (ports: readonly number[]) => [...new Set(ports.filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535))]

/** The full mesh: every node in scope against every other. */
export function planMesh(input: MeshInput): MeshPlan {
  const nameMatches = matcher(input.node)
  const rows = input.nodes.filter((n) => nameMatches(n.nodeName.trim())).sort((a, b) => naturalCompare(a.nodeName, b.nodeName))
  const addresses = new Map<NodeRow, string[]>()
  const addressesOf = (n: NodeRow): string[] => {
    let ips = addresses.get(n)
    if (ips === undefined) addresses.set(n, (ips = nodeAddresses(n).ips))
    return ips
  }
  const fromServants = input.ports ? null : servantPorts(input, addressesOf)
  const nodes: MeshPlanNode[] = []
  for (const row of rows) {
    const name = row.nodeName.trim()
    const ips = addressesOf(row).map((ip) => ({ip, network: input.networks.classify(ip)}))
    const targets: MeshTarget[] = []
    for (const {ip, network} of ips) {
      if (input.network && network !== input.network) continue
      let ports: number[]
      if (input.ports) ports = validPorts(input.ports)
      else {
        ports = (fromServants!.get(name)?.get(ip) ?? []).map((p) => p.port)
        for (const p of input.fallbackPorts ?? []) if (!ports.includes(p)) ports.push(p)
        ports = validPorts(ports)
      }
      if (ports.length > 0) targets.push({host: ip, network, ports})
    }
    const note = ips.length === 0 ? 'no IP known' : targets.length === 0
      ? (input.network && !ips.some((i) => i.network === input.network) ? `no IP on network ${input.network}` : 'no active servant port (give --port)')
      : null
    nodes.push({name, ips, targets, note})
  }
  return {mode: 'nodes', object: null, columns: columnsOf(input.networks, nodes, input.network), nodes, notes: []}
}

/**
 * One object's mesh: the nodes serving it (its active TCP endpoints), each probing the others' endpoints
 * of that object. Endpoints are matched to node rows by name, else by IP (registry rows carry no node name).
 */
export function planMeshObject(result: ResolveResult, nodeRows: NodeRow[], networks: Networks, options: {network?: string; node?: string} = {}): MeshPlan {
  const nameMatches = matcher(options.node)
  const rowByName = new Map(nodeRows.map((n) => [n.nodeName.trim(), n]))
  const rowByIp = new Map<string, NodeRow>()
  for (const n of nodeRows) for (const ip of nodeAddresses(n).ips) if (!rowByIp.has(ip)) rowByIp.set(ip, n)
  const notes: string[] = []
  const byNode = new Map<string, {row: NodeRow | undefined; targets: Map<string, MeshTarget>}>()
  for (const ep of result.active) {
    if (ep.protocol === 'udp') {
      notes.push(`${ep.endpoint} is UDP: not probed`)
      continue
    }
    const host = normalizeIp(ep.host)
    if (!host) {
      notes.push(`${ep.endpoint}: host ${ep.host} is not an IP address: not probed`)
      continue
    }
    const row = rowByName.get(ep.node) ?? rowByIp.get(host)
    const name = row ? row.nodeName.trim() : ep.node
    if (!nameMatches(name)) continue
    let entry = byNode.get(name)
    if (!entry) byNode.set(name, (entry = {row, targets: new Map()}))
    const network = networks.classify(host)
    if (options.network && network !== options.network) continue
    const t = entry.targets.get(host)
    if (t) {
      if (!t.ports.includes(ep.port)) t.ports.push(ep.port)
    } else entry.targets.set(host, {host, network, ports: [ep.port]})
  }
  const nodes: MeshPlanNode[] = [...byNode.entries()].sort((a, b) => naturalCompare(a[0], b[0])).map(([name, {row, targets}]) => {
    const ipList = row ? nodeAddresses(row).ips : [...targets.keys()]
    const ips = ipList.map((ip) => ({ip, network: networks.classify(ip)}))
    const list = [...targets.values()]
    if (!row) notes.push(`${name} has no t_node_info row: reached over SSH on its endpoint IPs`)
    return {name, ips, targets: list, note: list.length === 0 ? (options.network ? `no endpoint on network ${options.network}` : 'no TCP endpoint') : null}
  })
  return {mode: 'object', object: result.object, columns: columnsOf(networks, nodes, options.network), nodes, notes: [...new Set(notes)]}
}

const key = (n: string | null) => n ?? '\u0000none'

/** The probes `source` runs: every other node's targets on the networks `source` has an IP on. */
export function probesFrom(plan: MeshPlan, source: MeshPlanNode): MeshProbe[] {
  const mine = new Set(source.ips.map((i) => key(i.network)))
  const probes: MeshProbe[] = []
  for (const other of plan.nodes) {
    if (other.name === source.name) continue
    for (const t of other.targets) {
      if (!mine.has(key(t.network))) continue
      t.ports.forEach((port, portIndex) => probes.push({to: other.name, network: t.network, host: t.host, port, portIndex}))
    }
  }
  return probes
}

/** Pairs in the plan: nodes that have something to probe between them, in either direction. */
export function plannedLinkCount(plan: MeshPlan): number {
  let n = 0
  for (const s of plan.nodes) {
    const seen = new Set<string>()
    for (const p of probesFrom(plan, s)) seen.add(`${p.to}\u0000${p.host}`)
    n += seen.size
  }
  return n
}
