/**
 * A Tars client's effective settings (pure, DESIGN §5): Tars config text as TarsCpp's TC_Config reads it,
 * the template chain of t_profile_template (template_name → parents_name …), Tars' merge (the framework
 * parses the parent's text followed by the child's, so the later key wins: child over parent, the
 * server's own profile over its templates), and the code defaults of each client language and version
 * for what no config sets. Every setting carries where its value came from.
 */
import {UserError} from './errors.js'
import {EXIT} from './exit-codes.js'
import type {ProfileServerRow, ProfileTemplateRow} from './rows.js'

/** A key of the config, as a path: `tars/application/client/async-invoke-timeout`. */
export interface ConfigValue {
  value: string
  line: number
}

/**
 * TC_Config's grammar: blank lines and lines starting with `#` are skipped; `<name>` opens a domain,
 * `</name>` closes the innermost one (it must match); any other line is `key=value` (split at the first
 * unescaped `=`, both trimmed; `\=` `\\` `\n` `\r` `\t` are escapes, any other backslash is an error).
 * Opening a domain that exists again adds to it, and a key set again replaces the earlier value: that is
 * what makes "parent text, then child text" a merge in which the child wins.
 */
export function parseTarsConfig(text: string, label: string): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>()
  const stack: string[] = []
  const opened: number[] = []
  const bad = (line: number, what: string) => new UserError(`${label} line ${line}: ${what}; fix the Tars config text (<tars><application><client> key=value …)`, {code: 'bad_profile', exitCode: EXIT.unknown})
  text.split(/\r?\n/).forEach((raw, i) => {
    const n = i + 1
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    if (line.startsWith('<')) {
      const close = line.indexOf('>')
      if (close < 0) throw bad(n, `'${line.slice(0, 40)}' has no closing '>'`)
      if (line[1] === '/') {
        const name = line.slice(2, close)
        if (stack.length === 0) throw bad(n, `</${name}> closes nothing`)
        if (stack.at(-1) !== name) throw bad(n, `</${name}> does not close <${stack.at(-1)}>`)
        stack.pop()
        opened.pop()
      } else {
        stack.push(line.slice(1, close))
        opened.push(n)
      }
      return
    }
    const {key, value} = splitParam(line, () => bad(n, `bad escape in '${line.slice(0, 60)}'`))
    out.set([...stack, key].join('/'), {value, line: n})
  })
  // Named at the line that opened it: the end of the text says nothing about where the close is missing.
  if (stack.length > 0) throw bad(opened.at(-1)!, `<${stack.at(-1)}> is never closed`)
  return out
}

/** TC_ConfigDomain::setParamValue: split at the first `=` not preceded by a backslash; key and value trimmed, then unescaped. */
function splitParam(line: string, badEscape: () => Error): {key: string; value: string} {
  let eq = -1
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '=' && (i === 0 || line[i - 1] !== '\\')) {
      eq = i
      break
    }
  }
  const unescape = (t: string) => {
    let out = ''
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== '\\') {
        out += t[i]
        continue
      }
      const e = ({'\\': '\\', n: '\n', r: '\r', t: '\t', '=': '='} as Record<string, string>)[t[i + 1] ?? '']
      if (e === undefined) throw badEscape()
      out += e
      i++
    }
    return out
  }
  return eq < 0 ? {key: unescape(line.trim()), value: ''} : {key: unescape(line.slice(0, eq).trim()), value: unescape(line.slice(eq + 1).trim())}
}

export const CLIENT_PATH = 'tars/application/client'

/** One layer of config: its client keys and what to call it as a source. */
export interface ConfigLayer {
  source: string
  client: Map<string, string>
}

function clientKeys(config: Map<string, ConfigValue>): Map<string, string> {
  const m = new Map<string, string>()
  for (const [path, v] of config) {
    if (path.startsWith(`${CLIENT_PATH}/`) && !path.slice(CLIENT_PATH.length + 1).includes('/')) m.set(path.slice(CLIENT_PATH.length + 1), v.value)
  }
  return m
}

/**
 * A server's config layers, parent first: its template chain from the root template down, then its own
 * profile. A loop in parents_name, a parent (or the server's template) missing from t_profile_template,
 * or a profile that does not parse is an error (exit 3). Tars itself stops a loop silently and treats a
 * missing template as empty, which is exactly what an operator needs to hear about.
 */
