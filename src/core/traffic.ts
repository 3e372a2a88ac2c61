/**
 * The clients' own record (DESIGN §9), pure: tarsstat's slot rule and table names, the window, mapping a
 * dialled (slave_ip, slave_port) to the object, node and network, and the verdicts on each caller and object.
 * The rows come summed from the stat database (src/stat/); nothing here reads anything.
 *
 * Times are the stat database's wall clock (tarsstat writes local time; NOW() there is the same clock) read
 * as if it were UTC: "naive" milliseconds. No time zone is ever applied, so the jump host's does not matter.
 */
import {parseEndpointDetailed} from './endpoint.js'
import {UserError} from './errors.js'
import {EXIT} from './exit-codes.js'
import {normalizeIp} from './ip.js'
import type {Networks} from './networks.js'
import {nodeAddresses} from './nodes.js'
import {expandHosts} from './resolve.js'
import type {AdapterRow, NodeRow, ServerRow} from './rows.js'
import {naturalCompare} from './text.js'
import {NO_NETWORK} from './names.js'

export const SLOT_MS = 5 * 60_000
/** Rows tarsstat writes from server-side reports, not from a client's calls (§9): left out. */
export const PSEUDO_CALLERS: readonly string[] = ['stat_from_server', 'one_way_client', 'tup_client']
/** The minimum share of a caller's calls going to failing IPs that makes it stuck (below: probing). */
export const STUCK_SHARE = 0.05
export const DEFAULT_STAT_PREFIX = 'tars_stat_'
export const DEFAULT_SINCE = '30m'

// ---------------------------------------------------------------------------------------------------
// Durations and the window

const UNIT_SECONDS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86_400}

/** `90s`, `30m`, `2h`, `1d` → seconds; anything else (a bare number too) is one line asking for a unit. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+)\s*([smhd])\s*$/i.exec(text)
  if (!m) throw new UserError(`${flag} ${JSON.stringify(text)} is not a duration: write a number and a unit, e.g. 90s, 30m, 2h, 1d`, {code: 'invalid_duration', exitCode: EXIT.unknown})
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2].toLowerCase()]
  if (seconds > 400 * 86_400) throw new UserError(`${flag} ${text} is too long: tarsstat keeps 31 days by default; give at most 400d`, {code: 'invalid_duration', exitCode: EXIT.unknown})
  return seconds
}

export interface Window {
  /** Naive ms (the stat database's wall clock). */
  from: number
  to: number
}

/** The window [now − since, now − until], checked: until must be shorter than since. */
export function windowOf(nowMs: number, sinceSeconds: number, untilSeconds: number): Window {
  if (sinceSeconds === 0) throw new UserError('--since 0 is an empty window: give how far back to look, e.g. 30m', {code: 'invalid_window', exitCode: EXIT.unknown})
  if (untilSeconds >= sinceSeconds) throw new UserError(`--until must be less far back than --since (got ${untilSeconds} s and ${sinceSeconds} s): the window would be empty`, {code: 'invalid_window', exitCode: EXIT.unknown})
  return {from: nowMs - sinceSeconds * 1000, to: nowMs - untilSeconds * 1000}
}

/** 'YYYY-MM-DD HH:MM:SS' (the database's NOW()) → naive ms; NaN when it is not that. */
export function parseDbTime(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text)
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN
}

/** Naive ms → 'YYYY-MM-DD HH:MM' (for views and JSON). */
export function formatNaive(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
}

// ---------------------------------------------------------------------------------------------------
// Slots (TarsFramework StatServer::getTimeInfo)

export interface Slot {
  /** Naive ms of the slot's end. */
  end: number
  /** f_date: 'YYYY-MM-DD'. */
  date: string
  /** f_tflag: 'HHMM', the end of the slot, HH00 written as (H-1)60. */
  tflag: string
}

/**
 * The slot that ends at `endMs` (a multiple of 5 minutes), as tarsstat names it: the end, except that the
 * end on the hour is written as minute 60 of the hour before (09:00 → 0860; midnight → the day before's 2360).
 */
