/**
 * `tarsnet nodes list --json` on 5,000 nodes × 3 networks against the mariadb client running the same
 * SELECT (start-up against `node -e 0` is in startup.bench.ts); and the database host race (issue 9,
 * defect 17): `nodes list` whose first database host drops SYNs, against the same with a healthy first host.
 * And the table (issue 9, defect 6): `nodes list` as a table at 80 columns, 5,000 and 50,000 nodes, against
 * `--json` of the same rows (aim: within 2×; cli-table3 took 312 s at 50,000 nodes); TARSNET_BENCH_TABLE_ONLY=1 runs
 * only these.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DroppingListeners} from '../src/lab/listeners.js'
import {TestDb, TEST_SERVER} from '../test/helpers/db.js'
import {measure, runOnce, TARSNET, type BenchRow, type Measure} from './lib.js'

const NODES = 5000

/** `nodes list` as a table (80 columns) against `nodes list --json`, from a snapshot of `count` nodes × 2 networks. */
export async function tableCases(counts: number[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-table-bench-'))
  try {
    for (const count of counts) {
      const now = Date.now()
      const nodes = Array.from({length: count}, (_, i) => {
        const n = `10.10.${(i >> 8) & 255}.${i & 255}`
        const y = i % 11 === 0 ? '' : `,10.20.${(i >> 8) & 255}.${i & 255}`
        // A few rows with long problems, stale heartbeats and an entry that is not an IP: what wraps at 80 columns.
        return {nodeName: n, nodeObj: '', endpointIp: n, endpointPort: 0, presentState: i % 13 === 0 ? 'inactive' : 'active', settingState: 'active', lastHeartbeat: new Date(now - (i % 400) * 1000).toISOString(), lastRegTime: new Date(now).toISOString(), tarsVersion: '3.0.19', ipList: `${n}${y}${i % 17 === 0 ? ',garbage' : ''}`}
      })
      const snap = join(dir, `nodes-${count}.json`)
      writeFileSync(snap, JSON.stringify({format: 'tarsnet-snapshot', version: 1, takenAt: new Date(now).toISOString(), source: 'table bench', ipListColumn: 'ip_list', ipListColumnPresent: true, networks: [{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}], nodes, servers: [], adapters: [], registry: [], groupRules: [], groupPriorities: []}))
      const env = {...process.env, COLUMNS: '80'}
      rows.push({
        name: `nodes list (table, 80 columns): ${count.toLocaleString('en-US')} nodes × 2 networks`,
        tarsnet: await measure(process.execPath, [TARSNET, 'nodes', 'list', '--snapshot', snap], {runs: 3, env}),
        reference: {name: '--json', ...(await measure(process.execPath, [TARSNET, 'nodes', 'list', '--snapshot', snap, '--json'], {runs: 3, env}))},
        note: 'the same rows read and classified; the table is fitted to 80 columns (states, ages, problems wrapped); aim ≤ 2×',
      })
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  return rows
}

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [...(await tableCases([5000, 50_000]))]
  // TARSNET_BENCH_TABLE_ONLY=1: the tables alone (no database needed).
  if (process.env.TARSNET_BENCH_TABLE_ONLY) return rows
  const db = await TestDb.create()
  try {
    for (let start = 0; start < NODES; start += 1000) {
      const values: unknown[] = []
      const tuples: string[] = []
      for (let i = start; i < Math.min(NODES, start + 1000); i++) {
        const a = (i >> 8) & 255
        const b = i & 255
        tuples.push("(?, ?, 'active', 'active', NOW() - INTERVAL ? SECOND, NOW(), '3.0.19', ?)")
        values.push(`10.10.${a}.${b}`, `10.10.${a}.${b}`, i % 300, `10.10.${a}.${b},10.20.${a}.${b},fd00:30::${i.toString(16)}`)
      }
      await db.query(`INSERT INTO t_node_info (node_name, endpoint_ip, present_state, setting_state, last_heartbeat, last_reg_time, tars_version, ip_list) VALUES ${tuples.join(',')}`, values)
    }
    const u = new URL(TEST_SERVER)
    const sql = 'SELECT node_name, node_obj, endpoint_ip, endpoint_port, present_state, setting_state, UNIX_TIMESTAMP(last_heartbeat), UNIX_TIMESTAMP(last_reg_time), tars_version, ip_list FROM t_node_info'
    const client = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : []), db.name, '-e', sql]
    rows.push({
      name: `nodes list --json: ${NODES} nodes × 3 networks`,
      tarsnet: await measure(process.execPath, [TARSNET, 'nodes', 'list', '--json', '--db', db.url, '--networks', 'x=10.10.0.0/16;y=10.20.0.0/16;z=fd00:30::/64']),
      reference: {name: 'mariadb', ...(await measure('mariadb', client))},
      note: 'the reference only fetches and prints the rows; tarsnet also classifies every IP and builds the JSON',
    })
    rows.push(...(await hostRace(db, u, NODES)))
    const small = await TestDb.create()
    try {
      await small.addNodes(Array.from({length: 20}, (_, i) => ({node_name: `10.10.0.${i + 1}`, ip_list: `10.10.0.${i + 1},10.20.0.${i + 1}`})))
      rows.push(...(await hostRace(small, u, 20)))
    } finally {
      await small.drop()
    }
  } finally {
    await db.drop()
  }
  return rows
}

