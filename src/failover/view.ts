/**
 * The failover result as text: per object and cut, a table of its callers (what they lose until they
 * stop calling the dead endpoints, then per minute, how long they take to come back, and the setting
 * that dominates), then the findings and one verdict line.
 */
import {LANGUAGE_LABEL, type Setting} from '../core/client-config.js'
import type {FailoverFinding, FailoverObject} from '../core/failover.js'
import {renderTable} from '../platform/table.js'
import type {Paint, Screen} from '../platform/paint.js'
import type {FailoverRunResult} from './run.js'


export function settingText(s: Setting): string {
  const unit = s.unit === 'ratio' || s.unit === '' ? '' : ` ${s.unit}`
  return `${s.name} ${s.value}${unit} (${s.source})`
}

export function renderFailover(result: FailoverRunResult, screen: Screen): string[] {
  const {paint} = screen
  const out: string[] = []
  const mode = result.mode === 'refused' ? 'refused (resets)' : 'blackholed (SYNs dropped)'
  out.push(`${paint('bold', 'Cuts')}: ${result.cuts.join(', ')}, each on its own, ${mode}; ${result.call} calls; rates from ${result.rateSource === 'tarsstat' ? 'tarsstat' : '--rate'}`)
  out.push('')
  const touched = result.objects.filter((o) => o.endpoints.dead > 0)
  for (const o of touched) out.push(...objectTable(o, screen), '')
  const untouched = result.objects.length - touched.length
  if (untouched > 0) out.push(paint('dim', `${untouched} object/cut pair${untouched === 1 ? '' : 's'} lose no endpoint: nothing to fail over.`), '')
  if (result.findings.length > 0) {
    out.push(paint('bold', 'Findings'))
    for (const f of result.findings) out.push(`  ${findingTone(f, paint)} ${f.message}`)
    out.push('')
  }
  const verdict = result.verdict === 'ok' ? paint('green', 'OK') : result.verdict === 'warning' ? paint('yellow', 'WARNING') : paint('red', 'CRITICAL')
  const worst = touched.flatMap((o) => o.callers).reduce((m, c) => Math.max(m, c.failedCalls), 0)
  out.push(`${verdict}: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'}; ${touched.length} object/cut pair${touched.length === 1 ? '' : 's'} with callers lose${touched.length === 1 ? 's' : ''} endpoints; worst caller loses ${worst} call${worst === 1 ? '' : 's'} before it fails over`)
  return out
}

function objectTable(o: FailoverObject, screen: Screen): string[] {
  const {paint} = screen
  const head = `${paint('bold', o.object)} — cut ${o.cut}: ${o.endpoints.dead} of ${o.endpoints.total} endpoints dead`
  if (o.callers.length === 0) return [head, '  (no caller modelled)']
  const rows = o.callers.map((c) => [
    c.caller,
    `${LANGUAGE_LABEL[c.language]} ${c.version}`,
    `${c.callsPerSecond}/s`,
    String(c.failedCalls),
    `${c.detectSeconds} s`,
    String(c.steadyFailedPerMinute),
    `${c.recoverSeconds} s`,
    settingText(c.dominant),
  ])
  // What the model could not know, once per note with the callers it concerns.
  const notes = new Map<string, string[]>()
  for (const c of o.callers) for (const n of c.notes) notes.set(n, [...(notes.get(n) ?? []), c.caller])
  const noteLines = [...notes].map(([n, who]) => paint('dim', `  note (${who.join('; ')}): ${n}`))
  return [head, renderTable(['CALLER', 'CLIENT', 'RATE', 'FAILED', 'DETECT', 'THEN/MIN', 'RECOVERY', 'DOMINATED BY'], rows, {squeeze: ['CALLER', 'DOMINATED BY'], width: screen.width}), ...noteLines]
}

function findingTone(f: FailoverFinding, paint: Paint): string {
  return f.severity === 'critical' ? paint('red', 'critical') : paint('yellow', 'warning ')
}
