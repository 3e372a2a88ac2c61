/**
 * `tarsnet exporter` for real, run in-process until stopped: reading a real MariaDB (through a TCP proxy
 * the test can cut, so the shared server is never stopped), probing a loopback lab cluster with up,
 * dropped and refused links, scraped over HTTP and by a real Prometheus server; and its bad input.
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Lab} from '../../src/lab/cluster.js'
import {closedPort, UpListeners} from '../../src/lab/listeners.js'
import {ROOT} from '../helpers/cli.js'
import {TEST_SERVER, TestDb} from '../helpers/db.js'
import {ExporterInProcess, parseMetrics, valuesBy, type Sample} from '../helpers/exporter.js'
import {freePort} from '../helpers/net.js'
import {runCommand} from '../helpers/run.js'
import {snapshotOf, writeSnapshot} from '../helpers/snapshot.js'
import {TcpProxy} from '../helpers/tcp-proxy.js'
import {poll} from '../helpers/wait.js'

// The lab: x = 127.0.131.0/24, y = 127.0.132.0/24, one TCP servant per node on PORT, bound to 0.0.0.0.
//   n1: up on x and y (y is the link the test cuts and heals)
//   n2: up on x, dropped on y (timeout)
//   n3: refused on x and y (unreachable)
const X = (i: number) => `127.0.131.${i}`
const Y = (i: number) => `127.0.132.${i}`
const NETWORKS = 'x=127.0.131.0/24;y=127.0.132.0/24'
const METRICS = ['tarsnet_link_up', 'tarsnet_link_latency_seconds', 'tarsnet_node_networks_up', 'tarsnet_node_networks', 'tarsnet_probe_success', 'tarsnet_probe_duration_seconds', 'tarsnet_probe_timestamp_seconds', 'tarsnet_probe_targets']

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], {encoding: 'utf8'})
  return r.status === 0 ? r.stdout.trim() : null
}

const linkKey = (l: Record<string, string>) => `${l.node} ${l.network} ${l.ip}`
const links = (samples: Sample[]) => valuesBy(samples, 'tarsnet_link_up', linkKey)
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value

describe('tarsnet exporter against a lab cluster and a real database', () => {
  let db: TestDb
  let lab: Lab
  let cuttable: UpListeners
  let proxy: TcpProxy
  let exporter: ExporterInProcess
  let port = 0
  let dbUrl = ''
  let prometheus: ChildProcess | undefined
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-exporter-test-'))

  before(async () => {
    port = await closedPort(X(1))
    db = await TestDb.create()
    await db.addNodes([1, 2, 3].map((i) => ({node_name: `n${i}`, ip_list: `${X(i)},${Y(i)}`})))
    await db.addServers([1, 2, 3].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `n${i}`})))
    await db.addAdapters([1, 2, 3].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `n${i}`, endpoint: `tcp -h 0.0.0.0 -p ${port} -t 60000`, servant: 'Lab.EchoServer.EchoObj', protocol: 'not_tars'})))
    lab = await Lab.start([
      {node: 'n1', network: 'x', host: X(1), port, behaviour: 'up'},
      {node: 'n2', network: 'x', host: X(2), port, behaviour: 'up'},
      {node: 'n2', network: 'y', host: Y(2), port, behaviour: 'drop'},
    ])
    cuttable = new UpListeners()
    await cuttable.add(Y(1), port)
    const server = new URL(TEST_SERVER)
    proxy = new TcpProxy({host: server.hostname.replace(/^\[|\]$/g, ''), port: Number(server.port || 3306)})
    await proxy.start()
    const url = new URL(db.url)
    url.host = `127.0.0.1:${proxy.port}`
    dbUrl = url.toString()
    exporter = new ExporterInProcess(['--db', dbUrl, '--networks', NETWORKS, '--listen', '127.0.0.1:0', '--interval', '1', '--timeout', '300', '--retries', '0'])
    await exporter.started()
  })

  after(async () => {
    exporter?.kill('SIGKILL')
    await exporter?.exit
    prometheus?.kill('SIGKILL')
    await lab?.close()
    await cuttable?.close()
    await proxy?.stop()
    await db?.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  it('serves the last complete round: every link and node, HELP and TYPE on each metric, /healthz', async () => {
    await exporter.waitForRound(1)
    const r = await exporter.scrape()
    assert.equal(r.status, 200)
    assert.equal(r.contentType, 'text/plain; version=0.0.4; charset=utf-8')
    for (const name of METRICS) {
      assert.match(r.text, new RegExp(`^# HELP ${name} \\S`, 'm'), `HELP of ${name}`)
      assert.match(r.text, new RegExp(`^# TYPE ${name} gauge$`, 'm'), `TYPE of ${name}`)
    }
    const samples = parseMetrics(r.text)
    assert.deepEqual(links(samples), {
      [`n1 x ${X(1)}`]: 1, [`n1 y ${Y(1)}`]: 1,
      [`n2 x ${X(2)}`]: 1, [`n2 y ${Y(2)}`]: 0,
      [`n3 x ${X(3)}`]: 0, [`n3 y ${Y(3)}`]: 0,
    })
    const link = samples.find((s) => s.name === 'tarsnet_link_up')!
    assert.deepEqual(Object.keys(link.labels), ['source', 'node', 'network', 'ip', 'port'])
    assert.equal(link.labels.source, 'local')
    assert.equal(link.labels.port, String(port))
    // Latency only for the links that answered.
    assert.deepEqual(Object.keys(valuesBy(samples, 'tarsnet_link_latency_seconds', linkKey)).sort(), [`n1 x ${X(1)}`, `n1 y ${Y(1)}`, `n2 x ${X(2)}`])
    for (const s of samples.filter((x) => x.name === 'tarsnet_link_latency_seconds')) assert.ok(s.value > 0 && s.value < 1)
    assert.deepEqual(valuesBy(samples, 'tarsnet_node_networks_up', (l) => l.node), {n1: 2, n2: 1, n3: 0})
    assert.deepEqual(valuesBy(samples, 'tarsnet_node_networks', (l) => l.node), {n1: 2, n2: 2, n3: 2})
    assert.equal(value(samples, 'tarsnet_probe_success'), 1)
    assert.equal(value(samples, 'tarsnet_probe_targets'), 6)
    assert.ok(value(samples, 'tarsnet_probe_duration_seconds')! > 0)
    assert.ok(Math.abs(value(samples, 'tarsnet_probe_timestamp_seconds')! - Date.now() / 1000) < 60)

    const health = await exporter.scrape('/healthz')
    assert.equal(health.status, 200)
    assert.equal(JSON.parse(health.text).status, 'ok')
    assert.equal((await exporter.scrape('/')).status, 200)
    assert.equal((await exporter.scrape('/nothing')).status, 404)

    // The exposition passes Prometheus's own linter.
    const lint = spawnSync('promtool', ['check', 'metrics'], {input: r.text, encoding: 'utf8'})
    assert.equal(lint.status, 0, lint.stdout + lint.stderr)
  })

  it('a link cut and healed: the metrics follow within two rounds', async () => {
    await cuttable.close() // n1's y side now refuses
    let n = exporter.lastRound
    await exporter.waitForRound(n + 2) // round n+1 may have started before the cut; n+2 started after it
    let samples = await exporter.samples()
    assert.equal(links(samples)[`n1 y ${Y(1)}`], 0)
    assert.equal(value(samples, 'tarsnet_node_networks_up', {node: 'n1'}), 1)
    assert.equal(value(samples, 'tarsnet_link_latency_seconds', {node: 'n1', network: 'y'}), undefined)

    cuttable = new UpListeners()
    await cuttable.add(Y(1), port) // healed
    n = exporter.lastRound
    await exporter.waitForRound(n + 2)
    samples = await exporter.samples()
    assert.equal(links(samples)[`n1 y ${Y(1)}`], 1)
    assert.equal(value(samples, 'tarsnet_node_networks_up', {node: 'n1'}), 2)
  })

  it('the database goes away between rounds: the last round\'s links stay served with tarsnet_probe_success 0, and come back with it', async () => {
    const before = await exporter.samples()
    await proxy.stop()
    const failed = await exporter.waitForLine((l) => l.event === 'round' && l.success === false, 'a failed round')
    assert.match(failed.collectors[0].error, /cannot reach the database/)
    // Still running, still serving: the links of the last round that worked.
    const samples = await exporter.samples()
    assert.equal(value(samples, 'tarsnet_probe_success'), 0)
    assert.deepEqual(links(samples), links(before))
    assert.equal(value(samples, 'tarsnet_probe_targets'), 6)
    const lastGood = exporter.lines.filter((l) => l.event === 'round' && l.success && l.round < failed.round).pop()!
    assert.equal(value(samples, 'tarsnet_probe_timestamp_seconds'), Date.parse(lastGood.collectors[0].measuredAt) / 1000)
    assert.equal((await exporter.scrape('/healthz')).status, 200, 'the exporter itself is fine: its rounds keep running')

    await proxy.start()
    await exporter.waitForLine((l) => l.event === 'round' && l.success === true && l.round > failed.round, 'a round that works again')
    const back = await exporter.samples()
    assert.equal(value(back, 'tarsnet_probe_success'), 1)
    assert.ok(value(back, 'tarsnet_probe_timestamp_seconds')! > value(samples, 'tarsnet_probe_timestamp_seconds')!)
  })

  it('a real Prometheus scrapes it (with the shipped rules loaded): its API returns tarsnet_link_up series', {skip: which('prometheus') ? false : 'no prometheus binary (apt-get install prometheus)'}, async () => {
    const promPort = await freePort()
    const target = new URL(exporter.url).host
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      `rule_files: ['${join(ROOT, 'contrib', 'prometheus', 'tarsnet-rules.yml')}']`,
      'scrape_configs:',
      '  - job_name: tarsnet',
      `    static_configs: [{targets: ['${target}']}]`,
      '',
    ].join('\n'))
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {stdio: 'ignore'})
    const api = `http://127.0.0.1:${promPort}/api/v1`
    const series = await poll('tarsnet_link_up in Prometheus', async () => {
      const body = await (await fetch(`${api}/query?query=tarsnet_link_up`)).json() as {data: {result: Array<{metric: Record<string, string>; value: [number, string]}>}}
      return body.data.result.length === 6 ? body.data.result : undefined
    })
    const byLink = Object.fromEntries(series.map((s) => [linkKey(s.metric), s.value[1]]))
    assert.equal(byLink[`n3 x ${X(3)}`], '0')
    assert.equal(byLink[`n2 x ${X(2)}`], '1')
    for (const s of series) {
      assert.equal(s.metric.job, 'tarsnet')
      assert.equal(s.metric.source, 'local')
    }
    const rules = await (await fetch(`${api}/rules`)).json() as {data: {groups: Array<{rules: Array<{name: string; health: string}>}>}}
    const loaded = rules.data.groups.flatMap((g) => g.rules)
    assert.ok(loaded.length >= 4, 'the shipped rules are loaded')
    for (const r of loaded) assert.notEqual(r.health, 'err', `rule ${r.name}`)
    prometheus.kill('SIGTERM')
  })

  it('SIGTERM stops it cleanly: exit 0, a stop line, the port closed', async () => {
    // The signal as the exporter's handler gets it (io.onInterrupt); a real process's is test/e2e/exporter-mesh.test.ts's.
    const url = exporter.url
    exporter.kill('SIGTERM')
    const {code, signal} = await exporter.exit
    assert.equal(signal, null)
    assert.equal(code, 0, exporter.stderr)
    assert.ok(exporter.lines.some((l) => l.event === 'stop'))
    assert.equal(JSON.parse(exporter.stdout).rounds, exporter.lastRound)
    await assert.rejects(fetch(url))
    // Never two rounds at once: each round started after the one before it ended.
    const rounds = exporter.lines.filter((l) => l.event === 'round')
    assert.ok(rounds.length >= 8)
    for (let i = 1; i < rounds.length; i++) {
      assert.equal(rounds[i].round, rounds[i - 1].round + 1)
      assert.ok(Date.parse(rounds[i].time) - rounds[i].durationSeconds * 1000 >= Date.parse(rounds[i - 1].time) - 1, `round ${rounds[i].round} started after round ${rounds[i - 1].round} ended`)
    }
  })
})

describe('tarsnet exporter: bad input, the profile\'s exporter keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-exporter-input-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('a bad --listen is one clear line', async () => {
    for (const [listen, why] of [['nonsense', 'no port'], ['127.0.0.1:99999', 'port 99999 is over 65535'], ['::1:9731', 'an IPv6 address goes in brackets ([::1]:9731)'], ['256.1.1.1:9731', '"256.1.1.1" is not an IP address or host name']]) {
      const r = await runCommand(['exporter', '--demo', '--listen', listen])
      assert.equal(r.code, 1)
      assert.equal(r.stderr, `error: invalid --listen '${listen}': ${why}; write HOST:PORT, e.g. --listen 127.0.0.1:9731\n`)
    }
  })

  it('SSH flags without --mesh, or a missing ssh config with it, are one clear line', async () => {
    const without = await runCommand(['exporter', '--demo', '--ssh-user', 'tars'])
    assert.equal(without.code, 1)
    assert.equal(without.stderr, 'error: --ssh-user applies only with --mesh: add --mesh, or leave it out\n')
    const missing = join(dir, 'no-ssh-config')
    const withMesh = await runCommand(['exporter', '--demo', '--mesh', '--ssh-config', missing])
    assert.equal(withMesh.code, 3)
    assert.equal(withMesh.stderr, `error: ssh config file ${missing} (--ssh-config) does not exist or is not a file: give the path of an ssh_config file\n`)
  })

  it('an address in use is one clear line', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const {port} = blocker.address() as net.AddressInfo
    try {
      const r = await runCommand(['exporter', '--demo', '--listen', `127.0.0.1:${port}`])
      assert.equal(r.code, 1)
      assert.equal(r.stderr, `error: cannot listen on 127.0.0.1:${port}: the address is already in use (another exporter running?): choose another --listen port\n`)
    } finally {
      blocker.close()
    }
  })

  it('takes listen and interval from the profile; a wrong key there is one clear line', async () => {
    const snapshot = writeSnapshot(snapshotOf(), dir)
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({profiles: {plant: {exporter: {listen: '127.0.0.1:0', interval: 7}}, typo: {exporter: {lisen: '127.0.0.1:0'}}, bad: {exporter: {interval: 0.5}}}}))
    const exporter = new ExporterInProcess(['--config', config, '--profile', 'plant', '--snapshot', snapshot])
    try {
      await exporter.started()
      const start = exporter.lines.find((l) => l.event === 'start')!
      assert.equal(start.intervalSeconds, 7)
      assert.equal(start.host, '127.0.0.1')
      // An empty cluster: the round fails (nothing to probe), and says so; the exporter keeps running.
      const round = await exporter.waitForRound(1)
      assert.equal(round.success, false)
      assert.match(round.collectors[0].error, /^nothing to probe/)
      assert.equal(value(await exporter.samples(), 'tarsnet_probe_success'), 0)
    } finally {
      exporter.kill('SIGTERM')
      await exporter.exit
    }
    // An unknown key is said once and ignored (a newer tarsnet's key must not stop an older one).
    const typo = await runCommand(['config', 'show', '--config', config, '--profile', 'typo'])
    assert.equal(typo.code, 0)
    assert.equal(typo.stderr, `note: profile "typo" in ${config}: unknown key exporter.lisen ignored (known: exporter.listen, exporter.interval, exporter.mesh, exporter.findings, exporter.samples)\n`)
    const bad = await runCommand(['exporter', '--config', config, '--profile', 'bad', '--demo', '--json'])
    assert.equal(bad.code, 1)
    assert.deepEqual(bad.json().error, {code: 'invalid_config', message: `profile "bad" in ${config}: exporter.interval is 0.5: expected a whole number from 1 to 86400 (seconds)`, exitCode: 1})
  })
})
