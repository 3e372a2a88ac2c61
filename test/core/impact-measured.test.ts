/**
 * `tarsnet impact --from-probe` / `--from-mesh` on files written by the real commands: `tarsnet probe
 * --json` against a loopback lab (listeners up, SYNs dropped, ports refused) and `tarsnet mesh --json`
 * against the mesh lab (network namespaces, sshd; serialised on /tmp/tarsnet-mesh-lab.lock and torn
 * down by the lab itself). What is broken for clients right now, from what was measured.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Lab, type LabEntry} from '../../src/lab/cluster.js'
import {closedPort} from '../../src/lab/listeners.js'
import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'
import {MeshLab} from '../helpers/mesh-lab.js'

const X = (i: number) => `127.0.181.${i}`
const Y = (i: number) => `127.0.182.${i}`
const NETWORKS = 'x=127.0.181.0/24;y=127.0.182.0/24'

// n1: up on x and y; n2: up on x, dropped on y (timeout); n3: refused on x and y.
describe('impact --from-probe: a file written by the real probe against a loopback lab', () => {
  let db: TestDb
  let lab: Lab
  let dir: string
  let port = 0

  before(async () => {
    port = await closedPort(X(1))
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-impact-probe-'))
    db = await TestDb.create()
    await db.addNodes([1, 2, 3].map((i) => ({node_name: `n${i}`, ip_list: `${X(i)},${Y(i)}`})))
    await db.addServers([1, 2, 3].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `n${i}`})))
    await db.addServers([{application: 'Lab', server_name: 'SoloServer', node_name: 'n3'}])
    await db.addAdapters([
      ...[1, 2, 3].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `n${i}`, endpoint: `tcp -h 0.0.0.0 -p ${port} -t 60000`, servant: 'Lab.EchoServer.EchoObj', protocol: 'not_tars'})),
      {application: 'Lab', server_name: 'SoloServer', node_name: 'n3', endpoint: `tcp -h 0.0.0.0 -p ${port}`, servant: 'Lab.SoloServer.SoloObj', protocol: 'not_tars'},
    ])
    const e = (i: number, net: 'x' | 'y', behaviour: LabEntry['behaviour']): LabEntry => ({node: `n${i}`, network: net, host: net === 'x' ? X(i) : Y(i), port, behaviour})
    lab = await Lab.start([e(1, 'x', 'up'), e(1, 'y', 'up'), e(2, 'x', 'up'), e(2, 'y', 'drop'), e(3, 'x', 'refused'), e(3, 'y', 'refused')])
  })
  after(async () => {
    await lab?.close()
    await db?.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('every link the probe found down is cut: n2 on y, n3 everywhere; the object on n3 alone is down: exit 2', async () => {
    const probe = await runCommand(['probe', '--db', db.url, '--networks', NETWORKS, '--check', 'tcp', '--timeout', '500', '--retries', '0', '--json'])
    assert.equal(probe.code, 2, probe.stderr)
    const file = join(dir, 'probe.json')
    writeFileSync(file, probe.stdout)

    const r = await runCommand(['impact', '--from-probe', file, '--db', db.url, '--networks', NETWORKS, '--json'])
    assert.equal(r.code, 2, r.stderr)
    const json = r.json()
    assert.deepEqual(json.cuts.map((c: any) => c.text).sort(), [`n2@${Y(2)}`, `n3@${X(3)}`, `n3@${Y(3)}`])
    assert.ok(json.cuts.every((c: any) => c.kind === 'ip'))
    const echo = json.objects.find((o: any) => o.object === 'Lab.EchoServer.EchoObj')
    assert.deepEqual([echo.status, echo.before.activeEndpoints, echo.after.activeEndpoints, echo.after.nodes], ['degraded', 6, 3, 2])
    assert.equal(json.objects.find((o: any) => o.object === 'Lab.SoloServer.SoloObj').status, 'down')
    assert.equal(json.verdict, 'outage')
    assert.equal(json.registry.status, 'unknown')
  })

  it('a probe of one object: its endpoints found down are cut (IP and port)', async () => {
    const probe = await runCommand(['probe', 'Lab.EchoServer.EchoObj', '--db', db.url, '--networks', NETWORKS, '--check', 'tcp', '--timeout', '500', '--retries', '0', '--json'])
    const file = join(dir, 'probe-object.json')
    writeFileSync(file, probe.stdout)
    const r = await runCommand(['impact', '--from-probe', file, '--db', db.url, '--networks', NETWORKS, '--json'])
    const json = r.json()
    assert.deepEqual(json.cuts.map((c: any) => c.text).sort(), [`n2@${Y(2)}:${port}`, `n3@${X(3)}:${port}`, `n3@${Y(3)}:${port}`])
    assert.ok(json.cuts.every((c: any) => c.kind === 'endpoint'))
    assert.equal(r.code, 2) // the solo object on n3's port is down too
  })

  it('a probe that found everything up cuts nothing: exit 0, and says so', async () => {
    const file = join(dir, 'all-up.json')
    writeFileSync(file, JSON.stringify({object: null, results: [{node: 'n1', network: 'x', host: X(1), port, status: 'up', active: true}]}))
    const r = await runCommand(['impact', '--from-probe', file, '--db', db.url, '--networks', NETWORKS])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /the saved result has no link down: nothing is cut/)
  })
})

const labOk = process.platform === 'linux' && process.getuid?.() === 0

describe('impact --from-mesh: a file written by the real mesh against the mesh lab', {skip: labOk ? false : 'needs Linux and root (network namespaces, sshd)'}, () => {
  let lab: MeshLab
  let db: TestDb
  let dir: string
  const OBJ = 'Lab.RaftServer.RaftObj'
  const mesh = () => ['mesh', '--db', db.url, '--networks', lab.networksSpec(), '--ssh-config', lab.sshConfig, '--ssh-timeout', '2', '--timeout', '1000', '--retries', '0', '--json']
  const impact = (file: string) => runCommand(['impact', '--from-mesh', file, '--raft', OBJ, '--db', db.url, '--networks', lab.networksSpec(), '--json'])
  /** The real mesh as the lab stands (its exit code checked), saved as `name`, then impact --from-mesh on that file. */
  const impactOfMesh = async (name: string, meshCode: number) => {
    const m = await runCommand(mesh())
    assert.equal(m.code, meshCode, m.stderr + m.stdout)
    const file = join(dir, name)
    writeFileSync(file, m.stdout)
    return impact(file)
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-impact-mesh-'))
    lab = await MeshLab.start({nodes: 3, kex: 'curve25519-sha256'})
    db = await TestDb.create()
    const ids = [1, 2, 3]
    await db.addNodes(ids.map((i) => ({node_name: `n${i}`, ip_list: lab.ipList(i)})))
    await db.addServers(ids.map((i) => ({application: 'Lab', server_name: 'RaftServer', node_name: `n${i}`})))
    await db.addAdapters(ids.map((i) => ({application: 'Lab', server_name: 'RaftServer', node_name: `n${i}`, endpoint: `tcp -h 0.0.0.0 -p ${lab.port} -t 60000`, servant: OBJ})))
  })
  after(async () => {
    await lab?.close()
    await db?.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('n2\'s NIC on x down: its x IP is cut for every client, its own failed links only between those pairs; quorum kept: exit 1', async () => {
    lab.nicDown(2, 'x')
    try {
      const r = await impactOfMesh('nic.json', 1)
      assert.equal(r.code, 1, r.stderr)
      const json = r.json()
      const texts = json.cuts.map((c: any) => c.text).sort()
      assert.deepEqual(texts, [`n2->n1@${lab.ip(1, 'x')}`, `n2->n3@${lab.ip(3, 'x')}`, `n2@${lab.ip(2, 'x')}`])
      const obj = json.objects.find((o: any) => o.object === OBJ)
      assert.deepEqual([obj.status, obj.lost.map((l: any) => l.node), obj.after.activeEndpoints], ['degraded', ['n2'], 5])
      assert.deepEqual(json.raft[0].reachablePairs, [['n1', 'n2'], ['n1', 'n3'], ['n2', 'n3']])
      assert.equal(json.raft[0].quorum, true)
    } finally {
      lab.reset()
    }
  })

  it('n2 and n3 cut off: clients still reach n1, but the raft group has no quorum: exit 2', async () => {
    for (const i of [2, 3]) for (const net of ['x', 'y']) lab.nicDown(i, net)
    try {
      const r = await impactOfMesh('cut-off.json', 2)
      assert.equal(r.code, 2, r.stderr)
      const json = r.json()
      const obj = json.objects.find((o: any) => o.object === OBJ)
      assert.deepEqual([obj.status, obj.after.nodes, obj.after.networks], ['degraded', 1, ['x', 'y']])
      assert.deepEqual([json.raft[0].reachablePairs, json.raft[0].quorum, json.raft[0].quorumBefore], [[], false, true])
      assert.equal(json.verdict, 'outage')
    } finally {
      lab.reset()
    }
  })
})
