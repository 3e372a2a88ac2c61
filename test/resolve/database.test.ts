/**
 * `tarsnet resolve` end to end, in-process, against a throwaway db_tars on the real MariaDB,
 * seeded with two networks, nodes missing one, nodes without an IP list, IPv6, servers in every state,
 * standby rows, broken endpoint strings and single-IP bindings.
 */
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

const NETWORKS = 'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16,fd00:20::/64'
const OBJ = 'App.Srv.Obj'
const EP = 'tcp -h 0.0.0.0 -p 9000 -t 60000'

let db: TestDb

async function seed(t: TestDb): Promise<void> {
  await t.addNodes([
    {node_name: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'},
    {node_name: '10.10.0.2', ip_list: '10.20.0.2; 10.10.0.2'}, // y first: list order is kept
    {node_name: '10.10.0.3', ip_list: '10.10.0.3'}, // no y
    {node_name: '10.10.0.4', ip_list: null, endpoint_ip: '10.10.0.4'}, // no list: fallback
    {node_name: 'n6', ip_list: 'fd00:10::6,fd00:20::6'}, // IPv6 only
    {node_name: '10.10.0.7', ip_list: '10.10.0.7,10.20.0.7'},
    {node_name: '10.10.0.9', ip_list: '10.10.0.9,10.20.0.9'},
    {node_name: '10.10.0.10', ip_list: '10.10.0.10,10.20.0.10'},
    {node_name: '10.10.0.11', ip_list: '10.10.0.11,10.20.0.11'},
    // 10.10.0.8 is missing from t_node_info on purpose.
  ])
  const s = (node_name: string, extra: Record<string, unknown> = {}) => ({application: 'App', server_name: 'Srv', node_name, ...extra})
  await t.addServers([
    s('10.10.0.1'), s('10.10.0.2'), s('10.10.0.3'), s('10.10.0.4'), s('n6'),
    s('10.10.0.7', {present_state: 'inactive'}),
    s('10.10.0.8', {flow_state: 'inactive'}),
    s('10.10.0.9', {bak_flag: 1}),
    s('10.10.0.10'),
    s('10.10.0.11'),
    // Another server of another application, same servant suffix: never read.
    {application: 'Other', server_name: 'Srv', node_name: '10.10.0.1'},
  ])
  const a = (node_name: string, endpoint: string, servant = OBJ) => ({application: 'App', server_name: 'Srv', node_name, endpoint, servant})
  await t.addAdapters([
    a('10.10.0.1', EP), a('10.10.0.2', EP), a('10.10.0.3', EP), a('10.10.0.4', EP),
    a('n6', 'tcp -h :: -p 9000 -t 60000'),
    a('10.10.0.7', EP), a('10.10.0.8', EP), a('10.10.0.9', EP),
    a('10.10.0.10', 'tcp -h 0.0.0.0 -p x'),
    a('10.10.0.11', 'tcp -h 10.10.0.11 -p 9000 -t 60000'),
    a('10.10.0.1', 'tcp -h 0.0.0.0 -p 9100', 'App.Srv.AdminObj'),
    {application: 'Other', server_name: 'Srv', node_name: '10.10.0.1', endpoint: 'tcp -h 0.0.0.0 -p 1', servant: 'Other.Srv.Obj'},
  ])
  await t.query(
    "INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES ('10.10.0.1:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 10.10.0.1 -p 17890 -t 60000', NOW(), 'active', '3.0.19')",
  )
}

const cli = (...args: string[]) => runCommand(['resolve', ...args, '--db', db.url, '--networks', NETWORKS])
type Ep = {node: string; network: string | null; host: string; port: number; active: boolean; expanded: boolean; source: string; fallback: boolean; singleHost: boolean}
const pairs = (eps: Ep[]) => eps.map((e) => `${e.node} ${e.host} ${e.network}`)

before(async () => {
  db = await TestDb.create()
  await seed(db)
})
after(async () => {
  await db?.drop()
})

describe('resolve against MariaDB', () => {
  it('returns exactly the endpoints the rules give (findObjectById4Any + expansion)', async () => {
    const r = await cli(OBJ, '--json')
    assert.equal(r.code, 0, r.stderr)
    const j = r.json()
    assert.equal(j.object, OBJ)
    assert.deepEqual(pairs(j.active), [
      '10.10.0.1 10.10.0.1 x', '10.10.0.1 10.20.0.1 y',
      '10.10.0.2 10.20.0.2 y', '10.10.0.2 10.10.0.2 x',
      '10.10.0.3 10.10.0.3 x',
      '10.10.0.4 10.10.0.4 x',
      '10.10.0.11 10.10.0.11 x',
      'n6 fd00:10::6 x', 'n6 fd00:20::6 y',
    ])
    assert.deepEqual(pairs(j.inactive), ['10.10.0.7 10.10.0.7 x', '10.10.0.7 10.20.0.7 y', '10.10.0.8 10.10.0.8 x'])
    assert.deepEqual(j.skipped.map((s: {node: string; endpoint: string; reason: string}) => [s.node, s.endpoint, s.reason]), [
      ['10.10.0.9', EP, 'bak_flag=1: a standby server, never handed to clients'],
      ['10.10.0.10', 'tcp -h 0.0.0.0 -p x', "endpoint does not parse: -p needs a port 0-65535, got 'x'"],
    ])
    const fourth = j.active.find((e: Ep) => e.node === '10.10.0.4')
    assert.equal(fourth.fallback, true)
    const single = j.active.find((e: Ep) => e.node === '10.10.0.11')
    assert.deepEqual([single.singleHost, single.expanded, single.source], [true, false, 'tcp -h 10.10.0.11 -p 9000 -t 60000'])
    for (const e of [...j.active, ...j.inactive]) {
      assert.deepEqual(Object.keys(e).filter((k) => ['node', 'network', 'host', 'port', 'protocol', 'timeout', 'active', 'expanded', 'source'].includes(k)).length, 9)
      assert.equal(e.protocol, 'tcp')
      assert.equal(e.port, 9000)
    }
    const codes = j.warnings.map((w: {code: string; node?: string}) => `${w.code} ${w.node ?? ''}`)
    assert.ok(codes.includes('fallback 10.10.0.4'))
    assert.ok(codes.includes('single-host 10.10.0.11'))
    assert.ok(codes.includes('unknown-node 10.10.0.8'))
    assert.ok(codes.includes('missing-network 10.10.0.3'))
    assert.deepEqual(j.nodes.map((n: {node: string}) => n.node), ['10.10.0.1', '10.10.0.2', '10.10.0.3', '10.10.0.4', '10.10.0.7', '10.10.0.8', '10.10.0.11', 'n6'])
    assert.deepEqual(j.networks.map((n: {network: string; endpoints: number}) => [n.network, n.endpoints]), [['x', 8], ['y', 4]])
  })

  it('--format proxy prints the active endpoints as one direct proxy string', async () => {
    const r = await cli(OBJ, '--format', 'proxy')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), `${OBJ}@` + [
      'tcp -h 10.10.0.1 -p 9000 -t 60000', 'tcp -h 10.20.0.1 -p 9000 -t 60000',
      'tcp -h 10.20.0.2 -p 9000 -t 60000', 'tcp -h 10.10.0.2 -p 9000 -t 60000',
      'tcp -h 10.10.0.3 -p 9000 -t 60000', 'tcp -h 10.10.0.4 -p 9000 -t 60000',
      'tcp -h 10.10.0.11 -p 9000 -t 60000', 'tcp -h fd00:10::6 -p 9000 -t 60000', 'tcp -h fd00:20::6 -p 9000 -t 60000',
    ].join(':'))
  })

  it('--format nodes prints one seed-form line per node', async () => {
    const r = await cli(OBJ, '--format', 'nodes', '--active')
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.equal(lines[0], `10.10.0.1   ${OBJ}@tcp -h 10.10.0.1 -p 9000 -t 60000:tcp -h 10.20.0.1 -p 9000 -t 60000`)
    assert.equal(lines.length, 6)
  })

  it('the table groups by node and ends with the network summary and warnings', async () => {
    const r = await cli(OBJ)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /NODE\s+NETWORK\s+ENDPOINT\s+PROTO\s+TIMEOUT\s+STATE\s+EXPANDED FROM/)
    assert.match(r.stdout, /\[fd00:10::6\]:9000/)
    assert.match(r.stdout, /Networks: x: 8 endpoints on 8 nodes; y: 4 on 4 — 10\.10\.0\.3, 10\.10\.0\.4, 10\.10\.0\.8, 10\.10\.0\.11 have no y/)
    assert.match(r.stdout, /Left out \(2\):/)
    assert.match(r.stdout, /bound to 10\.10\.0\.11 only: no second network/)
  })

  it('filters: --network, --node glob, --active', async () => {
    const y = (await cli(OBJ, '--json', '--network', 'y')).json()
    assert.deepEqual(pairs([...y.active, ...y.inactive]), ['10.10.0.1 10.20.0.1 y', '10.10.0.2 10.20.0.2 y', 'n6 fd00:20::6 y', '10.10.0.7 10.20.0.7 y'])
    const glob = (await cli(OBJ, '--json', '--node', '10.10.0.[12]')).json()
    assert.deepEqual([...new Set(glob.active.map((e: Ep) => e.node))], ['10.10.0.1', '10.10.0.2'])
    const active = (await cli(OBJ, '--json', '--active')).json()
    assert.equal(active.inactive.length, 0)
    const bad = await cli(OBJ, '--network', 'z')
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /unknown network "z": the networks are x, y/)
  })

  it('resolves registry servants from t_registry_info', async () => {
    const j = (await cli('tars.tarsregistry.QueryObj', '--json')).json()
    assert.deepEqual(pairs(j.active), ['10.10.0.1 10.10.0.1 x'])
    assert.equal(j.active[0].origin, 't_registry_info')
  })

  it('an unknown object is an error listing the closest names', async () => {
    const r = await cli('App.Srv.Ojb')
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^error: unknown object 'App\.Srv\.Ojb': .*closest: App\.Srv\.Obj/)
    assert.doesNotMatch(r.stderr, /at .*\.js/)
  })

  it('a malformed name is rejected before any query (even with no database)', async () => {
    const r = await runCommand(['resolve', 'App.Srv', '--db', 'mysql://root@127.0.0.1:1/db_tars'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /malformed object name 'App\.Srv': expected App\.Server\.Obj/)
  })

  it('no object and no terminal: an error naming the missing argument', async () => {
    const r = await runCommand(['resolve', '--db', 'mysql://root@127.0.0.1:1/db_tars'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /missing argument OBJECT/)
    const j = await runCommand(['resolve', '--json', '--demo'])
    assert.equal(j.json().error.code, 'missing_argument')
  })

  it('invalid --set and --client-ip are rejected before any query', async () => {
    const dead = ['--db', 'mysql://root@127.0.0.1:1/db_tars']
    assert.match((await runCommand(['resolve', OBJ, '--set', 'a.b', ...dead])).stderr, /invalid --set 'a\.b'/)
    assert.match((await runCommand(['resolve', OBJ, '--client-ip', '10.1', ...dead])).stderr, /invalid --client-ip '10\.1'/)
  })

  it('works the same on a snapshot of the database (keyed by servant there too)', async () => {
    // For this test only: an adapter of another server (keys spelled as MySQL still joins them) whose
    // servant is the object, and one whose servant differs only in case.
    await db.query("INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state) VALUES ('Gw', 'Edge', '10.10.0.3', 'active', 'active')")
    await db.query(`INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant) VALUES
      ('GW', 'Edge ', '10.10.0.3', 'Gw.Edge.RelayAdapter', 'tcp -h 0.0.0.0 -p 9100 -t 60000', '${OBJ}'),
      ('Gw', 'Edge', '10.10.0.3', 'Gw.Edge.CaseAdapter', 'tcp -h 0.0.0.0 -p 9200 -t 60000', 'app.srv.obj')`)
    try {
      const dir = mkdtempSync(join(tmpdir(), 'tarsnet-resolve-'))
      const file = join(dir, 'snap.json')
      const saved = await runCommand(['snapshot', 'save', '-o', file, '--db', db.url])
      assert.equal(saved.code, 0, saved.stderr)
      const live = (await cli(OBJ, '--json')).json()
      assert.ok(live.active.some((e: Ep) => e.node === '10.10.0.3' && e.port === 9100), 'the other server\'s adapter belongs to the object')
      assert.ok(!live.active.some((e: Ep) => e.port === 9200), 'another spelling of the servant is another object')
      const snap = (await runCommand(['resolve', OBJ, '--json', '--snapshot', file, '--networks', NETWORKS])).json()
      for (const key of ['active', 'inactive', 'skipped', 'nodes', 'proxy', 'networks', 'warnings']) assert.deepEqual(snap[key], live[key], key)
      const reg = (await runCommand(['resolve', 'tars.tarsregistry.QueryObj', '--json', '--snapshot', file, '--networks', NETWORKS])).json()
      assert.equal(reg.active[0].nodeName, '3.0.19', 'tars_version is saved with t_registry_info rows')
    } finally {
      await db.query("DELETE FROM t_adapter_conf WHERE application = 'Gw'")
      await db.query("DELETE FROM t_server_conf WHERE application = 'Gw'")
    }
  })

  it('works on --demo', async () => {
    const r = await runCommand(['resolve', 'Plant.ControlServer.ControlObj', '--demo', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.json().active.length > 0)
  })

  it('reads the adapters by servant (a full scan: db_tars has no index on it), the servers through their unique key', async () => {
    // Enough other rows that the plan is the one a real cluster gets.
    const values = Array.from({length: 2000}, (_, i) => `('Bulk${i % 50}', 'Srv${i}', '10.9.${i >> 8}.${i & 255}', 'A', 'tcp -h 0.0.0.0 -p 1', 'Bulk${i % 50}.Srv${i}.Obj')`)
    await db.query(`INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant) VALUES ${values.join(',')}`)
    await db.query(`INSERT INTO t_server_conf (application, server_name, node_name) VALUES ${values.map((v) => v.split(', ').slice(0, 3).join(', ') + ')').join(',')}`)
    await db.query('ANALYZE TABLE t_adapter_conf, t_server_conf')
    // The shapes of the store's queries (src/store/mysql-store.ts loadObject).
    type Plan = Array<{table: string; key: string | null; type: string}>
    const adapters = await db.query<Plan>('EXPLAIN SELECT endpoint FROM t_adapter_conf WHERE servant = ?', [OBJ])
    assert.equal(adapters[0].type, 'ALL', 'upstream db_tars.sql has no index on t_adapter_conf.servant: the resolve help (messages/resolve.md) says so')
    const servers = await db.query<Plan>(
      'EXPLAIN SELECT node_name FROM t_server_conf WHERE (application = ? AND server_name = ?) OR (application, server_name, node_name) IN (?)',
      ['App', 'Srv', [['App', 'Srv', '10.10.0.1'], ['Bulk1', 'Srv1', '10.9.0.1']]],
    )
    assert.equal(servers[0].key, 'application')
    assert.equal(servers[0].type, 'range')
    // And the bulk rows change nothing for the object.
    const j = (await cli(OBJ, '--json')).json()
    assert.equal(j.active.length, 9)
  })
})

describe('query modes against MariaDB', () => {
  let mdb: TestDb
  const mcli = (...args: string[]) => runCommand(['resolve', ...args, '--db', mdb.url, '--networks', NETWORKS])

  before(async () => {
    mdb = await TestDb.create()
    await mdb.addNodes([
      {node_name: '10.10.1.1', ip_list: '10.10.1.1,10.20.1.1'},
      {node_name: '10.10.1.2', ip_list: '10.10.1.2,10.20.1.2'},
      {node_name: '10.10.2.1', ip_list: '10.10.2.1,10.20.2.1'},
    ])
    const g = (node_name: string, extra: Record<string, unknown> = {}) => ({application: 'App', server_name: 'Srv', node_name, enable_group: 'Y', ...extra})
    await mdb.addServers([
      g('10.10.1.1', {enable_set: 'Y', set_name: 'plant', set_area: 'north', set_group: '1'}),
      g('10.10.1.2', {enable_set: 'Y', set_name: 'plant', set_area: 'north', set_group: '*'}),
      g('10.10.2.1'),
    ])
    await mdb.addAdapters(['10.10.1.1', '10.10.1.2', '10.10.2.1'].map((node_name) => ({application: 'App', server_name: 'Srv', node_name, endpoint: EP, servant: OBJ})))
    // IDC groups by network side: hall A is 10.x.1.*, hall B is 10.x.2.*; priority: A then B.
    await mdb.query(`INSERT INTO t_server_group_rule (group_id, allow_ip_rule, group_name) VALUES
      (1, '10.10.1.*|10.20.1.*', 'hallA'), (2, '10.10.2.*|10.20.2.*', 'hallB'), (3, '10.30.0.1', 'ops')`)
    await mdb.query(`INSERT INTO t_group_priority (name, group_list, list_order) VALUES ('ops-first', '3|2', 1)`)
  })
  after(async () => {
    await mdb?.drop()
  })

  it('--client-ip: a client in hall B on network y is given hall B endpoints', async () => {
    const j = (await mcli(OBJ, '--json', '--client-ip', '10.20.2.50')).json()
    assert.deepEqual(pairs(j.active), ['10.10.2.1 10.10.2.1 x', '10.10.2.1 10.20.2.1 y'])
    assert.equal(j.mode.function, 'findObjectByIdInSameGroup')
    assert.equal(j.mode.clientGroupId, 2)
  })

  it('--client-ip: a client of group 3 with no server goes down t_group_priority', async () => {
    const j = (await mcli(OBJ, '--json', '--client-ip', '10.30.0.1')).json()
    assert.deepEqual(pairs(j.active), ['10.10.2.1 10.10.2.1 x', '10.10.2.1 10.20.2.1 y'])
    assert.match(j.mode.selected, /ops-first/)
  })

  it('--client-ip: a client in no group gets all endpoints', async () => {
    const j = (await mcli(OBJ, '--json', '--client-ip', '192.168.0.1')).json()
    assert.equal(j.active.length, 6)
  })

  it('--set: the exact set, then the wildcard group', async () => {
    assert.deepEqual(pairs((await mcli(OBJ, '--json', '--set', 'plant.north.1')).json().active), ['10.10.1.1 10.10.1.1 x', '10.10.1.1 10.20.1.1 y'])
    assert.deepEqual(pairs((await mcli(OBJ, '--json', '--set', 'plant.north.7')).json().active), ['10.10.1.2 10.10.1.2 x', '10.10.1.2 10.20.1.2 y'])
    assert.equal((await mcli(OBJ, '--json', '--set', 'plant.north.*')).json().active.length, 4)
  })

  it('--set of a set nobody uses falls back to IDC grouping', async () => {
    const j = (await mcli(OBJ, '--json', '--set', 'other.a.1', '--client-ip', '10.10.2.9')).json()
    assert.deepEqual(pairs(j.active), ['10.10.2.1 10.10.2.1 x', '10.10.2.1 10.20.2.1 y'])
  })
})
