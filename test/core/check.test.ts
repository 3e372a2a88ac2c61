/**
 * `tarsnet check` end to end, in-process, against a throwaway db_tars on the real MariaDB, seeded with
 * one cluster that breaks every promise of the multi-network design once (and a healthy object that
 * must stay silent); exit codes, scopes, --explain and the JSON shape; the demo.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {CODES} from '../../src/core/check.js'
import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

const NETWORKS = 'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16,fd00:20::/64'
const ANY = 'tcp -h 0.0.0.0 -p 9000 -t 60000'

let db: TestDb

async function seed(t: TestDb): Promise<void> {
  await t.addNodes([
    {node_name: 'n1', ip_list: '10.10.0.1,10.20.0.1'},
    {node_name: 'n2', ip_list: '10.10.0.2,10.20.0.2'},
    {node_name: 'n3', ip_list: '10.10.0.3'}, // no y
    {node_name: 'n4', ip_list: null, endpoint_ip: '10.10.0.4'}, // fallback
    {node_name: 'n5', ip_list: '10.10.0.5,10.20.0.5,192.168.9.5'}, // an IP in no network
    {node_name: 'n6', ip_list: '10.10.0.6,10.20.0.5'}, // 10.20.0.5 is n5's too
    {node_name: 'n7', ip_list: '10.10.0.7,10.20.0.7', heartbeat_age: 1000}, // stale
    {node_name: 'n8', ip_list: null}, // no IP at all
    {node_name: 'n9', ip_list: 'fd00:10::9,fd00:20::9'}, // IPv6 only
    {node_name: 'n10', ip_list: '10.10.0.10,10.20.0.10'}, // IPv4 only
  ])
  const servers: Array<[string, string, Record<string, unknown>?]> = [
    ['Good', 'n1'], ['Good', 'n2'],
    ['Bound', 'n1'], ['Bound', 'n2'],
    ['OneNet', 'n1'], ['OneNet', 'n2'],
    ['Single', 'n2'],
    ['Stale', 'n7'], ['Stale', 'n1'],
    ['Fam', 'n9'], ['Fam', 'n10'], ['Fam', 'n1'],
    ['Http', 'n1'], ['Http', 'n2'],
    ['Broken', 'n1'], ['Broken', 'n2'],
    ['Ghost', 'n1'], ['Ghost', 'ghost'],
    ['Off', 'n1', {present_state: 'inactive'}], ['Off', 'n2', {setting_state: 'inactive'}],
  ]
  await t.addServers(servers.map(([s, node_name, extra]) => ({application: 'App', server_name: s, node_name, ...extra})))
  const a = (s: string, node_name: string, endpoint: string, protocol = 'tars') => ({application: 'App', server_name: s, node_name, endpoint, servant: `App.${s}.Obj`, protocol})
  await t.addAdapters([
    a('Good', 'n1', ANY), a('Good', 'n2', ANY),
    a('Bound', 'n1', 'tcp -h 10.10.0.1 -p 9000 -t 60000'), a('Bound', 'n2', ANY),
    a('OneNet', 'n1', 'tcp -h 10.10.0.1 -p 9000'), a('OneNet', 'n2', 'tcp -h 10.10.0.2 -p 9000'),
    a('Single', 'n2', ANY),
    a('Stale', 'n7', ANY), a('Stale', 'n1', ANY),
    a('Fam', 'n9', ANY), a('Fam', 'n10', 'tcp -h :: -p 9000'), a('Fam', 'n1', 'tcp -h :: -p 9000'),
    a('Http', 'n1', ANY, 'http'), a('Http', 'n2', ANY, 'http'),
    a('Broken', 'n1', 'tcp -h 0.0.0.0 -p x'), a('Broken', 'n2', ANY),
    a('Ghost', 'n1', ANY), a('Ghost', 'ghost', ANY),
    a('Off', 'n1', ANY), a('Off', 'n2', ANY),
  ])
  // The registry: on n1's x address only.
  await t.query("INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES ('n1:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 10.10.0.1 -p 17890 -t 60000', NOW(), 'active', '3.0.19')")
}

const cli = (...args: string[]) => runCommand(['check', ...args, '--db', db.url, '--networks', NETWORKS])
type F = {code: string; severity: string; message: string; node?: string; object?: string; network?: string; ip?: string}
const key = (f: F) => [f.code, f.node ?? '', f.object ?? '', f.network ?? '', f.ip ?? ''].join(' ')

describe('tarsnet check against a real database', () => {
  before(async () => {
    db = await TestDb.create()
    await seed(db)
  })
  after(async () => {
    await db?.drop()
  })

  it('finds every broken promise once, with its severity, and nothing about what is fine: exit 2', async () => {
    const r = await cli('--json')
    assert.equal(r.code, 2, r.stderr)
    const json = r.json()
    const got = (json.findings as F[]).map(key).sort()
    assert.deepEqual(got, [
      'duplicate-ip n5  y 10.20.0.5',
      'ip-no-network n5   192.168.9.5',
      'ipv4-wildcard-ipv6-node n9 App.Fam.Obj  ',
      'ipv6-wildcard-no-ipv6 n1 App.Fam.Obj  ',
      'ipv6-wildcard-no-ipv6 n10 App.Fam.Obj  ',
      'node-fallback n4   10.10.0.4',
      'node-missing-network n3  y ',
      'node-no-ip n8   ',
      'non-tars-protocol  App.Http.Obj  ',
      'object-no-active-endpoint  App.Off.Obj  ',
      'object-single-network  App.OneNet.Obj y ',
      'object-single-node n1 tars.tarsregistry.QueryObj  ',
      'object-single-node n2 App.Single.Obj  ',
      // Its n1 endpoint does not parse: the registry skips it, so n2 alone serves it.
      'object-single-node n2 App.Broken.Obj  ',
      'registry-few-networks n1 tars.tarsregistry.QueryObj y ',
      'servant-bound-to-ip n1 App.Bound.Obj x 10.10.0.1',
      'servant-bound-to-ip n1 App.OneNet.Obj x 10.10.0.1',
      'servant-bound-to-ip n2 App.OneNet.Obj x 10.10.0.2',
      'stale-node-servants n7   ',
      'unknown-node ghost App.Ghost.Obj  ',
      'unparsable-endpoint n1 App.Broken.Obj  ',
    ].sort())
    // Every finding's severity is its code's; the healthy object is never named.
    for (const f of json.findings as F[]) assert.equal(f.severity, CODES[f.code].severity, f.code)
    assert.ok(!(json.findings as F[]).some((f) => f.object === 'App.Good.Obj' || f.node === 'n2' && f.code !== 'servant-bound-to-ip' && f.code !== 'object-single-node'))
    assert.deepEqual(json.counts, {critical: 8, warning: 9, info: 4})
    assert.equal(json.exitCode, 2)
    assert.deepEqual(json.checked, {nodes: 10, objects: 11, networks: ['x', 'y']})
    // The ordering: critical, then warning, then info.
    const sev = (json.findings as F[]).map((f) => f.severity)
    assert.deepEqual(sev, [...sev].sort((p, q) => ['critical', 'warning', 'info'].indexOf(p) - ['critical', 'warning', 'info'].indexOf(q)))
    const stale = (json.findings as F[]).find((f) => f.code === 'stale-node-servants')!
    assert.match(stale.message, /n7 last heartbeat .* yet has 1 active servant \(App\.Stale\.Obj\)/)
    const dup = (json.findings as F[]).find((f) => f.code === 'duplicate-ip')!
    assert.match(dup.message, /10\.20\.0\.5 is listed by 2 nodes: n5, n6/)
    assert.equal(json.source.kind, 'mysql')
  })

  it('the table: grouped by severity, with what to do for each code present', async () => {
    const r = await runCommand(['check', '--db', db.url, '--networks', NETWORKS], {env: {COLUMNS: '250'}})
    assert.equal(r.code, 2)
    const out = r.stdout
    const crit = out.indexOf('CRITICAL (8)')
    const warn = out.indexOf('WARNING (9)')
    const info = out.indexOf('INFO (4)')
    assert.ok(crit >= 0 && crit < warn && warn < info, out)
    assert.match(out, /What to do:\n {2}node-missing-network: give the node its IP on that network/)
    assert.match(out, / {2}servant-bound-to-ip: bind the adapter to 0\.0\.0\.0/)
    assert.match(out, /^8 critical, 9 warnings, 4 info on 10 nodes, 11 objects, networks x, y\./m)
  })

  it('scopes: --node (repeatable), --object, --network keep what is about them; the registry only with its node', async () => {
    const codes = async (...args: string[]) => {
      const r = await cli(...args, '--json')
      return {code: r.code, found: (r.json().findings as F[]).map(key).sort()}
    }
    assert.deepEqual(await codes('--node', 'n4'), {code: 1, found: ['node-fallback n4   10.10.0.4']})
    const n2 = await codes('--node', 'n2')
    assert.ok(!n2.found.some((f) => f.startsWith('registry-few-networks')), 'the registry is on n1')
    assert.ok(n2.found.includes('object-single-node n2 App.Single.Obj  '))
    const n1 = await codes('--node', 'n1')
    assert.ok(n1.found.includes('registry-few-networks n1 tars.tarsregistry.QueryObj y '))
    const both = await codes('--node', 'n3', '--node', 'n8')
    assert.deepEqual(both, {code: 2, found: ['node-missing-network n3  y ', 'node-no-ip n8   ']})
    assert.deepEqual(await codes('--object', 'App.Good.Obj'), {code: 0, found: []})
    // Only what the check could not judge: info only, exit 0.
    assert.deepEqual(await codes('--object', 'App.Http.*'), {code: 0, found: ['non-tars-protocol  App.Http.Obj  ']})
    const y = await codes('--network', 'y', '--node', 'n3')
    assert.deepEqual(y.found, ['node-missing-network n3  y '])
    const x = await codes('--network', 'x', '--node', 'n3')
    assert.deepEqual(x, {code: 0, found: []})
    // A finding that names the network missing is about that network only: the registry missing y is not
    // a finding about x.
    const n1x = await codes('--network', 'x', '--node', 'n1')
    assert.ok(!n1x.found.some((f) => f.startsWith('registry-few-networks')), n1x.found.join('; '))
    const n1y = await codes('--network', 'y', '--node', 'n1')
    assert.ok(n1y.found.includes('registry-few-networks n1 tars.tarsregistry.QueryObj y '))
    const onX = await cli('--network', 'x', '--json')
    for (const f of onX.json().findings as F[]) assert.ok(f.network === undefined || f.network === 'x', `${f.code} is about ${f.network}`)
  })

  it('with no networks configured: the missing-network findings cannot be judged, which is said (info)', async () => {
    const r = await runCommand(['check', '--db', db.url, '--json'])
    const found = (r.json().findings as F[]).map((f) => f.code)
    assert.ok(found.includes('networks-not-configured'))
    assert.ok(!found.includes('node-missing-network') && !found.includes('registry-few-networks') && !found.includes('ip-no-network'))
  })

  it('--explain CODE says why and what to do; an unknown code is one line listing the codes, exit 3', async () => {
    for (const code of Object.keys(CODES)) {
      const r = await runCommand(['check', '--explain', code, '--json'])
      assert.equal(r.code, 0)
      assert.equal(r.json().code, code)
      assert.equal(r.json().severity, CODES[code].severity)
    }
    const text = await runCommand(['check', '--explain', 'registry-few-networks'])
    assert.match(text.stdout, /^registry-few-networks \(critical\): registry reachable on fewer networks than the nodes have\n\n.*\n\nWhat to do: /)
    const bad = await runCommand(['check', '--explain', 'nope'])
    assert.equal(bad.code, 3)
    assert.equal(bad.stderr.trim().split('\n').length, 1)
    assert.match(bad.stderr, /unknown finding code 'nope': the codes are node-missing-network, .*networks-not-configured/)
  })

  it('could not run: exit 3 with one line (an unknown network, an unreachable database)', async () => {
    const net = await cli('--network', 'z')
    assert.equal(net.code, 3)
    assert.match(net.stderr, /^error: unknown network "z": the networks are x, y\n$/)
    const down = await runCommand(['check', '--db', 'mysql://root@127.0.0.1:1/db_tars', '--db-timeout', '2'])
    assert.equal(down.code, 3)
    assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr)
    const json = await runCommand(['check', '--db', 'mysql://root@127.0.0.1:1/db_tars', '--db-timeout', '2', '--json'])
    assert.equal(json.code, 3)
    assert.equal(json.json().error.exitCode, 3)
  })

  it('a registry on every network and no registry at all', async () => {
    const second = await TestDb.create()
    try {
      await second.addNodes([{node_name: 'r1', ip_list: '10.10.0.1,10.20.0.1'}, {node_name: 'r2', ip_list: '10.10.0.2,10.20.0.2'}])
      await second.addServers(['r1', 'r2'].map((node_name) => ({application: 'App', server_name: 'Good', node_name})))
      await second.addAdapters(['r1', 'r2'].map((node_name) => ({application: 'App', server_name: 'Good', node_name, endpoint: ANY, servant: 'App.Good.Obj'})))
      const none = await runCommand(['check', '--db', second.url, '--networks', NETWORKS, '--json'])
      assert.equal(none.code, 0, none.stdout)
      assert.deepEqual((none.json().findings as F[]).map((f) => f.code), ['registry-not-found'])
      // Two registries, one listed per network (t_registry_info rows name specific hosts).
      await second.query("INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES ('r1:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 10.10.0.1 -p 17890', NOW(), 'active', '3.0.19'), ('r2:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 10.20.0.2 -p 17890', NOW(), 'active', '3.0.19')")
      const both = await runCommand(['check', '--db', second.url, '--networks', NETWORKS, '--json'])
      assert.equal(both.code, 0, both.stdout)
      assert.deepEqual(both.json().findings, [])
      const text = await runCommand(['check', '--db', second.url, '--networks', NETWORKS])
      assert.equal(text.stdout.trim(), 'No findings: 2 nodes, 2 objects, networks x, y.')
    } finally {
      await second.drop()
    }
  })

  it('the demo: the single-network node, the servant bound to one IP, the registry on x', async () => {
    const r = await runCommand(['check', '--demo', '--json'])
    assert.equal(r.code, 2)
    const codes = new Set((r.json().findings as F[]).map((f) => f.code))
    for (const c of ['node-missing-network', 'servant-bound-to-ip', 'registry-few-networks', 'node-fallback']) assert.ok(codes.has(c), c)
    // A snapshot's heartbeats are judged at the time it was taken, not today.
    assert.ok(!codes.has('stale-node-servants'))
  })
})
