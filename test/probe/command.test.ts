/**
 * `tarsnet probe` in-process against a lab cluster on loopback: the matrix as JSON and for people, exit
 * codes, --check tcp and --bind, an object's endpoints, and --watch without a terminal until Ctrl-C.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {Lab, type LabEntry} from '../../src/lab/cluster.js'
import {closedPort, UpListeners} from '../../src/lab/listeners.js'
import {runCommand, startCommand} from '../helpers/run.js'
import {nodeRow, snapshotOf, writeSnapshot} from '../helpers/snapshot.js'

// A lab cluster on loopback: x = 127.0.41.0/24, y = 127.0.42.0/24, one Tars servant per node bound to 0.0.0.0.
// The servants are real Tars.js servers (they answer any servant name: up, servant not verified), except
// n1's on y and n4's on x, which are TarsCpp-like (the built-in responder: -4 to a name they do not host).
//   n1: up on x and y (verified on y)  n2: up on x, dropped on y (timeout)
//   n3: refused on x and y (outage)    n4: on x the port hosts another servant (-4), up on y
const OBJ = 'Lab.PingServer.PingObj'
let PORT = 0
const node = (i: number) => nodeRow(`n${i}`, `127.0.41.${i},127.0.42.${i}`)
const server = (i: number) => ({application: 'Lab', serverName: 'PingServer', nodeName: `n${i}`, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_node'})
const adapter = (i: number) => ({application: 'Lab', serverName: 'PingServer', nodeName: `n${i}`, adapterName: `${OBJ}Adapter`, endpoint: `tcp -h 0.0.0.0 -p ${PORT} -t 60000`, servant: OBJ, protocol: 'tars'})

describe('tarsnet probe against a lab cluster', () => {
  let lab: Lab
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
    const ids = [1, 2, 3, 4]
    snap = writeSnapshot(snapshotOf({
      networks: [{name: 'x', cidrs: ['127.0.41.0/24']}, {name: 'y', cidrs: ['127.0.42.0/24']}],
      nodes: ids.map(node),
      // Lab.DeadServer.DeadObj: one server on n1, inactive (stopped), listening where n1's servant is up.
      servers: [...ids.map(server), {...server(1), serverName: 'DeadServer', settingState: 'inactive', presentState: 'inactive'}],
      adapters: [...ids.map(adapter), {...adapter(1), serverName: 'DeadServer', adapterName: 'Lab.DeadServer.DeadObjAdapter', servant: 'Lab.DeadServer.DeadObj'}],
    }, 'probe lab'))
  })
  after(async () => {
    await lab.close()
  })

  const statusOf = (json: {results: Array<{host: string; status: string; tarsRet: number | null; check: string}>}) =>
    Object.fromEntries(json.results.map((r) => [r.host, r.tarsRet !== null && r.tarsRet !== 0 ? `${r.status} ${r.tarsRet}` : r.status]))

  it('the matrix as JSON: every outcome, the summary, the verdict, exit 2 (outage)', async () => {
    const r = await runCommand(['probe', '--snapshot', snap, '--json', '--timeout', '600', '--retries', '0'])
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
    const degraded = await runCommand(['probe', '--snapshot', snap, '--json', '--timeout', '400', '--node', 'n[124]'])
    assert.equal(degraded.code, 1, degraded.stderr)
    assert.equal(degraded.json().verdict, 'degraded')
    const dropped = degraded.json().results.find((x: {host: string}) => x.host === '127.0.42.2')
    assert.equal(dropped.attempts, 2, 'one retry after the timeout (default --retries 1)')
    const ok = await runCommand(['probe', '--snapshot', snap, '--json', '--timeout', '400', '--node', 'n1'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.json().verdict, 'ok')
    const none = await runCommand(['probe', '--snapshot', snap, '--json', '--node', 'nobody'])
    assert.equal(none.code, 3)
    assert.equal(none.json().error.code, 'nothing_to_probe')
    const bad = await runCommand(['probe', '--snapshot', snap, '--bind', 'z=127.0.0.1'])
    assert.equal(bad.code, 3)
    assert.match(bad.stderr, /unknown network "z"/)
  })

  it('--check tcp only connects (the wrong servant\'s port is then up); --bind sets the source address', async () => {
    const r = await runCommand(['probe', '--snapshot', snap, '--json', '--timeout', '400', '--retries', '0', '--check', 'tcp', '--bind', 'x=127.0.41.200'])
    const json = r.json()
    const four = json.results.find((x: {host: string}) => x.host === '127.0.41.4')
    assert.equal(four.status, 'up')
    assert.equal(four.check, 'tcp')
    assert.equal(four.sourceIp, '127.0.41.200')
    assert.equal(json.results.find((x: {host: string}) => x.host === '127.0.42.4').sourceIp, '127.0.0.1')
  })

  it('an object: every expanded endpoint, with tars_ping', async () => {
    const r = await runCommand(['probe', OBJ, '--snapshot', snap, '--json', '--timeout', '400', '--retries', '0'])
    assert.equal(r.code, 2, r.stderr)
    const json = r.json()
    assert.equal(json.object, OBJ)
    assert.equal(json.results.length, 8)
    assert.equal(statusOf(json)['127.0.41.4'], 'error -4')
    assert.equal(statusOf(json)['127.0.42.2'], 'timeout')
    assert.deepEqual(json.summary.degraded, ['n2', 'n4'], 'node names, as in the matrix')
    assert.deepEqual(json.summary.unreachable, ['n3'])
    const unknown = await runCommand(['probe', 'Lab.PingServer.PingOb', '--snapshot', snap])
    assert.equal(unknown.code, 3)
    assert.match(unknown.stderr, /unknown object .*closest: Lab\.PingServer\.PingObj/)
  })

  it('an object with only inactive endpoints is an outage (exit 2), even when they answer', async () => {
    const r = await runCommand(['probe', 'Lab.DeadServer.DeadObj', '--snapshot', snap, '--check', 'tcp', '--timeout', '2000', '--retries', '0'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stdout, /^OUTAGE: the registry hands clients no active endpoint of Lab\.DeadServer\.DeadObj/m)
    assert.doesNotMatch(r.stdout, /^OK:/m)
    assert.match(r.stdout, /^n1 \(inactive\)\s+✔/m)
    assert.match(r.stdout, /x: 0\/0 up {3}y: 0\/0 up/)
    const json = (await runCommand(['probe', 'Lab.DeadServer.DeadObj', '--snapshot', snap, '--check', 'tcp', '--json', '--timeout', '2000', '--retries', '0'])).json()
    assert.equal(json.verdict, 'outage')
    assert.deepEqual(json.results.map((x: {status: string; active: boolean}) => [x.status, x.active]), [['up', false], ['up', false]])
    assert.deepEqual(json.summary.networks, {x: {up: 0, total: 0}, y: {up: 0, total: 0}})
  })

  it('the matrix for people: cells, per-network lines, verdict lines; ASCII when the locale is not UTF-8', async () => {
    const utf = await runCommand(['probe', '--snapshot', snap, '--timeout', '400', '--retries', '0'], {env: {LANG: 'C.UTF-8', LC_ALL: undefined, LC_CTYPE: undefined}})
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
    const ascii = await runCommand(['probe', '--snapshot', snap, '--timeout', '400', '--retries', '0', '--node', 'n2'], {env: {LANG: 'C', LC_ALL: undefined, LC_CTYPE: undefined}})
    assert.match(ascii.stdout, /^n2\s+OK [\d.]+ ms, servant not verified\s+X timeout$/m)
  })

  it('--watch without a TTY prints a first line, then one stamped line per change, and a summary on Ctrl-C', async () => {
    const watch = startCommand(['probe', '--snapshot', snap, '--node', 'n1', '--timeout', '300', '--watch', '1'])
    await watch.untilOutput(/watching 2 link\(s\)/)
    watch.interrupt('SIGINT')
    const {code, stdout: out} = await watch.result
    assert.equal(code, 0, out)
    assert.match(out, /^\d\d:\d\d:\d\d watching 2 link\(s\) every 1 s: x: 1\/1 up, y: 1\/1 up; ok$/m)
    // n1's x servant is Tars.js: said once, after the first line.
    assert.equal(out.match(/^note: servant not verified \(1 link\): /gm)?.length, 1, out)
    assert.match(out, /Watched [\d.]+ s, \d+ round\(s\)\.\nNo link changed state\./)
  })
})

describe('tarsnet probe --watch with a link that goes down', () => {
  it('prints one stamped line per change and, on Ctrl-C, how often each link changed and how long it was down', async () => {
    const up = new UpListeners()
    const l = await up.add('127.0.43.1')
    const snapFile = writeSnapshot(snapshotOf({
      networks: [{name: 'x', cidrs: ['127.0.43.0/24']}],
      nodes: [nodeRow('w1', '127.0.43.1')],
    }, 'watch lab'))
    try {
      const watch = startCommand(['probe', '--snapshot', snapFile, '--port', String(l.port), '--timeout', '300', '--watch', '1'], {env: {LANG: 'C.UTF-8'}})
      await watch.untilOutput(/watching 1 link\(s\)/)
      await up.close() // the link goes down: refused from now on
      await watch.untilOutput(/up → refused/)
      watch.interrupt('SIGINT')
      const {code, stdout: out} = await watch.result
      assert.equal(code, 2, out)
      assert.match(out, /^\d\d:\d\d:\d\d watching 1 link\(s\) every 1 s: x: 1\/1 up; ok$/m)
      assert.match(out, /^\d\d:\d\d:\d\d w1 x 127\.0\.43\.1 up → refused$/m)
      assert.match(out, /^LINK\s+CHANGES\s+DOWN FOR\s+NOW$/m)
      assert.match(out, /^w1 x 127\.0\.43\.1\s+1\s+[\d.]+ s\s+refused$/m)
    } finally {
      await up.close()
    }
  })
})