export function slotEndingAt(endMs: number): Slot {
  const t = endMs % 3_600_000 === 0 ? endMs - 60_000 : endMs
  const iso = new Date(t).toISOString()
  const minute = iso.slice(14, 16)
  return {end: endMs, date: iso.slice(0, 10), tflag: iso.slice(11, 13) + (minute === '59' ? '60' : minute)}
}

/** (f_date, f_tflag) → the slot's end in naive ms; NaN for a flag tarsstat does not write. */
export function slotEnd(date: string, tflag: string): number {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  const f = /^(\d{2})(\d{2})$/.exec(tflag)
  if (!d || !f || +f[1] > 23 || +f[2] > 60 || +f[2] === 0 || +f[2] % 5 !== 0) return NaN
  return Date.UTC(+d[1], +d[2] - 1, +d[3], +f[1], +f[2])
}

/** Every slot whose 5-minute interval overlaps the window, oldest first. */
export function slotsOverlapping(window: Window): Slot[] {
  const slots: Slot[] = []
  // The first end after `from` (a slot ending exactly at `from` does not overlap it).
  for (let end = Math.floor(window.from / SLOT_MS) * SLOT_MS + SLOT_MS; end - SLOT_MS < window.to; end += SLOT_MS) slots.push(slotEndingAt(end))
  return slots
}

/** tarsstat's CutType: how much of f_tflag the table name carries (0, 2 or 4 characters). */
export type CutType = 'day' | 'hour' | 'minute'
const CUT_CHARS: Record<CutType, number> = {day: 0, hour: 2, minute: 4}

/** The table tarsstat writes `slot` into with that cut: prefix + YYYYMMDD + the first 0/2/4 characters of f_tflag. */
export function statTableName(prefix: string, slot: Slot, cut: CutType): string {
  return prefix + slot.date.replaceAll('-', '') + slot.tflag.slice(0, CUT_CHARS[cut])
}

/** A table's cut type from the length of its name after the prefix; null for a name tarsstat does not make. */
export function cutTypeOf(prefix: string, table: string): CutType | null {
  if (!table.startsWith(prefix)) return null
  const rest = table.slice(prefix.length)
  if (!/^\d+$/.test(rest)) return null
  return rest.length === 8 ? 'day' : rest.length === 10 ? 'hour' : rest.length === 12 ? 'minute' : null
}

/** A table to read and the slots to read from it. */
export interface TablePlan {
  table: string
  slots: Slot[]
}

/**
 * Which of the existing tables hold the window's slots (a slot is looked for in its day, hour and minute
 * table: an installation may have changed its cut type), and the slots no table holds.
 */
export function planTables(prefix: string, window: Window, existing: Iterable<string>): {tables: TablePlan[]; missing: Slot[]; slots: Slot[]} {
  const have = new Set(existing)
  const byTable = new Map<string, Slot[]>()
  const missing: Slot[] = []
  const slots = slotsOverlapping(window)
  for (const slot of slots) {
    let found = false
    for (const cut of ['hour', 'day', 'minute'] as const) {
      const name = statTableName(prefix, slot, cut)
      if (!have.has(name)) continue
      found = true
      const list = byTable.get(name)
      if (list) list.push(slot)
      else byTable.set(name, [slot])
    }
    // A slot that has not ended yet cannot have been written: not missing.
    if (!found && slot.end <= window.to) missing.push(slot)
  }
  return {tables: [...byTable].map(([table, s]) => ({table, slots: s})), missing, slots}
}

/** The columns tarsnet reads from a stat table (a table lacking one is not tarsstat's). */
export const STAT_COLUMNS: readonly string[] = ['f_date', 'f_tflag', 'source_id', 'master_name', 'slave_name', 'slave_ip', 'slave_port', 'succ_count', 'timeout_count', 'exce_count']

