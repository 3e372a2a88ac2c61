/**
 * The pure side of the registry check: the comparison of a registry's answer with the database's
 * computation (core/registry-compare), the locator grammar (core/locator), the per-object index for
 * --all (core/object-index), replicas that disagree, the reload-window hint, verdicts and exit codes.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseLocator} from '../../src/core/locator.js'
import {namedNetworks} from '../../src/core/networks.js'
import {indexObjects} from '../../src/core/object-index.js'
import {
  buildAnswer,
  changesForObject,
  compareAnswer,
  reloadHint,
  replicaDisagreements,
  summarizeCheck,
  type AnswerRecord,
  type AnsweredEndpoint,
  type RecentChange,
  type RegistryRecord,
} from '../../src/core/registry-compare.js'
import {resolveObject} from '../../src/core/resolve.js'
import type {AdapterRow, NodeRow, ServerRow} from '../../src/core/rows.js'

const OBJ = 'App.Srv.Obj'
const NETS = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']}, {name: 'y', cidrs: ['10.20.0.0/16']}])
const node = (name: string, ipList: string): NodeRow => ({nodeName: name, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '3.0.19', ipList})
const server = (n: string, over: Partial<ServerRow> = {}): ServerRow => ({application: 'App', serverName: 'Srv', nodeName: n, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp', ...over})
const adapter = (n: string, endpoint: string, over: Partial<AdapterRow> = {}): AdapterRow => ({application: 'App', serverName: 'Srv', nodeName: n, adapterName: 'App.Srv.ObjAdapter', endpoint, servant: OBJ, protocol: 'tars', ...over})

// n1, n2 active on x and y; n3 inactive; all bound to 0.0.0.0:7001. n4 is bound to one IP (not expanded).
const NODES = [node('n1', '10.10.0.1,10.20.0.1'), node('n2', '10.10.0.2,10.20.0.2'), node('n3', '10.10.0.3,10.20.0.3'), node('n4', '10.10.0.4,10.20.0.4')]
const ROWS = {
  servers: [server('n1'), server('n2'), server('n3', {presentState: 'inactive'}), server('n4')],
  adapters: [adapter('n1', 'tcp -h 0.0.0.0 -p 7001'), adapter('n2', 'tcp -h * -p 7001'), adapter('n3', 'tcp -p 7001'), adapter('n4', 'tcp -h 10.10.0.4 -p 7001')],
  registry: [],
}
const EXPECTED = resolveObject({object: OBJ, rows: ROWS, nodes: NODES, networks: NETS})

const ep = (host: string, port = 7001, nodeName = '', istcp = 1): AnsweredEndpoint => ({host, port, istcp, nodeName})
const expandedActive = () => [ep('10.10.0.1', 7001, 'n1'), ep('10.20.0.1', 7001, 'n1'), ep('10.10.0.2', 7001, 'n2'), ep('10.20.0.2', 7001, 'n2'), ep('10.10.0.4', 7001, 'n4')]
const expandedInactive = () => [ep('10.10.0.3', 7001, 'n3'), ep('10.20.0.3', 7001, 'n3')]

describe('compareAnswer', () => {
  it('agrees when active and inactive hold the same (host, port, protocol), whatever the order, nodeName or duplicates', () => {
    const c = compareAnswer(EXPECTED, {ret: 0, active: expandedActive().reverse(), inactive: [...expandedInactive(), ep('10.20.0.3')]}, NETS)
    assert.equal(c.verdict, 'agrees')
    assert.deepEqual([c.missingActive, c.extraActive, c.missingInactive, c.extraInactive], [[], [], [], []])
  })

  it('unexpanded: one 0.0.0.0 per row where the database expands, nothing else different', () => {
    const c = compareAnswer(EXPECTED, {ret: 0, active: [ep('0.0.0.0', 7001, 'n1'), ep('0.0.0.0', 7001, 'n2'), ep('10.10.0.4')], inactive: [ep('0.0.0.0', 7001, 'n3')]}, NETS)
    assert.equal(c.verdict, 'unexpanded')
    assert.equal(c.unexpanded, true)
    assert.match(c.reasons[0], /hands out 0\.0\.0\.0:7001 as stored .* clients cannot fail over/)
    assert.deepEqual([c.missingActive, c.extraActive, c.missingInactive, c.extraInactive], [[], [], [], []])
  })

  it('unexpanded and missing a row: differs, the lists in the stored form (one 0.0.0.0 per row counts)', () => {
    const c = compareAnswer(EXPECTED, {ret: 0, active: [ep('0.0.0.0', 7001, 'n1'), ep('10.10.0.4')], inactive: [ep('0.0.0.0', 7001, 'n3')]}, NETS)
    assert.equal(c.verdict, 'differs')
    assert.equal(c.unexpanded, true)
    assert.deepEqual(c.missingActive, [{node: 'n2', network: null, host: '0.0.0.0', port: 7001, protocol: 'tcp'}])
    assert.deepEqual(c.extraActive, [])
  })

  it('a stale cache: missing and extra listed with their nodes and networks, a state change said in words', () => {
    // n2 is inactive in this registry's cache; n5 (gone from the database) is still handed out.
    const c = compareAnswer(EXPECTED, {
      ret: 0,
      active: [ep('10.10.0.1', 7001, 'n1'), ep('10.20.0.1', 7001, 'n1'), ep('10.10.0.4', 7001, 'n4'), ep('10.10.0.5', 7001, 'n5')],
      inactive: [...expandedInactive(), ep('10.10.0.2', 7001, 'n2'), ep('10.20.0.2', 7001, 'n2')],
    }, NETS)
    assert.equal(c.verdict, 'differs')
    assert.equal(c.unexpanded, false)
    assert.deepEqual(c.missingActive.map((e) => `${e.node} ${e.network} ${e.host}`), ['n2 x 10.10.0.2', 'n2 y 10.20.0.2'])
    assert.deepEqual(c.extraActive.map((e) => `${e.node} ${e.host}`), ['n5 10.10.0.5'])
    assert.deepEqual(c.extraInactive.map((e) => e.host), ['10.10.0.2', '10.20.0.2'])
    assert.deepEqual(c.missingInactive, [])
    assert.ok(c.reasons.some((r) => r === 'active in the database but inactive in the registry: n2 10.10.0.2:7001, n2 10.20.0.2:7001'), c.reasons.join('\n'))
  })

  it('a different port or protocol is a different endpoint', () => {
    const active = expandedActive()
    active[0] = ep('10.10.0.1', 7002, 'n1')
    active[1] = ep('10.20.0.1', 7001, 'n1', 0)
    const c = compareAnswer(EXPECTED, {ret: 0, active, inactive: expandedInactive()}, NETS)
    assert.equal(c.verdict, 'differs')
    assert.deepEqual(c.extraActive.map((e) => `${e.host}:${e.port} ${e.protocol}`), ['10.10.0.1:7002 tcp', '10.20.0.1:7001 udp'])
  })

  it('an object the registry does not know: -1 and nothing, said so', () => {
    const c = compareAnswer(EXPECTED, {ret: -1, active: [], inactive: []}, NETS)
    assert.equal(c.verdict, 'differs')
    assert.equal(c.missingActive.length, 5)
    assert.deepEqual(c.reasons, ['the registry returned -1 and no endpoint', 'it hands out no endpoint at all: this registry does not know the object (not loaded yet, or it reads another database)'])
  })

  it('compares IPv6 hosts in any spelling', () => {
    const v6 = resolveObject({object: OBJ, rows: {servers: [server('n6')], adapters: [adapter('n6', 'tcp -h :: -p 7001')], registry: []}, nodes: [node('n6', 'fd00:10::6')], networks: NETS})
    assert.equal(compareAnswer(v6, {ret: 0, active: [ep('FD00:10:0:0:0:0:0:6')], inactive: []}, NETS).verdict, 'agrees')
    const un = compareAnswer(v6, {ret: 0, active: [ep('0:0::0')], inactive: []}, NETS)
    assert.equal(un.verdict, 'unexpanded')
  })
})

describe('the reload window', () => {
  const change = (over: Partial<RecentChange>): RecentChange => ({table: 't_server_conf', application: 'App', serverName: 'Srv', nodeName: 'n2', servant: null, ageSeconds: 40, ...over})

  it('finds the object\'s changed rows: its server rows and its adapters (matched as MySQL does: case, trailing spaces)', () => {
    const changes = [
      change({}), change({application: 'app', serverName: 'SRV ', nodeName: 'n1', ageSeconds: 12}),
      change({table: 't_adapter_conf', servant: OBJ, ageSeconds: 90}), change({table: 't_adapter_conf', application: 'Other', serverName: 'X', servant: 'Other.X.Obj'}),
      change({application: 'Other', serverName: 'X'}), change({application: 'Other', serverName: 'X', nodeName: 'n9'}),
    ]
    assert.equal(changesForObject(OBJ, ROWS, changes).length, 3)
    // An adapter of another App.Server that carries this servant brings its own server row along (n9's, not n2's).
    const foreign = {...ROWS, adapters: [...ROWS.adapters, adapter('n9', 'tcp -h 0.0.0.0 -p 1', {application: 'Other', serverName: 'X'})]}
    assert.deepEqual(changesForObject(OBJ, foreign, changes).map((c) => `${c.table} ${c.serverName} ${c.nodeName}`).sort(), [
      't_adapter_conf Srv n2', 't_server_conf SRV  n1', 't_server_conf Srv n2', 't_server_conf X n9',
    ])
  })

  it('hints with the newest change: about 10 s when the incremental reload sees it (150 s), 300 s otherwise, never past 300 s', () => {
    const hint = reloadHint([change({ageSeconds: 200}), change({nodeName: 'n1', ageSeconds: 42})])
    assert.match(hint!, /^t_server_conf of App\.Srv on n1 changed 42 s ago \(and 1 more row\): the registry's incremental reload \(every 10 s, rows changed in the last 150 s\) takes it, .* check again in about 10 s$/)
    const old = reloadHint([change({ageSeconds: 200})])
    assert.match(old!, /changed 200 s ago: too long ago for the incremental reload \(rows changed in the last 150 s\), only the full reload \(every 300 s\) takes it, .* check again in 300 s$/)
    assert.equal(reloadHint([change({ageSeconds: 301})]), null)
    assert.equal(reloadHint([]), null)
  })
})

describe('answers, disagreements, verdicts', () => {
  const address = (host: string, network: string) => ({host, port: 17890, network})
  const answer = (host: string, network: string, active: AnsweredEndpoint[], over: Partial<Parameters<typeof buildAnswer>[0]> = {}): AnswerRecord => buildAnswer({
    object: OBJ, address: address(host, network), query: 'findObjectById4Any', setId: null, clientIp: '10.10.0.9', status: 'ok', error: null,
    answer: {ret: 0, active, inactive: expandedInactive()}, expected: EXPECTED, changes: [], networks: NETS, ...over,
  })
  const registry = (host: string, status: RegistryRecord['status'] = 'ok'): RegistryRecord => ({host, port: 17890, network: 'x', status, latencyMs: status === 'ok' ? 0.3 : null, error: null, clientIp: null, asked: 1, answered: status === 'ok' ? 1 : 0})

  it('a record carries what was handed out, the verdict and, for a difference in the window, the hint', () => {
    const changes: RecentChange[] = [{table: 't_adapter_conf', application: 'App', serverName: 'Srv', nodeName: 'n1', servant: OBJ, ageSeconds: 5}]
    const r = answer('10.10.0.2', 'x', expandedActive().slice(1), {changes})
    assert.equal(r.verdict, 'differs')
    assert.equal(r.active.length, 4)
    assert.equal(r.active[0].network, 'y')
    assert.match(r.hint!, /changed 5 s ago/)
    const ok = answer('10.10.0.2', 'x', expandedActive(), {changes})
    assert.equal(ok.hint, null)
    const none = answer('10.10.0.2', 'x', [], {status: 'timeout', answer: null, error: {code: 'ETIMEDOUT', message: 'no answer'}})
    assert.equal(none.verdict, null)
    assert.equal(none.ret, null)
  })

  it('names the addresses that disagree; caller-relative queries are compared per caller only', () => {
    const a = answer('10.10.0.2', 'x', expandedActive())
    const b = answer('10.20.0.2', 'y', expandedActive())
    const c = answer('10.10.0.3', 'x', [ep('0.0.0.0', 7001, 'n1'), ep('0.0.0.0', 7001, 'n2'), ep('10.10.0.4')])
    const d = replicaDisagreements([a, b, c])
    assert.equal(d.length, 1)
    assert.deepEqual(d[0].groups.map((g) => [g.addresses, g.verdict]), [[['10.10.0.2:17890 (x)', '10.20.0.2:17890 (y)'], 'agrees'], [['10.10.0.3:17890 (x)'], 'differs']])
    const g1 = {...a, query: 'findObjectByIdInSameGroup' as const, clientIp: '10.10.0.9'}
    const g2 = {...c, query: 'findObjectByIdInSameGroup' as const, clientIp: '10.20.0.9'}
    assert.deepEqual(replicaDisagreements([g1, g2]), [])
    assert.equal(replicaDisagreements([g1, {...g2, clientIp: '10.10.0.9'}]).length, 1)
  })

  it('exit 0 all agree; 1 differs, unexpanded, disagreeing or partly unanswered; 2 nobody answered', () => {
    const good = answer('10.10.0.2', 'x', expandedActive())
    assert.equal(summarizeCheck([registry('10.10.0.2')], [good], [], true).exitCode, 0)
    const bad = answer('10.10.0.3', 'x', expandedActive().slice(1))
    const s1 = summarizeCheck([registry('10.10.0.2'), registry('10.10.0.3')], [good, bad], replicaDisagreements([good, bad]), true)
    assert.deepEqual([s1.exitCode, s1.verdict], [1, 'differs'])
    assert.match(s1.lines.at(-1)!, /^DIFFERS: a registry hands out something other than the database says; registry addresses disagree/)
    const down = summarizeCheck([registry('10.10.0.2'), registry('10.10.0.3', 'refused')], [good], [], true)
    assert.deepEqual([down.exitCode, down.verdict], [1, 'differs'])
    assert.match(down.lines.join('\n'), /not answering: 10\.10\.0\.3:17890 \(x\) refused/)
    const none = summarizeCheck([registry('10.10.0.2', 'timeout'), registry('10.10.0.3', 'refused')], [], [], true)
    assert.deepEqual([none.exitCode, none.verdict], [2, 'unreachable'])
    // Without a database, answers that agree with each other are ok.
    const uncompared = buildAnswer({object: OBJ, address: address('10.10.0.2', 'x'), query: 'findObjectById4Any', setId: null, clientIp: null, status: 'ok', error: null, answer: {ret: 0, active: [], inactive: []}, expected: null, changes: [], networks: NETS})
    assert.equal(summarizeCheck([registry('10.10.0.2')], [uncompared], [], false).exitCode, 0)
  })

  it('the verdict at the top is the worst answer\'s kind: all unexpanded or agreeing is unexpanded, not differs', () => {
    const good = answer('10.10.0.2', 'x', expandedActive())
    const un = answer('10.10.0.2', 'x', [ep('0.0.0.0', 7001, 'n1'), ep('0.0.0.0', 7001, 'n2'), ep('10.10.0.4')], {answer: {ret: 0, active: [ep('0.0.0.0', 7001, 'n1'), ep('0.0.0.0', 7001, 'n2'), ep('10.10.0.4')], inactive: [ep('0.0.0.0', 7001, 'n3')]}})
    assert.equal(un.verdict, 'unexpanded')
    const s = summarizeCheck([registry('10.10.0.2')], [good, un], [], true)
    assert.deepEqual([s.verdict, s.exitCode], ['unexpanded', 1])
    assert.match(s.lines.at(-1)!, /^UNEXPANDED: a registry hands out 0\.0\.0\.0 unexpanded/)
    const regrouped = answer('10.10.0.2', 'x', expandedActive().map((e) => ({...e, groupworkid: -1, grouprealid: e.host === '10.10.0.4' ? 3 : -1})), {
      answer: {ret: 0, active: expandedActive().map((e) => ({...e, groupworkid: -1, grouprealid: e.host === '10.10.0.4' ? 3 : -1})), inactive: expandedInactive().map((e) => ({...e, groupworkid: -1, grouprealid: -1}))},
    })
    assert.equal(regrouped.verdict, 'groups-differ')
    assert.deepEqual(regrouped.groupMismatches, ['n4 10.10.0.4:7001: groupworkid/grouprealid -1/3 from the registry, -1/-1 from the database'])
    const g = summarizeCheck([registry('10.10.0.2')], [good, regrouped], [], true)
    assert.deepEqual([g.verdict, g.exitCode], ['groups-differ', 1])
    assert.match(g.lines[0], /1 agree, 1 with other group ids/)
    assert.deepEqual(summarizeCheck([registry('10.10.0.2')], [regrouped, un], [], true).verdict, 'unexpanded')
    // Two addresses, one expanding and one not: they disagree, but each answer is judged against the database
    // and none differs, so the top is still the worst answer's kind; without a database the disagreement is all.
    const old = answer('10.10.0.3', 'x', [], {answer: {ret: 0, active: [ep('0.0.0.0', 7001, 'n1'), ep('0.0.0.0', 7001, 'n2'), ep('10.10.0.4')], inactive: [ep('0.0.0.0', 7001, 'n3')]}})
    const split = replicaDisagreements([good, old])
    assert.equal(split.length, 1)
    const two = summarizeCheck([registry('10.10.0.2'), registry('10.10.0.3')], [good, old], split, true)
    assert.deepEqual([two.verdict, two.exitCode], ['unexpanded', 1])
    assert.match(two.lines.at(-1)!, /^UNEXPANDED: registry addresses disagree with each other; a registry hands out 0\.0\.0\.0 unexpanded/)
    const blind = [good, old].map((a) => ({...a, verdict: null}))
    assert.deepEqual(summarizeCheck([registry('10.10.0.2'), registry('10.10.0.3')], blind, replicaDisagreements(blind), false).verdict, 'differs')
    assert.deepEqual(summarizeCheck([registry('10.10.0.2')], [regrouped, un, answer('10.10.0.3', 'x', expandedActive().slice(1))], [], true).verdict, 'differs')
  })

  it('groups are compared as an open-source registry gives them for unexpanded answers: a 0.0.0.0 endpoint in group -1', () => {
    const rules = [{groupId: 1, groupName: 'x', allowIpRule: '10.10.0.*'}, {groupId: 2, groupName: 'y', allowIpRule: '10.20.0.*'}]
    const rows = {...ROWS, servers: ROWS.servers.map((s) => ({...s, enableGroup: 'Y'}))}
    const groups = {rules, priorities: []}
    const expanded = resolveObject({object: OBJ, rows, nodes: NODES, networks: NETS, groups})
    const stored = resolveObject({object: OBJ, rows, nodes: NODES, networks: NETS, groups, groupIdsFrom: 'stored'})
    const g = (host: string, nodeName: string, id: number) => ({...ep(host, 7001, nodeName), groupworkid: id, grouprealid: id})
    const answer = {ret: 0, active: [g('0.0.0.0', 'n1', -1), g('0.0.0.0', 'n2', -1), g('10.10.0.4', 'n4', 1)], inactive: [g('0.0.0.0', 'n3', -1)]}
    const c = compareAnswer(expanded, answer, NETS, () => stored)
    assert.deepEqual([c.verdict, c.groupMismatches], ['unexpanded', []])
    // Against the expanded IPs' groups, the same answer would look regrouped.
    const wrong = compareAnswer(expanded, answer, NETS)
    assert.equal(wrong.verdict, 'unexpanded')
    assert.ok(wrong.groupMismatches.length > 0)
  })
})

describe('parseLocator', () => {
  it('reads a client\'s locator with the endpoint grammar: IPv6 hosts, -t, duplicates once', () => {
    const l = parseLocator('tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 17890 -t 60000:tcp -h fd00:20::2 -p 17890:tcp -h 10.10.0.2 -p 17890')
    assert.equal(l.servant, 'tars.tarsregistry.QueryObj')
    assert.deepEqual(l.addresses, [{host: '10.10.0.2', port: 17890}, {host: 'fd00:20::2', port: 17890}])
  })

  it('refuses what cannot be asked, in one line naming where it came from', () => {
    const bad: Array<[string, RegExp]> = [
      ['', /it is empty/],
      ['tcp -h 10.10.0.2 -p 17890', /has no '@'/],
      ['tars.tarsregistry.QueryObj@', /no endpoint after @/],
      ['tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p abc', /-p needs a port/],
      ['tars.tarsregistry.QueryObj@tcp -p 17890', /host must not be empty/],
      ['tars.tarsregistry.QueryObj@udp -h 10.10.0.2 -p 17890', /only tcp endpoints/],
      ['tars.tarsregistry.QueryObj@tcp -h 0.0.0.0 -p 17890', /not an address to connect to/],
      ['tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 0', /has no port/],
      ['@tcp -h 10.10.0.2 -p 17890', /no object name/],
    ]
    for (const [text, why] of bad) {
      assert.throws(() => parseLocator(text, 'profile plant1'), (e: Error & {code?: string}) => {
        assert.equal(e.code, 'invalid_locator')
        assert.match(e.message, /^invalid locator \(profile plant1\): /)
        assert.match(e.message, why)
        assert.ok(!e.message.includes('\n'))
        return true
      }, text)
    }
  })
})

describe('indexObjects', () => {
  it('gives each servant its adapters, the server rows they hang on, its registry rows and its nodes', () => {
    const index = indexObjects({
      nodes: [...NODES, node('10.10.0.9', '10.10.0.9,10.20.0.9')],
      servers: [...ROWS.servers, server('n1', {serverName: 'Other'})],
      adapters: [...ROWS.adapters, adapter('n1', 'tcp -h 0.0.0.0 -p 9', {serverName: 'Other', servant: 'App.Other.Obj'})],
      registry: [{locatorId: '10.10.0.9:17890', servant: 'tars.tarsregistry.QueryObj', endpoint: 'tcp -h 0.0.0.0 -p 17890', presentState: 'active', lastHeartbeat: null, enableGroup: 'N', tarsVersion: '3.0.19'}],
    })
    assert.deepEqual(index.objects, ['App.Other.Obj', OBJ, 'tars.tarsregistry.QueryObj'])
    const one = index.get(OBJ)
    assert.equal(one.rows.adapters.length, 4)
    assert.equal(one.rows.servers.length, 4)
    assert.deepEqual(one.nodes.map((n) => n.nodeName), ['n1', 'n2', 'n3', 'n4'])
    assert.deepEqual(resolveObject({object: OBJ, ...one, networks: NETS}).active, EXPECTED.active)
    assert.deepEqual(index.get('tars.tarsregistry.QueryObj').nodes.map((n) => n.nodeName), ['10.10.0.9'])
    assert.deepEqual(index.get('No.Such.Obj').rows, {servers: [], adapters: [], registry: []})
  })
})
