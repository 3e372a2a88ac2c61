import {Args, Flags} from '@oclif/core'

import {parseObjectName} from '../core/resolve.js'
import {UserError} from '../core/errors.js'
import {BaseCommand} from '../cli/base-command.js'
import {sleepUnlessAborted} from '../platform/abortable-sleep.js'
import {renderTable} from '../platform/table.js'
import {resolveSshConfig, sshConfigLine, sshFlags} from '../options/ssh-flags.js'
import {stderrLine} from '../cli/terminal.js'
import type {MeshPlan} from '../mesh/plan.js'
import {ASCII, culpritLines, matrixLines, pairLines, raftLines, sourceLines, UNICODE, verdictLine, type Glyphs, type Tone} from '../mesh/report.js'
import {nothingToMesh, planMeshRequest} from '../mesh/request.js'
import {MESH_EXIT, MeshSession, meshTiming, type MeshRoundResult, type MeshSource, type MeshTiming} from '../mesh/run.js'
import {DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS} from '../probe/engine.js'
import {effectiveRetries, timeoutChoice} from '../probe/request.js'
import {samplingFlags, timeoutFlag} from '../options/probe-flags.js'
import {clock, expandWatchFlag, formatDuration, WatchTracker} from '../probe/watch.js'
import type {SshConfig} from '../ssh/fanout.js'
import {NO_NETWORK} from '../core/names.js'

