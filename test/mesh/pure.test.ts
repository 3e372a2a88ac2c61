/**
 * The mesh's pure parts: culprits, pairs and verdicts (core/mesh-culprits), the raft view, node-set
 * folding, the remote script's safety and its hostile-output parser, the matrix width, the ssh settings.
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {describe, it} from 'node:test'

import {analyzeMesh, type MeshLink, type MeshLinkStatus} from '../../src/core/mesh-culprits.js'
import {raftView} from '../../src/core/mesh-raft.js'
import {namedNetworks} from '../../src/core/networks.js'
import {foldNodeSet} from '../../src/core/nodeset.js'
import {UserError} from '../../src/core/errors.js'
import {sshSettingsOf} from '../../src/cli/config/feature-settings.js'
import {planMesh, probesFrom} from '../../src/mesh/plan.js'
import {buildRemoteScript, parseRemoteOutput} from '../../src/mesh/remote.js'
import {ASCII, matrixLines, UNICODE} from '../../src/mesh/report.js'
import type {MeshRoundResult} from '../../src/mesh/run.js'
import {checkSshOption, checkSshUser} from '../../src/ssh/options.js'
import {sshArgs} from '../../src/ssh/fanout.js'

type Fault = (from: string, to: string, network: string) => MeshLinkStatus
const names = (n: number) => Array.from({length: n}, (_, i) => `n${i + 1}`)

/** Every node probing every other on each network; `fault` decides each link. */
function mesh(nodes: string[], networks: string[], fault: Fault = () => 'up', skip: (from: string, to: string, network: string) => boolean = () => false): MeshLink[] {
  const links: MeshLink[] = []
  for (const from of nodes) for (const network of networks) for (const to of nodes) {
    if (from === to || skip(from, to, network)) continue
    const status = fault(from, to, network)
    links.push({from, to, network, host: `${network}-${to}`, port: 7000, status, latencyMs: status === 'up' ? 0.2 : null, error: status === 'up' ? null : status})
  }
  return links
}

const kinds = (a: ReturnType<typeof analyzeMesh>) => a.culprits.map((c) => [c.kind, c.node ?? c.nodes?.join('+') ?? null, c.network ?? null])

