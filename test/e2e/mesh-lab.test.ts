/**
 * `tarsnet mesh` for real: six hosts (network namespaces) on two networks (a bridge each), sshd in every
 * node with keys this test generates, a servant on 0.0.0.0 in each, the test runner's namespace as the
 * operator with a leg on each bridge, and the real MariaDB holding the cluster. Things are cut the way
 * they fail: a NIC (link down in the node), a switch (the bridge down), one pair (iptables in both
 * nodes), a node's outbound connections, a node's sshd. The node side's PATH has no node, python or perl
 * (except the node that is given python3 to prove that prober), so the remote script needs only a
 * shell, coreutils, bash and nc.
 *
 * The commands run in-process, but for two that need a process of their own: the ssh binary looked up
 * on the environment's PATH, and the control sockets made in the environment's TMPDIR (src/ssh reads
 * both from process.env).
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, describe, it} from 'node:test'

import {buildRemoteScript, parseRemoteOutput} from '../../src/mesh/remote.js'
import {BIN, runCli} from '../helpers/cli.js'
import {TestDb} from '../helpers/db.js'
import {LAB_USER, MeshLab, pythonAvailable, type NodeTool} from '../helpers/mesh-lab.js'
import {runCommand} from '../helpers/run.js'
import {untilOutput} from '../helpers/wait.js'

const labOk = process.platform === 'linux' && process.getuid?.() === 0
const MARKER = `/tmp/tnpw${process.pid}`
// A node name that would run commands if it ever reached a shell, here or on a node (t_server_conf's
// node_name holds 50 characters).
const HOSTILE = `$(touch ${MARKER})\`touch ${MARKER}\``
const SIXTH_TOOL: NodeTool = pythonAvailable() ? 'python3' : 'nc'
const NAME = (i: number) => (i === 6 ? HOSTILE : `n${i}`)

/** Processes whose command line mentions `text` (e.g. ssh masters using a control directory). */
function processesMentioning(text: string): number[] {
  const pids: number[] = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) pids.push(Number(pid))
    } catch {
      // gone
    }
  }
  return pids
}

