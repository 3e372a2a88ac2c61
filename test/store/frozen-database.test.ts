// A database that stops answering never hangs a command. Every statement is bounded by a timeout derived
// from --db-timeout (5 × it); the message says what happened and whether anything can have been written.
// On a second, throwaway MariaDB of this test's own (the shared one is never stopped), frozen with SIGSTOP,
// and behind a proxy that goes silent at a chosen statement. Frozen at a confirmation prompt: in
// test/e2e/edit-prompts.test.ts.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, beforeEach, describe, it} from 'node:test'
import type {Connection, RowDataPacket} from 'mysql2/promise'

import {runCommand} from '../helpers/run.js'
import {readAuditLog} from '../helpers/db.js'
import {FreezingProxy} from '../helpers/freezing-proxy.js'
import {MariaDbInstance, noSecondServer} from '../helpers/mariadb-instance.js'

describe('a database that stops answering', {skip: noSecondServer}, () => {
  let server: MariaDbInstance
  let admin: Connection
  let dataHome: string
  let proxy: FreezingProxy | undefined

  before(async () => {
    server = await MariaDbInstance.start('freeze')
    admin = await server.connect()
  })
  after(async () => {
    await admin?.end().catch(() => {})
    server?.stop()
  })
  beforeEach(async () => {
    server.thaw()
    dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-freeze-'))
    await admin.query('DELETE FROM t_node_info')
    await admin.query("INSERT INTO t_node_info (node_name, endpoint_ip, present_state, last_heartbeat, ip_list) VALUES ('node-a', '10.10.0.5', 'active', NOW(), '10.10.0.5,10.20.0.5')")
  })
  afterEach(async () => {
    server.thaw()
    await proxy?.close()
    proxy = undefined
  })

  const stored = async () => ((await admin.query<RowDataPacket[]>("SELECT ip_list AS v FROM t_node_info WHERE node_name = 'node-a'"))[0] as RowDataPacket[])[0].v
  const env = () => ({XDG_DATA_HOME: dataHome, TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.30.0.0/16'})
  const audit = () => readAuditLog(join(dataHome, 'tarsnet', 'audit.jsonl'))

  it('frozen before connecting: the connect timeout says so, per host', async () => {
    server.freeze()
    const r = await runCommand(['nodes', 'list', '--db', server.url, '--db-timeout', '1'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /cannot reach the database: 127\.0\.0\.1:\d+ \(no answer within 1 s\)/)
  })

  it('silent in the middle of a read: one line, never a raw PROTOCOL_SEQUENCE_TIMEOUT', async () => {
    proxy = await FreezingProxy.start({host: '127.0.0.1', port: server.port}, /FROM t_node_info/, {forwardMatch: true})
    const r = await runCommand(['nodes', 'list', '--db', `mysql://root@127.0.0.1:${proxy.port}/db_tars`, '--db-timeout', '1'])
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stderr, /^error: the database stopped answering \(no reply from 127\.0\.0\.1:\d+ within 5 s\); nothing was written: try again/m)
    assert.doesNotMatch(r.stderr, /PROTOCOL_SEQUENCE_TIMEOUT|unexpected/)
    const json = await runCommand(['nodes', 'list', '--json', '--db', `mysql://root@127.0.0.1:${proxy.port}/db_tars`, '--db-timeout', '1'])
    assert.equal(json.json().error.code, 'db_no_reply')
  })

  it('silent inside the transaction, before COMMIT: nothing was written, and the row is not left locked', async () => {
    // Silent after the UPDATE went through (row changed and locked), before COMMIT was sent.
    proxy = await FreezingProxy.start({host: '127.0.0.1', port: server.port}, /^SELECT CURRENT_USER/, {forwardMatch: true})
    const r = await runCommand(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.5', '10.30.0.5', '--yes', '--db', `mysql://root@127.0.0.1:${proxy.port}/db_tars`, '--db-timeout', '1'], {env: env()})
    assert.equal(r.code, 1, r.stdout)
    assert.match(r.stderr, /the database stopped answering \(no reply from 127\.0\.0\.1:\d+ within 5 s\); nothing was written/)
    assert.equal(await stored(), '10.10.0.5,10.20.0.5')
    assert.deepEqual(audit(), [])
    // The server rolled the transaction back when the connection went: the row takes a new write at once.
    await admin.query("UPDATE t_node_info SET ip_list = '10.10.0.5' WHERE node_name = 'node-a'")
  })

  it('silent after COMMIT was sent: the outcome is unknown, and the message says so and how to check', async () => {
    proxy = await FreezingProxy.start({host: '127.0.0.1', port: server.port}, /^COMMIT/, {forwardMatch: true})
    const r = await runCommand(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.5', '10.30.0.5', '--yes', '--json', '--db', `mysql://root@127.0.0.1:${proxy.port}/db_tars`, '--db-timeout', '1'], {env: env()})
    assert.equal(r.code, 1)
    const {error} = r.json()
    assert.equal(error.code, 'commit_unknown')
    assert.match(error.message, /the database stopped answering while committing \(no reply from 127\.0\.0\.1:\d+ within 5 s\): the change may or may not be applied; once it answers again, check with `tarsnet nodes show node-a`/)
    // Here the server did commit: exactly why the message cannot say "nothing was written".
    assert.equal(await stored(), '10.10.0.5,10.20.0.5,10.30.0.5')
    assert.deepEqual(audit(), [])
  })

  it('db migrate: silent during the ALTER says the column may or may not have been added', async () => {
    await admin.query('ALTER TABLE t_node_info DROP COLUMN ip_list')
    try {
      proxy = await FreezingProxy.start({host: '127.0.0.1', port: server.port}, /^ALTER TABLE/, {forwardMatch: false})
      const r = await runCommand(['db', 'migrate', '--yes', '--db', `mysql://root@127.0.0.1:${proxy.port}/db_tars`, '--db-timeout', '1'], {env: env()})
      assert.equal(r.code, 1)
      assert.match(r.stderr, /the database stopped answering during the ALTER TABLE \(no reply from 127\.0\.0\.1:\d+ within 25 s\): the column may or may not have been added; .*`tarsnet db migrate --dry-run`/)
    } finally {
      await admin.query('ALTER TABLE t_node_info ADD COLUMN IF NOT EXISTS ip_list varchar(512) DEFAULT NULL')
    }
  })
})
