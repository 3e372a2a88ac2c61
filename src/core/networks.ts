/**
 * Networks: a name plus one or more CIDRs (docs/design.md §1). Every IP is classified into the named network
 * whose CIDR holds it (the longest prefix wins when CIDRs overlap), or into none (null).
 * With no networks configured, IPs are grouped by /24 (IPv4) or /64 (IPv6), named after the prefix.
 * A wildcard host (0.0.0.0, ::) is on no network either way.
 */
import {UserError} from './errors.js'
import {autoPrefix, cidrContains, compareIps, ipKind, parseCidr, parseIp, type Cidr, type Ip} from './ip.js'
import {clip} from './text.js'
import {NOTHING} from './names.js'

export interface Network {
  name: string
  cidrs: string[]
}

export interface Networks {
  /** The named networks, in definition order (auto networks: in address order). */
  readonly list: Network[]
  /** True when nothing was configured and the networks were derived from the IPs (/24, /64). */
  readonly auto: boolean
  /** The network an IP belongs to, or null for an IP in no named network (or not an IP at all). */
  classify(ip: string): string | null
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/**
 * Parses `x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16`. Throws a UserError naming the bad part.
 * `origin` says where the spec came from (flag, env var, profile) for the message.
 */
export function parseNetworksSpec(spec: string, origin = '--networks'): Network[] {
  const networks: Network[] = []
  const seen = new Set<string>()
  for (const rawPart of spec.split(';')) {
    const part = rawPart.trim()
    if (part === '') continue
    const eq = part.indexOf('=')
    if (eq < 0) throw new UserError(`invalid ${origin}: "${clip(part, 60)}" has no "=": write NAME=CIDR[,CIDR…], networks separated by ";"`, {code: 'invalid_networks'})
    const name = part.slice(0, eq).trim()
    if (!NAME.test(name)) throw new UserError(`invalid ${origin}: network name "${clip(name, 40)}" in "${clip(part, 60)}": use letters, digits, "-", "_" or "."`, {code: 'invalid_networks'})
    if (seen.has(name)) throw new UserError(`invalid ${origin}: network "${clip(name, 40)}" is defined twice`, {code: 'invalid_networks'})
    seen.add(name)
    const cidrs: string[] = []
    for (const rawCidr of part.slice(eq + 1).split(',')) {
      const text = rawCidr.trim()
      if (text === '') continue
      const cidr = parseCidr(text)
      if (!cidr || !text.includes('/')) throw new UserError(`invalid ${origin}: "${clip(text, 60)}" in network "${clip(name, 40)}" is not a CIDR like 10.10.0.0/16 or fd00:10::/64`, {code: 'invalid_networks'})
      cidrs.push(cidr.text)
    }
    if (cidrs.length === 0) throw new UserError(`invalid ${origin}: network "${clip(name, 40)}" has no CIDR`, {code: 'invalid_networks'})
    networks.push({name, cidrs})
  }
  return networks
}

/** Throws a UserError naming the networks there are, unless `name` is one of them (for --network filters). */
export function assertKnownNetwork(networks: Networks, name: string | undefined): void {
  if (name === undefined || networks.list.some((n) => n.name === name)) return
  throw new UserError(`unknown network "${clip(name, 40)}": the networks are ${networks.list.map((n) => n.name).join(', ') || NOTHING}`, {code: 'unknown_network'})
}

/** The canonical spec text of a list of networks (the inverse of parseNetworksSpec). */
export function formatNetworksSpec(networks: Network[]): string {
  return networks.map((n) => `${n.name}=${n.cidrs.join(',')}`).join(';')
}

/** Networks defined by name and CIDRs. */
export function namedNetworks(list: Network[]): Networks {
  const parsed: Array<{name: string; cidr: Cidr}> = []
  for (const n of list) for (const c of n.cidrs) {
    const cidr = parseCidr(c)
    if (cidr) parsed.push({name: n.name, cidr})
  }
  // Longest prefix first, so the most specific CIDR wins when definitions overlap.
  parsed.sort((a, b) => b.cidr.prefix - a.cidr.prefix)
  // Resolving a whole cluster classifies each node IP once per endpoint (hundreds of thousands of times):
  // answers are remembered per text, up to a bound, past which the memo starts over.
  const known = new Map<string, string | null>()
  return {
    list,
    auto: false,
    classify(ipText: string) {
      const hit = known.get(ipText)
      if (hit !== undefined) return hit
      const ip = parseIp(ipText)
      let found: string | null = null
      if (ip && !isWildcard(ip)) for (const {name, cidr} of parsed) if (cidrContains(cidr, ip)) { found = name; break }
      if (known.size >= CLASSIFY_MEMO_LIMIT) known.clear()
      known.set(ipText, found)
      return found
    },
  }
}

const CLASSIFY_MEMO_LIMIT = 200_000

/** 0.0.0.0 and :: mean "every address of the host": a listener's wildcard, on no network (never `0.0.0.0/24`). */
const isWildcard = (ip: Ip): boolean => ipKind(ip) === 'unspecified'

/**
 * The networks to classify IPs with: the configured ones, else those saved with a snapshot, else one
 * automatic network per /24 or /64 of the given IPs (a function: only computed when needed).
 */
export function chooseNetworks(configured: Network[], saved: Network[] | undefined, ips: Iterable<string> | (() => Iterable<string>)): Networks {
  if (configured.length > 0) return namedNetworks(configured)
  if (saved && saved.length > 0) return namedNetworks(saved)
  return autoNetworks(typeof ips === 'function' ? ips() : ips)
}

/** Automatic networks for the given IPs: one per /24 (IPv4) or /64 (IPv6), named after the prefix. */
export function autoNetworks(ips: Iterable<string>): Networks {
  const byPrefix = new Map<string, Cidr>()
  for (const text of ips) {
    const ip = parseIp(text)
    if (!ip || isWildcard(ip)) continue
    const cidr = autoPrefix(ip)
    byPrefix.set(cidr.text, cidr)
  }
  const sorted = [...byPrefix.values()].sort((a, b) =>
    compareIps({family: a.family, bytes: a.bytes, text: ''}, {family: b.family, bytes: b.bytes, text: ''}))
  return {
    list: sorted.map((c) => ({name: c.text, cidrs: [c.text]})),
    auto: true,
    classify(ipText: string) {
      const ip = parseIp(ipText)
      return ip && !isWildcard(ip) ? autoPrefix(ip).text : null
    },
  }
}
