import {Flags} from '@oclif/core'

import {explainCode, type CheckResult} from '../core/check.js'
import {EXIT} from '../core/exit-codes.js'
import {runCheckCommand} from '../check/run.js'
import {checkLines, explainLines} from '../check/view.js'
import {FAILOVER_SINCE} from '../failover/run.js'
import {BaseCommand} from '../cli/base-command.js'
import {statFlags, statSourceOf, statWindowOf} from '../options/stat-flags.js'

export type CheckCommandResult =
  | (CheckResult & {scope: {nodes: string[]; object: string | null; network: string | null}; notices: string[]})
  | ReturnType<typeof explainCode>

export default class Check extends BaseCommand<typeof Check> {
  static override summary = 'Is the cluster really multi-network? Every broken promise of the design, by severity, with what to do.'
  static override description = `Reads the nodes, servers, adapters and registry rows once and resolves every object as the registry would (as \`tarsnet resolve\` does), then reports what breaks the multi-network design: nodes missing a network, servants bound to one IP, objects or the registry reachable on one network, duplicate IPs (critical); nodes on the fallback, IPs in no network, objects on one node, active servants on stale nodes, wildcards of the wrong IP family (warning); what could not be judged (info). Nothing is said about what is fine.
--failover adds what a cut of each network in turn would cost the callers (as \`tarsnet failover\` models it from their language, version, templates and profiles; rates from tarsstat's record over the last hour unless --since, else every client at 10 calls/s): callers slow to stop calling a dead IP, callers that keep failing while a network is down, endpoint refreshes minutes apart (warning).
--traffic adds what the clients did, from tarsstat's record (as \`tarsnet traffic\` reads it, over --since, default 30m): callers still sending calls to a dead IP (clients-stuck) or failing on every network (clients-failing), critical; objects whose calls all went to one network of several (traffic-one-network), info.
--node, --object and --network keep the findings about what is in scope (a cluster-wide finding such as the registry's only when the registry's node is in scope).
Exit codes: 0 no finding (or only info), 1 warnings only, 2 any critical, 3 could not run. \`tarsnet check --explain CODE\` says why a finding matters and what to do.`

  static override examples = [
    {description: 'Check the built-in demo cluster', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'Only the nodes of one rack, as JSON (for CI or cron)', command: '<%= config.bin %> <%= command.id %> --node \'10.10.1.*\' --json'},
    {description: 'Also what a cut of each network would cost the callers', command: '<%= config.bin %> <%= command.id %> --demo --failover'},
    {description: 'Also what the clients did in the last hour (tarsstat\'s record)', command: '<%= config.bin %> <%= command.id %> --traffic --since 1h'},
    {description: 'What a finding means and what to do', command: '<%= config.bin %> <%= command.id %> --explain servant-bound-to-ip'},
  ]

  static override flags = {
    node: Flags.string({summary: 'Only findings about nodes matching this glob (repeatable).', multiple: true}),
    object: Flags.string({summary: 'Only findings about objects matching this glob (e.g. \'Plant.*\').'}),
    network: Flags.string({summary: 'Only findings about this network.'}),
    explain: Flags.string({summary: 'Say what a finding code means and what to do about it, then exit.'}),
    failover: Flags.boolean({summary: 'Also what a cut of each network would cost the callers (as `tarsnet failover`): slow failure detection, callers that keep failing, slow endpoint refresh.'}),
    traffic: Flags.boolean({summary: 'Also findings from tarsstat\'s record: stuck and failing callers, objects used on one network only.'}),
    ...statFlags,
  }

  protected override errorExitCode = EXIT.unknown

  async run(): Promise<CheckCommandResult> {
    const {flags} = this
    if (flags.explain !== undefined) {
      const info = explainCode(flags.explain.trim())
      if (!this.jsonEnabled()) for (const line of explainLines(info)) this.log(line)
      return info
    }
    const recordOnly = (['since', 'until', 'stat-db', 'stat-prefix'] as const).filter((f) => flags[f] !== undefined)
    // The record is read for --traffic, and for --failover's call rates.
    if (!flags.traffic && !flags.failover && recordOnly.length > 0) this.notice(`${recordOnly.map((f) => `--${f}`).join(', ')} ${recordOnly.length === 1 ? 'is' : 'are'} read only with --traffic or --failover: ignored`)
    const statSource = () => statSourceOf({flags, settings: this.settings(), env: this.io.env, demo: Boolean(flags.demo)})
    // The record's flags are checked before anything is opened.
    const record = flags.traffic ? {window: statWindowOf(flags), stat: statSource()} : undefined
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const result = await runCheckCommand(store, {
      configuredNetworks: this.settings().networks.value,
      scope: {nodes: flags.node, object: flags.object, network: flags.network},
      record,
      failover: flags.failover ? {statWindow: () => statWindowOf({...flags, since: flags.since ?? FAILOVER_SINCE}), statSource} : undefined,
    }, {notice: (message) => this.notice(message)})
    if (!this.jsonEnabled()) for (const line of checkLines(result, this.screen)) this.log(line)
    this.io.exitCode = result.exitCode
    return {...result, scope: {nodes: flags.node ?? [], object: flags.object ?? null, network: flags.network ?? null}, notices: this.notices, ...this.sourceJson()}
  }
}
