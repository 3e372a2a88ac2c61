/**
 * CI's smoke test of the single file (run by .ci/run before the suite): bundle/tarsnet.cjs copied alone
 * into an empty directory runs the demo tour and a query against the real MariaDB. A module the bundle
 * failed to carry (a dynamic import, a file read by path) fails here the day it is written.
 *   node --import tsx scripts/smoke-bundle.ts
 */
import {execFileSync} from 'node:child_process'

import {aloneInEmptyDir, builtBundle} from '../test/helpers/bundle.js'
import {TestDb} from '../test/helpers/db.js'

const {dir, path, cleanup} = aloneInEmptyDir(builtBundle(), 'tarsnet-smoke-')
const env = {HOME: dir, PATH: process.env.PATH ?? '/usr/bin:/bin', CI: 'true', NO_COLOR: '1'}
const tarsnet = (...args: string[]) => execFileSync(process.execPath, [path, ...args], {cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000})
const db = await TestDb.create()
try {
  const demo = tarsnet('demo', '--timeout', '500')
  if (!/DEGRADED: 127\.10\.0\.2 reachable only on x/.test(demo)) throw new Error(`the demo tour did not find the cut link:\n${demo}`)
  await db.addNodes([{node_name: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'}])
  const nodes = JSON.parse(tarsnet('nodes', 'list', '--json', '--db', db.url)) as {nodes: Array<{name: string}>}
  if (nodes.nodes[0]?.name !== '10.10.0.1') throw new Error(`nodes list from MariaDB: ${JSON.stringify(nodes)}`)
  console.log(`bundle/tarsnet.cjs alone in ${dir}: demo tour and MariaDB query OK`)
} finally {
  await db.drop()
  cleanup()
}
