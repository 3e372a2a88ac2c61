/**
 * `tarsnet exporter --findings`, in-process: the readiness check as a collector of the exporter, reading
 * a real MariaDB afresh every round, scraped over HTTP: tarsnet_check_findings{severity} with HELP and
 * TYPE and all three severities always present, following the database as it is fixed.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {closedPort} from '../../src/lab/listeners.js'
import {TestDb} from '../helpers/db.js'
import {ExporterInProcess, parseMetrics, type Sample} from '../helpers/exporter.js'
import {poll} from '../helpers/wait.js'

const X = (i: number) => `127.0.191.${i}`
const Y = (i: number) => `127.0.192.${i}`
const NETWORKS = 'x=127.0.191.0/24;y=127.0.192.0/24'

const findings = (samples: Sample[]) => Object.fromEntries(samples.filter((s) => s.name === 'tarsnet_check_findings').map((s) => [s.labels.severity, s.value]))

describe('tarsnet exporter --findings against a real database', () => {
  let db: TestDb
  let port = 0
  const running: ExporterInProcess[] = []

  before(async () => {
    // Nothing listens on the port: the probe's links are refused; the check does not care.
    port = await closedPort(X(1))
    db = await TestDb.create()
    // n3 has no y (critical); n2's servant is bound to its x address (critical); n4 has no IP list (warning).
    await db.addNodes([
      {node_name: 'n1', ip_list: `${X(1)},${Y(1)}`},
      {node_name: 'n2', ip_list: `${X(2)},${Y(2)}`},
      {node_name: 'n3', ip_list: X(3)},
      {node_name: 'n4', ip_list: null, endpoint_ip: X(4)},
    ])
    await db.addServers([1, 2].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `n${i}`})))
    await db.addAdapters([
      {application: 'Lab', server_name: 'EchoServer', node_name: 'n1', endpoint: `tcp -h 0.0.0.0 -p ${port}`, servant: 'Lab.EchoServer.EchoObj'},
      {application: 'Lab', server_name: 'EchoServer', node_name: 'n2', endpoint: `tcp -h ${X(2)} -p ${port}`, servant: 'Lab.EchoServer.EchoObj'},
    ])
    await db.query(`INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES ('n1:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 0.0.0.0 -p 17890', NOW(), 'active', '3.0.19'), ('n2:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 0.0.0.0 -p 17890', NOW(), 'active', '3.0.19')`)
  })
  after(async () => {
    for (const e of running) e.kill('SIGKILL')
    await Promise.all(running.map((e) => e.exit))
    await db?.drop()
  })

  const start = async (...extra: string[]) => {
    const e = new ExporterInProcess(['--db', db.url, '--networks', NETWORKS, '--listen', '127.0.0.1:0', '--interval', '1', '--check', 'tcp', '--timeout', '200', '--retries', '0', ...extra])
    running.push(e)
    await e.started()
    return e
  }

  it('exports the findings per severity, all three always, with HELP and TYPE, and follows the database', async () => {
    const e = await start('--findings')
    await e.waitForRound(1)
    const first = await e.scrape()
    assert.equal(first.status, 200)
    assert.match(first.text, /^# HELP tarsnet_check_findings Findings of the readiness check, by severity\.$/m)
    assert.match(first.text, /^# TYPE tarsnet_check_findings gauge$/m)
    assert.deepEqual(findings(parseMetrics(first.text)), {critical: 2, warning: 1, info: 0})
    // The round's log line says what was found.
    const line = await e.waitForRound(1)
    const check = line.collectors.find((c: any) => c.name === 'check')
    assert.equal(check.ok, true)
    assert.deepEqual(check.findings, {critical: 2, warning: 1, info: 0})
    assert.equal(check.codes['node-missing-network'], 1)

    // Fixed in the database: the next rounds read it afresh.
    await db.query('UPDATE t_node_info SET ip_list = ? WHERE node_name = ?', [`${X(3)},${Y(3)}`, 'n3'])
    await db.query('UPDATE t_adapter_conf SET endpoint = ? WHERE node_name = ?', [`tcp -h 0.0.0.0 -p ${port}`, 'n2'])
    await db.query('UPDATE t_node_info SET ip_list = ? WHERE node_name = ?', [`${X(4)},${Y(4)}`, 'n4'])
    const now = await poll('no critical finding and no warning', async () => {
      const f = findings(await e.samples())
      return f.critical === 0 && f.warning === 0 ? f : undefined
    }, 30_000, 250)
    assert.deepEqual(now, {critical: 0, warning: 0, info: 0})
    e.kill()
    assert.deepEqual(await e.exit, {code: 0, signal: null})
  })

  it('without --findings there is no tarsnet_check_findings', async () => {
    const e = await start()
    await e.waitForRound(1)
    const {text} = await e.scrape()
    assert.match(text, /^tarsnet_probe_success /m)
    assert.doesNotMatch(text, /tarsnet_check_findings/)
    e.kill()
    await e.exit
  })

  it('the profile\'s exporter.findings turns it on, --no-findings off again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-exporter-findings-'))
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({defaultProfile: 'mon', profiles: {mon: {exporter: {findings: true}}}}), {mode: 0o600})
    try {
      const on = await start('--config', config)
      await on.waitForRound(1)
      // (the first test has fixed the database by now: the series is there, whatever its value)
      assert.match((await on.scrape()).text, /^tarsnet_check_findings\{severity="critical"\} \d+$/m)
      on.kill()
      await on.exit
      const off = await start('--config', config, '--no-findings')
      await off.waitForRound(1)
      assert.doesNotMatch((await off.scrape()).text, /tarsnet_check_findings/)
      off.kill()
      await off.exit
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
