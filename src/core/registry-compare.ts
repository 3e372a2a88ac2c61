/**
 * What a live registry hands out, against what the database says it should (docs/design.md §2, §8). Pure: the
 * registry's answers and a computed ResolveResult in, verdicts out.
 *
 * Endpoints are compared as (host, port, protocol), in active and in inactive, so the comparison does
 * not depend on fields a registry version may or may not fill (nodeName, grid, qos, weights).
 */
import {normalizeIp, parseIp} from './ip.js'
import type {Networks} from './networks.js'
import {hostPort, parseObjectName, type ResolvedEndpoint} from './resolve.js'
import type {ObjectRows} from './rows.js'
import {naturalCompare} from './text.js'

/** How an address (or one question on it) went; the same words as probe's outcomes. */
export type RegistryStatus = 'ok' | 'timeout' | 'refused' | 'unreachable' | 'error'

export type AnswerVerdict = 'agrees' | 'unexpanded' | 'differs'

export type RegistryQuery = 'findObjectById4Any' | 'findObjectByIdInSameSet' | 'findObjectByIdInSameGroup'

/** The registry reloads changed rows every 10 s and all rows every 300 s (RegistryServer/ReapThread.cpp). */
export const RELOAD_WINDOW_SECONDS = 300

/** The fields of an EndpointF the comparison reads. */
export interface AnsweredEndpoint {
  host: string
  port: number
  /** 0 udp, 1 tcp, 2 ssl. */
  istcp: number
  nodeName: string
}

export interface RegistryAnswer {
  ret: number
  active: AnsweredEndpoint[]
  inactive: AnsweredEndpoint[]
}

/** An endpoint in a result list: with its node (null when the registry did not say) and network. */
export interface ListedEndpoint {
  node: string | null
  network: string | null
  host: string
  port: number
  protocol: string
}

export interface Comparison {
  verdict: AnswerVerdict
  /** The registry hands out 0.0.0.0 / :: where the database expands: the lists then compare stored hosts. */
  unexpanded: boolean
  missingActive: ListedEndpoint[]
  extraActive: ListedEndpoint[]
  missingInactive: ListedEndpoint[]
  extraInactive: ListedEndpoint[]
  /** Sentences saying what differs beyond the lists (unexpanded, state changes, a return code). */
  reasons: string[]
}

export interface Expected {
  active: ResolvedEndpoint[]
  inactive: ResolvedEndpoint[]
}

const PROTOCOL_BY_ISTCP = ['udp', 'tcp', 'ssl']

export function protocolName(istcp: number): string {
  return PROTOCOL_BY_ISTCP[istcp] ?? `istcp ${istcp}`
}

// Thousands of answers name the same few hundred hosts: each is parsed and classified once.
const MEMO_LIMIT = 100_000
const hostKeys = new Map<string, string>()
const classified = new WeakMap<Networks, Map<string, string | null>>()

function hostKey(host: string): string {
  let key = hostKeys.get(host)
  if (key === undefined) {
    if (hostKeys.size >= MEMO_LIMIT) hostKeys.clear()
    hostKeys.set(host, (key = normalizeIp(host) ?? host.trim().toLowerCase()))
  }
  return key
}

function networkOf(networks: Networks, host: string): string | null {
  let memo = classified.get(networks)
  if (!memo) classified.set(networks, (memo = new Map()))
  let network = memo.get(host)
  if (network === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(host, (network = networks.classify(host)))
  }
  return network
}

function isWildcardHost(host: string): boolean {
  const ip = parseIp(host)
  return ip !== null && ip.bytes.every((b) => b === 0)
}

interface Entry {
  key: string
  listed: ListedEndpoint
}

const entryKey = (host: string, port: number, protocol: string) => `${hostKey(host)}|${port}|${protocol}`

