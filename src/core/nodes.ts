/**
 * A node's IPs and what is wrong with them, from its t_node_info row (docs/design.md §1).
 * The IP list is read liberally (`,` `;` `|` whitespace, or a JSON array) and written canonically.
 * A node without a list falls back to endpoint_ip, then node_name when that is an IP: single-network.
 */
import type {NodeRow} from './rows.js'
import {ipKind, isBroadcastOf, normalizeIp, parseCidr, parseIp, type Cidr} from './ip.js'
import type {Networks} from './networks.js'
import {formatAge, naturalCompare} from './text.js'

export type IpSource = 'ip_list' | 'endpoint_ip' | 'node_name' | 'none'

/** The registry marks a node inactive once its heartbeat is older than this (RegistryServer). */
export const STALE_HEARTBEAT_SECONDS = 250

export interface ParsedIpList {
  /** Canonical IPs in list order, duplicates removed. */
  ips: string[]
  /** Tokens that are not IP addresses. */
  invalid: string[]
  /** IPs listed more than once. */
  duplicates: string[]
  /** The value could not be read at all (e.g. a broken JSON array). */
  unreadable: boolean
}

/** The entries of an IP-list value as written (separators `,` `;` `|` whitespace, or a JSON array); null when unreadable. */
export function ipListTokens(raw: string | null | undefined): string[] | null {
  const text = (raw ?? '').trim()
  if (text === '') return []
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (!Array.isArray(parsed)) return null
      return parsed.map((t) => (typeof t === 'string' ? t : JSON.stringify(t) ?? String(t)))
    } catch {
      return null
    }
  }
  return text.split(/[,;|\s]+/).filter((t) => t !== '')
}

/** Reads an IP-list column value liberally. */
export function parseIpList(raw: string | null | undefined): ParsedIpList {
  const result: ParsedIpList = {ips: [], invalid: [], duplicates: [], unreadable: false}
  const tokens = ipListTokens(raw)
  if (tokens === null) {
    result.unreadable = true
    return result
  }
  const seen = new Set<string>()
  for (const token of tokens) {
    const ip = normalizeIp(token)
    if (!ip) result.invalid.push(token)
    else if (seen.has(ip)) result.duplicates.push(ip)
    else {
      seen.add(ip)
      result.ips.push(ip)
    }
  }
  return result
}

/** The canonical stored form: comma-separated, no spaces. */
export function formatIpList(ips: string[]): string {
  return ips.join(',')
}

export interface NodeAddresses {
  ips: string[]
  source: IpSource
  /** Set when the IP-list value had problems (kept for reporting; valid IPs are still used). */
  parsed: ParsedIpList | null
}

/**
 * Answers already computed, per row object: resolving every object of a cluster (check, impact) asks for
 * the same node's addresses once per servant it hosts. The answer is frozen so no caller can change it for
 * the next; a row whose fields changed since is computed afresh.
 */
const addressCache = new WeakMap<NodeRow, {addresses: NodeAddresses; ipList: NodeRow['ipList']; endpointIp: string; nodeName: string}>()

/** A node's IPs in order of preference, and where they came from. */
export function nodeAddresses(row: NodeRow): NodeAddresses {
  let known = addressCache.get(row)
  if (known === undefined || known.ipList !== row.ipList || known.endpointIp !== row.endpointIp || known.nodeName !== row.nodeName) {
    const addresses = computeAddresses(row)
    Object.freeze(addresses.ips)
    Object.freeze(addresses)
    known = {addresses, ipList: row.ipList, endpointIp: row.endpointIp, nodeName: row.nodeName}
    addressCache.set(row, known)
  }
  return known.addresses
}

function computeAddresses(row: NodeRow): NodeAddresses {
  const parsed = row.ipList === undefined ? null : parseIpList(row.ipList)
  if (parsed && parsed.ips.length > 0) return {ips: parsed.ips, source: 'ip_list', parsed}
  const endpointIp = normalizeIp(row.endpointIp ?? '')
  if (endpointIp) return {ips: [endpointIp], source: 'endpoint_ip', parsed}
  const nodeNameIp = normalizeIp(row.nodeName)
  if (nodeNameIp) return {ips: [nodeNameIp], source: 'node_name', parsed}
  return {ips: [], source: 'none', parsed}
}

export type ProblemCode =
  | 'fallback'
  | 'no-ips'
  | 'malformed-ip-list'
  | 'duplicate-ip'
  | 'missing-network'
  | 'no-network'
  | 'stale-heartbeat'
  | 'no-heartbeat'
  | 'unusable-ip'

export interface NodeProblem {
  code: ProblemCode
  message: string
  network?: string
  ip?: string
}

export interface NodeIp {
  ip: string
  network: string | null
}

export interface NodeView {
  name: string
  ips: NodeIp[]
  ipSource: IpSource
  presentState: string
  settingState: string
  lastHeartbeat: string | null
  heartbeatAgeSeconds: number | null
  stale: boolean
  tarsVersion: string
  problems: NodeProblem[]
}