export function configLayers(server: ProfileServerRow, templates: ReadonlyMap<string, ProfileTemplateRow>, parsed = new Map<string, ConfigLayer>()): ConfigLayer[] {
  const chain: ProfileTemplateRow[] = []
  let name = server.templateName.trim()
  let child = `the template of ${server.application}.${server.serverName} (node ${server.nodeName})`
  while (name !== '') {
    if (chain.some((t) => t.templateName === name)) {
      throw new UserError(`template loop in t_profile_template: ${[...chain.map((t) => t.templateName), name].join(' → ')}; set one of their parents_name to a template outside the loop (or empty)`, {code: 'template_loop', exitCode: EXIT.unknown})
    }
    const t = templates.get(name)
    if (!t) throw new UserError(`template '${name}' (${child}) is not in t_profile_template; add it or change that ${chain.length === 0 ? 'server\'s template_name' : 'parents_name'}`, {code: 'template_missing', exitCode: EXIT.unknown})
    chain.push(t)
    child = `parent of ${name}`
    name = t.parentsName.trim()
  }
  // `parsed` keeps each template's layer across servers: thousands of servers share a few templates.
  const layers: ConfigLayer[] = chain.reverse().map((t) => {
    let layer = parsed.get(t.templateName)
    if (!layer) parsed.set(t.templateName, (layer = {source: `template ${t.templateName}`, client: clientKeys(parseTarsConfig(t.profile, `profile of template ${t.templateName}`))}))
    return layer
  })
  const own = `${server.application}.${server.serverName}`
  if ((server.profile ?? '').trim() !== '') layers.push({source: `profile of ${own}`, client: clientKeys(parseTarsConfig(server.profile ?? '', `profile of ${own} (node ${server.nodeName})`))})
  return layers
}

/** The merged client keys (later layers win), each with the layer it came from. */
export function mergeLayers(layers: readonly ConfigLayer[]): Map<string, {value: string; source: string}> {
  const m = new Map<string, {value: string; source: string}>()
  for (const l of layers) for (const [k, v] of l.client) m.set(k, {value: v, source: l.source})
  return m
}

// ---------------------------------------------------------------------------------------------------------
// Client languages, versions and their code defaults (DESIGN §5: TarsCpp 622165c, TarsGo cbc345d,
// TarsJava 30ed6d9, @tars/rpc 2.0.15).

export type Language = 'cpp' | 'go' | 'java' | 'nodejs'

export const LANGUAGES: Record<string, Language> = {tars_cpp: 'cpp', tars_go: 'go', tars_java: 'java', tars_nodejs: 'nodejs'}

export const LANGUAGE_LABEL: Record<Language, string> = {cpp: 'TarsCpp', go: 'TarsGo', java: 'TarsJava', nodejs: 'Tars.js'}

/** The breaker ("failure detection") values: code defaults, never set by a template or config key. */
export interface Breaker {
  minTimeoutInvoke: number
  /** Seconds. */
  checkTimeoutInterval: number
  frequenceFailInvoke: number
  /** Seconds (Node's is 5 ms). */
  minFrequenceFailTime: number
  radio: number
  /** Seconds. */
  tryTimeInterval: number
  maxConnectExc: number
}

interface CppEra {
  /** Lowest version of the era (inclusive), as [major, minor, patch]. */
  from: [number, number, number]
  label: string
  breaker: Breaker
}

/** TarsCpp's CheckTimeoutInfo defaults by version (servant/servant/Message.h), newest first. */
export const CPP_ERAS: readonly CppEra[] = [
  {from: [3, 0, 22], label: '≥3.0.22', breaker: {minTimeoutInvoke: 1, checkTimeoutInterval: 5, frequenceFailInvoke: 1, minFrequenceFailTime: 3, radio: 0.05, tryTimeInterval: 5, maxConnectExc: 1}},
  {from: [3, 0, 16], label: '3.0.16–3.0.21', breaker: {minTimeoutInvoke: 2, checkTimeoutInterval: 5, frequenceFailInvoke: 3, minFrequenceFailTime: 2, radio: 0.3, tryTimeInterval: 10, maxConnectExc: 1}},
  {from: [3, 0, 0], label: '3.0.0–3.0.15', breaker: {minTimeoutInvoke: 2, checkTimeoutInterval: 60, frequenceFailInvoke: 2, minFrequenceFailTime: 5, radio: 0.5, tryTimeInterval: 10, maxConnectExc: 1}},
  {from: [0, 0, 0], label: '2.x', breaker: {minTimeoutInvoke: 2, checkTimeoutInterval: 60, frequenceFailInvoke: 5, minFrequenceFailTime: 5, radio: 0.5, tryTimeInterval: 10, maxConnectExc: 1}},
]

