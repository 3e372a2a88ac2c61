/**
 * `tarsnet impact` end to end, in-process, against a throwaway db_tars on the real MariaDB. Every cut
 * kind (a network, a NIC, a node, cuts combined, a NIC the node does not have), servants bound to one IP,
 * IPv6 wildcards, the registry on one network, raft groups that keep quorum and one that loses it while
 * clients still see endpoints; exit codes and one-line errors; the demo.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

const NETWORKS = 'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16,fd00:20::/64'
const ANY = 'tcp -h 0.0.0.0 -p 9000 -t 60000'

let db: TestDb
let dir: string

async function seed(t: TestDb): Promise<void> {
  await t.addNodes([
    ...[1, 2, 3].map((i) => ({node_name: `n${i}`, ip_list: `10.10.0.${i},10.20.0.${i}`})),
    {node_name: 'n4', ip_list: '10.10.0.4,10.20.0.4,fd00:10::4,fd00:20::4'}, // dual stack
    {node_name: 'n6', ip_list: '10.10.0.6'}, // no y
  ])
  const servers: Array<[string, string]> = [
    ['Web', 'n1'], ['Web', 'n2'], ['Web', 'n3'],
    ['Pin', 'n1'], ['Pin', 'n2'],
    ['V6', 'n4'], ['V4', 'n4'],
    ['Lone', 'n6'],
    ['Raft', 'n1'], ['Raft', 'n2'], ['Raft', 'n3'],
  ]
  await t.addServers(servers.map(([s, node_name]) => ({application: 'App', server_name: s, node_name})))
  const a = (s: string, node_name: string, endpoint: string) => ({application: 'App', server_name: s, node_name, endpoint, servant: `App.${s}.Obj`})
  await t.addAdapters([
    a('Web', 'n1', ANY), a('Web', 'n2', ANY), a('Web', 'n3', ANY),
    a('Pin', 'n1', 'tcp -h 10.10.0.1 -p 9100'), a('Pin', 'n2', 'tcp -h 10.10.0.2 -p 9100'),
    a('V6', 'n4', 'tcp -h :: -p 9200'), a('V4', 'n4', 'tcp -h 0.0.0.0 -p 9300'),
    a('Lone', 'n6', ANY),
    a('Raft', 'n1', 'tcp -h 0.0.0.0 -p 9400'), a('Raft', 'n2', 'tcp -h 0.0.0.0 -p 9400'), a('Raft', 'n3', 'tcp -h 0.0.0.0 -p 9400'),
  ])
  // The registry on n1's x address only.
  await t.query("INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES ('n1:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 10.10.0.1 -p 17890 -t 60000', NOW(), 'active', '3.0.19')")
}

const cli = (...args: string[]) => runCommand(['impact', ...args, '--db', db.url, '--networks', NETWORKS])
async function impact(...args: string[]) {
  const r = await cli(...args, '--json')
  assert.ok(r.code >= 0 && r.code <= 2, r.stderr + r.stdout)
  const json = r.json()
  assert.equal(json.exitCode, r.code)
  const obj = (name: string) => json.objects.find((o: any) => o.object === `App.${name}.Obj`)
  return {code: r.code, json, obj}
}

describe('tarsnet impact against a real database', () => {
  before(async () => {
    db = await TestDb.create()
    await seed(db)
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-impact-test-'))
  })
  after(async () => {
    await db?.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('network x is cut: the one-IP servants and the registry are down, the rest left on y; every object listed: exit 2', async () => {
    const {code, json, obj} = await impact('--cut', 'x')
    assert.equal(code, 2)
    assert.equal(json.verdict, 'outage')
    assert.deepEqual(json.cuts, [{kind: 'network', network: 'x', text: 'x'}])
    assert.equal(json.objects.length, 7) // six App objects and the registry's QueryObj
    assert.deepEqual(obj('Web'), {
      object: 'App.Web.Obj', status: 'degraded',
      before: {activeEndpoints: 6, nodes: 3, networks: ['x', 'y'], byNode: [1, 2, 3].map((i) => ({node: `n${i}`, networks: ['x', 'y']}))},
      after: {activeEndpoints: 3, nodes: 3, networks: ['y'], byNode: [1, 2, 3].map((i) => ({node: `n${i}`, networks: ['y']}))},
      lost: [1, 2, 3].map((i) => ({node: `n${i}`, network: 'x', endpoint: `tcp -h 10.10.0.${i} -p 9000 -t 60000`})),
      singleNode: false, singleNetwork: true, alreadyDown: false,
    })
    assert.equal(obj('Pin').status, 'down')
    assert.equal(obj('Lone').status, 'down')
    // :: on a dual-stack node: four endpoints, the two on x are lost (IPv4 and IPv6 alike).
    assert.deepEqual([obj('V6').before.activeEndpoints, obj('V6').after.activeEndpoints, obj('V6').lost.map((l: any) => l.endpoint)],
      [4, 2, ['tcp -h 10.10.0.4 -p 9200 -t 3000', 'tcp -h fd00:10::4 -p 9200 -t 3000']])
    // 0.0.0.0 on the same node: its IPv4 addresses only.
    assert.deepEqual([obj('V4').before.activeEndpoints, obj('V4').after.activeEndpoints], [2, 1])
    assert.equal(json.registry.status, 'down')
    assert.deepEqual(json.summary, {objects: 7, degraded: 4, down: 3, lostRedundancy: 4})
  })

  it('network y is cut: degraded only (the x-only servants and the registry are untouched): exit 1', async () => {
    const {code, json, obj} = await impact('--cut', 'y')
    assert.equal(code, 1)
    assert.equal(json.verdict, 'degraded')
    assert.equal(json.registry.status, 'ok')
    assert.equal(obj('Pin').status, 'ok')
    assert.equal(obj('Lone').status, 'ok')
    assert.equal(obj('Web').status, 'degraded')
  })

  it('a NIC: n1:y loses n1\'s y endpoints only; a NIC the node does not have changes nothing: exit 0', async () => {
    const nic = await impact('--cut', 'n1:y')
    assert.equal(nic.code, 1)
    assert.deepEqual(nic.obj('Web').lost, [{node: 'n1', network: 'y', endpoint: 'tcp -h 10.20.0.1 -p 9000 -t 60000'}])
    assert.equal(nic.obj('Web').singleNetwork, false)
    assert.equal(nic.obj('Pin').status, 'ok')
    const none = await impact('--cut', 'n6:y')
    assert.equal(none.code, 0)
    assert.equal(none.json.verdict, 'ok')
    assert.ok(none.json.objects.every((o: any) => o.status === 'ok' && o.lost.length === 0))
    assert.equal(none.json.registry.status, 'ok')
    const text = await cli('--cut', 'n6:y')
    assert.equal(text.code, 0)
    assert.match(text.stdout, /^OK: 0 down, 0 degraded \(0 left on one node or network\) of 7 objects$/m)
  })

  it('a node: n1 down takes the registry with it, App.Pin is left on one node', async () => {
    const {code, json, obj} = await impact('--cut', 'n1')
    assert.equal(code, 2)
    assert.equal(json.registry.status, 'down')
    assert.deepEqual([obj('Pin').status, obj('Pin').singleNode, obj('Pin').after.nodes], ['degraded', true, 1])
    assert.deepEqual(obj('Web').after, {activeEndpoints: 4, nodes: 2, networks: ['x', 'y'], byNode: [{node: 'n2', networks: ['x', 'y']}, {node: 'n3', networks: ['x', 'y']}]})
    assert.equal(obj('Lone').status, 'ok')
  })

  it('cuts combined, and the table shows only the affected objects', async () => {
    const {json, obj} = await impact('--cut', 'n2', '--cut', 'n3:x', '--cut', 'n4')
    assert.deepEqual(json.cuts.map((c: any) => c.text), ['n2', 'n3:x', 'n4'])
    assert.deepEqual(obj('Web').after, {activeEndpoints: 3, nodes: 2, networks: ['x', 'y'], byNode: [{node: 'n1', networks: ['x', 'y']}, {node: 'n3', networks: ['y']}]})
    assert.equal(obj('V6').status, 'down')
    const text = await runCommand(['impact', '--cut', 'n2', '--cut', 'n3:x', '--cut', 'n4', '--db', db.url, '--networks', NETWORKS], {env: {COLUMNS: '200'}})
    assert.equal(text.code, 2)
    assert.match(text.stdout, /^Cut: n2, n3:x, n4$/m)
    assert.match(text.stdout, /^Registry: ok \(1 ep, 1 node, x → 1 ep, 1 node, x\)$/m)
    assert.match(text.stdout, /^App\.V6\.Obj +down +4 ep, 1 node, x\+y +0 ep, 0 nodes, no network +4 +nothing$/m)
    // LEFT ON names the nodes still serving it, each with its networks.
    assert.match(text.stdout, /^App\.Web\.Obj +degraded .* +n1 \(x\+y\), n3 \(y\)$/m)
    assert.doesNotMatch(text.stdout, /App\.Lone\.Obj/)
    assert.match(text.stdout, /^OUTAGE: /m)
  })

  it('raft: a group that keeps quorum without a member, and one that loses it while clients still see endpoints', async () => {
    const keeps = await impact('--cut', 'n1', '--raft', 'App.Raft.Obj')
    assert.deepEqual(keeps.json.raft, [{
      object: 'App.Raft.Obj', members: ['n1', 'n2', 'n3'], reachablePairs: [['n2', 'n3']], majority: 2, largestGroup: ['n2', 'n3'], quorum: true, quorumBefore: true,
    }])
    // n1 only on y, n2 only on x, n3 down: n1 and n2 share no network. Clients still reach both.
    const loses = await impact('--cut', 'n1:x', '--cut', 'n2:y', '--cut', 'n3', '--raft', 'App.Raft.Obj')
    assert.equal(loses.code, 2)
    assert.equal(loses.json.verdict, 'outage')
    const r = loses.json.raft[0]
    assert.deepEqual([r.reachablePairs, r.quorum, r.quorumBefore, r.largestGroup.length], [[], false, true, 1])
    const raftObj = loses.obj('Raft')
    assert.equal(raftObj.status, 'degraded')
    assert.deepEqual(raftObj.after, {activeEndpoints: 2, nodes: 2, networks: ['x', 'y'], byNode: [{node: 'n1', networks: ['y']}, {node: 'n2', networks: ['x']}]})
    // Without the node cut, n3 bridges the two: every member still reaches a majority (the registry on n1's x is down: exit 2).
    const bridged = await impact('--cut', 'n1:x', '--cut', 'n2:y', '--raft', 'App.Raft.Obj')
    assert.deepEqual([bridged.json.raft[0].reachablePairs, bridged.json.raft[0].quorum, bridged.json.registry.status], [[['n1', 'n3'], ['n2', 'n3']], true, 'down'])
    const text = await runCommand(['impact', '--cut', 'n1:x', '--cut', 'n2:y', '--cut', 'n3', '--raft', 'App.Raft.Obj', '--db', db.url, '--networks', NETWORKS], {env: {COLUMNS: '200'}})
    assert.match(text.stdout, /^App\.Raft\.Obj +3 +0\/3 +1 \(majority 2\) +LOST$/m)

    // A member the cut took down is in no group: n1 down, n2 left on y, n3 on x; and none at all when every member is down.
    const split = await impact('--cut', 'n1', '--cut', 'n2:x', '--cut', 'n3:y', '--raft', 'App.Raft.Obj')
    assert.deepEqual([split.json.raft[0].largestGroup.length, split.json.raft[0].largestGroup.includes('n1'), split.json.raft[0].quorum], [1, false, false])
    const gone = await impact('--cut', 'n1', '--cut', 'n2', '--cut', 'n3', '--raft', 'App.Raft.Obj')
    assert.deepEqual([gone.json.raft[0].largestGroup, gone.json.raft[0].quorum], [[], false])
  })

  it('--object narrows the objects; the registry is judged all the same', async () => {
    const {json} = await impact('--cut', 'x', '--object', 'App.W*', '--object', 'App.Lone.Obj')
    assert.deepEqual(json.objects.map((o: any) => o.object), ['App.Lone.Obj', 'App.Web.Obj'])
    assert.equal(json.registry.status, 'down')
  })

  it('bad input: unknown cut names in one line, exit 3; no cut; an unknown raft object; bad files', async () => {
    const bad = await cli('--cut', 'z', '--cut', 'n9:y', '--cut', 'n1:q', '--cut', 'x')
    assert.equal(bad.code, 3)
    assert.equal(bad.stderr, "error: unknown --cut names: 'z' (no network or node of that name), 'n9:y' (no node n9), 'n1:q' (no network q); the networks are x, y, nodes are t_node_info names, a node's interface is NODE:NETWORK\n")
    const badJson = await cli('--cut', 'z', '--json')
    assert.equal(badJson.code, 3)
    assert.equal(badJson.json().error.code, 'unknown_cut')
    const none = await cli()
    assert.equal(none.code, 3)
    assert.match(none.stderr, /^error: nothing to cut: give --cut SPEC/)
    const raft = await cli('--cut', 'x', '--raft', 'App.Nope.Obj')
    assert.equal(raft.code, 3)
    assert.match(raft.stderr, /^error: unknown --raft object: 'App\.Nope\.Obj'/)
    const notJson = join(dir, 'garbage.json')
    writeFileSync(notJson, '{ not json')
    const wrong = join(dir, 'wrong.json')
    writeFileSync(wrong, JSON.stringify({links: []}))
    const wrongMesh = join(dir, 'wrong-mesh.json')
    writeFileSync(wrongMesh, JSON.stringify({links: [{from: 'n1', to: 'n2'}]}))
    for (const [flag, file, message] of [
      ['--from-probe', join(dir, 'missing.json'), 'no such file'],
      ['--from-probe', notJson, 'not JSON; give the file `tarsnet probe --json` wrote'],
      ['--from-probe', wrong, 'not a probe result (no "results" list)'],
      ['--from-mesh', wrongMesh, 'link 1 is not a mesh link (from, to, host, status)'],
      ['--from-mesh', dir, 'is a directory'],
    ]) {
      const r = await cli(flag, file)
      assert.equal(r.code, 3, r.stderr)
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      assert.ok(r.stderr.startsWith(`error: ${flag} ${file}: ${message}`), r.stderr)
    }
  })

  it('the demo: --cut y leaves everything on x; --cut x takes the registry', async () => {
    const y = await runCommand(['impact', '--demo', '--cut', 'y', '--json'])
    assert.equal(y.code, 1, y.stderr)
    assert.equal(y.json().verdict, 'degraded')
    assert.equal(y.json().registry.status, 'ok')
    const text = await runCommand(['impact', '--demo', '--cut', 'y'])
    assert.match(text.stdout, /^DEGRADED: 0 down, 3 degraded/m)
    const x = await runCommand(['impact', '--demo', '--cut', 'x', '--json'])
    assert.equal(x.code, 2)
    assert.equal(x.json().registry.status, 'down')
  })
})
