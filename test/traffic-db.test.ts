/**
 * The clients' record on a real MariaDB: tarsstat's table DDL verbatim and rows placed by upstream's slot
 * rule (test/helpers/stat-db.ts), with two tarsstat instances (source_id), an hour boundary, a set-suffixed
 * slave_name, two servants of one server on two ports, pseudo callers, an unknown IP, and a window that cuts
 * a slot. Node n2 loses its x address (10.10.0.2) six slots before now: the C++ caller fails over, the Node
 * caller keeps calling it.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {namedNetworks, parseNetworksSpec} from '../src/core/networks.js'
import {openStatDb, readCallerRates} from '../src/stat/callers.js'
import {parseDbUrl} from '../src/lib/db-url.js'
import {MysqlStore} from '../src/store/mysql-store.js'
import {loadClusterRows} from '../src/lib/cluster-loader.js'
import {runCli} from './helpers/cli.js'
import {TestDb} from './helpers/db.js'
import {StatTestDb, type Report} from './helpers/stat-db.js'

const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16'
const CTL = 'App.Ctl.CtlObj'
const ADMIN = 'App.Ctl.AdminObj'
const HIST = 'App.Hist.HistObj'
const DEAD = '10.10.0.2'

let db: TestDb
let stat: StatTestDb
/** --since that puts the window's start in the middle of the 13th slot back (that slot counts, the 14th not). */
let since: string
/** Slot ends written, newest first (seconds, stat clock as UTC); the window holds the first 13. */
let ends: number[]

function reportsFor(k: number): Report[] {
  const cut = k <= 5
  const r: Report[] = []
  const both = (rep: Report) => {
    // Two tarsstat instances each got part of the reports: the record is their sum.
    const a = Math.ceil(rep.ok * 0.6)
    r.push({...rep, source: '10.0.0.100', ok: a, timeouts: Math.ceil((rep.timeouts ?? 0) / 2), exceptions: Math.ceil((rep.exceptions ?? 0) / 2)})
    r.push({...rep, source: '10.0.0.101', ok: rep.ok - a, timeouts: Math.floor((rep.timeouts ?? 0) / 2), exceptions: Math.floor((rep.exceptions ?? 0) / 2)})
  }
  for (const ip of ['10.10.0.1', '10.20.0.1', '10.10.0.2', '10.20.0.2']) {
    if (ip !== DEAD || !cut) {
      // Two functions: summed over interface_name.
      both({master: 'App.CppCli', slave: 'App.Ctl', fn: 'get', ip, port: 9001, ok: 60})
      both({master: 'App.CppCli', slave: 'App.Ctl', fn: 'set', ip, port: 9001, ok: 40})
      both({master: 'App.NodeCli', slave: 'App.Ctl', ip, port: 9001, ok: 50})
    } else {
      if (k === 5) both({master: 'App.CppCli', slave: 'App.Ctl', ip, port: 9001, ok: 0, timeouts: 3, exceptions: 2, ret: -7})
      both({master: 'App.NodeCli', slave: 'App.Ctl', ip, port: 9001, ok: 0, timeouts: 40, ret: -7})
    }
  }
  // The second servant of App.Ctl, on its own port.
  for (const ip of ['10.10.0.1', '10.20.0.1']) both({master: 'App.NodeCli', slave: 'App.Ctl', fn: 'admin', ip, port: 9002, ok: 10})
  // A set-enabled callee: slave_name carries the set (name, area, group; no separators).
  for (const ip of ['10.10.0.3', '10.20.0.3']) both({master: 'App.GoCli@1.4.5', slave: 'App.Hist.planta1', ip, port: 9003, ok: 20})
  // Pseudo callers from server-side reports: left out.
  for (const master of ['stat_from_server', 'one_way_client', 'tup_client']) r.push({master, slave: 'App.Ctl', ip: '10.10.0.1', port: 9001, ok: 1000})
  // An IP no adapter has: reported under unknown.
  r.push({master: 'App.CppCli', slave: 'App.Ctl', ip: '10.10.0.99', port: 9001, ok: 5})
  return r
}

