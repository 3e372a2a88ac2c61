/**
 * A throwaway tars_stat on the real MariaDB, written as tarsstat writes it: the table DDL verbatim from
 * TarsFramework fe8e741 (deploy/framework/conf/tarsstat/conf/tars.tarsstat.config.conf, `/tars<sql>`, with
 * the config file's `\=` unescaped), and rows placed by upstream's slot rule (StatServer::getTimeInfo), restated
 * here on its own so that the product's reading of it is checked, not copied.
 */
import {randomBytes} from 'node:crypto'
import mysql, {type Connection, type RowDataPacket} from 'mysql2/promise'

import {serverOptions, TEST_SERVER} from './db.js'

export const STAT_TABLE_SQL = "CREATE TABLE `${TABLE}`( `stattime` timestamp NOT NULL default CURRENT_TIMESTAMP,`f_date` date NOT NULL default '1970-01-01', `f_tflag` varchar(8) NOT NULL default '',`source_id` varchar(15) NOT NULL default '',`master_name` varchar(128) NOT NULL default '',`slave_name` varchar(128) NOT NULL default '',`interface_name` varchar(128) NOT NULL default '',`tars_version` varchar(16) NOT NULL default '',`master_ip` varchar(15) NOT NULL default '',`slave_ip` varchar(21) NOT NULL default '',`slave_port` int(10) NOT NULL default 0,`return_value` int(11) NOT NULL default 0,`succ_count` int(10) unsigned default NULL,`timeout_count` int(10) unsigned default NULL,`exce_count` int(10) unsigned default NULL,`interv_count` varchar(128) default NULL,`total_time` bigint(20) unsigned default NULL,`ave_time` int(10) unsigned default NULL,`maxrsp_time` int(10) unsigned default NULL,`minrsp_time` int(10) unsigned default NULL,PRIMARY KEY (`source_id`,`f_date`,`f_tflag`,`master_name`,`slave_name`,`interface_name`,`master_ip`,`slave_ip`,`slave_port`,`return_value`,`tars_version`),KEY `IDX_TIME` (`stattime`),KEY `IDC_MASTER` (`master_name`),KEY `IDX_INTERFACENAME` (`interface_name`),KEY `IDX_FLAGSLAVE` (`f_tflag`,`slave_name`), KEY `IDX_SLAVEIP` (`slave_ip`),KEY `IDX_SLAVE` (`slave_name`),KEY `IDX_RETVALUE` (`return_value`),KEY `IDX_MASTER_IP` (`master_ip`),KEY `IDX_F_DATE` (`f_date`)) ENGINE=InnoDB DEFAULT CHARSET=utf8"

/** One reported head + body, as tarsstat's hash map holds it before the insert. */
export interface Report {
  source?: string
  master: string
  slave: string
  fn?: string
  masterIp?: string
  ip: string
  port: number
  ret?: number
  ok: number
  timeouts?: number
  exceptions?: number
  version?: string
}

/**
 * StatServer::getTimeInfo at wall time `t` (seconds, the stat host's local clock read as UTC): the time rounded
 * down to the insert interval (5 min); on the hour, one minute earlier; date YYYY-MM-DD and flag HH + MM, 59 → 60.
 */
export function tarsstatTimeInfo(t: number): {date: string; flag: string} {
  let s = Math.floor(t / 300) * 300
  if (s % 3600 === 0) s -= 60
  const iso = new Date(s * 1000).toISOString()
  const minute = iso.slice(14, 16)
  return {date: iso.slice(0, 10), flag: iso.slice(11, 13) + (minute === '59' ? '60' : minute)}
}

export class StatTestDb {
  private constructor(readonly name: string, readonly conn: Connection, readonly prefix: string) {}

  static async create(prefix = 'tars_stat_'): Promise<StatTestDb> {
    const name = `tarsnet_stat_${randomBytes(5).toString('hex')}`
    const conn = await mysql.createConnection({...serverOptions(), dateStrings: true})
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8`)
    await conn.query(`USE \`${name}\``)
    return new StatTestDb(name, conn, prefix)
  }

  get url(): string {
    const u = new URL(TEST_SERVER)
    u.pathname = `/${this.name}`
    return u.toString()
  }

  /** The database's NOW() in whole seconds, its wall clock read as UTC (what tarsstat's clock would read). */
  async now(): Promise<number> {
    const [rows] = await this.conn.query<RowDataPacket[]>('SELECT CAST(NOW() AS CHAR) AS n')
    return Date.parse(`${String(rows[0].n).replace(' ', 'T')}Z`) / 1000
  }

  /**
   * What a tarsstat instance inserts when it writes the slot that is dumped at wall time `t` (seconds):
   * table prefix + date + the flag's hour (CutType hour), created with the config's SQL when missing,
   * then `insert ignore` of every report.
   */
  async write(t: number, reports: Report[]): Promise<{table: string; date: string; flag: string}> {
    const {date, flag} = tarsstatTimeInfo(t)
    const table = `${this.prefix}${date.replaceAll('-', '')}${flag.slice(0, 2)}`
    await this.conn.query(STAT_TABLE_SQL.replace('${TABLE}', table).replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'))
    if (reports.length === 0) return {table, date, flag}
    // StatImp::reportMicMsg: a masterName "App.Server@version" is split into master_name and tars_version.
    const values = reports.map((r) => [r.source ?? '10.0.0.100', date, flag, r.master.split('@')[0], r.slave, r.fn ?? 'call', r.master.includes('@') ? r.master.slice(r.master.indexOf('@') + 1) : (r.version ?? '3.0.22'), r.masterIp ?? '10.0.0.200', r.ip, r.port, r.ret ?? 0, r.ok, r.timeouts ?? 0, r.exceptions ?? 0, 0, '', 1, 1, 1])
    await this.conn.query(`insert ignore into ${table} (source_id,f_date,f_tflag,master_name,slave_name,interface_name,tars_version,master_ip,slave_ip,slave_port,return_value, succ_count,timeout_count,exce_count,total_time,interv_count,ave_time,maxrsp_time, minrsp_time) values ?`, [values])
    return {table, date, flag}
  }

  async drop(): Promise<void> {
    await this.conn.query(`DROP DATABASE IF EXISTS \`${this.name}\``).catch(() => {})
    await this.conn.end().catch(() => {})
  }
}
