/**
 * What a live registry hands out, against what the database says it should (docs/design.md §2, §8). Pure: the
 * registry's answers and a computed ResolveResult in, verdicts out.
 *
 * Endpoints are compared as (host, port, protocol), in active and in inactive, so the comparison does
 * not depend on fields a registry version may or may not fill (nodeName, grid, qos, weights).
 */
import {ipKind, normalizeIp, parseIp} from './ip.js'
import type {Networks} from './networks.js'
import {parseObjectName} from './object-name.js'
import type {ResolvedEndpoint} from './resolve.js'
import {hostPort} from './resolve-text.js'
import type {ObjectRows} from './rows.js'
import {naturalCompare} from './text.js'

/** How an address (or one question on it) went; the same words as probe's outcomes. */
export type RegistryStatus = 'ok' | 'timeout' | 'refused' | 'unreachable' | 'error'

/**
 * How one answer compares, mildest first: the same endpoints; the same endpoints with other IDC group ids
 * (groupworkid/grouprealid); 0.0.0.0 handed out unexpanded; anything else.
 */
export type AnswerVerdict = 'agrees' | 'groups-differ' | 'unexpanded' | 'differs'

export type RegistryQuery = 'findObjectById4Any' | 'findObjectByIdInSameSet' | 'findObjectByIdInSameGroup'

/**
 * The registry reloads rows changed in the last 150 s every 10 s, and all rows every 300 s
 * (RegistryServer/ReapThread.cpp: loadObjectsInterval1, LeastChangedTime1, loadObjectsInterval2).
 */
export const RELOAD_WINDOW_SECONDS = 300
export const INCREMENTAL_RELOAD_SECONDS = 10
export const INCREMENTAL_WINDOW_SECONDS = 150

/** The fields of an EndpointF the comparison reads. */
export interface AnsweredEndpoint {
  host: string
  port: number
  /** 0 udp, 1 tcp, 2 ssl. */
  istcp: number
  nodeName: string
  /** EndpointF's IDC group ids; compared when given. */
  groupworkid?: number
  grouprealid?: number
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
  /** Endpoints handed out with other IDC group ids than the database gives them, one sentence each. */
  groupMismatches: string[]
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
  return ip !== null && ipKind(ip) === 'unspecified'
}

interface Entry {
  key: string
  listed: ListedEndpoint
  /** [groupworkid, grouprealid]; undefined when the answer did not carry them. */
  groups?: [number, number]
}

const entryKey = (host: string, port: number, protocol: string) => `${hostKey(host)}|${port}|${protocol}`

function fromExpected(ep: ResolvedEndpoint, stored: boolean, networks: Networks): Entry {
  // The host as the registry stores it: `*` and a missing -h are read as 0.0.0.0 (docs/design.md §3).
  const host = stored && ep.expanded ? (ep.expandedFrom === '' || ep.expandedFrom === '*' || ep.expandedFrom === null ? '0.0.0.0' : ep.expandedFrom) : ep.host
  return {key: entryKey(host, ep.port, ep.protocol), listed: {node: ep.node, network: networkOf(networks, host), host, port: ep.port, protocol: ep.protocol}, groups: [ep.groupWorkId, ep.groupRealId]}
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
  const groups: [number, number] | undefined = ep.groupworkid === undefined || ep.grouprealid === undefined ? undefined : [ep.groupworkid, ep.grouprealid]
  return {key: entryKey(ep.host, ep.port, protocol), listed: {node: ep.nodeName === '' ? null : ep.nodeName, network: networkOf(networks, ep.host), host: ep.host, port: ep.port, protocol}, groups}
}

