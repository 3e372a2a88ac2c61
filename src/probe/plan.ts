/**
 * What to probe (pure): the link matrix (every node × every one of its IPs, on the node's own servant
 * ports) or every expanded endpoint of one object. No I/O: rows in, targets out.
 */
import type {Networks} from '../core/networks.js'
import {describeUnusable, nodeAddresses, splitUsable, type UnusableAddress} from '../core/nodes.js'

import {parseEndpointDetailed} from '../core/endpoint.js'
import {expandHosts, serverKey, type ResolvedEndpoint, type ResolveResult} from '../core/resolve.js'
import {matcher, naturalCompare} from '../core/text.js'
import type {AdapterRow, NodeRow, ServerRow} from '../core/rows.js'
import type {CheckKind, ProbeTarget} from './engine.js'

export type CheckMode = 'tcp' | 'tars' | 'auto'

/** A row of the matrix: a node (or, for an object, a node's endpoint port). */
export interface PlanRow {
  key: string
  label: string
  node: string
  /** False for an object's inactive endpoints (shown, marked, left out of the verdict). */
  active: boolean
  /** Why nothing is probed for this row (no IP, no port), or null. */
  nothingToProbe: string | null
}

/** A probe target that knows its matrix row. `id` is its index in `targets`. */
export interface PlanTarget extends ProbeTarget {
  id: number
  row: string
  active: boolean
}

export interface ProbePlan {
  mode: 'matrix' | 'object'
  object: string | null
  /** Matrix columns, in order; null is "in no named network". */
  columns: Array<string | null>
  rows: PlanRow[]
  targets: PlanTarget[]
  /** IPs left without a port, per row key: shown as "nothing to probe", never as down. */
  idle: Array<{row: string; network: string | null; host: string}>
  /** Addresses in IP lists that no client can reach (0.0.0.0, multicast, broadcast): not probed, reported. */
  unusable: UnusableAddress[]
  notes: string[]
}

/** The note saying which listed addresses are left out (the first ten, then how many more). */
export function unusableNote(unusable: readonly UnusableAddress[]): string[] {
  if (unusable.length === 0) return []
  const shown = unusable.slice(0, 10).map((u) => `${u.node} ${describeUnusable(u)}`).join(', ')
  return [`left out, not probed: ${unusable.length === 1 ? 'an address' : `${unusable.length} addresses`} in IP lists that no client can reach: ${shown}${unusable.length > 10 ? `, and ${unusable.length - 10} more` : ''}`]
}

interface PortInfo {
  port: number
  servant: string | null
}

/** Which check a port gets: tars_ping when asked (or auto) and a Tars servant is known. */
function pickCheck(mode: CheckMode, tarsServant: string | null): {check: CheckKind; servant: string | null} {
  if (mode === 'tcp' || tarsServant === null) return {check: 'tcp', servant: null}
  return {check: 'tars', servant: tarsServant}
}

/** A Tars servant a tars_ping can be sent to: tcp transport and adapter protocol tars. */
function pingable(ep: ResolvedEndpoint, object: string): string | null {
  return ep.protocol === 'tcp' && ep.adapterProtocol === 'tars' ? object : null
}

function columnsOf(networks: Networks, used: Iterable<string | null>, only?: string): Array<string | null> {
  const usedSet = new Set(used)
  const cols: Array<string | null> = networks.list.map((n) => n.name).filter((n) => !only || n === only)
  if (usedSet.has(null) && !only) cols.push(null)
  return cols
}

export interface MatrixInput {
  nodes: NodeRow[]
  servers: ServerRow[]
  adapters: AdapterRow[]
  networks: Networks
  /** --port: probe exactly these on every IP. */
  ports?: number[]
  /** Profile probe ports: tried after the servant ports, and alone where a node has none. */
  fallbackPorts?: number[]
  check: CheckMode
  network?: string
  node?: string
}

/** A row the registry hands out as active (docs/design.md §2): both states active, flow not inactive, not standby. */
function activeServer(s: ServerRow): boolean {
  return s.settingState === 'active' && s.presentState === 'active' && s.flowState !== 'inactive' && Number(s.bakFlag) !== 1
}

/**
 * The active servant ports of every node on each of its IPs: node → host → ports, in the order the
 * adapters come. This is the registry expansion of docs/design.md §2 through core/resolve's own expandHosts
 * (without the per-object report): a wildcard host (0.0.0.0, *, no -h → the node's IPv4s; :: → all its
 * IPs) becomes the node's IPs; a specific host stays itself. An adapter belongs to its servant whatever its
 * application/server_name, and the server row that decides whether it is active is the one with the
 * adapter's own (application, server_name, node_name), joined as MySQL joins them (core serverKey).
 * One pass over the rows, so 10,000 links plan fast.
 */
