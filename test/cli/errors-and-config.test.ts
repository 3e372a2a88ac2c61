/** Bad input: one clear line on stderr, a non-zero exit, no stack trace, no password. And configuration. */
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {parseDbUrl, redactDbUrl} from '../../src/store/db-url.js'
import {redactCommandLine} from '../../src/store/audit-log.js'
import {runCommand} from '../helpers/run.js'
import {adminConnection, TestDb} from '../helpers/db.js'

const dir = mkdtempSync(join(tmpdir(), 'tarsnet-errors-'))

function assertOneLineError(r: {code: number; stderr: string; stdout: string}, pattern: RegExp) {
  assert.notEqual(r.code, 0)
  const lines = r.stderr.trim().split('\n')
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`)
  assert.match(lines[0], pattern)
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
}

describe('database URL parsing', () => {
  it('parses several hosts, IPv6 in brackets, TLS and options', () => {
    const u = parseDbUrl('mysql://tars:p%40ss@10.10.0.2,10.20.0.2:3307,[fd00:10::2]:3308/db_tars?ssl=true&ssl-ca=/etc/ca.pem')
    assert.equal(u.user, 'tars')
    assert.equal(u.password, 'p@ss')
    assert.deepEqual(u.hosts, [{host: '10.10.0.2', port: 3306}, {host: '10.20.0.2', port: 3307}, {host: 'fd00:10::2', port: 3308}])
    assert.equal(u.database, 'db_tars')
    assert.equal(u.tls, 'verify')
    assert.equal(u.sslCa, '/etc/ca.pem')
    assert.equal(parseDbUrl('mysql://u@h/db_tars?ssl=skip-verify').tls, 'skip-verify')
    assert.equal(parseDbUrl('mysql://u@h').database, 'db_tars')
  })
  it('rejects malformed URLs without echoing the password', () => {
    assert.throws(() => parseDbUrl('postgres://u:secret@h/db'), (e: Error) => !e.message.includes('secret') && /mysql:\/\/user/.test(e.message))
    assert.throws(() => parseDbUrl('mysql://u:secret@h:99999/db'), (e: Error) => !e.message.includes('secret') && /port "99999"/.test(e.message))
    assert.throws(() => parseDbUrl('mysql://u@h/db?ssl=maybe'), /ssl=maybe/)
  })
  it('redacts passwords', () => {
    assert.equal(redactDbUrl('mysql://tarsAdmin:Tars@2019@10.0.0.1,10.0.0.2/db_tars'), 'mysql://tarsAdmin:****@10.0.0.1,10.0.0.2/db_tars')
    assert.equal(redactDbUrl('mysql://tars@10.0.0.1/db_tars'), 'mysql://tars@10.0.0.1/db_tars')
    // any scheme, or none; passwords holding "/" or "@"
    assert.equal(redactDbUrl('root:Tars@2019@127.0.0.1/db_tars'), 'root:****@127.0.0.1/db_tars')
    assert.equal(redactDbUrl('mysql+tls://u:a/b@c@h1,h2/db_tars'), 'mysql+tls://u:****@h1,h2/db_tars')
    assert.equal(redactDbUrl(' mysql://u:s3cret@h/db'), ' mysql://u:****@h/db')
    assert.equal(redactCommandLine(['nodes', 'set-ips', '--db=mysql://u:p/w@x@h/db', '--db', 'u:q@h/db', 'n1']), 'nodes set-ips --db=mysql://u:****@h/db --db u:****@h/db n1')
    // Tars's default password has an "@": accepted raw
    assert.equal(parseDbUrl('mysql://tarsAdmin:Tars@2019@10.0.0.1/db_tars').password, 'Tars@2019')
  })
})

describe('errors: one line, non-zero, never the password', () => {
  let silent: Server
  let silentPort = 0
  let db: TestDb
  before(async () => {
    // A "half-reachable" database: accepts TCP but never says a word.
    silent = createServer(() => {})
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    silentPort = (silent.address() as {port: number}).port
    db = await TestDb.create()
  })
  after(async () => {
    silent.close()
    await db.drop()
  })

  it('flags that do not go together: one line per pair, by name, never a value (the --db password)', async () => {
    const r = await runCommand(['nodes', 'list', '--db', 'mysql://u:Hunter2secret@127.0.0.1/db_tars', '--demo'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim(), 'error: --db and --demo do not go together: give only one of them')
    const json = await runCommand(['nodes', 'list', '--db', 'mysql://u:Hunter2secret@127.0.0.1/db_tars', '--demo', '--json'])
    assert.doesNotMatch(json.stdout + json.stderr, /Hunter2secret/)
    assert.equal(JSON.parse(json.stdout).error.message, '--db and --demo do not go together: give only one of them')
    const two = await runCommand(['resolve', 'A.B.Obj', '--demo', '--client-ip', '10.0.0.1', '--client-node', 'n1'])
    assert.equal(two.stderr.trim(), 'error: --client-ip and --client-node do not go together: give only one of them')
    // A mistyped flag carrying a URL: oclif names it, the password is masked.
    const typo = await runCommand(['nodes', 'list', '--dbb', 'mysql://u:Hunter2secret@127.0.0.1/db_tars'])
    assert.doesNotMatch(typo.stdout + typo.stderr, /Hunter2secret/)
    assert.equal(typo.stderr.trim().split('\n').length, 1)
  })

  it('every host unreachable: lists each host and its error', async () => {
    const r = await runCommand(['nodes', 'list', '--db', `mysql://root:hunter2@127.0.0.1:1,127.0.0.1:${silentPort}/db_tars`, '--db-timeout', '1'])
    assertOneLineError(r, new RegExp(`cannot reach the database: 127\\.0\\.0\\.1:1 \\(connection refused\\), 127\\.0\\.0\\.1:${silentPort} \\(no answer within 1 s\\)`))
    assert.doesNotMatch(r.stderr + r.stdout, /hunter2/)
  })

  it('wrong password: says so without the password', async () => {
    const admin = await adminConnection()
    await admin.query("CREATE USER IF NOT EXISTS 'tarsnet_pw'@'%' IDENTIFIED BY 'right-one'")
    await admin.query("CREATE USER IF NOT EXISTS 'tarsnet_pw'@'localhost' IDENTIFIED BY 'right-one'")
    await admin.end()
    const r = await runCommand(['nodes', 'list', '--db', `mysql://tarsnet_pw:WrongSecret99@127.0.0.1/${db.name}`])
    assertOneLineError(r, /denied access to user "tarsnet_pw": check the password/)
    assert.doesNotMatch(r.stderr, /WrongSecret99/)
    const env = await runCommand(['nodes', 'list', '--db', `mysql://tarsnet_pw@127.0.0.1/${db.name}`], {env: {TARSNET_DB_PASSWORD: 'AlsoWrong77'}})
    assertOneLineError(env, /denied access/)
    assert.doesNotMatch(env.stderr, /AlsoWrong77/)
  })

  it('TLS asked for and not offered: an error, never a silent fall-back to plain text', async () => {
    const tls = await runCommand(['nodes', 'list', '--db', `${db.url}?ssl=true`])
    const offered = !/TLS failed/.test(tls.stderr)
    if (offered) assert.equal(tls.code, 0, tls.stderr) // a server with TLS configured simply works
    else assertOneLineError(tls, /127\.0\.0\.1:3306 \(TLS failed: /)
  })

  it('a URL without a scheme is refused without echoing its password', async () => {
    const r = await runCommand(['nodes', 'list', '--db', 'root:Tars@2019@127.0.0.1/db_tars'])
    assertOneLineError(r, /invalid database URL root:\*\*\*\*@127\.0\.0\.1\/db_tars/)
    assert.doesNotMatch(r.stderr, /2019/)
    const show = await runCommand(['config', 'show', '--db', 'root:Tars@2019@127.0.0.1/db_tars'])
    assert.doesNotMatch(show.stdout + show.stderr, /2019/)
  })

  it('a database without the tables: not a db_tars database', async () => {
    const other = `${db.name}_empty`
    await db.query(`CREATE DATABASE \`${other}\``)
    const r = await runCommand(['nodes', 'list', '--db', db.url.replace(db.name, other)])
    await db.query(`DROP DATABASE \`${other}\``)
    assertOneLineError(r, /not a db_tars database: t_node_info, t_server_conf, t_adapter_conf, t_registry_info missing/)
  })

  it('an unknown profile names the profiles that exist', async () => {
    const cfg = join(dir, 'profiles.json')
    writeFileSync(cfg, JSON.stringify({profiles: {plant1: {db: 'mysql://root@127.0.0.1/x'}, plant2: {}}}))
    const r = await runCommand(['nodes', 'list', '--config', cfg, '--profile', 'plant3'])
    assertOneLineError(r, /unknown profile "plant3" \(flag --profile\): .*profiles\.json has plant1, plant2/)
  })

  it('an invalid --networks says which part', async () => {
    const r = await runCommand(['nodes', 'list', '--demo', '--networks', 'x=10.10.0.0/16;y=10.20.0.0/40'])
    assertOneLineError(r, /invalid --networks: "10\.20\.0\.0\/40" in network "y" is not a CIDR/)
    const env = await runCommand(['nodes', 'list', '--demo'], {env: {TARSNET_NETWORKS: 'x'}})
    assertOneLineError(env, /invalid TARSNET_NETWORKS: "x" has no "="/)
  })

  it('a malformed snapshot file', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"format": "tarsnet-snapshot", "version": 1, "nodes": {}}')
    assertOneLineError(await runCommand(['nodes', 'list', '--snapshot', bad]), /snapshot .*bad\.json is not a tarsnet snapshot: "nodes" is not a list/)
    writeFileSync(bad, '{not json')
    assertOneLineError(await runCommand(['nodes', 'list', '--snapshot', bad]), /is not valid JSON/)
    assertOneLineError(await runCommand(['nodes', 'list', '--snapshot', join(dir, 'missing.json')]), /cannot read snapshot .*: no such file/)
  })

  it('no TTY and no configuration: says how to configure', async () => {
    assertOneLineError(await runCommand(['nodes', 'list']), /no database configured: run `tarsnet init`, or pass --db .*TARSNET_DB/)
  })

  it('in JSON mode errors are JSON too', async () => {
    const r = await runCommand(['nodes', 'list', '--json'])
    assert.equal(r.code, 1)
    assert.deepEqual(Object.keys(r.json().error).sort(), ['code', 'exitCode', 'message'])
    assert.equal(r.json().error.code, 'no_database')
  })

  it('--debug shows the stack of an error', async () => {
    const r = await runCommand(['nodes', 'list', '--debug'])
    assert.match(r.stderr, /\n\s+at /)
  })
})