/** Endpoints in both lists whose IDC group ids differ (the lists hold the same keys). */
function groupMismatches(want: Entry[], got: Entry[]): string[] {
  if (got.length === 0 || got.every((e) => e.groups === undefined)) return []
  // The usual case: the same endpoints in the same order, the same ids.
  if (want.length === got.length && want.every((w, i) => w.key === got[i].key && w.groups?.[0] === got[i].groups?.[0] && w.groups?.[1] === got[i].groups?.[1])) return []
  const wanted = new Map<string, [number, number]>()
  for (const e of want) if (e.groups && !wanted.has(e.key)) wanted.set(e.key, e.groups)
  const out: string[] = []
  const said = new Set<string>()
  for (const e of got) {
    const w = wanted.get(e.key)
    if (!w || !e.groups || (w[0] === e.groups[0] && w[1] === e.groups[1]) || said.has(e.key)) continue
    said.add(e.key)
    out.push(`${describeEndpoint(e.listed)}: groupworkid/grouprealid ${e.groups[0]}/${e.groups[1]} from the registry, ${w[0]}/${w[1]} from the database`)
  }
  return out
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
export function compareAnswer(expected: Expected, answer: RegistryAnswer, networks: Networks, expectedAsStored?: () => Expected): Comparison {
  const got = {active: answer.active.map((ep) => fromAnswer(ep, networks)), inactive: answer.inactive.map((ep) => fromAnswer(ep, networks))}
  const wantExpanded = {active: expected.active.map((ep) => fromExpected(ep, false, networks)), inactive: expected.inactive.map((ep) => fromExpected(ep, false, networks))}
  const expanded = {
    active: diff(dedupe(wantExpanded.active), dedupe(got.active)),
    inactive: diff(dedupe(wantExpanded.inactive), dedupe(got.inactive)),
  }
  const reasons: string[] = []
  if (answer.ret !== 0) reasons.push(`the registry returned ${answer.ret}${answer.active.length + answer.inactive.length === 0 ? ' and no endpoint' : ''}`)
  const clean = (d: typeof expanded) => d.active.missing.length + d.active.extra.length + d.inactive.missing.length + d.inactive.extra.length === 0
  const result = (verdict: AnswerVerdict, unexpanded: boolean, d: typeof expanded, groups: string[] = []): Comparison => {
    if (verdict === 'differs') reasons.push(...stateChanges(d))
    return {
      verdict: verdict === 'agrees' && groups.length > 0 ? 'groups-differ' : verdict, unexpanded,
      missingActive: d.active.missing, extraActive: d.active.extra, missingInactive: d.inactive.missing, extraInactive: d.inactive.extra,
      reasons, groupMismatches: groups,
    }
  }
  const groupsOf = (want: {active: Entry[]; inactive: Entry[]}) => [...groupMismatches(want.active, got.active), ...groupMismatches(want.inactive, got.inactive)]
  if (clean(expanded)) return result('agrees', false, expanded, groupsOf(wantExpanded))

  const wildcards = [...answer.active, ...answer.inactive].filter((ep) => isWildcardHost(ep.host))
  const databaseExpands = [...expected.active, ...expected.inactive].some((ep) => ep.expanded)
  if (wildcards.length > 0 && databaseExpands) {
    // A registry without the multi-network expansion: compare with the hosts as stored, and with what such a
    // registry selects and groups by them (a 0.0.0.0 endpoint's IDC group is the stored host's: -1).
    const asStored = expectedAsStored?.() ?? expected
    const want = {active: storedEntries(asStored.active, networks), inactive: storedEntries(asStored.inactive, networks)}
    const stored = {active: diff(want.active, got.active), inactive: diff(want.inactive, got.inactive)}
    const handed = [...new Set(wildcards.map((ep) => hostPort(ep.host, ep.port)))].sort(naturalCompare)
    reasons.unshift(`hands out ${handed.join(', ')} as stored where the database expands to the nodes' IPs: a registry without multi-network support, so clients cannot fail over`)
    return result(clean(stored) ? 'unexpanded' : 'differs', true, stored, clean(stored) ? groupsOf(want) : [])
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

/**
 * A hint when a difference may just be a reload still to come: the object's newest change is younger than
 * 300 s. The incremental reload (every 10 s) reads rows whose registry_timestamp is within the last 150 s,
 * so such a change shows within about 10 s; an older one waits for the full reload (every 300 s).
 */
export function reloadHint(changes: readonly RecentChange[]): string | null {
  const recent = changes.filter((c) => c.ageSeconds >= 0 && c.ageSeconds < RELOAD_WINDOW_SECONDS)
  if (recent.length === 0) return null
  const newest = recent.reduce((a, b) => (b.ageSeconds < a.ageSeconds ? b : a))
  const age = Math.round(newest.ageSeconds)
  const more = recent.length > 1 ? ` (and ${recent.length - 1} more row${recent.length === 2 ? '' : 's'})` : ''
  const what = `${newest.table} of ${newest.application}.${newest.serverName} on ${newest.nodeName.trim()} changed ${age} s ago${more}`
  if (newest.ageSeconds < INCREMENTAL_WINDOW_SECONDS) {
    return `${what}: the registry's incremental reload (every ${INCREMENTAL_RELOAD_SECONDS} s, rows changed in the last ${INCREMENTAL_WINDOW_SECONDS} s) takes it, so this may be a reload still to come; check again in about ${INCREMENTAL_RELOAD_SECONDS} s`
  }
  return `${what}: too long ago for the incremental reload (rows changed in the last ${INCREMENTAL_WINDOW_SECONDS} s), only the full reload (every ${RELOAD_WINDOW_SECONDS} s) takes it, so this may be a reload still to come; check again in ${RELOAD_WINDOW_SECONDS} s`
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
  /** This machine's address on that connection: the caller the registry groups by when no node_name is sent. */
  clientIp: string | null
  /** The node_name sent in the request context (the registry then groups by it); null when none was sent. */
  callerNodeName: string | null
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
  /** Endpoints handed out with other IDC group ids than the database gives them. */
  groupMismatches: string[]
  /** Set when the difference fits the registry's reload window. */
  hint: string | null
}

export interface AnswerInput {
  object: string
  address: {host: string; port: number; network: string | null}
  query: RegistryQuery
  setId: string | null
  clientIp: string | null
  callerNodeName?: string | null
  status: RegistryStatus
  error: RegistryError | null
  answer: RegistryAnswer | null
  /** The database's computation for this query and caller; null without a database. */
  expected: Expected | null
  /** The same as an open-source registry selects and groups (by hosts as stored), for unexpanded answers. */
  expectedAsStored?: () => Expected
  /** The object's recent changes (changesForObject). */
  changes: readonly RecentChange[]
  networks: Networks
}

export function buildAnswer(input: AnswerInput): AnswerRecord {
  const {answer, networks} = input
  const record: AnswerRecord = {
    object: input.object, host: input.address.host, port: input.address.port, network: input.address.network,
    query: input.query, setId: input.setId, clientIp: input.clientIp, callerNodeName: input.callerNodeName ?? null, status: input.status, error: input.error,
    ret: answer ? answer.ret : null, verdict: null, unexpanded: false,
    missingActive: [], extraActive: [], missingInactive: [], extraInactive: [],
    active: answer ? answer.active.map((ep) => fromAnswer(ep, networks).listed) : [],
    inactive: answer ? answer.inactive.map((ep) => fromAnswer(ep, networks).listed) : [],
    reasons: [], groupMismatches: [], hint: null,
  }
  if (!answer || !input.expected) return record
  const c = compareAnswer(input.expected, answer, networks, input.expectedAsStored)
  Object.assign(record, {
    verdict: c.verdict, unexpanded: c.unexpanded, reasons: c.reasons, groupMismatches: c.groupMismatches,
    missingActive: c.missingActive, extraActive: c.extraActive, missingInactive: c.missingInactive, extraInactive: c.extraInactive,
  })
  if (c.verdict === 'differs' || c.verdict === 'groups-differ') record.hint = reloadHint(input.changes)
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
    const clientIp = callerRelative(a.query) ? (a.callerNodeName ?? a.clientIp) : null
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
      clientIp: callerRelative(first.query) ? (first.callerNodeName ?? first.clientIp) : null,
      groups: [...groups.values()].map((g) => ({
        addresses: g.map(addressLabel), active: g[0].active.length, inactive: g[0].inactive.length, verdict: g[0].verdict,
      })),
    })
  }
  return out.sort((a, b) => naturalCompare(a.object, b.object))
}

