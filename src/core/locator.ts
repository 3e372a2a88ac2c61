/**
 * A client's `locator` (docs/design.md §4): the registry's QueryObj and its addresses, written as a direct proxy
 * string, `tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 17890:tcp -h 10.20.0.2 -p 17890`, read with
 * the endpoint grammar (so IPv6 hosts survive). Pure.
 */
import {UserError} from './errors.js'
import {EndpointParseError, parseProxy} from './endpoint.js'
import {normalizeIp} from './ip.js'
import {clip} from './text.js'
import {wildcardOf} from './resolve.js'

export interface LocatorAddress {
  host: string
  port: number
}

export interface Locator {
  /** The servant every question is addressed to (tars.tarsregistry.QueryObj). */
  servant: string
  /** Each address once, in the order written. */
  addresses: LocatorAddress[]
}

/** A locator has no business being longer than this (a few dozen addresses at most). */
const MAX_LOCATOR_LENGTH = 8192

/**
 * Parses a locator string; `origin` names where it came from (`--locator`, `profile plant1`) in the
 * one-line error (what it quotes of the text is clipped, control characters escaped). Every address must
 * be a TCP endpoint with a host to connect to and a port.
 */
export function parseLocator(text: string, origin = '--locator'): Locator {
  const bad = (why: string): never => {
    throw new UserError(`invalid locator (${origin}): ${why}; write it as a client's locator, e.g. tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 17890:tcp -h 10.20.0.2 -p 17890`, {code: 'invalid_locator'})
  }
  const trimmed = text.trim()
  if (trimmed === '') bad('it is empty')
  if (trimmed.length > MAX_LOCATOR_LENGTH) bad(`it is ${trimmed.length} characters long`)
  if (!trimmed.includes('@')) bad(`'${clip(trimmed, 80)}' has no '@' between the object and its endpoints`)
  let proxy
  try {
    proxy = parseProxy(trimmed)
  } catch (error) {
    if (error instanceof EndpointParseError) bad(clip(error.reason, 200))
    throw error
  }
  if (/\s/.test(proxy.object)) bad(`the object '${clip(proxy.object, 80)}' contains spaces`)
  const addresses: LocatorAddress[] = []
  const seen = new Set<string>()
  for (const ep of proxy.endpoints) {
    const where = `${ep.protocol} -h ${clip(ep.host, 80)} -p ${ep.port}`
    if (ep.protocol !== 'tcp') bad(`'${where}': only tcp endpoints can be asked (${ep.protocol} is not supported)`)
    if (wildcardOf(ep.host) !== null) bad(`'${where}': ${clip(ep.host, 80)} is not an address to connect to`)
    if (ep.port === 0) bad(`'${where}' has no port`)
    const host = normalizeIp(ep.host) ?? ep.host
    const key = `${host.toLowerCase()} ${ep.port}`
    if (seen.has(key)) continue
    seen.add(key)
    addresses.push({host, port: ep.port})
  }
  return {servant: proxy.object, addresses}
}
