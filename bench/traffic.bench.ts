/**
 * `tarsnet traffic` on a big record: an hourly tarsstat table of 1,000,000 rows (tarsstat's DDL; 12 slots
 * of the last full hour; 1,000 servers × 20 nodes × 2 networks × 3 callers, all answered) beside a db_tars of
 * 1,000 nodes and 20,000 adapter rows, in the real MariaDB. The reference is the `mariadb` client running the
 * same indexed, summing statements tarsnet sends (stat/mysql.ts sumStatement) for the same window: for one
 * object (goal: within 0.3 s of the query), and for every object (goal: at most 3 s).
 */
import {spawnSync} from 'node:child_process'

import mysql from 'mysql2'

import {planTables, slotEndingAt, SLOT_MS} from '../src/core/traffic.js'
import {sumStatement} from '../src/stat/mysql.js'
import {TestDb} from '../test/helpers/db.js'
import {STAT_TABLE_SQL, StatTestDb} from '../test/helpers/stat-db.js'
import {clusterObjectName, measureInterleaved, seedCluster, TARSNET, type BenchRow} from './lib.js'

const NODES = 1000
const SERVERS = 1000
/** TARSNET_BENCH_TRAFFIC_ROWS: fewer rows for a quick look (the figures in docs are for 1,000,000). */
const ROWS = Number(process.env.TARSNET_BENCH_TRAFFIC_ROWS ?? 1_000_000)
const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16'
const OBJECT_SERVER = 7

