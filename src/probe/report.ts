/**
 * From probe results to what the operator reads (pure): the JSON result, per-network summary, the
 * verdict with its exit code (monitoring-plugin convention, docs/design.md §6), and the matrix model.
 */
import type {ProbeResult, ProbeStatus} from './engine.js'
import type {PlanRow, ProbePlan} from './plan.js'
import {describeTarsRet} from '../tars/ping.js'
import {summariseVerdicts} from '../core/verdict-summary.js'
import {lossPercent, lossRatio, SAMPLE_LATENCIES, slowLinks, SLOW_FACTOR, SLOW_MIN_MS, type LatencyStats, type WithSampleLatencies} from '../core/link-samples.js'
import {NO_NETWORK} from '../core/names.js'
import {EXIT, type ExitCode} from '../core/exit-codes.js'

/** A link that connected: up, or lossy (some samples lost). */
export const connected = (r: Pick<JsonResult, 'status'>): boolean => r.status === 'up' || r.status === 'lossy'

export type Verdict = 'ok' | 'degraded' | 'service' | 'outage'

/**
 * A verdict's exit code: SERVICE (a node that answers, but not as the servant asked for) is reachable, so
 * not an outage; yet no client gets its service there, so it is degraded.
 */
const VERDICT_EXIT: Record<Verdict, ExitCode> = {ok: EXIT.ok, degraded: EXIT.degraded, service: EXIT.degraded, outage: EXIT.outage}

/** Errors that prove the node answered on that port: the network is fine, the service is not. */
const SERVICE_ERRORS: Record<string, string> = {
  ETARSNOREPLY: 'but gives no tars reply',
  ETARSDECODE: 'but not in tars',
  ETARSCLOSED: 'but closes without a tars reply',
  ETARSREQID: 'but with a wrong tars reply',
  // A connection reset after it was accepted (a reset during the handshake is ECONNREFUSED).
  ECONNRESET: 'but resets the connection without a tars reply',
}

/**
 * When a result that is not up still shows the port answering (a tars_ping answered with an error code,
 * bytes that are not tars, a connection accepted and never answered), what it answered: "but for
 * another servant (-4)". Null for a link that is down (refused, timeout, unreachable…).
 */
export function wrongService(r: Pick<JsonResult, 'status' | 'tarsRet' | 'error'>): string | null {
  if (r.status === 'up' || r.status === 'lossy') return null
  if (r.tarsRet !== null && r.tarsRet !== 0) return r.tarsRet === -4 ? 'but for another servant (-4)' : `but with ${describeTarsRet(r.tarsRet)} (${r.tarsRet})`
  if (r.status === 'error' && r.error) return SERVICE_ERRORS[r.error.code] ?? null
  return null
}

/** The key used for "in no named network" in JSON maps and matrix headings. */
export {NO_NETWORK} from '../core/names.js'

export interface JsonResult extends WithSampleLatencies {
  node: string
  network: string | null
  host: string
  port: number
  check: 'tcp' | 'tars'
  status: ProbeStatus
  latencyMs: number | null
  sourceIp: string | null
  error: {code: string; message: string} | null
  tarsRet: number | null
  /**
   * tars checks that answered 0: true when the port also answered -4 for a servant that cannot exist (it
   * checks names, so the servant asked for is there), false when it answered that one too (Tars.js does)
   * or gave no clear answer. null otherwise (tcp checks, failed pings).
   */
  servantVerified: boolean | null
  /** The matrix row (node, or node :port for an object). */
  row: string
  /** False for an object's inactive endpoints. */
  active: boolean
  /** Every port tried on this IP. */
  ports: number[]
  attempts: number
  /** Measurements of this link (--samples), those that did not connect, and lost / samples (0–1). */
  samples: number
  lost: number
  loss: number
  /** Over the samples that connected, ms; null when none did. latencyMs is its p50. */
  latency: LatencyStats | null
  /** p50 at least 5× the network's median and at least 20 ms (said, not counted in the verdict). */
  slow: boolean
}

export interface RowVerdict {
  row: string
  node: string
  active: boolean
  /** Networks on which this row is up / down (not answering) / answering, but not as the servant asked for. */
  upOn: Array<string | null>
  downOn: Array<string | null>
  serviceOn: Array<string | null>
  /** Networks on which this row connects, but loses some samples (a gray failure). */
  lossyOn: Array<string | null>
  /** 'service': up on no network, but answering (for another servant, not tars…) on some: reachable. */
  state: 'up' | 'degraded' | 'service' | 'unreachable' | 'nothing'
}

