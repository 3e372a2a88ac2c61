/**
 * A real client's own report, end to end: an unmodified Tars.js client (@tars/rpc, TARS_MONITOR set) calls
 * App.Ctl.CtlObj on two nodes × two networks (x = 127.91.1.0/24, y = 127.91.2.0/24: Tars.js servants on
 * loopback), and reports its calls to a lab tars.tarsstat.StatObj (test/helpers/stat-servant.ts) that writes
 * rows as tarsstat does into a real MariaDB. Network x is cut mid-run (iptables DROP in a chain of this test's
 * own, hooked from OUTPUT for x's addresses only, removed in finally). `tarsnet traffic` must show it as Tars.js
 * behaves (core/client/AdapterProxy.js, DESIGN §5): x's calls fail and x's adapters go inactive within seconds
 * (failed over: no calls to x); tryTimeInterval (30 s) later they reconnect, and an adapter whose socket is
 * CONNECTING counts as active, so x gets its share of the calls again, for tens of seconds, and they all fail.
 * The test follows the client's own counts (it prints them every second) through those phases and stops two
 * reports into the second one: the record then shows x answered, failing, left, then called again, and the
 * caller is `stuck` on both x IPs while y answers (exit 1), as the Node caller of the demo is.
 * Time is bounded: the client reports every 10 s (Tars.js's shortest report-interval), and the stat servant's
 * clock runs 30× (10 s = one 5-minute slot), so the run takes one to two minutes.
 */
import assert from 'node:assert/strict'
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {closedPort} from '../../src/lab/listeners.js'
import {startTarsJsServant, type RunningServant} from '../../src/lab/tars-server.js'
import {ROOT} from '../helpers/cli.js'
import {TestDb} from '../helpers/db.js'
import {StatTestDb} from '../helpers/stat-db.js'
import {runCommand} from '../helpers/run.js'
import {startStatServant, type StatServant} from '../helpers/stat-servant.js'
import {until} from '../helpers/wait.js'

const OBJ = 'App.Ctl.CtlObj'
const X = ['127.91.1.1', '127.91.1.2']
const Y = ['127.91.2.1', '127.91.2.2']
const NETWORKS = 'x=127.91.1.0/24;y=127.91.2.0/24'
const CHAIN = `TNTRAFFIC${process.pid}`

