/**
 * `tarsnet probe --prom-file` in-process against a loopback lab and a real MariaDB: the metrics written
 * atomically (a rename, never a write into the file a collector may be reading), the probe's own exit
 * code kept, tarsnet_probe_success 0 when the probe cannot run, and one clear error for a place it
 * cannot write.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Lab} from '../../src/lab/cluster.js'
import {closedPort} from '../../src/lab/listeners.js'
import {TestDb} from '../helpers/db.js'
import {parseMetrics, valuesBy, type Sample} from '../helpers/exporter.js'
import {freePort} from '../helpers/net.js'
import {runCommand} from '../helpers/run.js'

// x = 127.0.131.0/24, y = 127.0.132.0/24.
const X = (i: number) => `127.0.131.${i}`
const Y = (i: number) => `127.0.132.${i}`
const NETWORKS = 'x=127.0.131.0/24;y=127.0.132.0/24'

const linkKey = (l: Record<string, string>) => `${l.node} ${l.network} ${l.ip}`
const links = (samples: Sample[]) => valuesBy(samples, 'tarsnet_link_up', linkKey)
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value

describe('tarsnet probe --prom-file', () => {
  let db: TestDb
  let lab: Lab
  let port = 0
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-promfile-test-'))

  before(async () => {
    port = await closedPort(X(11))
    db = await TestDb.create()
    await db.addNodes([11, 12].map((i) => ({node_name: `m${i}`, ip_list: `${X(i)},${Y(i)}`})))
    await db.addServers([11, 12].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `m${i}`})))
    await db.addAdapters([11, 12].map((i) => ({application: 'Lab', server_name: 'EchoServer', node_name: `m${i}`, endpoint: `tcp -h 0.0.0.0 -p ${port}`, servant: 'Lab.EchoServer.EchoObj', protocol: 'not_tars'})))
    // m11 up on both; m12 up on x, refused on y: degraded (exit 1).
    lab = await Lab.start([
      {node: 'm11', network: 'x', host: X(11), port, behaviour: 'up'},
      {node: 'm11', network: 'y', host: Y(11), port, behaviour: 'up'},
      {node: 'm12', network: 'x', host: X(12), port, behaviour: 'up'},
    ])
  })
  after(async () => {
    await lab?.close()
    await db?.drop()
    rmSync(dir, {recursive: true, force: true})
  })

  const probe = (file: string, extra: string[] = [], url = db.url) =>
    runCommand(['probe', '--db', url, '--networks', NETWORKS, '--timeout', '500', '--retries', '0', '--prom-file', file, ...extra])

  it('writes the metrics atomically, keeps the probe\'s exit code, and passes promtool check metrics', async () => {
    const file = join(dir, 'out', 'tarsnet.prom')
    execFileSync('mkdir', ['-p', join(dir, 'out')])
    const r = await probe(file, ['--json'])
    assert.equal(r.code, 1, r.stderr)
    assert.equal(r.json().verdict, 'degraded', 'the JSON result is unchanged')
    const samples = parseMetrics(execFileSync('cat', [file], {encoding: 'utf8'}))
    assert.deepEqual(links(samples), {[`m11 x ${X(11)}`]: 1, [`m11 y ${Y(11)}`]: 1, [`m12 x ${X(12)}`]: 1, [`m12 y ${Y(12)}`]: 0})
    assert.deepEqual(valuesBy(samples, 'tarsnet_node_networks_up', (l) => l.node), {m11: 2, m12: 1})
    assert.equal(value(samples, 'tarsnet_probe_success'), 1)
    assert.deepEqual(execFileSync('ls', ['-A', join(dir, 'out')], {encoding: 'utf8'}).trim().split('\n'), ['tarsnet.prom'], 'no temporary file left behind')
    const lint = spawnSync('promtool', ['check', 'metrics'], {input: execFileSync('cat', [file]), encoding: 'utf8'})
    assert.equal(lint.status, 0, lint.stdout + lint.stderr)
    // A second run replaces the file by a rename (a new inode), never by writing into the one a collector may be reading.
    const before = statSync(file).ino
    const again = await probe(file, ['--json'])
    assert.equal(again.code, 1, again.stderr)
    assert.notEqual(statSync(file).ino, before)
    assert.deepEqual(execFileSync('ls', ['-A', join(dir, 'out')], {encoding: 'utf8'}).trim().split('\n'), ['tarsnet.prom'])
  })

  it('a probe that cannot run writes tarsnet_probe_success 0 and exits 3', async () => {
    const file = join(dir, 'down.prom')
    const closed = new URL(db.url)
    closed.host = `127.0.0.1:${await freePort()}`
    const r = await probe(file, [], closed.toString())
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^error: cannot reach the database/)
    const samples = parseMetrics(execFileSync('cat', [file], {encoding: 'utf8'}))
    assert.equal(value(samples, 'tarsnet_probe_success'), 0)
    assert.equal(samples.filter((s) => s.name === 'tarsnet_link_up').length, 0)
  })

  it('an unwritable place is one clear error before probing, and nothing is left behind', async () => {
    const missing = await probe(join(dir, 'no-such-dir', 'x.prom'))
    assert.equal(missing.code, 3)
    assert.equal(missing.stderr, `error: cannot write --prom-file ${join(dir, 'no-such-dir', 'x.prom')}: ${join(dir, 'no-such-dir')}: no such directory; choose a file in a directory you can write\n`)

    // A read-only file system (root may write anywhere else): the old file stays as it was.
    const ro = join(dir, 'ro')
    execFileSync('mkdir', ['-p', ro])
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', ro]).status === 0
    if (!mounted) return // no mount permission here: the missing directory above covers the error path
    try {
      writeFileSync(join(ro, 'tarsnet.prom'), 'old\n')
      execFileSync('mount', ['-o', 'remount,ro', ro])
      const r = await probe(join(ro, 'tarsnet.prom'))
      assert.equal(r.code, 3)
      assert.equal(r.stderr, `error: cannot write --prom-file ${join(ro, 'tarsnet.prom')}: ${ro}: read-only file system; choose a file in a directory you can write\n`)
      assert.equal(execFileSync('cat', [join(ro, 'tarsnet.prom')], {encoding: 'utf8'}), 'old\n')
      assert.deepEqual(execFileSync('ls', ['-A', ro], {encoding: 'utf8'}).trim().split('\n'), ['tarsnet.prom'])
    } finally {
      spawnSync('umount', [ro])
    }
  })
})
