/**
 * The clients' record on a real MariaDB: tarsstat's table DDL verbatim and rows placed by upstream's slot
 * rule (test/helpers/stat-db.ts), with two tarsstat instances (source_id), an hour boundary, a set-suffixed
 * slave_name, two servants of one server on two ports, pseudo callers, an unknown IP, and a window that cuts
 * a slot. Node n2 loses its x address (10.10.0.2) six slots before now: the C++ caller fails over, the Node
 * caller keeps calling it.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {namedNetworks, parseNetworksSpec} from '../../src/core/networks.js'
import {openStatDb, readCallerRates} from '../../src/stat/callers.js'
import {parseDbUrl} from '../../src/store/db-url.js'
import {MysqlStore} from '../../src/store/mysql-store.js'
import {loadClusterRows} from '../../src/store/cluster-loader.js'
import {statSourceOf} from '../../src/options/stat-flags.js'
import type {Settings} from '../../src/cli/config/settings.js'
import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'
import {StatTestDb, type Report} from '../helpers/stat-db.js'

const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16'
const CTL = 'App.Ctl.CtlObj'
const ADMIN = 'App.Ctl.AdminObj'
const HIST = 'App.Hist.HistObj'
const DEAD = '10.10.0.2'

let db: TestDb
let stat: StatTestDb
/** --since that puts the window's start in the middle of the 13th slot back (that slot counts, the 14th not). */
let since: string
/** Slot ends written, newest first (seconds, stat clock as UTC); the window holds the first 13. */
let ends: number[]

function reportsFor(k: number): Report[] {
  const cut = k <= 5
  const r: Report[] = []
  const both = (rep: Report) => {
    // Two tarsstat instances each got part of the reports: the record is their sum.
    const a = Math.ceil(rep.ok * 0.6)
    r.push({...rep, source: '10.0.0.100', ok: a, timeouts: Math.ceil((rep.timeouts ?? 0) / 2), exceptions: Math.ceil((rep.exceptions ?? 0) / 2)})
    r.push({...rep, source: '10.0.0.101', ok: rep.ok - a, timeouts: Math.floor((rep.timeouts ?? 0) / 2), exceptions: Math.floor((rep.exceptions ?? 0) / 2)})
  }
  for (const ip of ['10.10.0.1', '10.20.0.1', '10.10.0.2', '10.20.0.2']) {
    if (ip !== DEAD || !cut) {
      // Two functions: summed over interface_name.
      both({master: 'App.CppCli', slave: 'App.Ctl', fn: 'get', ip, port: 9001, ok: 60})
      both({master: 'App.CppCli', slave: 'App.Ctl', fn: 'set', ip, port: 9001, ok: 40})
      both({master: 'App.NodeCli', slave: 'App.Ctl', ip, port: 9001, ok: 50})
    } else {
      if (k === 5) both({master: 'App.CppCli', slave: 'App.Ctl', ip, port: 9001, ok: 0, timeouts: 3, exceptions: 2, ret: -7})
      both({master: 'App.NodeCli', slave: 'App.Ctl', ip, port: 9001, ok: 0, timeouts: 40, ret: -7})
    }
  }
  // The second servant of App.Ctl, on its own port (called on x only, though its nodes have y too).
  both({master: 'App.NodeCli', slave: 'App.Ctl', fn: 'admin', ip: '10.10.0.1', port: 9002, ok: 10})
  // A set-enabled callee: slave_name carries the set (name, area, group; no separators).
  for (const ip of ['10.10.0.3', '10.20.0.3']) both({master: 'App.GoCli@1.4.5', slave: 'App.Hist.planta1', ip, port: 9003, ok: 20})
  // Pseudo callers from server-side reports: left out.
  for (const master of ['stat_from_server', 'one_way_client', 'tup_client']) r.push({master, slave: 'App.Ctl', ip: '10.10.0.1', port: 9001, ok: 1000})
  // An IP no adapter has: reported under unknown.
  r.push({master: 'App.CppCli', slave: 'App.Ctl', ip: '10.10.0.99', port: 9001, ok: 5})
  return r
}

