import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import {Lab, type LabEntry} from '../../src/lab/cluster.js'
import {closedPort} from '../../src/lab/listeners.js'
import {runCli} from '../helpers/cli.js'

// A lab cluster on loopback: x = 127.0.41.0/24, y = 127.0.42.0/24, one Tars servant per node bound to 0.0.0.0.
// The servants are real Tars.js servers (they answer any servant name: up, servant not verified), except
// n1's on y and n4's on x, which are TarsCpp-like (the built-in responder: -4 to a name they do not host).
//   n1: up on x and y (verified on y)  n2: up on x, dropped on y (timeout)
//   n3: refused on x and y (outage)    n4: on x the port hosts another servant (-4), up on y
const OBJ = 'Lab.PingServer.PingObj'
let PORT = 0
const now = new Date().toISOString()
const node = (i: number) => ({nodeName: `n${i}`, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: now, lastRegTime: now, tarsVersion: '3.0.19', ipList: `127.0.41.${i},127.0.42.${i}`})
const server = (i: number) => ({application: 'Lab', serverName: 'PingServer', nodeName: `n${i}`, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_node'})
const adapter = (i: number) => ({application: 'Lab', serverName: 'PingServer', nodeName: `n${i}`, adapterName: `${OBJ}Adapter`, endpoint: `tcp -h 0.0.0.0 -p ${PORT} -t 60000`, servant: OBJ, protocol: 'tars'})

/** Waits until `text()` matches (polling), with a generous overall timeout for a loaded machine. */
async function waitForOutput(text: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; output so far:\n${text()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const DEMO_OBJECT = 'Plant.ControlServer.ControlObj'

/** `tarsnet demo --serve` as a child, once it says it is up (or could not start): its output so far, and its exit (code or signal). */
async function startDemoServe() {
  const {spawn} = await import('node:child_process')
  const {BIN} = await import('../helpers/cli.js')
  const child = spawn(process.execPath, [BIN, 'demo', '--serve'], {env: {...process.env, NO_COLOR: '1', CI: 'true'}, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)))
  await waitForOutput(() => output, /Demo cluster up|could not start/)
  return {process: child, output: () => output, exited}
}

/** The demo's registry ports are free again: nothing accepts on them, and registry check --demo finds no registry. */
async function assertRegistriesClosed(): Promise<void> {
  const net = await import('node:net')
  for (const host of ['127.10.0.1', '127.10.0.3']) {
    const code = await new Promise<string>((resolve) => {
      const s = net.connect({host, port: 17890})
      s.once('connect', () => {
        s.destroy()
        resolve('connected')
      })
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
    })
    assert.equal(code, 'ECONNREFUSED', `${host}:17890 is closed`)
  }
  const r = await runCli(['registry', 'check', '--demo', '--all', '--json', '--timeout', '300'])
  assert.equal(r.code, 2, r.stdout + r.stderr)
  assert.equal(r.json().registries[0].status, 'refused')
}

describe('tarsnet probe against a lab cluster', () => {
  let lab: Lab
  let dir: string
  let snap: string

  before(async () => {
    PORT = await closedPort('127.0.41.1')
    const e = (i: number, net: 'x' | 'y', behaviour: LabEntry['behaviour'], servant = OBJ, impl?: LabEntry['impl']): LabEntry =>
      ({node: `n${i}`, network: net, host: `127.0.${net === 'x' ? 41 : 42}.${i}`, port: PORT, behaviour, servant, impl})
    lab = await Lab.start([
      e(1, 'x', 'tars'), e(1, 'y', 'tars', OBJ, 'builtin'),
      e(2, 'x', 'tars'), e(2, 'y', 'drop'),
      e(3, 'x', 'refused'), e(3, 'y', 'refused'),
      e(4, 'x', 'tars', 'Lab.Other.OtherObj', 'builtin'), e(4, 'y', 'tars'),
    ], {tarsImpl: 'tars.js'})
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-probe-test-'))
    snap = join(dir, 'lab.json')
    const ids = [1, 2, 3, 4]
    writeFileSync(snap, JSON.stringify({
      format: 'tarsnet-snapshot', version: 1, takenAt: now, source: 'probe lab', ipListColumn: 'ip_list', ipListColumnPresent: true,
      networks: [{name: 'x', cidrs: ['127.0.41.0/24']}, {name: 'y', cidrs: ['127.0.42.0/24']}],
      nodes: ids.map(node),
      // Lab.DeadServer.DeadObj: one server on n1, inactive (stopped), listening where n1's servant is up.
      servers: [...ids.map(server), {...server(1), serverName: 'DeadServer', settingState: 'inactive', presentState: 'inactive'}],
      adapters: [...ids.map(adapter), {...adapter(1), serverName: 'DeadServer', adapterName: 'Lab.DeadServer.DeadObjAdapter', servant: 'Lab.DeadServer.DeadObj'}],
      registry: [], groupRules: [], groupPriorities: [],
    }))
  })
  after(async () => {
    await lab.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const statusOf = (json: {results: Array<{host: string; status: string; tarsRet: number | null; check: string}>}) =>
    Object.fromEntries(json.results.map((r) => [r.host, r.tarsRet !== null && r.tarsRet !== 0 ? `${r.status} ${r.tarsRet}` : r.status]))

  it('the matrix as JSON: every outcome, the summary, the verdict, exit 2 (outage)', async () => {
    const r = await runCli(['probe', '--snapshot', snap, '--json', '--timeout', '600', '--retries', '0'])
    assert.equal(r.code, 2, r.stderr)
    const json = r.json()
    assert.deepEqual(statusOf(json), {
      '127.0.41.1': 'up', '127.0.42.1': 'up',
      '127.0.41.2': 'up', '127.0.42.2': 'timeout',
      '127.0.41.3': 'refused', '127.0.42.3': 'refused',
      '127.0.41.4': 'error -4', '127.0.42.4': 'up',
    })
    for (const res of json.results) {
      assert.deepEqual(Object.keys(res).slice(0, 10), ['node', 'network', 'host', 'port', 'check', 'status', 'latencyMs', 'sourceIp', 'error', 'tarsRet'])
      assert.equal(res.check, 'tars')
      assert.equal(res.port, PORT)
      assert.equal(res.sourceIp, '127.0.0.1')
    }
    const wrong = json.results.find((x: {host: string}) => x.host === '127.0.41.4')
    assert.equal(wrong.error.message, 'port answers but hosts another servant')
    // Tars.js answers the name that cannot exist too: not verified; the TarsCpp-like one answers -4: verified.
    const verified = Object.fromEntries(json.results.map((x: {host: string; servantVerified: boolean | null}) => [x.host, x.servantVerified]))
    assert.deepEqual(verified, {
      '127.0.41.1': false, '127.0.42.1': true,
      '127.0.41.2': false, '127.0.42.2': null,
      '127.0.41.3': null, '127.0.42.3': null,
      '127.0.41.4': null, '127.0.42.4': false,
    })
    assert.deepEqual(json.summary.networks, {x: {up: 2, total: 4}, y: {up: 2, total: 4}})
    assert.deepEqual(json.summary.degraded, ['n2', 'n4'])
    assert.deepEqual(json.summary.unreachable, ['n3'])
    assert.equal(json.verdict, 'outage')
    // No wall-time bound here: that probes run at once is tested in test/probe/engine.test.ts, speed in `npm run bench`.
    assert.equal(typeof json.wallMs, 'number')
  })

  it('exit 1 when degraded, 0 when every link is up, 3 when there is nothing to probe', async () => {
    const degraded = await runCli(['probe', '--snapshot', snap, '--json', '--timeout', '400', '--node', 'n[124]'])
    assert.equal(degraded.code, 1, degraded.stderr)
    assert.equal(degraded.json().verdict, 'degraded')
    const dropped = degraded.json().results.find((x: {host: string}) => x.host === '127.0.42.2')
    assert.equal(dropped.attempts, 2, 'one retry after the timeout (default --retries 1)')
    const ok = await runCli(['probe', '--snapshot', snap, '--json', '--timeout', '400', '--node', 'n1'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.json().verdict, 'ok')
    const none = await runCli(['probe', '--snapshot', snap, '--json', '--node', 'nobody'])
    assert.equal(none.code, 3)
    assert.equal(none.json().error.code, 'nothing_to_probe')
    const bad = await runCli(['probe', '--snapshot', snap, '--bind', 'z=127.0.0.1'])
    assert.equal(bad.code, 3)
    assert.match(bad.stderr, /unknown network "z"/)
  })

  it('--check tcp only connects (the wrong servant\'s port is then up); --bind sets the source address', async () => {
    const r = await runCli(['probe', '--snapshot', snap, '--json', '--timeout', '400', '--retries', '0', '--check', 'tcp', '--bind', 'x=127.0.41.200'])
    const json = r.json()
    const four = json.results.find((x: {host: string}) => x.host === '127.0.41.4')
    assert.equal(four.status, 'up')
    assert.equal(four.check, 'tcp')
    assert.equal(four.sourceIp, '127.0.41.200')
    assert.equal(json.results.find((x: {host: string}) => x.host === '127.0.42.4').sourceIp, '127.0.0.1')
  })

  it('an object: every expanded endpoint, with tars_ping', async () => {
    const r = await runCli(['probe', OBJ, '--snapshot', snap, '--json', '--timeout', '400', '--retries', '0'])
    assert.equal(r.code, 2, r.stderr)
    const json = r.json()
    assert.equal(json.object, OBJ)
    assert.equal(json.results.length, 8)
    assert.equal(statusOf(json)['127.0.41.4'], 'error -4')
    assert.equal(statusOf(json)['127.0.42.2'], 'timeout')
    assert.deepEqual(json.summary.degraded, ['n2', 'n4'], 'node names, as in the matrix')
    assert.deepEqual(json.summary.unreachable, ['n3'])
    const unknown = await runCli(['probe', 'Lab.PingServer.PingOb', '--snapshot', snap])
    assert.equal(unknown.code, 3)
    assert.match(unknown.stderr, /unknown object .*closest: Lab\.PingServer\.PingObj/)
  })

  it('an object with only inactive endpoints is an outage (exit 2), even when they answer', async () => {
    const r = await runCli(['probe', 'Lab.DeadServer.DeadObj', '--snapshot', snap, '--check', 'tcp', '--timeout', '2000', '--retries', '0'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stdout, /^OUTAGE: the registry hands clients no active endpoint of Lab\.DeadServer\.DeadObj/m)
    assert.doesNotMatch(r.stdout, /^OK:/m)
    assert.match(r.stdout, /^n1 \(inactive\)\s+✔/m)
    assert.match(r.stdout, /x: 0\/0 up {3}y: 0\/0 up/)
    const json = (await runCli(['probe', 'Lab.DeadServer.DeadObj', '--snapshot', snap, '--check', 'tcp', '--json', '--timeout', '2000', '--retries', '0'])).json()
    assert.equal(json.verdict, 'outage')
    assert.deepEqual(json.results.map((x: {status: string; active: boolean}) => [x.status, x.active]), [['up', false], ['up', false]])
    assert.deepEqual(json.summary.networks, {x: {up: 0, total: 0}, y: {up: 0, total: 0}})
  })

  it('the matrix for people: cells, per-network lines, verdict lines; ASCII when the locale is not UTF-8', async () => {
    const utf = await runCli(['probe', '--snapshot', snap, '--timeout', '400', '--retries', '0'], {env: {LANG: 'C.UTF-8', LC_ALL: undefined, LC_CTYPE: undefined}})
    assert.equal(utf.code, 2)
    assert.match(utf.stdout, /^NODE\s+X\s+Y$/m)
    assert.match(utf.stdout, /^n1\s+✔ [\d.]+ ms, servant not verified\s+✔ [\d.]+ ms$/m)
    assert.match(utf.stdout, /^n2\s+✔ [\d.]+ ms, servant not verified\s+✘ timeout$/m)
    assert.match(utf.stdout, /^n3\s+✘ refused\s+✘ refused$/m)
    assert.match(utf.stdout, /^n4\s+✘ other servant \(-4\)\s+✔/m)
    assert.match(utf.stdout, /x: 2\/4 up {3}y: 2\/4 up/)
    assert.match(utf.stdout, /^OUTAGE: n3 unreachable on every network$/m)
    assert.match(utf.stdout, /^DEGRADED: n2 reachable only on x \(down on y\)$/m)
    // Said once, under the verdict: what "servant not verified" means.
    assert.equal(utf.stdout.match(/^note: servant not verified \(3 links\): /gm)?.length, 1)
    assert.doesNotMatch(utf.stderr, /probing/, 'no progress line without a TTY')
    const ascii = await runCli(['probe', '--snapshot', snap, '--timeout', '400', '--retries', '0', '--node', 'n2'], {env: {LANG: 'C', LC_ALL: undefined, LC_CTYPE: undefined}})
    assert.match(ascii.stdout, /^n2\s+OK [\d.]+ ms, servant not verified\s+X timeout$/m)
  })

  it('on a terminal: a progress line on stderr after a second, and --watch redraws in place with a clock', async () => {
    const {PtySession} = await import('../helpers/pty.js')
    // The lab's Tars.js servers live in this process: PtySession runs the CLI asynchronously, so they keep answering.
    const once = PtySession.cli(['probe', '--snapshot', snap, '--node', 'n2', '--timeout', '1600', '--retries', '0'])
    try {
      await once.expect(/probing \d+\/2…/, 30_000)
      await once.expect('DEGRADED: n2 reachable only on x', 30_000)
      assert.equal((await once.exit(30_000)).code, 1)
    } finally {
      once.kill()
    }
    const watch = PtySession.cli(['probe', '--snapshot', snap, '--node', 'n1', '--timeout', '300', '--watch', '1'])
    try {
      await watch.expect(/\d\d:\d\d:\d\d {2}every 1 s, round 1 \(Ctrl-C to stop\)/, 30_000)
      await watch.expect('round 2', 30_000)
      assert.match(watch.raw, /\u001B\[H\u001B\[2J\d\d:\d\d:\d\d {2}every 1 s, round 1/, 'the screen is cleared and redrawn in place')
      watch.press('ctrl-c')
      await watch.expect(/Watched [\d.]+ s, \d+ round\(s\)\./, 30_000)
      assert.equal((await watch.exit(30_000)).code, 0)
    } finally {
      watch.kill()
    }
  })

  it('--watch without a TTY prints a first line, then one stamped line per change, and a summary on Ctrl-C', async () => {
    const {spawn} = await import('node:child_process')
    const {BIN} = await import('../helpers/cli.js')
    const child = spawn(process.execPath, [BIN, 'probe', '--snapshot', snap, '--node', 'n1', '--timeout', '300', '--watch', '1'], {env: {...process.env, NO_COLOR: '1', CI: 'true'}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const closed = new Promise((resolve) => child.on('close', resolve))
    await waitForOutput(() => out, /watching 2 link\(s\)/)
    child.kill('SIGINT')
    const code = await closed
    assert.equal(code, 0, out)
    assert.match(out, /^\d\d:\d\d:\d\d watching 2 link\(s\) every 1 s: x: 1\/1 up, y: 1\/1 up; ok$/m)
    // n1's x servant is Tars.js: said once, after the first line.
    assert.equal(out.match(/^note: servant not verified \(1 link\): /gm)?.length, 1, out)
    assert.match(out, /Watched [\d.]+ s, \d+ round\(s\)\.\nNo link changed state\./)
  })
})

describe('tarsnet probe --watch with a link that goes down', () => {
  it('prints one stamped line per change and, on Ctrl-C, how often each link changed and how long it was down', async () => {
    const {UpListeners} = await import('../../src/lab/listeners.js')
    const {spawn} = await import('node:child_process')
    const {BIN} = await import('../helpers/cli.js')
    const up = new UpListeners()
    const l = await up.add('127.0.43.1')
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-watch-test-'))
    const snapFile = join(dir, 'watch.json')
    writeFileSync(snapFile, JSON.stringify({
      format: 'tarsnet-snapshot', version: 1, takenAt: now, source: 'watch lab', ipListColumn: 'ip_list', ipListColumnPresent: true,
      networks: [{name: 'x', cidrs: ['127.0.43.0/24']}],
      nodes: [{...node(1), nodeName: 'w1', ipList: '127.0.43.1'}], servers: [], adapters: [], registry: [], groupRules: [], groupPriorities: [],
    }))
    try {
      const child = spawn(process.execPath, [BIN, 'probe', '--snapshot', snapFile, '--port', String(l.port), '--timeout', '300', '--watch', '1'], {env: {...process.env, NO_COLOR: '1', CI: 'true', LANG: 'C.UTF-8'}, stdio: ['ignore', 'pipe', 'pipe']})
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      const closed = new Promise((resolve) => child.on('close', resolve))
      await waitForOutput(() => out, /watching 1 link\(s\)/)
      await up.close() // the link goes down: refused from now on
      await waitForOutput(() => out, /up → refused/)
      child.kill('SIGINT')
      const code = await closed
      assert.equal(code, 2, out)
      assert.match(out, /^\d\d:\d\d:\d\d watching 1 link\(s\) every 1 s: x: 1\/1 up; ok$/m)
      assert.match(out, /^\d\d:\d\d:\d\d w1 x 127\.0\.43\.1 up → refused$/m)
      assert.match(out, /^LINK\s+CHANGES\s+DOWN FOR\s+NOW$/m)
      assert.match(out, /^w1 x 127\.0\.43\.1\s+1\s+[\d.]+ s\s+refused$/m)
    } finally {
      await up.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('tarsnet demo', () => {
  it('runs the tour with CI=true and no stdin, shows the cut link, cleans up, exits 0', async () => {
    const r = await runCli(['demo', '--timeout', '500'], {input: ''})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Demo cluster up: .*cut: 127\.10\.0\.2 on y/)
    assert.match(r.stdout, /== Which IPs does each node have/)
    assert.match(r.stdout, /== Where does Plant\.ControlServer\.ControlObj really live\?/)
    // The demo's registry answers, after resolve: every object agrees with what resolve computes.
    const at = (title: string) => r.stdout.indexOf(`== ${title}`)
    assert.ok(at('Where does') < at('Does the live registry') && at('Does the live registry') < at('Which links are up'), 'registry check comes after resolve, before probe')
    assert.match(r.stdout, /\n== Does the live registry hand clients the same, for every object\?\n\$ tarsnet registry check --demo --all\nfindObjectById4Any: 6 object\(s\) × 1 registry address\(es\)\n/)
    assert.match(r.stdout, /^127\.10\.0\.1:17890\s+x\s+ok\s+[\d.]+ ms\s+6\/6$/m)
    assert.match(r.stdout, /^OK: every registry address hands out what the database says\n\n== Which links are up right now\?/m)
    assert.match(r.stdout, /^DEGRADED: 127\.10\.0\.2 reachable only on x \(down on y\)$/m)
    // The readiness check and the what-if run inside the tour, whatever their own exit codes (2 and 1).
    assert.match(r.stdout, /^5 critical, 4 warnings, 1 info on 6 nodes, 6 objects, networks x, y\./m)
    assert.match(r.stdout, /== What would a dead network y take down\?\n\$ tarsnet impact --demo --cut y\nCut: y/)
    assert.match(r.stdout, /^DEGRADED: 0 down, 3 degraded .* of 6 objects$/m)
    assert.match(r.stdout, /Demo cluster stopped\.$/m)
    // Everything is closed again: the demo's ports refuse.
    const after = await runCli(['probe', '--demo', '--json', '--timeout', '300', '--retries', '0', '--node', '127.10.0.1'])
    assert.ok(after.json().results.every((x: {status: string}) => x.status === 'refused'))
    await assertRegistriesClosed()
  })

  it('Ctrl-C during the tour stops the cluster (no stopped child left holding the ports): the next demo starts', async () => {
    const {spawn} = await import('node:child_process')
    const {BIN} = await import('../helpers/cli.js')
    const env = {...process.env, NO_COLOR: '1', CI: 'true'}
    const tour = spawn(process.execPath, [BIN, 'demo', '--timeout', '5000'], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    tour.stdout.on('data', (d) => (out += d))
    tour.stderr.on('data', (d) => (out += d))
    // 'exit', not 'close': a child left behind would hold the inherited pipes open.
    const tourExited = new Promise((resolve) => tour.on('exit', (code, signal) => resolve(code ?? signal)))
    // Interrupted while probing: the dropped links keep the probe busy for the 5 s timeout.
    await waitForOutput(() => out, /== Which links are up right now\?/)
    // The tour's own children (the dropping listeners' holder): killed below if the tour leaves them behind.
    const {readFileSync} = await import('node:fs')
    let children: number[] = []
    try {
      children = readFileSync(`/proc/${tour.pid}/task/${tour.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
    } catch {
      // not Linux: nothing to clean up after a failure
    }
    try {
      tour.kill('SIGINT')
      assert.equal(await tourExited, 130, out)
      await waitForOutput(() => out, /Demo cluster stopped\./, 5000)
      for (const pid of children) assert.throws(() => process.kill(pid, 0), `child ${pid} of the tour is gone`)
    } finally {
      for (const pid of children) {
        try {
          // Only if that pid is still a node child (not a reused pid).
          if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(process.execPath)) process.kill(pid, 'SIGKILL')
        } catch {
          // already gone, as it should be
        }
      }
    }

    const serve = await startDemoServe()
    try {
      assert.match(serve.output(), /Serving until Ctrl-C/, 'the second demo found its ports free')
    } finally {
      serve.process.kill('SIGINT')
      await serve.exited
    }
    await waitForOutput(serve.output, /Demo cluster stopped\./, 5000)
    // And its ports are free once more.
    const after = await runCli(['probe', '--demo', '--json', '--timeout', '300', '--retries', '0', '--node', '127.10.0.2'])
    assert.ok(after.json().results.every((x: {status: string}) => x.status === 'refused'), after.stdout)
  })

  it('demo --serve runs a registry: registry check --demo --all and resolve --live agree; an old replica named by --locator is unexpanded; Ctrl-C frees its ports', async () => {
    const serve = await startDemoServe()
    const served = serve.output
    try {
      assert.match(served(), /^Demo cluster up: .*, the registry on 127\.10\.0\.1:17890; cut: 127\.10\.0\.2 on y\.$/m)
      await waitForOutput(served, /Serving until Ctrl-C/)

      // A profile's or TARSNET_LOCATOR's registries are the real cluster's: --demo asks the demo's own.
      const elsewhere = {TARSNET_LOCATOR: 'tars.tarsregistry.QueryObj@tcp -h 127.0.0.9 -p 9'}
      const check = await runCli(['registry', 'check', '--demo', '--all', '--json'], {env: elsewhere})
      assert.equal(check.code, 0, check.stdout + check.stderr)
      const report = check.json()
      assert.equal(report.verdict, 'ok')
      assert.equal(report.exitCode, 0)
      assert.deepEqual(report.registries.map((r: {host: string; port: number; network: string; status: string}) => [r.host, r.port, r.network, r.status]), [['127.10.0.1', 17890, 'x', 'ok']])
      assert.equal(report.answers.length, 6)
      for (const a of report.answers) assert.equal(a.verdict, 'agrees', JSON.stringify(a))
      const control = report.answers.find((a: {object: string}) => a.object === DEMO_OBJECT)
      // Expanded, as a multi-network registry hands it out: both networks of 127.10.0.1 and 127.10.0.2.
      assert.deepEqual(control.active.map((e: {host: string}) => e.host).sort(), ['127.10.0.1', '127.10.0.2', '127.10.0.3', '127.20.0.1', '127.20.0.2'])

      // The caller-relative questions agree too (answered for this machine's address).
      for (const q of [['--set', 'plant.sz.1'], ['--group']]) {
        const r = await runCli(['registry', 'check', '--demo', '--all', '--json', ...q])
        assert.equal(r.code, 0, r.stdout + r.stderr)
        assert.equal(r.json().verdict, 'ok', q.join(' '))
      }

      const live = await runCli(['resolve', DEMO_OBJECT, '--demo', '--live'], {env: elsewhere})
      assert.equal(live.code, 0, live.stderr)
      assert.match(live.stdout, /^Live registries: all 1 registry address agree with the database$/m)

      // The old open-source replica, reached only through a client's locator: 0.0.0.0 as stored.
      const old = await runCli(['registry', 'check', '--demo', '--all', '--json', '--locator', 'tars.tarsregistry.QueryObj@tcp -h 127.10.0.1 -p 17890:tcp -h 127.10.0.3 -p 17890'])
      assert.equal(old.code, 1, old.stdout + old.stderr)
      const oldReport = old.json()
      // Each answer agrees or is unexpanded: the worst kind is the verdict, though the two addresses disagree.
      assert.deepEqual([oldReport.verdict, oldReport.disagreements.length], ['unexpanded', 3])
      const unexpanded = oldReport.answers.filter((a: {verdict: string}) => a.verdict !== 'agrees')
      assert.deepEqual(unexpanded.map((a: {host: string; object: string; verdict: string}) => [a.host, a.object, a.verdict]).sort(), [
        ['127.10.0.3', 'Plant.AlarmServer.AlarmObj', 'unexpanded'],
        ['127.10.0.3', DEMO_OBJECT, 'unexpanded'],
        ['127.10.0.3', 'Plant.HistoryServer.HistoryObj', 'unexpanded'],
      ])
      assert.deepEqual(oldReport.answers.find((a: {host: string; object: string}) => a.host === '127.10.0.3' && a.object === DEMO_OBJECT).active.map((e: {host: string; port: number}) => `${e.host}:${e.port}`), ['0.0.0.0:20001', '0.0.0.0:20001', '0.0.0.0:20001'])

      // A second demo finds the registry's port taken, and says which ports.
      const second = await runCli(['demo', '--serve'])
      assert.equal(second.code, 1)
      assert.match(second.stderr, /^error: could not start the demo cluster: its ports \(.*17890 on 127\.10\.0\.1.*\) are in use/)
    } finally {
      serve.process.kill('SIGINT')
    }
    assert.equal(await serve.exited, 0, served()) // Ctrl-C is --serve's normal way out
    assert.match(served(), /Demo cluster stopped\./)
    await assertRegistriesClosed()
  })
})