// ---------------------------------------------------------------------------------------------------
// Names and the mapping of (slave_ip, slave_port)

/** `App.Server` of a slave_name or master_name (which may carry a set suffix `App.Server.setnameareaid`, or `@version`). */
export function serverOfStatName(name: string): string {
  const bare = name.split('@')[0]
  const parts = bare.split('.')
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : bare
}

/** A summed group of stat rows: one slot, caller, callee server and dialled endpoint, over every source_id, interface and return value. */
export interface StatSum {
  /** Naive ms of the slot's end. */
  end: number
  master: string
  slave: string
  ip: string
  port: number
  ok: number
  timeouts: number
  exceptions: number
}

export interface Counts {
  calls: number
  ok: number
  timeouts: number
  exceptions: number
}

export interface Target {
  object: string
  /** `App.Server` of the adapter the endpoint belongs to. */
  server: string
  node: string
}

export interface Place {
  node: string | null
  network: string | null
}

export interface EndpointMap {
  /** The object served at (ip, port): the adapter of slave_name's server when several match. */
  target(ip: string, port: number, slaveServer: string): Target | null
  /** The node holding an IP and the network the IP is on. */
  place(ip: string): Place
  /** A caller's language: t_server_conf.server_type of its App.Server, or null. */
  language(caller: string): string | null
  /** Every object and its App.Server (for choosing which to read). */
  objects: Map<string, string>
  /** Objects by node: how many networks an object's nodes have (traffic-one-network). */
  networksOfObject(object: string): string[]
}

/**
 * The map from what a client dialled to what it called: every adapter's endpoint, its host expanded as the
 * registry expands it (0.0.0.0 → each of its node's IPs, core/resolve expandHosts), keyed by ip:port.
 */
export function buildEndpointMap(rows: {nodes: NodeRow[]; servers: ServerRow[]; adapters: AdapterRow[]}, networks: Networks): EndpointMap {
  const nodeIps = new Map<string, readonly string[]>()
  const ipNode = new Map<string, string>()
  for (const n of rows.nodes) {
    const ips = nodeAddresses(n).ips
    nodeIps.set(n.nodeName.trim(), ips)
    for (const ip of ips) if (!ipNode.has(ip)) ipNode.set(ip, n.nodeName.trim())
  }
  const byEndpoint = new Map<string, Target[]>()
  const objects = new Map<string, string>()
  const objectNodes = new Map<string, Set<string>>()
  for (const a of rows.adapters) {
    if (a.servant === '') continue
    const server = `${a.application}.${a.serverName}`
    objects.set(a.servant, server)
    let parsed
    try {
      parsed = parseEndpointDetailed(a.endpoint)
    } catch {
      continue
    }
    const node = a.nodeName.trim()
    let set = objectNodes.get(a.servant)
    if (!set) objectNodes.set(a.servant, (set = new Set()))
    set.add(node)
    const {hosts} = expandHosts(parsed.hostText, parsed.endpoint.host, nodeIps.get(node) ?? [])
    for (const host of hosts) {
      const key = `${normalizeIp(host) ?? host}:${parsed.endpoint.port}`
      const list = byEndpoint.get(key)
      const t = {object: a.servant, server, node}
      if (list) list.push(t)
      else byEndpoint.set(key, [t])
    }
  }
  const languages = new Map<string, string>()
  for (const s of rows.servers) if (s.serverType) languages.set(`${s.application}.${s.serverName}`.toLowerCase(), s.serverType)
  return {
    objects,
    target(ip, port, slaveServer) {
      const list = byEndpoint.get(`${normalizeIp(ip) ?? ip}:${port}`)
      if (!list) return null
      const want = slaveServer.toLowerCase()
      return list.find((t) => t.server.toLowerCase() === want) ?? list[0]
    },
    place(ip) {
      const canonical = normalizeIp(ip)
      if (canonical === null) return {node: null, network: null}
      return {node: ipNode.get(canonical) ?? null, network: networks.classify(canonical)}
    },
    language(caller) {
      return languages.get(serverOfStatName(caller).toLowerCase()) ?? null
    },
    networksOfObject(object) {
      const nets = new Set<string>()
      for (const node of objectNodes.get(object) ?? []) {
        for (const ip of nodeIps.get(node) ?? []) {
          const net = networks.classify(ip)
          if (net !== null) nets.add(net)
        }
      }
      return [...nets].sort()
    },
  }
}

