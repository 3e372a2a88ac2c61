// Configuration checks: the IP-list column may not name a framework column, every profile value is
// checked like its flag, and config-file problems are said.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import type {CliResult} from '../helpers/cli.js'
import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

// Upstream t_node_info's columns (TarsFramework deploy/framework/sql/db_tars.sql; docs/design.md §1), written out here
// so that the test checks the list in src/core/rows.ts rather than repeating it.
const UPSTREAM_NODE_INFO_COLUMNS = [
  'id', 'node_name', 'node_obj', 'endpoint_ip', 'endpoint_port', 'data_dir', 'load_avg1', 'load_avg5', 'load_avg15',
  'last_reg_time', 'last_heartbeat', 'setting_state', 'present_state', 'tars_version', 'template_name', 'modify_time', 'group_id', 'label',
]

const dir = mkdtempSync(join(tmpdir(), 'tarsnet-hcfg-'))

function oneErrorLine(r: CliResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stdout + r.stderr)
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'))
  assert.equal(errors.length, 1, r.stderr)
  assert.match(errors[0], pattern)
  assert.doesNotMatch(r.stderr, /TypeError|\n\s+at /)
}

function config(name: string, profile: Record<string, unknown>, mode = 0o600): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify({defaultProfile: 'plant', profiles: {plant: profile}}))
  chmodSync(path, mode)
  return path
}

