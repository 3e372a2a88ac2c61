import {Args, Flags} from '@oclif/core'

import {DEFAULT_LISTEN} from '../core/listen.js'
import {UserError} from '../core/errors.js'
import {parseObjectName} from '../core/object-name.js'
import {BaseCommand} from '../cli/base-command.js'
import {exporterSettings} from '../cli/config/feature-settings.js'
import {profileWhere} from '../cli/config/profile-checks.js'
import {probeFlags} from '../options/probe-flags.js'
import {resolveSshConfig, sshConfigLine, sshFlags} from '../options/ssh-flags.js'
import {
  DEFAULT_EXPORTER_SAMPLES, DEFAULT_INTERVAL_SECONDS, exporterLog, listenAddressOf, meshRounds, runExporter, type ExporterResult as ExporterRun,
} from '../exporter/run.js'
import {assertLocalAddresses, bindSpecs, probeTiming} from '../probe/request.js'
import type {CheckMode} from '../probe/plan.js'

export type ExporterResult = ExporterRun & {notices: string[]}

export default class Exporter extends BaseCommand<typeof Exporter> {
  static override summary = 'Serve the link matrix to Prometheus: probe every interval (and with --mesh, the mesh over SSH), serve the last complete round at /metrics.'
  static override description = `A long-running process for the plant's monitoring: every --interval seconds it probes every node × network from this host (exactly as \`tarsnet probe\` does, with the same flags), and serves the last complete round at http://HOST:PORT/metrics in the Prometheus text format, plus /healthz. Scrapes never start a probe, and two rounds never run at once.
With --mesh, each round also runs the mesh (exactly as \`tarsnet mesh\` does: every node probes every other node over your own SSH, with the same SSH flags and the profile's ssh keys), keeping one SSH connection per node open between rounds; its links are tarsnet_link_up{source="<node>"}. A node that cannot be reached over SSH is tarsnet_mesh_source_up 0 and the round goes on; a mesh that reaches no node at all fails the round.
Each link is measured --samples times per round (default ${DEFAULT_EXPORTER_SAMPLES}, or the profile's exporter.samples), 100 ms apart: tarsnet_link_loss_ratio says the share lost (a gray failure while the link is still up), and tarsnet_connect_latency_seconds is a histogram of every sample's connect time per node × network × vantage (local or mesh).
Metrics: tarsnet_link_up, tarsnet_link_latency_seconds and tarsnet_link_loss_ratio {source, node, network, ip, port}; tarsnet_connect_latency_seconds {vantage, node, network} (histogram); tarsnet_node_networks_up and tarsnet_node_networks {node} (lost redundancy: up < networks); tarsnet_probe_success, _duration_seconds, _timestamp_seconds, _targets; with --mesh, tarsnet_mesh_source_up {source} and tarsnet_mesh_culprit_links {kind, node, network, peer}; with --findings, tarsnet_check_findings {severity} (critical, warning, info; always all three), the readiness check of \`tarsnet check\` run every round (--check stays the probe's check mode, as in \`tarsnet probe\`).
The rows are read afresh every round. When the database cannot be read, the round fails: the last good round's links stay served, with tarsnet_probe_success 0. One line per round on stderr (JSON lines with --json). SIGTERM or SIGINT stops it cleanly.
Defaults come from the profile's "exporter" keys ({"listen": "127.0.0.1:9731", "interval": 30}), then ${DEFAULT_LISTEN} and ${DEFAULT_INTERVAL_SECONDS} s. The alert rules, a Grafana dashboard and a systemd unit are in contrib/.`

