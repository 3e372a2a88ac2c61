/**
 * `tarsnet failover`: loads what the model needs — the cluster (endpoints per network, as `impact`
 * sees them), every server's client settings (templates, profiles, language, version), and the callers
 * of each object with their call rates (tarsstat's record, or one --rate for every client) — then runs
 * the pure model (core/failover.ts) once per cut.
 */
import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {foldCallers, runFailover, serverClients, type Caller, type CutMode, type FailoverResult, type ServerClient} from '../core/failover.js'
import {clientSettings, LANGUAGES} from '../core/client-config.js'
import {parseCuts, type Cut} from '../core/impact.js'
import type {ClusterView} from '../core/cluster.js'
import type {Networks} from '../core/networks.js'
import {closestNames, matcher, naturalCompare} from '../core/text.js'
import type {ClusterRows} from '../core/cluster.js'
import type {StatSource} from '../stat/db.js'
import type {Store} from '../store/types.js'

export interface FailoverOptions {
  /** Object names or globs; every object when empty. */
  objects: string[]
  /** --cut specs (a network, NODE:NETWORK, a node); each network in turn when empty. */
  cuts: string[]
  /** Calls/s for every caller; when absent, rates come from tarsstat. */
  rate?: number
  call: 'sync' | 'async'
  mode: CutMode
  /** Where tarsstat's record is (built lazily: only needed without --rate). */
  statSource?: () => StatSource
  statWindow?: {sinceSeconds: number; untilSeconds: number}
}

/** Callers' rates are averaged over the last hour unless --since says otherwise (traffic's default is shorter). */
export const FAILOVER_SINCE = '1h'

export type FailoverRunResult = FailoverResult & {rateSource: 'tarsstat' | '--rate'; notices: string[]}

/** Scenarios: each --cut on its own, or each network in turn. */
export function scenariosOf(view: ClusterView, specs: readonly string[]): Array<{name: string; cuts: Cut[]}> {
  if (specs.length > 0) {
    parseCuts(specs, view) // every unknown name in one line first
    return [...new Set(specs.map((s) => s.trim()))].map((name) => ({name, cuts: parseCuts([name], view)}))
  }
  if (view.networks.list.length === 0) throw new UserError('no networks to cut: configure them (--network x=CIDR, or the profile) or give --cut NODE', {code: 'no_networks', exitCode: EXIT.unknown})
  return view.networks.list.map((n) => ({name: n.name, cuts: [{kind: 'network', network: n.name}]}))
}

/** Every OBJECT argument must name (or match) an object: one line naming those that do not. */
export function checkObjects(view: ClusterView, patterns: readonly string[]): void {
  const bad = patterns.filter((p) => !view.objects.some(matcher(p)))
  if (bad.length === 0) return
  const hint = closestNames(bad[0], view.objects)
  throw new UserError(`unknown object${bad.length === 1 ? '' : 's'}: ${bad.map((b) => `'${b}'`).join(', ')}: no adapter or registry servant has that name${hint.length > 0 ? `; did you mean ${hint.join(', ')}?` : ''}`, {code: 'unknown_object', exitCode: EXIT.unknown})
}

export async function runFailoverCommand(store: Store, loaded: {rows: ClusterRows; view: ClusterView; networks: Networks}, options: FailoverOptions): Promise<FailoverRunResult> {
  const {view} = loaded
  checkObjects(view, options.objects)
  const scenarios = scenariosOf(view, options.cuts)
  const profiles = await store.loadClientProfiles()
  const {clients, skipped} = serverClients(profiles.servers, profiles.templates, options.call)
  const notices: string[] = []
  if (profiles.servers.length === 0) notices.push('no server has client settings in this source (t_server_conf.server_type, template_name, profile): nothing to model')

  let callersOf: (object: string) => Caller[]
  let rateSource: 'tarsstat' | '--rate'
  if (options.rate !== undefined) {
    rateSource = '--rate'
    const callers = foldCallers(clients.values(), options.rate, '--rate')
    callersOf = () => callers
    if (skipped.length > 0) notices.push(`no failover model for ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? `, +${skipped.length - 5}` : ''}: left out`)
  } else {
    rateSource = 'tarsstat'
    const byObject = await ratesFromStat(loaded, options, async () => clients, notices)
    callersOf = (object) => byObject.get(object) ?? []
  }
  const result = runFailover({view, scenarios, objects: options.objects, callersOf, mode: options.mode, call: options.call})
  // An object nobody calls (tarsstat) is not worth a table, but an empty record must not read as "nothing lost".
  if (rateSource === 'tarsstat') {
    const uncalled = [...new Set(result.objects.filter((o) => o.endpoints.dead > 0 && o.callers.length === 0).map((o) => o.object))].sort(naturalCompare)
    if (uncalled.length > 0) {
      notices.push(`no caller in tarsstat's record over the window for ${uncalled.length} object${uncalled.length === 1 ? '' : 's'} the cuts hit (${uncalled.slice(0, 3).join(', ')}${uncalled.length > 3 ? ', …' : ''}): not modelled; --rate N models every client`)
    }
    result.objects = result.objects.filter((o) => o.callers.length > 0)
  }
  return {...result, rateSource, notices}
}

