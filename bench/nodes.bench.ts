/**
 * `tarsnet nodes list --json` on 5,000 nodes × 3 networks against the mariadb client running the same
 * SELECT. (Start-up against `node -e 0` is in startup.bench.ts.)
 */
import {TestDb, TEST_SERVER} from '../test/helpers/db.js'
import {measure, TARSNET, type BenchRow} from './lib.js'

const NODES = 5000

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
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
  } finally {
    await db.drop()
  }
  return rows
}
