import {Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import type {ImpactResult} from '../core/impact.js'
import {FAILOVER_SINCE} from '../failover/run.js'
import {readSavedCuts, runImpactCommand, type ImpactObjects} from '../impact/run.js'
import {impactLines} from '../impact/view.js'
import {BaseCommand} from '../cli/base-command.js'
import {statFlags, statSourceOf, statWindowOf} from '../options/stat-flags.js'

export type ImpactCommandResult = Omit<ImpactResult, 'objects'> & {objects: ImpactObjects; notices: string[]}

export default class Impact extends BaseCommand<typeof Impact> {
  static override summary = 'What dies if x does: objects down or degraded, the registry, raft quorum, under a network, NIC or node cut.'
  static override description = `A what-if over the registry's expanded endpoints (as \`tarsnet resolve\` computes them, for every object at once). --cut SPEC (repeatable): a network (x: every IP on x is gone), a node's interface (n3:y), or a node (n3: the node is down). --from-probe FILE / --from-mesh FILE take the cuts from a saved \`tarsnet probe --json\` / \`tarsnet mesh --json\` result: every link found down is cut: what is broken for clients right now. From a mesh, an IP no node reached is cut for every client; a link down between one pair while others reach that IP cuts that pair only (it counts for --raft).
Each object is ok, degraded (some active endpoints lost) or down (none left); the table shows the affected ones, --json lists them all. The registry (tars.tarsregistry.QueryObj) is judged the same way. --raft OBJECT treats the object's nodes as a raft group: which pairs can still talk (a network with both ends up), and whether a majority can all talk.
When tarsstat's record is readable (--stat-db, the profile's stat.db, or tars_stat on the --db server), FAILED CALLS (JSON: expectedFailedCalls, expectedFailedPerMinute) is what the object's callers, at their rates over the last hour (--since), would lose before they fail over, then per minute, as \`tarsnet failover\` models it.
Exit codes (also "exitCode" in JSON, with "verdict"): 0 nothing affected, 1 something degraded, 2 something down (an object, the registry, or a raft group that loses quorum under the cut), 3 bad input.`

  static override examples = [
    {description: 'What if network y fails (demo cluster)', command: '<%= config.bin %> <%= command.id %> --demo --cut y'},
    {description: 'n3\'s y NIC dies and n5 is down; judge the raft group of Plant.ControlServer.ControlObj', command: '<%= config.bin %> <%= command.id %> --cut n3:y --cut n5 --raft Plant.ControlServer.ControlObj'},
    {description: 'What is broken for clients right now, from a saved probe', command: 'tarsnet probe --json > probe.json; <%= config.bin %> <%= command.id %> --from-probe probe.json'},
  ]

  static override flags = {
    cut: Flags.string({summary: 'What is cut (repeatable): a network (x), a node\'s interface (n3:y), or a node (n3).', multiple: true}),
    'from-probe': Flags.string({summary: 'Cut every link found down in this saved `tarsnet probe --json` result.'}),
    'from-mesh': Flags.string({summary: 'Cut every link found down in this saved `tarsnet mesh --json` result.'}),
    raft: Flags.string({summary: 'Judge this object\'s nodes as a raft group: pairs that can talk, and quorum (repeatable).', multiple: true}),
    object: Flags.string({summary: 'Only objects matching this glob (repeatable).', multiple: true}),
    ...statFlags,
    since: Flags.string({summary: `How far back the callers' rates are averaged from (FAILED CALLS), on the stat database's clock: 90s, 30m, 2h, 1d (default ${FAILOVER_SINCE}).`, helpGroup: 'STAT'}),
  }

  protected override errorExitCode = EXIT.unknown

  async run(): Promise<ImpactCommandResult> {
    const {flags} = this
    if (!flags.cut?.length && flags['from-probe'] === undefined && flags['from-mesh'] === undefined) {
      throw new UserError('nothing to cut: give --cut SPEC (a network x, an interface n3:y, a node n3), --from-probe FILE or --from-mesh FILE', {code: 'missing_flag', exitCode: EXIT.unknown})
    }
    // Files first: a bad one is said before the database is opened.
    const saved = readSavedCuts({probe: flags['from-probe'], mesh: flags['from-mesh']})
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const {result, objects, expected} = await runImpactCommand(store, {
      configuredNetworks: this.settings().networks.value,
      cuts: flags.cut ?? [],
      saved,
      fromSaved: flags['from-probe'] !== undefined || flags['from-mesh'] !== undefined,
      objects: flags.object,
      raft: flags.raft,
      statSource: () => statSourceOf({flags, settings: this.settings(), env: this.io.env, demo: Boolean(flags.demo)}),
      statWindow: () => statWindowOf({...flags, since: flags.since ?? FAILOVER_SINCE}),
      statAsked: flags['stat-db'] !== undefined || Boolean(this.io.env.TARSNET_STAT_DB) || Boolean(this.settings().profile.stat?.db),
    }, {notice: (message) => this.notice(message)})
    if (!this.jsonEnabled()) for (const line of impactLines(result, expected, this.screen)) this.log(line)
    this.io.exitCode = result.exitCode
    return {...result, objects, notices: this.notices, ...this.sourceJson()}
  }
}
