// Hostile input, systematically: property-based tests with fast-check for the parsers that take
// input from outside — the endpoint grammar (endpoints, lists, proxy strings, locators), the IP-list
// reader, the CSV/JSON import reader, the snapshot loader and the profile loader (the TARS decoder's are in
// tars/hostile-bytes.test.ts). Random and mutated inputs may only ever give a result or our own error (UserError, or the
// reader's own list of reasons): never a TypeError, never a hang (each test has a time limit), never an
// output out of proportion to the input, never a message that echoes a whole hostile value. Where a
// writer exists, parse → write → parse is the identity.
//
// Runs are kept small (a few hundred per property) so the file takes seconds; FC_RUNS=N runs more.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import fc from 'fast-check'

import {EndpointParseError, formatEndpoint, formatProxy, parseEndpoint, parseEndpointList, parseProxy, PROTOCOLS, splitEndpoints, type Endpoint} from '../../src/core/endpoint.js'
import {UserError} from '../../src/core/errors.js'
import {normalizeIp} from '../../src/core/ip.js'
import {checkIp} from '../../src/core/ip-list-edit.js'
import {parseLocator} from '../../src/core/locator.js'
import {parseCsv, parseImport, parseJson, type ImportEntry} from '../../src/core/ip-list-import.js'
import {namedNetworks} from '../../src/core/networks.js'
import {wildcardOf} from '../../src/core/resolve.js'
import {buildNodeView, formatIpList, ipListTokens, parseIpList} from '../../src/core/nodes.js'
import {checkProfile} from '../../src/cli/config/profile-checks.js'
import {resolveSettings} from '../../src/cli/config/settings.js'
import {writeConfigFile} from '../../src/cli/config/file.js'
import type {Profile} from '../../src/cli/config/profile.js'
import {demoSnapshot, validateSnapshot} from '../../src/store/snapshot-store.js'

const RUNS = Number(process.env.FC_RUNS ?? 300)
const LIMIT = {timeout: 120_000}
/** The longest message we allow ourselves to print about a hostile input. */
const MAX_MESSAGE = 700

/** Runs `f`, and says whether it threw our own error (fine) or something else (a defect). */
function ownErrorOnly<T>(f: () => T): T | UserError {
  try {
    return f()
  } catch (error) {
    if (error instanceof UserError) {
      assert.ok(error.message.length <= MAX_MESSAGE, `message of ${error.message.length} characters: ${error.message.slice(0, 200)}…`)
      assert.doesNotMatch(error.message, /\n/, 'one line')
      return error
    }
    throw error
  }
}

// --- arbitraries ----------------------------------------------------------------------------------

const ipv4 = fc.ipV4()
const ipv6 = fc.ipV6()
/** Any address, in any spelling we accept: IPv4 (leading zeros too), IPv6 (any case), IPv4-mapped. */
const anyIp = fc.oneof(ipv4, fc.ipV4Extended().filter((t) => /^\d+\.\d+\.\d+\.\d+$/.test(t) && t.split('.').every((p) => p.length <= 3 && Number(p) <= 255)), ipv6, ipv6.map((t) => t.toUpperCase()), ipv4.map((t) => `::ffff:${t}`))
const separator = fc.constantFrom(',', ';', '|', ' ', ', ', '\t', ' ; ', '\n')
/** Text with the characters that matter to these readers over-represented. */
const hostileText = fc.oneof(
  fc.string({maxLength: 200}),
  fc.string({unit: 'grapheme', maxLength: 100}),
  fc.string({unit: fc.constantFrom(...'0123456789abcdefABCDEF.:,;|[]{}"\\ \t\n\r#%/-x\u0000\u001b\u202e'), maxLength: 200}),
)

/** A string with random edits: characters inserted, deleted or replaced at random places. */
function mutated(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const edit = fc.record({at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'replace'), text: fc.string({unit: fc.constantFrom(...',;|[]{}":.0123456789abcdef \n\\-'), minLength: 1, maxLength: 4})})
  return fc.tuple(base, fc.array(edit, {maxLength: 6})).map(([text, edits]) => {
    let out = text
    for (const e of edits) {
      const at = out.length === 0 ? 0 : e.at % (out.length + 1)
      if (e.kind === 'insert') out = out.slice(0, at) + e.text + out.slice(at)
      else if (e.kind === 'delete') out = out.slice(0, at) + out.slice(at + e.text.length)
      else out = out.slice(0, at) + e.text + out.slice(at + e.text.length)
    }
    return out
  })
}

