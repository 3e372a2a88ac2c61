import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {profileWhere} from '../cli/config/profile-checks.js'
import {withProgress} from '../cli/progress.js'
import {PromFile, promFileFlag, type PromOutcome} from '../cli/prom-file.js'
import {stderrLine} from '../cli/terminal.js'
import {expandWatchFlag, watch, watchSeconds, watchSummaryLines} from '../cli/watch.js'
import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {flagConflict, probeFlags} from '../options/probe-flags.js'
import {leanHeap} from '../platform/lean-heap.js'
import {planListing, type CheckMode} from '../probe/plan.js'
import {buildReport, type ProbeReport} from '../probe/report.js'
import {assertObjectName, nothingToProbe, probeTiming} from '../probe/request.js'
import {prepareProbe, probeJson, probeOnce, ProbeWatch, unprobed, type PreparedProbe, type ProbeRunOptions} from '../probe/run.js'
import {matrixLines, planLines, reloadView, reportLines, watchRoundView} from '../probe/view.js'
import type {Store} from '../store/types.js'

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
    'prom-file': promFileFlag('the probe'),
  }

  protected override errorExitCode = EXIT.unknown
  private promFile: PromFile<ProbeReport> | undefined
  /** --watch --json: every line of output is one JSON object (the final summary too). */
  private jsonLines = false

  public override async init(): Promise<void> {
    this.argv = expandWatchFlag(this.argv)
    await super.init()
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = this
    const json = this.jsonEnabled()
    const conflict = flagConflict(flags, json)
    if (conflict) throw new UserError(conflict, {code: 'invalid_flag'})
    const settings = this.settings()
    const profile = settings.probe.value
    const seconds = watchSeconds(flags.watch)
    assertObjectName(this.args.object)
    if (flags['prom-file'] !== undefined) this.promFile = new PromFile(flags['prom-file'], renderMetrics, (message) => this.verbose(message))
    const options: ProbeRunOptions = {
      request: {
        object: this.args.object, check: flags.check as CheckMode, network: flags.network, node: flags.node,
        ports: flags.port, fallbackPorts: profile.ports, configuredNetworks: settings.networks.value,
      },
      profileBind: profile.bind ? {values: profile.bind, where: profileWhere(settings.profileName.value, settings.configPath.value)} : undefined,
      bindFlags: flags.bind,
      timing: probeTiming(flags, profile),
    }
    // Thousands of sockets at once: V8 would otherwise grow its heap far past what the probe keeps.
    leanHeap()
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const probe = await prepareProbe(store, options, (note) => this.notice(note))
    const {plan} = probe
    if (plan.targets.length === 0) {
      if (!json && plan.rows.length > 0) this.show(matrixLines(plan, buildReport(plan, []), this.screen))
      throw nothingToProbe(plan, Boolean(flags.node || flags.network))
    }
    const {timeoutMs, retries, concurrency} = options.timing
    if (flags.plan) {
      const listing = planListing(plan, probe.options.bind)
      if (!json) this.show(planLines(plan, listing, this.screen))
      return {...listing, timeoutMs, retries, concurrency, notices: this.notices, ...this.sourceJson()}
    }
    if (seconds !== undefined) return this.watch(store, probe, seconds)
    const {report, wallMs} = await probeOnce(probe, (total, work) => withProgress(this.io.err, 'probing', this.io.stderrIsTTY && !json, work, {total}))
    await this.promFile?.write({result: report})
    if (!json) this.show(reportLines(plan, report, this.screen))
    this.io.exitCode = report.exitCode
    return {...probeJson(report, plan, options.timing, wallMs), notices: this.notices, ...this.sourceJson()}
  }

  /** --watch: rounds until Ctrl-C, then how often each link changed and how long it was down (with --json, an end line). */
  private async watch(store: Store, probe: PreparedProbe, seconds: number): Promise<Record<string, unknown>> {
    const json = this.jsonEnabled()
    this.jsonLines = json
    const rounds = new ProbeWatch(store, probe, this.flags.reload, (message) => this.notice(message))
    const end = await watch(this.io, (line) => this.log(line), {
      seconds, json, everyRound: this.flags['every-round'],
      beforeRound: async (done, mode) => reloadView(await rounds.reload(done), done, mode),
      round: (signal) => rounds.round(signal),
      show: (round) => watchRoundView(round, seconds, this.screen),
    })
    const last = end.last ?? unprobed(rounds.plan)
    this.io.exitCode = end.last ? last.report.exitCode : EXIT.unknown
    const result = {...probeJson(last.report, rounds.plan, probe.run.timing, last.wallMs), notices: this.notices, ...this.sourceJson()}
    if (json) return {type: 'end', watchedMs: end.watchedMs, rounds: end.rounds, links: end.eventful, ...result}
    this.show(watchSummaryLines(end, this.width))
    return result
  }

  private show(lines: string[]): void {
    for (const line of lines) this.log(line)
  }

  public override logJson(json: unknown): void {
    if (this.jsonLines) this.io.out.write(JSON.stringify(json) + '\n')
    else super.logJson(json)
  }

  /** A probe that could not run still says so in --prom-file (tarsnet_probe_success 0), then fails as usual. */
  public override async catch(err: Error & {oclif?: {exit?: number}}): Promise<void> {
    await this.promFile?.writeFailure(err, (message) => stderrLine(this.io, 'red', 'error:', message))
    return super.catch(err)
  }
}

/** --prom-file's text: the report (or why there is none) as one exporter round. */
async function renderMetrics(outcome: PromOutcome<ProbeReport>, startedAtMs: number): Promise<string> {
  const [{probeMeasurement}, {singleRound}, metrics] = await Promise.all([import('../exporter/probe-collector.js'), import('../exporter/round.js'), import('../exporter/metrics.js')])
  const measured = 'result' in outcome ? {measurement: probeMeasurement(outcome.result)} : outcome
  return (await metrics.renderMetrics(singleRound('probe', measured, startedAtMs, Date.now()))).text
}
