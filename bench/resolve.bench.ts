/**
 * `tarsnet resolve X --json` in a db_tars of 5,000 nodes and 100,000 adapter rows (5,000 servers on 20
 * nodes each), against the mariadb client running the equivalent SELECT: the registry's
 * `t_adapter_conf RIGHT JOIN t_server_conf` for the object, keyed by t_adapter_conf.servant as the registry
 * keys it, with each node's IP list. db_tars (TarsFramework deploy/framework/sql/db_tars.sql) has no index on
 * t_adapter_conf.servant, so both read it with a full scan; the last row shows what an index would change.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {TestDb, TEST_SERVER} from '../test/helpers/db.js'
import {measure, runOnce, seedCluster, TARSNET, type BenchRow, type Measure} from './lib.js'

const NODES = 5000
const SERVERS = 5000
const NODES_PER_SERVER = 20 // as seedCluster lays them out

type Cmd = [string, string[]]

/**
 * Both commands measured turn about (one warm-up each, then A, B, A, B…): on a shared machine the load
 * changes from second to second, and alternating spreads it over both sides instead of one.
 */
async function sideBySide(a: Cmd, b: Cmd, runs = 7): Promise<[Measure, Measure]> {
  const results: [Measure[], Measure[]] = [[], []]
  for (let i = 0; i <= runs; i++) {
    for (const [k, [cmd, args]] of [a, b].entries()) {
      const r = await runOnce(cmd, args)
      if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
      if (i > 0) results[k].push(r)
    }
  }
  const summary = (ms: Measure[]): Measure => {
    const sorted = [...ms].sort((x, y) => x.wallMs - y.wallMs)
    return {wallMs: sorted[Math.floor(sorted.length / 2)].wallMs, peakRssMb: Math.max(...ms.map((m) => m.peakRssMb))}
  }
  return [summary(results[0]), summary(results[1])]
}

/** MariaDB's own time for the query (ANALYZE: r_total_time_ms of the statement), median of 5. */
async function serverMs(db: TestDb, sql: string): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 6; i++) {
    const [row] = await db.query<Array<{ANALYZE: string}>>(`ANALYZE FORMAT=JSON ${sql}`)
    const plan = JSON.parse(row.ANALYZE) as {query_block: {r_total_time_ms?: number}}
    if (i > 0) times.push(plan.query_block.r_total_time_ms ?? Number.NaN)
  }
  return times.sort((x, y) => x - y)[2]
}

/**
 * resolve's table on one object of 100,000 endpoints (50,000 nodes × 2 networks, bound to 0.0.0.0), at 80
 * columns, against `--json` of the same object (issue 9, defect 6: with cli-table3 it never finished).
 */