// ---------------------------------------------------------------------------------------------------
// Counting


export function zero(): Counts {
  return {calls: 0, ok: 0, timeouts: 0, exceptions: 0}
}

function add(to: Counts, s: {ok: number; timeouts: number; exceptions: number}): void {
  to.ok += s.ok
  to.timeouts += s.timeouts
  to.exceptions += s.exceptions
  to.calls += s.ok + s.timeouts + s.exceptions
}

const failed = (c: Counts) => c.timeouts + c.exceptions
const ratio = (c: Counts) => (c.calls === 0 ? 0 : Math.round((failed(c) / c.calls) * 10_000) / 10_000)

export type NetworkCounts = Counts & {network: string; failureRatio: number}

function networkList(map: Map<string, Counts>): NetworkCounts[] {
  return [...map].sort(([a], [b]) => naturalCompare(a, b)).map(([network, c]) => ({network, ...c, failureRatio: ratio(c)}))
}

function bump<K>(map: Map<K, Counts>, key: K, s: StatSum): Counts {
  let c = map.get(key)
  if (!c) map.set(key, (c = zero()))
  add(c, s)
  return c
}

// ---------------------------------------------------------------------------------------------------
// Caller rates (what `failover` weighs)

export interface CallerRate extends Counts {
  object: string
  /** The caller's master_name: App.Server (+ set). */
  caller: string
  /** t_server_conf.server_type of the caller, or null when it is not in db_tars. */
  language: string | null
  /** calls / the seconds of the slots read (each slot 300 s). */
  callsPerSecond: number
}

/** Per (object, caller): its calls over the slots read. Unmapped endpoints and pseudo callers are left out. */
export function callerRates(sums: StatSum[], map: EndpointMap, slotsRead: number): CallerRate[] {
  const by = new Map<string, {object: string; caller: string; c: Counts}>()
  for (const s of sums) {
    if (PSEUDO_CALLERS.includes(s.master)) continue
    const t = map.target(s.ip, s.port, serverOfStatName(s.slave))
    if (!t) continue
    const key = `${t.object}\u0000${s.master}`
    let e = by.get(key)
    if (!e) by.set(key, (e = {object: t.object, caller: s.master, c: zero()}))
    add(e.c, s)
  }
  const seconds = Math.max(1, slotsRead) * (SLOT_MS / 1000)
  return [...by.values()]
    .sort((a, b) => naturalCompare(a.object, b.object) || naturalCompare(a.caller, b.caller))
    .map((e) => ({object: e.object, caller: e.caller, language: map.language(e.caller), ...e.c, callsPerSecond: Math.round((e.c.calls / seconds) * 1000) / 1000}))
}

// ---------------------------------------------------------------------------------------------------
// Verdicts

export type CallerVerdict = 'ok' | 'failed-over' | 'stuck' | 'failing'
export type TrafficVerdict = 'ok' | 'degraded' | 'outage'

export interface CallerReport {
  caller: string
  language: string | null
  verdict: CallerVerdict
  /** Over the window. */
  networks: NetworkCounts[]
  /** The caller's last slot with calls to the object: what the verdict judges. */
  lastSlot: {end: string; networks: NetworkCounts[]}
  /**
   * IPs where most of its calls failed: for `stuck`, those it still calls in its last slot; for
   * `failed-over`, those it left.
   */
  deadIps: string[]
  /** Failing IPs it still calls with less than 5 % of its calls in the last slot (retries, not stuck). */
  probingIps: string[]
  /** The share of its last slot's calls that went to IPs where most of its calls failed (0 to 1). */
  deadShare: number
  /** What this caller's language cannot show in the record (§9). */
  note: string | null
}