export interface ProbeSummary {
  /** Per network: links (matrix) or active endpoints (object) up (lossy ones too: they connect), out of those probed; lossy: how many lost samples. */
  networks: Record<string, {up: number; total: number; lossy?: number}>
  /** Nodes with a link down but up on some network (node names, also for an object). */
  degraded: string[]
  /** Nodes up on no network (for an object: a node with an endpoint up on no network). */
  unreachable: string[]
  /** Nodes up on no network that still answer on some (for another servant, not tars, no tars reply). */
  service: string[]
  /** For an object only: its degraded / unreachable endpoints, as matrix row keys (node, or node:port). */
  degradedEndpoints?: string[]
  unreachableEndpoints?: string[]
  serviceEndpoints?: string[]
  /** Rows with nothing to probe (no IP, no port): shown, never counted as down. */
  nothingToProbe: string[]
}

export interface ProbeReport {
  object: string | null
  results: JsonResult[]
  summary: ProbeSummary
  verdict: Verdict
  /** Verdict lines: "DEGRADED: n3 reachable only on y", "OUTAGE: n7 unreachable on every network". */
  lines: string[]
  rows: RowVerdict[]
  exitCode: number
}

const netName = (n: string | null): string => n ?? NO_NETWORK

/** Builds the report; `results` are in plan target order. */
export function buildReport(plan: ProbePlan, results: readonly ProbeResult[]): ProbeReport {
  const json: JsonResult[] = results.map((r, i) => {
    const t = plan.targets[i]
    // One sample (the default): its latency is every percentile; no per-link arrays for 10,000 links.
    const samples = r.sampled ? r.sampled.samples : 1
    const lost = r.sampled ? r.sampled.lost : r.status === 'up' ? 0 : 1
    const l = r.latencyMs
    const latency = r.sampled ? r.sampled.latency : r.status === 'up' && l !== null ? {min: l, p50: l, p90: l, max: l} : null
    return {
      node: r.node, network: r.network, host: r.host, port: r.port, check: r.check, status: r.status,
      latencyMs: r.latencyMs, sourceIp: r.sourceIp, error: r.error, tarsRet: r.tarsRet, servantVerified: r.servantVerified,
      row: t.row, active: t.active, ports: t.ports, attempts: r.attempts,
      samples, lost, loss: lossRatio(lost, samples), latency, slow: false,
      ...(r.sampled ? {[SAMPLE_LATENCIES]: r.sampled.latencies} : {}),
    }
  })
  const slow = slowLinks(json.filter((r) => r.active && connected(r)), (r) => netName(r.network), (r) => r.latency?.p50 ?? null)
  for (const x of slow) x.link.slow = true

  // Inactive endpoints are listed in results (active: false) but are not handed to clients: not counted.
  const networks: ProbeSummary['networks'] = {}
  for (const c of plan.columns) networks[netName(c)] = {up: 0, total: 0}
  for (const r of json) {
    if (!r.active) continue
    const k = netName(r.network)
    networks[k] ??= {up: 0, total: 0}
    networks[k].total++
    if (connected(r)) networks[k].up++
    if (r.status === 'lossy') networks[k].lossy = (networks[k].lossy ?? 0) + 1
  }

  const byRow = new Map<string, JsonResult[]>()
  for (const r of json) {
    const list = byRow.get(r.row)
    if (list) list.push(r)
    else byRow.set(r.row, [r])
  }
  // The verdict counts active rows; inactive endpoints are shown but are not handed to clients.
  const rows: RowVerdict[] = plan.rows.map((row: PlanRow) => {
    const rs = byRow.get(row.key) ?? []
    const upOn = unique(rs.filter(connected).map((r) => r.network))
    const lossyOn = unique(rs.filter((r) => r.status === 'lossy').map((r) => r.network))
    const serviceOn = unique(rs.filter((r) => wrongService(r) !== null).map((r) => r.network)).filter((n) => !upOn.includes(n))
    const downOn = unique(rs.filter((r) => !connected(r) && wrongService(r) === null).map((r) => r.network)).filter((n) => !upOn.includes(n) && !serviceOn.includes(n))
    const state: RowVerdict['state'] = rs.length === 0
      ? 'nothing'
      : upOn.length > 0 ? (downOn.length + serviceOn.length > 0 || rs.some((r) => r.status !== 'up') ? 'degraded' : 'up')
        : serviceOn.length > 0 ? 'service' : 'unreachable'
    return {row: row.key, node: row.node, active: row.active, upOn, downOn, serviceOn, lossyOn, state}
  })
  const counted = rows.filter((r) => r.active)
  const degraded = counted.filter((r) => r.state === 'degraded')
  const unreachable = counted.filter((r) => r.state === 'unreachable')
  const service = counted.filter((r) => r.state === 'service')
  // An object with no active endpoint: every client call fails, whatever the inactive ones answer.
  const noActive = plan.mode === 'object' && counted.length === 0
  const verdict: Verdict = noActive || unreachable.length > 0 ? 'outage' : service.length > 0 ? 'service' : degraded.length > 0 ? 'degraded' : 'ok'

  // What a row's port answered, per network: "but for another servant (-4)".
  const answersOf = (r: RowVerdict): string => {
    const rs = byRow.get(r.row) ?? []
    const byWhat = new Map<string, Array<string | null>>()
    for (const n of r.serviceOn) {
      const what = unique(rs.filter((x) => x.network === n).map(wrongService).filter((w): w is string => w !== null)).join(' and ')
      byWhat.set(what, [...(byWhat.get(what) ?? []), n])
    }
    return [...byWhat].map(([what, nets]) => `answers on ${andList(nets.map(netName))}, ${what}`).join('; ')
  }
  const lines: string[] = []
  if (noActive) {
    const inactive = rows.length
    lines.push(`OUTAGE: the registry hands clients no active endpoint of ${plan.object ?? 'this object'}${inactive > 0 ? ` (${inactive} inactive ${inactive === 1 ? 'endpoint' : 'endpoints'} shown, not counted)` : ''}`)
  }
  for (const r of unreachable) lines.push(`OUTAGE: ${r.row} unreachable on every network`)
  for (const r of service) lines.push(`SERVICE: ${r.row} ${answersOf(r)}${r.downOn.length > 0 ? `; down on ${r.downOn.map(netName).join(', ')}` : ''}`)
  // A row whose only trouble is loss is said by the gray-failure lines below, not as "reachable only on".
  const hardTrouble = (r: RowVerdict): boolean => r.downOn.length + r.serviceOn.length > 0 || (byRow.get(r.row) ?? []).some((x) => !connected(x))
  for (const r of degraded) {
    if (!hardTrouble(r)) continue
    const up = r.upOn.map(netName).join(', ')
    const down = r.downOn.length > 0 || r.serviceOn.length === 0 ? `down on ${r.downOn.map(netName).join(', ') || 'another IP of the same network'}` : ''
    const answers = r.serviceOn.length > 0 ? answersOf(r) : ''
    lines.push(`DEGRADED: ${r.row} reachable only on ${up} (${[down, answers].filter(Boolean).join('; ')})`)
  }
  lines.push(...grayLines(json.filter((r) => r.active && r.status === 'lossy'), json.filter((r) => r.active)))
  // OK only when every counted row that was probed is up (rows with nothing to probe are neither).
  const probed = counted.filter((r) => r.state !== 'nothing')
  if (lines.length === 0 && probed.length > 0 && probed.every((r) => r.state === 'up')) {
    const what = plan.mode === 'object' ? (counted.length < rows.length ? 'active endpoint' : 'endpoint') : 'link'
    lines.push(`OK: every ${what} up`)
  } else if (lines.length === 0 && json.length > 0 && probed.length === 0) {
    lines.push(`NOT PROBED: no active ${plan.mode === 'object' ? 'endpoint' : 'node'} had anything to probe`)
  }
  // Slow links are said; by themselves they change nothing in the verdict.
  for (const x of slow.slice(0, GRAY_LINE_LIMIT)) {
    lines.push(`SLOW: ${x.link.row} on ${netName(x.link.network)} (${x.link.host}): p50 ${formatLatency(x.p50)}, ${Math.round(x.p50 / Math.max(x.networkMedian, 0.001))}× the network's median ${formatLatency(x.networkMedian)} (≥ ${SLOW_FACTOR}× and ≥ ${SLOW_MIN_MS} ms)`)
  }
  if (slow.length > GRAY_LINE_LIMIT) lines.push(`SLOW: … and ${slow.length - GRAY_LINE_LIMIT} more slow links`)

  // Thousands of rows down (a switch) would be thousands of lines: past a limit, the fewest that explain them.
  const summarised = summariseVerdicts({
    lines,
    links: json.filter((r) => r.active).map((r) => ({network: r.network, host: r.host, row: r.row, down: r.status !== 'up' && wrongService(r) === null, status: r.status === 'error' ? (r.error?.code ?? 'error') : r.status})),
    counts: {outage: unreachable.length, service: service.length, degraded: degraded.filter(hardTrouble).length},
    noun: plan.mode === 'object' ? 'endpoint' : 'node',
  })

  const nodesOf = (rs: RowVerdict[], except: Set<string> = new Set()) => unique(rs.map((r) => r.node)).filter((n) => !except.has(n))
  const unreachableNodes = nodesOf(unreachable)
  const serviceNodes = nodesOf(service, new Set(unreachableNodes))
  const summary: ProbeSummary = {
    networks,
    // A node with one endpoint unreachable and another degraded is listed as unreachable only.
    degraded: nodesOf(degraded, new Set([...unreachableNodes, ...serviceNodes])),
    unreachable: unreachableNodes,
    service: serviceNodes,
    nothingToProbe: rows.filter((r) => r.state === 'nothing').map((r) => r.row),
  }
  if (plan.mode === 'object') {
    summary.degradedEndpoints = degraded.map((r) => r.row)
    summary.unreachableEndpoints = unreachable.map((r) => r.row)
    summary.serviceEndpoints = service.map((r) => r.row)
  }

  return {
    object: plan.object,
    results: json,
    summary,
    verdict,
    lines: summarised,
    rows,
    exitCode: VERDICT_EXIT[verdict],
  }
}

