/**
 * `tarsnet probe` for people and for JSON lines: the matrix with its lines, the plan as a table, and what
 * each round of a watch shows (redrawn, stamped lines, or JSON lines). Colour, Unicode and width come from
 * the Screen the frame hands over; every line goes out through the command's log (which escapes it).
 */
import {NO_NETWORK} from '../core/names.js'
import {escapeControl} from '../core/text.js'
import {changeLine, clock, type WatchMode, type WatchOutput, type WatchRound} from '../core/transitions.js'
import type {Screen} from '../platform/paint.js'
import {renderTable} from '../platform/table.js'
import type {PlanListing, ProbePlan} from './plan.js'
import {ASCII_GLYPHS, lossLegend, matrixModel, networkLines, servantExplanation, UNICODE_GLYPHS, type ProbeReport} from './report.js'
import type {ProbeRound, Reload} from './run.js'

/** The matrix, under the object's name when there is one: rows × networks, each cell the link's outcome. */
export function matrixLines(plan: ProbePlan, report: ProbeReport, screen: Screen): string[] {
  const {paint} = screen
  const model = matrixModel(plan, report, screen.unicode ? UNICODE_GLYPHS : ASCII_GLYPHS)
  const head = [plan.mode === 'object' ? 'NODE (ENDPOINT)' : 'NODE', ...model.head]
  const rows = model.rows.map((r) => {
    const label = r.inactive ? `${escapeControl(r.label)} ${paint('yellow', '(inactive)')}` : escapeControl(r.label)
    if (r.note !== null && r.cells.every((c) => c.kind === 'none' || c.kind === 'idle')) {
      return [label, ...r.cells.map((c, i) => (i === 0 ? paint('dim', `- ${r.note}`) : c.kind === 'idle' ? paint('dim', c.text) : ''))]
    }
    return [label, ...r.cells.map((c) => paint(c.kind === 'up' ? 'green' : c.kind === 'down' ? 'red' : c.kind === 'lossy' ? 'yellow' : 'dim', c.text))]
  })
  return [...(plan.object ? [plan.object] : []), renderTable(head, rows, {width: screen.width})]
}

/** The matrix, one line per network, the verdict lines, and the notes that explain the cells. */
export function reportLines(plan: ProbePlan, report: ProbeReport, screen: Screen): string[] {
  const {paint} = screen
  const lines = [...matrixLines(plan, report, screen), '', networkLines(report.summary).join('   ')]
  for (const line of report.lines) lines.push(paint(report.verdict === 'ok' ? 'green' : report.verdict === 'outage' ? 'red' : 'yellow', line))
  const explained = servantExplanation(report.results)
  if (explained) lines.push(paint('dim', `note: ${explained}`))
  const legend = lossLegend(report.results)
  if (legend) lines.push(paint('dim', `note: ${legend}`))
  return lines
}

/** --plan: the targets as a table, and how many would be probed (nothing is sent). */
export function planLines(plan: ProbePlan, listing: PlanListing, screen: Screen): string[] {
  const {targets} = listing
  const table = renderTable(['NODE', 'NETWORK', 'IP', 'PORTS', 'CHECK', 'SOURCE'], targets.map((t) => [
    `${escapeControl(t.row)}${t.active ? '' : ` ${screen.paint('yellow', '(inactive)')}`}`, t.network ?? NO_NETWORK, t.host, t.ports.join(' '),
    t.check === 'tars' ? `tars_ping ${escapeControl((t.servants ?? []).filter((x) => x !== null).join(' '))}`.trimEnd() : 'tcp', t.sourceIp ?? '-',
  ]), {width: screen.width, squeeze: ['CHECK', 'SOURCE']})
  const idle = plan.rows.filter((r) => r.nothingToProbe !== null)
  const idleText = idle.length > 0 ? `; nothing to probe on ${idle.length} row(s): ${idle.slice(0, 10).map((r) => `${escapeControl(r.label)} (${r.nothingToProbe})`).join(', ')}${idle.length > 10 ? ', …' : ''}` : ''
  return [
    ...(plan.object ? [plan.object] : []), table, '',
    `${targets.length} target(s) on ${new Set(targets.map((t) => t.node)).size} node(s) would be probed (nothing was sent)${idleText}.`,
  ]
}

/** A round of `probe --watch`: JSON lines (changes, a verdict change, the round), the redrawn view, or stamped lines. */
export function watchRoundView(round: WatchRound<ProbeRound>, seconds: number, screen: Screen): WatchOutput[] {
  const {plan, report, wallMs} = round.result
  const {changes, previous, at} = round
  const verdictChanged = previous !== undefined && previous.report.verdict !== report.verdict
  if (round.mode === 'json') {
    const time = new Date(at).toISOString()
    const out: WatchOutput[] = changes.map((c) => ({type: 'change', time, link: c.link, node: c.node, network: c.network, host: c.host, from: c.from, to: c.to}))
    if (verdictChanged) out.push({type: 'verdict', time, from: previous.report.verdict, to: report.verdict, exitCode: report.exitCode, lines: report.lines})
    if (round.full) out.push({type: 'round', time, round: round.number, links: plan.targets.length, verdict: report.verdict, exitCode: report.exitCode, networks: report.summary.networks, lines: report.lines, wallMs})
    return out
  }
  const changed = changes.map((c) => changeLine(c, screen.unicode))
  if (round.mode === 'redraw') return [...reportLines(plan, report, screen), ...changed]
  if (round.full) {
    const explained = servantExplanation(report.results)
    return [`${clock(at)} watching ${plan.targets.length} link(s) every ${seconds} s: ${networkLines(report.summary).join(', ')}; ${report.verdict}`, ...(explained ? [`note: ${explained}`] : [])]
  }
  return verdictChanged ? [...changed, `${clock(at)} verdict ${previous.report.verdict} ${screen.unicode ? '→' : '->'} ${report.verdict}`] : changed
}

/** A re-read of the node list: a JSON line, or (stamped, on a pipe) a line when links came or went. */
export function reloadView(reload: Reload | null, round: number, mode: WatchMode): WatchOutput[] {
  if (reload === null) return []
  const time = new Date(reload.at).toISOString()
  if (mode === 'json') {
    return [reload.ok
      ? {type: 'reload', time, round, ok: true, links: reload.links, added: reload.added, removed: reload.removed}
      : {type: 'reload', time, round, ok: false, error: reload.error, links: reload.links}]
  }
  if (mode === 'lines' && reload.ok && (reload.added > 0 || reload.removed > 0)) {
    return [`${clock(reload.at)} node list re-read: ${reload.links} link(s), ${reload.added} added, ${reload.removed} removed`]
  }
  return []
}
