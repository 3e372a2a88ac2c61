/**
 * TLS where the URL asks for it, against a real second MariaDB started by the test with its own
 * self-signed certificate and a user that may only connect over TLS (REQUIRE SSL).
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'
import mysql from 'mysql2/promise'

import {aloneInEmptyDir, builtBundle, builtExecutable, SEA_SUPPORTED} from '../helpers/bundle.js'
import {runCli} from '../helpers/cli.js'
import {DB_TARS_TABLES} from '../helpers/schema.js'

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], {encoding: 'utf8'}).trim() || null
  } catch {
    return null
  }
}

const mariadbd = which('mariadbd') ?? which('mysqld')
const installDb = which('mariadb-install-db') ?? which('mysql_install_db')

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as {port: number}).port
  await new Promise((r) => s.close(r))
  return port
}

describe('TLS to the database', {skip: !mariadbd || !installDb ? 'no mariadbd binary on this machine to start a TLS server' : false}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-tls-'))
  let server: ChildProcess
  let port = 0

  before(async () => {
    execFileSync(installDb!, ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal'], {stdio: 'ignore'})
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
    port = await freePort()
    server = spawn(mariadbd!, ['--no-defaults', `--datadir=${dir}/data`, '--user=root', `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${dir}/sock`,
      `--ssl-cert=${dir}/cert.pem`, `--ssl-key=${dir}/key.pem`, `--ssl-ca=${dir}/cert.pem`, `--pid-file=${dir}/pid`, `--log-error=${dir}/err.log`], {stdio: 'ignore'})
    let conn: mysql.Connection | undefined
    for (let i = 0; i < 100 && !conn; i++) {
      conn = await mysql.createConnection({host: '127.0.0.1', port, user: 'root', multipleStatements: true}).catch(async () => {
        await new Promise((r) => setTimeout(r, 200))
        return undefined
      })
    }
    assert.ok(conn, 'the TLS test server did not start')
    await conn.query('CREATE DATABASE db_tars')
    await conn.query('USE db_tars')
    for (const ddl of DB_TARS_TABLES) await conn.query(ddl)
    await conn.query("ALTER TABLE t_node_info ADD COLUMN ip_list varchar(512) DEFAULT NULL")
    await conn.query("INSERT INTO t_node_info (node_name, ip_list, present_state, last_heartbeat) VALUES ('10.10.0.1', '10.10.0.1,10.20.0.1', 'active', NOW())")
    // Named hosts too: a fresh install's anonymous ''@'localhost' would otherwise shadow 'tlsonly'@'%'.
    for (const host of ['%', 'localhost', '127.0.0.1']) {
      await conn.query(`CREATE USER 'tlsonly'@'${host}' IDENTIFIED BY 'pw' REQUIRE SSL; GRANT SELECT ON db_tars.* TO 'tlsonly'@'${host}'`)
    }
    await conn.end()
  })

  after(() => {
    server?.kill('SIGKILL')
    rmSync(dir, {recursive: true, force: true})
  })

  const url = (query: string) => `mysql://tlsonly:pw@127.0.0.1:${port}/db_tars${query}`

  it('connects over TLS with the CA given, verifying the certificate', async () => {
    const r = await runCli(['nodes', 'list', '--json', '--db', url(`?ssl=true&ssl-ca=${dir}/cert.pem`)])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json().nodes[0].name, '10.10.0.1')
    assert.equal(r.stderr, '', 'nothing on stderr (reading the CA file once printed an ExperimentalWarning of vm)')
  })

  it('refuses a certificate it cannot verify', async () => {
    const r = await runCli(['nodes', 'list', '--db', url('?ssl=true')])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /cannot reach the database: 127\.0\.0\.1:\d+ \(.*(certificate|self.signed)/i)
  })

  it('skip-verify still encrypts (a REQUIRE SSL user gets in)', async () => {
    const r = await runCli(['nodes', 'list', '--json', '--db', url('?ssl=skip-verify')])
    assert.equal(r.code, 0, r.stdout + r.stderr)
  })

  it('the single file and the executable, each alone in an empty directory, connect over TLS too (mysql2 inside them)', async () => {
    const forms = [{file: builtBundle(), argv: (p: string) => [process.execPath, p]}]
    if (SEA_SUPPORTED) forms.push({file: builtExecutable(), argv: (p: string) => [p]})
    for (const form of forms) {
      const {dir: home, path, cleanup} = aloneInEmptyDir(form.file, 'tarsnet-tls-alone-')
      try {
        const [cmd, ...args] = form.argv(path)
        const r = spawnSync(cmd, [...args, 'nodes', 'list', '--json', '--db', url(`?ssl=true&ssl-ca=${dir}/cert.pem`)], {env: {HOME: home, PATH: '/nonexistent', CI: 'true'}, cwd: home, encoding: 'utf8'})
        assert.equal(r.status, 0, r.stderr)
        assert.equal(JSON.parse(r.stdout).nodes[0].name, '10.10.0.1', path)
        assert.equal(r.stderr, '', path)
      } finally {
        cleanup()
      }
    }
  })

  it('without ssl the same user is refused: the other cases really used TLS', async () => {
    const r = await runCli(['nodes', 'list', '--db', url('')])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /denied access to user "tlsonly"/)
    assert.doesNotMatch(r.stderr, /pw@/)
  })
})