function fromExpected(ep: ResolvedEndpoint, stored: boolean, networks: Networks): Entry {
  // The host as the registry stores it: `*` and a missing -h are read as 0.0.0.0 (docs/design.md §3).
  const host = stored && ep.expanded ? (ep.expandedFrom === '' || ep.expandedFrom === '*' || ep.expandedFrom === null ? '0.0.0.0' : ep.expandedFrom) : ep.host
  return {key: entryKey(host, ep.port, ep.protocol), listed: {node: ep.node, network: networkOf(networks, host), host, port: ep.port, protocol: ep.protocol}}
}

/** The database's endpoints as the registry stores them: one per row, a wildcard not expanded. */
function storedEntries(eps: ResolvedEndpoint[], networks: Networks): Entry[] {
  const rows = new Set<string>()
  const out: Entry[] = []
  for (const ep of eps) {
    if (ep.expanded) {
      // The IPs one row was expanded into come back to that one row.
      const row = `${ep.origin}\u0000${ep.node}\u0000${ep.adapter}\u0000${ep.source}`
      if (rows.has(row)) continue
      rows.add(row)
    }
    out.push(fromExpected(ep, true, networks))
  }
  return out
}

function fromAnswer(ep: AnsweredEndpoint, networks: Networks): Entry {
  const protocol = protocolName(ep.istcp)
  return {key: entryKey(ep.host, ep.port, protocol), listed: {node: ep.nodeName === '' ? null : ep.nodeName, network: networkOf(networks, ep.host), host: ep.host, port: ep.port, protocol}}
}

function dedupe(entries: Entry[]): Entry[] {
  const seen = new Set<string>()
  return entries.filter((e) => (seen.has(e.key) ? false : (seen.add(e.key), true)))
}

/** The common case, answers that agree, in one pass: the same keys as many times each (lengths are equal). */
function sameKeys(want: Entry[], got: Entry[]): boolean {
  if (want.length === 0) return true
  if (want.length <= 16) {
    // Few endpoints (the usual case): pairing them off costs less than a Map.
    const used = new Uint8Array(got.length)
    outer: for (const w of want) {
      for (let i = 0; i < got.length; i++) {
        if (used[i] === 0 && got[i].key === w.key) {
          used[i] = 1
          continue outer
        }
      }
      return false
    }
    return true
  }
  const count = new Map<string, number>()
  for (const e of got) count.set(e.key, (count.get(e.key) ?? 0) + 1)
  for (const e of want) {
    const n = count.get(e.key)
    if (!n) return false
    count.set(e.key, n - 1)
  }
  return true
}

/** Multiset difference: what `want` has more often than `got`, and the other way round. */
function diff(want: Entry[], got: Entry[]): {missing: ListedEndpoint[]; extra: ListedEndpoint[]} {
  if (want.length === got.length && sameKeys(want, got)) return {missing: [], extra: []}
  const count = new Map<string, number>()
  for (const e of got) count.set(e.key, (count.get(e.key) ?? 0) + 1)
  const missing: ListedEndpoint[] = []
  for (const e of want) {
    const n = count.get(e.key) ?? 0
    if (n > 0) count.set(e.key, n - 1)
    else missing.push(e.listed)
  }
  const wanted = new Map<string, number>()
  for (const e of want) wanted.set(e.key, (wanted.get(e.key) ?? 0) + 1)
  const extra: ListedEndpoint[] = []
  for (const e of got) {
    const n = wanted.get(e.key) ?? 0
    if (n > 0) wanted.set(e.key, n - 1)
    else extra.push(e.listed)
  }
  return {missing, extra}
}

export function describeEndpoint(ep: ListedEndpoint): string {
  return `${ep.node === null ? '' : `${ep.node} `}${hostPort(ep.host, ep.port)}${ep.protocol === 'tcp' ? '' : ` ${ep.protocol}`}`
}

const sameEndpoint = (a: ListedEndpoint, b: ListedEndpoint) => hostKey(a.host) === hostKey(b.host) && a.port === b.port && a.protocol === b.protocol