describe('tarsnet mesh on a lab of real hosts', {skip: labOk ? false : 'needs Linux and root (network namespaces, sshd)'}, () => {
  let lab: MeshLab
  let db: TestDb
  let work: string
  const common = () => ['mesh', '--db', db.url, '--networks', lab.networksSpec(), '--ssh-config', lab.sshConfig, '--ssh-timeout', '2', '--timeout', '1000', '--retries', '0']

  before(async () => {
    rmSync(MARKER, {force: true})
    work = mkdtempSync(join(tmpdir(), 'tarsnet-mesh-test-'))
    // The test operator's ssh config picks a cheap key exchange: six sessions per run stay fast on 2 cores.
    lab = await MeshLab.start({nodes: 6, tools: {4: 'nc', 6: SIXTH_TOOL}, kex: 'curve25519-sha256'})
    db = await TestDb.create()
    const ids = [1, 2, 3, 4, 5, 6]
    await db.addNodes(ids.map((i) => ({node_name: NAME(i), ip_list: lab.ipList(i)})))
    await db.addServers(ids.map((i) => ({application: 'Lab', server_name: 'MeshServer', node_name: NAME(i)})))
    await db.addAdapters(ids.map((i) => ({application: 'Lab', server_name: 'MeshServer', node_name: NAME(i), endpoint: `tcp -h 0.0.0.0 -p ${lab.port} -t 60000`, servant: 'Lab.MeshServer.MeshObj'})))
    // A raft-style object on three of the nodes.
    await db.addServers([1, 2, 3].map((i) => ({application: 'Lab', server_name: 'RaftServer', node_name: NAME(i)})))
    await db.addAdapters([1, 2, 3].map((i) => ({application: 'Lab', server_name: 'RaftServer', node_name: NAME(i), endpoint: `tcp -h 0.0.0.0 -p ${lab.port}`, servant: 'Lab.RaftServer.RaftObj'})))
  })
  afterEach(() => lab.reset())
  after(async () => {
    await lab?.close()
    await db?.drop()
    rmSync(work, {recursive: true, force: true})
    rmSync(MARKER, {force: true})
  })

  const source = (json: any, node: string) => json.sources.find((s: any) => s.node === node)
  const culprits = (json: any) => json.culprits.map((c: any) => ({kind: c.kind, node: c.node, network: c.network, nodes: c.nodes}))

  it('the node side has no node, python or perl on its PATH', () => {
    const out = execFileSync('ssh', ['-F', lab.sshConfig, '-o', 'BatchMode=yes', lab.ip(1, 'x'), 'command -v node python3 python perl; echo "PATH=$PATH"'], {encoding: 'utf8'})
    assert.equal(out.trim(), `PATH=${lab.binDir('bash')}`)
  })

  it('every node reaches every other on both networks: exit 0, the JSON as documented, each node\'s tool, and a hostile node name runs nothing', async () => {
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(Object.keys(json), ['object', 'links', 'pairs', 'sources', 'culprits', 'slow', 'summary', 'verdict', 'exitCode', 'wallMs', 'timeoutMs', 'timeoutMode', 'samples', 'retries', 'fanout', 'notices', 'source'])
    assert.equal(json.links.length, 6 * 5 * 2)
    for (const l of json.links) {
      assert.deepEqual(Object.keys(l), ['from', 'to', 'network', 'host', 'port', 'status', 'latencyMs', 'error', 'samples', 'lost', 'loss', 'latency', 'slow'])
      assert.equal(l.status, 'up', JSON.stringify(l))
      assert.equal(l.port, lab.port)
      assert.equal(typeof l.latencyMs, 'number')
    }
    assert.equal(json.pairs.length, 15)
    assert.ok(json.pairs.every((p: any) => p.verdict === 'ok' && p.up.join() === 'x,y'))
    assert.deepEqual(json.summary.networks, {x: {up: 30, total: 30}, y: {up: 30, total: 30}})
    assert.deepEqual(json.culprits, [])
    assert.equal(json.verdict, 'ok')
    assert.equal(json.exitCode, 0)
    for (const i of [1, 2, 3, 4, 5, 6]) {
      const s = source(json, NAME(i))
      assert.deepEqual({...s, sshFailures: undefined, probes: undefined}, {node: NAME(i), sshHost: lab.ip(i, 'x'), sshNetwork: 'x', status: 'ok', tool: i === 4 ? 'nc' : i === 6 ? SIXTH_TOOL : 'bash', error: null, sshFailures: undefined, probes: undefined})
    }
    // The hostile name was a source and a target like any other, and nothing ran.
    assert.ok(json.links.some((l: any) => l.from === HOSTILE) && json.links.some((l: any) => l.to === HOSTILE))
    assert.equal(existsSync(MARKER), false)
  })

  it('a NIC down: that node\'s side of x is the one culprit; SSH reaches it over y; the matrix and lines for people', async () => {
    lab.nicDown(2, 'x')
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(culprits(json), [{kind: 'node-network', node: 'n2', network: 'x', nodes: undefined}])
    const s = source(json, 'n2')
    assert.deepEqual([s.status, s.sshHost, s.sshNetwork, s.sshFailures.map((f: any) => f.host)], ['ok', lab.ip(2, 'y'), 'y', [lab.ip(2, 'x')]])
    const withN2 = json.pairs.filter((p: any) => p.a === 'n2' || p.b === 'n2')
    assert.equal(withN2.length, 5)
    assert.ok(withN2.every((p: any) => p.verdict === 'degraded' && p.up.join() === 'y' && p.down.join() === 'x'))
    assert.equal(json.verdict, 'degraded')

    const text = await runCommand(common(), {env: {COLUMNS: '200', LANG: 'C.UTF-8'}})
    assert.equal(text.code, 1, text.stderr)
    const out = text.stdout
    assert.match(out, /^network x {2}\(20\/30 links up\)$/m)
    assert.match(out, /^FROM \\ TO/m)
    // Rows and columns in natural order: the hostile name sorts first, then n1…n5.
    assert.match(out, /^3 n2 +U U · U U U$/m) // n2's own probes on x: no route
    assert.match(out, /^4 n3 +✔ ✔ T · ✔ ✔$/m)
    assert.match(out, /✔ up {2}T timeout {2}R refused/)
    assert.match(out, /SSH: 6 of 6 nodes reached \(.* over x, n2 over y\)/)
    assert.match(out, /n2 ↔ .*n\[1,3-5\]: up on y, down on x/)
    assert.match(out, /Culprits: 1 explains the 10 failed links:\n {2}1\. n2's side of network x: no peer reaches it on x/)
    assert.match(out, /^DEGRADED: 10 links down, every pair still up on some network$/m)
  })

  it('a switch down: network x is the one culprit, and every node is reached over y', async () => {
    lab.bridgeDown('x')
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(culprits(json), [{kind: 'network', node: undefined, network: 'x', nodes: undefined}])
    assert.ok(json.sources.every((s: any) => s.sshNetwork === 'y' && s.status === 'ok'))
    assert.equal(json.summary.networks.x.up, 0)
    assert.ok(json.pairs.every((p: any) => p.verdict === 'degraded'))
  })

  it('one pair cut on y (iptables in both nodes): one link culprit', async () => {
    lab.dropPair(3, 5, 'y')
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(culprits(json), [{kind: 'link', node: undefined, network: 'y', nodes: ['n3', 'n5']}])
    const failed = json.links.filter((l: any) => l.status !== 'up')
    assert.deepEqual(failed.map((l: any) => `${l.from}>${l.to} ${l.network} ${l.status}`).sort(), ['n3>n5 y timeout', 'n5>n3 y timeout'])
    assert.equal(failed[0].error, 'no answer within 1000 ms')
  })

  it('--network y: only links on y are probed (a pair cut on x goes unseen), the summary is y only; SSH still goes over x', async () => {
    lab.dropPair(3, 5, 'x')
    const r = await runCommand([...common(), '--json', '--network', 'y'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    const json = r.json()
    assert.equal(json.links.length, 30)
    assert.ok(json.links.every((l: any) => l.network === 'y' && l.host.startsWith('198.19.2.') && l.status === 'up'), JSON.stringify(json.links))
    assert.deepEqual(json.summary.networks, {y: {up: 30, total: 30}})
    assert.ok(json.pairs.every((p: any) => p.verdict === 'ok' && p.up.join() === 'y' && p.down.length === 0))
    assert.deepEqual(json.culprits, [])
    assert.ok(json.sources.every((s: any) => s.status === 'ok' && s.sshNetwork === 'x'))
  })

  it('the profile\'s ssh.user and --ssh-user reach the real ssh: sshd sees the profile\'s user, and the flag wins (alice logs in)', async () => {
    const config = join(work, 'profile-user.json')
    writeFileSync(config, JSON.stringify({defaultProfile: 'lab', profiles: {lab: {ssh: {user: 'mallory'}}}}))
    const denied = await runCommand([...common(), '--config', config, '--node', 'n[12]'])
    assert.equal(denied.code, 3, denied.stderr + denied.stdout)
    assert.match(denied.stderr, /^error: could not run: no node answered over SSH \(n1: .*Permission denied/)
    assert.match(lab.sshdLog(1), /Invalid user mallory from 198\.19\.1\.254/)
    assert.doesNotMatch(lab.sshdLog(1), /Accepted publickey/)

    const r = await runCommand([...common(), '--config', config, '--node', 'n[12]', '--ssh-user', LAB_USER, '--json'])
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.ok(r.json().sources.every((s: any) => s.status === 'ok'))
    for (const i of [1, 2]) {
      assert.match(lab.sshdLog(i), new RegExp(`Accepted publickey for ${LAB_USER} from 198\\.19\\.1\\.254`))
      assert.doesNotMatch(lab.sshdLog(i), /Accepted publickey for root/)
    }
  })

  it('a node that cannot reach out on x: its row fails while its column works', async () => {
    lab.blockOutbound(1, 'x')
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.deepEqual(culprits(json), [{kind: 'node-outbound', node: 'n1', network: 'x', nodes: undefined}])
  })

  it('a node unreachable on both networks: SSH says why, the others still measure it, it is cut off: exit 2', async () => {
    lab.nicDown(5, 'x')
    lab.nicDown(5, 'y')
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 2, r.stderr + r.stdout)
    const json = r.json()
    const s = source(json, 'n5')
    assert.equal(s.status, 'unreachable')
    assert.match(s.error, /198\.19\.2\.5.*(timed out|No route|unreachable)/i)
    assert.deepEqual(s.sshFailures.map((f: any) => [f.host, f.network]), [[lab.ip(5, 'x'), 'x'], [lab.ip(5, 'y'), 'y']])
    const toN5 = json.links.filter((l: any) => l.to === 'n5')
    assert.equal(toN5.length, 10)
    assert.ok(toN5.every((l: any) => l.status !== 'up'))
    assert.ok(!json.links.some((l: any) => l.from === 'n5'))
    assert.deepEqual(culprits(json), [{kind: 'node', node: 'n5', network: undefined, nodes: undefined}])
    assert.match(json.culprits[0].message, /n5 is cut off: none of 5 peers reaches it on any network \(x, y\); SSH does not answer/)
    assert.ok(json.pairs.filter((p: any) => p.b === 'n5').every((p: any) => p.verdict === 'cut'))
    assert.equal(json.verdict, 'outage')
  })

  it('sshd unreachable but the node serves: still a target, no culprit, degraded because it was not measured from', async () => {
    lab.blockSsh(2)
    const r = await runCommand([...common(), '--json'])
    assert.equal(r.code, 1, r.stderr + r.stdout)
    const json = r.json()
    assert.equal(source(json, 'n2').status, 'unreachable')
    assert.ok(json.links.filter((l: any) => l.to === 'n2').every((l: any) => l.status === 'up'))
    assert.deepEqual(json.culprits, [])
    assert.deepEqual(json.summary.unreachableSources, ['n2'])
    assert.equal(json.verdict, 'degraded')
  })

  it('--port where nothing listens: refused everywhere, each node has nothing listening, not a network down (2 sessions at a time, an ssh option passed on)', async () => {
    const r = await runCommand([...common(), '--json', '--port', String(lab.port + 1), '--node', 'n*', '--fanout', '2', '--ssh-option', 'ConnectionAttempts=1'])
    assert.equal(r.code, 2, r.stderr + r.stdout)
    const json = r.json()
    assert.ok(json.links.length === 40 && json.links.every((l: any) => l.status === 'refused' && l.error === 'connection refused'))
    assert.deepEqual(culprits(json).map((c: any) => `${c.kind} ${c.node}`), ['node n1', 'node n2', 'node n3', 'node n4', 'node n5'])
    assert.match(json.culprits[0].message, /nothing answers on its ports/)
    assert.ok(json.sources.every((s: any) => s.status === 'ok'))
    assert.equal(json.fanout, 2)
  })

  it('an object: the pairs among its nodes and the raft view, with one of its nodes cut off', async () => {
    const healthy = await runCommand([...common(), 'Lab.RaftServer.RaftObj'], {env: {LANG: 'C.UTF-8'}})
    assert.equal(healthy.code, 0, healthy.stderr + healthy.stdout)
    assert.match(healthy.stdout, /^Lab\.RaftServer\.RaftObj$/m)
    assert.match(healthy.stdout, /Raft view of Lab\.RaftServer\.RaftObj: 3 nodes, majority 2: n\[1-3\] can all talk — a majority/)

    lab.nicDown(3, 'x')
    lab.nicDown(3, 'y')
    const r = await runCommand([...common(), '--json', 'Lab.RaftServer.RaftObj'])
    assert.equal(r.code, 2, r.stderr + r.stdout)
    const json = r.json()
    assert.equal(json.object, 'Lab.RaftServer.RaftObj')
    assert.deepEqual(json.sources.map((s: any) => s.node), ['n1', 'n2', 'n3'])
    assert.deepEqual(json.pairs.map((p: any) => `${p.a}-${p.b} ${p.verdict}`), ['n1-n2 ok', 'n1-n3 cut', 'n2-n3 cut'])
    assert.deepEqual({majority: json.raft.majority, largestGroup: json.raft.largestGroup, quorum: json.raft.quorum}, {majority: 2, largestGroup: ['n1', 'n2'], quorum: true})
    assert.deepEqual(json.raft.pairs.map((p: any) => p.talk), [true, false, false])
  })

  it('the remote script on each tool, run as sshd would: up, refused, timeout and unreachable, with retries', () => {
    lab.dropOneWay(1, 3, 'x')
    const probes = [
      {host: lab.ip(2, 'x'), port: lab.port}, // up
      {host: lab.ip(2, 'x'), port: lab.port + 1}, // refused
      {host: lab.ip(3, 'x'), port: lab.port}, // dropped by node 3: timeout
      {host: '198.19.99.9', port: lab.port}, // no route in the node: unreachable (nothing is sent)
      {host: lab.ip(2, 'y'), port: lab.port}, // up
    ]
    const script = buildRemoteScript(probes, {timeoutMs: 700, retries: 1})
    for (const tool of ['bash', 'nc', ...(pythonAvailable() ? ['python3'] : [])] as NodeTool[]) {
      const out = parseRemoteOutput(lab.runScript(1, tool, script), probes.length)
      assert.equal(out.tool, tool)
      assert.equal(out.complete, true)
      assert.deepEqual(out.results.map((r) => r?.status), ['up', 'refused', 'timeout', 'unreachable', 'up'], tool)
      assert.equal(typeof out.results[0]?.latencyUs, 'number', tool)
    }
    // --timeout auto on the node: the same states; bash and python3 learn each network's wait from its answers
    // in this run (x: an up and a refusal, y: an up), well below the initial 1000 ms; nc cannot (whole seconds).
    const nets = [0, 0, 0, 0, 1]
    const auto = buildRemoteScript(probes.map((p, i) => ({...p, net: nets[i]})), {timeoutMs: 1000, retries: 0, adaptive: {initialMs: [1000, 1000], floorMs: 100, maxMs: 3000}})
    for (const tool of ['bash', 'nc', ...(pythonAvailable() ? ['python3'] : [])] as NodeTool[]) {
      const out = parseRemoteOutput(lab.runScript(1, tool, auto), probes.length)
      assert.equal(out.complete, true, tool)
      assert.deepEqual(out.results.map((r) => r?.status), ['up', 'refused', 'timeout', 'unreachable', 'up'], tool)
      if (tool === 'nc') assert.deepEqual(out.waits, [], tool)
      else {
        assert.equal(out.waits.length, 2, tool)
        for (const w of out.waits) assert.ok(w!.answers > 0 && w!.ms >= 100 && w!.ms < 1000, `${tool}: ${JSON.stringify(out.waits)}`)
      }
    }
  })

  it('a node without any of the tools says so; the script leaves no file behind', () => {
    const script = buildRemoteScript([{host: lab.ip(2, 'x'), port: lab.port}], {timeoutMs: 500, retries: 0})
    const shOnly = join(work, 'bin-sh-only')
    execFileSync('mkdir', ['-p', shOnly])
    execFileSync('ln', ['-sf', execFileSync('sh', ['-c', 'command -v sh'], {encoding: 'utf8'}).trim(), join(shOnly, 'sh')])
    const runIn = (path: string, dir: string) =>
      execFileSync('ip', ['netns', 'exec', lab.ns(1), 'env', '-i', `PATH=${path}`, `TMPDIR=${dir}`, `HOME=${dir}`, 'sh', '-s'], {input: script, encoding: 'utf8', cwd: dir})
    const none = mkdtempSync(join(work, 'none-'))
    assert.equal(parseRemoteOutput(runIn(shOnly, none), 1).noTool, true)
    for (const tool of ['bash', 'nc', ...(pythonAvailable() ? ['python3'] : [])] as NodeTool[]) {
      const dir = mkdtempSync(join(work, `${tool}-`))
      assert.equal(parseRemoteOutput(runIn(lab.binDir(tool), dir), 1).results[0]?.status, 'up')
      assert.deepEqual(readdirSync(dir), [], `${tool} left files`)
    }
  })

  it('a missing ssh config file or ssh binary: one line, exit 3; a key nobody accepts: no node reached, exit 3', async () => {
    const missing = await runCommand(['mesh', '--db', db.url, '--networks', lab.networksSpec(), '--ssh-config', join(work, 'nope')])
    assert.equal(missing.code, 3)
    assert.equal(missing.stdout, '')
    assert.equal(missing.stderr, `error: ssh config file ${join(work, 'nope')} (--ssh-config) does not exist or is not a file: give the path of an ssh_config file\n`)
    const asJson = await runCommand(['mesh', '--db', db.url, '--ssh-config', join(work, 'nope'), '--json'])
    assert.equal(asJson.code, 3)
    assert.equal(asJson.json().error.code, 'ssh_config_missing')

    // A process: the ssh binary is looked up on process.env.PATH (src/options/ssh-flags.ts), not the command's.
    const noSsh = await runCli(['mesh', '--db', db.url, '--ssh-config', lab.sshConfig], {env: {PATH: join(work, 'empty-path')}})
    assert.equal(noSsh.code, 3)
    assert.match(noSsh.stderr, /^error: ssh not found on PATH: .*install it/)
    assert.equal(noSsh.stderr.split('\n').filter(Boolean).length, 1)

    const config = join(work, 'wrong_key_config')
    writeFileSync(config, readFileSync(lab.sshConfig, 'utf8').replace(/IdentityFile .*/, `IdentityFile ${join(work, 'no-such-key')}`))
    const denied = await runCommand([...common().map((a) => (a === lab.sshConfig ? config : a)), '--node', 'n[12]'])
    assert.equal(denied.code, 3, denied.stderr + denied.stdout)
    assert.match(denied.stderr, /^error: could not run: no node answered over SSH \(n1: .*Permission denied/)
  })

  it('--watch: changes as they happen over reused connections; Ctrl-C prints the summary and removes the control sockets', async () => {
    // A process: its TMPDIR, where the control sockets go, is read from process.env (src/ssh/fanout.ts, os.tmpdir()).
    const tmp = mkdtempSync('/tmp/tnw-') // short: a control socket path has at most 107 bytes
    const child = spawn(process.execPath, [BIN, ...common(), '--watch', '1', '--node', 'n[1-3]'], {env: {...process.env, TMPDIR: tmp, NO_COLOR: '1', CI: 'true', LANG: 'C.UTF-8'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    try {
      await untilOutput(() => stdout + stderr, /watching 12 link\(s\) between 3 nodes every 1 s: x: 6\/6 up, y: 6\/6 up; OK/, 60_000)
      const controlDirs = readdirSync(tmp).filter((f) => f.startsWith('tarsnet-ssh-'))
      assert.equal(controlDirs.length, 1)
      const controlDir = join(tmp, controlDirs[0])
      assert.ok(readdirSync(controlDir).length >= 1, 'a control socket per node')
      assert.ok(processesMentioning(controlDir).length >= 1, 'ssh masters are running')
      lab.dropPair(1, 2, 'x')
      await untilOutput(() => stdout, /\d\d:\d\d:\d\d n1 → n2 x 198\.19\.1\.2 up → timeout/, 60_000)
      await untilOutput(() => stdout, /culprit: link n1 ↔ n2 on x/, 60_000)
      child.kill('SIGINT')
      const code = await exited
      assert.equal(code, 1, stderr)
      assert.match(stdout, /Watched .*, \d+ round\(s\); SSH connections closed\./)
      assert.match(stdout, /n1 → n2 +x +198\.19\.1\.2 +1 /)
      assert.match(stdout, /DEGRADED: 2 links down/)
      assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('tarsnet-ssh-')), [])
      await untilOutput(() => String(processesMentioning(controlDir).length), /^0$/, 10_000)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(tmp, {recursive: true, force: true})
    }
  })
})
