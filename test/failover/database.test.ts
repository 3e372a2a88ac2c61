/**
 * `tarsnet failover` end to end, in-process against a throwaway db_tars on the real MariaDB holding
 * t_profile_template (TarsFramework's own tars.default and tars.tarsjava.default texts) and servers of
 * several languages; the JSON shape, each setting's source (template, parent, profile, code default),
 * each network in turn, --refused, findings and exit codes, bad input (exit 3, one line); the demo;
 * `check --failover` and `impact --cut` with the demo's tarsstat record.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16'
const ANY = 'tcp -h 0.0.0.0 -p 9000 -t 60000'
const template = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'templates', name), 'utf8')

let db: TestDb

async function seed(t: TestDb): Promise<void> {
  await t.addNodes([1, 2].map((i) => ({node_name: `n${i}`, ip_list: `10.10.0.${i},10.20.0.${i}`})))
  const servers = [['Web', 'n1'], ['Web', 'n2'], ['Cpp', 'n1'], ['Old', 'n2'], ['Java', 'n1'], ['Node', 'n2'], ['Php', 'n1']]
  await t.addServers(servers.map(([s, node_name]) => ({application: 'App', server_name: s, node_name})))
  await t.addAdapters(['n1', 'n2'].map((node_name) => ({application: 'App', server_name: 'Web', node_name, endpoint: ANY, servant: 'App.Web.Obj'})))
  const tpl = 'INSERT INTO t_profile_template (template_name, parents_name, profile) VALUES (?, ?, ?)'
  await t.query(tpl, ['tars.default', '', template('tars.default')])
  await t.query(tpl, ['tars.tarsjava.default', 'tars.default', template('tars.tarsjava.default')])
  await t.query(tpl, ['tars.cpp.default', 'tars.default', template('tars.cpp.default')])
  await t.query(tpl, ['app.fast', 'tars.cpp.default', '<tars>\n  <application>\n    <client>\n      async-invoke-timeout=1500\n    </client>\n  </application>\n</tars>\n'])
  const set = 'UPDATE t_server_conf SET server_type = ?, tars_version = ?, template_name = ?, profile = ? WHERE server_name = ?'
  await t.query(set, ['tars_cpp', '3.0.22', 'tars.cpp.default', null, 'Web'])
  await t.query(set, ['tars_cpp', '3.0.22', 'app.fast', '<tars>\n<application>\n<client>\nrefresh-endpoint-interval=300000\n</client>\n</application>\n</tars>\n', 'Cpp'])
  await t.query(set, ['tars_cpp', '3.0.19', 'tars.cpp.default', null, 'Old'])
  await t.query(set, ['tars_java', '1.7.3', 'tars.tarsjava.default', null, 'Java'])
  await t.query(set, ['tars_nodejs', '2.0.15', 'tars.default', null, 'Node'])
  await t.query(set, ['tars_php', '', 'tars.default', null, 'Php'])
}

const failover = (...args: string[]) => runCommand(['failover', ...args, '--db', db.url, '--networks', NETWORKS])

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('tarsnet failover against a real database', () => {
  before(async () => {
    db = await TestDb.create()
    await seed(db)
  })
  after(async () => {
    await db?.drop()
  })

  it('one network cut, every client at --rate: each caller\'s cost and where each setting came from', async () => {
    const r = await failover('App.Web.Obj', '--cut', 'x', '--rate', '100', '--json')
    assert.equal(r.code, 1, r.stderr)
    const json: Json = r.json()
    assert.deepEqual(json.cuts, ['x'])
    assert.equal(json.objects.length, 1)
    const o = json.objects[0]
    // The JSON contract, field by field.
    assert.deepEqual(Object.keys(json).sort(), ['call', 'cuts', 'exitCode', 'findings', 'mode', 'notices', 'objects', 'rateSource', 'source', 'verdict'])
    assert.deepEqual(Object.keys(o).sort(), ['callers', 'cut', 'endpoints', 'object'])
    for (const c of o.callers) {
      assert.deepEqual(Object.keys(c).sort(), ['caller', 'callsPerSecond', 'detectSeconds', 'dominant', 'failedCalls', 'language', 'notes', 'rateSource', 'recoverSeconds', 'settings', 'steadyFailedPerMinute', 'version'])
      for (const s of c.settings) assert.deepEqual(Object.keys(s), ['name', 'value', 'unit', 'source'])
    }
    assert.deepEqual([o.object, o.cut, o.endpoints], ['App.Web.Obj', 'x', {total: 4, dead: 2}])
    const by = Object.fromEntries(o.callers.map((c: Json) => [c.caller, c]))
    assert.deepEqual(Object.keys(by).sort(), ['App.Cpp', 'App.Java', 'App.Node', 'App.Old', 'App.Web'])
    const setting = (c: Json, name: string) => c.settings.find((s: Json) => s.name === name)
    // A child template over its parents, the server's profile over both, code defaults for the rest.
    assert.deepEqual(setting(by['App.Cpp'], 'async-invoke-timeout'), {name: 'async-invoke-timeout', value: 1500, unit: 'ms', source: 'template app.fast'})
    assert.deepEqual(setting(by['App.Cpp'], 'refresh-endpoint-interval'), {name: 'refresh-endpoint-interval', value: 300000, unit: 'ms', source: 'profile of App.Cpp'})
    assert.deepEqual(setting(by['App.Cpp'], 'connect-timeout'), {name: 'connect-timeout', value: 1500, unit: 'ms', source: 'TarsCpp ≥3.0.22 default'})
    assert.equal(setting(by['App.Old'], 'frequenceFailInvoke').source, 'TarsCpp 3.0.16–3.0.21 default')
    assert.deepEqual(setting(by['App.Java'], 'async-invoke-timeout'), {name: 'async-invoke-timeout', value: 20000, unit: 'ms', source: 'template tars.tarsjava.default'})
    assert.deepEqual([by['App.Web'].detectSeconds, by['App.Web'].failedCalls, by['App.Web'].steadyFailedPerMinute, by['App.Web'].rateSource], [5, 250, 0, '--rate'])
    assert.deepEqual([by['App.Cpp'].detectSeconds, by['App.Cpp'].failedCalls], [1.5, 75])
    assert.ok(by['App.Java'].failedCalls > 1000)
    assert.ok(by['App.Node'].steadyFailedPerMinute > 0)
    const codes = json.findings.map((f: Json) => `${f.code} ${f.caller ?? f.object}`).sort()
    assert.deepEqual(codes, ['failover-keeps-failing App.Node', 'failover-slow-detect App.Java', 'failover-slow-refresh App.Cpp'])
    const slow = json.findings.find((f: Json) => f.code === 'failover-slow-detect')
    assert.equal(slow.where, 'template tars.tarsjava.default')
    assert.deepEqual(slow.objects, ['App.Web.Obj'])
    assert.deepEqual([json.verdict, json.exitCode], ['warning', 1])
    assert.match(json.notices.join(' '), /no failover model for App\.Php \(tars_php\)/)
  })

  it('each network in turn by default; --refused; the table', async () => {
    const r = await failover('App.Web.Obj', '--rate', '100', '--json', '--refused')
    const json: Json = r.json()
    assert.deepEqual(json.cuts, ['x', 'y'])
    assert.equal(json.mode, 'refused')
    const web = json.objects[0].callers.find((c: Json) => c.caller === 'App.Web')
    assert.equal(web.failedCalls, 2) // the calls in flight
    const table = await failover('App.Web.Obj', '--cut', 'y', '--rate', '100')
    assert.match(table.stdout, /App\.Web\.Obj — cut y: 2 of 4 endpoints dead/)
    assert.match(table.stdout, /App\.Java\s+TarsJava 1\.7\.3\s+100\/s/)
    assert.match(table.stdout, /async-invoke-timeout 20000 ms \(template tars\.tarsjava\.default\)/)
    // The verdict line counts what the tables show: pairs that lose endpoints and have callers.
    assert.match(table.stdout, /^WARNING: 3 findings; 1 object\/cut pair with callers loses endpoints; worst caller loses \d+ calls/m)
  })

  it('bad input: one line each, exit 3, no stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--cut', 'z', '--rate', '1'], /unknown --cut name: 'z'/],
      [['App.Nope.Obj', '--rate', '1'], /unknown object: 'App\.Nope\.Obj'/],
      [['--rate', 'fast'], /invalid --rate 'fast'/],
      [['--stat-db', 'mysql://root@127.0.0.1:1/tars_stat'], /no call rates: tarsstat's record is not readable .*give --rate N/],
    ]
    for (const [args, re] of cases) {
      const r = await failover(...args)
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`)
      assert.match(r.stderr, re)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    }
  })

  it('a bad --stat-db or --stat-prefix is said as such, whole, in failover and in impact', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--stat-prefix', 'a;b'], /^error: --stat-prefix "a;b" is not a table name prefix: use letters, digits and "_"/],
      [['--stat-db', 'tars_stat'], /^error: invalid database URL tars_stat:/],
    ]
    for (const [args, re] of cases) {
      for (const r of [await failover(...args), await runCommand(['impact', '--cut', 'x', ...args, '--db', db.url, '--networks', NETWORKS])]) {
        assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`)
        assert.match(r.stderr, re)
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      }
    }
  })

  it('impact says why it has no FAILED CALLS column when the record it was given cannot be read', async () => {
    const r = await runCommand(['impact', '--cut', 'x', '--stat-db', 'mysql://root@127.0.0.1:1/tars_stat', '--db', db.url, '--networks', NETWORKS])
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /^note: no FAILED CALLS column: tarsstat's record is not readable \(cannot read the stat database .*127\.0\.0\.1:1/m)
    assert.doesNotMatch(r.stdout, /FAILED CALLS/)
    // Not asked for (only the default tars_stat on the --db server, absent here): nothing said.
    const quiet = await runCommand(['impact', '--cut', 'x', '--db', db.url, '--networks', NETWORKS])
    assert.doesNotMatch(quiet.stderr, /FAILED CALLS/)
  })

  it('check --failover with no readable tarsstat: every client at a nominal rate, and a notice saying so', async () => {
    const r = await runCommand(['check', '--failover', '--json', '--db', db.url, '--networks', NETWORKS])
    const json: Json = r.json()
    assert.match(json.notices.join('\n'), /--failover: no call rates: tarsstat's record is not readable .*: every client modelled at 10 calls\/s/)
    const failover = json.findings.filter((f: Json) => f.code.startsWith('failover-'))
    assert.deepEqual(failover.map((f: Json) => f.code).sort(), ['failover-keeps-failing', 'failover-slow-detect', 'failover-slow-refresh'])
    assert.match(failover.find((f: Json) => f.code === 'failover-slow-detect').message, /^App\.Java \(TarsJava\) keeps calling a dead IP/)
  })

  it('a template loop, a missing parent, an unparsable profile (its line): exit 3', async () => {
    const broken: Array<[string, string | null, RegExp]> = [
      ['loop.a', null, /template loop in t_profile_template: loop\.a → loop\.b → loop\.a/],
      ['orphan', null, /template 'gone' \(parent of orphan\) is not in t_profile_template/],
      ['tars.default', '<tars>\n  <application>\n    <client>\n  </tars>\n', /profile of App\.Web \(node n1\) line 4: <\/tars> does not close <client>/],
    ]
    await db.query("INSERT INTO t_profile_template (template_name, parents_name, profile) VALUES ('loop.a', 'loop.b', ''), ('loop.b', 'loop.a', ''), ('orphan', 'gone', '')")
    try {
      for (const [templateName, profile, re] of broken) {
        await db.query("UPDATE t_server_conf SET template_name = ?, profile = ? WHERE server_name = 'Web' AND node_name = 'n1'", [templateName, profile])
        const r = await failover('--rate', '1')
        assert.equal(r.code, 3, r.stderr)
        assert.match(r.stderr, re)
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      }
    } finally {
      await db.query("UPDATE t_server_conf SET template_name = 'tars.cpp.default', profile = NULL WHERE server_name = 'Web'")
    }
  })
})

describe('the demo: failover, check --failover, impact --cut', () => {
  it('failover --demo: callers from the demo\'s tarsstat record (C++, Java and Node), and the same with --rate', async () => {
    const r = await runCommand(['failover', '--demo', '--json'])
    assert.equal(r.code, 2, r.stderr) // the demo's registry and HttpObj are on x only
    const json: Json = r.json()
    const callers = json.objects.flatMap((o: Json) => o.callers)
    assert.ok(callers.every((c: Json) => c.rateSource === 'tarsstat'))
    // The demo's record has the C++ Gateway, the Java History and the Node Alarm server calling.
    // Objects the cuts hit that nobody called in the window are said, not silently dropped.
    assert.ok(!json.objects.some((o: Json) => o.object === 'Plant.AlarmServer.AlarmObj'))
    assert.match(json.notices.join('\n'), /no caller in tarsstat's record over the window for \d+ objects the cuts hit \(Plant\.AlarmServer\.AlarmObj, .*\): not modelled; --rate N models every client/)
    assert.deepEqual([...new Set(callers.map((c: Json) => c.language))].sort(), ['cpp', 'java', 'nodejs'])
    // Rates are averaged over the last hour unless --since says otherwise (the demo's record differs by window).
    const rates = (j: Json) => j.objects.map((o: Json) => o.callers.map((c: Json) => c.callsPerSecond))
    const hour = (await runCommand(['failover', '--demo', '--json', '--since', '1h'])).json<Json>()
    const halfHour = (await runCommand(['failover', '--demo', '--json', '--since', '30m'])).json<Json>()
    assert.deepEqual(rates(json), rates(hour))
    assert.notDeepEqual(rates(json), rates(halfHour))
    const i = (args: string[]) => runCommand(['impact', '--demo', '--cut', 'y', '--json', ...args]).then((r) => r.json<Json>().objects.map((o: Json) => o.expectedFailedCalls ?? null))
    assert.deepEqual(await i([]), await i(['--since', '1h']))
    const all = (await runCommand(['failover', '--demo', '--rate', '10', '--json'])).json<Json>()
    assert.deepEqual([...new Set(all.objects.flatMap((o: Json) => o.callers.map((c: Json) => c.language)))].sort(), ['cpp', 'java', 'nodejs'])
  })

  it('check --failover lists the failover findings; impact --cut shows expected failed calls', async () => {
    const c = await runCommand(['check', '--demo', '--failover', '--json'])
    const codes = c.json<Json>().findings.map((f: Json) => f.code)
    assert.ok(codes.includes('failover-slow-refresh'), codes.join(', '))
    assert.ok(codes.includes('failover-keeps-failing'), codes.join(', '))
    const plain = await runCommand(['check', '--demo', '--json'])
    assert.ok(!plain.json<Json>().findings.some((f: Json) => f.code.startsWith('failover-')))
    // An object a cut leaves with no endpoint is check's own object-single-network (or registry) finding: not counted twice.
    assert.ok(!codes.includes('failover-object-down'), codes.join(', '))
    assert.equal(c.json<Json>().counts.critical, plain.json<Json>().counts.critical)
    // Rates over the last hour, as in `tarsnet failover`, while --traffic keeps its own default window.
    const messages = (j: Json) => j.findings.filter((f: Json) => f.code.startsWith('failover-')).map((f: Json) => f.message)
    assert.deepEqual(messages(c.json<Json>()), messages((await runCommand(['check', '--demo', '--failover', '--since', '1h', '--json'])).json<Json>()))
    // --since is read for --failover's rates: no notice says it is ignored; without --traffic or --failover, one does.
    const since = await runCommand(['check', '--demo', '--failover', '--since', '2h'])
    assert.doesNotMatch(since.stderr, /ignored/)
    assert.match((await runCommand(['check', '--demo', '--since', '2h'])).stderr, /note: --since is read only with --traffic or --failover: ignored/)
    // --object keeps the findings about the callers of that object (Plant.AlarmServer calls HistoryObj in the demo's record).
    const scoped = (await runCommand(['check', '--demo', '--failover', '--object', 'Plant.HistoryServer.HistoryObj', '--json'])).json<Json>()
    assert.deepEqual(scoped.findings.filter((f: Json) => f.code.startsWith('failover-')).map((f: Json) => f.code), ['failover-keeps-failing'])
    const i = await runCommand(['impact', '--demo', '--cut', 'y', '--json'])
    const control = i.json<Json>().objects.find((o: Json) => o.object === 'Plant.ControlServer.ControlObj')
    assert.ok(control.expectedFailedCalls > 0, JSON.stringify(control))
    const table = await runCommand(['impact', '--demo', '--cut', 'y'])
    assert.match(table.stdout, /FAILED CALLS/)
  })
})
