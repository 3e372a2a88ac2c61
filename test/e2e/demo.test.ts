/**
 * `tarsnet demo` as a real process: the tour runs the other commands through oclif, each with the
 * process's own output; Ctrl-C reaches the tour and its children as a real signal; `demo --serve` holds
 * the demo's fixed ports until it is interrupted. The commands asked of the demo cluster meanwhile run
 * in-process, except `resolve --live` with TARSNET_LOCATOR (src/registry/live.ts reads process.env).
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {describe, it} from 'node:test'

import {BIN, runCli} from '../helpers/cli.js'
import {runCommand} from '../helpers/run.js'
import {untilOutput} from '../helpers/wait.js'

const DEMO_OBJECT = 'Plant.ControlServer.ControlObj'

/** `tarsnet demo --serve` as a child, once it says it is up (or could not start): its output so far, and its exit (code or signal). */
async function startDemoServe() {
  const child = spawn(process.execPath, [BIN, 'demo', '--serve'], {env: {...process.env, NO_COLOR: '1', CI: 'true'}, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)))
  await untilOutput(() => output, /Demo cluster up|could not start/)
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
  const r = await runCommand(['registry', 'check', '--demo', '--all', '--json', '--timeout', '300'])
  assert.equal(r.code, 2, r.stdout + r.stderr)
  assert.equal(r.json().registries[0].status, 'refused')
}

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
    const after = await runCommand(['probe', '--demo', '--json', '--timeout', '300', '--retries', '0', '--node', '127.10.0.1'])
    assert.ok(after.json().results.every((x: {status: string}) => x.status === 'refused'))
    await assertRegistriesClosed()
  })

  it('Ctrl-C during the tour stops the cluster (no stopped child left holding the ports): the next demo starts', async () => {
    const env = {...process.env, NO_COLOR: '1', CI: 'true'}
    const tour = spawn(process.execPath, [BIN, 'demo', '--timeout', '5000'], {env, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    tour.stdout.on('data', (d) => (out += d))
    tour.stderr.on('data', (d) => (out += d))
    // 'exit', not 'close': a child left behind would hold the inherited pipes open.
    const tourExited = new Promise((resolve) => tour.on('exit', (code, signal) => resolve(code ?? signal)))
    // Interrupted while probing: the dropped links keep the probe busy for the 5 s timeout.
    await untilOutput(() => out, /== Which links are up right now\?/)
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
      await untilOutput(() => out, /Demo cluster stopped\./, 5000)
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
    await untilOutput(serve.output, /Demo cluster stopped\./, 5000)
    // And its ports are free once more.
    const after = await runCommand(['probe', '--demo', '--json', '--timeout', '300', '--retries', '0', '--node', '127.10.0.2'])
    assert.ok(after.json().results.every((x: {status: string}) => x.status === 'refused'), after.stdout)
  })

  it('demo --serve runs a registry: registry check --demo --all and resolve --live agree; an old replica named by --locator is unexpanded; Ctrl-C frees its ports', async () => {
    const serve = await startDemoServe()
    const served = serve.output
    try {
      assert.match(served(), /^Demo cluster up: .*, the registry on 127\.10\.0\.1:17890; cut: 127\.10\.0\.2 on y\.$/m)
      await untilOutput(served, /Serving until Ctrl-C/)

      // A profile's or TARSNET_LOCATOR's registries are the real cluster's: --demo asks the demo's own.
      const elsewhere = {TARSNET_LOCATOR: 'tars.tarsregistry.QueryObj@tcp -h 127.0.0.9 -p 9'}
      const check = await runCommand(['registry', 'check', '--demo', '--all', '--json'], {env: elsewhere})
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
        const r = await runCommand(['registry', 'check', '--demo', '--all', '--json', ...q])
        assert.equal(r.code, 0, r.stdout + r.stderr)
        assert.equal(r.json().verdict, 'ok', q.join(' '))
      }

      // On runCli until src/registry/live.ts takes the environment from the command (it reads process.env).
      const live = await runCli(['resolve', DEMO_OBJECT, '--demo', '--live'], {env: elsewhere})
      assert.equal(live.code, 0, live.stderr)
      assert.match(live.stdout, /^Live registries: all 1 registry address agree with the database$/m)

      // The old open-source replica, reached only through a client's locator: 0.0.0.0 as stored.
      const old = await runCommand(['registry', 'check', '--demo', '--all', '--json', '--locator', 'tars.tarsregistry.QueryObj@tcp -h 127.10.0.1 -p 17890:tcp -h 127.10.0.3 -p 17890'])
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
      // A process: a demo that cannot start must not leave half its listeners in the test's process.
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
