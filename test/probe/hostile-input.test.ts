/**
 * probe's bad input (--bind, --watch, flags that do not go together), the watch's memory, the SERVICE
 * verdict, unusable addresses in IP lists, the plan, the watch's JSON lines and its reloads, and what
 * nodes list prints under LANG=C or with control characters in the data. In-process.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {UpListeners} from '../../src/lab/listeners.js'
import {runCommand, startCommand, type RunningCommand} from '../helpers/run.js'
import {adapterRow, networksXY, nodeRow as labNode, serverRow, snapshotOf, writeSnapshot} from '../helpers/snapshot.js'

/** A snapshot file of the given nodes (x = 127.0.51.0/24, y = 127.0.52.0/24) and extra rows. */
function labSnapshot(nodes: unknown[], extra: Record<string, unknown> = {}): string {
  return writeSnapshot(snapshotOf({networks: networksXY('127.0.51.0/24', '127.0.52.0/24'), nodes, ...extra}, 'hardening lab'))
}

/**
 * Runs the command until `until` matches its stdout (or it ends), waits `thenWaitMs`, then interrupts it as
 * Ctrl-C does; resolves with its result.
 */
async function runUntil(args: string[], until: RegExp, env: Record<string, string | undefined> = {}, timeoutMs = 60_000, thenWaitMs = 0) {
  const run = startCommand(args, {env})
  await run.untilOutput(until, {timeoutMs}).catch((error: unknown) => {
    if (!run.ended) throw error
  })
  await new Promise((resolve) => setTimeout(resolve, thenWaitMs))
  run.interrupt('SIGINT')
  return run.result
}