/**
 * One registry answer against the database's computation for the same query:
 * `agrees` (the same sets), `unexpanded` (only the wildcards differ: the registry does not expand),
 * or `differs`, with what is missing and extra in active and in inactive.
 */
export function compareAnswer(expected: Expected, answer: RegistryAnswer, networks: Networks): Comparison {
  const got = {active: answer.active.map((ep) => fromAnswer(ep, networks)), inactive: answer.inactive.map((ep) => fromAnswer(ep, networks))}
  const expanded = {
    active: diff(dedupe(expected.active.map((ep) => fromExpected(ep, false, networks))), dedupe(got.active)),
    inactive: diff(dedupe(expected.inactive.map((ep) => fromExpected(ep, false, networks))), dedupe(got.inactive)),
  }
  const reasons: string[] = []
  if (answer.ret !== 0) reasons.push(`the registry returned ${answer.ret}${answer.active.length + answer.inactive.length === 0 ? ' and no endpoint' : ''}`)
  const clean = (d: typeof expanded) => d.active.missing.length + d.active.extra.length + d.inactive.missing.length + d.inactive.extra.length === 0
  const result = (verdict: AnswerVerdict, unexpanded: boolean, d: typeof expanded): Comparison => {
    if (verdict === 'differs') reasons.push(...stateChanges(d))
    return {
      verdict, unexpanded,
      missingActive: d.active.missing, extraActive: d.active.extra, missingInactive: d.inactive.missing, extraInactive: d.inactive.extra,
      reasons,
    }
  }
  if (clean(expanded)) return result('agrees', false, expanded)

  const wildcards = [...answer.active, ...answer.inactive].filter((ep) => isWildcardHost(ep.host))
  const databaseExpands = [...expected.active, ...expected.inactive].some((ep) => ep.expanded)
  if (wildcards.length > 0 && databaseExpands) {
    // A registry without the multi-network expansion: compare with the hosts as stored.
    const stored = {
      active: diff(storedEntries(expected.active, networks), got.active),
      inactive: diff(storedEntries(expected.inactive, networks), got.inactive),
    }
    const handed = [...new Set(wildcards.map((ep) => hostPort(ep.host, ep.port)))].sort(naturalCompare)
    reasons.unshift(`hands out ${handed.join(', ')} as stored where the database expands to the nodes' IPs: a registry without multi-network support, so clients cannot fail over`)
    return result(clean(stored) ? 'unexpanded' : 'differs', true, stored)
  }
  if (answer.active.length + answer.inactive.length === 0 && expected.active.length + expected.inactive.length > 0) {
    reasons.push('it hands out no endpoint at all: this registry does not know the object (not loaded yet, or it reads another database)')
  }
  return result('differs', false, expanded)
}

/** An endpoint the database has active and the registry inactive (or the other way round) is a state change. */
function stateChanges(d: {active: {missing: ListedEndpoint[]; extra: ListedEndpoint[]}; inactive: {missing: ListedEndpoint[]; extra: ListedEndpoint[]}}): string[] {
  const out: string[] = []
  const nowInactive = d.active.missing.filter((m) => d.inactive.extra.some((e) => sameEndpoint(m, e)))
  const nowActive = d.inactive.missing.filter((m) => d.active.extra.some((e) => sameEndpoint(m, e)))
  if (nowInactive.length > 0) out.push(`active in the database but inactive in the registry: ${nowInactive.map(describeEndpoint).join(', ')}`)
  if (nowActive.length > 0) out.push(`inactive in the database but active in the registry: ${nowActive.map(describeEndpoint).join(', ')}`)
  return out
}

// ---------------------------------------------------------------------------------------------------
// The reload window

/** A t_server_conf or t_adapter_conf row whose registry_timestamp is recent (the registry's own change clock). */
export interface RecentChange {
  table: 't_server_conf' | 't_adapter_conf'
  application: string
  serverName: string
  nodeName: string
  /** t_adapter_conf.servant; null for a server row. */
  servant: string | null
  /** Seconds since the change, by the database's own clock. */
  ageSeconds: number
}

