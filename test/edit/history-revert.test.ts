// `nodes history --revert ID`: an applied change undone through the same checks and compare-and-swap as any
// edit, and logged; what cannot be reverted is refused.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {storedIpList, TestDb, useSeededDb} from '../helpers/db.js'
import {runCommand} from '../helpers/run.js'

const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.30.0.0/16'
const SEED = [
  {node_name: '10.10.0.10', endpoint_ip: '10.10.0.10', ip_list: '10.10.0.10,10.20.0.10'},
  {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
]

let db: TestDb
let dataHome: string
useSeededDb(SEED, (seeded) => {
  db = seeded
  dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-revert-'))
})
const env = () => ({TARSNET_DB: db.url, TARSNET_NETWORKS: NETWORKS, XDG_DATA_HOME: dataHome})

describe('nodes history --revert ID', () => {
  const history = async () => (await runCommand(['nodes', 'history', '--json'], {env: env()})).json().entries as Array<{id: string; node: string; before: string | null; after: string | null; revertOf?: string}>

  it('undoes an applied change through the same checks and the compare-and-swap, and logs the revert', async () => {
    assert.equal((await runCommand(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.30.0.5', '--yes'], {env: env()})).code, 0)
    const [change] = await history()
    assert.match(change.id, /^[0-9a-f]{10}$/)
    const human = await runCommand(['nodes', 'history'], {env: env()})
    assert.match(human.stdout, new RegExp(`^${change.id} +\\d{4}-`, 'm'))
    // No terminal, no --yes: shown, nothing written.
    const asked = await runCommand(['nodes', 'history', '--revert', change.id], {env: env()})
    assert.equal(asked.code, 1)
    assert.match(asked.stderr, /--yes/)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.30.0.5')
    const r = await runCommand(['nodes', 'history', '--revert', change.id.slice(0, 6), '--yes', '--json'], {env: env()})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json().revert.applied, true)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.5')
    const [revert] = await history()
    assert.deepEqual([revert.node, revert.before, revert.after, revert.revertOf], ['node-a', '10.10.0.5,10.30.0.5', '10.10.0.5,10.20.0.5', change.id])
    // The change is gone: reverting it again finds the list is no longer what it left.
    const again = await runCommand(['nodes', 'history', '--revert', change.id, '--yes'], {env: env()})
    assert.equal(again.code, 1)
    assert.match(again.stderr, /node-a's list changed after entry [0-9a-f]{10} \(it left "10\.10\.0\.5,10\.30\.0\.5", it is now "10\.10\.0\.5,10\.20\.0\.5"\); reverting would undo the later change too/)
  })

  it('a list changed since (by anyone) is never overwritten; an address now used elsewhere is refused like any edit', async () => {
    assert.equal((await runCommand(['nodes', 'remove-ip', 'node-a', '10.20.0.5', '--yes'], {env: env()})).code, 0)
    const [change] = await history()
    // Someone gives 10.20.0.5 to another node meanwhile: the revert would put one IP on two nodes.
    await db.query("UPDATE t_node_info SET ip_list = '10.10.0.10,10.20.0.5' WHERE node_name = '10.10.0.10'")
    const r = await runCommand(['nodes', 'history', '--revert', change.id, '--yes'], {env: env()})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /10\.20\.0\.5 is already used by 10\.10\.0\.10/)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5')
    await db.query("UPDATE t_node_info SET ip_list = '10.10.0.5,10.20.0.9' WHERE node_name = 'node-a'")
    const changed = await runCommand(['nodes', 'history', '--revert', change.id, '--yes'], {env: env()})
    assert.match(changed.stderr, /changed after entry/)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.9')
  })

  it('a list that was empty goes back to no list; unknown, ambiguous and schema entries are refused', async () => {
    await db.query("UPDATE t_node_info SET ip_list = NULL WHERE node_name = 'node-a'")
    assert.equal((await runCommand(['nodes', 'add-ip', 'node-a', '10.10.0.5', '--yes'], {env: env()})).code, 0)
    const [change] = await history()
    assert.equal(change.before, null)
    const r = await runCommand(['nodes', 'history', '--revert', change.id, '--yes'], {env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await storedIpList(db, 'node-a'), null)
    const unknown = await runCommand(['nodes', 'history', '--revert', 'ffffffffff', '--yes'], {env: env()})
    assert.match(unknown.stderr, /no entry ffffffffff in the audit log/)
    const short = await runCommand(['nodes', 'history', '--revert', 'ab', '--yes'], {env: env()})
    assert.match(short.stderr, /give at least 4 of the hex digits/)
    await db.query('ALTER TABLE t_node_info DROP COLUMN ip_list')
    try {
      assert.equal((await runCommand(['db', 'migrate', '--yes'], {env: env()})).code, 0)
    } finally {
      await db.query('ALTER TABLE t_node_info ADD COLUMN IF NOT EXISTS ip_list varchar(512) DEFAULT NULL')
    }
    const [migrate] = await history()
    const schema = await runCommand(['nodes', 'history', '--revert', migrate.id, '--yes'], {env: env()})
    assert.match(schema.stderr, /is the db migrate that added the IP-list column: tarsnet does not undo schema changes/)
  })

  it('refuses another database than the one the change was made on', async () => {
    assert.equal((await runCommand(['nodes', 'add-ip', 'node-a', '10.30.0.5', '--yes'], {env: env()})).code, 0)
    const [change] = await history()
    const other = await TestDb.create()
    try {
      await other.addNodes([{node_name: 'node-a', ip_list: '10.10.0.5,10.20.0.5,10.30.0.5'}])
      const r = await runCommand(['nodes', 'history', '--revert', change.id, '--yes'], {env: {...env(), TARSNET_DB: other.url}})
      assert.equal(r.code, 1)
      assert.match(r.stderr, new RegExp(`entry ${change.id} changed database ${db.name} .*not ${other.name}`))
    } finally {
      await other.drop()
    }
  })
})
