/**
 * Against the real thing: TarsFramework's own tarsregistry (fe8e741 with TarsCpp 622165c, built from
 * ../shared/vendor by scripts/peers/build-tarsregistry.sh), standalone on loopback, on a db_tars made from
 * TarsFramework's db_tars.sql. Its answers — asked with our QueryF client and with npm's @tars/registry — are
 * the oracle: `registry check` (plain, --all, --group --client-node for nodes in two IDC groups), `resolve`,
 * and the lab's registry playing an open-source one (what the demo serves), which must answer every question
 * the same way.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createRequire} from 'node:module'
import {after, before, describe, it} from 'node:test'

import {closedPort} from '../../src/lab/listeners.js'
import type {RegistryReplica} from '../../src/lab/registry-server.js'
import {startStoreRegistry} from '../../src/lab/store-registry.js'
import {parseDbUrl} from '../../src/store/db-url.js'
import {askAddress, type Question} from '../../src/registry/client.js'
import {openStoreFrom} from '../../src/store/open.js'
import type {Store} from '../../src/store/types.js'
import {REGISTRY_QUERY_OBJ, type EndpointF, type QueryAnswer} from '../../src/tars/queryf.js'
import {ROOT} from '../helpers/cli.js'
import {runCommand} from '../helpers/run.js'
import {RealRegistry} from '../helpers/real-registry.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const registryClient = require('@tars/registry') as any

const N1 = '127.93.1.2'
const N2 = '127.93.2.2'
const GROUPED = 'Lab.Grouped.Obj'
const WILD = 'Lab.Wild.Obj'
const STAR = 'Lab.Star.Obj'
const NOHOST = 'Lab.NoHost.Obj'
const FLIP = 'Lab.Flip.Obj'
const SET = 'Lab.Set.Obj'
const OBJECTS = [GROUPED, WILD, STAR, NOHOST, FLIP, SET, REGISTRY_QUERY_OBJ]

// Two nodes named by their IPs, each with a second IP, in two IDC groups. Grouped and Flip bind each node's
// first IP; Wild binds 0.0.0.0 (grouped), Star `-h *`, NoHost no -h; Set has a set per node.
const SEED = `
INSERT INTO t_node_info (node_name, endpoint_ip, present_state, setting_state, tars_version, ip_list) VALUES
  ('${N1}', '${N1}', 'active', 'active', '3.0.22', '${N1},127.93.101.2'), ('${N2}', '${N2}', 'active', 'active', '3.0.22', '${N2},127.93.102.2');
INSERT INTO t_server_group_rule (group_id, allow_ip_rule, group_name) VALUES (1, '127.93.1.*|127.93.101.*', 'hall-a'), (2, '127.93.2.*|127.93.102.*', 'hall-b');
INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state, enable_group, enable_set, set_name, set_area, set_group) VALUES
  ('Lab', 'Grouped', '${N1}', 'active', 'active', 'Y', 'N', NULL, NULL, NULL), ('Lab', 'Grouped', '${N2}', 'active', 'active', 'Y', 'N', NULL, NULL, NULL),
  ('Lab', 'Wild', '${N1}', 'active', 'active', 'Y', 'N', NULL, NULL, NULL), ('Lab', 'Wild', '${N2}', 'active', 'active', 'Y', 'N', NULL, NULL, NULL),
  ('Lab', 'Star', '${N1}', 'active', 'active', 'N', 'N', NULL, NULL, NULL), ('Lab', 'NoHost', '${N2}', 'active', 'active', 'N', 'N', NULL, NULL, NULL),
  ('Lab', 'Flip', '${N1}', 'active', 'active', 'N', 'N', NULL, NULL, NULL), ('Lab', 'Flip', '${N2}', 'active', 'active', 'N', 'N', NULL, NULL, NULL),
  ('Lab', 'Set', '${N1}', 'active', 'active', 'N', 'Y', 'lab', 'sz', '1'), ('Lab', 'Set', '${N2}', 'active', 'active', 'N', 'Y', 'lab', 'sz', '2');
INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant) VALUES
  ('Lab', 'Grouped', '${N1}', 'Lab.Grouped.ObjAdapter', 'tcp -h ${N1} -p 7001 -t 60000', '${GROUPED}'),
  ('Lab', 'Grouped', '${N2}', 'Lab.Grouped.ObjAdapter', 'tcp -h ${N2} -p 7001 -t 60000', '${GROUPED}'),
  ('Lab', 'Wild', '${N1}', 'Lab.Wild.ObjAdapter', 'tcp -h 0.0.0.0 -p 7002 -t 60000', '${WILD}'),
  ('Lab', 'Wild', '${N2}', 'Lab.Wild.ObjAdapter', 'tcp -h 0.0.0.0 -p 7002 -t 60000', '${WILD}'),
  ('Lab', 'Star', '${N1}', 'Lab.Star.ObjAdapter', 'tcp -h * -p 7003 -t 60000', '${STAR}'),
  ('Lab', 'NoHost', '${N2}', 'Lab.NoHost.ObjAdapter', 'tcp -p 7004 -t 60000', '${NOHOST}'),
  ('Lab', 'Flip', '${N1}', 'Lab.Flip.ObjAdapter', 'tcp -h ${N1} -p 7005 -t 60000', '${FLIP}'),
  ('Lab', 'Flip', '${N2}', 'Lab.Flip.ObjAdapter', 'tcp -h ${N2} -p 7005 -t 60000', '${FLIP}'),
  ('Lab', 'Set', '${N1}', 'Lab.Set.ObjAdapter', 'tcp -h ${N1} -p 7006 -t 60000', '${SET}'),
  ('Lab', 'Set', '${N2}', 'Lab.Set.ObjAdapter', 'tcp -h ${N2} -p 7006 -t 60000', '${SET}');
UPDATE t_server_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR;
UPDATE t_adapter_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR;
`

/** An answer as a comparable value: the return code and each list as a sorted set of whole EndpointFs. */
const canonical = (a: QueryAnswer | null) => a && {ret: a.ret, active: sorted(a.active), inactive: sorted(a.inactive)}
const sorted = (eps: EndpointF[]) => eps.map((e) => JSON.stringify(e)).sort()
const hosts = (eps: Array<{host: string; port: number}>) => eps.map((e) => `${e.host}:${e.port}`).sort()