/** The rows MySQL's collation would match: case and trailing spaces ignored. */
const rowKey = (...parts: string[]) => parts.map((p) => p.toLowerCase().replace(/ +$/, '')).join('\u0000')

/**
 * The recent changes, indexed once, so each object finds its own without scanning them all
 * (`--all` on a freshly loaded database: thousands of objects, thousands of recent rows).
 */
export function indexChanges(changes: readonly RecentChange[]): (object: string, rows: ObjectRows | null) => RecentChange[] {
  const adaptersByServant = new Map<string, RecentChange[]>()
  const byPair = new Map<string, RecentChange[]>()
  const serversByRow = new Map<string, RecentChange[]>()
  const push = (map: Map<string, RecentChange[]>, key: string, c: RecentChange) => {
    const list = map.get(key)
    if (list) list.push(c)
    else map.set(key, [c])
  }
  for (const c of changes) {
    if (c.table === 't_adapter_conf' && c.servant !== null) push(adaptersByServant, c.servant, c)
    else if (c.table === 't_server_conf') {
      push(byPair, rowKey(c.application, c.serverName), c)
      push(serversByRow, rowKey(c.application, c.serverName, c.nodeName), c)
    }
  }
  return (object, rows) => {
    const found = new Set<RecentChange>(adaptersByServant.get(object) ?? [])
    const name = parseObjectName(object)
    if (name) for (const c of byPair.get(rowKey(name.application, name.serverName)) ?? []) found.add(c)
    // Server rows of the adapters that carry the object, whatever their own App.Server.
    for (const a of rows?.adapters ?? []) {
      if (a.servant !== object) continue
      for (const c of serversByRow.get(rowKey(a.application, a.serverName, a.nodeName)) ?? []) found.add(c)
    }
    return [...found]
  }
}

/** The recent changes that touch `object`: its adapters (by servant), and the server rows they hang on. */
export function changesForObject(object: string, rows: ObjectRows | null, changes: readonly RecentChange[]): RecentChange[] {
  return indexChanges(changes)(object, rows)
}

/** A hint when a difference may just be a reload still to come: the object's newest change is younger than 300 s. */
export function reloadHint(changes: readonly RecentChange[]): string | null {
  const recent = changes.filter((c) => c.ageSeconds >= 0 && c.ageSeconds < RELOAD_WINDOW_SECONDS)
  if (recent.length === 0) return null
  const newest = recent.reduce((a, b) => (b.ageSeconds < a.ageSeconds ? b : a))
  const age = Math.round(newest.ageSeconds)
  const more = recent.length > 1 ? ` (and ${recent.length - 1} more row${recent.length === 2 ? '' : 's'})` : ''
  return `${newest.table} of ${newest.application}.${newest.serverName} on ${newest.nodeName.trim()} changed ${age} s ago${more}: within the registry's reload window (changed rows every 10 s, all rows every ${RELOAD_WINDOW_SECONDS} s), so this may be a reload still to come; check again in ${Math.max(10, RELOAD_WINDOW_SECONDS - age)} s`
}

// ---------------------------------------------------------------------------------------------------
// Records and the report

export interface RegistryError {
  code: string
  message: string
}

/** One registry address, as asked. */
export interface RegistryRecord {
  host: string
  port: number
  network: string | null
  status: RegistryStatus
  /** The round trip of the first answer on the connection, ms; null when none came. */
  latencyMs: number | null
  error: RegistryError | null
  /** This machine's address on the connection: what the registry groups by. */
  clientIp: string | null
  asked: number
  answered: number
}

