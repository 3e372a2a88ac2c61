import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {withProgress} from '../cli/progress.js'
import {PromFile, promFileFlag, type PromOutcome} from '../cli/prom-file.js'
import {stderrLine} from '../cli/terminal.js'
import {expandWatchFlag, watch, watchSeconds, watchSummaryLines} from '../cli/watch.js'
import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import type {MeshPlan} from '../mesh/plan.js'
import {culpritLines, verdictLine} from '../mesh/report.js'
import {nothingToMesh, planMeshRequest} from '../mesh/request.js'
import {fixedWaitNotice, meshJson, notMeasured} from '../mesh/result.js'
import {MeshSession, meshTiming, runMeshRound, type MeshRoundResult, type MeshRunOptions} from '../mesh/run.js'
import {glyphsFor, meshLines, trackedLinks, watchRoundView} from '../mesh/view.js'
import {resolveSshConfig, sshConfigLine, sshFlags} from '../options/ssh-flags.js'
import {samplingFlags, timeoutFlag} from '../options/probe-flags.js'
import {DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS} from '../probe/engine.js'
import {assertObjectName, effectiveRetries, timeoutChoice} from '../probe/request.js'

export default class Mesh extends BaseCommand<typeof Mesh> {
  static override summary = 'Every node probes every other node on every network, over your own SSH: pairs, culprits, verdict.'
  static override description = `The view from the nodes: for every pair of nodes, on which networks they reach each other, and the fewest culprits that explain the failed links (a network, a node cut off, a node's side of a network, a node that cannot reach out, one link).
tarsnet runs your OpenSSH client (ssh), so ~/.ssh/config, ProxyJump, the agent, certificates and known_hosts apply as they are; always with BatchMode=yes, never with weaker host-key checking. One session per node, at most --fanout at once; a node is reached over its IPs in list order (when the first network does not answer SSH, the next).
On each node a POSIX sh script (sent on stdin to \`sh -s\`) probes every target at once with bash's /dev/tcp (bounded by timeout), else nc, else python3: no Node, nothing installed, nothing left behind. Only IP addresses and port numbers enter it, never node names.
Targets are probe's: each node's own active servant ports on each of its IPs, or --port. A node does not probe itself, and probes only networks it has an IP on.
Gray failures: --samples N has each node measure each link N times, 100 ms apart; a link that connects on some samples only is lossy (a digit in its cell: ~10 % per unit), the verdict is then DEGRADED, and the culprits say where: a node whose links on a network are lossy (or fail at random) across many peers is "n3's side of network x loses ~30 % of packets (intermittent)", a network lossy on most links is the network, a link is named alone only when it alone is lossy. Links whose p50 is ≥ 5× their network's median and ≥ 20 ms are listed as slow, without changing the verdict.
With an object (App.Server.Obj): the pairs among the nodes serving it, on its endpoints, and the raft view (which pairs can talk; can a majority all talk).
Exit codes: 0 every link up and every node reached; 1 degraded (a link down, every pair still up on some network; or a node not reached over SSH); 2 outage (a pair cut, a node cut off, or no raft majority); 3 could not run (bad input, ssh or its config missing, no node reached).`