export function servantPorts(input: Pick<MatrixInput, 'nodes' | 'servers' | 'adapters'>, addressesOf: (n: NodeRow) => string[] = (n) => nodeAddresses(n).ips): Map<string, Map<string, PortInfo[]>> {
  const active = new Set<string>()
  for (const s of input.servers) if (activeServer(s)) active.add(serverKey(s.application, s.serverName, s.nodeName))
  const ipsOf = new Map<string, string[]>()
  for (const n of input.nodes) ipsOf.set(n.nodeName.trim(), addressesOf(n))
  const out = new Map<string, Map<string, PortInfo[]>>()
  const adapters = [...input.adapters].sort((a, b) => naturalCompare(a.servant, b.servant))
  const endpoints = new Map<string, ReturnType<typeof parseEndpointDetailed> | null>()
  for (const a of adapters) {
    const node = a.nodeName.trim()
    if (!a.servant || !active.has(serverKey(a.application, a.serverName, a.nodeName))) continue
    // Many adapters share one endpoint string (same port on 0.0.0.0): parse each string once.
    let parsed = endpoints.get(a.endpoint)
    if (parsed === undefined) {
      try {
        parsed = parseEndpointDetailed(a.endpoint, {missingHost: '0.0.0.0'})
      } catch {
        parsed = null
      }
      endpoints.set(a.endpoint, parsed)
    }
    if (parsed === null) continue // the registry skips endpoint strings that do not parse
    const ep = parsed.endpoint
    if (ep.protocol === 'udp' || ep.port <= 0) continue
    // The same expansion as resolve (core/resolve.ts expandHosts), so both list the same endpoints.
    const {hosts} = expandHosts(parsed.hostText, ep.host, ipsOf.get(node) ?? [])
    const servant = ep.protocol === 'tcp' && a.protocol === 'tars' ? a.servant : null
    let byHost = out.get(node)
    if (!byHost) out.set(node, (byHost = new Map()))
    for (const host of hosts) {
      let ports = byHost.get(host)
      if (!ports) byHost.set(host, (ports = []))
      const existing = ports.find((p) => p.port === ep.port)
      if (!existing) ports.push({port: ep.port, servant})
      else if (existing.servant === null && servant !== null) existing.servant = servant
    }
  }
  return out
}

/** The link matrix: every node (matching `node`) × every one of its IPs (on `network`). */
export function planMatrix(input: MatrixInput): ProbePlan {
  const nameMatches = matcher(input.node)
  const nodes = input.nodes.filter((n) => nameMatches(n.nodeName.trim())).sort((a, b) => naturalCompare(a.nodeName, b.nodeName))
  const classify = memo((ip: string) => input.networks.classify(ip))
  // Each node's IP list is parsed once here, for the servant ports and for the rows.
  const addresses = new Map<NodeRow, string[]>()
  const unusable: UnusableAddress[] = []
  const addressesOf = (n: NodeRow): string[] => {
    let ips = addresses.get(n)
    if (ips === undefined) {
      // 0.0.0.0, multicast and broadcast addresses in a list are left out (and reported), as resolve does.
      const split = splitUsable(n.nodeName.trim(), nodeAddresses(n).ips, input.networks)
      unusable.push(...split.unusable)
      addresses.set(n, (ips = split.usable))
    }
    return ips
  }
  const fromServants = input.ports ? null : servantPorts(input, addressesOf)
  let known = fromServants
  const rows: PlanRow[] = []
  const targets: PlanTarget[] = []
  const idle: ProbePlan['idle'] = []
  const used: Array<string | null> = []
  for (const n of nodes) {
    const name = n.nodeName.trim()
    const ips = addressesOf(n).map((ip) => ({ip, network: classify(ip)})).filter((i) => !input.network || i.network === input.network)
    const row: PlanRow = {key: name, label: name, node: name, active: true, nothingToProbe: null}
    rows.push(row)
    if (ips.length === 0) {
      row.nothingToProbe = input.network ? `no IP on network ${input.network}` : 'no IP known'
      continue
    }
    let probed = 0
    for (const {ip, network} of ips) {
      used.push(network)
      let ports: PortInfo[]
      if (input.ports) {
        // --port: the ports the operator asked for; a servant known on such a port can still be pinged.
        known ??= servantPorts(input, addressesOf)
        const onIp = known.get(name)?.get(ip) ?? []
        ports = input.ports.map((port) => ({port, servant: onIp.find((p) => p.port === port)?.servant ?? null}))
      } else {
        ports = [...(fromServants!.get(name)?.get(ip) ?? [])]
        for (const port of input.fallbackPorts ?? []) if (!ports.some((p) => p.port === port)) ports.push({port, servant: null})
      }
      if (ports.length === 0) {
        idle.push({row: name, network, host: ip})
        continue
      }
      probed++
      const checks = ports.map((p) => pickCheck(input.check, p.servant))
      const anyTars = checks.some((c) => c.check === 'tars')
      targets.push({
        id: targets.length, row: name, active: true, node: name, network, host: ip,
        ports: ports.map((p) => p.port),
        check: anyTars ? 'tars' : 'tcp',
        servants: anyTars ? checks.map((c) => c.servant) : undefined,
      })
    }
    if (probed === 0) row.nothingToProbe = 'no active servant port (give --port)'
  }
  const listed = unusable.filter((u) => nameMatches(u.node))
  return {mode: 'matrix', object: null, columns: columnsOf(input.networks, used, input.network), rows, targets, idle, unusable: listed, notes: unusableNote(listed)}
}

