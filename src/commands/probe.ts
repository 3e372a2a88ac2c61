import {Args, Flags} from '@oclif/core'

import {parseObjectName} from '../core/resolve.js'
import {escapeControl} from '../core/text.js'
import {sleepUnlessAborted} from '../platform/abortable-sleep.js'
import {BaseCommand} from '../cli/base-command.js'
import {profileWhere} from '../cli/config.js'
import {leanHeap} from '../platform/lean-heap.js'
import {UserError} from '../core/errors.js'
import {probeFlags} from '../options/probe-flags.js'
import {renderTable} from '../platform/table.js'
import {stderrLine} from '../cli/terminal.js'
import {probeTargets, type ProbeOptions} from '../probe/engine.js'
import {planListing, type CheckMode, type PlanListing, type ProbePlan} from '../probe/plan.js'
import {ASCII_GLYPHS, buildReport, EXIT, lossLegend, matrixModel, networkLines, servantExplanation, UNICODE_GLYPHS, type ProbeReport} from '../probe/report.js'
import {assertLocalAddresses, bindMap, bindSpecs, nothingToProbe, planProbe, probeTiming} from '../probe/request.js'
import {changeLine, clock, expandWatchFlag, formatDuration, linkKey, WatchTracker} from '../probe/watch.js'
import {NO_NETWORK} from '../core/names.js'

export type ProbeCommandResult = Omit<ProbeReport, 'lines' | 'rows' | 'exitCode'> & {
  lines: string[]
  /** Addresses in IP lists no client can reach (0.0.0.0, multicast, broadcast): not probed. */
  unusable: ProbePlan['unusable']
  exitCode: number
  timeoutMs: number
  /** fixed: timeoutMs per probe; auto: adaptive per network, timeoutMs the ceiling. */
  timeoutMode: 'fixed' | 'auto'
  samples: number
  retries: number
  concurrency: number
  wallMs: number
  notices: string[]
}

export default class Probe extends BaseCommand<typeof Probe> {
  static override summary = 'Which links are up: every node × every network probed in parallel, as a matrix.'
  static override description = `Without an object: the link matrix. Every node × every one of its IPs gets a TCP connect on the ports of that node's own active servants on that IP (from the registry expansion), tried until one answers; --port probes given ports instead, and the profile's probe ports are tried last (and alone on a node without servants). A node with nothing to probe is shown as such, not as down.
With an object (App.Server.Obj): every expanded endpoint of it, active and inactive (marked; inactive ones do not count in the verdict or the per-network counts). An object with no active endpoint is an outage: the registry hands clients nothing to call.
Checks: --check auto (default) sends a real tars_ping where the adapter protocol is tars, a TCP connect elsewhere; tcp and tars force one kind. Servers that check servant names (TarsCpp, TarsGo, TarsJava) answer -4 when the port hosts another servant ("other servant (-4)"); Tars.js servers answer 0 to any name. So when the ping answers 0, a second one on the same connection asks for a servant that cannot exist: -4 means the port checks names and the servant is verified; 0 again means it does not ("up, servant not verified": something speaking Tars listens, not necessarily that servant).
All probes run at once (up to --concurrency, by default the open-file limit less some headroom), each bounded by --timeout, so a run takes about one timeout however many links there are. --retries repeats a probe only after a timeout or unreachable.
Gray failures: --samples N measures each link N times, 100 ms apart (all links still in parallel); a link that connects on some samples and not on others is lossy (its cell shows the share lost, its JSON loss, lost and latency min/p50/p90/max), which makes the verdict DEGRADED; the lines name the likely side ("n3's side of network x loses ~30 % of packets (intermittent)"). A link whose p50 is ≥ 5× its network's median and ≥ 20 ms is said to be SLOW, without changing the verdict. --timeout auto waits, per network, what the round trips answered so far say (RFC 6298, from 100 ms up to --timeout-max, 3000 ms by default): the same answers as a fixed timeout, with less waiting on dead targets.
--bind x=10.10.0.5 makes probes to network x leave from that source address. The kernel still routes by destination: binding picks the source address, not the interface.
Verdicts: DEGRADED (a link down, the node up on another network), SERVICE (the node answers, but not as the servant asked for: another servant (-4), not tars, no tars reply; reachable, so not an outage), OUTAGE (up on no network, and not answering).
Exit codes (monitoring-plugin convention): 0 every link up; 1 degraded or service (and no outage); 2 outage (some node or endpoint neither up nor answering on any network); 3 could not probe (bad input, database unreachable, nothing to probe).`