before(async () => {
  db = await TestDb.create()
  await db.addNodes([
    {node_name: 'n1', ip_list: '10.10.0.1,10.20.0.1'},
    {node_name: 'n2', ip_list: '10.10.0.2,10.20.0.2'},
    {node_name: 'n3', ip_list: '10.10.0.3,10.20.0.3'},
  ])
  const s = (server_name: string, node_name: string, extra: Record<string, string> = {}) => ({application: 'App', server_name, node_name, ...extra})
  await db.addServers([s('Ctl', 'n1'), s('Ctl', 'n2'), s('Hist', 'n3', {enable_set: 'Y', set_name: 'plant', set_area: 'a', set_group: '1'}), s('CppCli', 'n3'), s('NodeCli', 'n3'), s('GoCli', 'n3')])
  for (const [server, type] of [['CppCli', 'tars_cpp'], ['NodeCli', 'tars_nodejs'], ['GoCli', 'tars_go'], ['Ctl', 'tars_cpp'], ['Hist', 'tars_cpp']]) {
    await db.query('UPDATE t_server_conf SET server_type = ? WHERE server_name = ?', [type, server])
  }
  const a = (server_name: string, node_name: string, servant: string, port: number) => ({application: 'App', server_name, node_name, servant, endpoint: `tcp -h 0.0.0.0 -p ${port} -t 60000`})
  await db.addAdapters([a('Ctl', 'n1', CTL, 9001), a('Ctl', 'n2', CTL, 9001), a('Ctl', 'n1', ADMIN, 9002), a('Ctl', 'n2', ADMIN, 9002), a('Hist', 'n3', HIST, 9003)])

  stat = await StatTestDb.create()
  const now = await stat.now()
  const base = Math.floor(now / 300) * 300
  ends = Array.from({length: 14}, (_, k) => base - k * 300)
  for (let k = 13; k >= 0; k--) await stat.write(ends[k] + 5, reportsFor(k))
  since = `${now - (ends[12] - 150)}s`
})

after(async () => {
  await stat?.drop()
  await db?.drop()
})

describe('readCallerRates (the record per object and caller)', () => {
  it('sums every tarsstat instance, leaves pseudo callers and unknown endpoints out, and names each caller\'s language', async () => {
    const store = await MysqlStore.open({url: parseDbUrl(db.url), password: undefined, connectTimeoutMs: 3000, ipListColumn: 'ip_list'})
    const statDb = await openStatDb({kind: 'mysql', url: parseDbUrl(stat.url), password: undefined, connectTimeoutMs: 3000, prefix: 'tars_stat_', origin: 'test'})
    try {
      const rows = await loadClusterRows(store)
      const sinceSeconds = Number(since.slice(0, -1))
      const {rates, window} = await readCallerRates({stat: statDb, window: {sinceSeconds, untilSeconds: 0}, cluster: rows, networks: namedNetworks(parseNetworksSpec(NETWORKS))})
      assert.deepEqual(rates.map((r) => [r.object, r.caller, r.language, r.calls, r.ok, r.timeouts, r.exceptions]), [
        [ADMIN, 'App.NodeCli', 'tars_nodejs', 13 * 10, 13 * 10, 0, 0],
        // 13 slots: 3 IPs × 100 + 10.10.0.2's 100 in 7 slots before the cut, then 3 timeouts and 2 exceptions.
        [CTL, 'App.CppCli', 'tars_cpp', 13 * 300 + 700 + 5, 13 * 300 + 700, 3, 2],
        [CTL, 'App.NodeCli', 'tars_nodejs', 13 * 150 + 350 + 240, 13 * 150 + 350, 240, 0],
        // The caller's @version is not part of its name.
        [HIST, 'App.GoCli', 'tars_go', 13 * 40, 13 * 40, 0, 0],
      ])
      assert.equal(window.slotsRead, 13)
      assert.equal(rates[0].callsPerSecond, Math.round((130 / (13 * 300)) * 1000) / 1000)
      // Only the named object's server is read.
      const one = await readCallerRates({stat: statDb, window: {sinceSeconds, untilSeconds: 0}, cluster: rows, networks: namedNetworks(parseNetworksSpec(NETWORKS)), objects: [HIST]})
      assert.deepEqual(one.rates.map((r) => r.caller), ['App.GoCli'])
    } finally {
      await statDb.close()
      await store.close()
    }
  })
})