describe('the IP-list column is never one of upstream t_node_info\'s', () => {
  let db: TestDb
  before(async () => {
    db = await TestDb.create()
    await db.addNodes([{node_name: '10.10.0.1', endpoint_ip: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'}])
  })
  after(() => db.drop())

  it('every upstream column is refused, from the environment and the profile, before any query', async () => {
    // A database URL that would fail loudly if it were tried: the column is refused first.
    const unreachable = 'mysql://root@127.0.0.1:1/db_tars'
    for (const column of UPSTREAM_NODE_INFO_COLUMNS) {
      const r = await runCommand(['nodes', 'set-ips', '10.10.0.1', '10.10.0.1', '--yes', '--db', unreachable], {env: {TARSNET_IP_LIST_COLUMN: column}})
      oneErrorLine(r, 1, new RegExp(`the IP-list column cannot be "${column}" \\(env TARSNET_IP_LIST_COLUMN\\): it is one of Tars's own t_node_info columns`))
    }
    const upper = await runCommand(['nodes', 'list', '--db', unreachable], {env: {TARSNET_IP_LIST_COLUMN: 'Endpoint_IP'}})
    oneErrorLine(upper, 1, /cannot be "Endpoint_IP"/)
    const fromProfile = await runCommand(['nodes', 'list', '--config', config('col.json', {db: unreachable, ipListColumn: 'node_name'})])
    oneErrorLine(fromProfile, 1, /the IP-list column cannot be "node_name" \(profile plant\)/)
  })

  it('db migrate and set-ips leave the framework column alone', async () => {
    const migrate = await runCommand(['db', 'migrate', '--yes', '--db', db.url], {env: {TARSNET_IP_LIST_COLUMN: 'endpoint_ip'}})
    oneErrorLine(migrate, 1, /cannot be "endpoint_ip"/)
    assert.doesNotMatch(migrate.stdout, /Nothing to do/)
    const set = await runCommand(['nodes', 'set-ips', '10.10.0.1', '10.99.0.1', '--yes', '--db', db.url], {env: {TARSNET_IP_LIST_COLUMN: 'endpoint_ip'}})
    oneErrorLine(set, 1, /cannot be "endpoint_ip"/)
    const rows = await db.query<Array<{e: string}>>("SELECT endpoint_ip AS e FROM t_node_info WHERE node_name = '10.10.0.1'")
    assert.equal(rows[0].e, '10.10.0.1')
  })

  it('init refuses it as --ip-list-column', async () => {
    const r = await runCommand(['init', '--config', join(dir, 'init-col.json'), '--db', db.url, '--ip-list-column', 'label', '--no-test'])
    oneErrorLine(r, 1, /cannot be "label" \(flag --ip-list-column\)/)
  })
})

describe('every profile value is checked like its flag', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a string for a number', {probe: {timeoutMs: '1000'}}, /profile "plant" in .*: probe\.timeoutMs is "1000" \(a string\): expected a whole number from 1 to 600000 \(milliseconds, or "auto"\)/],
    ['past the cap', {probe: {timeoutMs: 1e9}}, /probe\.timeoutMs is 1000000000: expected a whole number from 1 to 600000/],
    ['negative', {probe: {retries: -5}}, /probe\.retries is -5: expected a whole number from 0 to 10/],
    ['a word', {probe: {concurrency: 'many'}}, /probe\.concurrency is "many" \(a string\)/],
    ['a fraction', {probe: {timeoutMs: 2.5}}, /probe\.timeoutMs is 2\.5/],
    ['a bad port', {probe: {ports: [22, 70000]}}, /probe\.ports\[1\] is 70000: expected a whole number from 1 to 65535/],
    ['ports not a list', {probe: {ports: 22}}, /probe\.ports is 22: expected a list of at most 64 ports/],
    ['a bind that is no IP', {probe: {bind: {x: 'eth0'}}}, /probe\.bind\.x is "eth0" \(a string\): expected an IP address/],
    ['probe not an object', {probe: 'fast'}, /probe is "fast" \(a string\): expected an object/],
    ['networks of the wrong shape', {networks: 5}, /networks is 5: expected a spec string/],
    ['a network without CIDR list', {networks: [{name: 'x'}]}, /networks\[0\] is \{"name":"x"\} \(an object\)/],
    ['a network spec that does not parse', {networks: 'x=10.10.0.0/99'}, /profile "plant" in .*: invalid networks: "10\.10\.0\.0\/99" in network "x" is not a CIDR/],
    ['a db that is no string', {db: 42}, /db is 42: expected a database URL/],
    ['a db that does not parse, password hidden', {db: 'postgres://u:s3cret@h/db'}, /profile "plant" in .*: invalid database URL postgres:\/\/u:\*\*\*\*@h\/db/],
    ['detectExclude not a list', {detectExclude: 'docker*'}, /detectExclude is "docker\*" \(a string\): expected a list/],
    ['auditLog not a string', {auditLog: ['a']}, /auditLog is \["a"\] \(a list\): expected a file path/],
  ]
  for (const [what, profile, pattern] of bad) {
    it(`${what}: one line naming profile, key and value; probe exits 3, nodes list 1`, async () => {
      const path = config(`bad-${what.replace(/\W+/g, '-')}.json`, profile)
      oneErrorLine(await runCommand(['probe', '--demo', '--config', path]), 3, pattern)
      oneErrorLine(await runCommand(['nodes', 'list', '--demo', '--config', path]), 1, pattern)
      const json = await runCommand(['nodes', 'list', '--demo', '--json', '--config', path])
      assert.equal(json.json().error.code, 'invalid_config')
    })
  }

  it('a long value is clipped in the message', async () => {
    const path = config('long.json', {probe: {timeoutMs: 'x'.repeat(100_000)}})
    const r = await runCommand(['nodes', 'list', '--demo', '--config', path])
    oneErrorLine(r, 1, /probe\.timeoutMs is "x+… \(100002 characters\) \(a string\)/)
    assert.ok(r.stderr.length < 400, r.stderr.slice(0, 500))
  })

  it('good values pass, an unknown key is ignored with a warning naming it', async () => {
    const path = config('good.json', {probe: {timeoutMs: 500, retries: 0, ports: [22], bind: {x: '127.10.0.1'}, timeoutMS: 9}, detectExclude: ['docker*']})
    const r = await runCommand(['nodes', 'list', '--demo', '--json', '--config', path])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.json().notices.some((n: string) => /profile "plant" in .*: unknown key probe\.timeoutMS ignored \(known: probe\.ports, probe\.timeoutMs/.test(n)), r.stdout)
  })

  it('a defaultProfile naming no profile is an error, not an empty profile', async () => {
    const path = join(dir, 'default.json')
    writeFileSync(path, JSON.stringify({defaultProfile: 'plant9', profiles: {plant1: {}}}))
    oneErrorLine(await runCommand(['nodes', 'list', '--demo', '--config', path]), 1, /unknown profile "plant9" \(config .*default\.json \(defaultProfile\)\): .* has plant1/)
  })
})

describe('config problems are said', () => {
  it('a config file holding a password that others may read gets a warning; at 0600 none', async () => {
    const open = config('pw-open.json', {db: 'mysql://tars:Secret-1@127.0.0.1:1/db_tars'}, 0o644)
    const r = await runCommand(['nodes', 'list', '--demo', '--config', open])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /note: config file .*pw-open\.json holds a database password \(profile plant\) and others can read it \(mode 0644\): run `chmod 600 /)
    assert.doesNotMatch(r.stderr + r.stdout, /Secret-1/)
    const json = await runCommand(['config', 'show', '--json', '--config', open])
    assert.ok(json.json().notices?.some((n: string) => /others can read it/.test(n)) ?? /others can read it/.test(json.stderr), json.stdout)
    const closed = config('pw-closed.json', {db: 'mysql://tars:Secret-1@127.0.0.1:1/db_tars'}, 0o600)
    assert.doesNotMatch((await runCommand(['nodes', 'list', '--demo', '--config', closed])).stderr, /others can read/)
    const noPassword = config('nopw.json', {db: 'mysql://tars@127.0.0.1:1/db_tars'}, 0o644)
    assert.doesNotMatch((await runCommand(['nodes', 'list', '--demo', '--config', noPassword])).stderr, /others can read/)
  })

  it('a missing --config or TARSNET_CONFIG file is an error naming it; init may create it', async () => {
    const missing = join(dir, 'typo.json')
    oneErrorLine(await runCommand(['nodes', 'list', '--config', missing]), 1, new RegExp(`config file ${missing} \\(flag --config\\) does not exist`))
    assert.equal((await runCommand(['nodes', 'list', '--json'], {env: {TARSNET_CONFIG: missing}})).json().error.code, 'config_not_found')
    const env = await runCommand(['nodes', 'list'], {env: {TARSNET_CONFIG: missing}})
    oneErrorLine(env, 1, new RegExp(`config file ${missing} \\(env TARSNET_CONFIG\\) does not exist`))
    const init = await runCommand(['init', '--config', join(dir, 'new.json'), '--db', 'mysql://root@127.0.0.1:1/db_tars', '--no-test'])
    assert.equal(init.code, 0, init.stderr)
  })
})
