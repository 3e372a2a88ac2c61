/**
 * The pure parts of `impact` that the database scenarios do not reach: how cut names are read (IPv6 node
 * names, a name that is both a network and a node), and how saved probe and mesh results become cuts.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {clusterView} from '../../src/core/cluster.js'
import {UserError} from '../../src/core/errors.js'
import {cutsFromMesh, cutsFromProbe, leftOnText, parseCuts, runImpact} from '../../src/core/impact.js'
import {namedNetworks} from '../../src/core/networks.js'
import type {NodeRow} from '../../src/core/rows.js'

const node = (nodeName: string, ipList: string): NodeRow => ({nodeName, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: null, lastRegTime: null, tarsVersion: '', ipList})
const networks = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']}, {name: 'y', cidrs: ['10.20.0.0/16', 'fd00:20::/64']}])
const view = clusterView({nodes: [node('n1', '10.10.0.1,10.20.0.1'), node('fd00:10::3', 'fd00:10::3,fd00:20::3'), node('y', '10.10.0.9')], servers: [], adapters: [], registry: []}, networks)

describe('impact cuts', () => {
  it('reads networks, nodes (IPv6 names too) and NODE:NETWORK; a name that is a network and a node is the network', () => {
    assert.deepEqual(parseCuts(['x', 'n1', 'n1:y', 'fd00:10::3', 'fd00:10::3:y', 'y'], view), [
      {kind: 'network', network: 'x'},
      {kind: 'node', node: 'n1'},
      {kind: 'interface', node: 'n1', network: 'y'},
      {kind: 'node', node: 'fd00:10::3'},
      {kind: 'interface', node: 'fd00:10::3', network: 'y'},
      {kind: 'network', network: 'y'},
    ])
    // Repeats are one cut.
    assert.equal(parseCuts(['x', ' x '], view).length, 1)
  })

  it('names every unknown cut in one error, exit 3', () => {
    assert.throws(() => parseCuts(['n1:z', 'n2', 'n2:x'], view), (e: unknown) =>
      e instanceof UserError && e.exitCode === 3 && e.message.includes("'n1:z' (no network z), 'n2' (no network or node of that name), 'n2:x' (no node n2)"))
  })

  it('from a probe: a matrix probe cuts IPs, an object probe cuts endpoints; inactive and up results cut nothing', () => {
    const results = [
      {node: 'n1', host: '10.20.0.1', port: 7, status: 'timeout', active: true},
      {node: 'n1', host: '10.10.0.1', port: 7, status: 'up', active: true},
      {node: 'n1', host: '10.10.0.1', port: 8, status: 'refused', active: false},
    ]
    assert.deepEqual(cutsFromProbe({object: null, results}, 'f'), [{kind: 'ip', node: 'n1', ip: '10.20.0.1'}])
    assert.deepEqual(cutsFromProbe({object: 'A.B.C', results}, 'f'), [{kind: 'endpoint', node: 'n1', ip: '10.20.0.1', port: 7}])
    assert.throws(() => cutsFromProbe({error: {code: 'x', message: 'y', exitCode: 3}}, 'p.json'), /--from-probe p\.json: holds a probe that failed/)
  })

  it('from a mesh: an IP no node reached is cut; a link down while others reach the IP cuts that pair only', () => {
    const link = (from: string, to: string, host: string, status: string) => ({from, to, network: null, host, port: 7, status, latencyMs: null, error: null})
    const cuts = cutsFromMesh({links: [
      link('n1', 'n2', '10.20.0.2', 'timeout'), link('n3', 'n2', '10.20.0.2', 'refused'),
      link('n1', 'n3', '10.10.0.3', 'unreachable'), link('n2', 'n3', '10.10.0.3', 'up'),
      link('n2', 'n1', '10.10.0.1', 'up'),
    ]}, 'm.json')
    assert.deepEqual(cuts, [{kind: 'ip', node: 'n2', ip: '10.20.0.2'}, {kind: 'link', from: 'n1', node: 'n3', ip: '10.10.0.3'}])
  })
})

describe('impact raft verdict', () => {
  const server = (nodeName: string, presentState: string) => ({application: 'App', serverName: 'R', nodeName, settingState: 'active', presentState, flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp'})
  const adapter = (nodeName: string) => ({application: 'App', serverName: 'R', nodeName, adapterName: 'App.R.ObjAdapter', endpoint: 'tcp -h 0.0.0.0 -p 9000', servant: 'App.R.Obj', protocol: 'tars'})
  // n1 on x only, n2 on y only, n3's servant inactive: no two members share a network, so no quorum even before a cut.
  const raftView = clusterView({
    nodes: [node('n1', '10.10.0.1'), node('n2', '10.20.0.2'), node('n3', '10.10.0.3,10.20.0.3'), node('n4', '10.10.0.4,10.20.0.4')],
    servers: [server('n1', 'active'), server('n2', 'active'), server('n3', 'inactive')],
    adapters: [adapter('n1'), adapter('n2'), adapter('n3')],
    registry: [],
  }, networks)

  it('a group with no quorum before the cut is listed, not counted as the cut\'s outage (as an object already down)', () => {
    const r = runImpact(raftView, parseCuts(['n4'], raftView), {raft: ['App.R.Obj']})
    assert.deepEqual([r.raft[0].quorum, r.raft[0].quorumBefore], [false, false])
    assert.deepEqual([r.verdict, r.exitCode], ['ok', 0])
    // The same group losing a member that was on its only shared network would be the cut's doing: here
    // cutting n1 changes nothing either (there was no quorum to lose), and the object is degraded.
    const cutN1 = runImpact(raftView, parseCuts(['n1'], raftView), {raft: ['App.R.Obj']})
    assert.equal(cutN1.raft[0].quorumBefore, false)
    assert.deepEqual([cutN1.verdict, cutN1.exitCode], ['degraded', 1])
  })
})

describe('impact: what is left, and raft members the cut took down', () => {
  const server = (serverName: string, nodeName: string) => ({application: 'P', serverName, nodeName, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp'})
  const adapter = (serverName: string, nodeName: string) => ({application: 'P', serverName, nodeName, adapterName: `P.${serverName}.ObjAdapter`, endpoint: 'tcp -h 0.0.0.0 -p 9000', servant: `P.${serverName}.Obj`, protocol: 'tars'})
  const names = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6']
  const members = ['a1', 'a2', 'a3']
  const labView = clusterView({
    nodes: names.map((n, i) => node(n, i === 2 ? `10.10.0.${i + 1}` : `10.10.0.${i + 1},10.20.0.${i + 1}`)),
    servers: [...members.map((n) => server('Raft', n)), ...names.map((n) => server('Wide', n))],
    adapters: [...members.map((n) => adapter('Raft', n)), ...names.map((n) => adapter('Wide', n))],
    registry: [],
  }, networks)

  it('each object\'s after names the nodes left and their networks; the cell shortens many with a count', () => {
    const r = runImpact(labView, parseCuts(['a1', 'a2:x'], labView))
    const raft = r.objects.find((o) => o.object === 'P.Raft.Obj')!
    assert.deepEqual(raft.after.byNode, [{node: 'a2', networks: ['y']}, {node: 'a3', networks: ['x']}])
    assert.deepEqual(raft.before.byNode.map((n) => n.node), members)
    assert.equal(leftOnText(raft.after), 'a2 (y), a3 (x)')
    const wide = r.objects.find((o) => o.object === 'P.Wide.Obj')!
    assert.equal(wide.after.byNode.length, 5)
    assert.equal(leftOnText(wide.after), 'a2 (y), a3 (x), a4 (x+y), +2 more')
    const down = runImpact(labView, parseCuts(['x', 'y'], labView)).objects.find((o) => o.object === 'P.Raft.Obj')!
    assert.deepEqual([down.status, down.after.byNode, leftOnText(down.after)], ['down', [], 'nothing'])
  })

  it('a member with no live network is in no group: a1 down, a2 left on y, a3 on x', () => {
    const r = runImpact(labView, parseCuts(['a1', 'a2:x'], labView), {raft: ['P.Raft.Obj']})
    const g = r.raft[0]
    assert.deepEqual(g.members, members)
    assert.equal(g.largestGroup.length, 1)
    assert.ok(!g.largestGroup.includes('a1'), `a1 is down, yet in the largest group ${JSON.stringify(g.largestGroup)}`)
    assert.deepEqual([g.reachablePairs, g.quorum, g.quorumBefore], [[], false, true])
  })

  it('largestGroup is empty when no member is up', () => {
    for (const cuts of [['a1', 'a2', 'a3'], ['x', 'y'], ['a1', 'a2:x', 'a2:y', 'a3:x']]) {
      const g = runImpact(labView, parseCuts(cuts, labView), {raft: ['P.Raft.Obj']}).raft[0]
      assert.deepEqual([g.largestGroup, g.quorum, g.reachablePairs], [[], false, []], `cut ${cuts.join(' ')}`)
    }
  })
})