/** A JSON value replacing whatever was at a random place of a document (or the key removed). */
const strangeValue = fc.oneof(
  fc.jsonValue({maxDepth: 2}),
  fc.constantFrom(null, '', 'yesterday', -1, 1e308, -0, 0.5, 2 ** 53, '1000', [], {}, ['x', 1], {nodeName: 5}, 'x'.repeat(5000), true),
)

/** Every path to a value in a JSON document (objects and arrays), up to a depth. */
function paths(value: unknown, depth = 4, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (depth === 0 || typeof value !== 'object' || value === null) return [prefix]
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)
  return [prefix, ...keys.flatMap((k) => paths((value as Record<string | number, unknown>)[k], depth - 1, [...prefix, k]))]
}

/** A deep copy of `doc` with the value at one of its paths replaced by `replacement` (or removed). */
function replaced(doc: unknown, path: Array<string | number>, replacement: unknown, remove: boolean): unknown {
  const copy = structuredClone(doc)
  if (path.length === 0) return replacement
  let at = copy as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>
  const last = path.at(-1)!
  if (remove && !Array.isArray(at)) delete at[last]
  else at[last] = replacement
  return copy
}

function mutatedDocument(doc: unknown, depth = 4): fc.Arbitrary<unknown> {
  const all = paths(doc, depth)
  return fc.array(fc.tuple(fc.nat({max: all.length - 1}), strangeValue, fc.boolean()), {minLength: 1, maxLength: 3}).map((edits) => {
    let out = doc
    for (const [i, value, remove] of edits) {
      const candidates = paths(out, depth)
      out = replaced(out, candidates[i % candidates.length], value, remove)
    }
    return out
  })
}

// --- the endpoint grammar ------------------------------------------------------------------------

const INT32_MAX = 2_147_483_647
const UINT32_MAX = 4_294_967_295
/** One parse of a few kilobytes takes well under a millisecond; this is a hang, not a slow machine. */
const MAX_PARSE_MS = 1000

/** Runs a parser on hostile text: a value or EndpointParseError (one line, its reason no longer than the text allows), quickly. */
function parsesSafely<T>(text: string, parse: (t: string) => T): T | EndpointParseError {
  const started = performance.now()
  try {
    return parse(text)
  } catch (error) {
    if (!(error instanceof EndpointParseError)) throw error
    assert.doesNotMatch(error.reason, /[\n\r]/, 'one line')
    assert.doesNotMatch(error.message, /[\n\r]/, 'one line')
    assert.ok(error.reason.length <= text.length + 100, `reason of ${error.reason.length} characters for ${text.length}: ${error.reason.slice(0, 200)}`)
    return error
  } finally {
    const ms = performance.now() - started
    assert.ok(ms < MAX_PARSE_MS, `${ms.toFixed(0)} ms for ${text.length} characters`)
  }
}

/** What any endpoint that parsed must look like, whatever the text was. */
function assertSaneEndpoint(ep: Endpoint): void {
  assert.ok(PROTOCOLS.includes(ep.protocol))
  assert.ok(ep.host !== '' && !/[ \t\n\r]/.test(ep.host), JSON.stringify(ep.host))
  assert.ok(Number.isInteger(ep.port) && ep.port >= 0 && ep.port <= 65_535)
  for (const n of [ep.timeout, ep.grid, ep.qos, ep.weight]) assert.ok(Number.isSafeInteger(n) && n >= -1 && n <= INT32_MAX, String(n))
  assert.ok(Number.isSafeInteger(ep.weightType) && ep.weightType >= 0 && ep.weightType <= UINT32_MAX)
  if (ep.weightType !== 0) assert.ok(ep.weight >= 0 && ep.weight <= 100)
  assert.ok(ep.authType === 0 || ep.authType === 1)
}

