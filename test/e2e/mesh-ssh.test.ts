/**
 * What `tarsnet mesh` hands the operator's ssh, seen from ssh's side: a fake `ssh` first on PATH
 * (test/helpers/fake-ssh.ts) records its argv, environment and stdin and never connects anywhere. It
 * proves that --ssh-config, --ssh-user, --ssh-option, --ssh-timeout and --fanout, and the profile's
 * ssh.{configFile,user,options,timeout,fanout}, reach ssh (the flag winning), the defaults
 * (ConnectTimeout=5, 32 sessions at once), the sliding window (never more than N sessions alive, and N
 * reached), and --network (only that network's targets are sent to the nodes). In `run` mode the fake
 * runs the remote script here with sh, against loopback targets only.
 *
 * A process per run: the fake ssh is found on the environment's PATH and reads its mode from the
 * environment, and tarsnet's ssh looks PATH up in process.env (src/options/ssh-flags.ts) and inherits
 * process.env (src/ssh/fanout.ts), not the command's environment.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, describe, it} from 'node:test'

import {UpListeners} from '../../src/lab/listeners.js'
import {FakeSsh, writeMeshSnapshot, type FakeSshCall} from '../helpers/fake-ssh.js'
import {runCli} from '../helpers/cli.js'

/** The values that follow each occurrence of `flag` in an ssh argv (before `--`). */
function valuesOf(argv: string[], flag: string): string[] {
  const end = argv.indexOf('--')
  const out: string[] = []
  for (let i = 0; i < end; i++) if (argv[i] === flag) out.push(argv[++i])
  return out
}

/** What every call had for -F, -l and -o: one value per flag when all calls agree (else the test fails). */
function agreed(calls: FakeSshCall[]): {F: string[]; l: string[]; o: string[]} {
  assert.ok(calls.length > 0, 'ssh was called')
  const each = calls.map((c) => ({F: valuesOf(c.argv, '-F'), l: valuesOf(c.argv, '-l'), o: valuesOf(c.argv, '-o')}))
  for (const e of each) assert.deepEqual(e, each[0], 'every session gets the same options')
  return each[0]
}

