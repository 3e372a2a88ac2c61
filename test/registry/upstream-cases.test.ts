/**
 * The registry's answers as data (test/fixtures/registry-cases.ts), each case run on the real MariaDB
 * in-process: its rows inserted into a throwaway db_tars, `tarsnet resolve OBJECT --json`, and the answer
 * compared with what upstream (TarsFramework RegistryServer, TarsCpp) gives for those rows.
 */
import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {NETWORKS, PRELUDE, REGISTRY_CASES} from '../fixtures/registry-cases.js'
import {runCommand} from '../helpers/run.js'
import {TestDb} from '../helpers/db.js'

const TABLES = ['t_node_info', 't_server_conf', 't_adapter_conf', 't_registry_info', 't_server_group_rule', 't_group_priority']

interface Ep {
  node: string
  nodeName: string
  endpoint: string
  source: string
}

const written = (eps: Ep[]) => eps.map((e) => `${e.endpoint} @${e.nodeName}`)

let db: TestDb
before(async () => {
  db = await TestDb.create()
})
after(async () => {
  await db?.drop()
})

describe('registry answers (upstream cases as data)', () => {
  for (const c of REGISTRY_CASES) {
    it(`${c.name}  [${c.upstream.split(': ')[0]}]`, async () => {
      for (const t of TABLES) await db.query(`DELETE FROM ${t}`)
      await db.query(PRELUDE + c.sql)
      const r = await runCommand(['resolve', c.object, '--json', '--db', db.url, '--networks', NETWORKS, ...(c.args ?? [])])
      const e = c.expect
      if ('error' in e) {
        assert.equal(r.code, 1, r.stdout)
        assert.match(r.json().error.message, e.error)
        return
      }
      assert.equal(r.code, 0, r.stderr)
      const j = r.json()
      const why = `upstream: ${c.upstream}`
      assert.deepEqual(written(j.active), e.active, `active — ${why}`)
      assert.deepEqual(written(j.inactive), e.inactive, `inactive — ${why}`)
      assert.equal(j.mode.function, e.mode ?? 'findObjectById4Any', why)
      const both: Ep[] = [...j.active, ...j.inactive]
      // grid and qos are never handed out, whatever the case.
      for (const ep of both) assert.doesNotMatch(ep.endpoint, / -[gq] /, why)
      if (e.nodes) assert.deepEqual([...new Set(both.map((x) => x.node))], e.nodes, why)
      if (e.sources) assert.deepEqual(both.map((x) => x.source), e.sources, why)
      if (e.proxy !== undefined) assert.equal(j.proxy, e.proxy, why)
      assert.deepEqual(j.skipped.map((s: {code: string; node: string}) => `${s.code} ${s.node}`), e.skipped ?? [], why)
      const codes = j.warnings.map((w: {code: string}) => w.code)
      for (const w of e.warnings ?? []) assert.ok(codes.includes(w), `warning ${w} in ${codes.join(', ')} — ${why}`)
      if (e.clientViews) {
        assert.deepEqual(
          j.clientViews.map((v: {network: string | null; clientIp: string; active: Ep[]; inactive: Ep[]}) => ({network: v.network, clientIp: v.clientIp, active: written(v.active), inactive: written(v.inactive)})),
          e.clientViews,
          why,
        )
      } else assert.equal(j.clientViews, undefined)
    })
  }

  it('--client-node: an unknown node is one line naming the closest nodes', async () => {
    for (const t of TABLES) await db.query(`DELETE FROM ${t}`)
    await db.query(PRELUDE + "INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state) VALUES ('App', 'Srv', '10.10.0.1', 'active', 'active'); INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant) VALUES ('App', 'Srv', '10.10.0.1', 'A', 'tcp -h 0.0.0.0 -p 9000', 'App.Srv.Obj');")
    const r = await runCommand(['resolve', 'App.Srv.Obj', '--db', db.url, '--networks', NETWORKS, '--client-node', 'c2'])
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.match(r.stderr, /^error: unknown node 'c2' for --client-node: not in t_node_info; closest: c1/)
    const table = await runCommand(['resolve', 'App.Srv.Obj', '--db', db.url, '--networks', NETWORKS, '--client-node', 'c1'])
    assert.equal(table.code, 0, table.stderr)
    assert.match(table.stdout, /^\(an ordinary client calls findObjectByIdInSameGroup, answered for the node_name it sends \(its node's name\)/m)
    assert.match(table.stdout, /NODE\s+NETWORK\s+ENDPOINT\s+PROTO\s+TIMEOUT\s+STATE\s+EXPANDED FROM\s+TOLD TO c1/)
    assert.match(table.stdout, /^A client on c1 is told \(findObjectByIdInSameGroup with node_name 'c1' in its request context, the same over every network\): 2 active, 0 inactive — all endpoints: c1 \(not an IP, and no group rule names it\) is in no IDC group$/m)
    const proxy = await runCommand(['resolve', 'App.Srv.Obj', '--db', db.url, '--format', 'proxy', '--client-node', 'c1'])
    assert.equal(proxy.code, 1)
    assert.match(proxy.stderr, /--client-node shows the client's answer beside the full list: use it with the table or --json/)
  })
})