/** Each object's expected cost under a cut, for `impact`. */
export type ExpectedCalls = Map<string, {failedCalls: number; steadyFailedPerMinute: number; callers: number}>

/**
 * For `impact`: each object's expected failed calls under these cuts (all callers, blackholed), from
 * tarsstat's callers and rates. `expected` is null when there is nothing to say: no stat database at all
 * (`why` unset), or a record that cannot be read or client settings that do not parse (`why` says which;
 * impact notes it where the operator asked for the record). A bad --stat-db or --stat-prefix throws.
 */
export async function expectedFailedCalls(store: Store, loaded: {rows: ClusterRows; view: ClusterView; networks: Networks}, cuts: Cut[], statSource: () => StatSource, statWindow: {sinceSeconds: number; untilSeconds: number}): Promise<{expected: ExpectedCalls | null; why?: string; settings?: boolean}> {
  let byObject: Map<string, Caller[]>
  try {
    const loadClients = async () => {
      const profiles = await store.loadClientProfiles()
      return serverClients(profiles.servers, profiles.templates, 'async').clients
    }
    byObject = await ratesFromStat(loaded, {objects: [], cuts: [], call: 'async', mode: 'blackhole', statSource, statWindow}, loadClients, [])
  } catch (error) {
    if (!(error instanceof UserError)) throw error
    if (error.code === 'no_rates') return {expected: null, why: error.cause instanceof UserError && error.cause.code === 'no_stat_db' ? undefined : error.message.replace(/^no call rates: /, '').replace(/; give --rate.*$/, '')}
    if (SETTINGS_ERRORS.has(error.code)) return {expected: null, why: error.message, settings: true}
    throw error
  }
  const result = runFailover({view: loaded.view, scenarios: [{name: 'cut', cuts}], objects: [], callersOf: (o) => byObject.get(o) ?? [], mode: 'blackhole', call: 'async'})
  const out: ExpectedCalls = new Map()
  for (const o of result.objects) {
    if (o.callers.length === 0) continue
    out.set(o.object, {failedCalls: o.callers.reduce((n, c) => n + c.failedCalls, 0), steadyFailedPerMinute: o.callers.reduce((n, c) => n + c.steadyFailedPerMinute, 0), callers: o.callers.length})
  }
  return {expected: out}
}

/** The errors of a caller's client settings (core/client-config.ts): a template chain or a profile. */
const SETTINGS_ERRORS = new Set(['template_loop', 'template_missing', 'bad_profile'])

/** Each object's callers and their rates from tarsstat; a record that cannot be read asks for --rate (exit 3). */
async function ratesFromStat(loaded: {rows: ClusterRows; networks: Networks}, options: FailoverOptions, loadClients: () => Promise<Map<string, ServerClient>>, notices: string[]): Promise<Map<string, Caller[]>> {
  const {openStatDb, readCallerRates} = await import('../stat/callers.js')
  const noRates = (why: string, cause: unknown) => new UserError(`no call rates: tarsstat's record is not readable (${why}); give --rate N (calls/s for every client language), or --stat-db`, {code: 'no_rates', exitCode: EXIT.unknown, cause})
  // A bad --stat-db or --stat-prefix is said as such; only a record that is missing or unreadable asks for --rate.
  let source: StatSource
  try {
    if (!options.statSource) throw new UserError('no stat database configured', {code: 'no_stat_db', exitCode: EXIT.unknown})
    source = options.statSource()
  } catch (error) {
    if (error instanceof UserError && error.code === 'no_stat_db') throw noRates(error.message.replace(/: give --stat-db.*$/, ''), error)
    throw error
  }
  let rates
  try {
    const stat = await openStatDb(source)
    try {
      const read = await readCallerRates({stat, window: options.statWindow ?? {sinceSeconds: 3600, untilSeconds: 0}, cluster: loaded.rows, networks: loaded.networks})
      rates = read.rates
      notices.push(...read.notices)
    } finally {
      await stat.close()
    }
  } catch (error) {
    // The reader's own hint (after its last ';') gives way to ours.
    throw noRates((error as Error).message.replace(/;[^;]*$/, ''), error)
  }
  // Settings are read only once there are callers to read them for.
  const clients = await loadClients()
  const byObject = new Map<string, Caller[]>()
  const unknown = new Set<string>()
  for (const r of rates) {
    const server = r.caller.split('.').slice(0, 2).join('.')
    let client = clients.get(server)?.client
    if (!client) {
      const language = LANGUAGES[(r.language ?? '').trim()]
      if (!language) {
        unknown.add(r.caller)
        continue
      }
      client = clientSettings(language, '', [], options.call)
      client.notes.push('not in t_server_conf: no template or profile read, code defaults')
    }
    const list = byObject.get(r.object) ?? []
    list.push({caller: r.caller, servers: [server], callsPerSecond: Math.round(r.callsPerSecond * 100) / 100, rateSource: 'tarsstat', client})
    byObject.set(r.object, list)
  }
  for (const list of byObject.values()) list.sort((a, b) => naturalCompare(a.caller, b.caller))
  if (unknown.size > 0) notices.push(`callers in tarsstat with no known language (not in t_server_conf, or not a Tars client): ${[...unknown].sort(naturalCompare).join(', ')}: left out`)
  return byObject
}
