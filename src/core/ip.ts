/**
 * IP addresses and CIDR prefixes, IPv4 and IPv6, as pure functions.
 * Our own parser (not net.isIP) because we must normalise: IPv4 without leading zeros,
 * IPv6 lower-case and compressed (RFC 5952), so that equal addresses compare equal.
 */

export type Family = 4 | 6

export interface Ip {
  family: Family
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array
  /** Canonical text. */
  text: string
}

export interface Cidr {
  family: Family
  bytes: Uint8Array
  prefix: number
  /** Canonical text, host bits cleared: 10.10.0.0/16. */
  text: string
}

function parseIpv4Bytes(text: string): Uint8Array | null {
  return parseIpv4(text)?.bytes ?? null
}

/**
 * Four dot-separated decimal parts of 1–3 digits, each at most 255. Leading zeros are tolerated on
 * input (010 means 10, never octal) and dropped on output. Read by character codes (no split, no
 * regular expression): planning parses every node IP, and 10,000 links parse many of them.
 * `canonical` says the text is already the canonical form (no leading zeros), so it can be kept as is.
 */
function parseIpv4(text: string): {bytes: Uint8Array; canonical: boolean} | null {
  const len = text.length
  if (len < 7 || len > 15) return null
  const bytes = new Uint8Array(4)
  let canonical = true
  let part = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= len; i++) {
    const c = i < len ? text.charCodeAt(i) : 46 // the end closes the last part like a dot
    if (c === 46) {
      if (digits === 0 || part > 3) return null
      bytes[part++] = value
      value = 0
      digits = 0
    } else if (c >= 48 && c <= 57) {
      if (digits === 3) return null
      if (digits === 1 && value === 0) canonical = false
      value = value * 10 + (c - 48)
      if (value > 255) return null
      digits++
    } else return null
  }
  return part === 4 ? {bytes, canonical} : null
}

function parseIpv6Bytes(input: string): Uint8Array | null {
  let text = input
  const zone = text.indexOf('%')
  if (zone >= 0) return null // zone ids name an interface, not an address another host can use
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1)
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return null
  const halves = text.split('::')
  if (halves.length > 2) return null
  const toGroups = (s: string): number[] | null => {
    if (s === '') return []
    const out: number[] = []
    const pieces = s.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4Bytes(piece)
        if (!v4) return null
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null
        out.push(parseInt(piece, 16))
      }
    }
    return out
  }
  const head = toGroups(halves[0])
  const tail = halves.length === 2 ? toGroups(halves[1]) : []
  if (!head || !tail) return null
  let groups: number[]
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length
    if (missing < 1) return null
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  } else {
    groups = head
  }
  if (groups.length !== 8) return null
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8
    bytes[i * 2 + 1] = g & 0xff
  })
  return bytes
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1])
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i
      bestLen = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

function format(family: Family, bytes: Uint8Array): string {
  return family === 4 ? `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}` : formatIpv6(bytes)
}

/** True for an IPv4-mapped IPv6 address, ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false
  return bytes[10] === 0xff && bytes[11] === 0xff
}

/**
 * Parses an IPv4 or IPv6 address; null when it is not one (a host name, garbage). An IPv4-mapped IPv6
 * address (`::ffff:10.20.0.1`, as `ss` prints a dual-stack socket's peer) is the IPv4 address it maps:
 * it is unmapped here, so it compares, classifies and is stored as that IPv4 address everywhere.
 */
export function parseIp(text: string): Ip | null {
  const t = text.trim()
  if (t === '') return null
  const v4 = parseIpv4(t)
  if (v4) return {family: 4, bytes: v4.bytes, text: v4.canonical ? t : format(4, v4.bytes)}
  const v6 = parseIpv6Bytes(t)
  if (v6 && isV4Mapped(v6)) {
    const bytes = v6.slice(12)
    return {family: 4, bytes, text: format(4, bytes)}
  }
  if (v6) return {family: 6, bytes: v6, text: format(6, v6)}
  return null
}

