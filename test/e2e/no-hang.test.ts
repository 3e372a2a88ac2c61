/**
 * What once hung a command (a recursive mkdir spinning under /proc, a FIFO opened for writing) is tried
 * in a process of its own, which is killed if it does not end in time: in this process, a command stuck
 * in a synchronous call would stop the whole test file instead of failing one test. The rest of each
 * case's story: test/cli/config-checks.test.ts, test/store/host-race.test.ts, test/edit/operator-input.test.ts.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {DroppingListeners} from '../../src/lab/listeners.js'
import {runCli, type CliResult} from '../helpers/cli.js'
import {storedIpList, TEST_SERVER, TestDb, useSeededDb} from '../helpers/db.js'

function oneErrorLine(r: CliResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stdout + r.stderr)
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'))
  assert.equal(errors.length, 1, r.stderr)
  assert.match(errors[0], pattern)
  assert.doesNotMatch(r.stderr, /TypeError|\n\s+at /)
}

describe('the config file', () => {
  it('init --config under /proc fails clearly instead of spinning in a recursive mkdir', async () => {
    const r = await runCli(['init', '--config', '/proc/tarsnet-test/cfg/config.json', '--db', 'mysql://root@127.0.0.1:1/db_tars', '--no-test'], {timeoutMs: 30_000})
    oneErrorLine(r, 1, /cannot write the config file \/proc\/tarsnet-test\/cfg\/config\.json: \/proc is on the kernel's proc filesystem/)
  })
})

describe('the database hosts\' history', () => {
  let db: TestDb
  const dropping = new DroppingListeners()
  let dead = ''
  let live = ''
  before(async () => {
    db = await TestDb.create()
    await db.addNodes([{node_name: 'node-a', ip_list: '10.10.0.5,10.20.0.5'}])
    const [l] = await dropping.add([{host: '127.0.0.1'}])
    dead = `127.0.0.1:${l.port}`
    const u = new URL(TEST_SERVER)
    live = `${u.hostname}:${u.port || 3306}`
  })
  after(async () => {
    await dropping.close()
    await db.drop()
  })
  const url = (hosts: string[]) => {
    const u = new URL(TEST_SERVER)
    return `mysql://${u.username || 'root'}${u.password ? `:${u.password}` : ''}@${hosts.join(',')}/${db.name}`
  }

  it('a cache dir that cannot be made (under /proc) only loses the history, fast', async () => {
    const r = await runCli(['nodes', 'list', '--json', '--db', url([dead, live])], {env: {XDG_CACHE_HOME: '/proc/tarsnet-no-cache'}, timeoutMs: 30_000})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().source.host, live)
  })
})

describe('the audit log', () => {
  let db: TestDb
  let dataHome: string
  useSeededDb([
    {node_name: '10.10.0.10', endpoint_ip: '10.10.0.10', ip_list: '10.10.0.10,10.20.0.10'},
    {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
  ], (seeded) => {
    db = seeded
    dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-hang-'))
  })
  const env = () => ({TARSNET_DB: db.url, TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.30.0.0/16', XDG_DATA_HOME: dataHome})
  const config = (profile: Record<string, unknown>) => {
    const path = join(dataHome, 'config.json')
    writeFileSync(path, JSON.stringify({profiles: {default: profile}}))
    return path
  }

  it('an auditLog under /proc fails clearly before anything is written, and does not spin', async () => {
    for (const auditLog of ['/proc/tarsnet-test/audit/edits.jsonl', '/proc/tarsnet-audit.jsonl', '/proc/self/status']) {
      const r = await runCli(['nodes', 'add-ip', 'node-a', '10.30.0.5', '--yes', '--config', config({auditLog})], {env: env(), timeoutMs: 30_000})
      assert.equal(r.code, 1, `${auditLog}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, new RegExp(`error: the audit log ${auditLog.replace(/\//g, '\\/')} cannot be written \\(.+\\): nothing written`), auditLog)
      assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.5')
    }
  })

  it('a FIFO as auditLog does not block: refused as not a regular file', async () => {
    const fifo = join(dataHome, 'audit.fifo')
    execFileSync('mkfifo', [fifo])
    const r = await runCli(['nodes', 'add-ip', 'node-a', '10.30.0.5', '--yes', '--config', config({auditLog: fifo})], {env: env(), timeoutMs: 30_000})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot be written \(it is not a regular file\)/)
  })
})
