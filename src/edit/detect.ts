/**
 * `nodes detect`: this machine's own addresses, as they would be stored as its node's IP list (ordered
 * by network, first network preferred). The rules are core/detect.ts; this reads the interfaces.
 */
import {networkInterfaces} from 'node:os'

import {detectAddresses, orderDetected, type DetectedIp, type InterfaceAddress, type SkippedIp} from '../core/detect.js'
import type {Networks} from '../core/networks.js'

export interface Detected {
  ips: DetectedIp[]
  skipped: SkippedIp[]
  exclude: string[]
  /** The list in the order it would be stored. */
  list: string[]
}

/** This machine's interfaces and every address on them (the networks may be chosen from those). */
export function localInterfaces(): {interfaces: Record<string, InterfaceAddress[] | undefined>; addresses: string[]} {
  const interfaces = networkInterfaces()
  return {interfaces, addresses: Object.values(interfaces).flatMap((a) => (a ?? []).map((x) => x.address))}
}

export function detect(interfaces: Record<string, InterfaceAddress[] | undefined>, exclude: string[], networks: Networks): Detected {
  const found = detectAddresses(interfaces, exclude, networks)
  const ordered = orderDetected(found.ips, networks)
  return {ips: ordered, skipped: found.skipped, exclude, list: ordered.map((d) => d.ip)}
}