export interface ObjectTraffic {
  object: string
  server: string
  networks: NetworkCounts[]
  slots: Array<Counts & {end: string; network: string}>
  endpoints: Array<Counts & {node: string; network: string; ip: string; port: number}>
  callers: CallerReport[]
  verdict: TrafficVerdict
  /** Last slot of the object's traffic. */
  lastSlot: string
  /** The networks the object's nodes have: traffic on one of two is a finding. */
  nodeNetworks: string[]
}

export interface UnknownTraffic extends Counts {
  slaveName: string
  ip: string
  port: number
  node: string | null
  network: string | null
  callers: string[]
}

export interface TrafficSummary {
  objects: ObjectTraffic[]
  unknown: UnknownTraffic[]
  verdict: TrafficVerdict
  exitCode: 0 | 1 | 2
}

/** The language notes of §9: what a caller of that server_type leaves out of the record. */
export function languageNote(language: string | null): string | null {
  switch (language) {
    case 'tars_java': return 'Java clients count calls to an IP they cannot connect to nowhere: a dead IP may look idle'
    case 'tars_go': return 'Go clients count a timeout as an exception'
    case 'tars_nodejs': return 'Node clients report only with TARS_MONITOR set'
    default: return null
  }
}

interface CallerSeries {
  caller: string
  /** slot end → ip → counts (+ the ip's network). */
  slots: Map<number, Map<string, Counts>>
  networks: Map<string, Counts>
}

/**
 * Judges one caller of one object from its slots (§5: clients move later calls, never retry elsewhere):
 * - failing: in its last slot, most calls fail on every network it uses;
 * - stuck: in its last slot, ≥ 5 % of its calls still go to IPs where most of its calls fail;
 * - failed-over: calls to some IP failed earlier and in the last slot that IP gets < 5 % of its calls
 *   (stopped, or retries), while its other calls are answered (per IP: one node's side of y can die while
 *   y carries on);
 * - ok otherwise.
 */
export function judgeCaller(series: CallerSeries, networkOf: (ip: string) => string, language: string | null): CallerReport {
  const ends = [...series.slots.keys()].sort((a, b) => a - b)
  const lastEnd = ends.at(-1)!
  const last = series.slots.get(lastEnd)!
  const lastNets = new Map<string, Counts>()
  const total = zero()
  for (const [ip, c] of last) {
    add(total, c)
    const net = networkOf(ip)
    if (!lastNets.has(net)) lastNets.set(net, zero())
    add(lastNets.get(net)!, c)
  }
  const failingIps = [...last].filter(([, c]) => c.calls > 0 && failed(c) * 2 > c.calls)
  const failingShare = failingIps.reduce((n, [, c]) => n + c.calls, 0) / Math.max(1, total.calls)
  const everyNetworkFails = total.calls > 0 && [...lastNets.values()].every((c) => failed(c) * 2 > c.calls)
  let verdict: CallerVerdict = 'ok'
  let deadIps: string[] = []
  let probingIps: string[] = []
  if (everyNetworkFails) {
    verdict = 'failing'
    deadIps = failingIps.map(([ip]) => ip)
  } else if (failingIps.length > 0 && failingShare >= STUCK_SHARE) {
    verdict = 'stuck'
    deadIps = failingIps.map(([ip]) => ip)
  } else {
    probingIps = failingIps.map(([ip]) => ip)
    // IPs that failed earlier and now get (almost) nothing, while other IPs answer. Per IP, not per network:
    // one node's NIC on y can die while y itself carries on.
    const left = new Set<string>()
    for (const end of ends.slice(0, -1)) {
      for (const [ip, c] of series.slots.get(end)!) {
        if (failed(c) > 0 && (last.get(ip)?.calls ?? 0) < STUCK_SHARE * total.calls) left.add(ip)
      }
    }
    const answered = [...lastNets.values()].some((c) => c.ok > 0)
    if (left.size > 0 && answered) {
      verdict = 'failed-over'
      deadIps = [...left]
    }
  }
  const sortIps = (ips: string[]) => [...new Set(ips)].sort(naturalCompare)
  return {
    caller: series.caller,
    language,
    verdict,
    networks: networkList(series.networks),
    lastSlot: {end: formatNaive(lastEnd), networks: networkList(lastNets)},
    deadIps: sortIps(deadIps),
    probingIps: sortIps(probingIps),
    deadShare: Math.round(failingShare * 10_000) / 10_000,
    note: languageNote(language),
  }
}

