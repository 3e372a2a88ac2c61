/**
 * `tarsnet probe --timeout auto` and `--samples` against a lab on loopback (listeners that accept, ports
 * that refuse, SYNs that are dropped): the adaptive timeout gives the fixed timeout's states; several
 * samples of healthy links lose nothing; bad values are one line.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Lab, type LabEntry} from '../../src/lab/cluster.js'
import {closedPort} from '../../src/lab/listeners.js'
import {ExporterInProcess, valuesBy} from '../helpers/exporter.js'
import {runCommand} from '../helpers/run.js'
import {adapterRow, networksXY, nodeRow, serverRow, snapshotOf, writeSnapshot} from '../helpers/snapshot.js'

//   n1: up on x, dropped on y   n2: refused on x, up on y   n3: up on both   n4: dropped on x, refused on y
const PLAN: Array<[number, 'x' | 'y', LabEntry['behaviour']]> = [
  [1, 'x', 'up'], [1, 'y', 'drop'], [2, 'x', 'refused'], [2, 'y', 'up'], [3, 'x', 'up'], [3, 'y', 'up'], [4, 'x', 'drop'], [4, 'y', 'refused'],
]

describe('probe: adaptive timeouts and samples on a loopback lab', () => {
  let lab: Lab
  let dir: string
  let snap: string
  let port = 0

  before(async () => {
    port = await closedPort('127.0.51.1')
    lab = await Lab.start(PLAN.map(([i, net, behaviour]) => ({node: `n${i}`, network: net, host: `127.0.${net === 'x' ? 51 : 52}.${i}`, port, behaviour})))
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-gray-probe-'))
    const ids = [1, 2, 3, 4]
    snap = writeSnapshot(snapshotOf({
      networks: networksXY('127.0.51.0/24', '127.0.52.0/24'),
      nodes: ids.map((i) => nodeRow(`n${i}`, `127.0.51.${i},127.0.52.${i}`)),
      servers: ids.map((i) => serverRow('Lab', 'S', `n${i}`, {serverType: 'tars_cpp'})),
      adapters: ids.map((i) => adapterRow('Lab', 'S', `n${i}`, 'Lab.S.SObj', `tcp -h 0.0.0.0 -p ${port} -t 60000`, {protocol: 'not_tars'})),
    }, 'gray lab'), dir)
  })
  after(async () => {
    await lab?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const probe = (...more: string[]) => runCommand(['probe', '--snapshot', snap, '--json', '--check', 'tcp', '--retries', '0', ...more])
  const states = (json: any) => Object.fromEntries(json.results.map((r: any) => [r.host, r.status]))
  const want = Object.fromEntries(PLAN.map(([i, net, b]) => [`127.0.${net === 'x' ? 51 : 52}.${i}`, b === 'drop' ? 'timeout' : b]))

  it('--timeout auto gives the fixed timeout\'s states (up, refused, dropped), and says it waited adaptively', async () => {
    const fixed = await probe('--timeout', '1000')
    assert.equal(fixed.code, 2, fixed.stderr)
    assert.deepEqual(states(fixed.json()), want)
    for (const extra of [[], ['--timeout-max', '400']]) {
      const auto = await probe('--timeout', 'auto', ...extra)
      assert.equal(auto.code, fixed.code, auto.stderr)
      const json = auto.json()
      assert.deepEqual(states(json), want)
      assert.deepEqual([json.timeoutMode, json.timeoutMs], ['auto', extra.length > 0 ? 400 : 3000])
      assert.deepEqual(json.lines, fixed.json().lines)
      const dropped = json.results.find((r: any) => r.host === '127.0.52.1')
      assert.match(dropped.error.message, /^no answer within \d+ ms \(adaptive\)$/)
    }
  })

  it('--samples 10: healthy links are up with 0 loss and latency percentiles; dead ones keep their status with every sample lost', async () => {
    const r = await probe('--timeout', '500', '--samples', '10')
    assert.equal(r.code, 2, r.stderr)
    const json = r.json()
    assert.equal(json.samples, 10)
    // Without --retries 0 too: the default retry is not made, and JSON says so.
    const noRetry = await runCommand(['probe', '--snapshot', snap, '--json', '--check', 'tcp', '--timeout', '300', '--samples', '2'])
    assert.equal(noRetry.json().retries, 0, 'each sample is one connect: JSON says no retries were made')
    assert.deepEqual(states(json), want)
    for (const res of json.results) {
      assert.equal(res.samples, 10)
      if (res.status === 'up') {
        assert.deepEqual([res.lost, res.loss], [0, 0])
        assert.ok(res.latency.min <= res.latency.p50 && res.latency.p50 <= res.latency.p90 && res.latency.p90 <= res.latency.max)
        assert.equal(res.latencyMs, res.latency.p50)
        assert.equal(res.attempts, 10, 'each sample is one connect')
      } else {
        assert.deepEqual([res.lost, res.loss, res.latency], [10, 1, null])
      }
    }
    assert.ok(!json.lines.some((l: string) => l.startsWith('LOSSY')))
    // With one sample (the default) the same fields say one sample.
    const one = (await probe('--timeout', '500')).json().results.find((x: any) => x.host === '127.0.51.1')
    assert.deepEqual([one.samples, one.lost, one.loss, one.latency.p50], [1, 0, 0, one.latencyMs])
  })

  it('the profile\'s probe.timeoutMs "auto" and probe.samples are taken; the flag wins', async () => {
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({defaultProfile: 'plant', profiles: {plant: {probe: {timeoutMs: 'auto', timeoutMaxMs: 800, samples: 3}}}}))
    const r = await probe('--config', config)
    assert.deepEqual([r.json().timeoutMode, r.json().timeoutMs, r.json().samples], ['auto', 800, 3])
    assert.deepEqual(states(r.json()), want)
    const flag = await probe('--config', config, '--timeout', '300', '--samples', '2')
    assert.deepEqual([flag.json().timeoutMode, flag.json().timeoutMs, flag.json().samples], ['fixed', 300, 2])
  })

  it('the exporter: 5 samples per link by default, --timeout auto; loss ratio per link and the connect-latency histogram grows round by round', async () => {
    const exporter = new ExporterInProcess(['--snapshot', snap, '--listen', '127.0.0.1:0', '--interval', '1', '--check', 'tcp', '--timeout', 'auto', '--timeout-max', '500'])
    try {
      await exporter.started()
      const start = exporter.lines.find((l) => l.event === 'start')!
      assert.deepEqual([start.samples, start.timeoutMode, start.timeoutMs], [5, 'auto', 500])
      await exporter.waitForRound(1)
      const first = await exporter.samples()
      const loss = valuesBy(first, 'tarsnet_link_loss_ratio', (l) => l.ip)
      assert.deepEqual(loss, Object.fromEntries(Object.entries(want).map(([host, state]) => [host, state === 'up' ? 0 : 1])))
      const count = (samples: typeof first) => valuesBy(samples, 'tarsnet_connect_latency_seconds_count', (l) => `${l.vantage} ${l.node} ${l.network}`)
      assert.deepEqual(count(first), {'local n1 x': 5, 'local n2 y': 5, 'local n3 x': 5, 'local n3 y': 5})
      const seen = exporter.lastRound
      await exporter.waitForRound(seen + 1)
      const later = count(await exporter.samples())
      assert.ok(later['local n1 x'] >= 10, JSON.stringify(later))
    } finally {
      exporter.kill('SIGKILL')
      await exporter.exit
    }
  })

  it('bad values: one line on stderr, exit 3, nothing probed', async () => {
    for (const [args, pattern] of [
      [['--timeout', 'soon'], /invalid --timeout 'soon': give milliseconds from 1 to 600000, or auto/],
      [['--timeout', '500', '--timeout-max', '900'], /--timeout-max applies only with --timeout auto/],
      [['--samples', '0'], /samples/],
    ] as Array<[string[], RegExp]>) {
      const r = await runCommand(['probe', '--snapshot', snap, ...args])
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`)
      const lines = r.stderr.split('\n').filter(Boolean)
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0], pattern)
      assert.equal(r.stdout, '')
    }
    const config = join(dir, 'bad.json')
    writeFileSync(config, JSON.stringify({defaultProfile: 'plant', profiles: {plant: {probe: {timeoutMs: 'soon'}}}}))
    const bad = await runCommand(['probe', '--snapshot', snap, '--config', config])
    assert.equal(bad.code, 3)
    assert.match(bad.stderr, /probe\.timeoutMs is "soon" \(a string\): expected a whole number from 1 to 600000 \(milliseconds, or "auto"\)/)
  })
})
