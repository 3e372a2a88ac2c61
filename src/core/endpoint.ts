/**
 * The Tars endpoint grammar (docs/design.md §3): `tcp -h HOST -p PORT [-t ms] [-g grid] [-q qos] [-w weight]
 * [-v weighttype] [-e auth]`, endpoint lists and `Obj@ep1:ep2` proxy strings.
 *
 * The rules follow TarsCpp's TC_Endpoint::parse / toString / sepEndpoint (util/src/tc_clientsocket.cpp),
 * so a string is accepted here exactly when a Tars C++ client or the registry accepts it. Pure: no I/O.
 */

export type Protocol = 'tcp' | 'udp' | 'ssl'

export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'ssl']

export interface Endpoint {
  protocol: Protocol
  host: string
  port: number
  /** Milliseconds; 3000 when the string has no -t. */
  timeout: number
  grid: number
  qos: number
  /** -1 when unset; with weightType ≠ 0 it defaults to 100 and is capped at 100. */
  weight: number
  weightType: number
  /** 0 none, 1 local auth. */
  authType: number
}

export class EndpointParseError extends Error {
  /** The reason alone, e.g. "-p needs a port 0-65535, got 'abc'". */
  readonly reason: string
  readonly input: string

  constructor(reason: string, input: string) {
    super(`endpoint does not parse: ${reason}: ${JSON.stringify(input)}`)
    this.name = 'EndpointParseError'
    this.reason = reason
    this.input = input
  }
}

export interface ParseOptions {
  /**
   * The host to use when the string has no -h at all. TC_Endpoint(string) leaves the host empty, which is
   * an error (the default here); the registry parses into a default-constructed TC_Endpoint whose host is
   * "0.0.0.0", so registry-exact resolution passes "0.0.0.0".
   */
  missingHost?: string
}

// TC_Endpoint::parse splits on these, not on every Unicode space.
const DELIMS = /[ \t\n\r]+/
const INT32_MAX = 2_147_483_647
const UINT32_MAX = 4_294_967_295

/** istringstream >> int on a whole token: optional sign, decimal digits, in range, nothing left over. */
function parseInt32(token: string): number | undefined {
  if (!/^[+-]?\d+$/.test(token)) return undefined
  const n = Number(token)
  return n >= -INT32_MAX - 1 && n <= INT32_MAX ? n : undefined
}

function parseUint32(token: string): number | undefined {
  if (!/^\+?\d+$/.test(token)) return undefined
  const n = Number(token)
  return n <= UINT32_MAX ? n : undefined
}

function isProtocol(word: string): word is Protocol {
  return word === 'tcp' || word === 'udp' || word === 'ssl'
}

/** Parses one endpoint string; throws EndpointParseError with the reason. */
export function parseEndpoint(input: string, options: ParseOptions = {}): Endpoint {
  return parseEndpointDetailed(input, options).endpoint
}

/**
 * parseEndpoint plus the host exactly as written after the last -h (null when there is no -h): `-h *`
 * and `-h 0.0.0.0` parse to the same host but mean different things to the expansion (docs/design.md §2).
 */
export function parseEndpointDetailed(input: string, options: ParseOptions = {}): {endpoint: Endpoint; hostText: string | null} {
  const tokens = input.split(DELIMS).filter((t) => t !== '')
  if (tokens.length === 0) throw new EndpointParseError('empty endpoint string', input)
  const protocol = tokens[0]
  if (!isProtocol(protocol)) {
    throw new EndpointParseError(`protocol must be tcp, udp or ssl, got '${protocol}'`, input)
  }

  let host = options.missingHost ?? ''
  let hostText: string | null = null
  let port = 0
  let timeout = 3000
  let grid = 0
  let qos = 0
  let weight = -1
  let weightType = 0
  let authType = 0

  let i = 1
  while (i < tokens.length) {
    const option = tokens[i++]
    if (option.length !== 2 || option[0] !== '-') {
      throw new EndpointParseError(`expected an option such as -h or -p, got '${option}'`, input)
    }
    // The value is the next token unless it starts with '-' (then the option has no value).
    let value = ''
    if (i < tokens.length && !tokens[i].startsWith('-')) value = tokens[i++]

    const int = (what: string): number => {
      const n = parseInt32(value)
      if (n === undefined) throw new EndpointParseError(`${option} needs ${what}, got '${value}'`, input)
      return n
    }

    switch (option[1]) {
      case 'h':
        if (value === '') throw new EndpointParseError('-h needs a host', input)
        host = value
        hostText = value
        break
      case 'p': {
        const n = parseInt32(value)
        if (n === undefined || n < 0 || n > 65_535) {
          throw new EndpointParseError(`-p needs a port 0-65535, got '${value}'`, input)
        }
        port = n
        break
      }
      case 't':
        timeout = int('a timeout in ms')
        break
      case 'g':
        grid = int('an integer')
        break
      case 'q':
        qos = int('an integer')
        break
      case 'w':
        weight = int('an integer')
        break
      case 'v': {
        const n = parseUint32(value)
        if (n === undefined) throw new EndpointParseError(`-v needs a non-negative integer, got '${value}'`, input)
        weightType = n
        break
      }
      case 'e': {
        const n = parseInt32(value)
        if (n !== 0 && n !== 1) throw new EndpointParseError(`-e must be 0 or 1, got '${value}'`, input)
        authType = n
        break
      }
      default:
        // Unknown options (TarsGo's -b, future ones) are ignored, with their value.
        break
    }
  }

  if (weightType !== 0) {
    if (weight === -1) weight = 100
    if (weight > 100) weight = 100
  }
  if (host === '') throw new EndpointParseError('host must not be empty (no -h)', input)
  if (host === '*') host = '0.0.0.0'

  return {endpoint: {protocol, host, port, timeout, grid, qos, weight, weightType, authType}, hostText}
}