/**
 * `nodes list --json` with the database's first host dropping SYNs (a full accept queue on loopback, as a
 * host on a dead network) against a healthy first host. Cold: no host history (the cache dir cannot be
 * written), so every run pays the 250 ms race delay. Warm: the host that answered is remembered and tried
 * first, as on the operator's second command of an incident.
 */
async function hostRace(db: TestDb, server: URL, nodes: number): Promise<BenchRow[]> {
  const dropping = new DroppingListeners()
  try {
    const [dead] = await dropping.add([{host: '127.0.0.1'}])
    const live = `${server.hostname}:${server.port || '3306'}`
    const auth = `${decodeURIComponent(server.username || 'root')}${server.password ? `:${server.password}` : ''}`
    const url = (hosts: string[]) => `mysql://${auth}@${hosts.join(',')}/${db.name}`
    const args = (hosts: string[]) => [TARSNET, 'nodes', 'list', '--json', '--db', url(hosts), '--db-timeout', '3']
    const cold = {...process.env, XDG_CACHE_HOME: '/proc/tarsnet-no-cache'}
    const warm = {...process.env, XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'tarsnet-bench-cache-'))}
    const healthyArgs = args([live, `127.0.0.1:${dead.port}`])
    const droppedArgs = args([`127.0.0.1:${dead.port}`, live])
    // Interleaved, so that a shared machine's changing load falls on both sides alike.
    // Each against a healthy first host in the same cache state (the cache dir also holds the code cache).
    const [healthy, coldDropped, warmHealthy, warmDropped] = await interleaved([
      {args: healthyArgs, env: cold},
      {args: droppedArgs, env: cold},
      {args: healthyArgs, env: warm},
      {args: droppedArgs, env: warm},
    ], 11)
    return [
      {
        name: `nodes list --json, ${nodes} nodes, first database host drops SYNs (cold: no host history)`,
        tarsnet: coldDropped,
        reference: {name: 'healthy 1st', ...healthy},
        note: 'the second host is started 250 ms after the first (RFC 8305); aim ≤ 1.3×',
      },
      {
        name: `nodes list --json, ${nodes} nodes, first database host drops SYNs (warm: the host that answered is tried first)`,
        tarsnet: warmDropped,
        reference: {name: 'healthy 1st, warm', ...warmHealthy},
      },
    ]
  } finally {
    await dropping.close()
  }
}

/** Runs the cases in turn, `runs` rounds after one warm-up round; the median wall time and peak memory of each. */
async function interleaved(cases: Array<{args: string[]; env: NodeJS.ProcessEnv}>, runs: number): Promise<Measure[]> {
  const results: Measure[][] = cases.map(() => [])
  for (let round = 0; round <= runs; round++) {
    for (const [i, c] of cases.entries()) {
      const r = await runOnce(process.execPath, c.args, c.env)
      if (r.code !== 0) throw new Error(`tarsnet ${c.args.slice(1).join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
      if (round > 0) results[i].push(r)
    }
  }
  return results.map((list) => {
    const sorted = [...list].sort((a, b) => a.wallMs - b.wallMs)
    return {wallMs: sorted[Math.floor(sorted.length / 2)].wallMs, peakRssMb: Math.max(...list.map((r) => r.peakRssMb))}
  })
}
