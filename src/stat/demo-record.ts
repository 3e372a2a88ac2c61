/**
 * The demo cluster's tarsstat record, written relative to now as tarsstat would have written it: the last
 * 40 minutes in 5-minute slots, with the demo's incident (node 127.10.0.2 lost network y, 127.20.0.2) starting
 * 20 minutes ago. The C++ and Java callers fail over (a slot of timeouts, then nothing to the dead IP); the Node
 * caller (Plant.AlarmServer, Tars.js) keeps sending a share of its calls to it (stuck), as the failover model says; a tarsstat pseudo caller and an old node's IP are in it too.
 */
import {slotEndingAt, SLOT_MS, statTableName, DEFAULT_STAT_PREFIX} from '../core/traffic.js'
import type {StatRow} from './db.js'

const SLOTS = 8
const CUT_SLOTS_AGO = 4

interface Flow {
  caller: string
  callee: string
  fn: string
  port: number
  ips: string[]
  perIp: number
  /** 'failover': one slot of failures on the dead IP, then none; 'stuck': keeps a share on it, failing. */
  style: 'failover' | 'stuck'
}

const DEAD_IP = '127.20.0.2'
const FLOWS: Flow[] = [
  {caller: 'Plant.GatewayServer', callee: 'Plant.ControlServer', fn: 'setPoint', port: 20001, ips: ['127.10.0.1', '127.20.0.1', '127.10.0.2', DEAD_IP, '127.10.0.3'], perIp: 600, style: 'failover'},
  {caller: 'Plant.AlarmServer', callee: 'Plant.HistoryServer', fn: 'append', port: 20002, ips: ['127.10.0.2', DEAD_IP, '127.10.0.4', '127.10.0.5', '127.20.0.5'], perIp: 300, style: 'stuck'},
  {caller: 'Plant.HistoryServer', callee: 'Plant.ControlServer', fn: 'readState', port: 20001, ips: ['127.10.0.1', '127.20.0.1', '127.10.0.2', DEAD_IP, '127.10.0.3'], perIp: 120, style: 'failover'},
]

/** The record's tables (tars_stat_YYYYMMDDHH → rows) for a clock reading `nowMs` (naive ms, core/traffic). */
export function demoStatRecord(nowMs: number): Record<string, StatRow[]> {
  const tables: Record<string, StatRow[]> = {}
  const lastEnd = Math.floor(nowMs / SLOT_MS) * SLOT_MS
  for (let i = SLOTS - 1; i >= 0; i--) {
    const slot = slotEndingAt(lastEnd - i * SLOT_MS)
    const table = statTableName(DEFAULT_STAT_PREFIX, slot, 'hour')
    const rows = (tables[table] ??= [])
    const row = (f: Flow, ip: string, port: number, ok: number, timeouts: number, sourceId: string): StatRow => ({
      source_id: sourceId, f_date: slot.date, f_tflag: slot.tflag, master_name: f.caller, slave_name: f.callee, interface_name: f.fn,
      slave_ip: ip, slave_port: port, return_value: timeouts > 0 ? -7 : 0, succ_count: ok, timeout_count: timeouts, exce_count: 0,
    })
    const cut = i < CUT_SLOTS_AGO
    const firstCutSlot = i === CUT_SLOTS_AGO - 1
    for (const f of FLOWS) {
      for (const ip of f.ips) {
        // Two tarsstat instances share the reports: the record is the sum over source_id.
        const split = (ok: number, timeouts: number) => {
          rows.push(row(f, ip, f.port, Math.ceil(ok / 2), Math.ceil(timeouts / 2), '127.10.0.1'))
          rows.push(row(f, ip, f.port, Math.floor(ok / 2), Math.floor(timeouts / 2), '127.10.0.6'))
        }
        if (ip !== DEAD_IP || !cut) split(f.perIp, 0)
        else if (f.style === 'failover' && firstCutSlot) split(0, 9)
        else if (f.style === 'stuck') split(0, Math.round(f.perIp * 0.6))
      }
    }
    // An old node's IP that no adapter has any more: reported under unknown.
    rows.push(row(FLOWS[0], '127.10.0.9', 20001, 0, 3, '127.10.0.1'))
    // tarsstat's own server-side pseudo caller: left out.
    rows.push({...row(FLOWS[0], '127.10.0.1', 20001, 9999, 0, '127.10.0.1'), master_name: 'stat_from_server'})
  }
  return tables
}
