/**
 * `tarsnet registry check` and `resolve --live`, against a real db_tars on MariaDB and registry replicas on
 * loopback (src/lab/registry-server.ts), on two networks: x = 127.0.51.0/24, y = 127.0.52.0/24.
 * In-process, but for what needs a process: the progress line on a real terminal, and `resolve --live`,
 * which takes TARSNET_LOCATOR from process.env (src/registry/live.ts), not from the command's environment.
 *
 *   A  127.0.51.1 + 127.0.52.1   agrees (the registry of t_registry_info, reached over x and y)
 *   B  127.0.51.2                unexpanded: hands out 0.0.0.0 as stored
 *   C  127.0.52.2                a stale cache: n2 still inactive there, n4 (long gone) still active
 *   D  127.0.51.3                SYNs dropped (timeout)          E  127.0.52.3  refused
 *   F  127.0.51.4 malformed answer   G  127.0.51.5 huge length prefix   H  127.0.51.6 never answers
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {closedPort, DroppingListeners, type Listening} from '../../src/lab/listeners.js'
import {RegistryReplica, type ReplicaObject} from '../../src/lab/registry-server.js'
import {endpointF, REGISTRY_QUERY_OBJ, type EndpointF} from '../../src/tars/queryf.js'
import {runCli} from '../helpers/cli.js'
import {TestDb} from '../helpers/db.js'
import {PtySession} from '../helpers/pty.js'
import {runCommand} from '../helpers/run.js'

const OBJ = 'Lab.QueryServer.QueryObj'
const OTHER = 'Lab.Other.OtherObj'
const NETS = 'x=127.0.51.0/24;y=127.0.52.0/24'
// As a registry hands them out for servers without IDC grouping: groupworkid and grouprealid -1.
const ep = (host: string, port: number, nodeName: string): EndpointF => endpointF({host, port, timeout: 60000, nodeName, groupworkid: -1, grouprealid: -1})
const both = (i: number, port = 7001) => [ep(`127.0.51.${10 + i}`, port, `n${i}`), ep(`127.0.52.${10 + i}`, port, `n${i}`)]

describe('tarsnet registry check', () => {
  let db: TestDb
  let dir: string
  const replicas: Record<string, RegistryReplica> = {}
  const dropping = new DroppingListeners()
  let dropped: Listening
  let refusedPort = 0

  const loc = (...addresses: Array<{host: string; port: number}>) => `${REGISTRY_QUERY_OBJ}@${addresses.map((a) => `tcp -h ${a.host} -p ${a.port}`).join(':')}`
  const at = (name: string, i = 0) => replicas[name].addresses[i]
  const check = (args: string[], env: Record<string, string> = {}) => runCommand(['registry', 'check', ...args, '--db', db.url, '--networks', NETS], {env})

  before(async () => {
    db = await TestDb.create()
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-registry-test-'))
    const registryPort = await closedPort('127.0.51.1')
    await db.addNodes([
      {node_name: '127.0.51.1', ip_list: '127.0.51.1,127.0.52.1'},
      ...[1, 2, 3].map((i) => ({node_name: `n${i}`, ip_list: `127.0.51.${10 + i},127.0.52.${10 + i}`})),
    ])
    await db.addServers([
      {application: 'Lab', server_name: 'QueryServer', node_name: 'n1'},
      {application: 'Lab', server_name: 'QueryServer', node_name: 'n2'},
      {application: 'Lab', server_name: 'QueryServer', node_name: 'n3', present_state: 'inactive'},
      {application: 'Lab', server_name: 'Other', node_name: 'n1'},
    ])
    await db.addAdapters([
      ...[1, 2, 3].map((i) => ({application: 'Lab', server_name: 'QueryServer', node_name: `n${i}`, endpoint: 'tcp -h 0.0.0.0 -p 7001 -t 60000', servant: OBJ})),
      {application: 'Lab', server_name: 'Other', node_name: 'n1', endpoint: 'tcp -h 0.0.0.0 -p 7002 -t 60000', servant: OTHER},
    ])
    await db.query(
      `INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES
       (?, ?, ?, NOW(), 'active', '3.0.19'), ('127.0.51.9:17890', ?, 'tcp -h 127.0.51.9 -p 17890', NOW() - INTERVAL 1 DAY, 'inactive', '3.0.19')`,
      [`127.0.51.1:${registryPort}`, REGISTRY_QUERY_OBJ, `tcp -h 0.0.0.0 -p ${registryPort} -t 60000`, REGISTRY_QUERY_OBJ],
    )
    // Every row was changed long ago, except what a test changes itself.
    await db.query('UPDATE t_server_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR')
    await db.query('UPDATE t_adapter_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR')

    const truth: Record<string, ReplicaObject> = {
      [OBJ]: {active: [...both(1), ...both(2)], inactive: both(3)},
      [OTHER]: {active: both(1, 7002), inactive: []},
    }
    replicas.A = await RegistryReplica.start({hosts: ['127.0.51.1', '127.0.52.1'], port: registryPort, objects: truth})
    replicas.B = await RegistryReplica.start({hosts: ['127.0.51.2'], objects: {[OBJ]: truth[OBJ]}, behaviour: 'unexpanded'})
    replicas.C = await RegistryReplica.start({hosts: ['127.0.52.2'], objects: {[OBJ]: {active: [...both(1), ep('127.0.51.14', 7001, 'n4')], inactive: [...both(2), ...both(3)]}}})
    replicas.F = await RegistryReplica.start({hosts: ['127.0.51.4'], objects: truth, behaviour: 'malformed-answer'})
    replicas.G = await RegistryReplica.start({hosts: ['127.0.51.5'], behaviour: 'huge-length'})
    replicas.H = await RegistryReplica.start({hosts: ['127.0.51.6'], behaviour: 'silent'})
    ;[dropped] = await dropping.add([{host: '127.0.51.3'}])
    refusedPort = await closedPort('127.0.52.3')
  })
  after(async () => {
    await Promise.all(Object.values(replicas).map((r) => r.close()))
    await dropping.close()
    await db.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('asks the registry of t_registry_info on each of its networks; every answer agrees: exit 0', async () => {
    const r = await check([OBJ, '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const json = r.json()
    assert.deepEqual(Object.keys(json).slice(0, 6), ['registries', 'answers', 'disagreements', 'verdict', 'exitCode', 'lines'])
    assert.deepEqual(json.registries.map((x: any) => [x.host, x.network, x.status, x.error, typeof x.latencyMs]), [
      ['127.0.51.1', 'x', 'ok', null, 'number'],
      ['127.0.52.1', 'y', 'ok', null, 'number'],
    ])
    assert.equal(json.answers.length, 2)
    for (const a of json.answers) {
      assert.deepEqual([a.object, a.query, a.verdict, a.status, a.ret], [OBJ, 'findObjectById4Any', 'agrees', 'ok', 0])
      assert.deepEqual([a.missingActive, a.extraActive, a.missingInactive, a.extraInactive], [[], [], [], []])
      assert.deepEqual(a.active.map((e: any) => `${e.node} ${e.network} ${e.host}:${e.port} ${e.protocol}`), [
        'n1 x 127.0.51.11:7001 tcp', 'n1 y 127.0.52.11:7001 tcp', 'n2 x 127.0.51.12:7001 tcp', 'n2 y 127.0.52.12:7001 tcp',
      ])
      assert.equal(a.inactive.length, 2)
    }
    assert.deepEqual([json.verdict, json.exitCode], ['ok', 0])
    assert.deepEqual(json.notices, ['not asked: 127.0.51.9:17890 (t_registry_info says inactive)'])
    assert.equal(json.source.kind, 'mysql')
    // Each address got its question on a connection of its own.
    assert.deepEqual([...replicas.A.connections.entries()].sort(), [['127.0.51.1', 1], ['127.0.52.1', 1]])

    const table = await check([OBJ])
    assert.equal(table.code, 0)
    assert.match(table.stdout, /^REGISTRY\s+NETWORK\s+STATUS\s+LATENCY\s+ANSWERED/m)
    assert.match(table.stdout, /127\.0\.52\.1:\d+\s+y\s+ok\s+[\d.]+ ms\s+1\/1/)
    assert.match(table.stdout, /OK: every registry address hands out what the database says/)
  })

  it('unexpanded, a stale cache with the reload-window hint, and the addresses that disagree, named: exit 1', async () => {
    // n2 came back a moment ago: the stale replica has not reloaded it yet.
    await db.query("UPDATE t_server_conf SET registry_timestamp = NOW() - INTERVAL 20 SECOND WHERE node_name = 'n2' AND server_name = 'QueryServer'")
    try {
      const args = [OBJ, '--locator', loc(at('A'), at('B'), at('C'))]
      const r = await check([...args, '--json'])
      assert.equal(r.code, 1, r.stdout + r.stderr)
      const json = r.json()
      const by = (host: string) => json.answers.find((a: any) => a.host === host)
      assert.equal(by('127.0.51.1').verdict, 'agrees')
      const b = by('127.0.51.2')
      assert.deepEqual([b.verdict, b.unexpanded, b.missingActive, b.extraActive], ['unexpanded', true, [], []])
      assert.match(b.reasons[0], /hands out 0\.0\.0\.0:7001 as stored where the database expands to the nodes' IPs/)
      assert.equal(b.hint, null)
      const c = by('127.0.52.2')
      assert.equal(c.verdict, 'differs')
      assert.deepEqual(c.missingActive.map((e: any) => `${e.node} ${e.network} ${e.host}`), ['n2 x 127.0.51.12', 'n2 y 127.0.52.12'])
      assert.deepEqual(c.extraActive.map((e: any) => `${e.node} ${e.host}:${e.port}`), ['n4 127.0.51.14:7001'])
      assert.deepEqual(c.extraInactive.map((e: any) => e.host), ['127.0.51.12', '127.0.52.12'])
      assert.ok(c.reasons.includes('active in the database but inactive in the registry: n2 127.0.51.12:7001, n2 127.0.52.12:7001'), c.reasons)
      assert.match(c.hint, /^t_server_conf of Lab\.QueryServer on n2 changed \d+ s ago: the registry's incremental reload .* check again in about 10 s$/)
      assert.equal(json.disagreements.length, 1)
      assert.deepEqual(json.disagreements[0].groups.map((g: any) => g.addresses), [[`127.0.51.1:${at('A').port} (x)`], [`127.0.51.2:${at('B').port} (x)`], [`127.0.52.2:${at('C').port} (y)`]])
      assert.deepEqual([json.verdict, json.exitCode], ['differs', 1])

      const table = await check(args)
      assert.equal(table.code, 1)
      assert.match(table.stdout, new RegExp(`127\\.0\\.51\\.2:${at('B').port} \\(x\\): unexpanded`))
      assert.match(table.stdout, /missing active: n2 127\.0\.51\.12:7001, n2 127\.0\.52\.12:7001/)
      assert.match(table.stdout, /extra active: n4 127\.0\.51\.14:7001/)
      assert.match(table.stdout, /hint: t_server_conf of Lab\.QueryServer on n2 changed/)
      assert.match(table.stdout, /registry addresses disagree/)
      assert.match(table.stdout, /^DIFFERS: /m)
    } finally {
      await db.query('UPDATE t_server_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR')
    }
  })

  it('an address whose SYNs are dropped (timeout) and one refused: exit 1 while another answers, 2 when none does', async () => {
    const refused = {host: '127.0.52.3', port: refusedPort}
    const r = await check([OBJ, '--locator', loc(at('A'), dropped, refused), '--timeout', '700', '--json'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const json = r.json()
    assert.deepEqual(json.registries.map((x: any) => [x.host, x.network, x.status, x.error?.code ?? null, x.latencyMs === null]), [
      ['127.0.51.1', 'x', 'ok', null, false],
      ['127.0.51.3', 'x', 'timeout', 'ETIMEDOUT', true],
      ['127.0.52.3', 'y', 'refused', 'ECONNREFUSED', true],
    ])
    assert.deepEqual(json.answers.map((a: any) => [a.status, a.verdict]), [['ok', 'agrees'], ['timeout', null], ['refused', null]])
    assert.match(json.lines.join('\n'), /not answering: 127\.0\.51\.3:\d+ \(x\) timeout .*127\.0\.52\.3:\d+ \(y\) refused/)

    const none = await check([OBJ, '--locator', loc(dropped, refused), '--timeout', '700', '--json'])
    assert.equal(none.code, 2, none.stdout + none.stderr)
    assert.deepEqual([none.json().verdict, none.json().exitCode], ['unreachable', 2])
    const text = await check([OBJ, '--locator', loc(dropped, refused), '--timeout', '700'])
    assert.equal(text.code, 2)
    assert.match(text.stdout, /UNREACHABLE: no registry address answered/)
  })

  it('a malformed answer, a huge length prefix and a registry that never answers are errors with their reasons', async () => {
    const r = await check([OBJ, OTHER, '--locator', loc(at('A'), at('F'), at('G'), at('H')), '--timeout', '700', '--json'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const json = r.json()
    const status = Object.fromEntries(json.registries.map((x: any) => [x.host, `${x.status} ${x.error?.code ?? ''}`.trim()]))
    assert.deepEqual(status, {'127.0.51.1': 'ok', '127.0.51.4': 'error ETARSDECODE', '127.0.51.5': 'error ETARSDECODE', '127.0.51.6': 'error ETARSNOREPLY'})
    const message = (host: string) => json.registries.find((x: any) => x.host === host).error.message
    assert.match(message('127.0.51.4'), /^not a findObjectById4Any answer: a list of 1000000 element/)
    assert.match(message('127.0.51.5'), /frame length 2147483647 is not a Tars frame/)
    assert.match(message('127.0.51.6'), /connected, but no answer within 700 ms/)
    assert.equal(json.answers.filter((a: any) => a.verdict === 'agrees').length, 2)
  })

  it('an object the registry does not know: -1 and no endpoint, so it differs', async () => {
    const r = await check([OTHER, '--locator', loc(at('B')), '--json'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const [a] = r.json().answers
    assert.deepEqual([a.verdict, a.ret, a.active, a.missingActive.length], ['differs', -1, [], 2])
    assert.deepEqual(a.reasons, ['the registry returned -1 and no endpoint', 'it hands out no endpoint at all: this registry does not know the object (not loaded yet, or it reads another database)'])
  })

  it('--group and --set ask those functions; the answer is for this machine\'s address, said so', async () => {
    const group = await check([OBJ, '--locator', loc(at('A')), '--group', '--json'])
    assert.equal(group.code, 0, group.stdout + group.stderr)
    const g = group.json()
    assert.deepEqual([g.query, g.answers[0].query, g.answers[0].clientIp, g.registries[0].clientIp, g.answers[0].verdict], ['findObjectByIdInSameGroup', 'findObjectByIdInSameGroup', '127.0.0.1', '127.0.0.1', 'agrees'])
    assert.match(g.notices.join('\n'), /asked without node_name: each answer is for this machine's address on that connection .* use --client-node/)
    assert.deepEqual([g.callerNodeName, g.answers[0].callerNodeName], [null, null])
    assert.equal(replicas.A.requests.at(-1)!.fn, 'findObjectByIdInSameGroup')
    assert.deepEqual({...replicas.A.requests.at(-1)!.context}, {})
    // As a client on n2 asks (named here by one of its IPs): node_name n2 in the context, and said in each answer.
    const asNode = await check([OBJ, '--locator', loc(at('A')), '--group', '--client-node', '127.0.52.12', '--json'])
    assert.equal(asNode.code, 0, asNode.stdout + asNode.stderr)
    assert.deepEqual({...replicas.A.requests.at(-1)!.context}, {node_name: 'n2'})
    assert.deepEqual([asNode.json().callerNodeName, asNode.json().answers[0].callerNodeName, asNode.json().answers[0].verdict], ['n2', 'n2', 'agrees'])
    const asNodeTable = await check([OBJ, '--locator', loc(at('A')), '--group', '--client-node', 'n2'])
    assert.match(asNodeTable.stdout, /node_name n2/)
    const alone = await check([OBJ, '--locator', loc(at('A')), '--client-node', 'n2'])
    assert.equal(alone.code, 3)
    assert.equal(alone.stderr.trim(), 'error: --client-node goes with --group or --set: findObjectById4Any does not depend on the caller')
    for (const blank of ['', ' ']) {
      const empty = await check([OBJ, '--locator', loc(at('A')), '--group', '--client-node', blank])
      assert.deepEqual([empty.code, empty.stdout, empty.stderr], [3, '', "error: --client-node is empty: give a node's name (t_node_info.node_name) or one of its IPs\n"])
    }
    // A long name is named clipped, not echoed whole.
    const long = await check([OBJ, '--locator', loc(at('A')), '--group', '--client-node', 'n'.repeat(3000)])
    assert.equal(long.code, 3)
    assert.match(long.stderr, /^error: unknown node 'n{80}… \(3000 characters\)' for --client-node: not in t_node_info\n$/)
    assert.ok(long.stderr.length < 300, long.stderr.slice(0, 300))
    const set = await check([OBJ, '--locator', loc(at('A')), '--set', 'lab.sz.1', '--json'])
    assert.equal(set.code, 0, set.stdout + set.stderr)
    assert.deepEqual([set.json().query, set.json().setId], ['findObjectByIdInSameSet', 'lab.sz.1'])
    assert.deepEqual(replicas.A.requests.at(-1)!.args, {id: OBJ, setId: 'lab.sz.1'})
    const table = await check([OBJ, '--locator', loc(at('A')), '--group'])
    // The caller column says no node_name was sent.
    assert.match(table.stdout, /CALLER\n.*\s127\.0\.0\.1 \(no node_name\)\n/)
    assert.match(table.stderr, /this machine's address/)
  })

  it('bad input is exit 3 with one line: a malformed locator, an unknown object (with the closest names), --set', async () => {
    const badLocators = ['tars.tarsregistry.QueryObj@tcp -h 127.0.51.1', 'tcp -h 127.0.51.1 -p 17890', 'tars.tarsregistry.QueryObj@udp -h 127.0.51.1 -p 1']
    // Independent runs: started together.
    const [json, unknown, malformed, set, none, both, ...locators] = await Promise.all([
      check([OBJ, '--locator', 'nonsense', '--json']), check(['Lab.QueryServer.QueryOb']), check(['not-an-object']),
      check([OBJ, '--set', 'a.b']), check([]), check([OBJ, '--all']),
      ...badLocators.map((bad) => check([OBJ, '--locator', bad])),
    ])
    locators.forEach((r, i) => {
      assert.equal(r.code, 3, badLocators[i])
      assert.match(r.stderr, /^error: invalid locator \(--locator\): /)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.equal(r.stdout, '')
    })
    assert.equal(json.code, 3)
    assert.deepEqual([json.json().error.code, json.json().error.exitCode], ['invalid_locator', 3])
    assert.equal(unknown.code, 3)
    assert.match(unknown.stderr, /unknown object 'Lab\.QueryServer\.QueryOb'.*closest: Lab\.QueryServer\.QueryObj/)
    assert.equal(malformed.code, 3)
    assert.match(malformed.stderr, /malformed object name 'not-an-object'/)
    assert.match(set.stderr, /invalid --set 'a\.b'/)
    assert.match(none.stderr, /missing argument OBJECT/)
    assert.match(both.stderr, /give objects or --all, not both/)
    for (const r of [set, none, both]) assert.equal(r.code, 3)
  })

  it('with the database down, a locator still works: the answers are compared with each other only; without one, exit 3', async () => {
    const down = ['--db', 'mysql://root@127.0.0.1:1/db_tars', '--db-timeout', '2', '--networks', NETS]
    const agree = await runCommand(['registry', 'check', OBJ, '--locator', loc(at('A'), at('A', 1)), ...down, '--json'])
    assert.equal(agree.code, 0, agree.stdout + agree.stderr)
    const j = agree.json()
    assert.deepEqual(j.answers.map((a: any) => [a.status, a.verdict]), [['ok', null], ['ok', null]])
    assert.match(j.notices[0], /the database could not be read .*compared with each other only/)
    assert.equal(j.source, null)
    const disagree = await runCommand(['registry', 'check', OBJ, '--locator', loc(at('A'), at('B')), ...down, '--json'])
    assert.equal(disagree.code, 1)
    assert.equal(disagree.json().disagreements.length, 1)
    const noLocator = await runCommand(['registry', 'check', OBJ, ...down])
    assert.equal(noLocator.code, 3)
    assert.match(noLocator.stderr, /^error: cannot reach the database/)
  })

  it('the locator from the environment or the profile; a malformed one in the profile is named', async () => {
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({defaultProfile: 'p', profiles: {p: {locator: loc(at('B'))}, broken: {locator: 17890}}}))
    const fromProfile = await check([OBJ, '--config', config, '--json'])
    assert.equal(fromProfile.code, 1)
    assert.deepEqual(fromProfile.json().registries.map((x: any) => x.host), ['127.0.51.2'])
    const fromEnv = await check([OBJ, '--config', config, '--json'], {TARSNET_LOCATOR: loc(at('A'))})
    assert.equal(fromEnv.code, 0)
    const broken = await check([OBJ, '--config', config, '--profile', 'broken'])
    assert.equal(broken.code, 3)
    assert.match(broken.stderr, /^error: profile "broken" in .*config\.json: locator is 17890: expected a client locator string/)
    const shown = await runCommand(['config', 'show', '--config', config, '--json'])
    assert.deepEqual(shown.json().settings.find((x: any) => x.name === 'registry locator'), {name: 'registry locator', value: loc(at('B')), origin: `profile p in ${config}`})
  })

  it('on a terminal, a progress line while the answers are awaited', async () => {
    const s = PtySession.cli(['registry', 'check', OBJ, OTHER, '--locator', loc(at('A'), at('H')), '--timeout', '3000', '--db', db.url, '--networks', NETS])
    await s.expect(/asking \d\/4…/)
    await s.expect('DIFFERS')
    const {code} = await s.exit()
    assert.equal(code, 1)
  })

  it('resolve --live: one line saying whether the registries agree', async () => {
    const ok = await runCli(['resolve', OBJ, '--live', '--db', db.url, '--networks', NETS])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /\nLive registries: all 2 registry addresses agree with the database\n/)
    const json = await runCli(['resolve', OBJ, '--live', '--db', db.url, '--networks', NETS, '--json'], {env: {TARSNET_LOCATOR: loc(at('A'), at('B'), dropped)}})
    assert.equal(json.code, 0, json.stderr)
    const live = json.json().live
    assert.equal(live.verdict, 'differs')
    assert.equal(live.line, `1 of 3 registry addresses agree; 127.0.51.2:${at('B').port} (x) unexpanded; 127.0.51.3:${dropped.port} (x) timeout`)
    assert.deepEqual(live.disagreeing.map((a: any) => a.host), ['127.0.51.2', '127.0.51.3'])
    assert.equal(live.callerNodeName, null)
    // With --client-node the registries are asked as that client asks, and the line says so.
    const asNode = await runCli(['resolve', OBJ, '--live', '--client-node', 'n2', '--db', db.url, '--networks', NETS], {env: {TARSNET_LOCATOR: loc(at('A'))}})
    assert.equal(asNode.code, 0, asNode.stderr)
    assert.deepEqual({...replicas.A.requests.at(-1)!.context}, {node_name: 'n2'})
    assert.match(asNode.stdout, /\nLive registries \(findObjectByIdInSameGroup with node_name 'n2', as a client on n2 asks\): all 1 registry address agree with the database\n/)
    const asNodeJson = (await runCli(['resolve', OBJ, '--live', '--client-node', 'n2', '--db', db.url, '--networks', NETS, '--json'], {env: {TARSNET_LOCATOR: loc(at('A'))}})).json().live
    assert.deepEqual([asNodeJson.query, asNodeJson.callerNodeName, asNodeJson.verdict], ['findObjectByIdInSameGroup', 'n2', 'ok'])
    // Without --live, resolve asks nothing.
    const before = replicas.A.requests.length
    await runCommand(['resolve', OBJ, '--db', db.url, '--networks', NETS, '--json'])
    assert.equal(replicas.A.requests.length, before)
  })
})

describe('tarsnet registry check --all', () => {
  const COUNT = 300
  let db: TestDb
  let replica: RegistryReplica
  before(async () => {
    db = await TestDb.create()
    await db.addNodes([{node_name: 'm1', ip_list: '127.0.51.21,127.0.52.21'}, {node_name: 'm2', ip_list: '127.0.51.22,127.0.52.22'}])
    const servers: string[] = []
    const adapters: string[] = []
    const objects: Record<string, ReplicaObject> = {}
    for (let i = 0; i < COUNT; i++) {
      for (const n of ['m1', 'm2']) {
        servers.push(`('All', 'S${i}', '${n}', 'active', 'active')`)
        adapters.push(`('All', 'S${i}', '${n}', 'All.S${i}.ObjAdapter', 'tcp -h 0.0.0.0 -p ${10000 + i}', 'All.S${i}.Obj')`)
      }
      objects[`All.S${i}.Obj`] = {active: [1, 2].flatMap((k) => [ep(`127.0.51.2${k}`, 10000 + i, `m${k}`), ep(`127.0.52.2${k}`, 10000 + i, `m${k}`)]), inactive: []}
    }
    await db.query(`INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state) VALUES ${servers.join(',')}`)
    await db.query(`INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant) VALUES ${adapters.join(',')}`)
    replica = await RegistryReplica.start({hosts: ['127.0.51.7', '127.0.52.7'], objects})
  })
  after(async () => {
    await replica.close()
    await db.drop()
  })

  it(`asks every one of ${COUNT} objects of every address, pipelined on one connection per address: exit 0`, async () => {
    const r = await runCommand(['registry', 'check', '--all', '--locator', replica.locator(), '--db', db.url, '--networks', NETS, '--json', '--concurrency', '32'])
    assert.equal(r.code, 0, r.stdout.slice(0, 2000) + r.stderr)
    const json = r.json()
    assert.equal(json.answers.length, COUNT * 2)
    assert.ok(json.answers.every((a: any) => a.verdict === 'agrees'))
    assert.deepEqual(json.registries.map((x: any) => [x.network, x.asked, x.answered]), [['x', COUNT, COUNT], ['y', COUNT, COUNT]])
    assert.deepEqual([...replica.connections.entries()].sort(), [['127.0.51.7', 1], ['127.0.52.7', 1]])
    assert.equal(replica.requests.length, COUNT * 2)
    // No progress line without a terminal.
    assert.equal(r.stderr, '')
  })

  it('without registry rows or a locator: registry check cannot run (exit 3); resolve --live still resolves and says why', async () => {
    const r = await runCommand(['registry', 'check', 'All.S0.Obj', '--db', db.url, '--networks', NETS])
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^error: no registry address: the database has no tars\.tarsregistry\.QueryObj .*TARSNET_LOCATOR or the profile's "locator"\n$/)
    const live = await runCli(['resolve', 'All.S0.Obj', '--live', '--db', db.url, '--networks', NETS, '--json'])
    assert.equal(live.code, 0, live.stderr)
    assert.equal(live.json().active.length, 4)
    assert.equal(live.json().live.verdict, 'unreachable')
    assert.match(live.json().live.line, /^no registry address/)
  })
})