/** Node's AdapterProxy rules (core/client/ObjectProxy.js): C++'s shape, other numbers. */
export const NODE_BREAKER: Breaker & {reconnectInterval: number} = {minTimeoutInvoke: 2, checkTimeoutInterval: 60, frequenceFailInvoke: 5, minFrequenceFailTime: 0.005, radio: 0.5, tryTimeInterval: 30, maxConnectExc: 1, reconnectInterval: 60}

/** Go's adapter health rules (tars/setting.go, tars/adapter.go). */
export const GO_RULES = {consecutiveFailures: 5, sinceSuccessSeconds: 5, ratioMinFailures: 2, ratio: 0.5, checkStatusIntervalMs: 1000, probeSeconds: 30, dialTimeoutMs: 3000}

/** Java's alive statistics (client/cluster/ServantInvokerAliveStat.java). */
export const JAVA_RULES = {windowSeconds: 60, windowTimeouts: 20, windowRatio: 0.5, consecutiveFailures: 50, consecutiveWithinSeconds: 5, probeSeconds: 30, connectTimeoutMs: 3000}

export function parseVersion(text: string): [number, number, number] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null
}

function atLeast(v: readonly number[], from: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== from[i]) return v[i] > from[i]
  return true
}

export function cppEra(version: string): {era: CppEra; assumed: boolean} {
  const v = parseVersion(version)
  if (!v) return {era: CPP_ERAS[0], assumed: true}
  return {era: CPP_ERAS.find((e) => atLeast(v, e.from)) ?? CPP_ERAS.at(-1)!, assumed: false}
}

export interface Setting {
  name: string
  value: number
  unit: 'ms' | 's' | '' | 'ratio'
  source: string
}

export interface ClientSettings {
  language: Language
  /** The version as the model reads it (`3.0.22`, or `unknown`). */
  version: string
  settings: Setting[]
  notes: string[]
  /** Call timeout used by the model, ms, and its setting's name. */
  timeout: Setting
  refreshEndpointInterval: Setting
  connectTimeout: Setting
  breaker: Breaker & {reconnectInterval?: number}
}

/** TarsCpp raises a refresh-endpoint-interval under this to it (EndpointManager.cpp). */
const CPP_MIN_REFRESH_MS = 5000

/** Code defaults per language for the config keys (what the client reads when no config sets them). */
const KEY_DEFAULTS: Record<Language, {sync: number; async: number; refresh: number; connect: number | null; from: string}> = {
  // ServantProxyFactory.cpp: sync 3000, async 5000, connect 1500. EndpointManager.cpp: refresh's default text
  // "60*1000" parses as 60 (an upstream slip) and anything under 5000 is raised to 5000: without a template, 5000.
  cpp: {sync: 3000, async: 5000, refresh: CPP_MIN_REFRESH_MS, connect: 1500, from: 'TarsCpp'},
  // Only async-invoke-timeout is a per-call timeout in TarsGo; dial timeout 3000 ms fixed.
  go: {sync: 3000, async: 3000, refresh: 60_000, connect: GO_RULES.dialTimeoutMs, from: 'TarsGo v1.4.5'},
  java: {sync: 3000, async: 3000, refresh: 60_000, connect: JAVA_RULES.connectTimeoutMs, from: 'TarsJava 1.7'},
  // @tars/rpc: 3000 with no config file; a config file without the key gives 30000 (Communicator.js).
  nodejs: {sync: 30_000, async: 30_000, refresh: 60_000, connect: null, from: '@tars/rpc 2.0.15'},
}

function numberSetting(name: string, merged: Map<string, {value: string; source: string}>, dflt: number, dfltSource: string, unit: Setting['unit'], notes: string[]): Setting {
  const got = merged.get(name)
  const n = got ? Number(got.value) : NaN
  if (got && Number.isFinite(n) && n > 0 && got.value.trim() !== '') return {name, value: n, unit, source: got.source}
  // Said, not silently replaced: the operator meant something by it.
  if (got) notes.push(`${name}=${got.value} (${got.source}) is not a positive number of ms: modelled with the default ${dflt}; fix it there`)
  return {name, value: dflt, unit, source: dfltSource}
}

/**
 * The settings the failover model needs, for one caller: its merged config (`layers`), then the code
 * defaults of its language and version. `call` picks the timeout: async-invoke-timeout unless sync
 * (TarsGo has only the async one).
 */