before(async () => {
  db = await TestDb.create()
  await db.addNodes([
    {node_name: 'n1', ip_list: '10.10.0.1,10.20.0.1'},
    {node_name: 'n2', ip_list: '10.10.0.2,10.20.0.2'},
    {node_name: 'n3', ip_list: '10.10.0.3,10.20.0.3'},
  ])
  const s = (server_name: string, node_name: string, extra: Record<string, string> = {}) => ({application: 'App', server_name, node_name, ...extra})
  await db.addServers([s('Ctl', 'n1'), s('Ctl', 'n2'), s('Hist', 'n3', {enable_set: 'Y', set_name: 'plant', set_area: 'a', set_group: '1'}), s('CppCli', 'n3'), s('NodeCli', 'n3'), s('GoCli', 'n3')])
  for (const [server, type] of [['CppCli', 'tars_cpp'], ['NodeCli', 'tars_nodejs'], ['GoCli', 'tars_go'], ['Ctl', 'tars_cpp'], ['Hist', 'tars_cpp']]) {
    await db.query('UPDATE t_server_conf SET server_type = ? WHERE server_name = ?', [type, server])
  }
  const a = (server_name: string, node_name: string, servant: string, port: number) => ({application: 'App', server_name, node_name, servant, endpoint: `tcp -h 0.0.0.0 -p ${port} -t 60000`})
  await db.addAdapters([a('Ctl', 'n1', CTL, 9001), a('Ctl', 'n2', CTL, 9001), a('Ctl', 'n1', ADMIN, 9002), a('Ctl', 'n2', ADMIN, 9002), a('Hist', 'n3', HIST, 9003)])

  stat = await StatTestDb.create()
  const now = await stat.now()
  const base = Math.floor(now / 300) * 300
  ends = Array.from({length: 14}, (_, k) => base - k * 300)
  for (let k = 13; k >= 0; k--) await stat.write(ends[k] + 5, reportsFor(k))
  since = `${now - (ends[12] - 150)}s`
})

after(async () => {
  await stat?.drop()
  await db?.drop()
})

describe('readCallerRates (the record per object and caller)', () => {
  it('sums every tarsstat instance, leaves pseudo callers and unknown endpoints out, and names each caller\'s language', async () => {
    const store = await MysqlStore.open({url: parseDbUrl(db.url), password: undefined, connectTimeoutMs: 3000, ipListColumn: 'ip_list'})
    const statDb = await openStatDb({kind: 'mysql', url: parseDbUrl(stat.url), password: undefined, connectTimeoutMs: 3000, prefix: 'tars_stat_', origin: 'test'})
    try {
      const rows = await loadClusterRows(store)
      const sinceSeconds = Number(since.slice(0, -1))
      const {rates, window} = await readCallerRates({stat: statDb, window: {sinceSeconds, untilSeconds: 0}, cluster: rows, networks: namedNetworks(parseNetworksSpec(NETWORKS))})
      assert.deepEqual(rates.map((r) => [r.object, r.caller, r.language, r.calls, r.ok, r.timeouts, r.exceptions]), [
        [ADMIN, 'App.NodeCli', 'tars_nodejs', 13 * 20, 13 * 20, 0, 0],
        // 13 slots: 3 IPs × 100 + 10.10.0.2's 100 in 7 slots before the cut, then 3 timeouts and 2 exceptions.
        [CTL, 'App.CppCli', 'tars_cpp', 13 * 300 + 700 + 5, 13 * 300 + 700, 3, 2],
        [CTL, 'App.NodeCli', 'tars_nodejs', 13 * 150 + 350 + 240, 13 * 150 + 350, 240, 0],
        // The caller's @version is not part of its name.
        [HIST, 'App.GoCli', 'tars_go', 13 * 40, 13 * 40, 0, 0],
      ])
      assert.equal(window.slotsRead, 13)
      assert.equal(rates[0].callsPerSecond, Math.round((260 / (13 * 300)) * 1000) / 1000)
      // Only the named object's server is read.
      const one = await readCallerRates({stat: statDb, window: {sinceSeconds, untilSeconds: 0}, cluster: rows, networks: namedNetworks(parseNetworksSpec(NETWORKS)), objects: [HIST]})
      assert.deepEqual(one.rates.map((r) => r.caller), ['App.GoCli'])
    } finally {
      await statDb.close()
      await store.close()
    }
  })
})
