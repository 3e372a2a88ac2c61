/**
 * The person's view of a traffic result: per object a timeline per network (calls and failure % per slot,
 * as numbers, or as sparklines when the window holds more slots than fit), the callers with their verdict,
 * language and dead IPs, endpoints no adapter has, and a one-line summary. JSON is the result itself.
 */
import type {CallerReport, Counts, ObjectTraffic, UnknownTraffic} from '../core/traffic.js'
import {renderTable} from '../platform/table.js'
import type {Screen, Style} from '../platform/paint.js'
import type {TrafficResult} from './run.js'

/** Slots shown as numbers; more become sparklines. */
const NUMBERED_SLOTS = 12
const SPARKS = '▁▂▃▄▅▆▇█'
const ASCII_SPARKS = '_.-=+*#@'

export type ViewOptions = Screen

const failedOf = (c: Counts) => c.timeouts + c.exceptions

function percent(failed: number, calls: number): string {
  if (failed === 0) return '0%'
  const p = (failed / calls) * 100
  return p < 1 ? '<1%' : `${Math.round(p)}%`
}

function cell(c: Counts | undefined, o: ViewOptions): string {
  if (!c || c.calls === 0) return o.paint('dim', '-')
  const f = failedOf(c)
  if (f === 0) return String(c.calls)
  return `${c.calls} ${o.paint(f * 2 > c.calls ? 'red' : 'yellow', percent(f, c.calls))}`
}

function sparkline(values: number[], max: number, unicode: boolean): string {
  const chars = unicode ? SPARKS : ASCII_SPARKS
  return values.map((v) => (max === 0 || v === 0 ? ' ' : chars[Math.min(chars.length - 1, Math.floor((v / max) * (chars.length - 1)))])).join('')
}

function timeline(obj: ObjectTraffic, o: ViewOptions): string {
  const ends = [...new Set(obj.slots.map((s) => s.end))]
  const bySlot = new Map(obj.slots.map((s) => [`${s.end} ${s.network}`, s]))
  if (ends.length <= NUMBERED_SLOTS) {
    const head = ['NETWORK', 'CALLS', 'FAILED', ...ends.map((e) => e.slice(11))]
    return renderTable(head, obj.networks.map((n) => [n.network, String(n.calls), percent(failedOf(n), n.calls), ...ends.map((e) => cell(bySlot.get(`${e} ${n.network}`), o))]), {width: o.width})
  }
  const rows = obj.networks.map((n) => {
    const calls = ends.map((e) => bySlot.get(`${e} ${n.network}`)?.calls ?? 0)
    const fails = ends.map((e) => {
      const s = bySlot.get(`${e} ${n.network}`)
      return s && s.calls > 0 ? failedOf(s) / s.calls : 0
    })
    return [n.network, String(n.calls), percent(failedOf(n), n.calls), sparkline(calls, Math.max(...calls), o.unicode), o.paint('red', sparkline(fails, 1, o.unicode))]
  })
  return renderTable(['NETWORK', 'CALLS', 'FAILED', `CALLS ${ends[0].slice(11)}–${ends.at(-1)!.slice(11)}`, 'FAILED %'], rows, {width: o.width})
}

const VERDICT_STYLE: Record<CallerReport['verdict'], Style> = {ok: 'green', 'failed-over': 'cyan', stuck: 'red', failing: 'red'}

function lastSlotText(c: CallerReport): string {
  return c.lastSlot.networks.map((n) => `${n.network} ${n.calls}${failedOf(n) > 0 ? ` (${percent(failedOf(n), n.calls)} failed)` : ''}`).join(', ')
}

function callersTable(obj: ObjectTraffic, o: ViewOptions): string {
  return renderTable(['CALLER', 'LANGUAGE', 'VERDICT', `LAST SLOT`, 'DEAD IPS'], obj.callers.map((c) => [
    c.caller, c.language ?? '?', o.paint(VERDICT_STYLE[c.verdict], c.verdict), `${c.lastSlot.end.slice(11)}: ${lastSlotText(c)}`,
    [c.deadIps.join(', '), c.probingIps.length > 0 ? `probing ${c.probingIps.join(', ')}` : ''].filter(Boolean).join('; ') || '-',
  ]), {squeeze: ['LAST SLOT'], width: o.width})
}

function unknownTable(list: UnknownTraffic[], width: number): string {
  return renderTable(['CALLEE', 'IP', 'PORT', 'NODE', 'NETWORK', 'CALLS', 'FAILED', 'CALLERS'], list.map((u) => [
    u.slaveName, u.ip, String(u.port), u.node ?? '-', u.network ?? '-', String(u.calls), String(u.timeouts + u.exceptions), u.callers.join(', '),
  ]), {width})
}

export function renderTraffic(result: TrafficResult, o: ViewOptions): string[] {
  const out: string[] = []
  const w = result.window
  out.push(o.paint('dim', `${result.statSource}: ${w.from} – ${w.to} (stat clock), ${w.slotsRead} slot${w.slotsRead === 1 ? '' : 's'} of 5 min; each column is the slot ending then`))
  for (const obj of result.objects) {
    out.push('')
    out.push(`${o.paint('bold', obj.object)}  ${verdictWord(obj.verdict, o)}`)
    out.push(timeline(obj, o))
    out.push(callersTable(obj, o))
    const notes = [...new Set(obj.callers.map((c) => c.note).filter((n): n is string => n !== null))]
    for (const n of notes) out.push(o.paint('dim', `  note: ${n}`))
  }
  if (result.unknown.length > 0) {
    out.push('')
    out.push(o.paint('bold', 'Endpoints no adapter has (unknown)'))
    out.push(unknownTable(result.unknown, o.width))
  }
  out.push('')
  out.push(summaryLine(result, o))
  return out
}

function verdictWord(v: TrafficResult['verdict'], o: ViewOptions): string {
  return v === 'ok' ? o.paint('green', 'OK') : v === 'degraded' ? o.paint('yellow', 'DEGRADED') : o.paint('red', 'OUTAGE')
}

export function summaryLine(result: TrafficResult, o: ViewOptions): string {
  const callers = result.objects.flatMap((x) => x.callers)
  const count = (v: CallerReport['verdict']) => callers.filter((c) => c.verdict === v).length
  const parts = [`${count('failed-over')} failed over`, `${count('stuck')} stuck`, `${count('failing')} failing`, `${count('ok')} ok`]
  return `${verdictWord(result.verdict, o)}: ${result.objects.length} object${result.objects.length === 1 ? '' : 's'} with traffic, ${callers.length} caller${callers.length === 1 ? '' : 's'}: ${parts.join(', ')}${result.unknown.length > 0 ? `; ${result.unknown.length} unknown endpoint${result.unknown.length === 1 ? '' : 's'}` : ''}`
}