  static override examples = [
    {description: 'The full mesh, with your ssh config', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Through a bastion, as user tars, 64 sessions at once', command: '<%= config.bin %> <%= command.id %> --ssh-option ProxyJump=bastion --ssh-user tars --fanout 64'},
    {description: 'The raft view of one object', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj'},
    {description: 'Only network y, port 22 on every node', command: '<%= config.bin %> <%= command.id %> --network y --port 22'},
    {description: 'Watch: SSH connections reused, changes as they happen, Ctrl-C for a summary', command: '<%= config.bin %> <%= command.id %> --watch 10'},
    {description: 'Gray failures: 10 samples per link (loss and latency per link; a lossy NIC is named as that node\'s side of the network)', command: '<%= config.bin %> <%= command.id %> --samples 10'},
    {description: 'For monitoring: JSON and exit 0/1/2/3', command: '<%= config.bin %> <%= command.id %> --json --timeout 500'},
  ]

  static override args = {
    object: Args.string({description: 'Only the nodes serving this object (App.Server.Obj), probing its endpoints; adds the raft view.'}),
  }

  static override flags = {
    network: Flags.string({summary: 'Only links on this network (SSH may still use any).'}),
    node: Flags.string({summary: 'Only nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
    port: Flags.integer({summary: 'Probe this port on every node IP (repeatable) instead of the servants\' ports.', multiple: true, min: 1, max: 65535}),
    timeout: timeoutFlag(`Milliseconds per probe on the node (default ${DEFAULT_TIMEOUT_MS}, or the profile's probe.timeoutMs), or auto: on each node, per network, from the round trips answered in this run (RFC 6298; 1000 ms until a network answers, or what earlier rounds learned; at least 100 ms, at most --timeout-max; nodes probing with nc keep the fixed wait).`),
    ...samplingFlags,
    retries: Flags.integer({summary: `Extra tries after a timeout or unreachable (default ${DEFAULT_RETRIES}, or the profile's probe.retries); never after refused.`, min: 0, max: 10}),
    ...sshFlags,
    watch: Flags.string({summary: 'Run again every SECONDS (default 2) until Ctrl-C, reusing SSH connections; changes are printed as they happen.', helpValue: '[SECONDS]', exclusive: ['json', 'prom-file']}),
    'prom-file': promFileFlag('the mesh'),
  }

  protected override errorExitCode = EXIT.unknown
  private promFile: PromFile<MeshRoundResult> | undefined

  public override async init(): Promise<void> {
    this.argv = expandWatchFlag(this.argv)
    await super.init()
  }

  async run(): Promise<Record<string, unknown>> {
    const {flags} = this
    const settings = this.settings()
    const probeProfile = settings.probe.value
    const seconds = watchSeconds(flags.watch)
    assertObjectName(this.args.object)
    const timing = meshTiming(timeoutChoice(flags, probeProfile), flags.samples ?? probeProfile.samples ?? 1)
    const retries = effectiveRetries(timing.samples, flags.retries ?? probeProfile.retries ?? DEFAULT_RETRIES)
    const ssh = resolveSshConfig(flags, settings.profile, settings.profileName.value, this.io.env)
    this.verbose(sshConfigLine(ssh))
    if (flags['prom-file'] !== undefined) this.promFile = new PromFile(flags['prom-file'], renderMetrics, (message) => this.verbose(message))
    const options: MeshRunOptions = {...timing, retries, ssh}

    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const {plan, notes} = await planMeshRequest(store, {
      object: this.args.object, network: flags.network, node: flags.node, ports: flags.port,
      fallbackPorts: probeProfile.ports, configuredNetworks: settings.networks.value,
    })
    for (const note of notes) this.notice(note)
    const nothing = nothingToMesh(plan, Boolean(flags.node || flags.network))
    if (nothing) throw nothing
    if (seconds !== undefined) return this.watch(plan, options, seconds)

    const result = await withProgress(this.io.err, (done, total) => `meshing: ${done}/${total} nodes done…`, this.io.stderrIsTTY && !this.jsonEnabled(),
      (onProgress) => runMeshRound(plan, {...options, onSource: (_source, done, total) => onProgress(done, total)}), {total: plan.nodes.length, everyMs: 250})
    await this.promFile?.write({result})
    const failed = notMeasured(result)
    if (failed) throw failed
    const fixedWait = fixedWaitNotice(result, options.timeoutMs)
    if (fixedWait) this.notice(fixedWait)
    if (!this.jsonEnabled()) this.show(meshLines(plan, result, this.screen))
    this.io.exitCode = result.exitCode
    return {...meshJson(result, options), notices: this.notices, ...this.sourceJson()}
  }

  /** --watch: rounds over SSH connections kept open, changes as they happen; Ctrl-C summarises and closes them. */
  private async watch(plan: MeshPlan, options: MeshRunOptions, seconds: number): Promise<Record<string, unknown>> {
    const session = new MeshSession({...options, reuse: true, controlPersistS: Math.max(60, Math.ceil(seconds * 3))})
    this.verbose(`ssh control sockets in ${session.controlDir}`)
    const end = await watch(this.io, (line) => this.log(line), {
      seconds, json: false,
      round: async (signal, done) => {
        const result = await session.round(plan, signal)
        // A first round that reached no node is a setup problem (ssh config, keys): say so now.
        const failed = done === 0 && !signal.aborted ? notMeasured(result) : null
        if (failed) throw failed
        return {result, links: trackedLinks(result, this.screen)}
      },
      show: (round) => watchRoundView(round, plan, seconds, this.screen),
      finish: () => session.close(),
    })
    this.show(watchSummaryLines(end, this.width, {closing: '; SSH connections closed', split: true}))
    const {last} = end
    if (!last) {
      this.io.exitCode = EXIT.unknown
      throw new UserError('interrupted before the first round ended', {code: 'interrupted', exitCode: EXIT.unknown})
    }
    this.show([...culpritLines(last), verdictLine(last, glyphsFor(this.screen))])
    this.io.exitCode = last.measured ? last.exitCode : EXIT.unknown
    return {...meshJson(last, options), notices: this.notices, ...this.sourceJson()}
  }

  private show(lines: string[]): void {
    for (const line of lines) this.log(line)
  }

  /** A mesh that could not run still says so in --prom-file (tarsnet_probe_success 0), then fails as usual. */
  public override async catch(err: Error & {oclif?: {exit?: number}}): Promise<void> {
    await this.promFile?.writeFailure(err, (message) => stderrLine(this.io, 'red', 'error:', message))
    return super.catch(err)
  }
}

/**
 * --prom-file's text: the round as one exporter round (one that reached no node: its sources down and
 * tarsnet_probe_success 0), or a mesh that could not run at all.
 */
async function renderMetrics(outcome: PromOutcome<MeshRoundResult>, startedAtMs: number): Promise<string> {
  const [{meshMeasurement}, {singleRound}, metrics] = await Promise.all([import('../exporter/mesh-collector.js'), import('../exporter/round.js'), import('../exporter/metrics.js')])
  const measured = 'result' in outcome ? {measurement: meshMeasurement(outcome.result)} : outcome
  return (await metrics.renderMetrics(singleRound('mesh', measured, startedAtMs, Date.now()))).text
}
