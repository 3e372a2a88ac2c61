import {Args, Flags} from '@oclif/core'

import {normalizeIp} from '../core/ip.js'
import {assertKnownNetwork, type Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {parseObjectName, resolveObject} from '../core/resolve.js'
import {BaseCommand} from '../lib/base-command.js'
import {UserError} from '../core/errors.js'
import {loadObjectRows} from '../lib/object-loader.js'
import {renderTable} from '../lib/table.js'
import {unicodeTerminal} from '../lib/terminal.js'
import {DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, defaultConcurrency, probeTargets, type ProbeOptions} from '../probe/engine.js'
import {planMatrix, planObject, type CheckMode, type ProbePlan} from '../probe/plan.js'
import {ASCII_GLYPHS, buildReport, EXIT, matrixModel, networkLines, servantExplanation, UNICODE_GLYPHS, type ProbeReport} from '../probe/report.js'
import {changeLine, clock, expandWatchFlag, formatDuration, WatchTracker} from '../probe/watch.js'
import type {Store} from '../store/types.js'

export type ProbeCommandResult = Omit<ProbeReport, 'lines' | 'rows' | 'exitCode'> & {
  lines: string[]
  exitCode: number
  timeoutMs: number
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
--bind x=10.10.0.5 makes probes to network x leave from that source address. The kernel still routes by destination: binding picks the source address, not the interface.
Exit codes (monitoring-plugin convention): 0 every link up; 1 degraded (some link down, every node or endpoint still up on at least one network); 2 outage (some node or endpoint up on no network); 3 could not probe (bad input, database unreachable, nothing to probe).`

  static override examples = [
    {description: 'The link matrix of the built-in demo cluster (start its listeners first with `tarsnet demo`)', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'Every endpoint of one object, with tars_ping', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj'},
    {description: 'Only network y, port 22 on every node IP, TCP only', command: '<%= config.bin %> <%= command.id %> --network y --port 22 --check tcp'},
    {description: 'Leave from a given source address per network (routing still follows the destination)', command: '<%= config.bin %> <%= command.id %> --bind x=10.10.0.5 --bind y=10.20.0.5'},
    {description: 'Watch every 5 s; Ctrl-C prints how often each link changed and how long it was down', command: '<%= config.bin %> <%= command.id %> --watch 5'},
    {description: 'As a monitoring check: JSON, exit 0/1/2/3', command: '<%= config.bin %> <%= command.id %> --json --timeout 500'},
  ]

  static override args = {
    object: Args.string({description: 'Probe every expanded endpoint of this object (App.Server.Obj) instead of the node matrix.'}),
  }

  static override flags = {
    check: Flags.string({summary: 'tcp: TCP connect; tars: tars_ping where a Tars servant is known; auto: tars_ping for Tars adapters, else TCP.', options: ['tcp', 'tars', 'auto'], default: 'auto'}),
    network: Flags.string({summary: 'Only links on this network.'}),
    node: Flags.string({summary: 'Only nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
    port: Flags.integer({summary: 'Probe this port on every node IP (repeatable) instead of the servants\' ports.', multiple: true, min: 1, max: 65535}),
    timeout: Flags.integer({summary: `Milliseconds per probe (default ${DEFAULT_TIMEOUT_MS}, or the profile's).`, min: 1, max: 600_000}),
    retries: Flags.integer({summary: `Extra tries after a timeout or unreachable (default ${DEFAULT_RETRIES}, or the profile's); never after refused.`, min: 0, max: 10}),
    concurrency: Flags.integer({summary: 'Probes in flight at once (default: the open-file limit less headroom).', min: 1}),
    bind: Flags.string({summary: 'NETWORK=IP: source address for probes to that network (repeatable). Routing still follows the destination: this picks the source address, not the interface.', multiple: true}),
    watch: Flags.string({summary: 'Probe again every SECONDS (default 2) until Ctrl-C. On a terminal the matrix is redrawn in place; otherwise one stamped line per change.', helpValue: '[SECONDS]', exclusive: ['json']}),
  }

  protected override errorExitCode = EXIT.cannotProbe

  public override async init(): Promise<void> {
    this.argv = expandWatchFlag(this.argv)
    await super.init()
  }

  async run(): Promise<ProbeCommandResult> {
    const {flags} = this
    const profile = this.settings().probe.value
    const watchSeconds = flags.watch === undefined ? undefined : Number(flags.watch)
    if (watchSeconds !== undefined && !(watchSeconds > 0)) throw new UserError(`invalid --watch '${flags.watch}': give a number of seconds, e.g. --watch 5`, {code: 'invalid_flag'})
    if (this.args.object !== undefined && !parseObjectName(this.args.object)) {
      throw new UserError(`invalid object name '${this.args.object}': write it as App.Server.Obj`, {code: 'invalid_object'})
    }
    const timeoutMs = flags.timeout ?? profile.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const retries = flags.retries ?? profile.retries ?? DEFAULT_RETRIES
    const concurrency = flags.concurrency ?? profile.concurrency ?? defaultConcurrency()

    const store = await this.openStore()
    const {plan, networks} = await this.plan(store, flags.check as CheckMode)
    const bind = this.bindMap(networks, profile.bind)
    for (const note of plan.notes) this.notice(note)
    if (plan.targets.length === 0) {
      if (!this.jsonEnabled() && plan.rows.length > 0) this.renderMatrix(plan, buildReport(plan, []))
      throw new UserError(
        plan.rows.length === 0
          ? `nothing to probe: no ${plan.mode === 'object' ? 'endpoint' : 'node'} matches${flags.node || flags.network ? ' --node/--network' : ''}`
          : 'nothing to probe: no IP has a port to probe (no active servants there): give --port N',
        {code: 'nothing_to_probe', exitCode: EXIT.cannotProbe},
      )
    }
    const options: ProbeOptions = {timeoutMs, retries, concurrency, bind}

    if (watchSeconds !== undefined) return this.watch(plan, options, watchSeconds)

    const started = Date.now()
    const results = await this.withProgress(plan.targets.length, (onProgress) => probeTargets(plan.targets, {...options, onProgress}))
    const report = buildReport(plan, results)
    const wallMs = Date.now() - started
    if (!this.jsonEnabled()) this.renderAll(plan, report)
    process.exitCode = report.exitCode
    const {rows: _rows, ...rest} = report
    return {...rest, timeoutMs, retries, concurrency, wallMs, notices: this.notices, ...this.sourceJson()} as ProbeCommandResult
  }

  /** The targets: the node matrix, or one object's endpoints. */
  private async plan(store: Store, check: CheckMode): Promise<{plan: ProbePlan; networks: Networks}> {
    const {flags} = this
    const object = this.args.object
    await this.noteMissingIpListColumn(store)
    if (object === undefined) {
      const [nodes, {servers, adapters}] = await Promise.all([store.loadNodes(), store.loadAllAdapters()])
      const networks = this.networksFor(() => nodes.flatMap((n) => nodeAddresses(n).ips))
      assertKnownNetwork(networks, this.flags.network)
      const profilePorts = this.settings().probe.value.ports
      return {networks, plan: planMatrix({nodes, servers, adapters, networks, ports: flags.port, fallbackPorts: profilePorts, check, network: flags.network, node: flags.node})}
    }
    const {rows, nodes} = await loadObjectRows(store, object)
    const networks = this.networksFor(() => nodes.flatMap((n) => nodeAddresses(n).ips))
    assertKnownNetwork(networks, this.flags.network)
    const result = resolveObject({object, rows, nodes, networks, groups: await store.loadGroups(), filters: {network: flags.network, node: flags.node}})
    if (flags.port) this.notice('--port is ignored with an object: its endpoints carry their own ports')
    return {networks, plan: planObject(result, networks, check, flags.network)}
  }

  /** --bind x=IP (and the profile's probe.bind): source address per network. */
  private bindMap(networks: Networks, fromProfile: Record<string, string> | undefined): Map<string, string> | undefined {
    const specs: Array<[string, string, string]> = Object.entries(fromProfile ?? {}).map(([n, ip]) => [n, ip, 'profile probe.bind'])
    for (const spec of this.flags.bind ?? []) {
      const eq = spec.indexOf('=')
      if (eq <= 0) throw new UserError(`invalid --bind '${spec}': write NETWORK=IP, e.g. --bind x=10.10.0.5`, {code: 'invalid_bind'})
      specs.push([spec.slice(0, eq).trim(), spec.slice(eq + 1).trim(), '--bind'])
    }
    if (specs.length === 0) return undefined
    const map = new Map<string, string>()
    for (const [network, ipText, origin] of specs) {
      if (!networks.list.some((n) => n.name === network)) {
        throw new UserError(`invalid ${origin} '${network}=${ipText}': unknown network "${network}"; the networks are ${networks.list.map((n) => n.name).join(', ') || '(none)'}`, {code: 'invalid_bind'})
      }
      const ip = normalizeIp(ipText)
      if (!ip) throw new UserError(`invalid ${origin} '${network}=${ipText}': "${ipText}" is not an IP address`, {code: 'invalid_bind'})
      map.set(network, ip)
    }
    return map
  }

  /** Runs `work`, showing "probing 120/400…" on stderr if it takes over a second and stderr is a terminal. */
  private async withProgress<T>(total: number, work: (onProgress: (done: number) => void) => Promise<T>): Promise<T> {
    let done = 0
    const tty = Boolean(process.stderr.isTTY) && !this.jsonEnabled()
    let shown = false
    const draw = () => {
      shown = true
      process.stderr.write(`\r\u001B[2Kprobing ${done}/${total}…`)
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
      if (shown) process.stderr.write('\r\u001B[2K')
    }
  }

  private glyphs() {
    return unicodeTerminal() ? UNICODE_GLYPHS : ASCII_GLYPHS
  }

  private renderMatrix(plan: ProbePlan, report: ProbeReport): void {
    const model = matrixModel(plan, report, this.glyphs())
    const head = [plan.mode === 'object' ? 'NODE (ENDPOINT)' : 'NODE', ...model.head]
    const rows = model.rows.map((r) => {
      const label = r.inactive ? `${r.label} ${this.paint('yellow', '(inactive)')}` : r.label
      if (r.note !== null && r.cells.every((c) => c.kind === 'none' || c.kind === 'idle')) {
        return [label, ...r.cells.map((c, i) => (i === 0 ? this.paint('dim', `- ${r.note}`) : c.kind === 'idle' ? this.paint('dim', c.text) : ''))]
      }
      return [label, ...r.cells.map((c) => this.paint(c.kind === 'up' ? 'green' : c.kind === 'down' ? 'red' : 'dim', c.text))]
    })
    if (plan.object) this.log(`${plan.object}`)
    this.log(renderTable(head, rows))
  }

  private renderAll(plan: ProbePlan, report: ProbeReport): void {
    this.renderMatrix(plan, report)
    this.log('')
    this.log(networkLines(report.summary).join('   '))
    for (const line of report.lines) this.log(this.paint(report.verdict === 'ok' ? 'green' : report.verdict === 'degraded' ? 'yellow' : 'red', line))
    const explained = servantExplanation(report.results)
    if (explained) this.log(this.paint('dim', `note: ${explained}`))
  }

  /** --watch: probe every `seconds` until Ctrl-C, then summarise each link's changes and downtime. */
  private async watch(plan: ProbePlan, options: ProbeOptions, seconds: number): Promise<ProbeCommandResult> {
    const tracker = new WatchTracker()
    const tty = Boolean(process.stdout.isTTY)
    const unicode = unicodeTerminal()
    const ac = new AbortController()
    const stop = () => ac.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    let report: ProbeReport | undefined
    let wallMs = 0
    try {
      while (!ac.signal.aborted) {
        const started = Date.now()
        const results = await probeTargets(plan.targets, {...options, signal: ac.signal})
        if (ac.signal.aborted) break
        wallMs = Date.now() - started
        report = buildReport(plan, results)
        const now = Date.now()
        const changes = tracker.update(report.results, now)
        if (tty) {
          process.stdout.write('\u001B[H\u001B[2J')
          this.log(`${clock(now)}  every ${seconds} s, round ${tracker.rounds} (Ctrl-C to stop)`)
          this.renderAll(plan, report)
          for (const c of changes) this.log(changeLine(c, unicode))
        } else if (tracker.rounds === 1) {
          this.log(`${clock(now)} watching ${plan.targets.length} link(s) every ${seconds} s: ${networkLines(report.summary).join(', ')}; ${report.verdict}`)
          const explained = servantExplanation(report.results)
          if (explained) this.log(`note: ${explained}`)
        } else {
          for (const c of changes) this.log(changeLine(c, unicode))
        }
        const wait = Math.max(0, seconds * 1000 - (Date.now() - started))
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait)
          ac.signal.addEventListener('abort', () => {
            clearTimeout(t)
            resolve()
          }, {once: true})
        })
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    const now = Date.now()
    const stats = tracker.stats(now)
    this.log('')
    this.log(`Watched ${formatDuration(tracker.elapsed(now))}, ${tracker.rounds} round(s).`)
    const eventful = stats.filter((s) => s.changes > 0 || s.downMs > 0)
    if (eventful.length === 0) this.log('No link changed state.')
    else {
      this.log(renderTable(['LINK', 'CHANGES', 'DOWN FOR', 'NOW'], eventful.map((s) => [`${s.node} ${s.network ?? '(none)'} ${s.host}`, String(s.changes), formatDuration(s.downMs), s.status])))
    }
    const final = report ?? buildReport(plan, [])
    process.exitCode = report ? final.exitCode : EXIT.cannotProbe
    const {rows: _rows, ...rest} = final
    return {...rest, timeoutMs: options.timeoutMs!, retries: options.retries!, concurrency: options.concurrency!, wallMs, notices: this.notices, ...this.sourceJson()} as ProbeCommandResult
  }
}
