import {readFileSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {cutsFromMesh, cutsFromProbe, leftOnText, parseCuts, runImpact, type Cut, type EndpointCount, type ImpactResult} from '../core/impact.js'
import {expectedFailedCalls, FAILOVER_SINCE} from '../failover/run.js'
import {BaseCommand} from '../cli/base-command.js'
import {loadCluster} from '../store/cluster-loader.js'
import {statFlags, statSourceOf, statWindowOf} from '../options/stat-flags.js'
import {renderTable} from '../platform/table.js'

type Expected = Awaited<ReturnType<typeof expectedFailedCalls>>['expected']
export type ImpactCommandResult = Omit<ImpactResult, 'objects'> & {objects: Array<ImpactResult['objects'][number] & {expectedFailedCalls?: number; expectedFailedPerMinute?: number}>; notices: string[]}

/** Cuts named in the text view before "… and N more". */
const SHOWN_CUTS = 12

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
    const saved: Cut[] = []
    if (flags['from-probe'] !== undefined) saved.push(...cutsFromProbe(readJson('--from-probe', flags['from-probe']), flags['from-probe']))
    if (flags['from-mesh'] !== undefined) saved.push(...cutsFromMesh(readJson('--from-mesh', flags['from-mesh']), flags['from-mesh']))

    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const loaded = await loadCluster(store, this.settings().networks.value)
    const {view} = loaded
    const cuts = [...parseCuts(flags.cut ?? [], view), ...saved]
    const strangers = [...new Set(saved.map((c) => ('node' in c ? c.node : '')).filter((n) => n !== '' && !view.nodes.has(n)))]
    if (strangers.length > 0) this.notice(`the saved result names node${strangers.length === 1 ? '' : 's'} not in this database (${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ', …' : ''}): those cuts change nothing`)
    if ((flags['from-probe'] !== undefined || flags['from-mesh'] !== undefined) && saved.length === 0 && !flags.cut?.length) {
      this.notice('the saved result has no link down: nothing is cut')
    }
    const result = runImpact(view, cuts, {objects: flags.object, raft: flags.raft})
    // What the callers would lose (as `tarsnet failover` models it), when tarsstat's record says who calls what.
    const costs = await expectedFailedCalls(store, loaded, cuts, () => statSourceOf({flags, settings: this.settings(), env: this.io.env, demo: Boolean(flags.demo)}), statWindowOf({...flags, since: flags.since ?? FAILOVER_SINCE}))
    const {expected} = costs
    // Silence only when nobody asked for the record (the default tars_stat on the --db server may well not exist).
    const asked = flags['stat-db'] !== undefined || Boolean(this.io.env.TARSNET_STAT_DB) || Boolean(this.settings().profile.stat?.db)
    if (costs.why !== undefined && (asked || costs.settings)) this.notice(`no FAILED CALLS column: ${costs.why}`)
    if (!this.jsonEnabled()) this.render(result, expected)
    this.io.exitCode = result.exitCode
    const objects = result.objects.map((o) => {
      const e = expected?.get(o.object)
      return e && o.status !== 'ok' ? {...o, expectedFailedCalls: e.failedCalls, expectedFailedPerMinute: e.steadyFailedPerMinute} : o
    })
    return {...result, objects, notices: this.notices, ...this.sourceJson()}
  }

  private render(result: ImpactResult, expected: Expected): void {
    const names = result.cuts.map((c) => c.text)
    const shown = names.slice(0, SHOWN_CUTS).join(', ') + (names.length > SHOWN_CUTS ? `, … and ${names.length - SHOWN_CUTS} more` : '')
    this.log(`${this.paint('bold', 'Cut')}: ${shown || '(nothing)'}`)
    const reg = result.registry
    const regLine = reg.status === 'unknown' ? 'not in the database (no active tars.tarsregistry.QueryObj): not judged'
      : `${this.status(reg.status)} (${counts(reg.before!)} → ${counts(reg.after!)})`
    this.log(`Registry: ${regLine}`)
    this.log('')
    const affected = result.objects.filter((o) => o.status !== 'ok' && !o.alreadyDown)
    if (affected.length > 0) {
      const calls = (o: {object: string}) => {
        const e = expected?.get(o.object)
        return e ? `${e.failedCalls}${e.steadyFailedPerMinute > 0 ? `, then ${e.steadyFailedPerMinute}/min` : ''}` : '-'
      }
      this.log(renderTable(['OBJECT', 'STATUS', 'BEFORE', 'AFTER', 'LOST', 'LEFT ON', ...(expected ? ['FAILED CALLS'] : [])], affected.map((o) => [
        o.object, this.status(o.status), counts(o.before), counts(o.after), String(o.lost.length),
        leftOnText(o.after),
        ...(expected ? [calls(o)] : []),
      ]), {width: this.width}))
      if (expected) this.log(this.paint('dim', 'FAILED CALLS: what the callers in tarsstat\'s record lose before they fail over, then per minute (`tarsnet failover` per caller)'))
      this.log('')
    }
    if (result.raft.length > 0) {
      this.log(renderTable(['RAFT GROUP', 'MEMBERS', 'PAIRS THAT TALK', 'LARGEST GROUP', 'QUORUM'], result.raft.map((r) => {
        const pairs = r.members.length * (r.members.length - 1) / 2
        return [r.object, String(r.members.length), `${r.reachablePairs.length}/${pairs}`, `${r.largestGroup.length} (majority ${r.majority})`,
          r.quorum ? this.paint('green', 'yes') : this.paint('red', r.quorumBefore ? 'LOST' : 'no (none before either)')]
      }), {width: this.width}))
      this.log('')
    }
    const s = result.summary
    const verdict = result.verdict === 'ok' ? this.paint('green', 'OK') : result.verdict === 'degraded' ? this.paint('yellow', 'DEGRADED') : this.paint('red', 'OUTAGE')
    const lostQuorum = result.raft.filter((r) => !r.quorum && r.quorumBefore).length
    this.log(`${verdict}: ${s.down} down, ${s.degraded} degraded (${s.lostRedundancy} left on one node or network) of ${s.objects} object${s.objects === 1 ? '' : 's'}${result.raft.length > 0 ? `; ${lostQuorum} raft group${lostQuorum === 1 ? '' : 's'} without quorum` : ''}`)
  }

  private status(status: string): string {
    return status === 'ok' ? this.paint('green', 'ok') : status === 'degraded' ? this.paint('yellow', 'degraded') : this.paint('red', status)
  }
}

function counts(c: EndpointCount): string {
  return `${c.activeEndpoints} ep, ${c.nodes} node${c.nodes === 1 ? '' : 's'}, ${c.networks.join('+') || 'no network'}`
}

/** A saved result file, parsed; one line naming the file when it cannot be read or is not JSON. */
function readJson(flag: string, file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new UserError(`${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`, {code: 'invalid_input', exitCode: EXIT.unknown})
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new UserError(`${flag} ${file}: not JSON; give the file \`tarsnet ${flag === '--from-probe' ? 'probe' : 'mesh'} --json\` wrote`, {code: 'invalid_input', exitCode: EXIT.unknown})
  }
}