async function bigTable(): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-resolve-table-bench-'))
  try {
    const count = 50_000
    const now = new Date().toISOString()
    const names = Array.from({length: count}, (_, i) => `10.10.${(i >> 8) & 255}.${i & 255}`)
    const snap = join(dir, 'big.json')
    writeFileSync(snap, JSON.stringify({
      format: 'tarsnet-snapshot', version: 1, takenAt: now, source: 'resolve table bench', ipListColumn: 'ip_list', ipListColumnPresent: true,
      networks: [{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}],
      nodes: names.map((n) => ({nodeName: n, nodeObj: '', endpointIp: n, endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: now, lastRegTime: now, tarsVersion: '3.0.19', ipList: `${n},${n.replace('10.10.', '10.20.')}`})),
      servers: names.map((n) => ({application: 'Big', serverName: 'FanServer', nodeName: n, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp'})),
      adapters: names.map((n) => ({application: 'Big', serverName: 'FanServer', nodeName: n, adapterName: 'Big.FanServer.FanObjAdapter', endpoint: 'tcp -h 0.0.0.0 -p 20000 -t 60000', servant: 'Big.FanServer.FanObj', protocol: 'tars'})),
      registry: [], groupRules: [], groupPriorities: [],
    }))
    const env = {...process.env, COLUMNS: '80'}
    return {
      name: 'resolve (table, 80 columns): one object of 100,000 endpoints (50,000 nodes × 2 networks)',
      tarsnet: await measure(process.execPath, [TARSNET, 'resolve', 'Big.FanServer.FanObj', '--snapshot', snap], {runs: 3, env}),
      reference: {name: '--json', ...(await measure(process.execPath, [TARSNET, 'resolve', 'Big.FanServer.FanObj', '--snapshot', snap, '--json'], {runs: 3, env}))},
      note: 'the same resolution; the table has a row per endpoint, fitted to 80 columns',
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

export default async function bench(): Promise<BenchRow[]> {
  if (process.env.TARSNET_BENCH_TABLE_ONLY) return [await bigTable()]
  const table = await bigTable()
  const db = await TestDb.create()
  const small = await TestDb.create()
  try {
    await seed(db, SERVERS)
    // The same object alone in a database: what the other rows cost.
    await seed(small, 1, 1234)
    // Server 1234 of application App34: 20 nodes, 0.0.0.0 → 40 endpoints on two networks.
    const app = 'App34'
    const server = 'Srv1234'
    const object = `${app}.${server}.Obj`
    const u = new URL(TEST_SERVER)
    const sql = `SELECT adapter.servant, adapter.endpoint, adapter.protocol, server.node_name, server.setting_state, server.present_state,
        server.flow_state, server.bak_flag, server.enable_group, server.enable_set, server.set_name, server.set_area, server.set_group,
        server.ip_group_name, node.ip_list, node.endpoint_ip
      FROM t_adapter_conf AS adapter RIGHT JOIN t_server_conf AS server USING (application, server_name, node_name)
      LEFT JOIN t_node_info AS node ON node.node_name = server.node_name
      WHERE adapter.servant = '${object}'`
    const client: Cmd = ['mariadb', ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : []), db.name, '-e', sql]]
    const resolve = (url: string): Cmd => [process.execPath, [TARSNET, 'resolve', object, '--json', '--db', url, '--networks', 'x=10.10.0.0/16;y=10.20.0.0/16']]
    const scan = `SELECT endpoint FROM t_adapter_conf WHERE servant = '${object}'`

    const [big, reference] = await sideBySide(resolve(db.url), client)
    const [big2, alone] = await sideBySide(resolve(db.url), resolve(small.url))
    const scanMs = await serverMs(db, scan)
    // What an operator who adds `KEY (servant)` to t_adapter_conf would get (tarsnet never adds it).
    const indexed = await TestDb.create()
    try {
      await db.query(`INSERT INTO \`${indexed.name}\`.t_node_info SELECT * FROM t_node_info`)
      await db.query(`INSERT INTO \`${indexed.name}\`.t_server_conf SELECT * FROM t_server_conf`)
      await db.query(`INSERT INTO \`${indexed.name}\`.t_adapter_conf SELECT * FROM t_adapter_conf`)
      await indexed.query('ALTER TABLE t_adapter_conf ADD KEY tarsnet_bench_servant (servant)')
      await indexed.query('ANALYZE TABLE t_node_info, t_server_conf, t_adapter_conf')
      const [big3, withKey] = await sideBySide(resolve(db.url), resolve(indexed.url))
      const keyMs = await serverMs(indexed, scan)
      return [
        table,
        {
          name: `resolve --json: 1 object in ${NODES} nodes, ${SERVERS * NODES_PER_SERVER} adapter rows (no index on servant, as db_tars ships)`,
          tarsnet: big,
          reference: {name: 'mariadb', ...reference},
          note: `the reference runs the registry's join for the object's servant (a full scan of t_adapter_conf, ${NODES_PER_SERVER} rows out) and prints it; tarsnet also starts Node and oclif, reads the node and group tables, applies the registry's rules, expands 0.0.0.0 into ${NODES_PER_SERVER * 2} endpoints and builds the JSON`,
        },
        {
          name: `resolve --json: the same object with ${SERVERS * NODES_PER_SERVER} vs ${NODES_PER_SERVER} adapter rows around it`,
          tarsnet: big2,
          reference: {name: `${NODES_PER_SERVER} rows`, ...alone},
          note: `the difference is the full scan of t_adapter_conf by servant over the other ${SERVERS * NODES_PER_SERVER - NODES_PER_SERVER} rows (server and node rows are read through indexes); MariaDB's own time for that scan: ${scanMs.toFixed(1)} ms`,
        },
        {
          name: `resolve --json at ${SERVERS * NODES_PER_SERVER} adapter rows: db_tars as shipped vs with KEY (servant) added`,
          tarsnet: big3,
          reference: {name: 'KEY (servant)', ...withKey},
          note: `MariaDB's own time for the adapters query: ${scanMs.toFixed(1)} ms as a full scan, ${keyMs.toFixed(2)} ms through the index`,
        },
      ]
    } finally {
      await indexed.drop()
    }
  } finally {
    await db.drop()
    await small.drop()
  }
}

async function seed(db: TestDb, serverCount: number, first = 0): Promise<void> {
  await seedCluster(db, {nodes: NODES, servers: serverCount, first, ipList: (n) => `${n},${n.replace('10.10.', '10.20.')}`, host: () => '0.0.0.0'})
}
