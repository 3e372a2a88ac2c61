// Never lose or half-write, on a real MariaDB with edits running concurrently:
// two edits of one node at once → exactly one wins, the other reports the conflict with both values;
// a connection killed inside the transaction → the old values stay.
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import mysql, {type Connection, type RowDataPacket} from 'mysql2/promise'

import type {CliResult} from '../helpers/cli.js'
import {runCommand} from '../helpers/run.js'
import {readAuditLog, serverOptions, storedIpList, useSeededDb, type TestDb} from '../helpers/db.js'

let db: TestDb
let dataHome: string
useSeededDb([
  {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
  {node_name: 'node-b', endpoint_ip: '10.10.0.6', ip_list: '10.10.0.6,10.20.0.6'},
], (seeded) => {
  db = seeded
  dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-race-'))
})

const run = (args: string[]): Promise<CliResult> =>
  runCommand(args, {env: {TARSNET_DB: db.url, TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.20.0.0/16', XDG_DATA_HOME: dataHome}})
const audit = () => readAuditLog(join(dataHome, 'tarsnet', 'audit.jsonl'))
const value = (node: string) => storedIpList(db, node)

/** A session of our own, to hold row locks while the edits run (each on a connection of its own). */
async function session(): Promise<Connection> {
  return mysql.createConnection({...serverOptions(), database: db.name})
}

/**
 * Waits until `count` tarsnet sessions are blocked in their UPDATE of this database (so they have read the
 * value and are inside their transaction). PROCESSLIST is live; an UPDATE still running while we hold the
 * row is waiting for it. Returns the session ids and how many rows each has modified so far (INNODB_TRX).
 */
async function waitForLockWaits(watcher: Connection, count: number, running: Array<Promise<CliResult>> = []): Promise<Array<{id: number; modified: number}>> {
  let finished: CliResult | undefined
  for (const p of running) void p.then((r) => (finished ??= r))
  const deadline = Date.now() + 30_000
  for (;;) {
    const [rows] = await watcher.query<RowDataPacket[]>(
      "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'UPDATE t_node_info SET%' AND ID <> CONNECTION_ID()",
      [db.name],
    )
    if (rows.length >= count) {
      // INNODB_TRX is a cache refreshed at most every 100 ms: let it catch up.
      await new Promise((r) => setTimeout(r, 250))
      const ids = rows.map((r) => Number(r.id))
      const [trx] = await watcher.query<RowDataPacket[]>(
        "SELECT trx_mysql_thread_id AS id, trx_rows_modified AS m, trx_state AS s FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id IN (?)", [ids])
      assert.ok(trx.every((t) => t.s === 'LOCK WAIT'), JSON.stringify(trx))
      return ids.map((id) => ({id, modified: Number(trx.find((t) => Number(t.id) === id)?.m ?? -1)}))
    }
    // An edit that ended instead of waiting has failed: say what it said.
    if (finished) throw new Error(`a tarsnet edit ended before reaching the lock (exit ${finished.code}): ${finished.stderr}${finished.stdout}`)
    if (Date.now() > deadline) throw new Error(`only ${rows.length} of ${count} sessions reached the lock`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('concurrent and interrupted edits', () => {
  it('two edits of one node at once: exactly one wins, the other writes nothing and shows both values', async () => {
    // Hold node-a's row so both edits read the same value, then queue on the UPDATE.
    const holder = await session()
    const watcher = await session()
    try {
      await holder.beginTransaction()
      await holder.query("SELECT * FROM t_node_info WHERE node_name = 'node-a' FOR UPDATE")
      const one = run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.51', '--yes', '--json'])
      const two = run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.52', '--yes', '--json'])
      await waitForLockWaits(watcher, 2, [one, two])
      await holder.commit() // release without changing: the two race for the row
      const results = await Promise.all([one, two])
      const winners = results.filter((r) => r.code === 0)
      const losers = results.filter((r) => r.code !== 0)
      assert.equal(winners.length, 1, results.map((r) => r.stdout + r.stderr).join('\n---\n'))
      assert.equal(losers.length, 1)
      const won = winners[0].json().changes[0].afterRaw as string
      const error = losers[0].json().error
      assert.equal(error.code, 'conflict')
      assert.match(error.message, /nothing written/)
      assert.ok(error.message.includes('read "10.10.0.5,10.20.0.5"'), error.message)
      assert.ok(error.message.includes(`now "${won}"`), error.message)
      assert.equal(await value('node-a'), won)
      const log = audit()
      assert.equal(log.length, 1, 'only the applied change is logged')
      assert.equal(log[0].after, won)
      assert.equal(log[0].before, '10.10.0.5,10.20.0.5')
    } finally {
      await holder.end().catch(() => {})
      await watcher.end().catch(() => {})
    }
  })

  it('a change committed by someone else after the read (e.g. tarsnode) is never overwritten', async () => {
    const holder = await session()
    const watcher = await session()
    try {
      await holder.beginTransaction()
      await holder.query("SELECT * FROM t_node_info WHERE node_name = 'node-a' FOR UPDATE")
      const edit = run(['nodes', 'add-ip', 'node-a', 'fd00::5', '--yes'])
      await waitForLockWaits(watcher, 1, [edit])
      // "tarsnode" reports its IPs while the operator's edit is in flight.
      await holder.query("UPDATE t_node_info SET ip_list = '10.10.0.5,10.20.0.5,10.30.0.5' WHERE node_name = 'node-a'")
      await holder.commit()
      const r = await edit
      assert.equal(r.code, 1, r.stdout + r.stderr)
      assert.match(r.stderr, /error: conflict, nothing written: .*node-a: read "10\.10\.0\.5,10\.20\.0\.5", now "10\.10\.0\.5,10\.20\.0\.5,10\.30\.0\.5"; run the command again/)
      assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5,10.30.0.5')
      assert.deepEqual(audit(), [])
    } finally {
      await holder.end().catch(() => {})
      await watcher.end().catch(() => {})
    }
  })

  it('the compare is exact: a change of case or a trailing space in between is a conflict too', async () => {
    const holder = await session()
    const watcher = await session()
    try {
      await db.query("UPDATE t_node_info SET ip_list = 'fd00::5' WHERE node_name = 'node-a'")
      await holder.beginTransaction()
      await holder.query("SELECT * FROM t_node_info WHERE node_name = 'node-a' FOR UPDATE")
      const edit = run(['nodes', 'add-ip', 'node-a', '10.10.0.5', '--yes', '--json'])
      await waitForLockWaits(watcher, 1, [edit])
      await holder.query("UPDATE t_node_info SET ip_list = 'FD00::5 ' WHERE node_name = 'node-a'")
      await holder.commit()
      const r = await edit
      assert.equal(r.json().error?.code, 'conflict', r.stdout + r.stderr)
      assert.equal(await value('node-a'), 'FD00::5 ')
    } finally {
      await holder.end().catch(() => {})
      await watcher.end().catch(() => {})
    }
  })

  it('the connection killed inside the transaction (one node already updated) leaves every old value', async () => {
    const file = join(dataHome, 'two.csv')
    writeFileSync(file, 'node-a,10.10.0.5 10.20.0.55\nnode-b,10.10.0.6 10.20.0.66\n')
    const holder = await session()
    const watcher = await session()
    try {
      // node-b is held: the import updates node-a, then waits on node-b inside its transaction.
      await holder.beginTransaction()
      await holder.query("SELECT * FROM t_node_info WHERE node_name = 'node-b' FOR UPDATE")
      const edit = run(['nodes', 'import', file, '--yes'])
      const [waiting] = await waitForLockWaits(watcher, 1, [edit])
      assert.equal(waiting.modified, 1, 'node-a was already updated inside the transaction')
      await watcher.query(`KILL CONNECTION ${waiting.id}`)
      await holder.rollback()
      const r = await edit
      assert.equal(r.code, 1, r.stdout + r.stderr)
      assert.match(r.stderr, /error: the database connection was lost before the change was committed .*nothing was written/)
      assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5')
      assert.equal(await value('node-b'), '10.10.0.6,10.20.0.6')
      assert.deepEqual(audit(), [])
    } finally {
      await holder.end().catch(() => {})
      await watcher.end().catch(() => {})
    }
  })

  it('one conflicting node in an import rolls back the nodes already written', async () => {
    const file = join(dataHome, 'two.json')
    writeFileSync(file, JSON.stringify({'node-a': ['10.10.0.5', '10.20.0.55'], 'node-b': ['10.10.0.6', '10.20.0.66']}))
    const holder = await session()
    const watcher = await session()
    try {
      await holder.beginTransaction()
      await holder.query("SELECT * FROM t_node_info WHERE node_name = 'node-b' FOR UPDATE")
      const edit = run(['nodes', 'import', file, '--yes', '--json'])
      await waitForLockWaits(watcher, 1, [edit])
      await holder.query("UPDATE t_node_info SET ip_list = '10.10.0.6' WHERE node_name = 'node-b'")
      await holder.commit()
      const r = await edit
      assert.equal(r.json().error?.code, 'conflict', r.stdout + r.stderr)
      assert.match(r.json().error.message, /node-b: read "10\.10\.0\.6,10\.20\.0\.6", now "10\.10\.0\.6"/)
      assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5', 'node-a\'s update was rolled back')
      assert.equal(await value('node-b'), '10.10.0.6')
      assert.deepEqual(audit(), [])
    } finally {
      await holder.end().catch(() => {})
      await watcher.end().catch(() => {})
    }
  })
})
