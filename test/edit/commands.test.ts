// The IP-list editing commands end to end, in-process against a real db_tars. At a terminal:
// test/e2e/edit-prompts.test.ts.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {networkInterfaces, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, it} from 'node:test'

import {DEFAULT_DETECT_EXCLUDE, detectAddresses, orderDetected} from '../../src/core/detect.js'
import {namedNetworks} from '../../src/core/networks.js'
import {redactCommandLine} from '../../src/store/audit-log.js'
import type {CliResult} from '../helpers/cli.js'
import {runCommand} from '../helpers/run.js'
import {readAuditLog, storedIpList, TestDb, useSeededDb} from '../helpers/db.js'

const NETWORKS = 'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16'

/** Per test: an audit log of its own, and the database and networks in the environment. */
class Ctx {
  readonly dataHome = mkdtempSync(join(tmpdir(), 'tarsnet-edit-'))
  constructor(readonly db: TestDb) {}
  get auditPath(): string {
    return join(this.dataHome, 'tarsnet', 'audit.jsonl')
  }
  run(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    return runCommand(args, {env: {TARSNET_DB: this.db.url, TARSNET_NETWORKS: NETWORKS, XDG_DATA_HOME: this.dataHome, ...env}})
  }
  list(node: string): Promise<string | null | undefined> {
    return storedIpList(this.db, node)
  }
  async all(): Promise<Record<string, string | null>> {
    const rows = await this.db.query<Array<{n: string; v: string | null}>>('SELECT node_name AS n, ip_list AS v FROM t_node_info ORDER BY id')
    return Object.fromEntries(rows.map((r) => [r.n, r.v]))
  }
  audit(): Array<Record<string, any>> {
    return readAuditLog(this.auditPath)
  }
}

const SEED = [
  {node_name: 'node-a', endpoint_ip: '10.10.0.5', ip_list: '10.10.0.5,10.20.0.5'},
  {node_name: 'node-b', endpoint_ip: '10.10.0.6', ip_list: '10.10.0.6;10.20.0.6'},
  {node_name: 'node-c', endpoint_ip: '10.10.0.7', ip_list: null},
  {node_name: '10.10.0.8', endpoint_ip: '', ip_list: null},
]

let db: TestDb
let ctx: Ctx
useSeededDb(SEED, (seeded) => {
  db = seeded
  ctx = new Ctx(db)
})

