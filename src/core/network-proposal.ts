/**
 * What `tarsnet init` proposes as networks, from the nodes' IP lists: one group per network, not one per
 * /24. A node has one IP per network (the multi-network design), so the networks are separated by the
 * widest prefix that puts the IPs of every node into different groups. Prefixes are tried on the
 * boundaries people write (/16, /24 for IPv4; /32, /48, /64 for IPv6), widest first; with no node holding
 * two IPs of a family there is nothing to separate, and the widest is used.
 * Groups are ordered by where their IPs stand in the lists (the preferred network first), so the
 * proposed names x, y, z… follow the order of preference.
 */
import {cidrContains, compareIps, parseCidr, parseIp, type Cidr, type Family, type Ip} from './ip.js'
import type {Network} from './networks.js'

const CANDIDATES: Record<Family, number[]> = {4: [16, 24], 6: [32, 48, 64]}

export interface ProposedNetwork {
  /** The group's prefix, e.g. 10.10.0.0/16. */
  cidr: string
  /** Its IPs, in address order. */
  ips: string[]
  /** How many nodes have an IP in it. */
  nodes: number
  /** The proposed name: x, y, z, w, v, u, then net7, net8… */
  name: string
}

const NAMES = ['x', 'y', 'z', 'w', 'v', 'u']

function prefixOf(ip: Ip, prefix: number): Cidr {
  const text = `${ip.text}/${prefix}`
  return parseCidr(text)!
}

/** The widest candidate prefix at which no node has two IPs of `family` in one group. */
export function separatingPrefix(lists: Ip[][], family: Family): number {
  const candidates = CANDIDATES[family]
  for (const prefix of candidates) {
    const separates = lists.every((ips) => {
      const seen = new Set<string>()
      for (const ip of ips) {
        if (ip.family !== family) continue
        const key = prefixOf(ip, prefix).text
        if (seen.has(key)) return false
        seen.add(key)
      }
      return true
    })
    if (separates) return prefix
  }
  return candidates.at(-1)!
}

/** Groups the nodes' IPs (each node's list, in order of preference) into proposed networks. */
export function proposeNetworks(nodeLists: string[][]): ProposedNetwork[] {
  const lists = nodeLists.map((list) => {
    const seen = new Set<string>()
    const ips: Ip[] = []
    for (const text of list) {
      const ip = parseIp(text)
      if (ip && !seen.has(ip.text)) {
        seen.add(ip.text)
        ips.push(ip)
      }
    }
    return ips
  })
  const prefix: Record<Family, number> = {4: separatingPrefix(lists, 4), 6: separatingPrefix(lists, 6)}
  const groups = new Map<string, {cidr: Cidr; ips: Map<string, Ip>; nodes: number; positionSum: number; count: number}>()
  for (const ips of lists) {
    const touched = new Set<string>()
    ips.forEach((ip, position) => {
      const cidr = prefixOf(ip, prefix[ip.family])
      let g = groups.get(cidr.text)
      if (!g) {
        g = {cidr, ips: new Map(), nodes: 0, positionSum: 0, count: 0}
        groups.set(cidr.text, g)
      }
      g.ips.set(ip.text, ip)
      g.positionSum += position
      g.count++
      if (!touched.has(cidr.text)) {
        touched.add(cidr.text)
        g.nodes++
      }
    })
  }
  const asIp = (c: Cidr): Ip => ({family: c.family, bytes: c.bytes, text: c.text})
  const ordered = [...groups.values()].sort((a, b) =>
    a.positionSum / a.count - b.positionSum / b.count || compareIps(asIp(a.cidr), asIp(b.cidr)))
  return ordered.map((g, i) => ({
    cidr: g.cidr.text,
    ips: [...g.ips.values()].sort(compareIps).map((ip) => ip.text),
    nodes: g.nodes,
    name: NAMES[i] ?? `net${i + 1}`,
  }))
}

/** How many of `ips` fall in each network (by its CIDRs): a network holding none is likely a mistyped CIDR. */
export function networkUse(networks: Network[], ips: string[]): Array<{network: Network; ips: number}> {
  const parsedIps = ips.map((t) => parseIp(t)).filter((ip): ip is Ip => ip !== null)
  return networks.map((network) => {
    const cidrs = network.cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null)
    return {network, ips: parsedIps.filter((ip) => cidrs.some((c) => cidrContains(c, ip))).length}
  })
}