/** Gray-failure lines at most (one per lossy node × network), then "… and N more". */
const GRAY_LINE_LIMIT = 10

/**
 * The lossy links, said as their likely cause: a network lossy on every link (at least 3) is the network
 * (or this host's side of it); otherwise each lossy link is that node's side of that network.
 */
function grayLines(lossy: readonly JsonResult[], active: readonly JsonResult[]): string[] {
  if (lossy.length === 0) return []
  const lines: string[] = []
  const byNet = new Map<string, JsonResult[]>()
  for (const r of lossy) byNet.set(netName(r.network), [...(byNet.get(netName(r.network)) ?? []), r])
  const single: JsonResult[] = []
  for (const [net, rs] of byNet) {
    const all = active.filter((r) => netName(r.network) === net && connected(r))
    if (rs.length >= 3 && rs.length === all.length) {
      const lost = rs.reduce((n, r) => n + r.lost, 0)
      const samples = rs.reduce((n, r) => n + r.samples, 0)
      lines.push(`LOSSY: network ${net} (or this host's side of it) loses ~${lossPercent(lost / samples)} of packets on every one of its ${rs.length} links (intermittent)`)
    } else single.push(...rs)
  }
  for (const r of single.slice(0, GRAY_LINE_LIMIT)) {
    lines.push(`LOSSY: ${r.row}'s side of network ${netName(r.network)} loses ~${lossPercent(r.loss)} of packets (intermittent: ${r.lost} of ${r.samples} samples lost to ${r.host})`)
  }
  if (single.length > GRAY_LINE_LIMIT) lines.push(`LOSSY: … and ${single.length - GRAY_LINE_LIMIT} more lossy links`)
  return lines
}