/** Every expanded endpoint of one object (active and inactive), from its resolve result. */
export function planObject(result: ResolveResult, networks: Networks, check: CheckMode, network?: string): ProbePlan {
  const endpoints = [...result.active, ...result.inactive]
  // A node with several ports for the object gets one row per port.
  const portsPerNode = new Map<string, Set<number>>()
  for (const ep of endpoints) {
    const set = portsPerNode.get(ep.node) ?? new Set<number>()
    set.add(ep.port)
    portsPerNode.set(ep.node, set)
  }
  const rows = new Map<string, PlanRow>()
  const targets: PlanTarget[] = []
  const notes: string[] = []
  const used: Array<string | null> = []
  const sorted = [...endpoints].sort((a, b) => naturalCompare(a.node, b.node) || a.port - b.port)
  for (const ep of sorted) {
    const several = (portsPerNode.get(ep.node)?.size ?? 0) > 1
    const key = several ? `${ep.node}:${ep.port}` : ep.node
    let row = rows.get(key)
    if (!row) {
      row = {key, label: several ? `${ep.node} :${ep.port}` : ep.node, node: ep.node, active: ep.active, nothingToProbe: null}
      rows.set(key, row)
    } else if (ep.active) row.active = true
    used.push(ep.network)
    if (ep.protocol === 'udp') {
      notes.push(`${ep.endpoint} is UDP: not probed`)
      continue
    }
    const c = pickCheck(check, pingable(ep, result.object))
    if (check === 'tars' && c.check === 'tcp') notes.push(`${ep.endpoint}: adapter protocol ${ep.adapterProtocol}${ep.protocol === 'ssl' ? ' over ssl' : ''}, so a TCP connect instead of tars_ping`)
    targets.push({id: targets.length, row: key, active: ep.active, node: ep.node, network: ep.network, host: ep.host, ports: [ep.port], check: c.check, servant: c.servant ?? undefined})
  }
  for (const row of rows.values()) {
    if (!targets.some((t) => t.row === row.key)) row.nothingToProbe = 'no TCP endpoint'
  }
  return {mode: 'object', object: result.object, columns: columnsOf(networks, used, network), rows: [...rows.values()], targets, idle: [], unusable: result.unusable, notes: [...new Set(notes), ...unusableNote(result.unusable)]}
}

/** What `probe --plan` shows: every target with the source address it would leave from, and the rows left idle. */
export interface PlanListing {
  object: string | null
  targets: Array<{row: string; node: string; network: string | null; host: string; ports: number[]; check: CheckKind; servants: Array<string | null> | null; active: boolean; sourceIp: string | null}>
  idle: ProbePlan['idle']
  nothingToProbe: Array<{row: string; reason: string}>
  unusable: UnusableAddress[]
}

export function planListing(plan: ProbePlan, bind: ReadonlyMap<string, string> | undefined): PlanListing {
  return {
    object: plan.object,
    targets: plan.targets.map((t) => ({
      row: t.row, node: t.node, network: t.network, host: t.host, ports: t.ports, check: t.check,
      servants: t.servants?.map((x) => x ?? null) ?? (t.servant === undefined ? null : [t.servant]), active: t.active,
      sourceIp: t.network === null ? null : bind?.get(t.network) ?? null,
    })),
    idle: plan.idle,
    nothingToProbe: plan.rows.flatMap((r) => (r.nothingToProbe === null ? [] : [{row: r.key, reason: r.nothingToProbe}])),
    unusable: plan.unusable,
  }
}

function memo<T>(fn: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>()
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T
    const v = fn(key)
    cache.set(key, v)
    return v
  }
}
