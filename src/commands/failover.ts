import {Args, Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {FAILOVER_SINCE, runFailoverCommand, type FailoverRunResult} from '../failover/run.js'
import {renderFailover} from '../failover/view.js'
import {BaseCommand} from '../cli/base-command.js'
import {loadCluster} from '../store/cluster-loader.js'
import {statFlags, statSourceOf, statWindowOf} from '../options/stat-flags.js'

export default class Failover extends BaseCommand<typeof Failover> {
  static override summary = 'What a network cut costs each caller: calls lost until it fails over, then per minute, and the setting to change.'
  static override description = `For each object and each cut (--cut, or every network in turn), every caller's cost when the cut kills some of the object's endpoints (as \`tarsnet impact\` counts them): the calls it loses until it stops calling the dead endpoints, the calls it keeps losing per minute while the network is down, and how long it takes to use them again when it returns.
The model follows each client library's own failure detection (TarsCpp by version — its defaults changed at 3.0.16 and 3.0.22 —, TarsGo, TarsJava, Tars.js) with each caller's effective settings: its template chain (t_profile_template), its server's profile (the child wins), then the code defaults; every setting is listed with its source in --json.
Callers and rates: from tarsstat's record (--stat-db, the profile's stat.db, or tars_stat on the --db server) over the last hour (--since); or, with --rate N, every client (language, version, settings) in the cluster at N calls/s. A cut is blackholed (SYNs and packets dropped) unless --refused (the network answers with resets).
Exit codes (also "exitCode" in JSON, with "verdict"): 0 no finding, 1 warnings (a caller slow to detect, callers that keep failing, a slow endpoint refresh), 2 an object left with no endpoint, 3 bad input (an unknown network or object, a template loop or missing parent, an unparsable profile).`

  static override examples = [
    {description: 'Every network in turn, callers from the demo\'s tarsstat record', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'One object, network y cut, every client at 100 calls/s', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --cut y --rate 100'},
    {description: 'A network that answers with resets, sync callers, as JSON', command: '<%= config.bin %> <%= command.id %> --cut x --refused --call sync --rate 50 --json'},
  ]

  // Any number of objects: the first is declared for the help, the rest come through argv.
  static override strict = false
  static override args = {
    object: Args.string({description: 'Objects to model (App.Server.Obj, or globs such as \'Plant.*\'), any number; every object when none.'}),
  }

  static override flags = {
    cut: Flags.string({summary: 'What is cut (repeatable, each on its own): a network (x), a node\'s interface (n3:y), or a node. Default: each network in turn.', multiple: true, multipleNonGreedy: true}),
    rate: Flags.string({summary: 'Calls per second for every caller (every client language, version and settings in the cluster) instead of tarsstat\'s rates.'}),
    call: Flags.string({summary: 'Which call timeout applies: async-invoke-timeout (async, default) or sync-invoke-timeout (sync).', options: ['sync', 'async'], default: 'async'}),
    refused: Flags.boolean({summary: 'The cut network answers with resets (refused) instead of dropping packets.'}),
    ...statFlags,
    since: Flags.string({summary: `How far back the callers' rates are averaged from, on the stat database's clock: 90s, 30m, 2h, 1d (default ${FAILOVER_SINCE}).`, helpGroup: 'STAT'}),
  }

  protected override errorExitCode = EXIT.unknown

  async run(): Promise<FailoverRunResult> {
    const {flags} = this
    const {argv} = await this.parse(Failover)
    const objects = (argv as string[]).map((a) => a.trim()).filter(Boolean)
    const rate = flags.rate === undefined ? undefined : Number(flags.rate)
    if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
      throw new UserError(`invalid --rate '${flags.rate}': give calls per second above 0, e.g. --rate 100`, {code: 'invalid_flag', exitCode: EXIT.unknown})
    }
    const statWindow = statWindowOf({...flags, since: flags.since ?? FAILOVER_SINCE})
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const loaded = await loadCluster(store, this.settings().networks.value)
    const result = await runFailoverCommand(store, loaded, {
      objects, cuts: flags.cut ?? [], rate, call: flags.call === 'sync' ? 'sync' : 'async', mode: flags.refused ? 'refused' : 'blackhole',
      statSource: () => statSourceOf({flags, settings: this.settings(), env: this.io.env, demo: Boolean(flags.demo)}), statWindow,
    })
    for (const n of result.notices) this.notice(n)
    if (!this.jsonEnabled()) for (const line of renderFailover(result, this.screen)) this.log(line)
    this.io.exitCode = result.exitCode
    return {...result, notices: this.notices, ...this.sourceJson()}
  }
}