/**
 * Everything `tarsnet traffic` says, from the summed rows: per object its networks, slots, endpoints and
 * callers; traffic to endpoints no adapter has under `unknown`; the verdict (0 no failed call in the last
 * slot; 1 failures but every caller still has answered calls; 2 a caller whose calls all failed).
 */
export function summarizeTraffic(sums: StatSum[], map: EndpointMap, options: {objects?: (object: string) => boolean} = {}): TrafficSummary {
  interface Acc {
    object: string
    server: string
    networks: Map<string, Counts>
    slots: Map<string, Counts & {end: number; network: string}>
    endpoints: Map<string, Counts & {node: string; network: string; ip: string; port: number}>
    callers: Map<string, CallerSeries>
    lastEnd: number
  }
  const objects = new Map<string, Acc>()
  const unknown = new Map<string, UnknownTraffic & {callerSet: Set<string>}>()
  const networkOf = (ip: string) => map.place(ip).network ?? NO_NETWORK
  for (const s of sums) {
    if (PSEUDO_CALLERS.includes(s.master)) continue
    const t = map.target(s.ip, s.port, serverOfStatName(s.slave))
    if (!t) {
      const key = `${s.slave}\u0000${s.ip}\u0000${s.port}`
      let u = unknown.get(key)
      if (!u) {
        const place = map.place(s.ip)
        unknown.set(key, (u = {slaveName: s.slave, ip: s.ip, port: s.port, node: place.node, network: place.network, ...zero(), callers: [], callerSet: new Set()}))
      }
      add(u, s)
      u.callerSet.add(s.master)
      continue
    }
    if (options.objects && !options.objects(t.object)) continue
    let o = objects.get(t.object)
    if (!o) objects.set(t.object, (o = {object: t.object, server: t.server, networks: new Map(), slots: new Map(), endpoints: new Map(), callers: new Map(), lastEnd: 0}))
    const place = map.place(s.ip)
    const network = place.network ?? NO_NETWORK
    o.lastEnd = Math.max(o.lastEnd, s.end)
    bump(o.networks, network, s)
    const slotKey = `${s.end}\u0000${network}`
    if (!o.slots.has(slotKey)) o.slots.set(slotKey, {end: s.end, network, ...zero()})
    add(o.slots.get(slotKey)!, s)
    const epKey = `${s.ip}:${s.port}`
    if (!o.endpoints.has(epKey)) o.endpoints.set(epKey, {node: place.node ?? t.node, network, ip: s.ip, port: s.port, ...zero()})
    add(o.endpoints.get(epKey)!, s)
    let c = o.callers.get(s.master)
    if (!c) o.callers.set(s.master, (c = {caller: s.master, slots: new Map(), networks: new Map()}))
    bump(c.networks, network, s)
    let slot = c.slots.get(s.end)
    if (!slot) c.slots.set(s.end, (slot = new Map()))
    bump(slot, s.ip, s)
  }
  const out: ObjectTraffic[] = [...objects.values()].sort((a, b) => naturalCompare(a.object, b.object)).map((o) => {
    const callers = [...o.callers.values()].sort((a, b) => naturalCompare(a.caller, b.caller)).map((c) => judgeCaller(c, networkOf, map.language(c.caller)))
    return {
      object: o.object,
      server: o.server,
      networks: networkList(o.networks),
      slots: [...o.slots.values()].sort((a, b) => a.end - b.end || naturalCompare(a.network, b.network)).map(({end, network, ...c}) => ({end: formatNaive(end), network, ...c})),
      endpoints: [...o.endpoints.values()].sort((a, b) => naturalCompare(a.node, b.node) || naturalCompare(a.network, b.network) || a.port - b.port),
      callers,
      verdict: verdictOf(callers),
      lastSlot: formatNaive(o.lastEnd),
      nodeNetworks: map.networksOfObject(o.object),
    }
  })
  const verdict = worst(out.map((o) => o.verdict))
  return {
    objects: out,
    unknown: [...unknown.values()].sort((a, b) => naturalCompare(a.slaveName, b.slaveName) || naturalCompare(a.ip, b.ip) || a.port - b.port).map(({callerSet, ...u}) => ({...u, callers: [...callerSet].sort(naturalCompare)})),
    verdict,
    exitCode: verdict === 'ok' ? 0 : verdict === 'degraded' ? 1 : 2,
  }
}

