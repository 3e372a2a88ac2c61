/**
 * A lab tars.tarsstat.StatObj on our codec (src/tars/codec.ts): it takes `StatF.reportMicMsg(map<StatMicMsgHead,
 * StatMicMsgBody> msg, bool bFromClient)` (TarsProtocol servant/StatF.tars) from real clients and writes rows as
 * TarsFramework's StatServer does (fe8e741, StatImp.cpp, StatDbManager.cpp, StatServer::getTimeInfo):
 * - a client report's masterIp is the address the report came from; "App.Server@version" is split into
 *   master_name and tars_version; a body with no calls at all is dropped;
 * - reports are summed per head in the current 5-minute buffer; when the clock enters the next slot the buffer
 *   is dumped with getTimeInfo (the flag of the slot's end, HH00 as (H-1)60), `insert ignore` into prefix +
 *   date + hour, the table created with the config's SQL when missing; source_id is this instance's IP.
 * Its clock is the lab's: it may run faster than the wall clock (`speed`) from a start in the past, so that a
 * test sees several slots in a minute. Everything else is tarsstat's rule.
 */
import net from 'node:net'
import type {Connection} from 'mysql2/promise'

import {decodeFields, type TarsValue} from '../../src/tars/codec.js'
import {encodeResponseFrame} from '../../src/tars/ping.js'
import {onRequests} from './frames.js'
import {STAT_TABLE_SQL, tarsstatTimeInfo} from './stat-db.js'

interface Head {
  masterName: string
  slaveName: string
  interfaceName: string
  masterIp: string
  slaveIp: string
  slavePort: number
  returnValue: number
  tarsVersion: string
}

interface Body {
  count: number
  timeoutCount: number
  execCount: number
  totalRspTime: number
}

export interface StatServant {
  host: string
  port: number
  /** Reports taken so far (reportMicMsg calls). */
  reports: number
  /** Rows inserted so far. */
  rows: number
  /** The lab clock now (seconds, the stat host's wall clock read as UTC). */
  clock(): number
  /** Dumps what is buffered (as at the next slot change) and stops. */
  close(): Promise<void>
}

const str = (v: TarsValue | undefined) => (v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v))
const num = (v: TarsValue | undefined) => (v === undefined ? 0 : Number(v))

export async function startStatServant(options: {host: string; conn: Connection; prefix?: string; sourceId?: string; startClock: number; speed: number}): Promise<StatServant> {
  const prefix = options.prefix ?? 'tars_stat_'
  const realStart = Date.now()
  const clock = () => options.startClock + ((Date.now() - realStart) / 1000) * options.speed
  let buffer = new Map<string, {head: Head; body: Body}>()
  let bufferSlot = Math.floor(clock() / 300)
  let writing = Promise.resolve()
  const state = {reports: 0, rows: 0}

  const dump = (at: number) => {
    const entries = [...buffer.values()]
    buffer = new Map()
    if (entries.length === 0) return
    const {date, flag} = tarsstatTimeInfo(at)
    const table = `${prefix}${date.replaceAll('-', '')}${flag.slice(0, 2)}`
    writing = writing.then(async () => {
      await options.conn.query(STAT_TABLE_SQL.replace('${TABLE}', table).replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'))
      const values = entries.map(({head: h, body: b}) => [options.sourceId ?? options.host, date, flag, h.masterName, h.slaveName, h.interfaceName, h.tarsVersion, h.masterIp, h.slaveIp, h.slavePort, h.returnValue, b.count, b.timeoutCount, b.execCount, b.totalRspTime, '', b.count ? Math.max(1, Math.floor(b.totalRspTime / b.count)) : 0, 0, 0])
      await options.conn.query(`insert ignore into ${table} (source_id,f_date,f_tflag,master_name,slave_name,interface_name,tars_version,master_ip,slave_ip,slave_port,return_value, succ_count,timeout_count,exce_count,total_time,interv_count,ave_time,maxrsp_time, minrsp_time) values ?`, [values])
      state.rows += values.length
    })
  }
  // The slot changes on the lab clock: dump the buffer of the slot that ended, as of the new slot's start.
  const ticker = setInterval(() => {
    const slot = Math.floor(clock() / 300)
    if (slot !== bufferSlot) {
      dump((bufferSlot + 1) * 300 + 1)
      bufferSlot = slot
    }
  }, 100)

  const take = (fields: Map<number, TarsValue>, peer: string) => {
    const msg = (fields.get(1) ?? []) as Array<[TarsValue, TarsValue]>
    const fromClient = num(fields.get(2)) !== 0
    for (const [k, v] of msg) {
      const hf = k as Map<number, TarsValue>
      const bf = v as Map<number, TarsValue>
      const masterName = str(hf.get(0))
      const at = masterName.indexOf('@')
      const head: Head = {
        masterName: at >= 0 ? masterName.slice(0, at) : masterName,
        slaveName: str(hf.get(1)), interfaceName: str(hf.get(2)),
        masterIp: fromClient ? peer : str(hf.get(3)),
        slaveIp: fromClient ? str(hf.get(4)) : peer,
        slavePort: num(hf.get(5)), returnValue: num(hf.get(6)),
        tarsVersion: at >= 0 ? masterName.slice(at + 1) : str(hf.get(10)),
      }
      const body: Body = {count: num(bf.get(0)), timeoutCount: num(bf.get(1)), execCount: num(bf.get(2)), totalRspTime: num(bf.get(4))}
      if (body.count === 0 && body.timeoutCount === 0 && body.execCount === 0) continue
      const key = JSON.stringify(head)
      const have = buffer.get(key)
      if (!have) buffer.set(key, {head, body})
      else {
        have.body.count += body.count
        have.body.timeoutCount += body.timeoutCount
        have.body.execCount += body.execCount
        have.body.totalRspTime += body.totalRspTime
      }
    }
    state.reports++
  }

  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const peer = (socket.remoteAddress ?? '').replace(/^::ffff:/, '')
    onRequests(socket, (req) => {
      if (req.sFuncName === 'reportMicMsg') take(decodeFields(Buffer.from(req.sBuffer)), peer)
      // Clients report one-way; answer a two-way call with 0.
      if (req.cPacketType !== 1) socket.write(encodeResponseFrame({iVersion: req.iVersion, iRequestId: req.iRequestId, iMessageType: req.iMessageType, iRet: 0, sBuffer: Buffer.from([0x0c])}))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({host: options.host, port: 0}, () => resolve())
  })
  return {
    host: options.host,
    port: (server.address() as net.AddressInfo).port,
    get reports() { return state.reports },
    get rows() { return state.rows },
    clock,
    async close() {
      clearInterval(ticker)
      dump((bufferSlot + 1) * 300 + 1)
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await writing
    },
  }
}
