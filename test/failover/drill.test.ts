/**
 * The failover model against real clients written by others: a TarsCpp client (built from the vendored
 * TarsCpp 622165c by scripts/peers/build-tarscpp.sh) and a Tars.js client (@tars/rpc), each calling a
 * servant on two networks of loopback addresses at a fixed rate with a 2 s call timeout from its config
 * file. Network x is blackholed (iptables DROP in a chain of our own, removed after) five seconds in; the
 * failed calls the client counted must be within ±30 % of what `tarsnet failover` predicts for that
 * client (same rate, timeout, endpoints, language and version). Minutes of outage and the heal are in
 * the benchmark (npm run bench -- failover). The same with a network that answers with resets (--refused).
 */
import assert from 'node:assert/strict'
import {spawnSync, type ChildProcess} from 'node:child_process'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {startTarsJsServant, type RunningServant} from '../../src/lab/tars-server.js'
import {ROOT} from '../helpers/cli.js'
import {ALL_IPS, drillMissing, failedBetween, firstAnswerFromX, freePort, modelFor, OBJ, runDrill, scratchDir, startCppServants} from '../helpers/failover-drill.js'

const RATE = 40
const TIMEOUT_MS = 2000
const CUT_AT = 5
const SECONDS = 17

const children: ChildProcess[] = []
const servants: RunningServant[] = []
after(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const s of servants) await s.close()
})

function within30(measured: number, predicted: number, what: string): void {
  process.stdout.write(`${what}: measured ${measured} failed calls, model ${predicted}\n`)
  assert.ok(predicted > 0, `${what}: the model predicts no failed calls`)
  const ratio = measured / predicted
  assert.ok(ratio >= 0.7 && ratio <= 1.3, `${what}: measured ${measured} failed calls, the model ${predicted} (ratio ${ratio.toFixed(2)}, outside ±30 %)`)
}

describe('the TarsCpp peers\' build script', () => {
  it('is idempotent: once built, a second run says so in one line', () => {
    const r = spawnSync(join(ROOT, 'scripts', 'peers', 'build-tarscpp.sh'), {encoding: 'utf8', timeout: 900_000})
    assert.equal(r.status, 0, r.stderr)
    const again = spawnSync(join(ROOT, 'scripts', 'peers', 'build-tarscpp.sh'), {encoding: 'utf8'})
    assert.equal(again.status, 0, again.stderr)
    assert.match(again.stdout, /^tarscpp-622165c: already built in \S+\n$/)
  })
})

describe('failover drill: the model against real clients, network x blackholed', () => {
  it('a TarsCpp 3.0.22 client loses what the model says, then nothing', async () => {
    const missing = drillMissing('cpp')
    assert.deepEqual(missing, [], `the drill needs: ${missing.join('; ')}`)
    const dir = scratchDir()
    const port = await freePort()
    children.push(...await startCppServants(port, dir))
    const model = await modelFor('cpp', RATE, TIMEOUT_MS, port, dir)
    const lines = await runDrill({client: 'cpp', port, rate: RATE, timeoutMs: TIMEOUT_MS, cutAt: CUT_AT, seconds: SECONDS, dir})
    assert.ok(failedBetween(lines, 0, CUT_AT - 1) === 0, `calls failed before the cut: ${JSON.stringify(lines.slice(0, CUT_AT))}`)
    within30(failedBetween(lines, CUT_AT - 1, lines.length), model.failedCalls, 'TarsCpp client')
    assert.equal(model.steadyFailedPerMinute, 0)
    // Once it stopped calling x, the last seconds fail nothing (C++: probes are TCP connects, never calls).
    assert.equal(failedBetween(lines, SECONDS - 4, SECONDS), 0, JSON.stringify(lines.slice(-6)))
  })

  it('a Tars.js (@tars/rpc) client loses what the model says', async () => {
    const missing = drillMissing('node')
    assert.deepEqual(missing, [], `the drill needs: ${missing.join('; ')}`)
    const dir = scratchDir()
    const port = await freePort()
    for (const ip of ALL_IPS) servants.push(await startTarsJsServant(OBJ, ip, port))
    const model = await modelFor('node', RATE, TIMEOUT_MS, port, dir)
    const lines = await runDrill({client: 'node', port, rate: RATE, timeoutMs: TIMEOUT_MS, cutAt: CUT_AT, seconds: SECONDS, dir})
    assert.ok(failedBetween(lines, 0, CUT_AT - 1) === 0, `calls failed before the cut: ${JSON.stringify(lines.slice(0, CUT_AT))}`)
    within30(failedBetween(lines, CUT_AT - 1, lines.length), model.failedCalls, 'Tars.js client')
  })
})

describe('failover drill: network x answers with resets (--refused)', () => {
  it('the TarsCpp client loses only the calls in flight', async () => {
    assert.deepEqual(drillMissing('cpp'), [])
    const dir = scratchDir()
    const port = await freePort()
    children.push(...await startCppServants(port, dir))
    const model = await modelFor('cpp', RATE, TIMEOUT_MS, port, dir, 'refused')
    const lines = await runDrill({client: 'cpp', port, rate: RATE, timeoutMs: TIMEOUT_MS, cutAt: CUT_AT, seconds: SECONDS, dir, mode: 'refused'})
    const measured = failedBetween(lines, CUT_AT - 1, lines.length)
    process.stdout.write(`TarsCpp client, refused: measured ${measured} failed calls, model ${model.failedCalls}\n`)
    assert.equal(model.detectSeconds, 0)
    // The resets did happen (else "a handful at most" below would hold with nothing cut): x answers nothing after the cut.
    assert.equal(firstAnswerFromX(lines, CUT_AT + 1), null, `x still answered after the cut: ${JSON.stringify(lines.slice(CUT_AT, CUT_AT + 4))}`)
    assert.ok(measured >= 1, 'no call failed: the cut did not reach the client')
    // A handful at most: a fraction of a second's calls, nowhere near a timeout's worth (RATE × share × 2 s = 40).
    assert.ok(measured <= model.failedCalls + 3, `measured ${measured}, the model ${model.failedCalls}`)
  })

  it('the Tars.js client waits its timeout even so, as the model says', async () => {
    assert.deepEqual(drillMissing('node'), [])
    const dir = scratchDir()
    const port = await freePort()
    for (const ip of ALL_IPS) servants.push(await startTarsJsServant(OBJ, ip, port))
    const model = await modelFor('node', RATE, TIMEOUT_MS, port, dir, 'refused')
    const lines = await runDrill({client: 'node', port, rate: RATE, timeoutMs: TIMEOUT_MS, cutAt: CUT_AT, seconds: SECONDS, dir, mode: 'refused'})
    within30(failedBetween(lines, CUT_AT - 1, lines.length), model.failedCalls, 'Tars.js client, refused')
  })
})