function iptables(args: string[], check = true): void {
  const r = spawnSync('iptables', ['-w', ...args], {encoding: 'utf8'})
  if (check && r.status !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`)
}

function removeCut(): void {
  iptables(['-D', 'OUTPUT', '-d', '127.91.1.0/24', '-j', CHAIN], false)
  iptables(['-F', CHAIN], false)
  iptables(['-X', CHAIN], false)
}

let db: TestDb
let stat: StatTestDb
let statServant: StatServant | undefined
let client: ChildProcess | undefined
const servants: RunningServant[] = []
const dir = mkdtempSync(join(tmpdir(), 'tarsnet-traffic-lab-'))

before(async () => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) throw new Error('the traffic lab needs Linux and root (iptables on lo)')
  if (spawnSync('iptables', ['-w', '-S', 'OUTPUT']).status !== 0) throw new Error('the traffic lab needs iptables (apt-get install iptables)')
  const port = await closedPort(X[0])
  for (const host of [...X, ...Y]) servants.push(await startTarsJsServant(OBJ, host, port))
  db = await TestDb.create()
  await db.addNodes([{node_name: 'n1', ip_list: `${X[0]},${Y[0]}`}, {node_name: 'n2', ip_list: `${X[1]},${Y[1]}`}])
  await db.addServers([{application: 'App', server_name: 'Ctl', node_name: 'n1'}, {application: 'App', server_name: 'Ctl', node_name: 'n2'}, {application: 'App', server_name: 'NodeCli', node_name: 'n1'}])
  await db.query("UPDATE t_server_conf SET server_type = IF(server_name = 'NodeCli', 'tars_nodejs', 'tars_cpp')")
  await db.addAdapters(['n1', 'n2'].map((node_name) => ({application: 'App', server_name: 'Ctl', node_name, servant: OBJ, endpoint: `tcp -h 0.0.0.0 -p ${port} -t 60000`})))
  stat = await StatTestDb.create()
})

after(async () => {
  client?.kill('SIGKILL')
  removeCut()
  await statServant?.close().catch(() => {})
  for (const s of servants) await s.close().catch(() => {})
  await stat?.drop()
  await db?.drop()
  rmSync(dir, {recursive: true, force: true})
})

describe('a real Tars.js client\'s report through a lab tarsstat', () => {
  it('shows the Node client leaving x when x is cut, then stuck on both x IPs in its 30 s retry cycle', {timeout: 240_000}, async () => {
    const now = await stat.now()
    statServant = await startStatServant({host: '127.0.0.1', conn: stat.conn, startClock: now - 3600, speed: 30})
    const config = join(dir, 'client.conf')
    writeFileSync(config, `<tars>
  <application>
    <client>
      stat = tars.tarsstat.StatObj@tcp -h 127.0.0.1 -p ${statServant.port} -t 10000
      report-interval = 10000
      modulename = App.NodeCli
      async-invoke-timeout = 1000
      sync-invoke-timeout = 1000
    </client>
  </application>
</tars>
`)
    const proxy = `${OBJ}@${[...X, ...Y].map((h) => `tcp -h ${h} -p ${servants[0].port} -t 60000`).join(':')}`
    let lastLine = ''
    // The client's own count of failed calls, and when it last grew.
    let failed = 0
    let failedGrewAt = Date.now()
    client = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'traffic-client.cjs'), config, proxy, '20'], {cwd: ROOT, env: {...process.env, TARS_MONITOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let pending = ''
    client.stdout!.on('data', (d) => {
      const lines = (pending + String(d)).split('\n')
      pending = lines.pop()!
      for (const line of lines) {
        const m = /"failed":(\d+)/.exec(line)
        if (!m) continue
        lastLine = line
        if (Number(m[1]) > failed) failedGrewAt = Date.now()
        failed = Number(m[1])
      }
    })
    let stderr = ''
    client.stderr!.on('data', (d) => (stderr += d))
    try {
      // Two reports with every link up, then x is cut.
      await until('two reports from the client', () => statServant!.reports >= 2, 40_000)
      iptables(['-N', CHAIN])
      iptables(['-A', CHAIN, '-j', 'DROP'])
      iptables(['-I', 'OUTPUT', '-d', '127.91.1.0/24', '-j', CHAIN])
      const atCut = failed
      // x's calls fail, then stop (its adapters inactive: no failures for 5 s), then fail again (the retry).
      await until('failed calls after the cut', () => failed > atCut, 20_000)
      await until('the client leaving x (no failed call for 5 s)', () => Date.now() - failedGrewAt > 5000, 30_000)
      const leftAt = failed
      await until('the client calling x again (its 30 s retry)', () => failed > leftAt, 60_000)
      // Two reports more: the last slots hold only calls made since it came back to x.
      const back = statServant.reports
      await until('two reports since it came back to x', () => statServant!.reports >= back + 2, 30_000)
    } finally {
      client.kill('SIGKILL')
      removeCut()
    }
    await statServant.close()
    assert.ok(statServant.rows > 0, `the stat servant wrote no rows (client: ${lastLine}; ${stderr.slice(0, 300)})`)

    const r = await runCommand(['traffic', OBJ, '--db', db.url, '--stat-db', stat.url, '--networks', NETWORKS, '--since', '70m', '--json'])
    const text = await runCommand(['traffic', OBJ, '--db', db.url, '--stat-db', stat.url, '--networks', NETWORKS, '--since', '70m'])
    process.stdout.write(`# ${text.stdout.replaceAll('\n', '\n# ')}\n`)
    // Stuck: its last slot still sends calls to x, which fail, while y answers them: degraded, not an outage.
    assert.equal(r.code, 1, `exit ${r.code}: ${r.stderr}`)
    const o = r.json().objects[0]
    const net = Object.fromEntries(o.networks.map((n: any) => [n.network, n]))
    assert.ok(net.x.ok > 0, 'x answered before the cut')
    assert.ok(net.x.timeouts + net.x.exceptions > 0, 'x failed after the cut')
    assert.ok(net.y.ok > 0 && net.y.timeouts + net.y.exceptions === 0, 'y answered all along')
    // x in the record's own slots: answered, then failing (the cut), then left (inactive, 30 s), then failing
    // again in the last slot (the retry cycle).
    const ends = [...new Set(o.slots.map((s: any) => s.end))] as string[]
    const x = ends.map((end) => o.slots.find((s: any) => s.end === end && s.network === 'x') ?? {calls: 0, ok: 0, timeouts: 0, exceptions: 0})
    const firstFail = x.findIndex((s: any) => s.timeouts + s.exceptions > 0)
    assert.ok(firstFail > 0 && x.slice(0, firstFail).some((s: any) => s.ok > 0), 'x answered, then failed')
    assert.ok(x.slice(firstFail + 1, -1).some((s: any) => s.calls === 0), 'x was left for a slot after the cut (failed over)')
    const lastX = x.at(-1)!
    assert.ok(lastX.calls > 0 && lastX.ok === 0, `x is called again, and fails, in the last slot: ${JSON.stringify(lastX)}`)
    const caller = o.callers[0]
    assert.equal(caller.caller, 'App.NodeCli')
    assert.equal(caller.language, 'tars_nodejs')
    assert.equal(caller.verdict, 'stuck')
    assert.deepEqual(caller.deadIps, X)
    assert.ok(caller.deadShare >= 0.05, `dead share ${caller.deadShare}`)
    // The last slot: y carries the answered calls.
    const lastY = caller.lastSlot.networks.find((n: any) => n.network === 'y')
    assert.ok(lastY && lastY.ok > 0 && lastY.timeouts + lastY.exceptions === 0)
  })
})