describe('the real tarsregistry (TarsFramework fe8e741) as the oracle', () => {
  let real: RealRegistry
  let store: Store | undefined
  let lab: RegistryReplica[] = []
  const check = (args: string[]) => runCommand(['registry', 'check', ...args, '--db', real.dbUrl])
  const ask = (questions: Question[], context?: Record<string, string>) => askAddress(real.host, real.queryPort, REGISTRY_QUERY_OBJ, questions, {timeoutMs: 3000, context})

  before(async () => {
    real = await RealRegistry.start({seed: SEED})
  })
  after(async () => {
    await Promise.all(lab.map((r) => r.close()))
    await store?.close()
    await real?.stop()
  })

  it('the build script is idempotent: with the binary cached it says so in one line', () => {
    const again = spawnSync('bash', [join(ROOT, 'scripts/peers/build-tarsregistry.sh')], {encoding: 'utf8'})
    assert.equal(again.status, 0, again.stderr)
    assert.match(again.stdout, /^tarsregistry-fe8e741: cached at \S+\/tarsregistry-fe8e741\/bin\/tarsregistry\n$/)
  })

  it('registry check: wildcards come back unexpanded, the rest agrees; the top says unexpanded; a wildcard is on no network', async () => {
    const r = await check([...OBJECTS, '--json'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const j = r.json()
    const verdicts = Object.fromEntries(j.answers.map((a: any) => [a.object, a.verdict]))
    assert.deepEqual(verdicts, {
      [GROUPED]: 'agrees', [WILD]: 'unexpanded', [STAR]: 'unexpanded', [NOHOST]: 'unexpanded', [FLIP]: 'agrees', [SET]: 'agrees', [REGISTRY_QUERY_OBJ]: 'agrees',
    })
    assert.deepEqual([j.verdict, j.exitCode], ['unexpanded', 1])
    const wild = j.answers.find((a: any) => a.object === WILD)
    assert.deepEqual(wild.active.map((e: any) => [e.host, e.network]), [['0.0.0.0', null], ['0.0.0.0', null]])
    assert.deepEqual(wild.groupMismatches, [])
    // The registry was found through its own t_registry_info row.
    assert.deepEqual(j.registries.map((x: any) => [x.host, x.port, x.status]), [[real.host, real.queryPort, 'ok']])
    const table = await check(OBJECTS)
    assert.match(table.stdout, /^UNEXPANDED: a registry hands out 0\.0\.0\.0 unexpanded/m)
    assert.doesNotMatch(table.stdout + table.stderr, /0\.0\.0\.0\/24/)
  })

  it('registry check --all: every object, the registry\'s own included; the top says unexpanded', async () => {
    const r = await check(['--all', '--json'])
    const j = r.json()
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.deepEqual([j.verdict, j.counts.differs, j.counts.groupsDiffer], ['unexpanded', 0, 0])
    assert.equal(j.counts.unexpanded, 3)
    assert.ok(j.answers.some((a: any) => a.object === 'tars.tarsregistry.RegistryObj' && a.verdict === 'agrees'), JSON.stringify(j.answers.map((a: any) => [a.object, a.verdict])))
  })

  it('--group --client-node: the registry\'s answer for that node\'s node_name, one node in each IDC group; callerNodeName shown', async () => {
    for (const [node, own] of [[N1, `${N1}:7001`], [N2, `${N2}:7001`]]) {
      // The oracle: the real registry asked with node_name, as a client on that node asks.
      const oracle = await ask([{fn: 'findObjectByIdInSameGroup', args: {id: GROUPED}}], {node_name: node})
      assert.deepEqual(hosts(oracle.outcomes[0].answer!.active), [own])
      // Named by its second IP: the node is found, and its name is what is sent.
      const other = node === N1 ? '127.93.101.2' : '127.93.102.2'
      const r = await check([GROUPED, WILD, '--group', '--client-node', other, '--json'])
      const j = r.json()
      assert.equal(j.callerNodeName, node)
      const grouped = j.answers.find((a: any) => a.object === GROUPED)
      assert.deepEqual([grouped.callerNodeName, grouped.verdict, hosts(grouped.active)], [node, 'agrees', [own]])
      // 0.0.0.0 is in group -1 on this registry: the node is told both, as an open-source registry groups.
      const wild = j.answers.find((a: any) => a.object === WILD)
      assert.deepEqual([wild.verdict, wild.active.length, wild.groupMismatches], ['unexpanded', 2, []])
      assert.deepEqual([j.verdict, r.code], ['unexpanded', 1])
    }
    // Without node_name the registry answers for the TCP peer (127.0.0.1, in no group): both; labelled so.
    const none = (await check([GROUPED, '--group', '--json'])).json()
    assert.deepEqual([none.callerNodeName, none.answers[0].callerNodeName, hosts(none.answers[0].active)], [null, null, [`${N1}:7001`, `${N2}:7001`]])
    const oracle = await ask([{fn: 'findObjectByIdInSameGroup', args: {id: GROUPED}}])
    assert.deepEqual(hosts(oracle.outcomes[0].answer!.active), [`${N1}:7001`, `${N2}:7001`])
    const table = await check([GROUPED, '--group', '--client-node', N2])
    assert.equal(table.code, 0, table.stdout + table.stderr)
    assert.match(table.stdout, /CALLER[\s\S]*node_name 127\.93\.2\.2/)
  })

  it('resolve --client-node tells what the registry tells that node; --live agrees or says unexpanded', async () => {
    for (const node of [N1, N2]) {
      const r = await runCommand(['resolve', GROUPED, '--db', real.dbUrl, '--client-node', node, '--json'])
      assert.equal(r.code, 0, r.stderr)
      const view = r.json().clientViews[0]
      const oracle = await ask([{fn: 'findObjectByIdInSameGroup', args: {id: GROUPED}}], {node_name: node})
      assert.deepEqual([view.callerNodeName, hosts(view.active)], [node, hosts(oracle.outcomes[0].answer!.active)])
    }
    // A wildcard's group: tarsnet's expansion groups the IPs, the open-source registry the stored host (-1): said.
    const wild = await runCommand(['resolve', WILD, '--db', real.dbUrl, '--client-node', N1])
    assert.match(wild.stdout, /open-source registry takes them from the host as stored, so its 0\.0\.0\.0 endpoints are in group -1/)
    const live = await runCommand(['resolve', GROUPED, '--db', real.dbUrl, '--live', '--json'])
    assert.equal(live.json().live.verdict, 'ok', live.stdout)
    // With --client-node, --live asks as that client does: InSameGroup with its node_name.
    const liveNode = (await runCommand(['resolve', GROUPED, '--db', real.dbUrl, '--client-node', N2, '--live', '--json'])).json().live
    assert.deepEqual([liveNode.query, liveNode.verdict], ['findObjectByIdInSameGroup', 'ok'])
    const liveWild = await runCommand(['resolve', WILD, '--db', real.dbUrl, '--live', '--json'])
    assert.equal(liveWild.json().live.verdict, 'unexpanded', liveWild.stdout)
  })

  it('a row made inactive differs at once, with the hint "about 10 s"; the registry then reloads it and agrees again', async () => {
    const flipped = async () => (await ask([{fn: 'findObjectById4Any', args: {id: FLIP}}])).outcomes[0].answer!.inactive.length === 1
    let hinted: any
    // The registry reloads on its own schedule: if it took the change before we asked, flip it back and again.
    for (let attempt = 0; attempt < 3 && !hinted; attempt++) {
      await real.query(`UPDATE t_server_conf SET present_state = 'inactive' WHERE server_name = 'Flip' AND node_name = '${N2}'`)
      const j = (await check([FLIP, '--json'])).json()
      if (j.answers[0].verdict === 'differs') hinted = j
      else {
        await real.query(`UPDATE t_server_conf SET present_state = 'active' WHERE server_name = 'Flip' AND node_name = '${N2}'`)
        await real.until(async () => !(await flipped()), 'reloaded the row back')
      }
    }
    assert.ok(hinted, 'the registry took every change before it could be asked')
    assert.deepEqual([hinted.verdict, hints(hinted)], ['differs', [true]])
    assert.match(hinted.answers[0].hint, /check again in about 10 s$/)
    await real.until(flipped, 'reloaded the inactive row')
    const after = (await check([FLIP, '--json'])).json()
    assert.deepEqual([after.verdict, after.answers[0].verdict], ['ok', 'agrees'])
    await real.query(`UPDATE t_server_conf SET present_state = 'active' WHERE server_name = 'Flip' AND node_name = '${N2}'`)
    await real.until(async () => !(await flipped()), 'reloaded the row back')
  })

  it('the lab\'s registry playing an open-source one answers every question as the real one does (our client and @tars/registry)', async () => {
    store = await openStoreFrom({kind: 'mysql', url: parseDbUrl(real.dbUrl), password: undefined, connectTimeoutMs: 3000, ipListColumn: 'ip_list'})
    const labHost = '127.93.250.1'
    lab = await startStoreRegistry(store, {hosts: [labHost], port: await closedPort(labHost), expansion: 'stored'})
    const objects = [...OBJECTS, 'tars.tarsregistry.RegistryObj', 'Lab.Nobody.Obj']
    const questions: Question[] = objects.flatMap((id) => [
      {fn: 'findObjectById', args: {id}}, {fn: 'findObjectById4Any', args: {id}}, {fn: 'findObjectById4All', args: {id}},
      {fn: 'findObjectByIdInSameGroup', args: {id}},
      {fn: 'findObjectByIdInSameSet', args: {id, setId: 'lab.sz.1'}}, {fn: 'findObjectByIdInSameSet', args: {id, setId: 'lab.sz.*'}},
    ] satisfies Question[])
    for (const context of [undefined, {node_name: N1}, {node_name: N2}, {node_name: 'c9'}]) {
      const [theirs, ours] = await Promise.all([
        ask(questions, context),
        askAddress(labHost, lab[0].port, REGISTRY_QUERY_OBJ, questions, {timeoutMs: 3000, context}),
      ])
      const differing = questions.flatMap((q, i) => {
        const what = `${q.fn}(${JSON.stringify(q.args)}) with ${JSON.stringify(context ?? {})}`
        const [o, t] = [ours.outcomes[i], theirs.outcomes[i]]
        return o.status === t.status && JSON.stringify(canonical(o.answer)) === JSON.stringify(canonical(t.answer)) ? [] : [{what, ours: canonical(o.answer) ?? o.status, theirs: canonical(t.answer) ?? t.status}]
      })
      assert.deepEqual(differing, [])
    }

    // @tars/registry (Tars.js) asks both with its node_name, as its config's nodename sets it.
    for (const nodeName of [N1, N2]) {
      const answers = []
      for (const locator of [real.locator, lab[0].locator()]) {
        const client = registryClient.New()
        client.setLocator(locator)
        client.initialize()
        client._node_name = nodeName
        const r = await client.findObjectByIdInSameGroup(GROUPED)
        answers.push({ret: r.response.return, active: hosts(r.response.arguments.activeEp.toObject())})
      }
      assert.deepEqual(answers[0], {ret: 0, active: [`${nodeName}:7001`]})
      assert.deepEqual(answers[1], answers[0])
    }
  })
})

function hints(j: any): boolean[] {
  return j.answers.map((a: any) => a.hint !== null)
}

describe('a fresh machine builds the peers', () => {
  it('the test setup (run by npm test and by .ci/run) installs every package the peers\' build scripts say they need', () => {
    // scripts/test-setup.sh's NEEDS: one "package|check|why" line per package.
    const installed = new Set([...readFileSync(join(ROOT, 'scripts/test-setup.sh'), 'utf8').matchAll(/^\s*"([a-z0-9+.-]+)\|/gm)].map((m) => m[1]))
    const scripts = readdirSync(join(ROOT, 'scripts/peers')).filter((f) => f.endsWith('.sh'))
    assert.ok(scripts.length >= 2, scripts.join(', '))
    for (const script of scripts) {
      const needs = /^# Needs: ([^.\n]+)/m.exec(readFileSync(join(ROOT, 'scripts/peers', script), 'utf8'))
      assert.ok(needs, `${script} has a "# Needs:" line`)
      const missing = needs[1].trim().split(/\s+/).filter((pkg) => !installed.has(pkg))
      assert.deepEqual(missing, [], `${script} needs what scripts/test-setup.sh does not install`)
    }
  })
})