/** One object asked of one address. */
export interface AnswerRecord {
  object: string
  host: string
  port: number
  network: string | null
  query: RegistryQuery
  setId: string | null
  /** The caller's address the registry saw (it groups by it): this machine's address on that connection. */
  clientIp: string | null
  status: RegistryStatus
  error: RegistryError | null
  /** The function's return value; null when no answer came. */
  ret: number | null
  /** null: no answer, or nothing to compare with (no database). */
  verdict: AnswerVerdict | null
  unexpanded: boolean
  missingActive: ListedEndpoint[]
  extraActive: ListedEndpoint[]
  missingInactive: ListedEndpoint[]
  extraInactive: ListedEndpoint[]
  /** What the registry handed out. */
  active: ListedEndpoint[]
  inactive: ListedEndpoint[]
  reasons: string[]
  /** Set when the difference fits the registry's reload window. */
  hint: string | null
}

export interface AnswerInput {
  object: string
  address: {host: string; port: number; network: string | null}
  query: RegistryQuery
  setId: string | null
  clientIp: string | null
  status: RegistryStatus
  error: RegistryError | null
  answer: RegistryAnswer | null
  /** The database's computation for this query and caller; null without a database. */
  expected: Expected | null
  /** The object's recent changes (changesForObject). */
  changes: readonly RecentChange[]
  networks: Networks
}

export function buildAnswer(input: AnswerInput): AnswerRecord {
  const {answer, networks} = input
  const record: AnswerRecord = {
    object: input.object, host: input.address.host, port: input.address.port, network: input.address.network,
    query: input.query, setId: input.setId, clientIp: input.clientIp, status: input.status, error: input.error,
    ret: answer ? answer.ret : null, verdict: null, unexpanded: false,
    missingActive: [], extraActive: [], missingInactive: [], extraInactive: [],
    active: answer ? answer.active.map((ep) => fromAnswer(ep, networks).listed) : [],
    inactive: answer ? answer.inactive.map((ep) => fromAnswer(ep, networks).listed) : [],
    reasons: [], hint: null,
  }
  if (!answer || !input.expected) return record
  const c = compareAnswer(input.expected, answer, networks)
  Object.assign(record, {
    verdict: c.verdict, unexpanded: c.unexpanded, reasons: c.reasons,
    missingActive: c.missingActive, extraActive: c.extraActive, missingInactive: c.missingInactive, extraInactive: c.extraInactive,
  })
  if (c.verdict === 'differs') record.hint = reloadHint(input.changes)
  return record
}

/** A set of answers for one object that hand out the same endpoints. */
export interface AnswerGroup {
  /** `host:port (network)` of each address in the group. */
  addresses: string[]
  active: number
  inactive: number
  verdict: AnswerVerdict | null
}

/** Registry addresses that answered the same question differently. */
export interface Disagreement {
  object: string
  /** Set for queries answered relative to the caller: only answers to the same caller address are compared. */
  clientIp: string | null
  groups: AnswerGroup[]
}

export function addressLabel(a: {host: string; port: number; network: string | null}): string {
  return `${hostPort(a.host, a.port)} (${a.network ?? 'no network'})`
}

/** Answers are caller-relative unless asked with findObjectById4Any (docs/design.md §2). */
const callerRelative = (q: RegistryQuery) => q !== 'findObjectById4Any'

const signature = (eps: ListedEndpoint[]) => [...new Set(eps.map((e) => entryKey(e.host, e.port, e.protocol)))].sort().join(',')

/** Per object, the addresses whose answers differ from each other (each group named). */
export function replicaDisagreements(answers: readonly AnswerRecord[]): Disagreement[] {
  const byQuestion = new Map<string, AnswerRecord[]>()
  for (const a of answers) {
    if (a.status !== 'ok') continue
    const clientIp = callerRelative(a.query) ? a.clientIp : null
    const key = `${a.object}\u0000${clientIp ?? ''}`
    const list = byQuestion.get(key) ?? []
    list.push(a)
    byQuestion.set(key, list)
  }
  const out: Disagreement[] = []
  for (const list of byQuestion.values()) {
    const groups = new Map<string, AnswerRecord[]>()
    for (const a of list) {
      const sig = `${signature(a.active)}|${signature(a.inactive)}|${a.ret}`
      groups.set(sig, [...(groups.get(sig) ?? []), a])
    }
    if (groups.size < 2) continue
    const first = list[0]
    out.push({
      object: first.object,
      clientIp: callerRelative(first.query) ? first.clientIp : null,
      groups: [...groups.values()].map((g) => ({
        addresses: g.map(addressLabel), active: g[0].active.length, inactive: g[0].inactive.length, verdict: g[0].verdict,
      })),
    })
  }
  return out.sort((a, b) => naturalCompare(a.object, b.object))
}

