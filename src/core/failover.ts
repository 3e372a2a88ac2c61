/**
 * What a network cut costs each caller of an object (pure, DESIGN §5). A caller round-robins over the
 * object's active endpoints; the cut kills some of them (counted by `impact`, core/impact.ts). Until
 * the client stops sending ordinary calls to a dead endpoint (`detectSeconds`) its share of calls is
 * lost; afterwards some clients keep losing calls (probes, or Node's reconnect cycle); when the network
 * returns, `recoverSeconds` pass before the endpoint gets calls again. Each language's rules come from
 * its code (core/client-config.ts has the numbers); [I] in a note marks an inference from that code.
 */
import {clientSettings, configLayers, LANGUAGES, NODE_BREAKER, GO_RULES, JAVA_RULES, LANGUAGE_LABEL, type ClientSettings, type ConfigLayer, type Language, type Setting} from './client-config.js'
import type {ProfileServerRow, ProfileTemplateRow} from './rows.js'
import {naturalCompare} from './text.js'
import type {Cut} from './impact.js'
import {runImpact} from './impact.js'
import type {ClusterView} from './cluster.js'

export type CutMode = 'blackhole' | 'refused'

export interface CallerCost {
  detectSeconds: number
  failedCalls: number
  steadyFailedPerMinute: number
  recoverSeconds: number
  /** The setting that dominates the cost, with its value and source. */
  dominant: Setting
  notes: string[]
}

const round1 = (n: number) => Math.round(n * 10) / 10

/**
 * One caller's cost for a cut that kills `dead` of the object's `total` active endpoints, calling at
 * `rate` calls/s spread evenly over them.
 */
