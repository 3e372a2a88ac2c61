/**
 * What a person at a terminal sees, from the built CLI on a real pseudo-terminal (test/helpers/pty.ts):
 * the searchable picker of `resolve`, probe's progress line and its --watch redrawn in place, colour
 * because stdout is a TTY with the data's control characters still escaped; and what --help says.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {Lab} from '../../src/lab/cluster.js'
import {closedPort} from '../../src/lab/listeners.js'
import {runCli} from '../helpers/cli.js'
import {assertSafe, ESC, NODE, NODE_SHOWN, OBJECT_SHOWN, writeHostileSnapshot} from '../helpers/hostile-snapshot.js'
import {PtySession} from '../helpers/pty.js'
import {adapterRow, nodeRow, serverRow, snapshotOf, writeSnapshot} from '../helpers/snapshot.js'

describe('resolve picker (a person at a terminal)', () => {
  it('offers the servants, filters by what is typed, and resolves the choice', async () => {
    const s = PtySession.cli(['resolve', '--demo'], {cols: 140, env: {COLUMNS: '140', TERM: 'xterm'}})
    try {
      await s.expect(/Object to resolve/, 30_000)
      s.type('Hist')
      await s.expect(/❯ Plant\.HistoryServer\.HistoryObj/, 30_000)
      s.press('enter')
      const {output: text} = await s.exit(30_000)
      assert.match(text, /Plant\.HistoryServer\.HistoryObj\s+findObjectById4Any/)
      assert.match(text, /127\.10\.0\.2:20002/)
    } finally {
      s.kill()
    }
  })
})

describe('probe on a terminal', () => {
  // x = 127.0.41.0/24, y = 127.0.42.0/24, Lab.PingServer.PingObj on 0.0.0.0 of each node:
  //   n1: up on x (Tars.js) and y (TarsCpp-like)   n2: up on x (Tars.js), dropped on y (timeout)
  const OBJ = 'Lab.PingServer.PingObj'
  let lab: Lab
  let snap: string

  before(async () => {
    const port = await closedPort('127.0.41.1')
    lab = await Lab.start([
      {node: 'n1', network: 'x', host: '127.0.41.1', port, behaviour: 'tars', servant: OBJ},
      {node: 'n1', network: 'y', host: '127.0.42.1', port, behaviour: 'tars', servant: OBJ, impl: 'builtin'},
      {node: 'n2', network: 'x', host: '127.0.41.2', port, behaviour: 'tars', servant: OBJ},
      {node: 'n2', network: 'y', host: '127.0.42.2', port, behaviour: 'drop', servant: OBJ},
    ], {tarsImpl: 'tars.js'})
    const ids = [1, 2]
    snap = writeSnapshot(snapshotOf({
      networks: [{name: 'x', cidrs: ['127.0.41.0/24']}, {name: 'y', cidrs: ['127.0.42.0/24']}],
      nodes: ids.map((i) => nodeRow(`n${i}`, `127.0.41.${i},127.0.42.${i}`)),
      servers: ids.map((i) => serverRow('Lab', 'PingServer', `n${i}`)),
      adapters: ids.map((i) => adapterRow('Lab', 'PingServer', `n${i}`, OBJ, `tcp -h 0.0.0.0 -p ${port} -t 60000`)),
    }, 'probe lab'))
  })
  after(async () => {
    await lab?.close()
  })

  it('a progress line on stderr after a second, and --watch redraws in place with a clock', async () => {
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
})

describe('control characters from the data on a real terminal', () => {
  it('colour because stdout is a TTY, the data\'s control characters escaped: nodes show and impact', async () => {
    const snap = writeHostileSnapshot()
    for (const args of [['nodes', 'show', NODE], ['impact', '--cut', 'y']]) {
      const s = PtySession.cli([...args, '--snapshot', snap], {env: {NO_COLOR: undefined}})
      const {code} = await s.exit()
      assert.equal(code, args[0] === 'impact' ? 1 : 0, s.raw)
      assert.ok(s.raw.includes(`${ESC}[1m`) || s.raw.includes(`${ESC}[33m`), `colour is on: ${JSON.stringify(s.raw.slice(0, 300))}`)
      assertSafe({stdout: s.raw.replace(/\r\n/g, '\n'), stderr: ''}, args.join(' '))
      assert.ok(s.raw.includes(args[0] === 'impact' ? OBJECT_SHOWN : NODE_SHOWN), s.raw)
    }
  })
})

describe('--help', () => {
  it('probe: --every-round is an error without --watch --json', async () => {
    const help = await runCli(['probe', '--help'])
    assert.match(help.stdout.replace(/\s+/g, ' '), /--every-round With --watch --json only \(an error otherwise\)/)
  })

  it('probe: how to start the demo\'s listeners: tarsnet demo --serve', async () => {
    const r = await runCli(['probe', '--help'])
    assert.match(r.stdout, /tarsnet demo --serve/)
    assert.doesNotMatch(r.stdout, /with `tarsnet demo`\)/)
  })

  it('resolve: what the registry expansion does: 0.0.0.0, * and no -h to the IPv4 addresses, :: to all', async () => {
    const r = await runCli(['resolve', '--help'])
    assert.equal(r.code, 0, r.stderr)
    const help = r.stdout.replace(/\s+/g, ' ')
    assert.match(help, /a server bound to 0\.0\.0\.0 is listed once per IPv4 address of its node, and so is one with -h \* or with no -h \(both are 0\.0\.0\.0: IPv4 only/)
    assert.match(help, /a server bound to :: once per address, IPv4 and IPv6/)
    assert.doesNotMatch(help, /\* or no -h: once per address/)
  })
})
