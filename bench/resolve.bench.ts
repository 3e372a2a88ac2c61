/**
 * `tarsnet resolve X --json` in a db_tars of 5,000 nodes and 100,000 adapter rows (5,000 servers on 20
 * nodes each), against the mariadb client running the equivalent SELECT: the registry's
 * `t_adapter_conf RIGHT JOIN t_server_conf` for the object, with each node's IP list.
 */
import {TestDb, TEST_SERVER} from '../test/helpers/db.js'
import {measure, TARSNET, type BenchRow} from './lib.js'

const NODES = 5000
const SERVERS = 5000
const NODES_PER_SERVER = 20
const CHUNK = 5000

const nodeName = (i: number) => `10.10.${(i >> 8) & 255}.${i & 255}`

export default async function bench(): Promise<BenchRow[]> {
  const db = await TestDb.create()
  const small = await TestDb.create()
  try {
    await seed(db, SERVERS)
    // The same object alone in a database: the time must not grow with the cluster.
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
      WHERE server.application = '${app}' AND server.server_name = '${server}'`
    const client = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : []), db.name, '-e', sql]
    const resolveArgs = (url: string) => [TARSNET, 'resolve', object, '--json', '--db', url, '--networks', 'x=10.10.0.0/16;y=10.20.0.0/16']
    const big = await measure(process.execPath, resolveArgs(db.url))
    return [
      {
        name: `resolve --json: 1 object in ${NODES} nodes, ${SERVERS * NODES_PER_SERVER} adapter rows`,
        tarsnet: big,
        reference: {name: 'mariadb', ...(await measure('mariadb', client))},
        note: `the reference runs the registry's join for the object (${NODES_PER_SERVER} rows) and prints it; tarsnet also starts Node and oclif, reads the node and group tables, applies the registry's rules, expands 0.0.0.0 into ${NODES_PER_SERVER * 2} endpoints and builds the JSON`,
      },
      {
        name: 'resolve --json: the same object with 100,000 vs 20 adapter rows around it',
        tarsnet: big,
        reference: {name: '20 rows', ...(await measure(process.execPath, resolveArgs(small.url)))},
        note: `a ratio near 1 means the object's rows are read through indexes: the other ${SERVERS * NODES_PER_SERVER - NODES_PER_SERVER} rows cost nothing`,
      },
    ]
  } finally {
    await db.drop()
    await small.drop()
  }
}

async function seed(db: TestDb, serverCount: number, first = 0): Promise<void> {
  const nodes: string[] = []
  for (let i = 0; i < NODES; i++) {
    const n = nodeName(i)
    const y = n.replace('10.10.', '10.20.')
    nodes.push(`('${n}', '${n}', 'active', 'active', NOW(), NOW(), '3.0.19', '${n},${y}')`)
  }
  for (let i = 0; i < nodes.length; i += CHUNK) {
    await db.query(`INSERT INTO t_node_info (node_name, endpoint_ip, present_state, setting_state, last_heartbeat, last_reg_time, tars_version, ip_list) VALUES ${nodes.slice(i, i + CHUNK).join(',')}`)
  }
  // Server s runs on nodes s*7 .. s*7+19 (mod NODES): every node hosts about 20 servers.
  let servers: string[] = []
  let adapters: string[] = []
  const flush = async () => {
    if (servers.length === 0) return
    await db.query(`INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state, flow_state, server_type) VALUES ${servers.join(',')}`)
    await db.query(`INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant, protocol) VALUES ${adapters.join(',')}`)
    servers = []
    adapters = []
  }
  for (let s = first; s < first + serverCount; s++) {
    const app = `App${s % 100}`
    const srv = `Srv${s}`
    for (let k = 0; k < NODES_PER_SERVER; k++) {
      const n = nodeName((s * 7 + k) % NODES)
      const state = k === 3 ? 'inactive' : 'active'
      servers.push(`('${app}', '${srv}', '${n}', 'active', '${state}', 'active', 'tars_cpp')`)
      adapters.push(`('${app}', '${srv}', '${n}', '${app}.${srv}.ObjAdapter', 'tcp -h 0.0.0.0 -p ${10000 + (s % 50000)} -t 60000', '${app}.${srv}.Obj', 'tars')`)
    }
    if (servers.length >= CHUNK) await flush()
  }
  await flush()
  await db.query('ANALYZE TABLE t_node_info, t_server_conf, t_adapter_conf')
}
