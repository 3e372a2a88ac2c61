/**
 * `tarsnet mesh` for people: the whole view of a round (matrices, SSH, pairs, culprits, raft, verdict),
 * and what each round of a watch shows — redrawn, or stamped lines for what changed: a link, a node's SSH
 * path, a culprit appearing or cleared, the verdict. Colour, Unicode and width come from the Screen.
 */
import {NO_NETWORK} from '../core/names.js'
import {changeLine, clock, type TrackedLink, type WatchOutput, type WatchRound} from '../core/transitions.js'
import type {Screen} from '../platform/paint.js'
import type {MeshPlan} from './plan.js'
import {ASCII, culpritLines, matrixLines, pairLines, raftLines, sourceLines, UNICODE, verdictLine, type Glyphs, type Tone} from './report.js'
import type {MeshRoundResult} from './run.js'

export function glyphsFor(screen: Pick<Screen, 'unicode'>): Glyphs {
  return screen.unicode ? UNICODE : ASCII
}

/** The whole view of a round, under the object's name when there is one. */
export function meshLines(plan: MeshPlan, result: MeshRoundResult, screen: Screen): string[] {
  const g = glyphsFor(screen)
  const {paint} = screen
  const tone = (t: Tone, text: string): string => paint(t === 'up' ? 'green' : t === 'down' ? 'red' : t === 'warn' ? 'yellow' : 'dim', text)
  return [
    ...(plan.object ? [plan.object] : []),
    ...matrixLines(plan, result, g, tone),
    '',
    ...sourceLines(result.sources),
    ...pairLines(result, g),
    ...culpritLines(result),
    ...raftLines(result, g),
    paint(result.verdict === 'ok' ? 'green' : result.verdict === 'degraded' ? 'yellow' : 'red', verdictLine(result, g)),
  ]
}

/** The links a watch follows from round to round: each one from a node to another, on one IP. */
export function trackedLinks(result: MeshRoundResult, screen: Pick<Screen, 'unicode'>): TrackedLink[] {
  const g = glyphsFor(screen)
  return result.links.map((l) => ({row: `${l.from} ${g.arrow} ${l.to}`, node: `${l.from} ${g.arrow} ${l.to}`, network: l.network, host: l.host, status: l.status}))
}

/** How each node was reached over SSH, by node (nodes with nothing to probe left out). */
function sshPaths(result: MeshRoundResult | undefined): Map<string, string> {
  return new Map((result?.sources ?? []).filter((s) => s.status !== 'idle').map((s) => [s.node, s.status === 'unreachable' ? 'unreachable' : s.status === 'error' ? `error (${s.error})` : `over ${s.sshNetwork ?? NO_NETWORK} ${s.sshHost}`]))
}

function culpritsOf(result: MeshRoundResult | undefined): Map<string, string> {
  return new Map((result?.culprits ?? []).map((c) => [`${c.kind} ${c.node ?? c.nodes?.join(' ') ?? ''} ${c.network ?? ''}`, c.message]))
}

/** A round of `mesh --watch`: the whole view redrawn, or stamped lines (the first round said in one line). */
export function watchRoundView(round: WatchRound<MeshRoundResult>, plan: MeshPlan, seconds: number, screen: Screen): WatchOutput[] {
  const g = glyphsFor(screen)
  const {result, previous, at} = round
  const lines = round.changes.map((c) => changeLine(c, screen.unicode))
  if (previous) {
    const [was, is] = [sshPaths(previous), sshPaths(result)]
    for (const [node, how] of is) if (was.get(node) !== how) lines.push(`${clock(at)} ${node}: SSH ${how}`)
    const [before, now] = [culpritsOf(previous), culpritsOf(result)]
    for (const [k, message] of now) if (!before.has(k)) lines.push(`${clock(at)} culprit: ${message}`)
    for (const [k, message] of before) if (!now.has(k)) lines.push(`${clock(at)} cleared: ${message}`)
    if (previous.verdict !== result.verdict) lines.push(`${clock(at)} ${verdictLine(result, g)}`)
  }
  if (round.mode === 'redraw') return [...meshLines(plan, result, screen), ...lines]
  if (!round.full) return lines
  const nets = Object.entries(result.summary.networks).map(([n, c]) => `${n}: ${c.up}/${c.total} up`).join(', ')
  return [
    `${clock(at)} watching ${result.links.length} link(s) between ${plan.nodes.length} nodes every ${seconds} s: ${nets}; ${verdictLine(result, g)}`,
    ...(result.sources.some((s) => s.status === 'unreachable' || s.status === 'error') ? sourceLines(result.sources) : []),
    ...culpritLines(result),
  ]
}
