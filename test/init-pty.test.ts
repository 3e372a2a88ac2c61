// `tarsnet init` (the lead's wizard) through a real pseudo-terminal, with test/helpers/pty.ts.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {TestDb} from './helpers/db.js'
import {PtySession} from './helpers/pty.js'

let db: TestDb
before(async () => {
  db = await TestDb.create()
  await db.addNodes([
    {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
    {node_name: 'node-b', endpoint_ip: '10.10.0.6', ip_list: '10.10.0.6,10.20.0.6'},
    {node_name: 'node-c', endpoint_ip: '10.10.0.7', ip_list: null},
  ])
})
after(async () => {
  await db.drop()
})

async function at(s: PtySession, prompt: string | RegExp): Promise<void> {
  await s.expect(prompt)
  await s.settle()
}

describe('tarsnet init (interactive, on a pty)', () => {
  it('asks for the URL (validated), tests it, names the subnets it finds, saves the profile', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'tarsnet-init-')), 'config.json')
    const s = PtySession.cli(['init', '--config', config])
    await at(s, 'Database URL')
    s.line('not-a-url')
    await s.expect('invalid database URL')
    await s.settle()
    s.press('backspace', 'not-a-url'.length)
    s.line(db.url)
    // Either outcome ends the wait at once, so a failure is reported fast and plainly.
    const said = await s.expect(/Connected: .*|Could not use it: .*/)
    if (!said.startsWith('Connected')) s.kill()
    assert.equal(said, 'Connected: 3 node(s), 5 IP(s).')
    await at(s, 'Network for 10.10.0.0/24 (3 IP(s)):')
    s.line('a')
    await at(s, 'Network for 10.20.0.0/24 (2 IP(s)):')
    s.line('b')
    await s.expect(`Saved profile "default" to ${config}`)
    assert.equal((await s.exit()).code, 0)
    const saved = JSON.parse(readFileSync(config, 'utf8'))
    assert.equal(saved.defaultProfile, 'default')
    assert.equal(saved.profiles.default.db, db.url)
    assert.deepEqual(saved.profiles.default.networks, [{name: 'a', cidrs: ['10.10.0.0/24']}, {name: 'b', cidrs: ['10.20.0.0/24']}])
  })

  it('an unreachable database is said, and another URL may be tried', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'tarsnet-init-')), 'config.json')
    const s = PtySession.cli(['init', '--config', config, '--db-timeout', '1'])
    await at(s, 'Database URL')
    s.line('mysql://root@127.0.0.1:1/db_tars')
    const said = await s.expect(/Connected: .*|Could not use it: .*/)
    if (!said.includes('cannot reach')) s.kill()
    assert.match(said, /Could not use it: cannot reach the database: 127\.0\.0\.1:1 \(connection refused\)/)
    await at(s, 'Try another URL?')
    s.line('n')
    await at(s, 'Save it anyway?')
    s.line('n')
    await s.expect('nothing saved')
    const {code} = await s.exit()
    assert.equal(code, 1)
    assert.equal(existsSync(config), false)
  })
})
