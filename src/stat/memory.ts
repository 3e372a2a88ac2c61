/**
 * A stat record held in memory (the demo's): the same answers as the database gives, computed on arrays.
 */
import {PSEUDO_CALLERS, serverOfStatName, slotEnd, type Slot, type StatSum} from '../core/traffic.js'
import type {StatDb, StatRow} from './db.js'

const COLUMNS = ['stattime', 'f_date', 'f_tflag', 'source_id', 'master_name', 'slave_name', 'interface_name', 'tars_version', 'master_ip', 'slave_ip', 'slave_port', 'return_value', 'succ_count', 'timeout_count', 'exce_count', 'interv_count', 'total_time', 'ave_time', 'maxrsp_time', 'minrsp_time']

export class MemoryStatDb implements StatDb {
  constructor(private readonly data: Record<string, StatRow[]>, private readonly nowMs: number, readonly prefix: string, readonly source: string) {}

  async now(): Promise<number> {
    return this.nowMs
  }

  async tables(): Promise<string[]> {
    return Object.keys(this.data).filter((t) => t.startsWith(this.prefix))
  }

  async columns(tables: string[]): Promise<Map<string, Set<string>>> {
    return new Map(tables.filter((t) => t in this.data).map((t) => [t, new Set(COLUMNS)]))
  }

  async sum(table: string, slots: Slot[], servers?: string[]): Promise<StatSum[]> {
    const wanted = new Set(slots.map((s) => `${s.date} ${s.tflag}`))
    const only = servers ? new Set(servers.map((s) => s.toLowerCase())) : null
    const by = new Map<string, StatSum>()
    for (const r of this.data[table] ?? []) {
      if (!wanted.has(`${r.f_date} ${r.f_tflag}`) || PSEUDO_CALLERS.includes(r.master_name)) continue
      if (only && !only.has(serverOfStatName(r.slave_name).toLowerCase())) continue
      const key = [r.f_date, r.f_tflag, r.master_name, r.slave_name, r.slave_ip, r.slave_port].join('\u0000')
      let s = by.get(key)
      if (!s) by.set(key, (s = {end: slotEnd(r.f_date, r.f_tflag), master: r.master_name, slave: r.slave_name, ip: r.slave_ip, port: r.slave_port, ok: 0, timeouts: 0, exceptions: 0}))
      s.ok += r.succ_count
      s.timeouts += r.timeout_count
      s.exceptions += r.exce_count
    }
    return [...by.values()]
  }

  async close(): Promise<void> {}
}
