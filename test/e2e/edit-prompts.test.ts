// The interactive flows through a real pseudo-terminal (test/helpers/pty.ts): `nodes edit` end to end,
// and the typed-name / yes-no confirmations of the other editing commands where a person is, also when
// the database freezes right after the person confirmed. Without a terminal: test/edit/commands.test.ts.
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, afterEach, before, beforeEach, describe, it} from 'node:test'
import type {Connection, RowDataPacket} from 'mysql2/promise'

import {readAuditLog, storedIpList, TestDb, useSeededDb} from '../helpers/db.js'
import {MariaDbInstance, noSecondServer} from '../helpers/mariadb-instance.js'
import {PtySession} from '../helpers/pty.js'

let db: TestDb
let dataHome: string
useSeededDb([
  {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
  {node_name: 'node-b', endpoint_ip: '10.10.0.6', ip_list: '10.10.0.6,10.20.0.6'},
  {node_name: 'node-c', endpoint_ip: '10.10.0.7', ip_list: null},
], (seeded) => {
  db = seeded
  dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-pty-'))
})

const env = () => ({TARSNET_DB: db.url, TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.20.0.0/16', XDG_DATA_HOME: dataHome})
const cli = (args: string[]) => PtySession.cli(args, {env: env()})
const value = (node: string) => storedIpList(db, node)
const audit = () => readAuditLog(join(dataHome, 'tarsnet', 'audit.jsonl'))

/** Waits for a prompt to be fully drawn, so keys go to it. */
async function at(s: PtySession, prompt: string | RegExp): Promise<void> {
  await s.expect(prompt)
  await s.settle()
}

describe('nodes edit (interactive, on a pty)', () => {
  it('search a node, add (refused input first), move, remove, see the diff, confirm by typing the name', async () => {
    const s = cli(['nodes', 'edit'])
    await at(s, 'Node (type to filter)')
    s.type('ode-b')
    await s.expect(/❯ node-b {2}10\.10\.0\.6 \(x\), 10\.20\.0\.6 \(y\)/)
    await s.settle()
    s.press('enter')
    await s.expect(/1 +10\.10\.0\.6 +x\n2 +10\.20\.0\.6 +y/)
    await at(s, 'node-b: what now?')
    s.press('enter') // Add an IP
    await at(s, 'IP to add:')
    s.line('224.0.0.1')
    await s.expect('224.0.0.1 is a multicast address')
    await s.settle()
    s.press('backspace', 9)
    s.line('10.10.0.5') // node-a's
    await s.expect('10.10.0.5 is already used by node-a')
    await s.settle()
    s.press('backspace', 9)
    s.line('010.20.1.6')
    await at(s, 'Where does 10.20.1.6 (y) go?')
    s.press('enter') // default: last
    await s.expect(/3 +10\.20\.1\.6 +y/)
    await at(s, 'node-b: what now?')
    s.press('down', 2) // Move
    s.press('enter')
    await at(s, 'Move which IP?')
    s.press('down', 2)
    s.press('enter')
    await at(s, 'Move 10.20.1.6 to which position?')
    s.press('up', 2)
    s.press('enter')
    await s.expect(/1 +10\.20\.1\.6 +y\n2 +10\.10\.0\.6 +x\n3 +10\.20\.0\.6 +y/)
    await at(s, 'node-b: what now?')
    s.press('down') // Remove
    s.press('enter')
    await at(s, 'Remove which IP?')
    s.press('down', 2)
    s.press('enter')
    await at(s, 'node-b: what now?')
    s.press('down', 3) // Review and save
    s.press('enter')
    await s.expect('before: 10.10.0.6 (x), 10.20.0.6 (y)')
    await s.expect('after:  10.20.1.6 (y), 10.10.0.6 (x)')
    await s.expect('- 10.20.0.6 (y)')
    await s.expect('+ 10.20.1.6 (y)')
    await s.expect('tarsnode may overwrite')
    await at(s, 'Type the node name (node-b) to apply:')
    assert.equal(await value('node-b'), '10.10.0.6,10.20.0.6', 'nothing written before the confirmation')
    s.line('node-b')
    await s.expect('Applied: 1 node(s) changed')
    const {code} = await s.exit()
    assert.equal(code, 0)
    assert.equal(await value('node-b'), '10.20.1.6,10.10.0.6')
    assert.deepEqual(audit().map((e) => [e.node, e.before, e.after, e.command]), [['node-b', '10.10.0.6,10.20.0.6', '10.20.1.6,10.10.0.6', 'tarsnet nodes edit']])
  })

  it('a wrong name at the confirmation writes nothing', async () => {
    const s = cli(['nodes', 'edit', 'node-a'])
    await at(s, 'node-a: what now?')
    s.press('down')
    s.press('enter')
    await at(s, 'Remove which IP?')
    s.press('enter')
    await at(s, 'node-a: what now?')
    s.press('down', 2) // one IP left: "Move" is disabled and skipped
    s.press('enter')
    await s.expect('would have no IP on network x any more')
    await at(s, 'Type the node name (node-a) to apply:')
    s.line('node-b')
    await s.expect('error: not applied, nothing written: "node-b" is not node-a')
    assert.equal((await s.exit()).code, 1)
    assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5')
    assert.deepEqual(audit(), [])
  })

  it('an addition only asks yes/no; "no" writes nothing, "yes" writes', async () => {
    for (const answer of ['n', 'y']) {
      const s = cli(['nodes', 'edit', 'node-c'])
      await s.expect('node-c has no IP list (using its endpoint_ip 10.10.0.7)')
      await at(s, 'node-c: what now?')
      s.press('enter')
      await at(s, 'IP to add:')
      s.line('10.10.0.7')
      await at(s, 'node-c: what now?')
      s.press('enter')
      await at(s, 'IP to add:')
      s.line('fe80::7')
      await s.expect('warning: fe80::7 is link-local')
      await at(s, 'Where does fe80::7')
      s.press('enter')
      await at(s, 'node-c: what now?')
      s.press('down', 3)
      s.press('enter')
      await s.expect('node-c has no IP on network y')
      await at(s, 'Apply this change to node-c? (y/N)')
      s.line(answer)
      const {code} = await s.exit()
      if (answer === 'n') {
        assert.equal(code, 1)
        assert.equal(await value('node-c'), null)
      } else {
        assert.equal(code, 0, s.text)
        assert.equal(await value('node-c'), '10.10.0.7,fe80::7')
      }
    }
    assert.equal(audit().length, 1)
  })

  it('quit without saving and --dry-run write nothing', async () => {
    const q = cli(['nodes', 'edit', 'node-a'])
    await at(q, 'node-a: what now?')
    q.press('down', 4)
    q.press('enter')
    await q.expect('Nothing written.')
    assert.equal((await q.exit()).code, 0)

    const d = cli(['nodes', 'edit', 'node-a', '--dry-run'])
    await at(d, 'node-a: what now?')
    d.press('down', 2) // Move
    d.press('enter')
    await at(d, 'Move which IP?')
    d.press('enter')
    await at(d, 'to which position?')
    d.press('down')
    d.press('enter')
    await at(d, 'node-a: what now?')
    d.press('down', 3)
    d.press('enter')
    await d.expect("UPDATE t_node_info SET `ip_list` = '10.20.0.5,10.10.0.5' WHERE node_name = 'node-a' AND BINARY `ip_list` <=> BINARY '10.10.0.5,10.20.0.5';")
    await d.expect('Dry run: nothing was written.')
    assert.equal((await d.exit()).code, 0)
    assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5')
    assert.deepEqual(audit(), [])
  })

  it('Ctrl-C leaves quietly, writing nothing', async () => {
    const s = cli(['nodes', 'edit', 'node-a'])
    await at(s, 'node-a: what now?')
    s.press('ctrl-c')
    assert.equal((await s.exit()).code, 130)
    assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5')
  })

  it('an unknown node names the closest', async () => {
    const s = cli(['nodes', 'edit', 'node-x'])
    await s.expect('unknown node "node-x": did you mean node-a, node-b, node-c?')
    assert.equal((await s.exit()).code, 1)
  })
})

describe('confirmations of the other commands where a person is', () => {
  it('set-ips replacing a list asks for the node name', async () => {
    const s = cli(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.50'])
    await at(s, 'Type the node name (node-a) to apply:')
    s.line('node-a')
    await s.expect('Applied')
    assert.equal((await s.exit()).code, 0)
    assert.equal(await value('node-a'), '10.10.0.5,10.20.0.50')
  })

  it('add-ip asks yes/no (default no)', async () => {
    const s = cli(['nodes', 'add-ip', 'node-a', '10.30.0.5'])
    await at(s, 'Apply this change to node-a? (y/N)')
    s.press('enter')
    await s.expect('not applied, nothing written: cancelled')
    assert.equal((await s.exit()).code, 1)
    assert.equal(await value('node-a'), '10.10.0.5,10.20.0.5')
  })

  it('remove-ip with --yes does not ask', async () => {
    const s = cli(['nodes', 'remove-ip', 'node-a', '10.20.0.5', '--yes'])
    await s.expect('Applied')
    assert.equal((await s.exit()).code, 0)
    assert.equal(await value('node-a'), '10.10.0.5')
  })

  it('db migrate shows the SQL, then asks', async () => {
    const bare = await TestDb.create({ipListColumn: false})
    try {
      const s = PtySession.cli(['db', 'migrate'], {env: {...env(), TARSNET_DB: bare.url}})
      await s.expect('ALTER TABLE t_node_info ADD COLUMN `ip_list` varchar(512) DEFAULT NULL')
      await at(s, /Run this ALTER TABLE on .*\? \(y\/N\)/)
      s.line('y')
      await s.expect('Added t_node_info.ip_list')
      assert.equal((await s.exit()).code, 0)
    } finally {
      await bare.drop()
    }
  })
})

describe('a pure addition is not confirmed as a removal', () => {
  // A third network, so that 10.30.0.5 is on one.
  const env = () => ({TARSNET_DB: db.url, TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.30.0.0/16', XDG_DATA_HOME: dataHome})

  it('set-ips that only adds asks yes/no; one that reorders asks for the node name and says why', async () => {
    const add = PtySession.cli(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.5', '10.30.0.5'], {env: env()})
    await add.expect('Apply this change to node-a?')
    await add.settle()
    add.line('y')
    const added = await add.exit()
    assert.equal(added.code, 0, added.output)
    assert.doesNotMatch(added.output, /removes|Type the node name/)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.5,10.30.0.5')

    const reorder = PtySession.cli(['nodes', 'set-ips', 'node-a', '10.20.0.5', '10.10.0.5', '10.30.0.5'], {env: env()})
    await reorder.expect('node-a: this changes the order of preference. Type the node name (node-a) to apply:')
    await reorder.settle()
    reorder.line('node-a')
    assert.equal((await reorder.exit()).code, 0)

    const remove = PtySession.cli(['nodes', 'set-ips', 'node-a', '10.20.0.5'], {env: env()})
    await remove.expect('node-a: this removes IPs. Type the node name (node-a) to apply:')
    remove.kill()
  })
})

describe('a database that stops answering at the confirmation', {skip: noSecondServer}, () => {
  let server: MariaDbInstance
  let admin: Connection
  let freezeHome: string
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
    freezeHome = mkdtempSync(join(tmpdir(), 'tarsnet-freeze-'))
    await admin.query('DELETE FROM t_node_info')
    await admin.query("INSERT INTO t_node_info (node_name, endpoint_ip, present_state, last_heartbeat, ip_list) VALUES ('node-a', '10.10.0.5', 'active', NOW(), '10.10.0.5,10.20.0.5')")
  })
  afterEach(() => server.thaw())

  const stored = async () => ((await admin.query<RowDataPacket[]>("SELECT ip_list AS v FROM t_node_info WHERE node_name = 'node-a'"))[0] as RowDataPacket[])[0].v
  const env = () => ({XDG_DATA_HOME: freezeHome, TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.30.0.0/16'})
  const audit = () => readAuditLog(join(freezeHome, 'tarsnet', 'audit.jsonl'))

  it('frozen after the confirmation: the edit ends with "stopped answering; nothing was written", and nothing was', async () => {
    const s = PtySession.cli(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.30.0.5', '--db', server.url, '--db-timeout', '1'], {env: env()})
    await s.expect('Type the node name (node-a) to apply:')
    await s.settle()
    server.freeze()
    s.line('node-a')
    await s.expect(/the database stopped answering \(no reply from 127\.0\.0\.1:\d+ within 5 s\); nothing was written/, 30_000)
    const {code} = await s.exit()
    assert.equal(code, 1)
    server.thaw()
    assert.equal(await stored(), '10.10.0.5,10.20.0.5')
    assert.deepEqual(audit(), [])
  })
})
