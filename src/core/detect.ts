/**
 * `nodes detect`: which of this machine's own addresses belong in its IP list — what the seed design has
 * tarsnode report at start. Pure: it takes what os.networkInterfaces() returned.
 */
import {ipKind, parseIp} from './ip.js'
import type {Networks} from './networks.js'
import {globToRegExp} from './text.js'

/** The shape of os.networkInterfaces() entries that matters here. */
export interface InterfaceAddress {
  address: string
  family: string | number
  internal: boolean
  cidr?: string | null
}

/** Virtual interfaces of containers, bridges and CNI plugins: their addresses are not the node's networks. */
export const DEFAULT_DETECT_EXCLUDE = ['docker*', 'veth*', 'br-*', 'virbr*', 'cni*', 'flannel*', 'cali*']

export interface DetectedIp {
  interface: string
  ip: string
  cidr: string | null
  network: string | null
}

export interface SkippedIp {
  interface: string
  ip: string
  reason: 'loopback' | 'link-local' | 'excluded-interface' | 'not-unicast'
  /** The glob that matched, for excluded-interface. */
  pattern?: string
}

export function detectAddresses(
  interfaces: Record<string, InterfaceAddress[] | undefined>,
  exclude: string[],
  networks: Networks,
): {ips: DetectedIp[]; skipped: SkippedIp[]} {
  const globs = exclude.map((g) => ({g, re: globToRegExp(g)}))
  const ips: DetectedIp[] = []
  const skipped: SkippedIp[] = []
  for (const [name, addresses] of Object.entries(interfaces)) {
    for (const a of addresses ?? []) {
      const ip = parseIp(a.address)
      if (!ip) continue
      const kind = ipKind(ip)
      if (a.internal || kind === 'loopback') skipped.push({interface: name, ip: ip.text, reason: 'loopback'})
      else if (kind === 'link-local') skipped.push({interface: name, ip: ip.text, reason: 'link-local'})
      else if (kind !== 'unicast') skipped.push({interface: name, ip: ip.text, reason: 'not-unicast'})
      else {
        const hit = globs.find(({re}) => re.test(name))
        if (hit) skipped.push({interface: name, ip: ip.text, reason: 'excluded-interface', pattern: hit.g})
        else if (!ips.some((d) => d.ip === ip.text)) ips.push({interface: name, ip: ip.text, cidr: a.cidr ?? null, network: networks.classify(ip.text)})
      }
    }
  }
  return {ips, skipped}
}

/**
 * The order to store detected addresses in: by network in definition order (the first network is the
 * preferred one), addresses in no defined network last; within a network, IPv4 before IPv6, then as found.
 */
export function orderDetected(ips: DetectedIp[], networks: Networks): DetectedIp[] {
  const rank = (d: DetectedIp) => {
    const i = networks.list.findIndex((n) => n.name === d.network)
    return i < 0 ? networks.list.length : i
  }
  const family = (d: DetectedIp) => (d.ip.includes(':') ? 6 : 4)
  return ips.map((d, i) => ({d, i})).sort((a, b) => rank(a.d) - rank(b.d) || family(a.d) - family(b.d) || a.i - b.i).map(({d}) => d)
}