// The list splitter cuts wherever tcp, udp or ssl begins, even inside a host name (as upstream does, see
// core/endpoint.test.ts): the hosts of endpoints meant to come back whole do not contain those words.
const hostName = fc.domain().filter((h) => !/tcp|udp|ssl/.test(h))
const endpointHost = fc.oneof(ipv4, ipv6, hostName)
const int32 = fc.oneof(fc.constant(0), fc.integer({min: 1, max: 100_000}), fc.integer({min: 0, max: INT32_MAX}))

/**
 * An endpoint as TC_Endpoint::parse can give it and TC_Endpoint::toString writes it back: values a string
 * can spell (no option value may start with '-', so nothing is negative but the unset weight -1), a
 * timeout other than 0 and a weight other than 0 (toString leaves out `-t 0` and `-w 0`, which then read
 * back as 3000 and the unset weight, upstream too), a weight of at most 100 when a weight type is set.
 */
const validEndpoint: fc.Arbitrary<Endpoint> = fc.record({
  protocol: fc.constantFrom(...PROTOCOLS),
  host: endpointHost,
  port: fc.integer({min: 0, max: 65_535}),
  timeout: fc.oneof(fc.constant(3000), fc.integer({min: 1, max: INT32_MAX})),
  grid: int32,
  qos: int32,
  weight: fc.oneof(fc.constant(-1), fc.integer({min: 1, max: INT32_MAX})),
  weightType: fc.oneof(fc.constant(0), fc.integer({min: 1, max: 3}), fc.integer({min: 1, max: UINT32_MAX})),
  authType: fc.constantFrom(0, 1),
}).map((e): Endpoint => ({
  protocol: e.protocol, host: e.host, port: e.port, timeout: e.timeout, grid: e.grid, qos: e.qos,
  weight: e.weightType === 0 ? e.weight : e.weight === -1 ? 100 : Math.min(e.weight, 100), weightType: e.weightType, authType: e.authType,
}))

/** A number as a person may write it: `+80`, `080`. */
const spelledNumber = (n: number) => fc.constantFrom(String(n), `+${n}`, `0${n}`, `+00${n}`)
const delimiter = fc.constantFrom(' ', '  ', '\t', ' \t ', '\n', '\r\n')

/**
 * Another spelling of `ep`: the options in any order, numbers with signs and leading zeros, any
 * delimiters, options repeated (the last wins), unknown options with a value (TarsGo's -b) ignored, `-h *`
 * for 0.0.0.0, -w left out where it is implied (100 with a weight type), -t left out where it is 3000.
 */
function spelled(ep: Endpoint): fc.Arbitrary<string> {
  const options: Array<fc.Arbitrary<string[]>> = [
    fc.constantFrom(ep.host === '0.0.0.0' ? '*' : ep.host, ep.host).map((h) => ['-h', h]),
    spelledNumber(ep.port).map((v) => ['-p', v]),
    ep.timeout === 3000 ? fc.constantFrom([], ['-t', '3000']) : spelledNumber(ep.timeout).map((v) => ['-t', v]),
    spelledNumber(ep.grid).map((v) => ['-g', v]),
    spelledNumber(ep.qos).map((v) => ['-q', v]),
    ep.weight === -1 ? fc.constant([]) : ep.weight === 100 && ep.weightType !== 0 ? fc.constantFrom([], ['-w', '100'], ['-w', '250']) : spelledNumber(ep.weight).map((v) => ['-w', v]),
    spelledNumber(ep.weightType).map((v) => ['-v', v]),
    fc.constant(['-e', String(ep.authType)]),
    fc.constantFrom([], ['-b', '1'], ['-x', 'anything']),
  ]
  return fc.tuple(fc.tuple(...options), fc.nat(), fc.boolean(), fc.array(delimiter, {minLength: 40, maxLength: 40})).map(([opts, seed, decoy, delims]) => {
    // A permutation from the seed (fast-check shrinks it like any number).
    const order = opts.map((o, i) => ({o, k: (seed * (i + 7919)) % 104_729})).sort((a, b) => a.k - b.k).map((x) => x.o)
    // An earlier -p that the real one overrides.
    const words = [ep.protocol, ...(decoy ? ['-p', '1'] : []), ...order.flat()]
    return delims[0].replace(/\S/g, '') + words.map((w, i) => w + (i < words.length - 1 ? delims[(i + 1) % delims.length] : '')).join('')
  })
}