export function clientSettings(language: Language, versionText: string, layers: readonly ConfigLayer[], call: 'sync' | 'async' = 'async'): ClientSettings {
  const merged = mergeLayers(layers)
  const notes: string[] = []
  const d = KEY_DEFAULTS[language]
  let version = versionText.trim() || 'unknown'
  let breaker: ClientSettings['breaker']
  let breakerSource: string
  if (language === 'cpp') {
    const {era, assumed} = cppEra(versionText)
    if (assumed) {
      notes.push(`version ${versionText.trim() ? `'${versionText.trim()}' unreadable` : 'unknown'}: assumed the newest known (TarsCpp ≥3.0.22)`)
      version = 'unknown'
    }
    breaker = era.breaker
    breakerSource = `TarsCpp ${era.label} default`
  } else if (language === 'nodejs') {
    breaker = NODE_BREAKER
    breakerSource = `${d.from} default`
  } else {
    // Go and Java have rules of another shape (GO_RULES, JAVA_RULES); the breaker here only carries the probe interval.
    const probe = language === 'go' ? GO_RULES.probeSeconds : JAVA_RULES.probeSeconds
    breaker = {minTimeoutInvoke: 0, checkTimeoutInterval: 0, frequenceFailInvoke: 0, minFrequenceFailTime: 0, radio: 0, tryTimeInterval: probe, maxConnectExc: 1}
    breakerSource = `${d.from} default`
  }
  if (language !== 'cpp' && versionText.trim() === '') notes.push(`version unknown: modelled on ${d.from}`)
  const defaultSource = (what: string) => language === 'cpp' ? `${breakerSource.replace(/ default$/, '')} default` : `${d.from} ${what}`
  const useSync = call === 'sync' && language !== 'go'
  const timeoutName = useSync ? 'sync-invoke-timeout' : 'async-invoke-timeout'
  const timeout = numberSetting(timeoutName, merged, useSync ? d.sync : d.async, defaultSource('default'), 'ms', notes)
  if (call === 'sync' && language === 'go') notes.push('TarsGo ignores sync-invoke-timeout: async-invoke-timeout is the call timeout')
  let refresh = numberSetting('refresh-endpoint-interval', merged, d.refresh, defaultSource('default'), 'ms', notes)
  if (language === 'cpp' && refresh.value < CPP_MIN_REFRESH_MS) {
    notes.push(`refresh-endpoint-interval=${refresh.value} (${refresh.source}) is raised by TarsCpp to its minimum, ${CPP_MIN_REFRESH_MS} ms`)
    refresh = {...refresh, value: CPP_MIN_REFRESH_MS}
  }
  const connect: Setting = language === 'cpp' ? numberSetting('connect-timeout', merged, d.connect!, defaultSource('default'), 'ms', notes)
    : {name: 'connect-timeout', value: d.connect ?? 0, unit: 'ms', source: d.connect === null ? `${d.from}: none (the kernel's SYN retries)` : `${d.from} fixed (a config key is not applied)`}
  const settings: Setting[] = [timeout, refresh, connect]
  if (language === 'cpp' || language === 'nodejs') {
    settings.push(
      {name: 'frequenceFailInvoke', value: breaker.frequenceFailInvoke, unit: '', source: breakerSource},
      {name: 'minFrequenceFailTime', value: breaker.minFrequenceFailTime, unit: 's', source: breakerSource},
      {name: 'checkTimeoutInterval', value: breaker.checkTimeoutInterval, unit: 's', source: breakerSource},
      {name: 'minTimeoutInvoke', value: breaker.minTimeoutInvoke, unit: '', source: breakerSource},
      {name: 'radio', value: breaker.radio, unit: 'ratio', source: breakerSource},
      {name: 'tryTimeInterval', value: breaker.tryTimeInterval, unit: 's', source: breakerSource},
      {name: 'maxConnectExc', value: breaker.maxConnectExc, unit: '', source: breakerSource},
    )
    if (language === 'nodejs') settings.push({name: 'reconnectInterval', value: NODE_BREAKER.reconnectInterval, unit: 's', source: breakerSource})
  } else if (language === 'go') {
    settings.push({name: 'check-status-interval', value: GO_RULES.checkStatusIntervalMs, unit: 'ms', source: breakerSource}, {name: 'probe interval', value: GO_RULES.probeSeconds, unit: 's', source: breakerSource})
  } else {
    settings.push({name: 'alive window', value: JAVA_RULES.windowSeconds, unit: 's', source: breakerSource}, {name: 'probe interval', value: JAVA_RULES.probeSeconds, unit: 's', source: breakerSource})
  }
  return {language, version, settings, notes, timeout, refreshEndpointInterval: refresh, connectTimeout: connect, breaker}
}