export function modelCaller(s: ClientSettings, rate: number, total: number, dead: number, mode: CutMode = 'blackhole'): CallerCost {
  const T = s.timeout.value / 1000
  const notes: string[] = []
  const b = s.breaker
  const rule = (name: string, value: number, unit: Setting['unit'] = ''): Setting => s.settings.find((x) => x.name === name) ?? {name, value, unit, source: `${LANGUAGE_LABEL[s.language]} default`}
  if (dead === 0 || total === 0 || rate <= 0) return {detectSeconds: 0, failedCalls: 0, steadyFailedPerMinute: 0, recoverSeconds: 0, dominant: s.timeout, notes}
  const share = dead / total
  const perEndpoint = rate / total
  if (dead === total) {
    notes.push('no endpoint left: every call fails until the network returns')
    return {detectSeconds: round1(T), failedCalls: Math.round(rate * T), steadyFailedPerMinute: Math.round(rate * 60), recoverSeconds: round1(recoverOf(s.language, b.tryTimeInterval, mode)), dominant: s.timeout, notes}
  }
  let detect: number
  let steady = 0
  let dominant: Setting = s.timeout
  if (mode === 'refused') {
    // A reset fails the calls in flight and the reconnect is refused at once.
    switch (s.language) {
      case 'cpp':
        detect = 0
        notes.push('refused: the reset fails the calls in flight; the reconnect is refused at once (maxConnectExc)')
        dominant = rule('maxConnectExc', b.maxConnectExc)
        return finish(0, dead, 0)
      case 'nodejs': {
        // Measured (the failover drill): the calls queued on a refused reconnect still wait their timeout,
        // so detection is as slow as under a blackhole; afterwards only each retry's first call fails.
        detect = T + Math.max(b.minFrequenceFailTime, (b.frequenceFailInvoke - 1) / perEndpoint)
        notes.push('refused: calls queued on the refused reconnect still wait for their timeout; then one call per dead endpoint fails at each retry (every tryTimeInterval)')
        return finish(detect, rate * share * detect, dead * 60 / b.tryTimeInterval)
      }
      case 'go':
        // Calls fail at once, but an endpoint is marked dead only once its last success is 5 s old.
        detect = GO_RULES.sinceSuccessSeconds + GO_RULES.checkStatusIntervalMs / 1000
        dominant = rule('check-status-interval', GO_RULES.checkStatusIntervalMs, 'ms')
        return finish(detect, rate * share * detect, dead * 60 / GO_RULES.probeSeconds)
      case 'java':
        notes.push('refused connect: the endpoint is dead at once')
        return finish(0, dead, dead * 60 / JAVA_RULES.probeSeconds)
    }
  }
  // Blackholed: calls to a dead endpoint are answered by nothing; each fails at its timeout.
  switch (s.language) {
    case 'cpp': {
      const consecutive = b.frequenceFailInvoke <= 1 ? 0 : Math.max(b.minFrequenceFailTime, (b.frequenceFailInvoke - 1) / perEndpoint)
      const after = Math.min(consecutive, b.checkTimeoutInterval)
      detect = T + after
      if (after > T) dominant = rule(consecutive <= b.checkTimeoutInterval ? 'minFrequenceFailTime' : 'checkTimeoutInterval', 0, 's')
      notes.push(`inactive endpoints get one TCP connect every ${b.tryTimeInterval} s, never a call`)
      break
    }
    case 'nodejs': {
      detect = T + Math.max(b.minFrequenceFailTime, (b.frequenceFailInvoke - 1) / perEndpoint)
      const window = NODE_BREAKER.reconnectInterval - b.tryTimeInterval
      if (T < window) {
        steady = rate * share * 60 * window / NODE_BREAKER.reconnectInterval
        notes.push(`[I] a dead endpoint is selectable again while its reconnect is CONNECTING (a dropped SYN stays so): after ${b.tryTimeInterval} s it gets calls again, about ${window} s of every ${NODE_BREAKER.reconnectInterval} s`)
      }
      break
    }
    case 'go': {
      const consecutive = (GO_RULES.consecutiveFailures - 1) / perEndpoint
      detect = Math.max(T + consecutive, GO_RULES.sinceSuccessSeconds) + GO_RULES.checkStatusIntervalMs / 1000
      steady = dead * 60 / GO_RULES.probeSeconds
      notes.push(`a dead endpoint gets one real call every ${GO_RULES.probeSeconds} s (a probe), which times out`)
      break
    }
    case 'java': {
      let after: number
      if (perEndpoint * JAVA_RULES.consecutiveWithinSeconds >= JAVA_RULES.consecutiveFailures) after = (JAVA_RULES.consecutiveFailures - 1) / perEndpoint
      else {
        // [I] the 60 s window still holds the successes from before the cut: about half a window of failures outnumbers them.
        after = Math.max(JAVA_RULES.windowTimeouts / perEndpoint, JAVA_RULES.windowSeconds / 2)
        notes.push(`[I] under ${JAVA_RULES.consecutiveFailures / JAVA_RULES.consecutiveWithinSeconds} calls/s per endpoint only the 60 s window rule applies (≥${JAVA_RULES.windowTimeouts} timeouts, over half the calls)`)
        if (after > T) dominant = {name: 'alive window', value: JAVA_RULES.windowSeconds, unit: 's', source: 'TarsJava 1.7 default'}
      }
      detect = T + after
      steady = dead * 60 / JAVA_RULES.probeSeconds
      notes.push('connect failures to a dead IP are not counted in tarsstat (TarsJava)')
      break
    }
  }
  return finish(detect, rate * share * detect, steady)

  function finish(detectSeconds: number, failed: number, steadyPerMinute: number): CallerCost {
    return {
      detectSeconds: round1(detectSeconds),
      failedCalls: Math.round(failed),
      steadyFailedPerMinute: Math.round(steadyPerMinute),
      recoverSeconds: round1(recoverOf(s.language, b.tryTimeInterval, mode)),
      dominant,
      notes: [...s.notes, ...notes],
    }
  }
}

/**
 * The longest wait after the network returns before the caller uses the endpoints again. C++: its next
 * TCP connect try (every tryTimeInterval) reconnects and the endpoint gets calls at once (measured: the
 * failover bench). Node [I]: a reconnect pending when the network returns may be closed before its SYN is
 * retransmitted, and the next try comes a reconnectInterval later; refused, no reconnect hangs, so the next
 * try (every tryTimeInterval, AdapterProxy.checkActive) finds the network back. Go and Java: the next probe call.
 */
function recoverOf(language: Language, tryTimeInterval: number, mode: CutMode): number {
  return language === 'nodejs' && mode === 'blackhole' ? NODE_BREAKER.reconnectInterval : tryTimeInterval
}

// ---------------------------------------------------------------------------------------------------------

export interface Caller {
  /** `App.Server` (or several, when their settings are the same: "A.B, C.D"). */
  caller: string
  servers: string[]
  callsPerSecond: number
  rateSource: 'tarsstat' | '--rate'
  client: ClientSettings
}

export interface CallerResult extends CallerCost {
  caller: string
  language: Language
  version: string
  callsPerSecond: number
  rateSource: Caller['rateSource']
  settings: Setting[]
}

