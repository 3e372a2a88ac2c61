/** `tarsnet nodes list` / `nodes show` / `snapshot save` against a real db_tars on MariaDB, in-process. */
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

const NETWORKS = 'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16,fd00:20::/64'

describe('nodes list on a real db_tars', () => {
  let db: TestDb
  before(async () => {
    db = await TestDb.create()
    await db.addNodes([
      {node_name: '10.10.0.10', ip_list: '10.10.0.10,10.20.0.10'},
      {node_name: '10.10.0.9', ip_list: '10.20.0.9;10.10.0.9'}, // y preferred: list order is kept
      {node_name: '10.10.0.3', ip_list: '10.10.0.3'}, // missing y
      {node_name: '10.10.0.4', ip_list: null, endpoint_ip: '10.10.0.4'}, // fallback to endpoint_ip
      {node_name: '10.10.0.5', ip_list: null}, // fallback to node_name
      {node_name: 'plc-7', ip_list: '10.10.0.7,not-an-ip,10.20.0.7'}, // malformed entry
      {node_name: '10.10.0.8', ip_list: '10.10.0.8,10.20.0.8,192.168.9.9', present_state: 'inactive', heartbeat_age: 3600}, // no-network IP, stale
      {node_name: 'v6-node', ip_list: 'FD00:10:0:0::1, fd00:20::1'},
    ])
  })
  after(() => db.drop())

  const list = async (...extra: string[]) => {
    const r = await runCommand(['nodes', 'list', '--db', db.url, '--networks', NETWORKS, '--json', ...extra])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    return r.json()
  }

  it('returns every node, naturally sorted, with IPs per network in list order', async () => {
    const out = await list()
    assert.deepEqual(out.nodes.map((n: any) => n.name), ['10.10.0.3', '10.10.0.4', '10.10.0.5', '10.10.0.8', '10.10.0.9', '10.10.0.10', 'plc-7', 'v6-node'])
    const n9 = out.nodes.find((n: any) => n.name === '10.10.0.9')
    assert.deepEqual(n9.ips, [{ip: '10.20.0.9', network: 'y'}, {ip: '10.10.0.9', network: 'x'}])
    assert.equal(n9.ipSource, 'ip_list')
    assert.equal(n9.presentState, 'active')
    assert.equal(n9.settingState, 'active')
    assert.equal(n9.tarsVersion, '3.0.19')
    assert.ok(n9.heartbeatAgeSeconds >= 0 && n9.heartbeatAgeSeconds < 60, String(n9.heartbeatAgeSeconds))
    assert.match(n9.lastHeartbeat, /^\d{4}-\d\d-\d\dT/)
    assert.deepEqual(out.networks, [{name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']}, {name: 'y', cidrs: ['10.20.0.0/16', 'fd00:20::/64']}])
  })

  it('marks each problem: missing network, fallback, malformed list, no-network IP, stale heartbeat', async () => {
    const out = await list()
    const by = (name: string) => out.nodes.find((n: any) => n.name === name)
    const codes = (name: string) => by(name).problems.map((p: any) => p.code)
    assert.deepEqual(codes('10.10.0.3'), ['missing-network'])
    assert.equal(by('10.10.0.4').ipSource, 'endpoint_ip')
    assert.equal(by('10.10.0.5').ipSource, 'node_name')
    assert.ok(codes('10.10.0.4').includes('fallback'))
    assert.ok(codes('plc-7').includes('malformed-ip-list'))
    assert.deepEqual(by('plc-7').ips.map((i: any) => i.ip), ['10.10.0.7', '10.20.0.7'])
    assert.deepEqual(by('10.10.0.8').ips.at(-1), {ip: '192.168.9.9', network: null})
    assert.ok(codes('10.10.0.8').includes('no-network'))
    assert.ok(codes('10.10.0.8').includes('stale-heartbeat'))
    assert.deepEqual(by('v6-node').ips, [{ip: 'fd00:10::1', network: 'x'}, {ip: 'fd00:20::1', network: 'y'}])
  })

  it('filters by network, missing network, state and glob', async () => {
    const names = (out: any) => out.nodes.map((n: any) => n.name)
    assert.deepEqual(names(await list('--missing', 'y')), ['10.10.0.3', '10.10.0.4', '10.10.0.5'])
    assert.deepEqual(names(await list('--network', 'y', '--node', '10.10.0.?')), ['10.10.0.8', '10.10.0.9'])
    assert.deepEqual(names(await list('--state', 'inactive')), ['10.10.0.8'])
    assert.deepEqual(names(await list('--node', '10.10.0.1*')), ['10.10.0.10'])
  })

  it('renders a table with a column per network and the markers', async () => {
    const r = await runCommand(['nodes', 'list', '--db', db.url, '--networks', NETWORKS], {env: {LANG: 'C.UTF-8', LC_ALL: undefined, LC_CTYPE: undefined}})
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.split('\n')
    assert.match(lines[0], /^NODE\s+X\s+Y\s+NO NETWORK\s+STATE\s+HEARTBEAT\s+VERSION\s+PROBLEMS/)
    assert.match(r.stdout, /10\.10\.0\.3\s+10\.10\.0\.3\s+✘ missing/)
    assert.match(r.stdout, /10\.10\.0\.4 \(endpoint_ip\)/)
    assert.match(r.stdout, /STALE/)
    assert.match(r.stdout, /malformed-ip-list/)
    assert.doesNotMatch(r.stdout, /\u001B\[/, 'no colour without a TTY')
  })

  it('groups by subnet when no networks are defined', async () => {
    const r = await runCommand(['nodes', 'list', '--db', db.url, '--json'])
    const out = r.json()
    assert.ok(out.networks.some((n: any) => n.name === '10.10.0.0/24'))
    assert.deepEqual(out.nodes.find((n: any) => n.name === 'v6-node').ips.map((i: any) => i.network), ['fd00:10::/64', 'fd00:20::/64'])
  })

  it('says which database host answered in JSON and --verbose, after skipping a dead one', async () => {
    const url = db.url.replace('127.0.0.1:3306', '127.0.0.1:1,127.0.0.1:3306')
    const r = await runCommand(['nodes', 'list', '--db', url, '--json'])
    assert.equal(r.code, 0, r.stdout)
    assert.equal(r.json().source.host, '127.0.0.1:3306')
    assert.deepEqual(r.json().source.failedHosts, [{host: '127.0.0.1:1', error: 'connection refused'}])
    // A cache dir of its own: the host that answered is remembered and would be tried first.
    const v = await runCommand(['nodes', 'list', '--db', url, '--verbose'], {env: {XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'tarsnet-cache-'))}})
    assert.match(v.stderr, /note: database 127\.0\.0\.1:3306 answered; 127\.0\.0\.1:1 did not \(connection refused\)/)
  })

  it('nodes show gives one node with its servers and endpoints', async () => {
    await db.addServers([{application: 'Plant', server_name: 'ControlServer', node_name: '10.10.0.9'}])
    await db.addAdapters([{application: 'Plant', server_name: 'ControlServer', node_name: '10.10.0.9', endpoint: 'tcp -h 0.0.0.0 -p 20001 -t 60000', servant: 'Plant.ControlServer.ControlObj'}])
    const r = await runCommand(['nodes', 'show', '10.10.0.9', '--db', db.url, '--networks', NETWORKS, '--json'])
    assert.equal(r.code, 0, r.stdout)
    const out = r.json()
    assert.equal(out.node.name, '10.10.0.9')
    assert.deepEqual(out.servers[0].adapters, [{adapter: 'Plant.ControlServer.ControlObjAdapter', servant: 'Plant.ControlServer.ControlObj', endpoint: 'tcp -h 0.0.0.0 -p 20001 -t 60000', protocol: 'tars'}])
    const unknown = await runCommand(['nodes', 'show', '10.10.0.99', '--db', db.url])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /^error: unknown node "10\.10\.0\.99": did you mean 10\.10\.0\.9/)
  })
})

describe('a database without the IP-list column', () => {
  let db: TestDb
  before(async () => {
    db = await TestDb.create({ipListColumn: false})
    await db.addNodes([{node_name: '10.10.0.1', endpoint_ip: '10.10.0.1'}, {node_name: '10.10.0.2'}])
  })
  after(() => db.drop())

  it('still lists every node on the fallback and says once how to add the column', async () => {
    const r = await runCommand(['nodes', 'list', '--db', db.url, '--networks', NETWORKS])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr.match(/has no ip_list column/g)?.length, 1)
    assert.match(r.stderr, /tarsnet db migrate/)
    const j = (await runCommand(['nodes', 'list', '--db', db.url, '--json'])).json()
    assert.deepEqual(j.nodes.map((n: any) => n.ipSource), ['endpoint_ip', 'node_name'])
    assert.match(j.notices[0], /has no ip_list column/)
  })
})