  static override examples = [
    {description: 'The link matrix of the built-in demo cluster (start its listeners first, in another terminal, with `tarsnet demo --serve`)', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'Every endpoint of one object, with tars_ping', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj'},
    {description: 'Only network y, port 22 on every node IP, TCP only', command: '<%= config.bin %> <%= command.id %> --network y --port 22 --check tcp'},
    {description: 'Leave from a given source address per network (routing still follows the destination)', command: '<%= config.bin %> <%= command.id %> --bind x=10.10.0.5 --bind y=10.20.0.5'},
    {description: 'Watch every 5 s; Ctrl-C prints how often each link changed and how long it was down', command: '<%= config.bin %> <%= command.id %> --watch 5'},
    {description: 'As a monitoring check: JSON, exit 0/1/2/3', command: '<%= config.bin %> <%= command.id %> --json --timeout 500'},
    {description: 'Look for gray failures: 10 samples per link, adaptive timeouts', command: '<%= config.bin %> <%= command.id %> --samples 10 --timeout auto'},
    {description: 'What would be probed, without sending a packet', command: '<%= config.bin %> <%= command.id %> --plan'},
    {description: 'Watch as JSON lines (changes, verdict changes, every round), re-reading the node list every 30 rounds', command: '<%= config.bin %> <%= command.id %> --watch 10 --json --every-round --reload 30'},
  ]

  static override args = {
    object: Args.string({description: 'Probe every expanded endpoint of this object (App.Server.Obj) instead of the node matrix.'}),
  }

  static override flags = {
    ...probeFlags,
    // Which flags go together is checked in run() (flagConflict), to say it in one line with what to do.
    watch: Flags.string({summary: 'Probe again every SECONDS (default 2) until Ctrl-C. On a terminal the matrix is redrawn in place; otherwise one stamped line per change; with --json one JSON line per change (and per verdict change). Not with --plan or --prom-file.', helpValue: '[SECONDS]'}),
    'every-round': Flags.boolean({summary: 'With --watch --json only (an error otherwise): also one JSON line per round (the verdict and per-network counts), not only per change. The human output has no per-round line: on a terminal the matrix is redrawn every round anyway.'}),
    reload: Flags.integer({summary: 'With --watch: read the node list (nodes, IPs, servants) again every N rounds; when it cannot be read, the watch goes on with the links it has (with --json, a reload line with "ok": false says why).', helpValue: 'N', min: 1}),
    plan: Flags.boolean({summary: 'Show the targets that would be probed (node, network, IP, ports, check, source address), without sending a packet. Not with --watch or --prom-file.'}),
    'prom-file': Flags.string({summary: 'Also write the results as Prometheus metrics to FILE, atomically (for node_exporter\'s textfile collector); written with tarsnet_probe_success 0 when the probe cannot run.', helpValue: 'FILE'}),
  }

  protected override errorExitCode = EXIT.cannotProbe

  public override async init(): Promise<void> {
    this.argv = expandWatchFlag(this.argv)
    await super.init()
  }

  async run(): Promise<ProbeCommandResult> {
    const {flags} = this
    const conflict = flagConflict(flags, this.jsonEnabled())
    if (conflict) throw new UserError(conflict, {code: 'invalid_flag'})
    const profile = this.settings().probe.value
    const watchSeconds = flags.watch === undefined ? undefined : Number(flags.watch)
    if (watchSeconds !== undefined && !(watchSeconds > 0)) throw new UserError(`invalid --watch '${flags.watch}': give a number of seconds above 0, e.g. --watch 5`, {code: 'invalid_flag'})
    if (this.args.object !== undefined && !parseObjectName(this.args.object)) {
      throw new UserError(`invalid object name '${this.args.object}': write it as App.Server.Obj`, {code: 'invalid_object'})
    }
    if (flags['prom-file'] !== undefined) {
      const {checkWritableDirectory} = await import('../platform/atomic-file.js')
      checkWritableDirectory(flags['prom-file'], '--prom-file')
      this.promStartedAt = Date.now()
    }
    const {timeoutMs, retries, concurrency, samples, adaptive} = probeTiming(flags, profile)
    // Thousands of sockets at once: V8 would otherwise grow its heap far past what the probe keeps.
    leanHeap()

    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const request = {
      object: this.args.object, check: flags.check as CheckMode, network: flags.network, node: flags.node,
      ports: flags.port, fallbackPorts: profile.ports, configuredNetworks: this.settings().networks.value,
    }
    const {plan, networks, notes} = await planProbe(store, request)
    const settings = this.settings()
    const binds = bindSpecs(profile.bind ? {values: profile.bind, where: profileWhere(settings.profileName.value, settings.configPath.value)} : undefined, flags.bind)
    const bind = bindMap(networks, binds)
    if (bind) await assertLocalAddresses(binds)
    for (const note of notes) this.notice(note)
    if (plan.targets.length === 0) {
      if (!this.jsonEnabled() && plan.rows.length > 0) this.renderMatrix(plan, buildReport(plan, []))
      throw nothingToProbe(plan, Boolean(flags.node || flags.network))
    }
    const options: ProbeOptions = {timeoutMs, retries, concurrency, bind, samples, adaptive}

    if (flags.plan) return this.showPlan(plan, options) as unknown as ProbeCommandResult
    if (watchSeconds !== undefined) {
      const replan = async () => {
        const next = await planProbe(store, request)
        for (const note of next.notes) this.notice(note)
        const bind = bindMap(next.networks, binds)
        if (bind) await assertLocalAddresses(binds)
        return {plan: next.plan, bind}
      }
      return this.watch(plan, options, watchSeconds, {everyRound: flags['every-round'], reloadEvery: flags.reload, replan})
    }

    const started = Date.now()
    const results = await this.withProgress(plan.targets.length, (onProgress) => probeTargets(plan.targets, {...options, onProgress}))
    const report = buildReport(plan, results)
    const wallMs = Date.now() - started
    if (flags['prom-file'] !== undefined) await this.writePromFile(flags['prom-file'], {report})
    if (!this.jsonEnabled()) this.renderAll(plan, report)
    this.io.exitCode = report.exitCode
    const {rows: _rows, ...rest} = report
    return {...rest, unusable: plan.unusable, timeoutMs, timeoutMode: adaptive ? 'auto' : 'fixed', samples, retries, concurrency, wallMs, notices: this.notices, ...this.sourceJson()} as ProbeCommandResult
  }

  /** When --prom-file's probe started (set once the file's directory is known to be writable). */
  private promStartedAt: number | undefined

  /** --prom-file: the report's metrics (or, when the probe could not run, tarsnet_probe_success 0), atomically. */
  private async writePromFile(file: string, outcome: {report: ProbeReport} | {error: unknown}): Promise<void> {
    const [{probeMeasurement}, {singleRound}, {renderMetrics}, {writeFileAtomic}] = await Promise.all([
      import('../exporter/probe-collector.js'), import('../exporter/round.js'), import('../exporter/metrics.js'), import('../platform/atomic-file.js'),
    ])
    const measured = 'report' in outcome ? {measurement: probeMeasurement(outcome.report)} : outcome
    const {text} = await renderMetrics(singleRound('probe', measured, this.promStartedAt ?? Date.now(), Date.now()))
    writeFileAtomic(file, text, '--prom-file')
    this.verbose(`metrics written to ${file}`)
  }

  /** A probe that could not run still says so in --prom-file (tarsnet_probe_success 0), then fails as usual. */
  public override async catch(err: Error & {oclif?: {exit?: number}}): Promise<void> {
    const file = this.flags?.['prom-file']
    if (file !== undefined && this.promStartedAt !== undefined && !(err instanceof UserError && err.code === 'prom_file_unwritable')) {
      await this.writePromFile(file, {error: err}).catch((error: unknown) => {
        stderrLine(this.io, 'red', 'error:', (error as Error).message)
      })
    }
    return super.catch(err)
  }

  /** Runs `work`, showing "probing 120/400…" on stderr if it takes over a second and stderr is a terminal. */
  private async withProgress<T>(total: number, work: (onProgress: (done: number) => void) => Promise<T>): Promise<T> {
    let done = 0
    const tty = this.io.stderrIsTTY && !this.jsonEnabled()
    let shown = false
    const draw = () => {
      shown = true
      this.io.err.write(`\r\u001B[2Kprobing ${done}/${total}…`)
    }
    let interval: NodeJS.Timeout | undefined
    const timer = tty ? setTimeout(() => {
      draw()
      interval = setInterval(draw, 200)
    }, 1000) : undefined
    try {
      return await work((d) => {
        done = d
      })
    } finally {
      if (timer) clearTimeout(timer)
      if (interval) clearInterval(interval)
      if (shown) this.io.err.write('\r\u001B[2K')
    }
  }

  private glyphs() {
    return this.unicode ? UNICODE_GLYPHS : ASCII_GLYPHS
  }

  private renderMatrix(plan: ProbePlan, report: ProbeReport): void {
    const model = matrixModel(plan, report, this.glyphs())
    const head = [plan.mode === 'object' ? 'NODE (ENDPOINT)' : 'NODE', ...model.head]
    const rows = model.rows.map((r) => {
      const label = r.inactive ? `${escapeControl(r.label)} ${this.paint('yellow', '(inactive)')}` : escapeControl(r.label)
      if (r.note !== null && r.cells.every((c) => c.kind === 'none' || c.kind === 'idle')) {
        return [label, ...r.cells.map((c, i) => (i === 0 ? this.paint('dim', `- ${r.note}`) : c.kind === 'idle' ? this.paint('dim', c.text) : ''))]
      }
      return [label, ...r.cells.map((c) => this.paint(c.kind === 'up' ? 'green' : c.kind === 'down' ? 'red' : c.kind === 'lossy' ? 'yellow' : 'dim', c.text))]
    })
    if (plan.object) this.log(`${plan.object}`)
    this.log(renderTable(head, rows, {width: this.width}))
  }

  private renderAll(plan: ProbePlan, report: ProbeReport): void {
    this.renderMatrix(plan, report)
    this.log('')
    this.log(networkLines(report.summary).join('   '))
    for (const line of report.lines) this.log(this.paint(report.verdict === 'ok' ? 'green' : report.verdict === 'outage' ? 'red' : 'yellow', line))
    const explained = servantExplanation(report.results)
    if (explained) this.log(this.paint('dim', `note: ${explained}`))
    const legend = lossLegend(report.results)
    if (legend) this.log(this.paint('dim', `note: ${legend}`))
  }

  /** --plan: the targets, as a table or JSON; nothing is sent. */
  private showPlan(plan: ProbePlan, options: ProbeOptions): ProbePlanResult {
    const listing = planListing(plan, options.bind)
    const {targets} = listing
    if (!this.jsonEnabled()) {
      if (plan.object) this.log(plan.object)
      this.log(renderTable(['NODE', 'NETWORK', 'IP', 'PORTS', 'CHECK', 'SOURCE'], targets.map((t) => [
        `${escapeControl(t.row)}${t.active ? '' : ` ${this.paint('yellow', '(inactive)')}`}`, t.network ?? NO_NETWORK, t.host, t.ports.join(' '),
        t.check === 'tars' ? `tars_ping ${escapeControl((t.servants ?? []).filter((x) => x !== null).join(' '))}`.trimEnd() : 'tcp', t.sourceIp ?? '-',
      ]), {width: this.width, squeeze: ['CHECK', 'SOURCE']}))
      const idle = plan.rows.filter((r) => r.nothingToProbe !== null)
      this.log('')
      this.log(`${targets.length} target(s) on ${new Set(targets.map((t) => t.node)).size} node(s) would be probed (nothing was sent)${idle.length > 0 ? `; nothing to probe on ${idle.length} row(s): ${idle.slice(0, 10).map((r) => `${escapeControl(r.label)} (${r.nothingToProbe})`).join(', ')}${idle.length > 10 ? ', …' : ''}` : ''}.`)
    }
    return {...listing, timeoutMs: options.timeoutMs!, retries: options.retries!, concurrency: options.concurrency!, notices: this.notices, ...this.sourceJson()}
  }

  /** --watch --json: every line of output is one JSON object (the final summary too). */
  private jsonLines = false

  public override logJson(json: unknown): void {
    if (this.jsonLines) this.io.out.write(JSON.stringify(json) + '\n')
    else super.logJson(json)
  }

  /**
   * --watch: probe every `seconds` until Ctrl-C, then summarise each link's changes and downtime. With
   * --json, one JSON line per link change and per verdict change (and per round with --every-round);
   * with --reload N, the node list is read again every N rounds.
   */
  private async watch(initial: ProbePlan, initialOptions: ProbeOptions, seconds: number, more: WatchOptions): Promise<ProbeCommandResult> {
    const tracker = new WatchTracker()
    const json = this.jsonEnabled()
    this.jsonLines = json
    const tty = this.io.stdoutIsTTY && !json
    const unicode = this.unicode
    const line = (object: Record<string, unknown>) => this.io.out.write(JSON.stringify(object) + '\n')
    let plan = initial
    let options = initialOptions
    const ac = new AbortController()
    const stop = () => ac.abort()
    const stopListening = this.io.onInterrupt(stop)
    let report: ProbeReport | undefined
    let wallMs = 0
    try {
      while (!ac.signal.aborted) {
        if (more.reloadEvery !== undefined && tracker.rounds > 0 && tracker.rounds % more.reloadEvery === 0) {
          try {
            const before = new Set(plan.targets.map((t) => linkKey({row: t.row, network: t.network, host: t.host})))
            const next = await more.replan()
            const after = new Set(next.plan.targets.map((t) => linkKey({row: t.row, network: t.network, host: t.host})))
            const added = [...after].filter((k) => !before.has(k)).length
            const removed = [...before].filter((k) => !after.has(k)).length
            if (next.plan.targets.length > 0) {
              plan = next.plan
              options = {...options, bind: next.bind}
            }
            const at = Date.now()
            if (json) line({type: 'reload', time: new Date(at).toISOString(), round: tracker.rounds, ok: true, links: plan.targets.length, added, removed})
            else if (!tty && (added > 0 || removed > 0)) this.log(`${clock(at)} node list re-read: ${plan.targets.length} link(s), ${added} added, ${removed} removed`)
          } catch (error) {
            // A database gone for a moment: keep watching what was planned, and say so (with --json, as it happens).
            const message = (error as Error).message
            if (json) line({type: 'reload', time: new Date().toISOString(), round: tracker.rounds, ok: false, error: message, links: plan.targets.length})
            this.notice(`could not re-read the node list (${message}); watching the links planned before`)
          }
        }
        const started = Date.now()
        const results = await probeTargets(plan.targets, {...options, signal: ac.signal})
        if (ac.signal.aborted) break
        wallMs = Date.now() - started
        const previous = report
        report = buildReport(plan, results)
        const now = Date.now()
        const changes = tracker.update(report.results, now)
        const verdictChanged = previous !== undefined && previous.verdict !== report.verdict
        if (json) {
          const time = new Date(now).toISOString()
          for (const c of changes) line({type: 'change', time, link: c.link, node: c.node, network: c.network, host: c.host, from: c.from, to: c.to})
          if (verdictChanged) line({type: 'verdict', time, from: previous.verdict, to: report.verdict, exitCode: report.exitCode, lines: report.lines})
          if (tracker.rounds === 1 || more.everyRound) {
            line({type: 'round', time, round: tracker.rounds, links: plan.targets.length, verdict: report.verdict, exitCode: report.exitCode, networks: report.summary.networks, lines: report.lines, wallMs})
          }
        } else if (tty) {
          this.io.out.write('\u001B[H\u001B[2J')
          this.log(`${clock(now)}  every ${seconds} s, round ${tracker.rounds} (Ctrl-C to stop)`)
          this.renderAll(plan, report)
          for (const c of changes) this.log(changeLine(c, unicode))
        } else if (tracker.rounds === 1) {
          this.log(`${clock(now)} watching ${plan.targets.length} link(s) every ${seconds} s: ${networkLines(report.summary).join(', ')}; ${report.verdict}`)
          const explained = servantExplanation(report.results)
          if (explained) this.log(`note: ${explained}`)
        } else {
          for (const c of changes) this.log(changeLine(c, unicode))
          if (verdictChanged) this.log(`${clock(now)} verdict ${previous.verdict} ${unicode ? '→' : '->'} ${report.verdict}`)
        }
        const wait = Math.max(0, seconds * 1000 - (Date.now() - started))
        await sleepUnlessAborted(wait, ac.signal)
      }
    } finally {
      stopListening()
    }
    const now = Date.now()
    const stats = tracker.stats(now)
    const eventful = stats.filter((s) => s.changes > 0 || s.downMs > 0)
    const final = report ?? buildReport(plan, [])
    this.io.exitCode = report ? final.exitCode : EXIT.cannotProbe
    if (json) {
      // The last line: the watch's summary, and the last round's report.
      const {rows: _rows, ...rest} = final
      return {type: 'end', watchedMs: tracker.elapsed(now), rounds: tracker.rounds, links: eventful, ...rest, unusable: plan.unusable, timeoutMs: options.timeoutMs!, timeoutMode: options.adaptive ? 'auto' : 'fixed', samples: options.samples ?? 1, retries: options.retries!, concurrency: options.concurrency!, wallMs, notices: this.notices, ...this.sourceJson()} as unknown as ProbeCommandResult
    }
    this.log('')
    this.log(`Watched ${formatDuration(tracker.elapsed(now))}, ${tracker.rounds} round(s).`)
    if (eventful.length === 0) this.log('No link changed state.')
    else {
      this.log(renderTable(['LINK', 'CHANGES', 'DOWN FOR', 'NOW'], eventful.map((s) => [`${s.node} ${s.network ?? NO_NETWORK} ${s.host}`, String(s.changes), formatDuration(s.downMs), s.status]), {width: this.width}))
    }
    const {rows: _rows, ...rest} = final
    return {...rest, unusable: plan.unusable, timeoutMs: options.timeoutMs!, timeoutMode: options.adaptive ? 'auto' : 'fixed', samples: options.samples ?? 1, retries: options.retries!, concurrency: options.concurrency!, wallMs, notices: this.notices, ...this.sourceJson()} as ProbeCommandResult
  }
}

/**
 * Flags that do not go together, as one line saying what to do (null: none). Checked before anything is
 * read, as oclif's own checks would be, but in tarsnet's words rather than oclif's two-part ones.
 */
export function flagConflict(flags: {watch?: string; plan?: boolean; 'prom-file'?: string; 'every-round'?: boolean; reload?: number}, json: boolean): string | null {
  const watch = flags.watch !== undefined
  if (flags.plan && watch) return '--plan and --watch do not go together: --plan shows the targets once without probing; drop --watch to see the plan, or --plan to watch'
  if (flags.plan && flags['prom-file'] !== undefined) return '--plan and --prom-file do not go together: --plan probes nothing, so there are no metrics to write; drop one of them'
  if (watch && flags['prom-file'] !== undefined) return '--watch and --prom-file do not go together: --prom-file writes one probe\'s metrics; drop --watch (and run the probe from a timer), or serve them continuously with `tarsnet exporter`'
  if (flags['every-round'] && !(watch && json)) return `--every-round applies only with --watch --json (one JSON line per round): add ${watch ? '--json' : json ? '--watch' : '--watch --json'}, or leave it out`
  if (flags.reload !== undefined && !watch) return '--reload applies only with --watch (the node list is re-read every N rounds of the watch): add --watch, or leave it out'
  return null
}

interface WatchOptions {
  everyRound: boolean
  reloadEvery: number | undefined
  replan: () => Promise<{plan: ProbePlan; bind: Map<string, string> | undefined}>
}

export interface ProbePlanResult extends PlanListing {
  timeoutMs: number
  retries: number
  concurrency: number
  notices: string[]
}
