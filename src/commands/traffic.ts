import {Args} from '@oclif/core'

import {matcher} from '../core/text.js'
import {BaseCommand} from '../cli/base-command.js'
import {statFlags, statSourceOf, statWindowOf} from '../options/stat-flags.js'
import {runTraffic, type TrafficResult} from '../traffic/run.js'
import {renderTraffic} from '../traffic/view.js'
import type {Store} from '../store/types.js'
import {EXIT} from '../core/exit-codes.js'

export type TrafficCommandResult = TrafficResult & {notices: string[]}

export default class Traffic extends BaseCommand<typeof Traffic> {
  static override summary = 'What the clients actually did: calls per object, network and caller from tarsstat\'s record, and who failed over, who is stuck.'
  static override description = `Every Tars client reports each call it made (to which IP and port; answered, timed out or failed) to tarsstat, which writes 5-minute slots to MySQL. tarsnet reads those rows for the window, maps each dialled IP and port to its object, node and network (through t_adapter_conf and the nodes' IP lists) and shows, per object, a timeline per network and each caller's verdict:
  failed-over  its calls to an IP failed, then stopped (or shrank to retries) while its other calls are answered
  stuck        in its last slot it still sends 5 % or more of its calls to IPs where most of its calls fail (named)
  failing      in its last slot most of its calls fail on every network it uses
  ok           otherwise
With no OBJECT, every object that had traffic in the window. Traffic to an IP or port no adapter has is listed under "unknown". The window is relative to the stat database's own clock. The rows are summed over every tarsstat instance (source_id); tarsstat's pseudo callers (stat_from_server, one_way_client, tup_client) are left out. What a language cannot show: Java clients count calls to an IP they cannot connect to nowhere; Go counts a timeout as an exception; Node clients report only with TARS_MONITOR set.
Exit codes (also "exitCode" in JSON, with "verdict"): 0 no failed call in the last slot, 1 failures but every caller still has answered calls, 2 a caller whose calls all failed in its last slot, 3 could not read.`

  static override examples = [
    {description: 'The demo cluster\'s record: node 127.10.0.2 lost network y 20 minutes ago', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'One object over the last 2 hours', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --since 2h'},
    {description: 'Every Plant object, yesterday\'s incident hour, from tarsstat\'s own database', command: '<%= config.bin %> <%= command.id %> \'Plant.*\' --since 26h --until 25h --stat-db mysql://tars@10.10.0.9,10.20.0.9/tars_stat'},
    {description: 'As JSON, for a script', command: '<%= config.bin %> <%= command.id %> --since 1h --json'},
  ]

  static override strict = false
  static override args = {
    object: Args.string({description: 'Objects (App.Server.Obj) or globs (\'Plant.*\'), any number; none: every object with traffic. At a terminal, one that matches no object opens a list to pick from.'}),
  }

  static override flags = {...statFlags}

  protected override errorExitCode = EXIT.unknown

  async run(): Promise<TrafficCommandResult> {
    const {flags} = this
    // Every input is checked before anything is opened.
    // Not strict: every positional word is an object (BaseCommand keeps only the first as this.args).
    let objects = (await this.parse(Traffic)).argv.map(String)
    const window = statWindowOf(flags)
    const stat = statSourceOf({flags, settings: this.settings(), env: this.io.env, demo: Boolean(flags.demo)})
    const store = await this.openStore()
    if (objects.length > 0 && this.canPrompt()) objects = await this.pickUnmatched(store, objects)
    await this.noteMissingIpListColumn(store)
    const result = await runTraffic({objects, window, stat, store, configuredNetworks: this.settings().networks.value})
    for (const n of result.notices) this.notice(n)
    if (!this.jsonEnabled()) {
      for (const line of renderTraffic(result, this.screen)) this.log(line)
    }
    this.io.exitCode = result.exitCode
    return {...result, notices: this.notices, ...this.sourceJson()}
  }

  /** A person at a terminal picks an object for each name or glob that matches none (elsewhere that is an error). */
  private async pickUnmatched(store: Store, patterns: string[]): Promise<string[]> {
    const names = await store.listServants()
    const out: string[] = []
    for (const p of patterns) {
      out.push(names.some(matcher(p)) ? p : await this.pickServant(store, `No object ${/[*?[]/.test(p) ? 'matches' : 'is named'} '${p}': pick one (type to filter)`))
    }
    return out
  }
}
