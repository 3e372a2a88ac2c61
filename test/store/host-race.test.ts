// The database hosts are raced (RFC 8305): a first host whose SYNs are dropped costs
// the race delay (250 ms), not the whole connect timeout; the first to answer wins, the others are
// closed; which answered and which did not is said, in one line for a person and in `source` for JSON.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {DroppingListeners} from '../../src/lab/listeners.js'
import {orderHosts} from '../../src/store/host-race.js'
import {runCommand} from '../helpers/run.js'
import {adminConnection, TEST_SERVER, TestDb} from '../helpers/db.js'

describe('racing the database hosts', () => {
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
  // A cache dir per case: the host that answered last is tried first next time (checked below).
  const fresh = () => ({XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'tarsnet-race-cache-'))})

  it('a first host whose SYNs are dropped is overtaken: the second answers, the first is abandoned, JSON says which', async () => {
    // A 30 s connect timeout: waiting it out (the old behaviour) would say "no answer within 30 s".
    const r = await runCommand(['nodes', 'list', '--json', '--db', url([dead, live]), '--db-timeout', '30'], {env: fresh()})
    assert.equal(r.code, 0, r.stderr)
    const {source} = r.json()
    assert.equal(source.host, live)
    assert.equal(source.failedHosts.length, 1)
    assert.equal(source.failedHosts[0].host, dead)
    assert.equal(source.failedHosts[0].abandoned, true)
    assert.match(source.failedHosts[0].error, /^no answer within \d+ ms$/)
  })

  it('a person is told in one line which host answered and which did not', async () => {
    const r = await runCommand(['nodes', 'list', '--db', url([dead, live]), '--db-timeout', '30'], {env: fresh()})
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.match(lines[0], new RegExp(`^note: database ${live} answered; ${dead} did not \\(no answer within \\d+ ms\\)$`))
    // A healthy first host: nothing to say.
    const quiet = await runCommand(['nodes', 'list', '--db', url([live, dead])], {env: fresh()})
    assert.equal(quiet.stderr, '')
  })

  it('a refused first host starts the next at once; all failing lists every host', async () => {
    const r = await runCommand(['nodes', 'list', '--json', '--db', url(['127.0.0.1:1', live])], {env: fresh()})
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.json().source.failedHosts, [{host: '127.0.0.1:1', error: 'connection refused'}])
    const none = await runCommand(['nodes', 'list', '--db', url(['127.0.0.1:1', dead]), '--db-timeout', '1'], {env: fresh()})
    assert.equal(none.code, 1)
    assert.match(none.stderr, new RegExp(`cannot reach the database: 127\\.0\\.0\\.1:1 \\(connection refused\\), ${dead} \\(no answer within 1 s\\)`))
  })

  it('access denied on the host that answers ends the race at once (every host has the same users)', async () => {
    const admin = await adminConnection()
    await admin.query("CREATE USER IF NOT EXISTS 'tarsnet_race'@'%' IDENTIFIED BY 'right'")
    await admin.query("CREATE USER IF NOT EXISTS 'tarsnet_race'@'localhost' IDENTIFIED BY 'right'")
    await admin.end()
    const u = new URL(TEST_SERVER)
    const r = await runCommand(['nodes', 'list', '--db', `mysql://tarsnet_race:wrong@${dead},${u.hostname}:${u.port || 3306}/${db.name}`, '--db-timeout', '30'], {env: fresh()})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /denied access to user "tarsnet_race"/)
  })

  it('the host that answered last is tried first next time', async () => {
    const cache = fresh()
    const first = await runCommand(['nodes', 'list', '--json', '--db', url([dead, live])], {env: cache})
    assert.equal(first.json().source.failedHosts.length, 1)
    const second = await runCommand(['nodes', 'list', '--json', '--db', url([dead, live])], {env: cache})
    assert.equal(second.json().source.host, live)
    assert.deepEqual(second.json().source.failedHosts, [])
  })

  it('orders hosts by history, then as given', () => {
    const hosts = [{host: '10.10.0.2', port: 3306}, {host: '10.20.0.2', port: 3306}, {host: 'fd00::2', port: 3306}]
    assert.deepEqual(orderHosts(hosts, ['10.20.0.2:3306']).map((h) => h.host), ['10.20.0.2', '10.10.0.2', 'fd00::2'])
    assert.deepEqual(orderHosts(hosts, ['[fd00::2]:3306', 'nowhere:1']).map((h) => h.host), ['fd00::2', '10.10.0.2', '10.20.0.2'])
    assert.deepEqual(orderHosts(hosts).map((h) => h.host), ['10.10.0.2', '10.20.0.2', 'fd00::2'])
  })
})