/** "x", "x and y", "x, y and z". */
function andList(xs: string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)]
}

export interface CellGlyphs {
  ok: string
  bad: string
}

export const UNICODE_GLYPHS: CellGlyphs = {ok: '✔', bad: '✘'}
export const ASCII_GLYPHS: CellGlyphs = {ok: 'OK', bad: 'X'}

/** A latency for people: 0.4 ms, 12 ms. */
export function formatLatency(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

/** One cell's text, e.g. "✔ 0.4 ms", "✔ 0.4 ms, servant not verified", "✘ timeout", "✘ other servant (-4)". */
export function cellText(r: Pick<JsonResult, 'status' | 'latencyMs' | 'tarsRet' | 'error' | 'port' | 'ports'> & {servantVerified?: boolean | null; loss?: number}, glyphs: CellGlyphs): string {
  const via = r.ports.length > 1 ? ` :${r.port}` : ''
  if (r.status === 'up' || r.status === 'lossy') {
    const lossy = r.status === 'lossy' && r.loss !== undefined ? `, ${lossPercent(r.loss).replace(' ', '')} lost` : ''
    const up = `${glyphs.ok} ${r.latencyMs === null ? '' : formatLatency(r.latencyMs)}${via}${lossy}`.trimEnd()
    return r.servantVerified === false ? `${up}, ${SERVANT_NOT_VERIFIED}` : up
  }
  if (r.tarsRet !== null && r.tarsRet !== 0) return `${glyphs.bad} ${r.tarsRet === -4 ? 'other servant' : describeTarsRet(r.tarsRet)} (${r.tarsRet})`
  if (r.status === 'error') return `${glyphs.bad} ${ERROR_WORDS[r.error?.code ?? ''] ?? r.error?.code ?? 'error'}`
  return `${glyphs.bad} ${r.status}`
}

export const SERVANT_NOT_VERIFIED = 'servant not verified'

/**
 * The one line explaining "servant not verified", or null when no result needs it. Said once under the
 * matrix: the cells only carry the words.
 */
export function servantExplanation(results: ReadonlyArray<Pick<JsonResult, 'servantVerified'>>): string | null {
  const n = results.filter((r) => r.servantVerified === false).length
  if (n === 0) return null
  return `${SERVANT_NOT_VERIFIED} (${n} ${n === 1 ? 'link' : 'links'}): the port answered tars_ping for the expected servant and also for a servant name that cannot exist, as Tars.js (@tars/rpc) servers do; something speaking Tars listens there, but not necessarily that servant. Servers that check names (TarsCpp, TarsGo, TarsJava) answer -4 to the second ping.`
}

/** Short cell words for the errors people meet most. */
const ERROR_WORDS: Record<string, string> = {
  ETARSNOREPLY: 'no tars reply',
  ETARSCLOSED: 'closed, no reply',
  ETARSDECODE: 'not tars',
  ETARSREQID: 'wrong tars reply',
  EADDRNOTAVAIL: 'bad source address',
  EACCES: 'not permitted',
  EPERM: 'not permitted',
}

export interface MatrixCell {
  text: string
  /** 'up', 'lossy' (connects, loses some samples), 'down', 'idle' (nothing to probe on that IP), 'none' (no IP on that network). */
  kind: 'up' | 'lossy' | 'down' | 'idle' | 'none'
}

export interface MatrixModel {
  head: string[]
  rows: Array<{label: string; row: string; cells: MatrixCell[]; inactive: boolean; note: string | null}>
}

/** The matrix: rows are the plan's rows, columns its networks; a cell may hold several IPs. */
export function matrixModel(plan: ProbePlan, report: ProbeReport, glyphs: CellGlyphs): MatrixModel {
  const head = plan.columns.map((c) => (c === null ? 'NO NETWORK' : c.toUpperCase()))
  const byRow = new Map<string, JsonResult[]>()
  for (const r of report.results) {
    const list = byRow.get(r.row)
    if (list) list.push(r)
    else byRow.set(r.row, [r])
  }
  const rows = plan.rows.map((row) => {
    const rs = byRow.get(row.key) ?? []
    const cells = plan.columns.map((col): MatrixCell => {
      const here = rs.filter((r) => r.network === col)
      const idle = plan.idle.filter((i) => i.row === row.key && i.network === col)
      // A network the node has no IP on is said, not left blank: that is the single-network node.
      if (here.length === 0 && idle.length === 0) return {text: '- no IP', kind: 'none'}
      const multi = here.length + idle.length > 1
      const parts = [
        ...here.map((r) => `${cellText(r, glyphs)}${multi ? `  ${r.host}` : ''}`),
        ...idle.map((i) => `- nothing to probe${multi ? `  ${i.host}` : ''}`),
      ]
      const kind: MatrixCell['kind'] = here.length === 0 ? 'idle' : here.every((r) => r.status === 'up') ? 'up' : here.every(connected) ? 'lossy' : 'down'
      return {text: parts.join('\n'), kind}
    })
    return {label: row.label, row: row.key, cells, inactive: !row.active, note: row.nothingToProbe}
  })
  return {head, rows}
}

/** "x: 11/12 up" per network ("x: 12/12 up, 1 lossy"). */
export function networkLines(summary: ProbeSummary): string[] {
  return Object.entries(summary.networks).map(([name, {up, total, lossy}]) => `${name}: ${up}/${total} up${lossy ? `, ${lossy} lossy` : ''}`)
}

/** The legend line under a matrix with lossy cells, or null. */
export function lossLegend(results: ReadonlyArray<Pick<JsonResult, 'status' | 'samples'>>): string | null {
  const lossy = results.filter((r) => r.status === 'lossy')
  if (lossy.length === 0) return null
  return `"N% lost": the share of a link's ${lossy[0].samples} samples that did not connect while others did (a gray failure: a failing NIC, a bad cable, a congested uplink)`
}