  static override examples = [
    {description: 'Serve on the default address, probing every 30 s', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Every 10 s, on all interfaces, TCP connects only, 500 ms per probe', command: '<%= config.bin %> <%= command.id %> --listen :9731 --interval 10 --check tcp --timeout 500'},
    {description: 'Watch one object\'s endpoints instead of the node matrix', command: '<%= config.bin %> <%= command.id %> tars.tarsregistry.QueryObj'},
    {description: 'Also the view from the nodes: the mesh over SSH every minute', command: '<%= config.bin %> <%= command.id %> --mesh --interval 60 --ssh-user tars --ssh-option ProxyJump=bastion'},
    {description: 'Also export the readiness check\'s findings per severity', command: '<%= config.bin %> <%= command.id %> --findings'},
  ]

  static override args = {
    object: Args.string({description: 'Probe every expanded endpoint of this object (App.Server.Obj) instead of the node matrix.'}),
  }

  static override flags = {
    listen: Flags.string({summary: `HOST:PORT to serve /metrics and /healthz on (default ${DEFAULT_LISTEN}, or the profile's exporter.listen); [::1]:9731 for IPv6, :9731 for every interface.`}),
    interval: Flags.integer({summary: `Seconds between the starts of two rounds (default ${DEFAULT_INTERVAL_SECONDS}, or the profile's exporter.interval).`, min: 1}),
    ...probeFlags,
    // The probe's check mode, as in `tarsnet probe`; the readiness check is --findings.
    check: Flags.string({summary: `${probeFlags.check.summary} (The readiness check's findings are --findings.)`, options: ['tcp', 'tars', 'auto'], default: 'auto'}),
    mesh: Flags.boolean({summary: 'Each round also runs the mesh over SSH (as `tarsnet mesh`): every node probes every other node; its links carry source=<node>. Default: the profile\'s exporter.mesh (--no-mesh turns it off).', allowNo: true}),
    ...sshFlags,
    findings: Flags.boolean({summary: 'Also run the readiness check (`tarsnet check`) every round and export tarsnet_check_findings{severity} (critical, warning, info). --node and --network scope it too. Default: the profile\'s exporter.findings (--no-findings turns it off).', allowNo: true}),
  }

  /** Notices said once each, on stderr, as JSON lines with --json (stdout is for the final result). */
  protected override notice(message: string): void {
    if (this.notices.includes(message)) return
    this.notices.push(message)
    this.logLine(`note: ${message}`, {event: 'note', message})
  }

  /** One line of the exporter's log on stderr: text for people, or a JSON object per line with --json. */
  private logLine(text: string, json: Record<string, unknown>): void {
    exporterLog(this.io.err, this.jsonEnabled())(text, json)
  }

  async run(): Promise<ExporterResult> {
    const {flags} = this
    const settings = this.settings()
    const fromProfile = exporterSettings(settings.profile, settings.profileName.value)
    const listen = listenAddressOf(flags.listen, fromProfile.listen, settings.profileName.value)
    const intervalSeconds = flags.interval ?? fromProfile.interval ?? DEFAULT_INTERVAL_SECONDS
    const withMesh = flags.mesh ?? fromProfile.mesh ?? false
    const withFindings = flags.findings ?? fromProfile.findings ?? false
    const object = this.args.object
    if (object !== undefined && !parseObjectName(object)) {
      throw new UserError(`invalid object name '${object}': write it as App.Server.Obj`, {code: 'invalid_object'})
    }
    const profileProbe = settings.probe.value
    // The exporter's samples are its own (exporter.samples), not the one-shot probe's.
    const timing = probeTiming({...flags, samples: flags.samples ?? fromProfile.samples}, {...profileProbe, samples: undefined}, DEFAULT_EXPORTER_SAMPLES)
    // A --bind address this machine does not have is bad input, said before the first round (as in probe).
    const profileBind = profileProbe.bind ? {values: profileProbe.bind, where: profileWhere(settings.profileName.value, settings.configPath.value)} : undefined
    await assertLocalAddresses(bindSpecs(profileBind, flags.bind))
    const sshGiven = (['ssh-config', 'ssh-user', 'ssh-option', 'ssh-timeout', 'fanout'] as const).filter((f) => flags[f] !== undefined)
    if (!withMesh && sshGiven.length > 0) {
      throw new UserError(`--${sshGiven[0]} applies only with --mesh: add --mesh, or leave it out`, {code: 'invalid_flag'})
    }
    const ssh = withMesh ? resolveSshConfig(flags, settings.profile, settings.profileName.value, this.io.env) : undefined
    if (ssh) this.verbose(sshConfigLine(ssh))
    const request = {object, network: flags.network, node: flags.node, ports: flags.port, fallbackPorts: profileProbe.ports, configuredNetworks: settings.networks.value}

    const run = await runExporter({
      listen, intervalSeconds, object,
      rounds: {
        source: this.storeSource(),
        request: {...request, check: flags.check as CheckMode},
        timing,
        bind: {profile: profileBind, flags: flags.bind},
        ...(ssh ? {mesh: meshRounds(request, ssh, timing, intervalSeconds)} : {}),
        ...(withFindings ? {check: {nodes: flags.node === undefined ? undefined : [flags.node], network: flags.network}} : {}),
      },
    }, {onInterrupt: (handler) => this.io.onInterrupt(handler), log: (text, json) => this.logLine(text, json), notice: (message) => this.notice(message)})
    return {...run, notices: this.notices}
  }
}
