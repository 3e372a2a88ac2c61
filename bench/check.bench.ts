/**
 * `tarsnet check` and `tarsnet impact --cut x` over a whole cluster: 5,000 nodes and 100,000 adapter rows
 * (5,000 servers on 20 nodes each, 0.0.0.0, two networks; one server in 50 bound to one IP, one node in 100
 * without a y address, the registry on x only), in the real MariaDB. The reference is what an operator
 * does today: `tarsnet resolve OBJECT --json` once per object, by a shell loop. The loop is run over a
 * sample of objects (every 25th: 200 of 5,000) and its time extrapolated to all 5,000 (×25), as said in
 * each row's note; peak memory is that of one resolve.
 */
import {writeFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {TestDb} from '../test/helpers/db.js'
import {clusterObjectName as objectName, measure, runOnce, seedCluster, TARSNET, type BenchRow} from './lib.js'

const NODES = 5000
const SERVERS = 5000
const NODES_PER_SERVER = 20 // as seedCluster lays them out
const SAMPLE_EVERY = 25
const NETWORKS = 'x=10.10.0.0/16;y=10.20.0.0/16'


export default async function bench(): Promise<BenchRow[]> {
  const db = await TestDb.create()
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-bench-check-'))
  try {
    await seed(db)
    const common = ['--db', db.url, '--networks', NETWORKS, '--json']
    const check = await measure(process.execPath, [TARSNET, 'check', ...common], {runs: 5, okCodes: [2]})
    const impact = await measure(process.execPath, [TARSNET, 'impact', '--cut', 'x', ...common], {runs: 5, okCodes: [2]})

    const sample: string[] = []
    for (let s = 0; s < SERVERS; s += SAMPLE_EVERY) sample.push(objectName(s))
    const list = join(dir, 'objects.txt')
    writeFileSync(list, sample.join('\n') + '\n')
    const loop = `while read -r o; do "${process.execPath}" "${TARSNET}" resolve "$o" --json --db '${db.url}' --networks '${NETWORKS}' >/dev/null || exit 1; done < '${list}'`
    const warm = await runOnce('sh', ['-c', loop])
    if (warm.code !== 0) throw new Error(`the resolve loop failed: ${warm.stderr.trim()}`)
    const timed = await runOnce('sh', ['-c', loop])
    const objects = SERVERS + 1 // and the registry's QueryObj
    const reference = {name: 'resolve loop', wallMs: timed.wallMs * (objects / sample.length), peakRssMb: timed.peakRssMb}
    const note = `reference: \`tarsnet resolve OBJ --json\` by a shell loop over ${sample.length} of the ${objects} objects (every ${SAMPLE_EVERY}th), ${(timed.wallMs / 1000).toFixed(1)} s (${(timed.wallMs / sample.length).toFixed(0)} ms per object), extrapolated ×${(objects / sample.length).toFixed(1)} to every object`
    const faster = (m: {wallMs: number}) => `; tarsnet takes 1/${Math.round(reference.wallMs / m.wallMs)} of the loop's time`
    return [
      {name: `check --json: ${NODES} nodes, ${SERVERS * NODES_PER_SERVER} adapter rows, every object`, tarsnet: check, reference, note: note + faster(check)},
      {name: `impact --cut x --json: ${NODES} nodes, ${SERVERS * NODES_PER_SERVER} adapter rows, every object`, tarsnet: impact, reference, note: note + faster(impact)},
    ]
  } finally {
    await db.drop()
    rmSync(dir, {recursive: true, force: true})
  }
}

async function seed(db: TestDb): Promise<void> {
  // One node in 100 without y; one server in 50 bound to its node's x address instead of 0.0.0.0.
  await seedCluster(db, {
    nodes: NODES, servers: SERVERS,
    ipList: (n, i) => (i % 100 === 99 ? n : `${n},${n.replace('10.10.', '10.20.')}`),
    host: (s, n) => (s % 50 === 7 ? n : '0.0.0.0'),
  })
  await db.query("INSERT INTO t_registry_info (locator_id, servant, endpoint, last_heartbeat, present_state, tars_version) VALUES ('10.10.0.1:17890', 'tars.tarsregistry.QueryObj', 'tcp -h 10.10.0.1 -p 17890 -t 60000', NOW(), 'active', '3.0.19')")
}