/** outage: a caller none of whose calls were answered in its last slot; degraded: failed calls in a last slot; else ok. */
function verdictOf(callers: CallerReport[]): TrafficVerdict {
  let verdict: TrafficVerdict = 'ok'
  for (const c of callers) {
    const last = c.lastSlot.networks.reduce((t, n) => (add(t, n), t), zero())
    if (last.calls > 0 && last.ok === 0) return 'outage'
    if (failed(last) > 0) verdict = 'degraded'
  }
  return verdict
}

function worst(list: TrafficVerdict[]): TrafficVerdict {
  return list.includes('outage') ? 'outage' : list.includes('degraded') ? 'degraded' : 'ok'
}

// ---------------------------------------------------------------------------------------------------
// Findings for `check --traffic`

export interface TrafficFinding {
  code: 'clients-stuck' | 'clients-failing' | 'traffic-one-network'
  object: string
  message: string
  /** Nodes of the dead IPs (stuck, failing). */
  nodes: string[]
  network?: string
  ip?: string
}

/** What the record says that `check` reports: stuck and failing callers, and objects used on one network of several. */
export function trafficFindings(summary: TrafficSummary): TrafficFinding[] {
  const out: TrafficFinding[] = []
  for (const o of summary.objects) {
    const nodeOf = new Map(o.endpoints.map((e) => [e.ip, e.node]))
    for (const c of o.callers) {
      if (c.verdict !== 'stuck' && c.verdict !== 'failing') continue
      const who = `${c.caller}${c.language ? ` (${c.language})` : ''}`
      const nodes = [...new Set(c.deadIps.map((ip) => nodeOf.get(ip)).filter((n): n is string => n !== undefined))]
      const message = c.verdict === 'stuck'
        ? `${who} still sends ${Math.round(c.deadShare * 100)} % of its calls to ${c.deadIps.join(', ')}, where most fail (slot ending ${c.lastSlot.end})`
        : `${who}: most of its calls fail on every network it uses (slot ending ${c.lastSlot.end}: ${c.lastSlot.networks.map((n) => `${n.network} ${n.ok}/${n.calls} answered`).join(', ')})`
      out.push({code: c.verdict === 'stuck' ? 'clients-stuck' : 'clients-failing', object: o.object, message, nodes, ...(c.deadIps[0] ? {ip: c.deadIps[0]} : {})})
    }
    const used = o.networks.filter((n) => n.calls > 0 && n.network !== NO_NETWORK).map((n) => n.network)
    if (used.length === 1 && o.nodeNetworks.length >= 2) {
      out.push({code: 'traffic-one-network', object: o.object, network: used[0], nodes: [], message: `every call to ${o.object} in the window went to ${used[0]}, though its nodes have ${o.nodeNetworks.join(' and ')}`})
    }
  }
  return out
}
