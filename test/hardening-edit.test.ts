// Issue 9, editing defects: set-ips keeps the order typed (1), messages and help say what the operator
// types (16), and a pure addition is not confirmed as a removal (16).
import assert from 'node:assert/strict'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {runCli} from './helpers/cli.js'
import {storedIpList, TestDb, useSeededDb} from './helpers/db.js'
import {PtySession} from './helpers/pty.js'

const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.30.0.0/16'
const SEED = [
  {node_name: '10.10.0.10', endpoint_ip: '10.10.0.10', ip_list: '10.10.0.10,10.20.0.10'},
  {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
]

let db: TestDb
let dataHome: string
useSeededDb(SEED, (seeded) => {
  db = seeded
  dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-hedit-'))
})
const env = () => ({TARSNET_DB: db.url, TARSNET_NETWORKS: NETWORKS, XDG_DATA_HOME: dataHome})

describe('defect 1: set-ips stores the order typed', () => {
  it('a node named after its x IP, y preferred: the repeated value stays where it was typed', async () => {
    const r = await runCli(['nodes', 'set-ips', '10.10.0.10', '10.20.0.10', '10.10.0.10', '--yes', '--json'], {env: env()})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(await storedIpList(db, '10.10.0.10'), '10.20.0.10,10.10.0.10')
    assert.deepEqual(r.json().changes[0].after.map((i: {ip: string}) => i.ip), ['10.20.0.10', '10.10.0.10'])
  })

  it('flags anywhere do not move the IPs; a repeated IP among the IPs is refused as such', async () => {
    const r = await runCli(['nodes', 'set-ips', '--yes', 'node-a', '10.30.0.5', '--force', '10.10.0.5', '10.20.0.5'], {env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await storedIpList(db, 'node-a'), '10.30.0.5,10.10.0.5,10.20.0.5')
    const twice = await runCli(['nodes', 'set-ips', 'node-a', '10.20.0.5', '10.10.0.5', '10.20.0.5', '--yes'], {env: env()})
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /10\.20\.0\.5 is given twice for node-a/)
  })

  it('a mistyped flag is an error, not an IP', async () => {
    const r = await runCli(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--forse', '--yes'], {env: env()})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /--forse/)
    assert.doesNotMatch(r.stderr, /is not an IPv4 or IPv6 address/)
  })
})

describe('defect 16: what the operator types', () => {
  it('messages name the command as typed (nodes set-ips, not nodes:set-ips)', async () => {
    const r = await runCli(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--demo'])
    assert.match(r.stderr, /error: nodes set-ips edits the database; --demo is read-only/)
    assert.doesNotMatch(r.stderr, /nodes:set-ips/)
  })

  it('set-ips --help shows NODE [IP...], not NODE...', async () => {
    const r = await runCli(['nodes', 'set-ips', '--help'])
    assert.match(r.stdout, /\$ tarsnet nodes set-ips NODE \[IP\.\.\.\]/)
    assert.match(r.stdout, /^ {2}NODE {2,}Node name/m)
    assert.doesNotMatch(r.stdout, /NODE\.\.\./)
  })
})

describe('defect 16: a pure addition is not confirmed as a removal', () => {
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

describe('defect 8: IPv4-mapped IPv6, read and write', () => {
  it('is stored as IPv4, and a mapped duplicate or an address in use is refused', async () => {
    const dup = await runCli(['nodes', 'set-ips', 'node-a', '10.10.0.5', '::ffff:10.10.0.5', '--yes'], {env: env()})
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /10\.10\.0\.5 is given twice for node-a \(once as "::ffff:10\.10\.0\.5"\)/)
    const inUse = await runCli(['nodes', 'add-ip', 'node-a', '::ffff:10.20.0.10', '--yes'], {env: env()})
    assert.equal(inUse.code, 1)
    assert.match(inUse.stderr, /10\.20\.0\.10 is already used by 10\.10\.0\.10/)
    const ok = await runCli(['nodes', 'set-ips', 'node-a', '::ffff:10.10.0.5', '::ffff:a14:5', '--yes'], {env: env()})
    assert.equal(ok.code, 0, ok.stderr)
    // The stored value was canonical already in IPv4 form: nothing to change.
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.5')
    assert.match(ok.stdout, /Nothing to change/)
  })

  it('a mapped address stored by someone else reads as IPv4 on its network', async () => {
    await db.query("UPDATE t_node_info SET ip_list = '::ffff:10.10.0.5,::ffff:a14:5' WHERE node_name = 'node-a'")
    const r = await runCli(['nodes', 'list', '--json'], {env: env()})
    const a = r.json().nodes.find((n: {name: string}) => n.name === 'node-a')
    assert.deepEqual(a.ips, [{ip: '10.10.0.5', network: 'x'}, {ip: '10.20.0.5', network: 'y'}])
    // remove-ip finds it by its IPv4 form, and the write stores the canonical IPv4 list.
    const rm = await runCli(['nodes', 'remove-ip', 'node-a', '10.20.0.5', '--yes'], {env: env()})
    assert.equal(rm.code, 0, rm.stderr)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5')
  })
})
