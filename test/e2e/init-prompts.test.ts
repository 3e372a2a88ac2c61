// `tarsnet init` (the wizard) through a real pseudo-terminal, with test/helpers/pty.ts. From a script:
// test/cli/errors-and-config.test.ts.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {TestDb} from '../helpers/db.js'
import {PtySession} from '../helpers/pty.js'

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
    // One question per network, grouped by the widest prefix that separates each node's IPs.
    await at(s, 'Network for 10.10.0.0/16 (3 IP(s) on 3 node(s): 10.10.0.5 … 10.10.0.7):')
    s.line('a')
    await at(s, 'Network for 10.20.0.0/16 (2 IP(s) on 2 node(s): 10.20.0.5, 10.20.0.6):')
    s.line('b')
    await s.expect(`Saved profile "default" to ${config}`)
    assert.equal((await s.exit()).code, 0)
    const saved = JSON.parse(readFileSync(config, 'utf8'))
    assert.equal(saved.defaultProfile, 'default')
    assert.equal(saved.profiles.default.db, db.url)
    assert.deepEqual(saved.profiles.default.networks, [{name: 'a', cidrs: ['10.10.0.0/16']}, {name: 'b', cidrs: ['10.20.0.0/16']}])
  })

  it('a plant of many /24s: one question per network, x and y proposed in order of preference', async () => {
    const plant = await TestDb.create()
    try {
      // 40 nodes over 40 /24s of each network, y preferred on a few: still two networks, x first.
      await plant.addNodes(Array.from({length: 40}, (_, i) => ({
        node_name: `node-${i}`, ip_list: i % 10 === 0 ? `10.20.${i}.7,10.10.${i}.7` : `10.10.${i}.7,10.20.${i}.7`,
      })))
      const config = join(mkdtempSync(join(tmpdir(), 'tarsnet-init-')), 'config.json')
      const s = PtySession.cli(['init', '--config', config, '--db', plant.url])
      await at(s, 'Database URL')
      s.line('')
      await s.expect('Connected: 40 node(s), 80 IP(s).')
      await s.expect('fall into 2 network(s)')
      await at(s, /Network for 10\.10\.0\.0\/16 \(40 IP\(s\) on 40 node\(s\): 10\.10\.0\.7 … 10\.10\.39\.7\): \(x\)/)
      s.line('')
      await at(s, /Network for 10\.20\.0\.0\/16 \(40 IP\(s\) on 40 node\(s\)[^)]*\): \(y\)/)
      s.line('')
      await s.expect('Saved profile')
      assert.equal((await s.exit()).code, 0)
      assert.doesNotMatch(s.text, /Network for 10\.10\.1\.0/)
      assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')).profiles.default.networks, [{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}])
    } finally {
      await plant.drop()
    }
  })

  it('networks from TARSNET_NETWORKS are said, and one holding none of the nodes\' IPs is warned about', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'tarsnet-init-')), 'config.json')
    const s = PtySession.cli(['init', '--config', config], {env: {TARSNET_NETWORKS: 'x=10.10.0.0/16;y=10.30.0.0/16'}})
    await s.expect('using the networks from env TARSNET_NETWORKS: x=10.10.0.0/16;y=10.30.0.0/16')
    await at(s, 'Database URL')
    s.line(db.url)
    await s.expect('network y (10.30.0.0/16) holds none of the nodes\' IPs')
    await s.expect('Saved profile')
    assert.equal((await s.exit()).code, 0)
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