describe('configuration', () => {
  it('init from a script writes a profile that later commands use; config show tells origins with secrets masked', async () => {
    const db = await TestDb.create()
    try {
      await db.addNodes([{node_name: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'}])
      const cfg = join(dir, 'init.json')
      const url = db.url.replace('root@', 'root:@')
      const init = await runCommand(['init', '--config', cfg, '--profile', 'plant', '--db', url, '--networks', 'x=10.10.0.0/16;y=10.20.0.0/16'])
      assert.equal(init.code, 0, init.stderr)
      const saved = JSON.parse(readFileSync(cfg, 'utf8'))
      assert.equal(saved.defaultProfile, 'plant')
      assert.deepEqual(saved.profiles.plant.networks, [{name: 'x', cidrs: ['10.10.0.0/16']}, {name: 'y', cidrs: ['10.20.0.0/16']}])
      assert.equal(statSync(cfg).mode & 0o777, 0o600)
      const list = await runCommand(['nodes', 'list', '--json'], {env: {TARSNET_CONFIG: cfg}})
      assert.deepEqual(list.json().nodes[0].ips, [{ip: '10.10.0.1', network: 'x'}, {ip: '10.20.0.1', network: 'y'}])
      // env beats profile, flag beats env
      const show = (await runCommand(['config', 'show', '--json'], {env: {TARSNET_CONFIG: cfg, TARSNET_NETWORKS: 'z=10.0.0.0/8', TARSNET_DB_PASSWORD: 'pw-secret'}})).json()
      const s = (name: string) => show.settings.find((x: any) => x.name === name)
      assert.equal(s('profile').value, 'plant')
      assert.match(s('database').origin, /profile plant/)
      assert.deepEqual([s('networks').value, s('networks').origin], ['z=10.0.0.0/8', 'env TARSNET_NETWORKS'])
      assert.equal(s('database password').value, '****')
      const withFlag = (await runCommand(['config', 'show', '--json', '--db', 'mysql://u:topsecret@h/db_tars'], {env: {TARSNET_CONFIG: cfg, TARSNET_DB: 'mysql://e@h/db_tars'}})).json()
      const dbSetting = withFlag.settings.find((x: any) => x.name === 'database')
      assert.deepEqual([dbSetting.value, dbSetting.origin], ['mysql://u:****@h/db_tars', 'flag --db'])
      assert.doesNotMatch(JSON.stringify(withFlag), /topsecret/)
    } finally {
      await db.drop()
    }
  })

  it('init without a terminal and without --db is an error, not a hang', async () => {
    const r = await runCommand(['init', '--config', join(dir, 'none.json')])
    assertOneLineError(r, /needs a terminal .*pass --db URL/)
  })
})

describe('tarsnet init from a script', () => {
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

  it('warns about a network that holds none of the nodes\' IPs, from --networks or TARSNET_NETWORKS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-init-'))
    const flag = await runCommand(['init', '--config', join(dir, 'a.json'), '--db', db.url, '--networks', 'x=10.10.0.0/16;y=10.20.0.0/16;z=10.99.0.0/16'])
    assert.equal(flag.code, 0, flag.stderr)
    assert.match(flag.stderr, /note: network z \(10\.99\.0\.0\/16\) holds none of the nodes' IPs/)
    assert.doesNotMatch(flag.stderr, /network [xy] /)
    const env = await runCommand(['init', '--config', join(dir, 'b.json'), '--db', db.url, '--json'], {env: {TARSNET_NETWORKS: 'x=10.30.0.0/16'}})
    assert.equal(env.code, 0, env.stderr)
    assert.deepEqual(env.json().networks, [{name: 'x', cidrs: ['10.30.0.0/16']}])
    const json = env.json()
    assert.ok(json.notices.some((n: string) => /using the networks from env TARSNET_NETWORKS/.test(n)), env.stdout)
    assert.ok(json.notices.some((n: string) => /network x \(10\.30\.0\.0\/16\) holds none/.test(n)), env.stdout)
  })
})