export default async function bench(): Promise<BenchRow[]> {
  const db = await TestDb.create()
  const stat = await StatTestDb.create()
  try {
    await seedCluster(db, {nodes: NODES, servers: SERVERS, ipList: (n) => `${n},${n.replace('10.10.', '10.20.')}`, host: () => '0.0.0.0'})
    const now = (await stat.now()) * 1000
    const hourStart = Math.floor(now / 3_600_000) * 3_600_000
    // The last full hour's 12 slots (ending HH05 … the next hour's 00, written HH60) into its table.
    const prev = slotEndingAt(hourStart - SLOT_MS)
    const table = `tars_stat_${prev.date.replaceAll('-', '')}${prev.tflag.slice(0, 2)}`
    const current = `tars_stat_${slotEndingAt(hourStart + SLOT_MS).date.replaceAll('-', '')}${slotEndingAt(hourStart + SLOT_MS).tflag.slice(0, 2)}`
    for (const t of [table, current]) await stat.conn.query(STAT_TABLE_SQL.replace('${TABLE}', t))
    const hh = prev.tflag.slice(0, 2)
    // Loading a million rows into a table with ten wide keys row by row takes this machine half an hour:
    // the secondary keys are taken off, the rows inserted in primary key order, and the same keys (names and
    // columns of the DDL) built again at once. The table ends as tarsstat's DDL makes it.
    const keys = [...STAT_TABLE_SQL.matchAll(/KEY `(\w+)` \(([^)]*)\)/g)].map((k) => ({name: k[1], columns: k[2]}))
    await stat.conn.query(`ALTER TABLE ${table} ${keys.map((k) => `DROP KEY \`${k.name}\``).join(', ')}`)
    // Row n: slot n % 12, server (n / 12) % 1000, its k-th node (n / 12000) % 20, network (n / 240000) % 2, caller n / 480000.
    const srv = `(seq DIV 12) MOD ${SERVERS}`
    const node = `((${srv}) * 7 + (seq DIV 12000) MOD 20) MOD ${NODES}`
    await stat.conn.query(`INSERT INTO ${table} (source_id, f_date, f_tflag, master_name, slave_name, interface_name, tars_version, master_ip, slave_ip, slave_port, return_value, succ_count, timeout_count, exce_count, interv_count, total_time, ave_time, maxrsp_time, minrsp_time)
      SELECT * FROM (SELECT '10.0.0.100' AS s, '${prev.date}' AS d, CONCAT('${hh}', LPAD(5 * (seq MOD 12) + 5, 2, '0')) AS f, CONCAT('Caller.Cli', seq DIV 480000) AS m,
        CONCAT('App', (${srv}) MOD 100, '.Srv', ${srv}) AS sl, 'call' AS i, '3.0.22' AS v, '10.0.0.200' AS mi,
        CONCAT(IF((seq DIV 240000) MOD 2 = 0, '10.10.', '10.20.'), ${node} DIV 256, '.', ${node} MOD 256) AS ip,
        10000 + ${srv} AS p, 0 AS r, 100 AS ok, 0 AS t, 0 AS e, '' AS ic, 500 AS tt, 5 AS a, 20 AS mx, 1 AS mn
      FROM seq_0_to_${ROWS - 1}) AS g ORDER BY s, d, f, m, sl, i, mi, ip, p, r, v`)
    await stat.conn.query(`ALTER TABLE ${table} ${keys.map((k) => `ADD KEY \`${k.name}\` (${k.columns})`).join(', ')}`)
    await stat.conn.query(`ANALYZE TABLE ${table}`)

    // The statements tarsnet sends for --since 1h (the window as of now; it moves a little during the runs).
    const plan = planTables('tars_stat_', {from: now - 3_600_000, to: now}, [table, current])
    const server = clusterObjectName(OBJECT_SERVER).split('.').slice(0, 2).join('.')
    const statements = (servers?: string[]) => plan.tables.map((t) => {
      const {sql, values} = sumStatement(t.table, t.slots, servers)
      return mysql.format(sql, values as Parameters<typeof mysql.format>[1])
    }).join(';\n')
    const u = new URL(stat.url)
    const client = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), stat.name, '-e']
    const common = ['--db', db.url, '--stat-db', stat.url, '--networks', NETWORKS, '--since', '1h', '--json']
    // Once first, output kept: a failure says why (the measured runs discard stdout).
    for (const args of [[clusterObjectName(OBJECT_SERVER), ...common], common]) {
      const r = spawnSync(process.execPath, [TARSNET, 'traffic', ...args], {encoding: 'utf8', maxBuffer: 1 << 30})
      if (r.status !== 0) throw new Error(`traffic ${args.join(' ')} exited ${r.status}: ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 500)}`)
    }
    const m = await measureInterleaved([
      {name: 'one', cmd: process.execPath, args: [TARSNET, 'traffic', clusterObjectName(OBJECT_SERVER), ...common]},
      {name: 'one-ref', cmd: 'mariadb', args: [...client, statements([server])]},
      {name: 'all', cmd: process.execPath, args: [TARSNET, 'traffic', ...common]},
      {name: 'all-ref', cmd: 'mariadb', args: [...client, statements()]},
    ], 7)
    const one = m.get('one')!
    const oneRef = m.get('one-ref')!
    const all = m.get('all')!
    const allRef = m.get('all-ref')!
    return [
      {
        name: `traffic ${clusterObjectName(OBJECT_SERVER)} --since 1h: hourly table of ${ROWS.toLocaleString('en')} rows, ${NODES} nodes, ${SERVERS * 20} adapter rows`,
        tarsnet: one, reference: {name: 'mariadb', ...oneRef},
        note: `goal: at most the query + 0.3 s; tarsnet − query = ${((one.wallMs - oneRef.wallMs) / 1000).toFixed(2)} s (${one.wallMs - oneRef.wallMs <= 300 ? 'met' : 'NOT met'}); tables ${plan.tables.map((t) => t.table).join(', ')}`,
      },
      {
        name: `traffic --since 1h (every object): hourly table of ${ROWS.toLocaleString('en')} rows`,
        tarsnet: all, reference: {name: 'mariadb', ...allRef},
        note: `goal: at most 3 s; tarsnet ${(all.wallMs / 1000).toFixed(2)} s (${all.wallMs <= 3000 ? 'met' : 'NOT met'})`,
      },
    ]
  } finally {
    await stat.drop()
    await db.drop()
  }
}