export type ParseResult = {ok: true; endpoint: Endpoint} | {ok: false; reason: string}

/** parseEndpoint as a value: never throws. */
export function tryParseEndpoint(input: string, options: ParseOptions = {}): ParseResult {
  try {
    return {ok: true, endpoint: parseEndpoint(input, options)}
  } catch (error) {
    if (error instanceof EndpointParseError) return {ok: false, reason: error.reason}
    throw error
  }
}

/** TC_Endpoint::toString: fixed order, zero/unset options left out, IPv6 hosts bare. */
export function formatEndpoint(ep: Endpoint): string {
  return `${ep.protocol} -h ${ep.host}${formatEndpointTail(ep)}`
}

/** What formatEndpoint writes after the host (` -p 10000 -t 60000`…): the same for every host one wildcard expands to. */
export function formatEndpointTail(ep: Omit<Endpoint, 'protocol' | 'host'>): string {
  let s = ` -p ${ep.port}`
  if (ep.timeout !== 0) s += ` -t ${ep.timeout}`
  if (ep.grid !== 0) s += ` -g ${ep.grid}`
  if (ep.qos !== 0) s += ` -q ${ep.qos}`
  if (ep.weight > 0) s += ` -w ${ep.weight}`
  if (ep.weightType !== 0) s += ` -v ${ep.weightType}`
  if (ep.authType !== 0) s += ` -e ${ep.authType}`
  return s
}

/** Trims any of `chars` from both ends (TC_Common::trim with a set). */
function trimChars(s: string, chars: string): string {
  let a = 0
  let b = s.length
  while (a < b && chars.includes(s[a])) a++
  while (b > a && chars.includes(s[b - 1])) b--
  return s.slice(a, b)
}

function nextProtocolWord(s: string, from: number): number {
  let best = -1
  for (const word of PROTOCOLS) {
    const at = s.indexOf(word, from)
    if (at !== -1 && (best === -1 || at < best)) best = at
  }
  return best
}

/**
 * Splits an endpoint list where `tcp`, `udp` or `ssl` begins (TC_Endpoint::sepEndpoint), each piece
 * trimmed of spaces and ':'. Never splits on ':' alone, so IPv6 hosts survive. Like upstream, the words
 * are found anywhere, so a host name containing "tcp" would be cut; text before the first word is dropped.
 */
export function splitEndpoints(list: string): string[] {
  const out: string[] = []
  let at = nextProtocolWord(list, 0)
  while (at !== -1) {
    const next = nextProtocolWord(list, at + 3)
    const piece = trimChars(next === -1 ? list.slice(at) : list.slice(at, next), ' :')
    if (piece !== '') out.push(piece)
    at = next
  }
  return out
}

/** Splits and parses a list; throws EndpointParseError on the first piece that does not parse. */
export function parseEndpointList(list: string, options: ParseOptions = {}): Endpoint[] {
  return splitEndpoints(list).map((piece) => parseEndpoint(piece, options))
}

export interface Proxy {
  object: string
  endpoints: Endpoint[]
}

/**
 * Parses `Obj@ep1:ep2` (a direct proxy, as ObjectProxy/QueryEpBase read it: the object is everything
 * before the first '@', a `#hash` suffix on it is dropped). Without '@' the endpoints are empty.
 */
export function parseProxy(input: string): Proxy {
  const s = input.trim()
  const at = s.indexOf('@')
  let object = at === -1 ? s : s.slice(0, at)
  const hash = object.indexOf('#')
  if (hash !== -1) object = object.slice(0, hash)
  if (object === '') throw new EndpointParseError('proxy string has no object name before @', input)
  const endpoints = at === -1 ? [] : parseEndpointList(s.slice(at + 1))
  if (at !== -1 && endpoints.length === 0) throw new EndpointParseError('proxy string has no endpoint after @', input)
  return {object, endpoints}
}

/** Builds `Obj@ep1:ep2`; with no endpoints, just the object name. */
export function formatProxy(object: string, endpoints: readonly Endpoint[]): string {
  if (endpoints.length === 0) return object
  return `${object}@${endpoints.map((ep) => formatEndpoint(ep)).join(':')}`
}
