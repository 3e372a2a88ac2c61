/**
 * `tarsnet probe` without the command: plan what to probe (rows, source addresses), probe it once, or
 * round after round for a watch (re-reading the node list every N rounds), and the result as JSON holds it.
 * The command binds its flags to ProbeRunOptions and renders what comes back (view.ts).
 */
import {linkKey, type TrackedLink} from '../core/transitions.js'
import type {Networks} from '../core/networks.js'
import type {Store} from '../store/types.js'
import {probeTargets, type ProbeOptions} from './engine.js'
import type {ProbePlan} from './plan.js'
import {buildReport, type ProbeReport} from './report.js'
import {assertLocalAddresses, bindMap, bindSpecs, planProbe, type BindSpec, type ProbeRequest, type ProfileBind, type probeTiming} from './request.js'

export type ProbeTiming = ReturnType<typeof probeTiming>

/** What `tarsnet probe` was asked, bound from its flags and settings. */
export interface ProbeRunOptions {
  request: ProbeRequest
  /** The profile's probe.bind, and the --bind flags as typed. */
  profileBind: ProfileBind | undefined
  bindFlags: string[] | undefined
  timing: ProbeTiming
}

/** A planned probe: what to probe, and how (the engine's options, with the source address per network). */
export interface PreparedProbe {
  plan: ProbePlan
  options: ProbeOptions
  binds: BindSpec[]
  run: ProbeRunOptions
}

/** One round's outcome: the plan it probed, its report, and how long the probing took. */
export interface ProbeRound {
  plan: ProbePlan
  report: ProbeReport
  wallMs: number
}

/** Reads the rows from `store` and plans the probe; `notice` is told what the operator should know. */
export async function prepareProbe(store: Store, run: ProbeRunOptions, notice: (message: string) => void): Promise<PreparedProbe> {
  const {plan, networks, notes} = await planProbe(store, run.request)
  const binds = bindSpecs(run.profileBind, run.bindFlags)
  const bind = await checkedBind(networks, binds)
  for (const note of notes) notice(note)
  return {plan, binds, run, options: {...run.timing, bind}}
}

/** The source address per network, each one checked to be this machine's. */
async function checkedBind(networks: Networks, binds: readonly BindSpec[]): Promise<Map<string, string> | undefined> {
  const bind = bindMap(networks, binds)
  if (bind) await assertLocalAddresses(binds)
  return bind
}

/** Progress reporting around the probing (the command's progress line). */
export type ProgressOf = <T>(total: number, work: (onProgress: (done: number, total: number) => void) => Promise<T>) => Promise<T>

/** Probes every target once. */
export async function probeOnce(probe: PreparedProbe, progress: ProgressOf): Promise<ProbeRound> {
  const {plan, options} = probe
  const started = Date.now()
  const results = await progress(plan.targets.length, (onProgress) => probeTargets(plan.targets, {...options, onProgress}))
  const report = buildReport(plan, results)
  return {plan, report, wallMs: Date.now() - started}
}

/** What a re-read of the node list found (`ok`), or why it could not be read. */
export type Reload =
  | {ok: true; at: number; links: number; added: number; removed: number}
  | {ok: false; at: number; links: number; error: string}

/** The rounds of `probe --watch`: the plan may change between them (--reload). */
export class ProbeWatch {
  plan: ProbePlan
  private options: ProbeOptions

  constructor(private readonly store: Store, private readonly probe: PreparedProbe, private readonly reloadEvery: number | undefined, private readonly notice: (message: string) => void) {
    this.plan = probe.plan
    this.options = probe.options
  }

  /** Every `reloadEvery` rounds, the node list read again; null in the other rounds. */
  async reload(done: number): Promise<Reload | null> {
    if (this.reloadEvery === undefined || done === 0 || done % this.reloadEvery !== 0) return null
    try {
      const before = new Set(this.plan.targets.map((t) => linkKey(t)))
      const next = await planProbe(this.store, this.probe.run.request)
      for (const note of next.notes) this.notice(note)
      const bind = await checkedBind(next.networks, this.probe.binds)
      const after = new Set(next.plan.targets.map((t) => linkKey(t)))
      const added = [...after].filter((k) => !before.has(k)).length
      const removed = [...before].filter((k) => !after.has(k)).length
      if (next.plan.targets.length > 0) {
        this.plan = next.plan
        this.options = {...this.options, bind}
      }
      return {ok: true, at: Date.now(), links: this.plan.targets.length, added, removed}
    } catch (error) {
      // A database gone for a moment: keep watching what was planned, and say so.
      const message = (error as Error).message
      const at = Date.now()
      this.notice(`could not re-read the node list (${message}); watching the links planned before`)
      return {ok: false, at, links: this.plan.targets.length, error: message}
    }
  }

  /** One round; an aborted one ends early (the watch drops it). */
  async round(signal: AbortSignal): Promise<{result: ProbeRound; links: TrackedLink[]}> {
    const {plan} = this
    const started = Date.now()
    const results = await probeTargets(plan.targets, {...this.options, signal})
    const wallMs = Date.now() - started
    const report = buildReport(plan, results)
    return {result: {plan, report, wallMs}, links: report.results}
  }
}

/** The result as JSON holds it: the report (without its rows), what was not probed, and how it was probed. */
export function probeJson(report: ProbeReport, plan: ProbePlan, timing: ProbeTiming, wallMs: number) {
  const {rows: _rows, ...rest} = report
  return {
    ...rest, unusable: plan.unusable, timeoutMs: timing.timeoutMs, timeoutMode: timing.adaptive ? 'auto' as const : 'fixed' as const,
    samples: timing.samples, retries: timing.retries, concurrency: timing.concurrency, wallMs,
  }
}

/** The result of a watch that ended before its first round: the plan with nothing probed. */
export function unprobed(plan: ProbePlan): ProbeRound {
  return {plan, report: buildReport(plan, []), wallMs: 0}
}
