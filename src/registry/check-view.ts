/**
 * The registry check as the operator reads it at a terminal: the addresses asked, then per object the
 * answers that do not agree (grouped when several addresses say the same), then the summary lines.
 */
import {addressLabel, describeEndpoint, VERDICT_WORD, type AnswerRecord, type ListedEndpoint} from '../core/registry-compare.js'
import {renderTable} from '../platform/table.js'
import type {Paint, Screen} from '../platform/paint.js'
import type {CheckQuery, CheckReport} from './check.js'
import type {RegistryCheckRun} from './check-run.js'
import {NO_NETWORK} from '../core/names.js'

/** The caller the registry answered for: the node_name sent, else this machine's address (no node_name). */
export function callerLabel(callerNodeName: string | null, clientIp: string | null): string {
  return callerNodeName === null ? `${clientIp ?? '-'} (no node_name)` : `node_name ${callerNodeName}`
}

export function checkView(report: CheckReport, query: CheckQuery, screen: Screen): string[] {
  const {paint} = screen
  const out: string[] = []
  const caller = query.kind !== 'any'
  const head = ['REGISTRY', 'NETWORK', 'STATUS', 'LATENCY', 'ANSWERED', ...(caller ? ['CALLER'] : [])]
  const rows = report.registries.map((r) => [
    `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}`,
    r.network ?? paint('yellow', NO_NETWORK),
    r.status === 'ok' ? paint('green', 'ok') : paint('red', r.status === 'error' && r.error ? `error: ${r.error.message}` : r.status),
    r.latencyMs === null ? '-' : `${r.latencyMs.toFixed(1)} ms`,
    `${r.answered}/${r.asked}`,
    ...(caller ? [callerLabel(report.answers.find((a) => a.host === r.host && a.port === r.port)?.callerNodeName ?? null, r.clientIp)] : []),
  ])
  const perAddress = report.answers.length / Math.max(1, report.registries.length)
  out.push(`${report.query}${report.setId ? ` (${report.setId})` : ''}: ${perAddress} object(s) × ${report.registries.length} registry address(es)`)
  out.push(renderTable(head, rows, {squeeze: ['STATUS', 'LATENCY', 'ANSWERED'], width: screen.width}))

  const down = new Set(report.registries.filter((r) => r.status !== 'ok').map((r) => `${r.host} ${r.port}`))
  // Objects in the order asked (the answers of one address come in that order).
  const byObject = new Map<string, AnswerRecord[]>(report.answers.slice(0, perAddress).map((a) => [a.object, []]))
  for (const a of report.answers) {
    if (a.verdict === 'agrees' || (a.status === 'ok' && a.verdict === null)) continue
    if (a.status !== 'ok' && down.has(`${a.host} ${a.port}`)) continue // said once, in the table above
    byObject.set(a.object, [...(byObject.get(a.object) ?? []), a])
  }
  for (const [object, answers] of byObject) {
    if (answers.length === 0) continue
    out.push('', paint('bold', object))
    const groups = new Map<string, AnswerRecord[]>()
    for (const a of answers) {
      const key = JSON.stringify([a.status, a.error, a.verdict, a.reasons, a.groupMismatches, a.hint, a.missingActive, a.extraActive, a.missingInactive, a.extraInactive, caller ? callerLabel(a.callerNodeName, a.clientIp) : null])
      groups.set(key, [...(groups.get(key) ?? []), a])
    }
    for (const list of groups.values()) out.push(...answerLines(list, paint))
  }
  out.push('')
  const color = report.verdict === 'ok' ? 'green' : report.verdict === 'unreachable' ? 'red' : 'yellow'
  const last = `${VERDICT_WORD[report.verdict]}:`
  for (const line of report.lines) out.push(line.startsWith(last) ? paint(color, line) : line)
  return out
}

function answerLines(list: AnswerRecord[], paint: Paint): string[] {
  const a = list[0]
  const who = list.map(addressLabel).join(', ')
  if (a.status !== 'ok') return [`  ${who}: ${paint('red', a.status)}${a.error ? ` — ${a.error.message}` : ''}`]
  const out = [`  ${who}: ${paint(a.verdict === 'differs' ? 'red' : 'yellow', a.verdict ?? '')}${a.query !== 'findObjectById4Any' ? ` (for caller ${callerLabel(a.callerNodeName, a.clientIp)})` : ''}`]
  for (const r of a.reasons) out.push(`    ${r}`)
  for (const g of a.groupMismatches) out.push(`    ${g}`)
  const lists: Array<[string, ListedEndpoint[]]> = [
    ['missing active', a.missingActive], ['extra active', a.extraActive], ['missing inactive', a.missingInactive], ['extra inactive', a.extraInactive],
  ]
  for (const [label, eps] of lists) if (eps.length > 0) out.push(`    ${label}: ${eps.map(describeEndpoint).join(', ')}`)
  if (a.hint) out.push(`    ${paint('dim', `hint: ${a.hint}`)}`)
  return out
}

/** The check as JSON (the command adds its notices and source): the report, the question, the caller, the timeout. */
export function checkJson(run: RegistryCheckRun, timeoutMs: number) {
  const {registries, answers, disagreements, verdict, exitCode, lines, counts, query, setId, wallMs} = run.report
  return {registries, answers, disagreements, verdict, exitCode, lines, counts, query, setId, callerNodeName: run.callerNodeName, timeoutMs, wallMs}
}