/**
 * A check's verdict: its worst answer's kind ('ok' when every answer agrees), 'differs' also when some address
 * did not answer while others did, or (without a database to judge the answers) addresses disagree with each
 * other; 'unreachable' when none answered.
 */
export type CheckVerdict = 'ok' | 'groups-differ' | 'unexpanded' | 'differs' | 'unreachable'

export interface CheckSummary {
  verdict: CheckVerdict
  /** 0 every answer agrees; 1 some differs, is unexpanded, or did not come while others did; 2 no address answered. */
  exitCode: 0 | 1 | 2
  counts: {addresses: number; answering: number; answers: number; agrees: number; groupsDiffer: number; unexpanded: number; differs: number; failed: number}
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
    groupsDiffer: answers.filter((a) => a.verdict === 'groups-differ').length,
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
    ? [`${counts.agrees} agree`, ...(counts.groupsDiffer > 0 ? [`${counts.groupsDiffer} with other group ids`] : []), ...(counts.unexpanded > 0 ? [`${counts.unexpanded} unexpanded`] : []), ...(counts.differs > 0 ? [`${counts.differs} differ`] : [])]
    : ['not compared with the database']
  lines.push(`${plural(counts.answers, 'answer')} from ${counts.answering} of ${plural(counts.addresses, 'address', 'addresses')}: ${parts.join(', ')}${counts.failed > 0 ? `; ${counts.failed} not answered` : ''}`)
  if (down.length > 0) lines.push(`not answering: ${down.map((r) => `${addressLabel(r)} ${r.status}${r.error ? ` (${r.error.message})` : ''}`).join('; ')}`)
  for (const d of disagreements) {
    lines.push(`${d.object}: registry addresses disagree${d.clientIp ? ` (for caller ${d.clientIp})` : ''}: ${d.groups.map((g) => `${g.addresses.join(', ')} ${g.addresses.length === 1 ? 'hands' : 'hand'} out ${g.active} active/${g.inactive} inactive`).join('; ')}`)
  }
  const bad = counts.groupsDiffer + counts.unexpanded + counts.differs + counts.failed > 0 || down.length > 0 || disagreements.length > 0
  if (!bad) {
    lines.push(compared ? 'OK: every registry address hands out what the database says' : 'OK: every registry address hands out the same')
    return {verdict: 'ok', exitCode: 0, counts, lines}
  }
  const why: string[] = []
  if (counts.differs > 0) why.push('a registry hands out something other than the database says')
  if (disagreements.length > 0) why.push('registry addresses disagree with each other')
  if (down.length > 0 || counts.failed > 0) why.push('some address did not answer while another did')
  if (counts.unexpanded > 0) why.push('a registry hands out 0.0.0.0 unexpanded (clients cannot fail over)')
  if (counts.groupsDiffer > 0) why.push('a registry hands out the endpoints with other IDC group ids than the database gives them')
  // The worst kind leads; an address down counts as 'differs'. Addresses that disagree do only when the answers
  // could not be judged: with the database each is, and their verdicts already say how they differ (one
  // registry expands, an old one does not: 'unexpanded', not 'differs').
  const verdict: CheckVerdict = counts.differs > 0 || (!compared && disagreements.length > 0) || down.length > 0 || counts.failed > 0
    ? 'differs'
    : counts.unexpanded > 0 ? 'unexpanded' : 'groups-differ'
  lines.push(`${VERDICT_WORD[verdict]}: ${why.join('; ')}`)
  return {verdict, exitCode: 1, counts, lines}
}

/** The word a check's last line starts with, per verdict. */
export const VERDICT_WORD: Record<CheckVerdict, string> = {
  ok: 'OK', 'groups-differ': 'GROUPS DIFFER', unexpanded: 'UNEXPANDED', differs: 'DIFFERS', unreachable: 'UNREACHABLE',
}