export interface FailoverObject {
  object: string
  cut: string
  endpoints: {total: number; dead: number}
  callers: CallerResult[]
}

export interface FailoverFinding {
  code: 'failover-object-down' | 'failover-slow-detect' | 'failover-keeps-failing' | 'failover-slow-refresh'
  severity: 'critical' | 'warning'
  message: string
  caller?: string
  object?: string
  /** A caller's finding: the objects it calls that the cuts hit (for `check --object`). */
  objects?: string[]
  cut?: string
  /** The setting to change and where it is set (or where to set it). */
  setting?: string
  where?: string
}

export type FailoverVerdict = 'ok' | 'warning' | 'critical'

export interface FailoverResult {
  mode: CutMode
  call: 'sync' | 'async'
  cuts: string[]
  objects: FailoverObject[]
  findings: FailoverFinding[]
  verdict: FailoverVerdict
  exitCode: number
}

/** Detection slower than this is a finding. */
export const SLOW_DETECT_SECONDS = 10
/** A refresh-endpoint-interval at or above this delays registry changes by minutes. */
export const SLOW_REFRESH_MS = 120_000

export interface FailoverInput {
  view: ClusterView
  /** Each scenario: its name and its cuts (one network, usually). */
  scenarios: Array<{name: string; cuts: Cut[]}>
  /** Object names or globs (as `impact --object`); all objects when empty. */
  objects: string[]
  callersOf(object: string): Caller[]
  mode: CutMode
  call: 'sync' | 'async'
}

export function runFailover(input: FailoverInput): FailoverResult {
  const objects: FailoverObject[] = []
  const findings: FailoverFinding[] = []
  const seen = new Map<string, FailoverFinding>()
  // One finding per key; a caller's finding gathers every object it was found calling.
  const once = (key: string, f: FailoverFinding, object?: string) => {
    let had = seen.get(key)
    if (!had) {
      seen.set(key, (had = object ? {...f, objects: []} : f))
      findings.push(had)
    }
    if (object && !had.objects!.includes(object)) had.objects!.push(object)
  }
  for (const scenario of input.scenarios) {
    const impact = runImpact(input.view, scenario.cuts, {objects: input.objects})
    for (const o of impact.objects) {
      if (o.alreadyDown) continue
      const total = o.before.activeEndpoints
      const dead = o.lost.length
      const callers = input.callersOf(o.object).map((c): CallerResult => {
        const cost = modelCaller(c.client, c.callsPerSecond, total, dead, input.mode)
        return {
          caller: c.caller, language: c.client.language, version: c.client.version, callsPerSecond: c.callsPerSecond, rateSource: c.rateSource,
          settings: c.client.settings, detectSeconds: cost.detectSeconds, failedCalls: cost.failedCalls,
          steadyFailedPerMinute: cost.steadyFailedPerMinute, recoverSeconds: cost.recoverSeconds, dominant: cost.dominant, notes: cost.notes,
        }
      })
      objects.push({object: o.object, cut: scenario.name, endpoints: {total, dead}, callers})
      if (dead > 0 && dead === total) {
        once(`down\u0000${o.object}\u0000${scenario.name}`, {code: 'failover-object-down', severity: 'critical', object: o.object, cut: scenario.name,
          message: `${o.object} has no endpoint left when ${scenario.name} is cut: every caller fails until it returns; give its servers an endpoint on another network`})
      }
      if (dead === 0) continue
      for (const c of callers) {
        const timeout = c.settings.find((s) => s.name.endsWith('invoke-timeout'))!
        if (c.detectSeconds > SLOW_DETECT_SECONDS && dead < total) {
          const where = whereToSet(timeout, c.caller)
          once(`detect\u0000${c.caller}`, {code: 'failover-slow-detect', severity: 'warning', caller: c.caller, setting: c.dominant.name, where,
            message: `${c.caller} (${LANGUAGE_LABEL[c.language]}) keeps calling a dead IP for ${c.detectSeconds} s (${c.dominant.name} ${c.dominant.value}${c.dominant.unit === 'ratio' ? '' : ` ${c.dominant.unit}`.trimEnd()}, from ${c.dominant.source}); ${c.dominant === timeout || c.dominant.name === timeout.name ? `lower ${timeout.name} in ${where}` : 'this rule is a code default: it changes only through the client API'}`}, o.object)
        }
        const perMinute = c.callsPerSecond * 60
        if (c.steadyFailedPerMinute > 0 && c.steadyFailedPerMinute >= 0.01 * perMinute && dead < total) {
          once(`steady\u0000${c.caller}`, {code: 'failover-keeps-failing', severity: 'warning', caller: c.caller, setting: c.language === 'nodejs' ? 'tryTimeInterval' : 'probe interval',
            message: `${c.caller} (${LANGUAGE_LABEL[c.language]}) keeps losing about ${c.steadyFailedPerMinute} calls a minute for as long as ${scenario.name} is down (${c.language === 'nodejs' ? 'its dead endpoints come back into the rotation while their reconnect hangs' : 'probe calls to the dead endpoints'}); these values are code defaults: take the dead endpoints out of the registry (tarsnet nodes, or mark the servers inactive) during a long outage`}, o.object)
        }
        const refresh = c.settings.find((s) => s.name === 'refresh-endpoint-interval')!
        if (refresh.value >= SLOW_REFRESH_MS) {
          const where = whereToSet(refresh, c.caller)
          once(`refresh\u0000${c.caller}`, {code: 'failover-slow-refresh', severity: 'warning', caller: c.caller, setting: refresh.name, where,
            message: `${c.caller} asks the registry for endpoints every ${Math.round(refresh.value / 1000)} s (refresh-endpoint-interval, from ${refresh.source}): a server marked inactive reaches it minutes late; set refresh-endpoint-interval=60000 in ${where}`}, o.object)
        }
      }
    }
  }
  for (const f of findings) f.objects?.sort(naturalCompare)
  const verdict: FailoverVerdict = findings.some((f) => f.severity === 'critical') ? 'critical' : findings.length > 0 ? 'warning' : 'ok'
  return {mode: input.mode, call: input.call, cuts: input.scenarios.map((s) => s.name), objects, findings, verdict, exitCode: verdict === 'critical' ? 2 : verdict === 'warning' ? 1 : 0}
}