/** The canonical text of an address, or null when it is not one. */
export function normalizeIp(text: string): string | null {
  return parseIp(text)?.text ?? null
}

/** Parses `10.10.0.0/16` or `fd00:10::/64` (host bits are cleared); null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const t = text.trim()
  const slash = t.lastIndexOf('/')
  const addressText = slash >= 0 ? t.slice(0, slash) : t
  const addr = parseIp(addressText)
  if (!addr) return null
  // A mapped prefix (::ffff:10.0.0.0/104) is the IPv4 prefix it maps (10.0.0.0/8), since mapped
  // addresses are read as IPv4 ones.
  const mapped = addr.family === 4 && addressText.includes(':')
  const max = addr.family === 4 ? 32 : 128
  let prefix = max
  if (slash >= 0) {
    const p = t.slice(slash + 1)
    if (!/^\d{1,3}$/.test(p)) return null
    prefix = Number(p)
    if (mapped) {
      if (prefix < 96 || prefix > 128) return null
      prefix -= 96
    }
    if (prefix > max) return null
  }
  const bytes = maskBytes(addr.bytes, prefix)
  return {family: addr.family, bytes, prefix, text: `${format(addr.family, bytes)}/${prefix}`}
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8))
    out[i] = bits === 0 ? 0 : bytes[i] & (0xff << (8 - bits))
  }
  return out
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family !== ip.family) return false
  // The prefix's whole bytes, then its partial byte under a mask (no masked copy of the address).
  const whole = cidr.prefix >> 3
  for (let i = 0; i < whole; i++) if (ip.bytes[i] !== cidr.bytes[i]) return false
  const bits = cidr.prefix & 7
  return bits === 0 || (ip.bytes[whole] & (0xff << (8 - bits)) & 0xff) === cidr.bytes[whole]
}

/** True when `ip` is the directed broadcast address (all host bits set) of an IPv4 CIDR of /30 or wider. */
export function isBroadcastOf(ip: Ip, cidr: Cidr): boolean {
  if (cidr.family !== 4 || ip.family !== 4 || cidr.prefix > 30 || !cidrContains(cidr, ip)) return false
  const hostBits = 32 - cidr.prefix
  const value = ((ip.bytes[0] << 24) | (ip.bytes[1] << 16) | (ip.bytes[2] << 8) | ip.bytes[3]) >>> 0
  const hostMask = hostBits === 32 ? 0xffffffff : ((1 << hostBits) - 1) >>> 0
  return (value & hostMask) >>> 0 === hostMask
}

/** The /24 (IPv4) or /64 (IPv6) around an address: the automatic network when none are configured. */
export function autoPrefix(ip: Ip): Cidr {
  const prefix = ip.family === 4 ? 24 : 64
  const bytes = maskBytes(ip.bytes, prefix)
  return {family: ip.family, bytes, prefix, text: `${format(ip.family, bytes)}/${prefix}`}
}

export type IpKind = 'unspecified' | 'multicast' | 'broadcast' | 'loopback' | 'link-local' | 'unicast'

/** What sort of address this is, for validating what may go into a node's IP list. */
export function ipKind(ip: Ip): IpKind {
  const b = ip.bytes
  if (ip.family === 4) {
    if (b.every((x) => x === 0)) return 'unspecified'
    if (b.every((x) => x === 255)) return 'broadcast'
    if (b[0] >= 224 && b[0] <= 239) return 'multicast'
    if (b[0] === 127) return 'loopback'
    if (b[0] === 169 && b[1] === 254) return 'link-local'
    return 'unicast'
  }
  if (b.every((x) => x === 0)) return 'unspecified'
  if (b[0] === 0xff) return 'multicast'
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 'loopback'
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local'
  return 'unicast'
}

/** Compares two addresses numerically (IPv4 before IPv6). */
export function compareIps(a: Ip, b: Ip): number {
  if (a.family !== b.family) return a.family - b.family
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return a.bytes[i] - b.bytes[i]
  return 0
}