describe('probe: bad input is one line, exit 3, before any probe', () => {
  let dir: string
  let snap: string
  const up = new UpListeners()
  let port = 0
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-hardening-probe-'))
    port = (await up.add('127.0.51.1')).port
    snap = labSnapshot([labNode('n1', '127.0.51.1')])
  })
  after(async () => {
    await up.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('--bind to an address this machine does not have names it, exit 3, no probe', async () => {
    // 192.0.2.1 (TEST-NET-1) is never a local address; nothing is sent to it either way.
    const r = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--bind', 'x=192.0.2.1', '--timeout', '300'])
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr)
    assert.match(r.stderr, /^error: .*--bind 'x=192\.0\.2\.1'.*192\.0\.2\.1 is not an address of this machine/m)
    assert.equal(r.stdout, '', 'no matrix: nothing was probed')
    const json = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--bind', 'x=192.0.2.1', '--json'])
    assert.equal(json.code, 3)
    assert.equal(json.json().error.code, 'invalid_bind')
    // A local address still works (loopback: all of 127.0.0.0/8 is this machine's).
    const ok = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--bind', 'x=127.0.51.9', '--json', '--timeout', '2000'])
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    assert.equal(ok.json().results[0].sourceIp, '127.0.51.9')
  })

  it('the exporter refuses the same --bind before its first round', async () => {
    const r = await runCommand(['exporter', '--snapshot', snap, '--port', String(port), '--bind', 'x=192.0.2.1', '--listen', '127.0.0.1:0'], {timeoutMs: 30_000})
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /^error: .*192\.0\.2\.1 is not an address of this machine/m)
  })

  /** A config file whose default profile "lab" has the given probe.bind. */
  function bindConfig(name: string, bind: Record<string, string>): string {
    const file = join(dir, name)
    writeFileSync(file, JSON.stringify({defaultProfile: 'lab', profiles: {lab: {probe: {bind}}}}), {mode: 0o600})
    return file
  }

  it('a profile probe.bind to an address this machine does not have names the profile, file, key and value, exit 3, no probe', async () => {
    const cfg = bindConfig('bind-foreign.json', {x: '192.0.2.1'})
    const pattern = /^error: profile "lab" in \S*bind-foreign\.json: probe\.bind\.x is "192\.0\.2\.1" \(a string\): expected one of this machine's own addresses for network x: 192\.0\.2\.1 is not an address of this machine \(/m
    const r = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--config', cfg, '--timeout', '300'])
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr)
    assert.match(r.stderr, pattern)
    assert.doesNotMatch(r.stderr, /--bind/, 'no --bind was given')
    assert.equal(r.stdout, '', 'no matrix: nothing was probed')
    const json = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--config', cfg, '--json'])
    assert.equal(json.code, 3)
    assert.equal(json.json().error.code, 'invalid_bind')
    // A --bind flag for the same network wins over the profile: the profile's address is not in force.
    const flagWins = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--config', cfg, '--bind', 'x=127.0.51.9', '--json', '--timeout', '2000'])
    assert.equal(flagWins.code, 0, flagWins.stdout + flagWins.stderr)
    // The exporter says the same before its first round.
    const exporter = await runCommand(['exporter', '--snapshot', snap, '--port', String(port), '--config', cfg, '--listen', '127.0.0.1:0'], {timeoutMs: 30_000})
    assert.notEqual(exporter.code, 0)
    assert.match(exporter.stderr, pattern)
  })

  it('a profile probe.bind naming an unknown network is worded as every bad profile value', async () => {
    const cfg = bindConfig('bind-network.json', {z: '127.0.51.9'})
    const r = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--config', cfg, '--timeout', '300'])
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr)
    assert.match(r.stderr, /^error: profile "lab" in \S*bind-network\.json: probe\.bind\.z is "127\.0\.51\.9" \(a string\): expected a source address for one of the networks \(x, y\): there is no network "z"$/m)
    assert.equal(r.stdout, '')
    // The flag keeps its own wording.
    const flag = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--bind', 'z=127.0.51.9'])
    assert.equal(flag.code, 3)
    assert.match(flag.stderr, /^error: invalid --bind 'z=127\.0\.51\.9': unknown network "z"; the networks are x, y$/m)
  })

  it('--watch -1 and --watch 0 are about --watch, not an object name', async () => {
    for (const bad of ['-1', '0']) {
      const r = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--watch', bad])
      assert.equal(r.code, 3, r.stderr)
      assert.match(r.stderr, new RegExp(`^error: invalid --watch '${bad}': give a number of seconds above 0, e\\.g\\. --watch 5$`, 'm'))
      assert.doesNotMatch(r.stderr, /object name/)
    }
  })

  it('flags that do not go together: one line each saying what to do, exit 3, before anything is read', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--plan', '--watch'], /^error: --plan and --watch do not go together: --plan shows the targets once without probing; drop --watch to see the plan, or --plan to watch$/],
      [['--watch', '5', '--plan'], /^error: --plan and --watch do not go together/],
      [['--plan', '--prom-file', join(dir, 'p.prom')], /^error: --plan and --prom-file do not go together: .*drop one of them$/],
      [['--watch', '--prom-file', join(dir, 'p.prom')], /^error: --watch and --prom-file do not go together: .*`tarsnet exporter`$/],
      [['--every-round'], /^error: --every-round applies only with --watch --json \(one JSON line per round\): add --watch --json, or leave it out$/],
      [['--reload', '2'], /^error: --reload applies only with --watch .*: add --watch, or leave it out$/],
    ]
    for (const [flags, pattern] of cases) {
      // A database that would fail loudly if it were read: the flags are refused first.
      const r = await runCommand(['probe', '--db', 'mysql://root@127.0.0.1:1/db_tars', '--port', String(port), ...flags])
      assert.equal(r.code, 3, `${flags.join(' ')}: ${r.stderr}`)
      const lines = r.stderr.trim().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0], pattern)
      assert.doesNotMatch(r.stderr, /cannot also be provided|The following error/)
    }
    const json = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--plan', '--watch', '--json'])
    assert.equal(json.code, 3)
    assert.deepEqual([json.json().error.code, json.json().error.message.split(':')[0]], ['invalid_flag', '--plan and --watch do not go together'])
  })

  it('--every-round without --json is an error (it is a JSON-lines option), not accepted and ignored', async () => {
    const r = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--watch', '0.2', '--every-round'], {timeoutMs: 10_000})
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.match(r.stderr, /^error: --every-round applies only with --watch --json \(one JSON line per round\): add --json, or leave it out$/m)
    assert.equal(r.stdout, '', 'no watch started')
    // What --help says of it: test/e2e/terminal.test.ts.
  })

  it('--watch for many rounds: no listener leak (no MaxListenersExceededWarning)', async () => {
    // In-process, Node's warnings are this process's: gathered here, as a process would print them on stderr.
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`)
    process.on('warning', onWarning)
    let r
    try {
      // Rounds of 50 ms for 3 s after the first line: the leak warned after 11 rounds.
      r = await runUntil(['probe', '--snapshot', snap, '--port', String(port), '--watch', '0.05', '--timeout', '500'], /watching 1 link/, {}, 60_000, 3000)
    } finally {
      process.off('warning', onWarning)
    }
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const rounds = Number(/Watched [\d.]+ s, (\d+) round\(s\)/.exec(r.stdout)?.[1])
    assert.ok(rounds > 15, `only ${rounds} rounds:\n${r.stdout}`)
    assert.doesNotMatch(r.stderr, /MaxListenersExceeded|memory leak/, r.stderr)
    assert.doesNotMatch(warnings.join('\n'), /MaxListenersExceeded|memory leak/, warnings.join('\n'))
  })
})

describe('nodes list under LANG=C', () => {
  it('marks a missing network in ASCII when the locale is not UTF-8, with ✘ when it is', async () => {
    const snap = labSnapshot([labNode('n1', '127.0.51.1')])
    const c = await runCommand(['nodes', 'list', '--snapshot', snap], {env: {LANG: 'C', LC_ALL: undefined, LC_CTYPE: undefined}})
    assert.equal(c.code, 0, c.stderr)
    assert.match(c.stdout, /^n1\s+127\.0\.51\.1\s+X missing\s/m)
    assert.doesNotMatch(c.stdout, /[^\x00-\x7f]/, 'nothing but ASCII under LANG=C')
    const utf = await runCommand(['nodes', 'list', '--snapshot', snap], {env: {LANG: 'C.UTF-8', LC_ALL: undefined, LC_CTYPE: undefined}})
    assert.match(utf.stdout, /^n1\s+127\.0\.51\.1\s+✘ missing\s/m)
  })
})

describe('control characters from the database are escaped in human output, exact in JSON', () => {
  const hostileName = 'n\u001B[31mred\u0000\u202Eevil'
  const hostileVersion = '3.0\u001B[2J\u009B2J'
  const CONTROLS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/
  let snap: string
  before(() => {
    snap = labSnapshot([{...labNode(hostileName, '127.0.51.1 \u001B[2J'), tarsVersion: hostileVersion}, labNode('n2', '127.0.51.2,127.0.52.2')])
  })

  it('nodes list: table and problems show \\x1b, \\0, \\u202e; --json keeps the bytes', async () => {
    for (const env of [{}, {NO_COLOR: undefined, FORCE_COLOR: '1'}]) {
      const r = await runCommand(['nodes', 'list', '--snapshot', snap], {env})
      assert.equal(r.code, 0, r.stderr)
      const withoutOwnColour = r.stdout.replace(/\u001B\[(?:31|32|33|36|39|2|1|22)m/g, '')
      assert.doesNotMatch(withoutOwnColour, CONTROLS, JSON.stringify(r.stdout))
      assert.match(withoutOwnColour, /n\\x1b\[31mred\\x00\\u202eevil/)
      assert.match(withoutOwnColour, /3\.0\\x1b\[2J\\x9b2J/)
      assert.match(withoutOwnColour, /\\x1b\[2J/, 'the IP-list entry that is not an IP')
    }
    const json = (await runCommand(['nodes', 'list', '--snapshot', snap, '--json'])).json()
    const hostile = json.nodes.find((n: {name: string}) => n.name === hostileName)
    assert.ok(hostile, 'the name is exact in JSON')
    assert.equal(hostile.tarsVersion, hostileVersion)
  })

  it('nodes show and its one-line error, probe\'s matrix and verdict lines', async () => {
    // A name with NUL cannot be an argument: the closest names in the error then name it.
    const show = await runCommand(['nodes', 'show', hostileName.replace('\u0000', ''), '--snapshot', snap])
    assert.doesNotMatch(show.stdout + show.stderr, CONTROLS, JSON.stringify(show.stdout + show.stderr))
    assert.match(show.stderr, /did you mean .*n\\x1b\[31mred\\x00\\u202eevil/)
    const unknown = await runCommand(['nodes', 'show', 'zz\u001B[2J', '--snapshot', snap])
    assert.equal(unknown.code, 1)
    assert.doesNotMatch(unknown.stderr, CONTROLS)
    assert.match(unknown.stderr, /^error: .*zz\\x1b\[2J/m)
    const probe = await runCommand(['probe', '--snapshot', snap, '--port', '1', '--timeout', '300', '--retries', '0'])
    assert.doesNotMatch(probe.stdout + probe.stderr, CONTROLS, JSON.stringify(probe.stdout))
    assert.match(probe.stdout, /^n\\x1b\[31mred\\x00\\u202eevil\s/m)
    assert.match(probe.stdout, /: n\\x1b\[31mred\\x00\\u202eevil unreachable/)
    const json = (await runCommand(['probe', '--snapshot', snap, '--port', '1', '--timeout', '300', '--retries', '0', '--json'])).json()
    assert.ok(json.results.some((r: {node: string}) => r.node === hostileName))
  })
})

describe('probe: a port that answers for another servant is a SERVICE verdict, not unreachable', () => {
  // s1: the built-in (TarsCpp-like) server hosts another servant on x and y: -4 on both.
  // s2: a TCP listener on x and y that accepts and stays silent: connected, never a tars reply.
  // s3: up on x (the right servant), -4 on y: degraded, and the line says what y answered.
  const OBJ = 'Lab.SvcServer.SvcObj'
  let lab: import('../../src/lab/cluster.js').Lab
  const silent: import('node:net').Socket[] = []
  const silentServers: import('node:net').Server[] = []
  let dir: string
  let snap: string
  let port = 0
  before(async () => {
    const {Lab} = await import('../../src/lab/cluster.js')
    const {closedPort} = await import('../../src/lab/listeners.js')
    port = await closedPort('127.0.51.1')
    const e = (i: number, net: 'x' | 'y', behaviour: 'tars' | 'up', servant = 'Lab.Other.OtherObj') =>
      ({node: `s${i}`, network: net, host: `127.0.${net === 'x' ? 51 : 52}.${i}`, port, behaviour, servant, impl: 'builtin' as const})
    lab = await Lab.start([e(1, 'x', 'tars'), e(1, 'y', 'tars'), e(3, 'x', 'tars', OBJ), e(3, 'y', 'tars')])
    const {createServer} = await import('node:net')
    for (const host of ['127.0.51.2', '127.0.52.2']) {
      const server = createServer((socket) => silent.push(socket))
      await new Promise<void>((resolve) => server.listen(port, host, resolve))
      silentServers.push(server)
    }
    const ids = [1, 2, 3]
    snap = labSnapshot(ids.map((i) => labNode(`s${i}`, `127.0.51.${i},127.0.52.${i}`)), {
      servers: ids.map((i) => serverRow('Lab', 'SvcServer', `s${i}`)),
      adapters: ids.map((i) => adapterRow('Lab', 'SvcServer', `s${i}`, OBJ, `tcp -h 0.0.0.0 -p ${port} -t 60000`)),
    })
  })
  after(async () => {
    await lab?.close()
    for (const socket of silent) socket.destroy()
    for (const server of silentServers) server.close()
  })

  it('SERVICE lines, counted apart from unreachable nodes, exit 1', async () => {
    const r = await runCommand(['probe', '--snapshot', snap, '--timeout', '800', '--retries', '0'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /^SERVICE: s1 answers on x and y, but for another servant \(-4\)$/m)
    assert.match(r.stdout, /^SERVICE: s2 answers on x and y, but gives no tars reply$/m)
    assert.match(r.stdout, /^DEGRADED: s3 reachable only on x \(answers on y, but for another servant \(-4\)\)$/m)
    assert.doesNotMatch(r.stdout, /unreachable|OUTAGE/)
    const json = (await runCommand(['probe', '--snapshot', snap, '--timeout', '800', '--retries', '0', '--json'])).json()
    assert.equal(json.verdict, 'service')
    assert.equal(json.exitCode, 1)
    assert.deepEqual(json.summary.service, ['s1', 's2'])
    assert.deepEqual(json.summary.unreachable, [])
    assert.deepEqual(json.summary.degraded, ['s3'])
    // The same object probed by name: its endpoints are counted the same way.
    const object = (await runCommand(['probe', OBJ, '--snapshot', snap, '--timeout', '800', '--retries', '0', '--json'])).json()
    assert.equal(object.verdict, 'service')
    assert.deepEqual(object.summary.serviceEndpoints, ['s1', 's2'])
  })
})

describe('0.0.0.0, multicast and broadcast in an IP list are left out of the expansion and reported', () => {
  const OBJ = 'Lab.AnyServer.AnyObj'
  let snap: string
  const up = new UpListeners()
  let port = 0
  before(async () => {
    port = (await up.add('127.0.51.1')).port
    // 127.0.51.255 is the broadcast address of network x (127.0.51.0/24).
    snap = labSnapshot([labNode('u1', '127.0.51.1,0.0.0.0,224.0.0.1,127.0.51.255,255.255.255.255')], {
      servers: [serverRow('Lab', 'AnyServer', 'u1')],
      adapters: [adapterRow('Lab', 'AnyServer', 'u1', OBJ, `tcp -h 0.0.0.0 -p ${port} -t 60000`, {protocol: 'not_tars'})],
    })
  })
  after(async () => {
    await up.close()
  })

  const expected = [
    {node: 'u1', ip: '0.0.0.0', kind: 'unspecified'},
    {node: 'u1', ip: '224.0.0.1', kind: 'multicast'},
    {node: 'u1', ip: '127.0.51.255', kind: 'broadcast', network: 'x'},
    {node: 'u1', ip: '255.255.255.255', kind: 'broadcast'},
  ]

  it('resolve hands out only the usable address, lists the others with their kind, and says so', async () => {
    const json = (await runCommand(['resolve', OBJ, '--snapshot', snap, '--json'])).json()
    assert.deepEqual(json.active.map((e: {host: string}) => e.host), ['127.0.51.1'])
    assert.deepEqual(json.unusable, expected)
    assert.ok(json.warnings.some((w: {code: string}) => w.code === 'unusable-address'))
    const human = await runCommand(['resolve', OBJ, '--snapshot', snap])
    assert.match(human.stdout + human.stderr, /u1: its IP list holds 0\.0\.0\.0 \(unspecified\), 224\.0\.0\.1 \(multicast\), 127\.0\.51\.255 \(broadcast of x\), 255\.255\.255\.255 \(broadcast\): no client can reach them, left out of the expansion/)
  })

  it('nodes list marks them as a problem', async () => {
    const json = (await runCommand(['nodes', 'list', '--snapshot', snap, '--json'])).json()
    assert.deepEqual(json.nodes[0].problems.filter((p: {code: string}) => p.code === 'unusable-ip').map((p: {ip: string}) => p.ip), ['0.0.0.0', '224.0.0.1', '127.0.51.255', '255.255.255.255'])
    const table = await runCommand(['nodes', 'list', '--snapshot', snap])
    assert.match(table.stdout, /unusable-ip/)
  })

  it('probe probes only the usable address (matrix and object) and reports the others', async () => {
    for (const args of [[], [OBJ]]) {
      const r = await runCommand(['probe', ...args, '--snapshot', snap, '--json', '--timeout', '2000'])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      const json = r.json()
      assert.deepEqual(json.results.map((x: {host: string}) => x.host), ['127.0.51.1'])
      assert.deepEqual(json.unusable, expected)
      assert.ok(json.notices.some((n: string) => /left out, not probed: 4 addresses in IP lists that no client can reach: u1 0\.0\.0\.0 \(unspecified\)/.test(n)), json.notices.join('\n'))
    }
  })
})

describe('probe --plan and probe --watch --json', () => {
  let snap: string
  let accepted = 0
  let server: import('node:net').Server
  const sockets: import('node:net').Socket[] = []
  let port = 0
  before(async () => {
    const {createServer} = await import('node:net')
    server = createServer((socket) => {
      accepted++
      sockets.push(socket)
      socket.destroy()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.51.1', resolve))
    port = (server.address() as import('node:net').AddressInfo).port
    snap = labSnapshot([labNode('p1', '127.0.51.1,127.0.52.1'), labNode('p2', '')])
  })
  after(() => {
    server.close()
  })

  it('--plan lists the targets (table and JSON) without sending a packet', async () => {
    const table = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--port', '22', '--bind', 'y=127.0.52.9', '--plan'])
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^NODE\s+NETWORK\s+IP\s+PORTS\s+CHECK\s+SOURCE$/m)
    assert.match(table.stdout, new RegExp(`^p1\\s+x\\s+127\\.0\\.51\\.1\\s+${port} 22\\s+tcp\\s+-$`, 'm'))
    assert.match(table.stdout, new RegExp(`^p1\\s+y\\s+127\\.0\\.52\\.1\\s+${port} 22\\s+tcp\\s+127\\.0\\.52\\.9$`, 'm'))
    assert.match(table.stdout, /2 target\(s\) on 1 node\(s\) would be probed \(nothing was sent\); nothing to probe on 1 row\(s\): p2 \(no IP known\)\./)
    const json = await runCommand(['probe', '--snapshot', snap, '--port', String(port), '--plan', '--json'])
    assert.equal(json.code, 0)
    const plan = json.json()
    assert.deepEqual(plan.targets.map((t: {host: string; ports: number[]; check: string}) => [t.host, t.ports, t.check]), [['127.0.51.1', [port], 'tcp'], ['127.0.52.1', [port], 'tcp']])
    assert.deepEqual(plan.nothingToProbe, [{row: 'p2', reason: 'no IP known'}])
    assert.equal(accepted, 0, 'no connection was made')
  })

  it('--watch --json: one JSON line per round with --every-round, per change and per verdict change, and the summary last', async () => {
    const {UpListeners} = await import('../../src/lab/listeners.js')
    const up = new UpListeners()
    const l = await up.add('127.0.51.3')
    const watchSnap = labSnapshot([labNode('w1', '127.0.51.3')])
    const closed = new Promise<void>((resolve) => {
      setTimeout(async () => {
        await up.close()
        resolve()
      }, 1500)
    })
    try {
      const r = await runUntil(['probe', '--snapshot', watchSnap, '--port', String(l.port), '--watch', '0.2', '--json', '--every-round', '--timeout', '300', '--retries', '0'], /"type":"verdict"[^\n]*\n(.*\n){2}/)
      await closed
      const lines = r.stdout.trim().split('\n').map((x) => JSON.parse(x))
      assert.equal(lines[0].type, 'round')
      assert.equal(lines[0].verdict, 'ok')
      assert.ok(lines.filter((x) => x.type === 'round').length >= 3)
      const change = lines.find((x) => x.type === 'change')
      assert.deepEqual({node: change.node, network: change.network, host: change.host, from: change.from, to: change.to}, {node: 'w1', network: 'x', host: '127.0.51.3', from: 'up', to: 'refused'})
      const verdict = lines.find((x) => x.type === 'verdict')
      assert.deepEqual([verdict.from, verdict.to, verdict.exitCode], ['ok', 'outage', 2])
      assert.equal(lines.at(-1).type, 'end')
      assert.equal(lines.at(-1).verdict, 'outage')
      assert.equal(r.code, 2)
    } finally {
      await up.close()
    }
  })

  it('--watch --json without --every-round: the first round, then only changes', async () => {
    const {UpListeners} = await import('../../src/lab/listeners.js')
    const up = new UpListeners()
    const l = await up.add('127.0.51.4')
    const watchSnap = labSnapshot([labNode('w2', '127.0.51.4')])
    try {
      const r = await runUntil(['probe', '--snapshot', watchSnap, '--port', String(l.port), '--watch', '0.1', '--json', '--timeout', '300'], /"type":"round"/, {}, 60_000, 1500)
      const lines = r.stdout.trim().split('\n').map((x) => JSON.parse(x))
      assert.deepEqual(lines.map((x) => x.type), ['round', 'end'])
      assert.ok(lines[1].rounds > 3)
      assert.equal(r.code, 0)
    } finally {
      await up.close()
    }
  })
})

/**
 * `probe --watch 0.2 --json --every-round --reload 2` on one loopback port, running: `waitFor` a pattern in
 * its stdout (30 s at most), `stop` it as Ctrl-C does and get its JSON lines.
 */
function watchWithReload(dbUrl: string, port: number) {
  const run = startCommand(['probe', '--db', dbUrl, '--networks', 'x=127.0.51.0/24', '--port', String(port), '--watch', '0.2', '--json', '--every-round', '--reload', '2', '--timeout', '300'])
  return {
    run,
    stdout: () => run.stdout,
    waitFor: (pattern: RegExp): Promise<void> => run.untilOutput(pattern),
    // The JSON lines, untyped as JSON.parse gives them: the tests read the fields they check.
    async stop(): Promise<any[]> {
      run.interrupt('SIGINT')
      const {stdout} = await run.result
      return stdout.trim().split('\n').map((x) => JSON.parse(x))
    },
  }
}

/** Stops a watch the test left running (it would keep the test process alive). */
async function stopIfRunning(running: RunningCommand | undefined): Promise<void> {
  if (!running || running.ended) return
  running.interrupt('SIGINT')
  await running.result.catch(() => {})
}

describe('probe --watch --reload N re-reads the node list (MariaDB)', () => {
  it('a node added to the database is probed from the next reload on, and the reload is a JSON line', async (t) => {
    const {TestDb, testServerReachable} = await import('../helpers/db.js')
    if (!(await testServerReachable())) return t.skip('no test database')
    const db = await TestDb.create()
    const up = new UpListeners()
    // Stopped whatever happens: a watch left running would keep the test process alive.
    let running: RunningCommand | undefined
    try {
      const l = await up.add('127.0.51.7')
      await db.addNodes([{node_name: 'r1', ip_list: '127.0.51.7'}])
      const watch = watchWithReload(db.url, l.port)
      running = watch.run
      const {waitFor} = watch
      await waitFor(/"type":"round"/)
      await db.addNodes([{node_name: 'r2', ip_list: '127.0.51.8'}])
      await waitFor(/"type":"reload"[^\n]*"added":1/)
      await waitFor(/"type":"round"[^\n]*"links":2/)
      const lines = await watch.stop()
      const reload = lines.find((x) => x.type === 'reload' && x.added === 1)
      assert.deepEqual([reload.links, reload.removed], [2, 0])
      assert.equal(lines.at(-1).type, 'end')
      assert.ok(lines.at(-1).results.some((r: {node: string}) => r.node === 'r2'), 'the last round probed the new node')
    } finally {
      await stopIfRunning(running)
      await up.close()
      await db.drop()
    }
  })

  it('a reload that fails is a JSON line as it happens, and the watch goes on with the links it had', async (t) => {
    const {TestDb, testServerReachable} = await import('../helpers/db.js')
    if (!(await testServerReachable())) return t.skip('no test database')
    const db = await TestDb.create()
    const up = new UpListeners()
    // Stopped whatever happens: a watch left running would keep the test process alive.
    let running: RunningCommand | undefined
    try {
      const l = await up.add('127.0.51.7')
      await db.addNodes([{node_name: 'r1', ip_list: '127.0.51.7'}])
      const watch = watchWithReload(db.url, l.port)
      running = watch.run
      const {waitFor} = watch
      await waitFor(/"type":"round"/)
      // The node list cannot be read: the table is gone for a while.
      await db.query('RENAME TABLE t_node_info TO t_node_info_away')
      await waitFor(/"type":"reload"[^\n]*"ok":false/)
      const failedAt = watch.stdout().length
      await waitFor(/"type":"reload"[^\n]*"ok":false[^]*"type":"round"/)
      await db.query('RENAME TABLE t_node_info_away TO t_node_info')
      await waitFor(/"type":"reload"[^\n]*"ok":true/)
      const lines = await watch.stop()
      const failed = lines.find((x) => x.type === 'reload' && x.ok === false)
      assert.deepEqual(Object.keys(failed), ['type', 'time', 'round', 'ok', 'error', 'links'])
      assert.equal(failed.links, 1, 'still watching the link it had')
      assert.match(failed.error, /t_node_info/)
      assert.ok(Number.isFinite(Date.parse(failed.time)))
      // Rounds go on after the failure, with the link planned before, and it is still up.
      const after = watch.stdout().slice(failedAt).trim().split('\n').map((x) => JSON.parse(x))
      const round = after.find((x) => x.type === 'round')
      assert.deepEqual([round.links, round.verdict], [1, 'ok'])
      assert.equal(lines.at(-1).type, 'end')
      assert.ok(lines.at(-1).notices.some((n: string) => /could not re-read the node list/.test(n)))
    } finally {
      await stopIfRunning(running)
      await up.close()
      await db.query('RENAME TABLE t_node_info_away TO t_node_info').catch(() => {})
      await db.drop()
    }
  })
})
