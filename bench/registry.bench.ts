/**
 * `tarsnet registry check --all --json` on 1,000 objects × 4 registry addresses (two replicas, each on
 * networks x and y, on loopback), against Tars.js's own QueryF client (@tars/registry's QueryFProxy over
 * @tars/rpc) asking the same 4,000 questions: in a loop, one question at a time, as a script would —
 * and, for a fair second reference, all at once. Twice: on loopback, where an answer is back in
 * microseconds, and with every answer 1 ms late, as from a registry across a network.
 *
 * tarsnet does more than the reference: it starts Node and oclif, reads the 1,000 objects' rows from
 * MariaDB, computes what each should be (the registry's rules and the expansion), asks, compares every
 * answer and writes the JSON. The replicas run in this process and agree with the database, so every
 * run must exit 0.
 */
import {join} from 'node:path'

import {RegistryReplica, type ReplicaObject} from '../src/lab/registry-server.js'
import {endpointF} from '../src/tars/queryf.js'
import {TestDb} from '../test/helpers/db.js'
import {measure, ROOT, TARSNET, type BenchRow} from './lib.js'

const OBJECTS = 1000
const PREFIX = 'Bench.Reg'
const NETS = 'x=127.0.71.0/24;y=127.0.72.0/24'

export default async function bench(): Promise<BenchRow[]> {
  const db = await TestDb.create()
  const replicas: RegistryReplica[] = []
  try {
    // Every object on two of 20 nodes, bound to 0.0.0.0: four endpoints each once expanded.
    await db.query(`INSERT INTO t_node_info (node_name, endpoint_ip, present_state, setting_state, last_heartbeat, tars_version, ip_list) VALUES ${
      Array.from({length: 20}, (_, k) => `('b${k}', '127.0.71.${100 + k}', 'active', 'active', NOW(), '3.0.19', '127.0.71.${100 + k},127.0.72.${100 + k}')`).join(',')}`)
    const servers: string[] = []
    const adapters: string[] = []
    const objects: Record<string, ReplicaObject> = {}
    for (let i = 0; i < OBJECTS; i++) {
      const nodes = [i % 20, (i + 7) % 20]
      for (const k of nodes) {
        servers.push(`('Bench', 'Reg${i}', 'b${k}', 'active', 'active')`)
        adapters.push(`('Bench', 'Reg${i}', 'b${k}', 'Bench.Reg${i}.ObjAdapter', 'tcp -h 0.0.0.0 -p ${20000 + i} -t 60000', '${PREFIX}${i}.Obj')`)
      }
      objects[`${PREFIX}${i}.Obj`] = {
        active: nodes.flatMap((k) => [71, 72].map((net) => endpointF({host: `127.0.${net}.${100 + k}`, port: 20000 + i, timeout: 60000, nodeName: `b${k}`, groupworkid: -1, grouprealid: -1}))),
        inactive: [],
      }
    }
    await db.query(`INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state) VALUES ${servers.join(',')}`)
    await db.query(`INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant) VALUES ${adapters.join(',')}`)
    // A cluster at rest: nothing changed within the registry's reload window.
    await db.query('UPDATE t_server_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR')
    await db.query('UPDATE t_adapter_conf SET registry_timestamp = NOW() - INTERVAL 1 HOUR')
    const reference = join(ROOT, 'bench', 'registry-reference.cjs')
    const questions = `${OBJECTS} objects × 4 addresses`
    const rows: BenchRow[] = []
    // On loopback an answer is back in microseconds; across a real network each one takes a round trip.
    for (const delayMs of [0, 1]) {
      const pair = [
        await RegistryReplica.start({hosts: ['127.0.71.1', '127.0.72.1'], objects, delayMs}),
        await RegistryReplica.start({hosts: ['127.0.71.2', '127.0.72.2'], objects, delayMs}),
      ]
      replicas.push(...pair)
      const addresses = pair.flatMap((r) => r.addresses)
      const locator = `tars.tarsregistry.QueryObj@${addresses.map((a) => `tcp -h ${a.host} -p ${a.port}`).join(':')}`
      const endpoints = addresses.map((a) => `tcp -h ${a.host} -p ${a.port}`)
      const tarsnet = await measure(process.execPath, [TARSNET, 'registry', 'check', '--all', '--locator', locator, '--db', db.url, '--networks', NETS, '--json'])
      const loop = await measure(process.execPath, [reference, 'loop', String(OBJECTS), PREFIX, ...endpoints], {runs: 3})
      const all = await measure(process.execPath, [reference, 'all', String(OBJECTS), PREFIX, ...endpoints])
      const connections = pair.reduce((n, r) => n + r.connectionCount, 0)
      const where = delayMs === 0 ? 'on loopback' : `each answer ${delayMs} ms late (a registry across a network)`
      rows.push(
        {
          name: `registry check --all --json: ${questions}, ${where}`,
          tarsnet,
          reference: {name: '@tars/registry loop', ...loop},
          note: `the reference awaits each of the ${OBJECTS * addresses.length} answers in turn and compares nothing; tarsnet pipelines them on one connection per address (${connections} connections accepted over every run of both), and also reads and resolves the ${OBJECTS} objects from MariaDB and compares every answer`,
        },
        {
          name: `registry check --all --json: ${questions}, ${where}, against all questions at once`,
          tarsnet,
          reference: {name: '@tars/registry all at once', ...all},
          note: 'the reference starts all 4,000 questions at once through Tars.js\'s proxy and compares nothing',
        },
      )
    }
    return rows
  } finally {
    await Promise.all(replicas.map((r) => r.close()))
    await db.drop()
  }
}