describe('mesh: what reaches ssh (a fake ssh first on PATH, which records and never connects)', () => {
  let dir: string
  let ssh: FakeSsh
  let snap4: string
  let snap6: string
  let snap10: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-mesh-ssh-'))
    ssh = new FakeSsh()
    snap4 = writeMeshSnapshot(dir, 4)
    snap6 = writeMeshSnapshot(dir, 6)
    snap10 = writeMeshSnapshot(dir, 10)
  })
  afterEach(() => ssh.clear())
  after(() => {
    ssh?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const profile = (sshSettings: unknown) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, JSON.stringify({defaultProfile: 'plant1', profiles: {plant1: {ssh: sshSettings}}}))
    return file
  }
  const sshConfigFile = (name: string) => {
    const file = join(dir, name)
    writeFileSync(file, '# never read: the fake ssh only records -F\n')
    return file
  }

  it('the defaults: exactly BatchMode=yes, ConnectTimeout=5, no forwarding, no -F/-l; each node over its IPs in list order; the agent and HOME reach ssh', async () => {
    const r = await runCli(['mesh', '--snapshot', snap4, '--port', '7000', '--json'], {env: ssh.env('fail', {extra: {SSH_AUTH_SOCK: '/tmp/tarsnet-test-agent.sock'}})})
    assert.equal(r.code, 3, r.stderr + r.stdout)
    assert.equal(r.json().error.code, 'no_node_reached')
    assert.match(r.json().error.message, /m01: ssh: connect to host 127\.0\.62\.1 port 22: Connection refused/)
    const calls = ssh.calls()
    assert.equal(calls.length, 8)
    for (const c of calls) {
      assert.deepEqual(c.argv, ['-T', '-x', '-a', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'ClearAllForwardings=yes', '--', c.host, 'sh -s'])
      assert.equal(c.env.SSH_AUTH_SOCK, '/tmp/tarsnet-test-agent.sock')
      assert.match(c.env.HOME, /tarsnet-test-home-/)
    }
    for (const i of [1, 2, 3, 4]) {
      const hosts = calls.map((c) => c.host).filter((h) => h.endsWith(`.${i}`))
      assert.deepEqual(hosts, [`127.0.61.${i}`, `127.0.62.${i}`], 'x first (the list order), then y')
    }
  })

  it('a run that completes (the fake runs the script here, on loopback): the JSON says fanout 32, each node reached over x', async () => {
    const listeners = new UpListeners()
    try {
      const first = await listeners.add('127.0.61.1')
      for (const ip of ['127.0.61.2', '127.0.61.3', '127.0.62.1', '127.0.62.2', '127.0.62.3']) await listeners.add(ip, first.port)
      const snap3 = writeMeshSnapshot(dir, 3)
      const r = await runCli(['mesh', '--snapshot', snap3, '--port', String(first.port), '--json'], {env: ssh.env('run')})
      assert.equal(r.code, 0, r.stderr + r.stdout)
      const json = r.json()
      assert.equal(json.fanout, 32)
      assert.equal(json.verdict, 'ok')
      assert.equal(json.links.length, 12)
      assert.deepEqual(json.sources.map((s: any) => [s.node, s.sshHost, s.sshNetwork, s.status]), [1, 2, 3].map((i) => [`m0${i}`, `127.0.61.${i}`, 'x', 'ok']))
      assert.ok(ssh.calls().every((c) => valuesOf(c.argv, '-o').includes('ConnectTimeout=5')))
    } finally {
      await listeners.close()
    }
  })

  it('--fanout 3: never more than 3 ssh sessions at once, and 3 are reached (10 nodes)', async () => {
    const r = await runCli(['mesh', '--snapshot', snap10, '--port', '7000', '--fanout', '3'], {env: ssh.env('fail', {hold: 3})})
    assert.equal(r.code, 3, r.stderr)
    assert.deepEqual(ssh.concurrency(), {max: 3, started: 20, ended: 20})
  })

  it('the default fanout is 32: 33 nodes, at most 32 sessions at once, and 32 reached', async () => {
    const snap33 = writeMeshSnapshot(dir, 33, {xOnly: true})
    const r = await runCli(['mesh', '--snapshot', snap33, '--port', '7000'], {env: ssh.env('fail', {hold: 32})})
    assert.equal(r.code, 3, r.stderr)
    assert.deepEqual(ssh.concurrency(), {max: 32, started: 33, ended: 33})
  })

  it('each profile ssh key reaches ssh: configFile as -F, user as -l, options as -o (list or object), timeout as ConnectTimeout, fanout as sessions at once', async () => {
    const profileConfig = sshConfigFile('profile_ssh_config')
    const asList = profile({configFile: profileConfig, user: 'bob', options: ['ServerAliveInterval=7', 'Port 2222'], timeout: 9, fanout: 4})
    const r = await runCli(['mesh', '--snapshot', snap6, '--port', '7000', '--config', asList], {env: ssh.env('fail', {hold: 4})})
    assert.equal(r.code, 3, r.stderr)
    assert.deepEqual(agreed(ssh.calls()), {F: [profileConfig], l: ['bob'], o: ['BatchMode=yes', 'ConnectTimeout=9', 'ClearAllForwardings=yes', 'ServerAliveInterval=7', 'Port=2222']})
    assert.deepEqual(ssh.concurrency(), {max: 4, started: 12, ended: 12})

    ssh.clear()
    const asObject = profile({options: {ServerAliveInterval: 7, Port: 2222}})
    const o = await runCli(['mesh', '--snapshot', snap4, '--port', '7000', '--config', asObject], {env: ssh.env('fail')})
    assert.equal(o.code, 3, o.stderr)
    assert.deepEqual(agreed(ssh.calls()), {F: [], l: [], o: ['BatchMode=yes', 'ConnectTimeout=5', 'ClearAllForwardings=yes', 'ServerAliveInterval=7', 'Port=2222']})
  })

  it('each flag wins over its profile key (--ssh-option replaces the profile\'s options, it does not add to them); a lone --ssh-user keeps the rest of the profile', async () => {
    const profileConfig = sshConfigFile('profile_ssh_config2')
    const flagConfig = sshConfigFile('flag_ssh_config')
    const config = profile({configFile: profileConfig, user: 'bob', options: ['ServerAliveInterval=7'], timeout: 9, fanout: 4})
    const r = await runCli(['mesh', '--snapshot', snap6, '--port', '7000', '--config', config,
      '--ssh-config', flagConfig, '--ssh-user', 'alice', '--ssh-option', 'Port=2200', '--ssh-option', 'ConnectionAttempts=1', '--ssh-timeout', '2', '--fanout', '3'], {env: ssh.env('fail', {hold: 3})})
    assert.equal(r.code, 3, r.stderr)
    assert.deepEqual(agreed(ssh.calls()), {F: [flagConfig], l: ['alice'], o: ['BatchMode=yes', 'ConnectTimeout=2', 'ClearAllForwardings=yes', 'Port=2200', 'ConnectionAttempts=1']})
    assert.deepEqual(ssh.concurrency(), {max: 3, started: 12, ended: 12})

    ssh.clear()
    const userOnly = await runCli(['mesh', '--snapshot', snap6, '--port', '7000', '--config', config, '--ssh-user', 'alice'], {env: ssh.env('fail', {hold: 4})})
    assert.equal(userOnly.code, 3, userOnly.stderr)
    assert.deepEqual(agreed(ssh.calls()), {F: [profileConfig], l: ['alice'], o: ['BatchMode=yes', 'ConnectTimeout=9', 'ClearAllForwardings=yes', 'ServerAliveInterval=7']})
    assert.deepEqual(ssh.concurrency(), {max: 4, started: 12, ended: 12})
  })

  it('--network y: only y targets are sent to the nodes (SSH still goes over x first); links, summary and matrices are y only', async () => {
    const listeners = new UpListeners()
    try {
      const first = await listeners.add('127.0.62.1')
      for (const ip of ['127.0.62.2', '127.0.62.3', '127.0.62.4']) await listeners.add(ip, first.port)
      // Nothing listens on x: were x probed, its links would be refused and the verdict not ok.
      const args = ['mesh', '--snapshot', snap4, '--port', String(first.port), '--network', 'y']
      const r = await runCli([...args, '--json'], {env: ssh.env('run')})
      assert.equal(r.code, 0, r.stderr + r.stdout)
      const json = r.json()
      assert.equal(json.links.length, 12)
      assert.ok(json.links.every((l: any) => l.network === 'y' && l.host.startsWith('127.0.62.') && l.status === 'up'), JSON.stringify(json.links))
      assert.deepEqual(Object.keys(json.summary.networks), ['y'])
      assert.ok(json.pairs.every((p: any) => p.verdict === 'ok' && p.up.join() === 'y' && p.down.length === 0))
      assert.deepEqual(json.sources.map((s: any) => s.sshNetwork), ['x', 'x', 'x', 'x'])
      const calls = ssh.calls()
      assert.equal(calls.length, 4)
      for (const c of calls) {
        assert.ok(c.stdin !== null && /127\.0\.62\.\d/.test(c.stdin), 'the script names y targets')
        assert.doesNotMatch(c.stdin!, /127\.0\.61\./, 'and no x target')
      }

      const text = await runCli(args, {env: ssh.env('run')})
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, /^network y {2}\(12\/12 links up\)$/m)
      assert.doesNotMatch(text.stdout, /^network x/m)
    } finally {
      await listeners.close()
    }
  })
})