describe('snapshots', () => {
  let db: TestDb
  before(async () => {
    db = await TestDb.create()
    await db.addNodes([{node_name: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'}])
  })
  after(() => db.drop())

  it('saves a snapshot that reads back the same as the database', async () => {
    const {mkdtempSync} = await import('node:fs')
    const {join} = await import('node:path')
    const {tmpdir} = await import('node:os')
    const file = join(mkdtempSync(join(tmpdir(), 'tarsnet-snap-')), 'snap.json')
    const saved = await runCommand(['snapshot', 'save', '-o', file, '--db', db.url, '--networks', NETWORKS])
    assert.equal(saved.code, 0, saved.stderr)
    const fromDb = (await runCommand(['nodes', 'list', '--db', db.url, '--networks', NETWORKS, '--json'])).json()
    const fromSnap = (await runCommand(['nodes', 'list', '--snapshot', file, '--json'])).json() // networks saved in the snapshot
    assert.deepEqual(fromSnap.nodes.map((n: any) => n.ips), fromDb.nodes.map((n: any) => n.ips))
    assert.equal(fromSnap.source.kind, 'snapshot')
    // Without -o the snapshot goes to stdout, with --json too: one JSON document, the snapshot.
    const piped = await runCommand(['snapshot', 'save', '--json', '--db', db.url])
    assert.equal(piped.code, 0, piped.stderr)
    assert.equal(piped.json().format, 'tarsnet-snapshot')
    assert.equal(piped.json().nodes[0].ipList, '10.10.0.1,10.20.0.1')
    // An unwritable path is one clear line, and no half-written file.
    const bad = await runCommand(['snapshot', 'save', '-o', join(file, 'not-a-dir', 'x.json'), '--db', db.url])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^error: cannot write snapshot .*x\.json: ENOTDIR; choose another -o path\n$/)
  })
})