export type CheckVerdict = 'ok' | 'differs' | 'unreachable'

export interface CheckSummary {
  verdict: CheckVerdict
  /** 0 every answer agrees; 1 some differs, is unexpanded, or did not come while others did; 2 no address answered. */
  exitCode: 0 | 1 | 2
  counts: {addresses: number; answering: number; answers: number; agrees: number; unexpanded: number; differs: number; failed: number}
  lines: string[]
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** The verdict, exit code and summary sentences of a check. `compared`: a database was there to compare with. */
export function summarizeCheck(registries: readonly RegistryRecord[], answers: readonly AnswerRecord[], disagreements: readonly Disagreement[], compared: boolean): CheckSummary {
  const answering = registries.filter((r) => r.status === 'ok')
  const counts = {
    addresses: registries.length,
    answering: answering.length,
    answers: answers.filter((a) => a.status === 'ok').length,
    agrees: answers.filter((a) => a.verdict === 'agrees').length,
    unexpanded: answers.filter((a) => a.verdict === 'unexpanded').length,
    differs: answers.filter((a) => a.verdict === 'differs').length,
    failed: answers.filter((a) => a.status !== 'ok').length,
  }
  const lines: string[] = []
  const down = registries.filter((r) => r.status !== 'ok')
  if (answering.length === 0) {
    lines.push(`UNREACHABLE: no registry address answered (${down.map((r) => `${addressLabel(r)} ${r.status}`).join(', ')})`)
    return {verdict: 'unreachable', exitCode: 2, counts, lines}
  }
  const parts = compared
    ? [`${counts.agrees} agree`, ...(counts.unexpanded > 0 ? [`${counts.unexpanded} unexpanded`] : []), ...(counts.differs > 0 ? [`${counts.differs} differ`] : [])]
    : ['not compared with the database']
  lines.push(`${plural(counts.answers, 'answer')} from ${counts.answering} of ${plural(counts.addresses, 'address', 'addresses')}: ${parts.join(', ')}${counts.failed > 0 ? `; ${counts.failed} not answered` : ''}`)
  if (down.length > 0) lines.push(`not answering: ${down.map((r) => `${addressLabel(r)} ${r.status}${r.error ? ` (${r.error.message})` : ''}`).join('; ')}`)
  for (const d of disagreements) {
    lines.push(`${d.object}: registry addresses disagree${d.clientIp ? ` (for caller ${d.clientIp})` : ''}: ${d.groups.map((g) => `${g.addresses.join(', ')} ${g.addresses.length === 1 ? 'hands' : 'hand'} out ${g.active} active/${g.inactive} inactive`).join('; ')}`)
  }
  const bad = counts.unexpanded + counts.differs + counts.failed > 0 || down.length > 0 || disagreements.length > 0
  if (!bad) {
    lines.push(compared ? 'OK: every registry address hands out what the database says' : 'OK: every registry address hands out the same')
    return {verdict: 'ok', exitCode: 0, counts, lines}
  }
  const why: string[] = []
  if (counts.unexpanded > 0) why.push('a registry hands out 0.0.0.0 unexpanded (clients cannot fail over)')
  if (counts.differs > 0) why.push('a registry hands out something other than the database says')
  if (disagreements.length > 0) why.push('registry addresses disagree with each other')
  if (down.length > 0 || counts.failed > 0) why.push('some address did not answer while another did')
  lines.push(`DIFFERS: ${why.join('; ')}`)
  return {verdict: 'differs', exitCode: 1, counts, lines}
}