/** Where to change a setting: the layer that set it, or (a code default) the caller's template or profile. */
function whereToSet(s: Setting, caller: string): string {
  if (s.source.startsWith('template ') || s.source.startsWith('profile of ')) return s.source
  return `the <client> section of ${caller.split(',')[0]}'s template or profile`
}


/** Servers whose client settings are known: the Tars languages (not PHP, not non-Tars servers). */
export interface ServerClient {
  server: string
  row: ProfileServerRow
  client: ClientSettings
}

/**
 * Every server's client settings, one per App.Server (its first row: the nodes of one server share its
 * template and profile). A bad template chain or profile throws (exit 3). Framework servers (`tars.*`)
 * and languages without a model are left out and named in `skipped`.
 */
export function serverClients(servers: readonly ProfileServerRow[], templates: readonly ProfileTemplateRow[], call: 'sync' | 'async'): {clients: Map<string, ServerClient>; skipped: string[]} {
  const byName = new Map(templates.map((t) => [t.templateName.trim(), t]))
  const clients = new Map<string, ServerClient>()
  const skipped = new Set<string>()
  const parsed = new Map<string, ConfigLayer>()
  for (const row of servers) {
    const server = `${row.application}.${row.serverName}`
    if (clients.has(server) || row.application === 'tars') continue
    const language = LANGUAGES[row.serverType.trim()]
    if (!language) {
      skipped.add(`${server} (${row.serverType || 'no server_type'})`)
      continue
    }
    clients.set(server, {server, row, client: clientSettings(language, row.tarsVersion, configLayers(row, byName, parsed), call)})
  }
  return {clients, skipped: [...skipped].sort(naturalCompare)}
}

/** Callers at one rate, those with the same language, version and settings folded into one row. */
export function foldCallers(clients: Iterable<ServerClient>, rate: number, rateSource: Caller['rateSource']): Caller[] {
  const groups = new Map<string, ServerClient[]>()
  for (const c of clients) {
    const key = JSON.stringify([c.client.language, c.client.version, c.client.settings.map((s) => [s.name, s.value, s.source.startsWith('profile of ') ? 'profile' : s.source])])
    const g = groups.get(key)
    if (g) g.push(c)
    else groups.set(key, [c])
  }
  return [...groups.values()].map((g) => {
    const names = g.map((c) => c.server).sort(naturalCompare)
    return {caller: names.length > 3 ? `${names.slice(0, 3).join(', ')} +${names.length - 3}` : names.join(', '), servers: names, callsPerSecond: rate, rateSource, client: g[0].client}
  }).sort((a, b) => naturalCompare(a.caller, b.caller))
}
