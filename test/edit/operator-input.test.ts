// Editing what the operator types: set-ips keeps the order typed, messages name the command as typed,
// IPv4-mapped IPv6 is IPv4; hostile audit logs and import files. The help, the confirmation at a
// terminal, and audit logs that could hang a process: test/e2e/help.test.ts, edit-prompts.test.ts and
// no-hang.test.ts; reverting: history-revert.test.ts.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {runCommand} from '../helpers/run.js'
import {storedIpList, TestDb, useSeededDb} from '../helpers/db.js'

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

describe('set-ips stores the order typed', () => {
  it('a node named after its x IP, y preferred: the repeated value stays where it was typed', async () => {
    const r = await runCommand(['nodes', 'set-ips', '10.10.0.10', '10.20.0.10', '10.10.0.10', '--yes', '--json'], {env: env()})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(await storedIpList(db, '10.10.0.10'), '10.20.0.10,10.10.0.10')
    assert.deepEqual(r.json().changes[0].after.map((i: {ip: string}) => i.ip), ['10.20.0.10', '10.10.0.10'])
  })

  it('flags anywhere do not move the IPs; a repeated IP among the IPs is refused as such', async () => {
    const r = await runCommand(['nodes', 'set-ips', '--yes', 'node-a', '10.30.0.5', '--force', '10.10.0.5', '10.20.0.5'], {env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await storedIpList(db, 'node-a'), '10.30.0.5,10.10.0.5,10.20.0.5')
    const twice = await runCommand(['nodes', 'set-ips', 'node-a', '10.20.0.5', '10.10.0.5', '10.20.0.5', '--yes'], {env: env()})
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /10\.20\.0\.5 is given twice for node-a/)
  })

  it('a mistyped flag is an error, not an IP', async () => {
    const r = await runCommand(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--forse', '--yes'], {env: env()})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /--forse/)
    assert.doesNotMatch(r.stderr, /is not an IPv4 or IPv6 address/)
  })
})

describe('what the operator types', () => {
  it('messages name the command as typed (nodes set-ips, not nodes:set-ips)', async () => {
    const r = await runCommand(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--demo'])
    assert.match(r.stderr, /error: nodes set-ips edits the database; --demo is read-only/)
    assert.doesNotMatch(r.stderr, /nodes:set-ips/)
  })
})

describe('IPv4-mapped IPv6, read and write', () => {
  it('is stored as IPv4, and a mapped duplicate or an address in use is refused', async () => {
    const dup = await runCommand(['nodes', 'set-ips', 'node-a', '10.10.0.5', '::ffff:10.10.0.5', '--yes'], {env: env()})
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /10\.10\.0\.5 is given twice for node-a \(once as "::ffff:10\.10\.0\.5"\)/)
    const inUse = await runCommand(['nodes', 'add-ip', 'node-a', '::ffff:10.20.0.10', '--yes'], {env: env()})
    assert.equal(inUse.code, 1)
    assert.match(inUse.stderr, /10\.20\.0\.10 is already used by 10\.10\.0\.10/)
    const ok = await runCommand(['nodes', 'set-ips', 'node-a', '::ffff:10.10.0.5', '::ffff:a14:5', '--yes'], {env: env()})
    assert.equal(ok.code, 0, ok.stderr)
    // The stored value was canonical already in IPv4 form: nothing to change.
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.5')
    assert.match(ok.stdout, /Nothing to change/)
  })

  it('a mapped address stored by someone else reads as IPv4 on its network', async () => {
    await db.query("UPDATE t_node_info SET ip_list = '::ffff:10.10.0.5,::ffff:a14:5' WHERE node_name = 'node-a'")
    const r = await runCommand(['nodes', 'list', '--json'], {env: env()})
    const a = r.json().nodes.find((n: {name: string}) => n.name === 'node-a')
    assert.deepEqual(a.ips, [{ip: '10.10.0.5', network: 'x'}, {ip: '10.20.0.5', network: 'y'}])
    // remove-ip finds it by its IPv4 form, and the write stores the canonical IPv4 list.
    const rm = await runCommand(['nodes', 'remove-ip', 'node-a', '10.20.0.5', '--yes'], {env: env()})
    assert.equal(rm.code, 0, rm.stderr)
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5')
  })
})

describe('the audit log and import files, hostile', () => {
  const config = (profile: Record<string, unknown>) => {
    const path = join(dataHome, 'config.json')
    writeFileSync(path, JSON.stringify({profiles: {default: profile}}))
    return path
  }

  it('odd audit lines are skipped and said, never a crash', async () => {
    assert.equal((await runCommand(['nodes', 'add-ip', 'node-a', '10.30.0.5', '--yes'], {env: env()})).code, 0)
    const log = join(dataHome, 'tarsnet', 'audit.jsonl')
    const good = readFileSync(log, 'utf8')
    const odd = [
      '{"time":"2024-01-01T00:00:00Z","kind":"ip-list","node":"node-a","before":5,"after":"x"}',
      '{"time":"2024-01-01T00:00:00Z","kind":"ip-list","node":7,"before":null,"after":null}',
      '{"time":"yesterday","kind":"ip-list","node":"node-a","before":null,"after":null}',
      '[1,2]', 'null', '{"time":"2024-01-01T00:00:00Z","kind":"ip-list","node":"node-a","before":null,"after":null,"command":{"x":1}}',
    ]
    writeFileSync(log, odd.join('\n') + '\n' + good)
    for (const args of [['nodes', 'history'], ['nodes', 'history', 'node-*']]) {
      const r = await runCommand(args, {env: env()})
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /6 line\(s\) of .*audit\.jsonl are not audit entries and were skipped \(the first is line 1\)/)
      assert.match(r.stdout, /10\.30\.0\.5/)
      assert.doesNotMatch(r.stderr, /TypeError|unexpected/)
    }
  })

  it('a 50 MB field in an import is named, not echoed', async () => {
    const huge = 'a'.repeat(50 * 1024 * 1024)
    const cases: Array<[string, string]> = [
      ['node.csv', `${huge},10.10.0.5\n`],
      ['ip.csv', `node-a,"10.10.0.5,${huge}"\n`],
      ['key.json', `{"${huge}": ["10.10.0.5"]}`],
      ['ips.json', `[{"node": "node-a", "ips": ["${huge}"]}]`],
    ]
    for (const [name, text] of cases) {
      const file = join(dataHome, name)
      writeFileSync(file, text)
      const r = await runCommand(['nodes', 'import', file, '--yes'], {env: env(), timeoutMs: 60_000})
      assert.equal(r.code, 1, `${name}: ${r.stderr.slice(0, 300)}`)
      assert.ok(r.stderr.length < 2000, `${name}: ${r.stderr.length} characters of error`)
      assert.match(r.stderr, /… \(52428800 characters\)/, name)
    }
    assert.equal(await storedIpList(db, 'node-a'), '10.10.0.5,10.20.0.5')
  })

  it('an import refusing thousands of entries says the first ten and how many more', async () => {
    const file = join(dataHome, 'many.csv')
    writeFileSync(file, Array.from({length: 5000}, (_, i) => `ghost-${i},10.50.${i >> 8}.${i & 255}`).join('\n'))
    const r = await runCommand(['nodes', 'import', file, '--yes'], {env: env(), timeoutMs: 120_000})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /unknown node "ghost-9"[^\n]*; … and 4990 more/)
  })
})