const objectName = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,12}\.[A-Za-z][A-Za-z0-9_]{0,12}\.[A-Za-z][A-Za-z0-9_]{0,12}$/),
  // Anything without '@' or '#' (they end the object) and without spaces at its ends (the string is trimmed).
  fc.string({minLength: 1, maxLength: 30}).filter((o) => !/[@#]/.test(o) && o.trim() === o && o !== ''),
)
const endpointSeparator = fc.constantFrom(':', ' : ', ': ', ' :', '::')

/** Text for the endpoint parsers: random, mutated endpoints, lists and proxy strings, and long runs. */
const endpointText = fc.oneof(
  hostileText,
  fc.string({unit: fc.constantFrom(...'tcpudsl -hpgqwvebt*:@#0123456789.+\n'), maxLength: 300}),
  mutated(validEndpoint.map(formatEndpoint)),
  mutated(validEndpoint.chain(spelled)),
  mutated(fc.tuple(objectName, fc.array(validEndpoint, {minLength: 1, maxLength: 4})).map(([o, eps]) => formatProxy(o, eps))),
  fc.tuple(fc.constantFrom('tcp', 'tcp -h a -p 1:', ' -p ', '::', '-h ', '@', '9'), fc.integer({min: 100, max: 3000})).map(([unit, n]) => unit.repeat(n)),
)

describe('properties: the endpoint grammar', () => {
  it('any text into parseEndpoint gives an endpoint or our own error, quickly; what parses is sane', LIMIT, () => {
    fc.assert(fc.property(endpointText, fc.constantFrom(undefined, '0.0.0.0'), (text, missingHost) => {
      const r = parsesSafely(text, (t) => parseEndpoint(t, {missingHost}))
      if (!(r instanceof EndpointParseError)) assertSaneEndpoint(r)
    }), {numRuns: RUNS})
  })

  it('any text into splitEndpoints / parseEndpointList: pieces from the text, each parsed alone; only our own error', LIMIT, () => {
    fc.assert(fc.property(endpointText, (text) => {
      const pieces = parsesSafely(text, splitEndpoints)
      assert.ok(Array.isArray(pieces))
      let total = 0
      for (const piece of pieces) {
        assert.ok(PROTOCOLS.some((w) => piece.startsWith(w)), piece)
        assert.ok(text.includes(piece))
        assert.equal(piece, piece.replace(/^[ :]+|[ :]+$/g, ''), 'trimmed of spaces and ":"')
        total += piece.length
      }
      assert.ok(total <= text.length)
      const list = parsesSafely(text, parseEndpointList)
      if (list instanceof EndpointParseError) assert.ok(pieces.some((p) => parsesSafely(p, parseEndpoint) instanceof EndpointParseError))
      else {
        assert.deepEqual(list, pieces.map((p) => parseEndpoint(p)))
        list.forEach(assertSaneEndpoint)
      }
    }), {numRuns: RUNS})
  })

  it('any text into parseProxy gives an object and its endpoints, or our own error', LIMIT, () => {
    fc.assert(fc.property(fc.oneof(endpointText, fc.tuple(objectName, endpointText).map(([o, t]) => `${o}@${t}`)), (text) => {
      const r = parsesSafely(text, parseProxy)
      if (r instanceof EndpointParseError) return
      assert.ok(r.object !== '' && !r.object.includes('@') && !r.object.includes('#'))
      if (!text.includes('@')) assert.deepEqual(r.endpoints, [])
      else assert.ok(r.endpoints.length > 0)
      r.endpoints.forEach(assertSaneEndpoint)
    }), {numRuns: RUNS})
  })

  it('any text into parseLocator gives a locator, or one short line of our own (UserError), quickly', LIMIT, () => {
    const locatorText = fc.oneof(
      endpointText,
      fc.tuple(objectName, endpointText).map(([o, t]) => `${o}@${t}`),
      fc.string({minLength: 1000, maxLength: 9000}),
      fc.tuple(fc.constantFrom('tars.tarsregistry.QueryObj@tcp -h ', 'Q@tcp -h a -p ', 'Q ', ''), fc.string({minLength: 500, maxLength: 9000})).map(([a, b]) => a + b),
    )
    fc.assert(fc.property(locatorText, (text) => {
      const started = performance.now()
      const r = ownErrorOnly(() => parseLocator(text, 'profile plant'))
      assert.ok(performance.now() - started < MAX_PARSE_MS)
      if (r instanceof UserError) {
        assert.match(r.message, /^invalid locator \(profile plant\): /)
        assert.equal(r.code, 'invalid_locator')
        return
      }
      assert.ok(r.servant !== '' && !/\s/.test(r.servant))
      const seen = new Set<string>()
      for (const a of r.addresses) {
        assert.ok(a.port >= 1 && a.port <= 65_535)
        assert.equal(wildcardOf(a.host), null)
        const key = `${a.host.toLowerCase()} ${a.port}`
        assert.ok(!seen.has(key), 'each address once')
        seen.add(key)
      }
    }), {numRuns: RUNS})
  })

  it('format → parse is the identity for valid endpoints (tcp/udp/ssl, IPv4/IPv6/names, -p -t -g -q -w -v -e), and every spelling parses the same', LIMIT, () => {
    fc.assert(fc.property(validEndpoint.chain((ep) => fc.tuple(fc.constant(ep), spelled(ep))), ([ep, text]) => {
      const written = formatEndpoint(ep)
      assert.deepEqual(parseEndpoint(written), ep)
      assert.deepEqual(parseEndpoint(text), ep, text)
      assert.equal(formatEndpoint(parseEndpoint(text)), written)
      // Alone in a list, with the separators' leftovers around it.
      assert.deepEqual(parseEndpointList(`: ${written} :`), [ep])
    }), {numRuns: RUNS})
  })

  it('parse → format → parse: whatever parses comes back the same, but for what toString leaves out, and settles', LIMIT, () => {
    fc.assert(fc.property(endpointText, (text) => {
      const r = parsesSafely(text, (t) => parseEndpoint(t))
      if (r instanceof EndpointParseError) return
      const again = parseEndpoint(formatEndpoint(r))
      // toString leaves out -t 0 and a weight of 0 (upstream too): they read back as 3000 and the unset
      // weight (-1, or 100 with a weight type). Everything else comes back as it was.
      assert.deepEqual({...again, timeout: 0, weight: 0}, {...r, timeout: 0, weight: 0})
      if (r.timeout !== 0) assert.equal(again.timeout, r.timeout)
      if (r.weight !== 0) assert.equal(again.weight, r.weight)
      // Written once more, it is a fixed point.
      const settled = formatEndpoint(again)
      assert.equal(formatEndpoint(parseEndpoint(settled)), settled)
      assert.deepEqual(parseEndpoint(settled), again)
    }), {numRuns: RUNS})
  })

  it('format → parse is the identity for proxy strings Obj@ep:ep, and for the locators among them', LIMIT, () => {
    const proxy = fc.tuple(objectName, fc.array(validEndpoint, {minLength: 1, maxLength: 5}), endpointSeparator)
    fc.assert(fc.property(proxy, ([object, endpoints, sep]) => {
      const written = formatProxy(object, endpoints)
      assert.deepEqual(parseProxy(written), {object, endpoints})
      // Any separator between the endpoints, and a trailing one, read the same.
      assert.deepEqual(parseProxy(`${object}@${endpoints.map(formatEndpoint).join(sep)}${sep}`), {object, endpoints})
      assert.equal(formatProxy(parseProxy(written).object, parseProxy(written).endpoints), written)
      // A locator: the TCP endpoints with an address to connect to, each address once, in order.
      const tcp = endpoints.filter((e) => e.protocol === 'tcp' && e.port !== 0 && wildcardOf(e.host) === null)
      if (tcp.length === 0 || /\s/.test(object)) return
      const locator = parseLocator(formatProxy(object, tcp))
      const expected: Array<{host: string; port: number}> = []
      for (const e of tcp) {
        const host = normalizeIp(e.host) ?? e.host
        if (!expected.some((a) => a.host.toLowerCase() === host.toLowerCase() && a.port === e.port)) expected.push({host, port: e.port})
      }
      assert.deepEqual(locator, {servant: object, addresses: expected})
    }), {numRuns: RUNS})
  })

  it('an object alone (no @) is a proxy with no endpoints', LIMIT, () => {
    fc.assert(fc.property(objectName, (object) => {
      assert.deepEqual(parseProxy(formatProxy(object, [])), {object, endpoints: []})
    }), {numRuns: Math.ceil(RUNS / 3)})
  })
})

// --- the IP-list reader ---------------------------------------------------------------------------

describe('properties: the IP-list reader', () => {
  it('any text reads without throwing; every IP it gives is canonical; nothing out of proportion', LIMIT, () => {
    fc.assert(fc.property(fc.oneof(hostileText, mutated(fc.array(anyIp, {maxLength: 8}).map((l) => l.join(','))), mutated(fc.array(anyIp, {maxLength: 8}).map((l) => JSON.stringify(l)))), (raw) => {
      const parsed = parseIpList(raw)
      for (const ip of parsed.ips) assert.equal(normalizeIp(ip), ip)
      assert.equal(new Set(parsed.ips).size, parsed.ips.length)
      const tokens = ipListTokens(raw)
      if (tokens === null) assert.equal(parsed.unreadable, true)
      else assert.equal(parsed.ips.length + parsed.invalid.length + parsed.duplicates.length, tokens.length)
      assert.ok(JSON.stringify(parsed).length <= 4 * raw.length + 200)
    }), {numRuns: RUNS})
  })

  it('write → read is the identity for lists of distinct canonical IPs, in both stored forms', LIMIT, () => {
    const canonicalList = fc.uniqueArray(anyIp.map((t) => normalizeIp(t)!), {maxLength: 12})
    fc.assert(fc.property(canonicalList, separator, (ips, sep) => {
      assert.deepEqual(parseIpList(formatIpList(ips)).ips, ips)
      assert.deepEqual(parseIpList(JSON.stringify(ips)).ips, ips)
      assert.deepEqual(parseIpList(ips.join(sep)).ips, ips)
      // read → write → read: the canonical form is a fixed point
      const once = formatIpList(parseIpList(ips.join(sep)).ips)
      assert.equal(formatIpList(parseIpList(once).ips), once)
    }), {numRuns: RUNS})
  })

  it('normalising is idempotent, and checking an entry never throws nor echoes it whole', LIMIT, () => {
    fc.assert(fc.property(fc.oneof(anyIp, hostileText, fc.string({minLength: 100, maxLength: 3000})), (text) => {
      const once = normalizeIp(text)
      if (once !== null) assert.equal(normalizeIp(once), once)
      const checked = checkIp(text, {node: 'n', networks: namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16']}])})
      if (checked.error) assert.ok(checked.error.message.length <= 300, checked.error.message.slice(0, 100))
      else assert.equal(checked.ip, once)
    }), {numRuns: RUNS})
  })
})

// --- the import reader ----------------------------------------------------------------------------

const nodeName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/).filter((n) => !/^(node|node_name|nodename|name)$/i.test(n))
// fast-check's records have no prototype: made plain, so that deepEqual compares contents only.
const entries = fc.uniqueArray(fc.record({node: nodeName, ips: fc.array(anyIp, {maxLength: 5})}).map((e) => ({node: e.node, ips: e.ips})), {selector: (e) => e.node, maxLength: 12})

/** An RFC 4180 field: quoted when it holds a comma, a quote or a line break. */
const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const toCsv = (list: Array<{node: string; ips: string[]}>, header: boolean) =>
  [...(header ? ['node,ips'] : []), ...list.map((e) => `${csvField(e.node)},${csvField(e.ips.join(','))}`)].join('\n')
const plain = (list: ImportEntry[]) => list.map((e) => ({node: e.node, ips: e.ips}))

describe('properties: the CSV/JSON import reader', () => {
  it('any text gives entries or reasons, never a throw; reasons are short', LIMIT, () => {
    const doc = fc.oneof(hostileText, mutated(entries.map((e) => toCsv(e, true))), mutated(entries.map((e) => JSON.stringify(Object.fromEntries(e.map((x) => [x.node, x.ips]))))),
      mutated(entries.map((e) => JSON.stringify(e))), fc.jsonValue({maxDepth: 3}).map((v) => JSON.stringify(v)))
    fc.assert(fc.property(doc, fc.constantFrom('f.csv', 'f.json', 'f'), (text, file) => {
      const r = parseImport(file, text)
      for (const reason of r.errors) assert.ok(reason.length <= 300, reason.slice(0, 100))
      for (const e of r.entries) {
        assert.equal(typeof e.node, 'string')
        assert.ok(e.ips.every((ip) => typeof ip === 'string'))
      }
      assert.ok(JSON.stringify(r).length <= 6 * text.length + 500)
    }), {numRuns: RUNS})
  })

  it('write → read is the identity: CSV (with or without a header), JSON object and JSON list', LIMIT, () => {
    fc.assert(fc.property(entries, fc.boolean(), (list, header) => {
      assert.deepEqual(plain(parseCsv(toCsv(list, header)).entries), list)
      assert.deepEqual(parseCsv(toCsv(list, header)).errors, [])
      // The object form comes back in JavaScript's key order (integer-like names such as "10" first): the
      // same entries, and an import applies them all at once, so only the order of the diff differs.
      const byNode = (l: Array<{node: string; ips: string[]}>) => [...l].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
      assert.deepEqual(byNode(plain(parseJson(JSON.stringify(Object.fromEntries(list.map((e) => [e.node, e.ips])))).entries)), byNode(list))
      assert.deepEqual(plain(parseJson(JSON.stringify(list.map((e) => ({node: e.node, ips: e.ips})))).entries), list)
      // and again, from what was read
      const again = plain(parseCsv(toCsv(plain(parseCsv(toCsv(list, header)).entries), header)).entries)
      assert.deepEqual(again, list)
    }), {numRuns: RUNS})
  })
})

// --- the snapshot loader --------------------------------------------------------------------------

describe('properties: the snapshot loader', () => {
  const demo = JSON.parse(JSON.stringify(demoSnapshot(Date.parse('2026-01-01T00:00:00Z'))))
  const XY = namedNetworks([{name: 'x', cidrs: ['127.10.0.0/16']}, {name: 'y', cidrs: ['127.20.0.0/16']}])

  it('a mutated snapshot loads, or is refused with one line naming what is wrong; what loads is safe to use', LIMIT, () => {
    fc.assert(fc.property(fc.oneof(mutatedDocument(demo), fc.jsonValue({maxDepth: 3})), (doc) => {
      const r = ownErrorOnly(() => validateSnapshot(doc, 'FILE'))
      if (r instanceof UserError) {
        assert.match(r.message, /^snapshot FILE/)
        return
      }
      for (const n of r.nodes) {
        const view = buildNodeView(n, XY, Date.parse('2026-01-02T00:00:00Z'))
        assert.ok(view.heartbeatAgeSeconds === null || Number.isFinite(view.heartbeatAgeSeconds))
        assert.equal(typeof n.nodeName, 'string')
      }
      for (const a of r.adapters) assert.equal(typeof a.endpoint, 'string')
      for (const s of r.servers) assert.ok(Number.isSafeInteger(s.bakFlag))
      assert.ok(Number.isFinite(Date.parse(r.takenAt)))
    }), {numRuns: RUNS})
  })

  it('load → write → load is the identity', LIMIT, () => {
    fc.assert(fc.property(mutatedDocument(demo), (doc) => {
      const r = ownErrorOnly(() => validateSnapshot(doc, 'FILE'))
      if (r instanceof UserError) return
      const again = validateSnapshot(JSON.parse(JSON.stringify(r)), 'FILE')
      assert.deepEqual(again, r)
    }), {numRuns: RUNS})
  })
})

// --- the profile loader ---------------------------------------------------------------------------

describe('properties: the profile loader', () => {
  const base: Profile = {
    db: 'mysql://tarsAdmin@10.10.0.2,10.20.0.2/db_tars',
    networks: [{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}],
    ipListColumn: 'ip_list',
    probe: {ports: [19386], timeoutMs: 1000, retries: 1, concurrency: 500, bind: {x: '10.10.0.5', y: '10.20.0.5'}},
    auditLog: '/var/log/tarsnet/audit.jsonl',
    detectExclude: ['docker*', 'veth*'],
  }
  const noWarn = () => {}

  it('any value anywhere in a profile is taken or refused with one line naming profile and key', LIMIT, () => {
    fc.assert(fc.property(fc.oneof(mutatedDocument(base, 3), fc.dictionary(fc.string({maxLength: 10}), strangeValue, {maxKeys: 5})), (doc) => {
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return
      const r = ownErrorOnly(() => checkProfile(doc as Record<string, unknown>, 'plant', '/cfg.json', noWarn))
      if (r instanceof UserError) {
        assert.match(r.message, /^profile "plant" in \/cfg\.json: /)
        return
      }
      const p = r as Profile
      if (p.probe?.timeoutMs !== undefined) assert.ok(p.probe.timeoutMs === 'auto' || (Number.isInteger(p.probe.timeoutMs) && p.probe.timeoutMs >= 1 && p.probe.timeoutMs <= 600_000))
      if (p.probe?.retries !== undefined) assert.ok(Number.isInteger(p.probe.retries) && p.probe.retries >= 0 && p.probe.retries <= 10)
      for (const port of p.probe?.ports ?? []) assert.ok(Number.isInteger(port) && port >= 1 && port <= 65_535)
      for (const ip of Object.values(p.probe?.bind ?? {})) assert.notEqual(normalizeIp(ip), null)
      if (p.db !== undefined) assert.equal(typeof p.db, 'string')
      assert.ok(p.detectExclude === undefined || p.detectExclude.every((g) => typeof g === 'string'))
    }), {numRuns: RUNS})
  })

  it('a whole config file, hostile, gives settings or our own error', LIMIT, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-prop-cfg-'))
    let n = 0
    fc.assert(fc.property(fc.oneof(mutatedDocument({defaultProfile: 'plant', profiles: {plant: base}}, 4), fc.jsonValue({maxDepth: 3})), (doc) => {
      const path = join(dir, `c${n++}.json`)
      writeConfigFile(path, doc as never)
      ownErrorOnly(() => resolveSettings({flags: {config: path}, env: {}, configDir: dir}))
    }), {numRuns: Math.ceil(RUNS / 3)})
  })

  it('write → read is the identity for valid profiles', LIMIT, () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-prop-cfg-'))
    const profile = fc.record({
      db: fc.constantFrom('mysql://u@h/db_tars', 'mysql://tars@10.10.0.2,[fd00::2]:3307/db_tars?ssl=true'),
      ipListColumn: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/).filter((c) => !['id', 'label', 'node_name', 'endpoint_ip', 'data_dir', 'group_id', 'node_obj'].includes(c) && !c.startsWith('load_avg') && !/_(state|time|heartbeat|version|name|port)$/.test(c)),
      probe: fc.record({
        ports: fc.array(fc.integer({min: 1, max: 65_535}), {maxLength: 4}),
        timeoutMs: fc.integer({min: 1, max: 600_000}),
        retries: fc.integer({min: 0, max: 10}),
        concurrency: fc.integer({min: 1, max: 1_000_000}),
        bind: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), ipv4, {maxKeys: 3}),
      }, {requiredKeys: []}),
      detectExclude: fc.array(fc.stringMatching(/^[a-z*]{1,8}$/), {maxLength: 3}),
    }, {requiredKeys: []}).map((p) => JSON.parse(JSON.stringify(p)) as Profile)
    let n = 0
    fc.assert(fc.property(profile, (p) => {
      const path = join(dir, `p${n++}.json`)
      writeConfigFile(path, {defaultProfile: 'plant', profiles: {plant: p as Profile}})
      const settings = resolveSettings({flags: {config: path}, env: {}, configDir: dir})
      assert.deepEqual(settings.profile, p)
      assert.deepEqual(settings.warnings, [])
    }), {numRuns: Math.ceil(RUNS / 3)})
  })
})
