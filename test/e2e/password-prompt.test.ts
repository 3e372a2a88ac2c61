// The database password asked at a terminal (masked), through a real pseudo-terminal: only when the URL
// and TARSNET_DB_PASSWORD give none and the server says access denied; never echoed.
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {BIN} from '../helpers/cli.js'
import {adminConnection, TestDb} from '../helpers/db.js'
import {PtySession, shellQuote} from '../helpers/pty.js'
import {runCommand} from '../helpers/run.js'

const USER = 'tarsnet_pty_pw'
const SECRET = 'Pty-Secret-42'

let db: TestDb
before(async () => {
  db = await TestDb.create()
  await db.addNodes([{node_name: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'}])
  const admin = await adminConnection()
  for (const host of ['%', 'localhost', '127.0.0.1']) {
    await admin.query(`CREATE USER IF NOT EXISTS '${USER}'@'${host}' IDENTIFIED BY '${SECRET}'`)
    await admin.query(`GRANT SELECT ON \`${db.name}\`.* TO '${USER}'@'${host}'`)
  }
  await admin.end()
})
after(() => db.drop())

const url = () => {
  const u = new URL(db.url)
  u.username = USER
  u.password = ''
  return u.toString()
}

describe('password prompt', () => {
  it('asks, masked, when the server denies access without a password, then connects', async () => {
    const s = PtySession.cli(['nodes', 'list', '--db', url()])
    await s.expect(`Password for ${USER}`)
    await s.settle()
    s.line(SECRET)
    await s.expect('10.20.0.1')
    const {code, output} = await s.exit()
    assert.equal(code, 0, output)
    assert.doesNotMatch(output, new RegExp(SECRET), 'the password is never echoed')
    assert.match(output, /\*{4,}/, 'each typed character shows as *')
  })

  it('a wrong password typed at the prompt is one clear error without it', async () => {
    const s = PtySession.cli(['nodes', 'list', '--db', url()])
    await s.expect(`Password for ${USER}`)
    await s.settle()
    s.line('Typo-Secret-41')
    await s.expect('denied access')
    const {code, output} = await s.exit()
    assert.equal(code, 1)
    assert.doesNotMatch(output, /Typo-Secret-41/)
  })

  it('stdout piped, stdin a terminal (nodes list | less): asked on the terminal, and stdout carries only the output', async () => {
    // The prompt used to need stdout to be a terminal too.
    const out = join(mkdtempSync(join(tmpdir(), 'tarsnet-pw-pipe-')), 'out.json')
    const command = [process.execPath, BIN, 'nodes', 'list', '--json', '--db', url()].map(shellQuote).join(' ')
    const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', LANG: 'C.UTF-8', CI: undefined, CONTINUOUS_INTEGRATION: undefined, GITHUB_ACTIONS: undefined}
    for (const k of Object.keys(env)) if (k.startsWith('TARSNET_')) delete env[k]
    const s = PtySession.spawn(['sh', '-c', `${command} | cat > ${shellQuote(out)}`], {env})
    await s.expect(`Password for ${USER}`)
    await s.settle()
    s.line(SECRET)
    const {code, output} = await s.exit()
    assert.equal(code, 0, output)
    assert.doesNotMatch(output, new RegExp(SECRET))
    const json = JSON.parse(readFileSync(out, 'utf8'))
    assert.equal(json.nodes[0].name, '10.10.0.1')
  })

  it('without a terminal there is no prompt: the error says how to give the password', async () => {
    const r = await runCommand(['nodes', 'list', '--db', url()])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /denied access to user "tarsnet_pty_pw": check the password \(TARSNET_DB_PASSWORD/)
    const withEnv = await runCommand(['nodes', 'list', '--db', url(), '--json'], {env: {TARSNET_DB_PASSWORD: SECRET}})
    assert.equal(withEnv.code, 0, withEnv.stdout)
  })
})
