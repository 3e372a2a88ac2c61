/**
 * The person's view of an impact: what is cut, the registry, the affected objects (with FAILED CALLS when
 * tarsstat's record says who calls them), the raft groups, and a one-line verdict. JSON is the result itself.
 */
import {leftOnText, type EndpointCount, type ImpactResult} from '../core/impact.js'
import type {ExpectedCalls} from '../failover/run.js'
import type {Screen} from '../platform/paint.js'
import {renderTable} from '../platform/table.js'

/** Cuts named in the text view before "… and N more". */
const SHOWN_CUTS = 12

export function impactLines(result: ImpactResult, expected: ExpectedCalls | null, screen: Screen): string[] {
  const {paint} = screen
  const status = (s: string) => (s === 'ok' ? paint('green', 'ok') : s === 'degraded' ? paint('yellow', 'degraded') : paint('red', s))
  const lines: string[] = []
  const names = result.cuts.map((c) => c.text)
  const shown = names.slice(0, SHOWN_CUTS).join(', ') + (names.length > SHOWN_CUTS ? `, … and ${names.length - SHOWN_CUTS} more` : '')
  lines.push(`${paint('bold', 'Cut')}: ${shown || '(nothing)'}`)
  const reg = result.registry
  const regLine = reg.status === 'unknown' ? 'not in the database (no active tars.tarsregistry.QueryObj): not judged'
    : `${status(reg.status)} (${counts(reg.before!)} → ${counts(reg.after!)})`
  lines.push(`Registry: ${regLine}`)
  lines.push('')
  const affected = result.objects.filter((o) => o.status !== 'ok' && !o.alreadyDown)
  if (affected.length > 0) {
    const calls = (o: {object: string}) => {
      const e = expected?.get(o.object)
      return e ? `${e.failedCalls}${e.steadyFailedPerMinute > 0 ? `, then ${e.steadyFailedPerMinute}/min` : ''}` : '-'
    }
    lines.push(renderTable(['OBJECT', 'STATUS', 'BEFORE', 'AFTER', 'LOST', 'LEFT ON', ...(expected ? ['FAILED CALLS'] : [])], affected.map((o) => [
      o.object, status(o.status), counts(o.before), counts(o.after), String(o.lost.length),
      leftOnText(o.after),
      ...(expected ? [calls(o)] : []),
    ]), {width: screen.width}))
    if (expected) lines.push(paint('dim', 'FAILED CALLS: what the callers in tarsstat\'s record lose before they fail over, then per minute (`tarsnet failover` per caller)'))
    lines.push('')
  }
  if (result.raft.length > 0) {
    lines.push(renderTable(['RAFT GROUP', 'MEMBERS', 'PAIRS THAT TALK', 'LARGEST GROUP', 'QUORUM'], result.raft.map((r) => {
      const pairs = r.members.length * (r.members.length - 1) / 2
      return [r.object, String(r.members.length), `${r.reachablePairs.length}/${pairs}`, `${r.largestGroup.length} (majority ${r.majority})`,
        r.quorum ? paint('green', 'yes') : paint('red', r.quorumBefore ? 'LOST' : 'no (none before either)')]
    }), {width: screen.width}))
    lines.push('')
  }
  const s = result.summary
  const verdict = result.verdict === 'ok' ? paint('green', 'OK') : result.verdict === 'degraded' ? paint('yellow', 'DEGRADED') : paint('red', 'OUTAGE')
  const lostQuorum = result.raft.filter((r) => !r.quorum && r.quorumBefore).length
  lines.push(`${verdict}: ${s.down} down, ${s.degraded} degraded (${s.lostRedundancy} left on one node or network) of ${s.objects} object${s.objects === 1 ? '' : 's'}${result.raft.length > 0 ? `; ${lostQuorum} raft group${lostQuorum === 1 ? '' : 's'} without quorum` : ''}`)
  return lines
}

function counts(c: EndpointCount): string {
  return `${c.activeEndpoints} ep, ${c.nodes} node${c.nodes === 1 ? '' : 's'}, ${c.networks.join('+') || 'no network'}`
}