describe('mesh culprits', () => {
  const six = names(6)

  it('all up: every pair ok, no culprit, verdict ok', () => {
    const a = analyzeMesh(mesh(six, ['x', 'y']))
    assert.equal(a.verdict, 'ok')
    assert.equal(a.pairs.length, 15)
    assert.ok(a.pairs.every((p) => p.verdict === 'ok' && p.up.join() === 'x,y' && p.down.length === 0))
    assert.deepEqual(a.culprits, [])
    assert.deepEqual(a.summary.networks, {x: {up: 30, total: 30}, y: {up: 30, total: 30}})
  })

  it("a node's side of a network (NIC down): its row and column on x fail, y works — one culprit", () => {
    const a = analyzeMesh(mesh(six, ['x', 'y'], (f, t, n) => (n === 'x' && (f === 'n2' || t === 'n2') ? (f === 'n2' ? 'unreachable' : 'timeout') : 'up')))
    assert.deepEqual(kinds(a), [['node-network', 'n2', 'x']])
    assert.equal(a.culprits[0].failedLinks, 10)
    assert.match(a.culprits[0].message, /n2's side of network x: no peer reaches it on x \(5 peers tried\), and it reaches no peer on x; y works/)
    assert.equal(a.verdict, 'degraded')
    const p = a.pairs.find((x) => x.a === 'n1' && x.b === 'n2')!
    assert.deepEqual([p.up, p.down, p.verdict], [['y'], ['x'], 'degraded'])
  })

  it('a whole network (a switch): every link on x fails — one culprit, not six', () => {
    const a = analyzeMesh(mesh(six, ['x', 'y'], (_f, _t, n) => (n === 'x' ? 'timeout' : 'up')))
    assert.deepEqual(kinds(a), [['network', null, 'x']])
    assert.equal(a.verdict, 'degraded')
    assert.equal(a.summary.pairs.degraded, 15)
  })

  it('one link: one pair fails on y both ways, both ends fine elsewhere', () => {
    const bad = new Set(['n3 n4', 'n4 n3'])
    const a = analyzeMesh(mesh(six, ['x', 'y'], (f, t, n) => (n === 'y' && bad.has(`${f} ${t}`) ? 'timeout' : 'up')))
    assert.deepEqual(kinds(a), [['link', 'n3+n4', 'y']])
    assert.match(a.culprits[0].message, /link n3 ↔ n4 on y: fails both ways, while both ends work elsewhere/)
    assert.equal(a.verdict, 'degraded')
  })

  it('a link failing one way says which way works', () => {
    const a = analyzeMesh(mesh(six, ['x', 'y'], (f, t, n) => (n === 'x' && f === 'n5' && t === 'n1' ? 'timeout' : 'up')))
    assert.deepEqual(kinds(a), [['link', 'n1+n5', 'x']])
    assert.match(a.culprits[0].message, /n5 → n1 fails \(n1 → n5 works\)/)
  })

  it('a node that cannot reach out on a network: its row fails, its column works', () => {
    const a = analyzeMesh(mesh(six, ['x', 'y'], (f, _t, n) => (n === 'x' && f === 'n5' ? 'timeout' : 'up')))
    assert.deepEqual(kinds(a), [['node-outbound', 'n5', 'x']])
    assert.match(a.culprits[0].message, /n5 cannot reach out on network x/)
  })

  it('a node cut off (host down, SSH unreachable): its column fails everywhere, its row was not measured — outage', () => {
    const links = mesh(six, ['x', 'y'], (_f, t) => (t === 'n6' ? 'timeout' : 'up'), (f) => f === 'n6')
    const unmeasured = six.filter((n) => n !== 'n6').flatMap((to) => ['x', 'y'].map((network) => ({from: 'n6', to, network})))
    const a = analyzeMesh(links, {unmeasured, unreachableSources: ['n6']})
    assert.deepEqual(kinds(a), [['node', 'n6', null]])
    assert.match(a.culprits[0].message, /n6 is cut off: none of 5 peers reaches it on any network \(x, y\); SSH does not answer/)
    assert.equal(a.verdict, 'outage')
    assert.ok(a.pairs.filter((p) => p.b === 'n6').every((p) => p.verdict === 'cut'))
    assert.deepEqual(a.summary.unreachableSources, ['n6'])
  })

  it('refusals everywhere are not a dead network: each node "has nothing listening", an outage', () => {
    const a = analyzeMesh(mesh(names(4), ['x', 'y'], () => 'refused'))
    assert.deepEqual(kinds(a).map((k) => k[0]), ['node', 'node', 'node', 'node'])
    assert.match(a.culprits[0].message, /nothing answers on its ports .*its servants are down, not the network/)
    assert.equal(a.verdict, 'outage')
  })

  it('a network down and another node\'s y side: two culprits, the specific one for the node', () => {
    const a = analyzeMesh(mesh(six, ['x', 'y'], (f, t, n) => (n === 'x' || ((f === 'n4' || t === 'n4') && n === 'y') ? 'timeout' : 'up')))
    assert.deepEqual(kinds(a), [['network', null, 'x'], ['node-network', 'n4', 'y']])
    // n4 is now up on no network: its pairs are cut, an outage.
    assert.equal(a.verdict, 'outage')
  })

  it('a source that could not be measured makes pairs of two such nodes unknown and the verdict at least degraded', () => {
    const links = mesh(names(3), ['x'], () => 'up', (f) => f !== 'n1')
    const unmeasured = [{from: 'n2', to: 'n3', network: 'x'}, {from: 'n3', to: 'n2', network: 'x'}, {from: 'n2', to: 'n1', network: 'x'}, {from: 'n3', to: 'n1', network: 'x'}]
    const a = analyzeMesh(links, {unmeasured, unreachableSources: ['n2', 'n3']})
    assert.deepEqual(a.pairs.map((p) => `${p.a}-${p.b}:${p.verdict}`), ['n1-n2:ok', 'n1-n3:ok', 'n2-n3:unknown'])
    assert.equal(a.verdict, 'degraded')
  })

  it('two nodes: a dead network is reported as the one link it is', () => {
    const a = analyzeMesh(mesh(names(2), ['x', 'y'], (_f, _t, n) => (n === 'x' ? 'timeout' : 'up')))
    assert.deepEqual(kinds(a), [['link', 'n1+n2', 'x']])
  })

  it('scattered failures: every failed link is explained, by at most as many culprits as failed pairs', () => {
    const nodes = names(20)
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const links = mesh(nodes, ['x', 'y'], () => (rnd() < 0.25 ? 'timeout' : 'up'))
    const a = analyzeMesh(links)
    const failed = links.filter((l) => l.status !== 'up').length
    assert.equal(a.culprits.reduce((n, c) => n + c.failedLinks, 0), failed)
    assert.ok(a.culprits.length <= failed)
  })

  it('never throws on odd input (self links, unknown statuses, empty)', () => {
    assert.equal(analyzeMesh([]).verdict, 'ok')
    const odd = [{from: 'a', to: 'a', network: null, host: 'h', port: 1, status: 'up', latencyMs: null, error: null}, {from: 'a', to: 'b', network: null, host: 'h', port: 1, status: 'weird' as MeshLinkStatus, latencyMs: null, error: null}] as MeshLink[]
    assert.doesNotThrow(() => analyzeMesh(odd))
  })
})

describe('raft view', () => {
  it('three nodes, one cut off: the other two are a majority', () => {
    const links = mesh(names(3), ['x', 'y'], (_f, t) => (t === 'n3' ? 'timeout' : 'up'), (f) => f === 'n3')
    const r = raftView(names(3), links)
    assert.deepEqual([r.majority, r.largestGroup, r.quorum, r.exact], [2, ['n1', 'n2'], true, true])
    assert.deepEqual(r.pairs.map((p) => [p.a, p.b, p.talk]), [['n1', 'n2', true], ['n1', 'n3', false], ['n2', 'n3', false]])
  })

  it('talk needs each way on some network, not the same one', () => {
    const links = mesh(names(2), ['x', 'y'], (f, _t, n) => ((f === 'n1') === (n === 'x') ? 'up' : 'timeout'))
    const r = raftView(names(2), links)
    assert.equal(r.pairs[0].talk, true)
    assert.deepEqual(r.pairs[0].via, [])
  })

  it('five nodes split 2 + 3 by cut pairs: the 3 hold the quorum; split 2 + 2 + 1: none does', () => {
    const side = (n: string) => (['n1', 'n2'].includes(n) ? 'a' : 'b')
    const split = mesh(names(5), ['x'], (f, t) => (side(f) === side(t) ? 'up' : 'timeout'))
    assert.deepEqual(raftView(names(5), split).largestGroup, ['n3', 'n4', 'n5'])
    const three = (n: string) => (['n1', 'n2'].includes(n) ? 'a' : ['n3', 'n4'].includes(n) ? 'b' : 'c')
    const r = raftView(names(5), mesh(names(5), ['x'], (f, t) => (three(f) === three(t) ? 'up' : 'timeout')))
    assert.equal(r.quorum, false)
    assert.equal(r.largestGroup.length, 2)
  })
})

describe('node sets', () => {
  it('folds like ClusterShell', () => {
    assert.equal(foldNodeSet(['n1', 'n2', 'n3', 'n5', 'n10']), 'n[1-3,5,10]')
    assert.equal(foldNodeSet(['10.10.0.1', '10.10.0.2', '10.10.0.3', '10.20.0.1']), '10.10.0.[1-3],10.20.0.1')
    assert.equal(foldNodeSet(['db01', 'db02', 'web']), 'db[01-02],web')
    assert.equal(foldNodeSet(['a']), 'a')
    assert.equal(foldNodeSet([]), '')
  })
})

describe('the remote script', () => {
  it('carries only canonical IPs and integer ports, and refuses anything else', () => {
    const s = buildRemoteScript([{host: '198.19.1.2', port: 7000}, {host: 'fd00::1', port: 22}], {timeoutMs: 1000, retries: 1})
    assert.match(s, /^P='0,0,198\.19\.1\.2,7000 1,0,fd00::1,22'$/m)
    assert.match(s, /^\{\n/)
    assert.match(s, /\n\}\n$/)
    for (const host of ['$(reboot)', '198.19.1.02', 'n1', '198.19.1.2;reboot', 'FD00::1', '']) {
      assert.throws(() => buildRemoteScript([{host, port: 1}], {timeoutMs: 1000, retries: 0}), /canonical IP/, host)
    }
    for (const port of [0, 65536, 1.5, Number.NaN]) assert.throws(() => buildRemoteScript([{host: '10.0.0.1', port}], {timeoutMs: 1000, retries: 0}), /port/)
    assert.throws(() => buildRemoteScript([], {timeoutMs: 0, retries: 0}), /timeout/)
  })

  it('node names never reach the script: a plan with a hostile name yields probes of IPs only', () => {
    const now = new Date().toISOString()
    const node = (nodeName: string, ipList: string) => ({nodeName, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: now, lastRegTime: now, tarsVersion: '3', ipList})
    const hostile = '$(touch /tmp/pwned)`reboot`'
    const plan = planMesh({nodes: [node('n1', '10.0.1.1,10.0.2.1'), node(hostile, '10.0.1.2,10.0.2.2')], servers: [], adapters: [], networks: namedNetworks([{name: 'x', cidrs: ['10.0.1.0/24']}, {name: 'y', cidrs: ['10.0.2.0/24']}]), ports: [7000]})
    for (const source of plan.nodes) {
      const script = buildRemoteScript(probesFrom(plan, source).map((p) => ({host: p.host, port: p.port})), {timeoutMs: 1000, retries: 0})
      assert.ok(!script.includes('pwned') && !script.includes(hostile))
    }
  })

  it('parses hostile output without throwing: bounded, ids in range, known words only', () => {
    const good = 'TARSNET-MESH 1 bash\nR 0 up 412\nR 1 refused\nR 2 error Permission denied\x1b[31m\nR 0 timeout\nR 9 up 1\nR 3 launch\nTARSNET-MESH-END\n'
    const out = parseRemoteOutput(good, 4)
    assert.deepEqual(out.results, [{status: 'up', latencyUs: 412, detail: null}, {status: 'refused', latencyUs: null, detail: null}, {status: 'error', latencyUs: null, detail: 'Permission denied[31m'}, undefined])
    assert.equal(out.tool, 'bash')
    assert.equal(out.complete, true)
    assert.equal(out.ignoredLines, 3)
    assert.equal(parseRemoteOutput('TARSNET-MESH 1 none\nTARSNET-MESH-END\n', 2).noTool, true)
    assert.equal(parseRemoteOutput(`TARSNET-MESH 1 bash\nR 0 up ${'9'.repeat(2000)}\n`, 1).results[0], undefined)
    for (let i = 0; i < 300; i++) {
      const junk = randomBytes(Math.floor(Math.random() * 400)).toString('latin1').replace(/\|/g, '\n')
      assert.doesNotThrow(() => parseRemoteOutput(`TARSNET-MESH 1 nc\n${junk}\nR 0 up\n`, 3))
    }
    for (const weird of [undefined, null, 42, {}, Buffer.from('R 0 up 5\n')]) assert.doesNotThrow(() => parseRemoteOutput(weird, 1))
    assert.doesNotThrow(() => parseRemoteOutput('R 0 up', -1))
  })
})

describe('the matrix', () => {
  it('60 nodes fit a 200-column terminal', () => {
    const nodes = Array.from({length: 60}, (_, i) => `10.10.${Math.floor(i / 250)}.${100 + i}`)
    const links = mesh(nodes, ['x'])
    const plan = {mode: 'nodes' as const, object: null, columns: ['x'], notes: [], nodes: nodes.map((name) => ({name, ips: [{ip: name, network: 'x'}], targets: [{host: name, network: 'x', ports: [7000]}], note: null}))}
    const analysis = analyzeMesh(links)
    const result = {object: null, links, sources: nodes.map((node) => ({node, sshHost: node, sshNetwork: 'x', status: 'ok', tool: 'bash', error: null, sshFailures: [], probes: 59})), ...analysis, exitCode: 0, wallMs: 1, measured: true} as MeshRoundResult
    for (const glyphs of [UNICODE, ASCII]) {
      const lines = matrixLines(plan, result, glyphs)
      const widest = Math.max(...lines.filter((l) => !l.startsWith(glyphs.up)).map((l) => [...l].length))
      assert.ok(widest <= 200, `widest line ${widest}`)
      assert.ok(lines.some((l) => l.startsWith('60 10.10.0.159')))
    }
  })
})

describe('ssh settings', () => {
  it('always BatchMode=yes first, no forwarding; user options after', () => {
    const args = sshArgs({binary: '/usr/bin/ssh', options: ['ProxyJump=bastion'], connectTimeoutS: 5, fanout: 1, configFile: '/f', user: 'tars'}, '10.0.0.1', 'sh -s')
    assert.deepEqual(args.slice(0, 5), ['-T', '-x', '-a', '-o', 'BatchMode=yes'])
    assert.deepEqual(args.slice(-3), ['--', '10.0.0.1', 'sh -s'])
    assert.ok(args.join(' ').includes('-F /f -l tars -o ProxyJump=bastion'))
    assert.ok(!args.some((a) => /StrictHostKeyChecking|KnownHosts/i.test(a)))
  })

  it('refuses options that would prompt or weaken host-key checking, with one clear line', () => {
    assert.equal(checkSshOption('ProxyJump=bastion', '--ssh-option'), 'ProxyJump=bastion')
    assert.equal(checkSshOption('StrictHostKeyChecking=accept-new', '--ssh-option'), 'StrictHostKeyChecking=accept-new')
    for (const [bad, why] of [['BatchMode=no', /sets BatchMode itself/], ['StrictHostKeyChecking=no', /never turns host-key checking off/], ['UserKnownHostsFile=/dev/null', /never weakens/], ['nonsense', /KEY=VALUE/], ['-oProxyCommand=x', /KEY=VALUE/]] as const) {
      assert.throws(() => checkSshOption(bad, '--ssh-option'), (e: UserError) => e instanceof UserError && why.test(e.message) && e.exitCode === 3 && !e.message.includes('\n'))
    }
    assert.throws(() => checkSshUser('-oProxyCommand=x', '--ssh-user'), /does not start with '-'/)
  })

  it('checks the profile\'s ssh values, naming profile, key and value', () => {
    assert.deepEqual(sshSettingsOf({ssh: {configFile: '/etc/ssh/c', user: 'tars', options: {ProxyJump: 'b'}, timeout: 3, fanout: 8}}, 'p'), {configFile: '/etc/ssh/c', user: 'tars', options: ['ProxyJump=b'], timeout: 3, fanout: 8})
    const bad: Array<[unknown, RegExp]> = [
      [{timeout: 'abc'}, /invalid profile plant1: ssh\.timeout "abc": give whole seconds/],
      [{fanout: 0}, /ssh\.fanout 0:/],
      [{options: 'ProxyJump=b'}, /ssh\.options "ProxyJump=b": give a list/],
      [{configFile: 5}, /ssh\.configFile 5/],
      [{colour: true}, /ssh\.colour true: unknown key/],
      ['yes', /ssh "yes": write an object/],
    ]
    for (const [ssh, message] of bad) assert.throws(() => sshSettingsOf({ssh} as never, 'plant1'), message)
  })
})