export type MeshCommandResult = Omit<MeshRoundResult, 'measured'> & {
  /** Fixed: per probe; auto: the ceiling. */
  timeoutMs: number
  timeoutMode: 'fixed' | 'auto'
  samples: number
  retries: number
  fanout: number
  notices: string[]
}

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
    'prom-file': Flags.string({summary: 'Also write the results as Prometheus metrics to FILE, atomically (for node_exporter\'s textfile collector); written with tarsnet_probe_success 0 when the mesh cannot run.', helpValue: 'FILE'}),
  }

  protected override errorExitCode = MESH_EXIT.cannotRun

  public override async init(): Promise<void> {
    this.argv = expandWatchFlag(this.argv)
    await super.init()
  }

  async run(): Promise<MeshCommandResult> {
    const {flags} = this
    const probeProfile = this.settings().probe.value
    const watchSeconds = flags.watch === undefined ? undefined : Number(flags.watch)
    if (watchSeconds !== undefined && !(watchSeconds > 0)) throw new UserError(`invalid --watch '${flags.watch}': give a number of seconds above 0, e.g. --watch 5`, {code: 'invalid_flag'})
    if (this.args.object !== undefined && !parseObjectName(this.args.object)) {
      throw new UserError(`invalid object name '${this.args.object}': write it as App.Server.Obj`, {code: 'invalid_object'})
    }
    const timeout = timeoutChoice(flags, probeProfile)
    const timing = meshTiming(timeout, flags.samples ?? probeProfile.samples ?? 1)
    const {timeoutMs} = timing
    const retries = effectiveRetries(timing.samples, flags.retries ?? probeProfile.retries ?? DEFAULT_RETRIES)
    const settings = this.settings()
    const ssh = resolveSshConfig(flags, settings.profile, settings.profileName.value)
    this.verbose(sshConfigLine(ssh))
    if (flags['prom-file'] !== undefined) {
      const {checkWritableDirectory} = await import('../platform/atomic-file.js')
      checkWritableDirectory(flags['prom-file'], '--prom-file')
      this.promStartedAt = Date.now()
    }

    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const {plan, notes} = await planMeshRequest(store, {
      object: this.args.object, network: flags.network, node: flags.node, ports: flags.port,
      fallbackPorts: probeProfile.ports, configuredNetworks: settings.networks.value,
    })
    for (const note of notes) this.notice(note)
    const nothing = nothingToMesh(plan, Boolean(flags.node || flags.network))
    if (nothing) throw nothing
    if (watchSeconds !== undefined) return this.watch(plan, {...timing, retries, ssh}, watchSeconds)

    const session = new MeshSession({...timing, retries, ssh, reuse: false, onSource: this.progress(plan)})
    let result: MeshRoundResult
    try {
      result = await session.round(plan)
    } finally {
      this.clearProgress()
      await session.close()
    }
    if (flags['prom-file'] !== undefined) await this.writePromFile(flags['prom-file'], result)
    this.requireMeasured(result)
    const fixedNc = result.sources.filter((s) => s.waits?.some((w) => !w.adaptive)).map((s) => s.node)
    if (fixedNc.length > 0) this.notice(`--timeout auto: ${fixedNc.join(', ')} probe${fixedNc.length === 1 ? 's' : ''} with nc, whose -w counts whole seconds: ${timeoutMs} ms fixed there`)
    if (!this.jsonEnabled()) this.renderAll(plan, result)
    this.io.exitCode = result.exitCode
    return this.json(result, timing, retries, ssh.fanout)
  }

  /** When --prom-file's mesh started (set once the file's directory is known to be writable); its file written. */
  private promStartedAt: number | undefined
  private promWritten = false

  /**
   * --prom-file: the round's metrics, atomically; a round that reached no node writes its sources as down
   * and tarsnet_probe_success 0; a mesh that could not run at all (catch) writes tarsnet_probe_success 0.
   */
  private async writePromFile(file: string, outcome: MeshRoundResult | {error: unknown}): Promise<void> {
    const [{meshMeasurement}, {singleRound}, {renderMetrics}, {writeFileAtomic}] = await Promise.all([
      import('../exporter/mesh-collector.js'), import('../exporter/round.js'), import('../exporter/metrics.js'), import('../platform/atomic-file.js'),
    ])
    const measured = 'error' in outcome ? outcome : {measurement: meshMeasurement(outcome)}
    const {text} = await renderMetrics(singleRound('mesh', measured, this.promStartedAt ?? Date.now(), Date.now()))
    this.promWritten = true
    writeFileAtomic(file, text, '--prom-file')
    this.verbose(`metrics written to ${file}`)
  }

  /** A mesh that could not run still says so in --prom-file (tarsnet_probe_success 0), then fails as usual. */
  public override async catch(err: Error & {oclif?: {exit?: number}}): Promise<void> {
    const file = this.flags?.['prom-file']
    if (file !== undefined && this.promStartedAt !== undefined && !this.promWritten && !(err instanceof UserError && err.code === 'prom_file_unwritable')) {
      await this.writePromFile(file, {error: err}).catch((error: unknown) => {
        stderrLine(this.io, 'red', 'error:', (error as Error).message)
      })
    }
    return super.catch(err)
  }

  /** Nothing measured at all (no node answered over SSH, or none could probe): exit 3 with why. */
  private requireMeasured(result: MeshRoundResult): void {
    if (result.measured) return
    const failed = result.sources.filter((s) => s.status === 'unreachable' || s.status === 'error')
    const sample = failed.slice(0, 3).map((s) => `${s.node}: ${s.error}`).join('; ')
    throw new UserError(
      `could not run: no node ${failed.some((s) => s.status === 'unreachable') ? 'answered over SSH' : 'could probe'} (${sample}${failed.length > 3 ? '; …' : ''}): check --ssh-config, --ssh-user and that you can \`ssh\` to a node`,
      {code: 'no_node_reached', exitCode: MESH_EXIT.cannotRun},
    )
  }

  private json(result: MeshRoundResult, timing: MeshTiming, retries: number, fanout: number): MeshCommandResult {
    const {measured: _measured, raft, ...rest} = result
    return {...rest, ...(raft ? {raft} : {}), timeoutMs: timing.adaptive ? timing.adaptive.maxMs : timing.timeoutMs, timeoutMode: timing.adaptive ? 'auto' : 'fixed', samples: timing.samples, retries, fanout, notices: this.notices, ...this.sourceJson()} as MeshCommandResult
  }

  private glyphs(): Glyphs {
    return this.unicode ? UNICODE : ASCII
  }

  private tone = (tone: Tone, text: string): string =>
    this.paint(tone === 'up' ? 'green' : tone === 'down' ? 'red' : tone === 'warn' ? 'yellow' : 'dim', text)

  private renderAll(plan: MeshPlan, result: MeshRoundResult): void {
    const g = this.glyphs()
    if (plan.object) this.log(plan.object)
    for (const line of matrixLines(plan, result, g, this.tone)) this.log(line)
    this.log('')
    for (const line of sourceLines(result.sources)) this.log(line)
    for (const line of pairLines(result, g)) this.log(line)
    for (const line of culpritLines(result)) this.log(line)
    for (const line of raftLines(result, g)) this.log(line)
    const v = verdictLine(result, g)
    this.log(this.paint(result.verdict === 'ok' ? 'green' : result.verdict === 'degraded' ? 'yellow' : 'red', v))
  }

  private progressShown = false
  private progressTimer: NodeJS.Timeout | undefined

  /** "meshing 12/20 nodes…" on stderr, only on a terminal and only after a second. */
  private progress(plan: MeshPlan): ((s: MeshSource, done: number, total: number) => void) | undefined {
    if (!this.io.stderrIsTTY || this.jsonEnabled()) return undefined
    let state = {done: 0, total: plan.nodes.length}
    const draw = () => {
      this.progressShown = true
      this.io.err.write(`\r\u001B[2Kmeshing: ${state.done}/${state.total} nodes done…`)
    }
    this.progressTimer = setTimeout(() => {
      draw()
      this.progressTimer = setInterval(draw, 250)
    }, 1000)
    return (_s, done, total) => {
      state = {done, total}
    }
  }

  private clearProgress(): void {
    if (this.progressTimer) {
      clearTimeout(this.progressTimer)
      clearInterval(this.progressTimer)
    }
    if (this.progressShown) this.io.err.write('\r\u001B[2K')
    this.progressShown = false
  }

  /** --watch: a round every `seconds` over reused SSH connections, changes as they happen; Ctrl-C summarises. */
  private async watch(plan: MeshPlan, options: MeshTiming & {retries: number; ssh: SshConfig}, seconds: number): Promise<MeshCommandResult> {
    const g = this.glyphs()
    const session = new MeshSession({...options, reuse: true, controlPersistS: Math.max(60, Math.ceil(seconds * 3))})
    this.verbose(`ssh control sockets in ${session.controlDir}`)
    const tracker = new WatchTracker()
    const tty = this.io.stdoutIsTTY
    const ac = new AbortController()
    const stop = () => ac.abort()
    const stopListening = this.io.onInterrupt(stop)
    let last: MeshRoundResult | undefined
    let lastSsh = new Map<string, string>()
    let lastCulprits = new Map<string, string>()
    try {
      while (!ac.signal.aborted) {
        const started = Date.now()
        const result = await session.round(plan, ac.signal)
        if (ac.signal.aborted) break
        // A first round that reached no node is a setup problem (ssh config, keys): say so now.
        if (!last) this.requireMeasured(result)
        const now = Date.now()
        const changes = tracker.update(result.links.map((l) => ({row: `${l.from} ${g.arrow} ${l.to}`, node: `${l.from} ${g.arrow} ${l.to}`, network: l.network, host: l.host, status: l.status})), now)
        const lines: string[] = changes.map((c) => `${clock(c.at)} ${c.node} ${c.network ?? NO_NETWORK} ${c.host} ${c.from} ${g.arrow} ${c.to}`)
        const ssh = new Map(result.sources.filter((s) => s.status !== 'idle').map((s) => [s.node, s.status === 'unreachable' ? 'unreachable' : s.status === 'error' ? `error (${s.error})` : `over ${s.sshNetwork ?? NO_NETWORK} ${s.sshHost}`]))
        const culprits = new Map(result.culprits.map((c) => [`${c.kind} ${c.node ?? c.nodes?.join(' ') ?? ''} ${c.network ?? ''}`, c.message]))
        if (tracker.rounds > 1) {
          for (const [node, how] of ssh) if (lastSsh.get(node) !== how) lines.push(`${clock(now)} ${node}: SSH ${how}`)
          for (const [k, message] of culprits) if (!lastCulprits.has(k)) lines.push(`${clock(now)} culprit: ${message}`)
          for (const [k, message] of lastCulprits) if (!culprits.has(k)) lines.push(`${clock(now)} cleared: ${message}`)
          if (last && last.verdict !== result.verdict) lines.push(`${clock(now)} ${verdictLine(result, g)}`)
        }
        lastSsh = ssh
        lastCulprits = culprits
        last = result
        if (tty) {
          this.io.out.write('\u001B[H\u001B[2J')
          this.log(`${clock(now)}  every ${seconds} s, round ${tracker.rounds} (Ctrl-C to stop)`)
          this.renderAll(plan, result)
          for (const line of lines) this.log(line)
        } else if (tracker.rounds === 1) {
          const nets = Object.entries(result.summary.networks).map(([n, c]) => `${n}: ${c.up}/${c.total} up`).join(', ')
          this.log(`${clock(now)} watching ${result.links.length} link(s) between ${plan.nodes.length} nodes every ${seconds} s: ${nets}; ${verdictLine(result, g)}`)
          if (result.sources.some((s) => s.status === 'unreachable' || s.status === 'error')) for (const line of sourceLines(result.sources)) this.log(line)
          for (const line of culpritLines(result)) this.log(line)
        } else {
          for (const line of lines) this.log(line)
        }
        const wait = Math.max(0, seconds * 1000 - (Date.now() - started))
        await sleepUnlessAborted(wait, ac.signal)
      }
    } finally {
      stopListening()
      await session.close()
    }
    const now = Date.now()
    this.log('')
    this.log(`Watched ${formatDuration(tracker.elapsed(now))}, ${tracker.rounds} round(s); SSH connections closed.`)
    const eventful = tracker.stats(now).filter((s) => s.changes > 0 || s.downMs > 0)
    if (eventful.length === 0) this.log('No link changed state.')
    else this.log(renderTable(['LINK', 'NETWORK', 'IP', 'CHANGES', 'DOWN FOR', 'NOW'], eventful.map((s) => [s.node, s.network ?? NO_NETWORK, s.host, String(s.changes), formatDuration(s.downMs), s.status]), {width: this.width}))
    if (!last) {
      this.io.exitCode = MESH_EXIT.cannotRun
      throw new UserError('interrupted before the first round ended', {code: 'interrupted', exitCode: MESH_EXIT.cannotRun})
    }
    for (const line of culpritLines(last)) this.log(line)
    this.log(verdictLine(last, g))
    this.io.exitCode = last.measured ? last.exitCode : MESH_EXIT.cannotRun
    return this.json(last, options, options.retries, options.ssh.fanout)
  }
}