/** Builds the view of one node: IPs with networks, heartbeat age, and every problem, by name. */
export function buildNodeView(row: NodeRow, networks: Networks, nowMs: number): NodeView {
  const addresses = nodeAddresses(row)
  const ips = addresses.ips.map((ip) => ({ip, network: networks.classify(ip)}))
  const problems: NodeProblem[] = []
  const parsed = addresses.parsed
  if (parsed?.unreadable) {
    problems.push({code: 'malformed-ip-list', message: `IP list is unreadable: ${JSON.stringify(row.ipList)}`})
  } else if (parsed && parsed.invalid.length > 0) {
    problems.push({code: 'malformed-ip-list', message: `IP list has entries that are not IPs: ${parsed.invalid.join(', ')}`})
  }
  if (parsed && parsed.duplicates.length > 0) {
    problems.push({code: 'duplicate-ip', message: `IP list repeats ${[...new Set(parsed.duplicates)].join(', ')}`})
  }
  if (addresses.source === 'endpoint_ip' || addresses.source === 'node_name') {
    const why = row.ipList === undefined ? 'the IP-list column is missing' : 'no IP list'
    problems.push({code: 'fallback', message: `${why}: using ${addresses.source} ${addresses.ips[0]} (single network)`})
  } else if (addresses.source === 'none') {
    problems.push({code: 'no-ips', message: 'no IP list, no endpoint_ip, and node_name is not an IP: no address known'})
  }
  for (const {ip, network} of ips) {
    if (network === null) problems.push({code: 'no-network', message: `${ip} is in no defined network`, ip})
  }
  for (const u of splitUsable(row.nodeName, addresses.ips, networks).unusable) {
    problems.push({code: 'unusable-ip', message: `${describeUnusable(u)} is no address a client can reach: resolve and probe leave it out`, ip: u.ip})
  }
  if (!networks.auto && ips.length > 0) {
    for (const n of networks.list) {
      if (!ips.some((i) => i.network === n.name)) problems.push({code: 'missing-network', message: `no IP on network ${n.name}`, network: n.name})
    }
  }
  let age: number | null = null
  if (row.lastHeartbeat) {
    age = Math.max(0, Math.round((nowMs - Date.parse(row.lastHeartbeat)) / 1000))
    if (age > STALE_HEARTBEAT_SECONDS) {
      problems.push({code: 'stale-heartbeat', message: `last heartbeat ${formatAge(age)} (the registry marks a node inactive after ${STALE_HEARTBEAT_SECONDS} s)`})
    }
  } else {
    problems.push({code: 'no-heartbeat', message: 'never sent a heartbeat'})
  }
  return {
    name: row.nodeName,
    ips,
    ipSource: addresses.source,
    presentState: row.presentState,
    settingState: row.settingState,
    lastHeartbeat: row.lastHeartbeat,
    heartbeatAgeSeconds: age,
    stale: age !== null && age > STALE_HEARTBEAT_SECONDS,
    tarsVersion: row.tarsVersion,
    problems,
  }
}

export function sortNodeViews<T extends {name: string}>(views: T[]): T[] {
  return views.sort((a, b) => naturalCompare(a.name, b.name))
}

/** Addresses an IP list may hold that no client can reach: never handed out, never probed. */
export type UnusableKind = 'unspecified' | 'multicast' | 'broadcast'

export interface UnusableAddress {
  node: string
  ip: string
  kind: UnusableKind
  /** For the broadcast address of a defined network: that network. */
  network?: string
}

const broadcastCidrs = new WeakMap<Networks, Array<{network: string; cidr: Cidr}>>()

/**
 * A node's IPs split into those a client can use and those it cannot (0.0.0.0 or ::, multicast,
 * 255.255.255.255 or a defined network's broadcast address): the editing commands refuse to store
 * them, but a list written by hand or by another tool may hold them, and the registry expansion must
 * not hand them out.
 */
export function splitUsable(node: string, ips: readonly string[], networks?: Networks): {usable: string[]; unusable: UnusableAddress[]} {
  let unusable: UnusableAddress[] | null = null
  let usable: string[] | null = null
  for (let i = 0; i < ips.length; i++) {
    const found = unusableKind(ips[i], networks)
    if (found === null) {
      usable?.push(ips[i])
      continue
    }
    usable ??= ips.slice(0, i)
    unusable ??= []
    unusable.push({node, ip: ips[i], ...found})
  }
  return {usable: usable ?? [...ips], unusable: unusable ?? []}
}

const splitCache = new WeakMap<NodeAddresses, {node: string; networks: Networks; split: {usable: string[]; unusable: UnusableAddress[]}}>()

/**
 * splitUsable of a node's addresses (as nodeAddresses returns them), remembered per addresses object and
 * networks: resolving a whole cluster asks once per servant the node hosts. The answer is frozen.
 */
export function splitUsableAddresses(node: string, addresses: NodeAddresses, networks: Networks): {usable: string[]; unusable: UnusableAddress[]} {
  const known = splitCache.get(addresses)
  if (known && known.node === node && known.networks === networks) return known.split
  const split = splitUsable(node, addresses.ips, networks)
  Object.freeze(split.usable)
  Object.freeze(split.unusable)
  if (Object.isFrozen(addresses)) splitCache.set(addresses, {node, networks, split: Object.freeze(split)})
  return split
}

function unusableKind(text: string, networks?: Networks): {kind: UnusableKind; network?: string} | null {
  const ip = parseIp(text)
  if (!ip) return null
  const kind = ipKind(ip)
  if (kind === 'unspecified' || kind === 'multicast' || kind === 'broadcast') return {kind}
  if (ip.family !== 4 || !networks || networks.auto) return null
  let cidrs = broadcastCidrs.get(networks)
  if (!cidrs) {
    cidrs = networks.list.flatMap((n) => n.cidrs.map((c) => ({network: n.name, cidr: parseCidr(c)})).filter((c): c is {network: string; cidr: Cidr} => c.cidr !== null))
    broadcastCidrs.set(networks, cidrs)
  }
  const hit = cidrs.find((c) => isBroadcastOf(ip, c.cidr))
  return hit ? {kind: 'broadcast', network: hit.network} : null
}

/** "0.0.0.0 (unspecified)", "10.20.255.255 (broadcast of y)". */
export function describeUnusable(u: UnusableAddress): string {
  return `${u.ip} (${u.kind}${u.network ? ` of ${u.network}` : ''})`
}