function assertFailed(r: CliResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure, got 0:\n${r.stdout}\n${r.stderr}`)
  assert.match(r.stderr, pattern)
  // One line: what is wrong and what to do (warnings and notes may precede it).
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr)
}

describe('no terminal and no --yes: every editing command writes nothing', () => {
  it('set-ips, add-ip, remove-ip, import, detect --write, edit', async () => {
    const file = join(ctx.dataHome, 'i.csv')
    writeFileSync(file, 'node-a,10.10.0.5\nnode-c,10.10.0.7 10.20.0.7\n')
    const before = await ctx.all()
    for (const args of [
      ['nodes', 'set-ips', 'node-a', '10.10.0.5'],
      ['nodes', 'add-ip', 'node-a', '10.30.0.5'],
      ['nodes', 'remove-ip', 'node-a', '10.20.0.5'],
      ['nodes', 'import', file],
      ['nodes', 'detect', '--write', 'node-c', '--allow-empty', '--force'],
      ['nodes', 'edit', 'node-a'],
    ]) {
      const r = await ctx.run(args)
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, /--yes|needs a terminal/, args.join(' '))
    }
    assert.deepEqual(await ctx.all(), before)
    assert.deepEqual(ctx.audit(), [])
  })
})

describe('nodes edit', () => {
  it('without a terminal it refuses and points to the scriptable commands', async () => {
    const r = await ctx.run(['nodes', 'edit', 'node-a'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /nodes edit is interactive and needs a terminal: from a script use `tarsnet nodes set-ips`/)
  })
})

describe('nodes set-ips', () => {
  it('replaces the list canonically, logs who/what/when, says tarsnode may overwrite it', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-a', '010.20.0.5', 'FD00:10:0::5', '10.10.0.5', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await ctx.list('node-a'), '10.20.0.5,fd00:10::5,10.10.0.5')
    assert.match(r.stdout, /before: 10\.10\.0\.5 \(x\), 10\.20\.0\.5 \(y\)/)
    assert.match(r.stdout, /\+ fd00:10::5 \(x\)/)
    assert.match(r.stdout, /order of preference changed/)
    assert.match(r.stderr, /tarsnode may overwrite/)
    const [entry, ...rest] = ctx.audit()
    assert.equal(rest.length, 0)
    assert.equal(entry.node, 'node-a')
    assert.equal(entry.before, '10.10.0.5,10.20.0.5')
    assert.equal(entry.after, '10.20.0.5,fd00:10::5,10.10.0.5')
    assert.equal(entry.kind, 'ip-list')
    assert.match(entry.dbUser, /^root@/)
    assert.equal(entry.dbHost, '127.0.0.1:3306')
    assert.equal(entry.database, db.name)
    assert.ok(entry.osUser.length > 0)
    assert.match(entry.command, /^tarsnet nodes set-ips node-a 010\.20\.0\.5 FD00:10:0::5 10\.10\.0\.5 --yes$/)
    assert.ok(Date.now() - Date.parse(entry.time) < 60_000)
  })

  it('JSON: the result object with before/after per network, warnings, SQL and the log path', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--yes', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const j = r.json()
    assert.equal(j.applied, true)
    assert.equal(j.dryRun, false)
    assert.deepEqual(j.changes[0].before, [{ip: '10.10.0.5', network: 'x'}, {ip: '10.20.0.5', network: 'y'}])
    assert.deepEqual(j.changes[0].after, [{ip: '10.10.0.5', network: 'x'}])
    assert.deepEqual(j.changes[0].removed, ['10.20.0.5'])
    assert.deepEqual(j.warnings.map((w: any) => [w.code, w.network]), [['network-lost', 'y']])
    assert.match(j.sql.join('\n'), /UPDATE t_node_info SET `ip_list` = '10\.10\.0\.5' WHERE node_name = 'node-a' AND BINARY `ip_list` <=> BINARY '10\.10\.0\.5,10\.20\.0\.5'/)
    assert.equal(j.auditLog, ctx.auditPath)
    assert.ok(j.notices.some((n: string) => /tarsnode/.test(n)))
    assert.equal(r.stderr, '')
  })

  it('--dry-run prints the diff and the SQL and writes nothing', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.55', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /- 10\.20\.0\.5 \(y\)/)
    assert.match(r.stdout, /\+ 10\.20\.0\.55 \(y\)/)
    assert.match(r.stdout, /START TRANSACTION;\nUPDATE t_node_info SET `ip_list` = '10\.10\.0\.5,10\.20\.0\.55' WHERE node_name = 'node-a' AND BINARY `ip_list` <=> BINARY '10\.10\.0\.5,10\.20\.0\.5';/)
    assert.match(r.stdout, /Dry run: nothing was written/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
    assert.deepEqual(ctx.audit(), [])
  })

  it('without a terminal and without --yes: shows the change, writes nothing, says to pass --yes', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.55'])
    assertFailed(r, /error: not applied, nothing written: no terminal to confirm at; pass --yes/)
    assert.match(r.stdout, /\+ 10\.20\.0\.55/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
    assert.deepEqual(ctx.audit(), [])
    const j = await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--json'])
    assert.equal(j.code, 1)
    assert.equal(j.json().error.code, 'confirmation_required')
  })

  it('an unchanged list is a no-op: nothing written, nothing logged', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.5', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Nothing to change: node-a's list is already 10\.10\.0\.5, 10\.20\.0\.5/)
    assert.deepEqual(ctx.audit(), [])
  })

  it('rewrites a non-canonical stored value canonically', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-b', '10.10.0.6', '10.20.0.6', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await ctx.list('node-b'), '10.10.0.6,10.20.0.6')
    assert.match(r.stdout, /canonical form/)
  })

  // Every refusal: a clear reason, a non-zero exit, the database and the audit log unchanged.
  const refusals: Array<[string, string[], RegExp]> = [
    ['unspecified IPv4', ['0.0.0.0'], /0\.0\.0\.0 is the unspecified address/],
    ['unspecified IPv6', ['::'], /:: is the unspecified address/],
    ['multicast', ['10.10.0.5', '224.0.0.251'], /224\.0\.0\.251 is a multicast address/],
    ['multicast IPv6', ['ff02::1'], /ff02::1 is a multicast address/],
    ['broadcast', ['255.255.255.255'], /255\.255\.255\.255 is the broadcast address/],
    ['network broadcast', ['10.20.255.255'], /10\.20\.255\.255 is the broadcast address of network y \(10\.20\.0\.0\/16\)/],
    ['malformed', ['10.10.0.300'], /"10\.10\.0\.300" is not an IPv4 or IPv6 address/],
    ['a CIDR', ['10.10.0.0/24'], /is a network \(CIDR\)/],
    ['host name', ['tars-node-a.plant.local'], /"tars-node-a\.plant\.local" is a host name, not an IP address/],
    ['duplicate', ['10.10.0.5', '10.10.000.5'], /10\.10\.0\.5 is given twice for node-a \(once as "10\.10\.000\.5"\)/],
    ['another node\'s IP', ['10.10.0.5', '10.20.0.6'], /10\.20\.0\.6 is already used by node-b.*or pass --force/],
    ['another node\'s endpoint_ip', ['10.10.0.5', '10.10.0.7'], /10\.10\.0\.7 is already used by node-c \(its endpoint_ip\)/],
    ['another node\'s name-as-IP', ['10.10.0.5', '10.10.0.8'], /10\.10\.0\.8 is already used by 10\.10\.0\.8 \(its node_name\)/],
  ]
  for (const [what, ips, message] of refusals) {
    it(`refuses ${what}, writing nothing`, async () => {
      const r = await ctx.run(['nodes', 'set-ips', 'node-a', ...ips, '--yes'])
      assertFailed(r, message)
      assert.match(r.stderr, /error: refused, nothing written/)
      assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
      assert.deepEqual(ctx.audit(), [])
    })
  }

  it('refuses an empty list unless --allow-empty (then stores NULL: the node falls back)', async () => {
    assertFailed(await ctx.run(['nodes', 'set-ips', 'node-a', '--yes']), /leave node-a with no IP list.*--allow-empty/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
    const ok = await ctx.run(['nodes', 'set-ips', 'node-a', '--allow-empty', '--yes'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(await ctx.list('node-a'), null)
    assert.equal(ctx.audit()[0].after, null)
  })

  it('--force allows an IP another node lists, with a warning', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.6', '--force', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: 10\.20\.0\.6 is also used by node-b/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.6')
  })

  it('warns (and applies) loopback, link-local, a lost network and a missing one, by name', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-c', '10.10.0.7', '127.0.0.2', 'fe80::7', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: 127\.0\.0\.2 is a loopback address/)
    assert.match(r.stderr, /warning: fe80::7 is link-local/)
    assert.match(r.stderr, /warning: node-c has no IP on network y/)
    const lost = await ctx.run(['nodes', 'set-ips', 'node-a', '10.20.0.5', '--yes'])
    assert.equal(lost.code, 0, lost.stderr)
    assert.match(lost.stderr, /warning: node-a would have no IP on network x any more \(it had 10\.10\.0\.5\)/)
  })

  it('an unknown node is an error listing the closest names', async () => {
    const r = await ctx.run(['nodes', 'set-ips', 'node-x', '10.10.0.99', '--yes'])
    assertFailed(r, /error: refused, nothing written: unknown node "node-x": did you mean node-a, node-b, node-c\?/)
  })

  it('a list longer than the column is refused before MySQL could cut it', async () => {
    const ips = Array.from({length: 30}, (_, i) => `fd00:10::${(i + 1).toString(16)}:aaaa:bbbb:cccc`)
    assertFailed(await ctx.run(['nodes', 'set-ips', 'node-a', ...ips, '--yes']), /holds 512/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
  })

  it('refuses --demo and --snapshot: edits go to the database', async () => {
    assertFailed(await ctx.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--demo', '--yes'], {TARSNET_DB: undefined}), /--demo is read-only: pass --db/)
    const snap = join(ctx.dataHome, 's.json')
    writeFileSync(snap, '{}')
    assertFailed(await ctx.run(['nodes', 'add-ip', 'node-a', '10.10.0.9', '--snapshot', snap, '--yes'], {TARSNET_DB: undefined}), /--snapshot is read-only/)
  })
})

describe('nodes add-ip / remove-ip', () => {
  it('add-ip appends, or inserts at --position (1 = first)', async () => {
    let r = await ctx.run(['nodes', 'add-ip', 'node-a', 'fd00:10::5', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5,fd00:10::5')
    r = await ctx.run(['nodes', 'add-ip', 'node-a', '10.10.1.5', '--position', '1', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await ctx.list('node-a'), '10.10.1.5,10.10.0.5,10.20.0.5,fd00:10::5')
    assert.deepEqual(ctx.audit().map((e) => e.after), ['10.10.0.5,10.20.0.5,fd00:10::5', '10.10.1.5,10.10.0.5,10.20.0.5,fd00:10::5'])
  })

  it('add-ip refuses an IP already listed, a bad position, a bad address', async () => {
    assertFailed(await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.0.5', '--yes']), /already in node-a's list \(position 2\)/)
    assertFailed(await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.0.9', '--position', '4', '--yes']), /--position 4 is outside node-a's list of 2 IP\(s\): use 1 \(first\) to 3 \(last\)/)
    assertFailed(await ctx.run(['nodes', 'add-ip', 'node-a', '239.0.0.1', '--yes']), /multicast/)
    assertFailed(await ctx.run(['nodes', 'add-ip', 'node-a', '10.10.0.6', '--yes']), /already used by node-b/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
    assert.deepEqual(ctx.audit(), [])
  })

  it('add-ip to a node on the fallback starts its list and says the fallback is replaced', async () => {
    const r = await ctx.run(['nodes', 'add-ip', 'node-c', '10.20.0.7', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /node-c had no IP list and used its endpoint_ip 10\.10\.0\.7; the new list replaces that: add it to the list if it should stay/)
    assert.match(r.stderr, /node-c would have no IP on network x any more/)
    assert.equal(await ctx.list('node-c'), '10.20.0.7')
  })

  it('remove-ip removes (normalised), needs --yes without a terminal', async () => {
    const no = await ctx.run(['nodes', 'remove-ip', 'node-a', '10.020.0.5'])
    assertFailed(no, /no terminal to confirm at; pass --yes/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
    const r = await ctx.run(['nodes', 'remove-ip', 'node-a', '10.020.0.5', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /no IP on network y any more/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5')
  })

  it('remove-ip refuses an IP not in the list, and the last IP unless --allow-empty', async () => {
    assertFailed(await ctx.run(['nodes', 'remove-ip', 'node-a', '10.20.0.99', '--yes']), /10\.20\.0\.99 is not in node-a's list: its list is 10\.10\.0\.5, 10\.20\.0\.5/)
    assertFailed(await ctx.run(['nodes', 'remove-ip', 'node-c', '10.10.0.7', '--yes']), /comes from its endpoint_ip, which tarsnet does not edit/)
    await ctx.db.query("UPDATE t_node_info SET ip_list = '10.10.0.5' WHERE node_name = 'node-a'")
    assertFailed(await ctx.run(['nodes', 'remove-ip', 'node-a', '10.10.0.5', '--yes']), /--allow-empty/)
    const ok = await ctx.run(['nodes', 'remove-ip', 'node-a', '10.10.0.5', '--yes', '--allow-empty'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(await ctx.list('node-a'), null)
  })
})

describe('nodes import', () => {
  const write = (name: string, text: string) => {
    const path = join(ctx.dataHome, name)
    writeFileSync(path, text)
    return path
  }

  it('applies a CSV in one go, showing the full diff, one audit entry per changed node', async () => {
    const file = write('ips.csv', 'node,ips\nnode-a,"10.10.0.5,10.20.0.5"\nnode-b,10.10.0.6 10.20.0.66\nnode-c,10.10.0.7;10.20.0.7\n')
    const r = await ctx.run(['nodes', 'import', file, '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /node-b\n {2}before: 10\.10\.0\.6 \(x\), 10\.20\.0\.6 \(y\)\n {2}after: {2}10\.10\.0\.6 \(x\), 10\.20\.0\.66 \(y\)/)
    assert.match(r.stdout, /node-c\n/)
    assert.doesNotMatch(r.stdout, /^node-a\n/m, 'unchanged nodes are not in the diff')
    assert.match(r.stdout, /Unchanged \(already as given\): node-a/)
    assert.deepEqual(await ctx.all(), {'node-a': '10.10.0.5,10.20.0.5', 'node-b': '10.10.0.6,10.20.0.66', 'node-c': '10.10.0.7,10.20.0.7', '10.10.0.8': null})
    assert.deepEqual(ctx.audit().map((e) => e.node), ['node-b', 'node-c'])
    assert.match(r.stdout, /Applied: 2 node\(s\) changed/)
  })

  it('all or nothing: one bad entry anywhere and no node is written', async () => {
    const file = write('bad.json', JSON.stringify({'node-b': ['10.10.0.6', '10.20.0.66'], 'node-c': ['10.10.0.7', 'gateway.local'], 'node-z': ['10.10.0.99']}))
    const r = await ctx.run(['nodes', 'import', file, '--yes'])
    assertFailed(r, /refused, nothing written: unknown node "node-z".*node-c: "gateway\.local" is a host name/)
    assert.deepEqual(await ctx.all(), Object.fromEntries(SEED.map((s) => [s.node_name, s.ip_list])))
    assert.deepEqual(ctx.audit(), [])
  })

  it('an address moved from one node to another in the same file is fine; two nodes taking one is refused', async () => {
    const swap = write('swap.json', JSON.stringify([{node: 'node-a', ips: ['10.10.0.5', '10.20.0.50']}, {node: 'node-b', ips: ['10.10.0.6', '10.20.0.5']}]))
    assert.equal((await ctx.run(['nodes', 'import', swap, '--yes'])).code, 0)
    assert.deepEqual(await ctx.all(), {'node-a': '10.10.0.5,10.20.0.50', 'node-b': '10.10.0.6,10.20.0.5', 'node-c': null, '10.10.0.8': null})
    const clash = write('clash.csv', 'node-a,10.10.0.5 10.20.0.77\nnode-c,10.10.0.7 10.20.0.77\n')
    assertFailed(await ctx.run(['nodes', 'import', clash, '--yes']), /10\.20\.0\.77 is already used by node-c.*10\.20\.0\.77 is already used by node-a/)
  })

  it('--dry-run shows every change and the SQL of the one transaction', async () => {
    const file = write('ips.json', JSON.stringify({'node-b': '10.10.0.6,10.20.0.66', 'node-c': ['10.10.0.7', '10.20.0.7']}))
    const r = await ctx.run(['nodes', 'import', file, '--dry-run', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const j = r.json()
    assert.equal(j.format, 'json')
    assert.deepEqual(j.changes.map((c: any) => c.node), ['node-b', 'node-c'])
    assert.equal(j.sql[0], 'START TRANSACTION;')
    assert.equal(j.sql.filter((s: string) => s.startsWith('UPDATE')).length, 2)
    assert.equal(j.sql.at(-1), 'COMMIT;')
    assert.equal(j.applied, false)
    assert.equal(await ctx.list('node-b'), '10.10.0.6;10.20.0.6')
  })

  it('without --yes and no terminal, writes nothing; unreadable files are refused with where', async () => {
    const file = write('ips.csv', 'node-b,10.10.0.6 10.20.0.66\n')
    assertFailed(await ctx.run(['nodes', 'import', file]), /pass --yes/)
    assert.equal(await ctx.list('node-b'), '10.10.0.6;10.20.0.6')
    assertFailed(await ctx.run(['nodes', 'import', write('q.csv', 'node-b,"10.10.0.6\n'), '--yes']), /not a valid CSV import, nothing written: line 1: a quote is not closed/)
    assertFailed(await ctx.run(['nodes', 'import', join(ctx.dataHome, 'missing.csv'), '--yes']), /cannot read .*missing\.csv: no such file/)
  })
})

describe('db migrate and the missing column', () => {
  let bare: TestDb
  let c: Ctx
  beforeEach(async () => {
    bare = await TestDb.create({ipListColumn: false})
    await bare.addNodes([{node_name: 'node-a', endpoint_ip: '10.10.0.5'}])
    c = new Ctx(bare)
  })
  afterEach(async () => {
    await bare.drop()
  })
  const column = async () => (await bare.query<Array<{t: string; n: string; d: string | null}>>(
    "SELECT COLUMN_TYPE AS t, IS_NULLABLE AS n, COLUMN_DEFAULT AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_node_info' AND COLUMN_NAME = 'ip_list'", [bare.name]))[0]

  it('editing commands say to run `tarsnet db migrate`', async () => {
    for (const args of [['nodes', 'set-ips', 'node-a', '10.10.0.5'], ['nodes', 'add-ip', 'node-a', '10.20.0.5'], ['nodes', 'remove-ip', 'node-a', '10.10.0.5']]) {
      assertFailed(await c.run([...args, '--yes']), /t_node_info has no ip_list column to hold IP lists: run `tarsnet db migrate` first/)
    }
  })

  it('--dry-run shows the SQL and changes nothing; no terminal and no --yes changes nothing', async () => {
    const dry = await c.run(['db', 'migrate', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /ALTER TABLE t_node_info ADD COLUMN `ip_list` varchar\(512\) DEFAULT NULL/)
    assert.match(dry.stdout, /Dry run: nothing was changed/)
    assert.equal(await column(), undefined)
    const no = await c.run(['db', 'migrate'])
    assertFailed(no, /pass --yes/)
    assert.match(no.stdout, /ALTER TABLE/, 'the SQL is shown first')
    assert.equal(await column(), undefined)
  })

  it('--yes adds exactly the column; the second run is a no-op that says so; it is logged once', async () => {
    const r = await c.run(['db', 'migrate', '--yes'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /Added t_node_info\.ip_list \(varchar\(512\)\)/)
    assert.deepEqual({...(await column())}, {t: 'varchar(512)', n: 'YES', d: 'NULL'})
    const again = await c.run(['db', 'migrate', '--yes', '--json'])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json().status, 'already-present')
    const human = await c.run(['db', 'migrate'])
    assert.equal(human.code, 0)
    assert.match(human.stdout, /Nothing to do: t_node_info already has the ip_list column \(varchar\(512\)\)/)
    const log = c.audit()
    assert.deepEqual(log.map((e) => [e.kind, e.node]), [['migrate', null]])
    // Then edits work, and node-a's fallback IP is what it used.
    const set = await c.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '10.20.0.5', '--yes'])
    assert.equal(set.code, 0, set.stderr)
  })

  it('two migrations at once: the column is added once, both succeed, one log entry', async () => {
    const runs = await Promise.all([c.run(['db', 'migrate', '--yes', '--json']), c.run(['db', 'migrate', '--yes', '--json'])])
    assert.deepEqual(runs.map((r) => r.code), [0, 0], runs.map((r) => r.stdout + r.stderr).join('\n'))
    assert.deepEqual(runs.map((r) => r.json().status).sort(), ['added', 'already-present'])
    assert.equal((await column())?.t, 'varchar(512)')
    assert.equal(c.audit().length, 1)
  })

  it('uses the profile\'s column name', async () => {
    const cfg = join(c.dataHome, 'config.json')
    writeFileSync(cfg, JSON.stringify({profiles: {default: {ipListColumn: 'tars_ips'}}}))
    const r = await c.run(['db', 'migrate', '--yes', '--config', cfg])
    assert.equal(r.code, 0, r.stderr)
    const cols = await bare.query<Array<{c: string}>>("SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 't_node_info' AND COLUMN_NAME IN ('ip_list', 'tars_ips')", [bare.name])
    assert.deepEqual(cols.map((x) => x.c), ['tars_ips'])
    const set = await c.run(['nodes', 'set-ips', 'node-a', '10.10.0.5', '--yes', '--config', cfg])
    assert.equal(set.code, 0, set.stderr)
    assert.equal((await bare.query<Array<{v: string}>>('SELECT tars_ips AS v FROM t_node_info'))[0].v, '10.10.0.5')
  })

  it('refuses --demo', async () => {
    assertFailed(await c.run(['db', 'migrate', '--demo', '--yes'], {TARSNET_DB: undefined}), /--demo is read-only/)
  })
})

describe('nodes history', () => {
  it('shows applied changes newest first, per node, as JSON too; refused and dry runs are not there', async () => {
    assert.equal((await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.1.5', '--yes'])).code, 0)
    assert.equal((await ctx.run(['nodes', 'set-ips', 'node-b', '10.10.0.6', '10.20.0.6', '--yes'])).code, 0)
    assert.equal((await ctx.run(['nodes', 'remove-ip', 'node-a', '10.20.1.5', '--yes'])).code, 0)
    assert.notEqual((await ctx.run(['nodes', 'add-ip', 'node-a', '0.0.0.0', '--yes'])).code, 0)
    assert.equal((await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.2.5', '--dry-run'])).code, 0)
    const all = await ctx.run(['nodes', 'history', '--json'])
    assert.equal(all.code, 0, all.stderr)
    const entries = all.json().entries
    assert.deepEqual(entries.map((e: any) => [e.node, e.before, e.after]), [
      ['node-a', '10.10.0.5,10.20.0.5,10.20.1.5', '10.10.0.5,10.20.0.5'],
      ['node-b', '10.10.0.6;10.20.0.6', '10.10.0.6,10.20.0.6'],
      ['node-a', '10.10.0.5,10.20.0.5', '10.10.0.5,10.20.0.5,10.20.1.5'],
    ])
    const one = await ctx.run(['nodes', 'history', 'node-b', '--json'])
    assert.deepEqual(one.json().entries.map((e: any) => e.node), ['node-b'])
    const human = await ctx.run(['nodes', 'history', 'node-a', '--limit', '1'])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /WHEN \(UTC\) +NODE +BEFORE +AFTER +BY +COMMAND/)
    assert.match(human.stdout, /tarsnet nodes remove-ip node-a 10\.20\.1\.5 --yes/)
    assert.doesNotMatch(human.stdout, /add-ip/)
  })

  it('with no log says so; the profile\'s auditLog path is used', async () => {
    const r = await ctx.run(['nodes', 'history'])
    assert.equal(r.code, 0)
    assert.match(r.stderr, /no audit log yet/)
    const cfg = join(ctx.dataHome, 'config.json')
    const custom = join(ctx.dataHome, 'custom', 'edits.jsonl')
    writeFileSync(cfg, JSON.stringify({profiles: {default: {auditLog: custom}}}))
    assert.equal((await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.1.5', '--yes', '--config', cfg])).code, 0)
    assert.equal(readFileSync(custom, 'utf8').trim().split('\n').length, 1)
    assert.equal((await ctx.run(['nodes', 'history', '--json', '--config', cfg])).json().entries.length, 1)
  })

  it('skips lines that are not entries, and says how many', async () => {
    assert.equal((await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.1.5', '--yes'])).code, 0)
    writeFileSync(ctx.auditPath, readFileSync(ctx.auditPath, 'utf8') + 'garbage\n{"no":"time"}\n')
    const r = await ctx.run(['nodes', 'history', '--json'])
    assert.equal(r.code, 0)
    assert.equal(r.json().entries.length, 1)
    assert.ok(r.json().notices.some((n: string) => /2 line\(s\) .* are not audit entries/.test(n)))
  })

  it('an audit log that cannot be written refuses the edit before anything is written (never a change without its entry)', async () => {
    const cfg = join(ctx.dataHome, 'config.json')
    const blocker = join(ctx.dataHome, 'a-file')
    writeFileSync(blocker, '')
    writeFileSync(cfg, JSON.stringify({profiles: {default: {auditLog: join(blocker, 'audit.jsonl')}}}))
    const r = await ctx.run(['nodes', 'add-ip', 'node-a', '10.20.1.5', '--yes', '--config', cfg])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /error: the audit log .*a-file\/audit\.jsonl cannot be written \(.*a-file is not a directory\): nothing written/)
    assert.equal(await ctx.list('node-a'), '10.10.0.5,10.20.0.5')
  })

  it('never writes a password into the log', () => {
    assert.equal(redactCommandLine(['nodes', 'set-ips', 'a', '10.0.0.1', '--db', 'mysql://tars:s3cret@10.10.0.2/db_tars']), "nodes set-ips a 10.0.0.1 --db mysql://tars:****@10.10.0.2/db_tars")
    assert.equal(redactCommandLine(['--db=mysql://tars:p@ss@h/db']), '--db=mysql://tars:****@h/db')
    assert.equal(redactCommandLine(['x y']), "'x y'")
  })
})

describe('nodes detect', () => {
  const XY = namedNetworks([{name: 'x', cidrs: ['10.10.0.0/16', 'fd00:10::/64']}, {name: 'y', cidrs: ['10.20.0.0/16']}])
  const expected = () => orderDetected(detectAddresses(networkInterfaces(), DEFAULT_DETECT_EXCLUDE, XY).ips, XY).map((d) => d.ip)

  it('lists this machine\'s addresses with interface and network, leaving out loopback and link-local', async () => {
    const r = await ctx.run(['nodes', 'detect', '--json'], {TARSNET_DB: undefined})
    assert.equal(r.code, 0, r.stderr)
    const j = r.json()
    assert.deepEqual(j.list, expected())
    assert.ok(!j.list.includes('127.0.0.1') && !j.list.includes('::1'))
    assert.ok(j.skipped.some((s: any) => s.reason === 'loopback'))
    assert.ok(j.ips.every((d: any) => typeof d.interface === 'string' && 'network' in d))
    assert.deepEqual(j.exclude, DEFAULT_DETECT_EXCLUDE)
    const human = await ctx.run(['nodes', 'detect'], {TARSNET_DB: undefined})
    assert.match(human.stdout, /INTERFACE +IP +PREFIX +NETWORK/)
  })

  it('--exclude leaves out an interface by glob', async () => {
    const names = Object.keys(networkInterfaces()).filter((n) => n !== 'lo')
    if (names.length === 0) return
    const r = await ctx.run(['nodes', 'detect', '--exclude', `${names[0].slice(0, 2)}*`, '--json'], {TARSNET_DB: undefined})
    assert.ok(!r.json().ips.some((d: any) => d.interface === names[0]))
  })

  it('--write stores them through the safe path (dry run, --yes, refusal without)', async () => {
    const ips = expected()
    const dry = await ctx.run(['nodes', 'detect', '--write', 'node-c', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(await ctx.list('node-c'), null)
    if (ips.length === 0) {
      assertFailed(await ctx.run(['nodes', 'detect', '--write', 'node-c', '--yes']), /--allow-empty/)
      return
    }
    assert.match(dry.stdout, /UPDATE t_node_info/)
    assertFailed(await ctx.run(['nodes', 'detect', '--write', 'node-c']), /pass --yes/)
    assert.equal(await ctx.list('node-c'), null)
    const r = await ctx.run(['nodes', 'detect', '--write', 'node-c', '--yes', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().write.applied, true)
    assert.equal(await ctx.list('node-c'), ips.join(','))
    assert.match(ctx.audit()[0].command, /nodes detect --write node-c --yes/)
    assertFailed(await ctx.run(['nodes', 'detect', '--write', 'node-zz', '--yes']), /unknown node "node-zz"/)
  })
})