describe('tarsnet traffic on the record', () => {
  const args = () => ['--db', db.url, '--stat-db', stat.url, '--networks', NETWORKS, '--since', since]

  it('gives exact totals per network, the C++ caller failed over, the Node caller stuck on the dead IP, exit 1', async () => {
    const r = await runCommand(['traffic', ...args(), '--json'])
    assert.equal(r.code, 1, r.stderr)
    const out = r.json()
    assert.equal(out.verdict, 'degraded')
    assert.equal(out.exitCode, 1)
    assert.deepEqual(out.objects.map((o: any) => o.object), [ADMIN, CTL, HIST])
    const ctl = out.objects.find((o: any) => o.object === CTL)
    // x: 10.10.0.1 (C++ 100, Node 50 per slot, 13 slots) and 10.10.0.2 (7 slots before the cut; then 3+2 failed
    // C++ calls in the cut slot and 40 Node timeouts in each of 6 slots); y: both nodes all along.
    assert.deepEqual(ctl.networks.map((n: any) => [n.network, n.calls, n.ok, n.timeouts, n.exceptions]), [
      ['x', 13 * 150 + 7 * 150 + 5 + 240, 13 * 150 + 7 * 150, 3 + 240, 2],
      ['y', 13 * 300, 13 * 300, 0, 0],
    ])
    // 13 slots in the window (the hour's last, HH60 in the hour before's table, among them), none twice.
    const ends = [...new Set(ctl.slots.map((s: any) => s.end))]
    assert.equal(ends.length, 13)
    assert.equal(out.window.slotsRead, 13)
    const callers = Object.fromEntries(ctl.callers.map((c: any) => [c.caller, c]))
    assert.equal(callers['App.CppCli'].verdict, 'failed-over')
    assert.deepEqual(callers['App.CppCli'].deadIps, [DEAD])
    assert.equal(callers['App.NodeCli'].verdict, 'stuck')
    assert.deepEqual(callers['App.NodeCli'].deadIps, [DEAD])
    assert.equal(callers['App.NodeCli'].language, 'tars_nodejs')
    assert.match(callers['App.NodeCli'].note, /TARS_MONITOR/)
    const n2x = ctl.endpoints.find((e: any) => e.ip === DEAD)
    assert.deepEqual([n2x.node, n2x.network, n2x.port], ['n2', 'x', 9001])
    // The set-suffixed callee maps to its object; the Go caller is ok.
    const hist = out.objects.find((o: any) => o.object === HIST)
    assert.equal(hist.callers[0].verdict, 'ok')
    assert.equal(hist.networks.reduce((n: number, x: any) => n + x.calls, 0), 13 * 40)
    // Pseudo callers are nowhere; the unknown IP is reported, not dropped.
    assert.ok(!JSON.stringify(out.objects).includes('stat_from_server'))
    assert.deepEqual(out.unknown.map((u: any) => [u.slaveName, u.ip, u.port, u.calls, u.callers]), [['App.Ctl', '10.10.0.99', 9001, 13 * 5, ['App.CppCli']]])
  })

  it('reads one object (only its server\'s rows) and says it in a table a person reads', async () => {
    const r = await runCommand(['traffic', HIST, ...args()])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /App\.Hist\.HistObj\s+OK/)
    assert.doesNotMatch(r.stdout, /App\.Ctl\.CtlObj/)
    // A named object is read through its own rows: the other servant of its server (port 9002) is not
    // "unknown", the unknown IP on its port is, and the callers' languages come from their own rows.
    const ctl = (await runCommand(['traffic', CTL, ...args(), '--json'])).json()
    assert.deepEqual(ctl.objects.map((o: any) => o.object), [CTL])
    assert.deepEqual(ctl.unknown.map((u: any) => u.ip), ['10.10.0.99'])
    assert.deepEqual(ctl.objects[0].callers.map((c: any) => [c.caller, c.language, c.verdict]), [['App.CppCli', 'tars_cpp', 'failed-over'], ['App.NodeCli', 'tars_nodejs', 'stuck']])
    const t = await runCommand(['traffic', 'App.Ctl.*', ...args()])
    assert.equal(t.code, 1)
    assert.match(t.stdout, /App\.NodeCli\s+tars_nodejs\s+stuck/)
    assert.match(t.stdout, /App\.CppCli\s+tars_cpp\s+failed-over/)
    assert.match(t.stdout, /DEGRADED: 2 objects with traffic/)
  })

  it('says which part of the window no table holds', async () => {
    // Three hours back reaches an hour whose table tarsstat never made (the rows span 70 minutes).
    const r = await runCommand(['traffic', HIST, ...args().slice(0, -2), '--since', '3h', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.json().notices.some((n: string) => /^no stat table for .* slots\)/.test(n)), r.json().notices.join('\n'))
  })

  it('check --traffic: the stuck caller is critical, the object used on one network is info', async () => {
    const r = await runCommand(['check', '--traffic', ...args(), '--json'])
    assert.equal(r.code, 2, r.stderr)
    const f = r.json().findings.filter((x: any) => x.code.includes('clients') || x.code.includes('traffic'))
    assert.deepEqual(f.map((x: any) => [x.code, x.severity, x.object, x.node ?? null]), [
      ['clients-stuck', 'critical', CTL, 'n2'],
      ['traffic-one-network', 'info', ADMIN, null],
    ])
  })

  it('bad input is one line and exit 3: a bad --since, an unreachable stat database, a table with other columns, no table, no such database', async () => {
    const bad = await runCommand(['traffic', ...args().slice(0, -1), '5 minutes'])
    assert.equal(bad.code, 3)
    assert.equal(bad.stderr.trim().split('\n').length, 1)
    assert.match(bad.stderr, /--since "5 minutes" is not a duration/)
    const unreachable = await runCommand(['traffic', '--db', db.url, '--stat-db', 'mysql://root@127.0.0.1:1/tars_stat', '--networks', NETWORKS])
    assert.equal(unreachable.code, 3)
    assert.equal(unreachable.stderr.trim().split('\n').length, 1)
    assert.match(unreachable.stderr, /cannot read the stat database .*127\.0\.0\.1:1 \(connection refused\)/)
    const now = await stat.now()
    const hour = new Date(now * 1000).toISOString().slice(0, 13).replace(/[-T]/g, '')
    await stat.conn.query(`CREATE TABLE odd_${hour} (f_date date, f_tflag varchar(8), hits int)`)
    const odd = await runCommand(['traffic', ...args().slice(0, -2), '--stat-prefix', 'odd_', '--since', '10m'])
    assert.equal(odd.code, 3)
    assert.equal(odd.stderr.trim().split('\n').length, 1)
    assert.match(odd.stderr, /table odd_\d{10} .* is not a tarsstat table \(it has no source_id, master_name/)
    const none = await runCommand(['traffic', ...args(), '--stat-prefix', 'none_', '--json'])
    assert.equal(none.code, 3)
    assert.equal(none.json().error.code, 'no_stat_tables')
    // Tables under the prefix that tarsstat did not name (prefix + YYYYMMDD[HH[MM]]) are no record either.
    await stat.conn.query('CREATE TABLE junk_backup (f_date date)')
    const junk = await runCommand(['traffic', ...args(), '--stat-prefix', 'junk_'])
    assert.equal(junk.code, 3)
    assert.equal(junk.stderr.trim().split('\n').length, 1)
    assert.match(junk.stderr, /no tarsstat table in .*\(prefix junk_\): check --stat-db/)
    const u = new URL(stat.url)
    u.pathname = '/tarsnet_no_such_stat'
    const noDb = await runCommand(['traffic', '--db', db.url, '--stat-db', u.toString(), '--networks', NETWORKS])
    assert.equal(noDb.code, 3)
    assert.equal(noDb.stderr.trim().split('\n').length, 1)
    assert.match(noDb.stderr, /cannot read the stat database .*: no database "tarsnet_no_such_stat"/)
  })

  it('defaults to tars_stat on the db_tars server, every host of a multi-host URL kept', () => {
    const settings = {db: {value: 'mysql://tars:pw@10.10.0.9:3306,10.20.0.9:3307/db_tars?ssl=true', origin: 'flag --db'}, profile: {}, profileName: {value: 'default'}, dbTimeoutMs: {value: 3000}} as unknown as Settings
    const s = statSourceOf({flags: {}, settings, env: {}, demo: false})
    assert.equal(s.kind, 'mysql')
    if (s.kind !== 'mysql') return
    assert.deepEqual(s.url.hosts, [{host: '10.10.0.9', port: 3306}, {host: '10.20.0.9', port: 3307}])
    assert.equal(s.url.database, 'tars_stat')
    assert.equal(s.url.tls, 'verify')
    assert.equal(s.password, 'pw')
    assert.equal(s.prefix, 'tars_stat_')
    const fromProfile = statSourceOf({flags: {}, settings: {...settings, profile: {stat: {db: 'mysql://u@h/stats', prefix: 'st_'}}} as Settings, env: {}, demo: false})
    assert.equal(fromProfile.kind === 'mysql' && fromProfile.url.database, 'stats')
    assert.equal(fromProfile.prefix, 'st_')
  })

  it('reads stat.db and stat.prefix from the profile, and says which profile value is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-traffic-config-'))
    try {
      const config = join(dir, 'config.json')
      writeFileSync(config, JSON.stringify({profiles: {default: {db: db.url, networks: NETWORKS, stat: {db: stat.url, prefix: 'tars_stat_'}}}}), {mode: 0o600})
      const r = await runCommand(['traffic', HIST, '--config', config, '--since', since, '--json'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.json().objects[0].object, HIST)
      writeFileSync(config, JSON.stringify({profiles: {default: {db: db.url, stat: {prefix: 'tars stat'}}}}), {mode: 0o600})
      const bad = await runCommand(['traffic', '--config', config])
      assert.equal(bad.code, 3)
      assert.equal(bad.stderr.trim().split('\n').length, 1)
      assert.match(bad.stderr, /stat\.prefix is "tars stat".*expected a table name prefix/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('the demo\'s record goes with no other: --stat-db or --stat-prefix with --demo is one line, exit 3', async () => {
    for (const flag of [['--stat-db', stat.url], ['--stat-prefix', 'tars_stat_']]) {
      const r = await runCommand(['traffic', '--demo', ...flag])
      assert.equal(r.code, 3, r.stdout)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.match(r.stderr, new RegExp(`(${flag[0]} and --demo|--demo and ${flag[0]}) do not go together`))
    }
  })

  it('names a gap that spans two days with both dates', async () => {
    // Two days back starts on another day than the demo's record, which holds only the last half hour.
    const r = await runCommand(['traffic', '--demo', '--since', '2d', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const gap = r.json().notices.find((n: string) => n.startsWith('no stat table for'))
    assert.match(gap, /^no stat table for (\d{4}-\d\d-\d\d) \d\d:\d\d–(\d{4}-\d\d-\d\d) \d\d:\d\d \(/)
  })

  it('the demo carries its own record: the C++ and Java callers failed over, the Node caller stuck', async () => {
    const r = await runCommand(['traffic', '--demo', '--json'])
    assert.equal(r.code, 1, r.stderr)
    const verdicts = r.json().objects.flatMap((o: any) => o.callers.map((c: any) => `${c.caller}:${c.verdict}`)).sort()
    assert.deepEqual(verdicts, ['Plant.AlarmServer:stuck', 'Plant.GatewayServer:failed-over', 'Plant.HistoryServer:failed-over'])
  })
})

describe('traffic without a terminal', () => {
  it('a name that matches no object is one line naming the closest, and exit 3 (no picker: test/e2e/traffic-picker.test.ts)', async () => {
    const r = await runCommand(['traffic', '--demo', 'Plant.HistoryServer.HistoryOb'])
    assert.equal(r.code, 3)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /unknown object 'Plant\.HistoryServer\.HistoryOb'.*closest: Plant\.HistoryServer\.HistoryObj/)
  })
})
