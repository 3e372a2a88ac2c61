// Runs every test/**/*.test.ts (or the files named) with Node's own test runner (Node 20 has no glob
// support in --test), after scripts/test-setup.sh has made the machine ready for them: packages, MariaDB,
// the C++ test peers. What the setup prints on stdout (KEY=VALUE: the test database's URL when it made a
// user of its own) is the tests' environment.
import {spawn, spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

function find(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [])
}

const setup = spawnSync('bash', [new URL('test-setup.sh', import.meta.url).pathname], {stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8'})
if (setup.status !== 0) process.exit(setup.status ?? 1) // it said what is missing, in one line
const env = {...process.env}
for (const line of setup.stdout.split('\n')) {
  const eq = line.indexOf('=')
  if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1)
}

// The files that need a C++ peer (the registry, the failover drills) run last: the peers build in the
// background meanwhile (scripts/test-setup.sh), and those files wait for the build they need.
const needsPeer = (file) => /helpers\/(real-registry|failover-drill)\.js'/.test(readFileSync(file, 'utf8'))
const peersLast = (list) => [...list.filter((f) => !needsPeer(f)), ...list.filter(needsPeer)]

// The long labs spend their time waiting, on real clients' timers, real hosts and a server made to stop
// answering: they run one after the other in a lane of their own, beside the rest of the suite (each lane
// runs its files one at a time). Labs that share hosts or rules take a lock of their own as well.
const LABS = /(tarsjs-client-lab|frozen-database|e2e\/mesh-lab|e2e\/exporter-mesh|gray-failures-lab|real-tarsregistry|failover\/drill)\.test\.ts$/

const only = process.argv.slice(2)
const all = only.length > 0 ? only : find('test').sort()
const labs = peersLast(all.filter((f) => LABS.test(f)))
const rest = peersLast(all.filter((f) => !LABS.test(f)))

/** Runs a lane; its output goes to `out` (the terminal for the main lane, a buffer for the labs). */
function lane(list, out) {
  if (list.length === 0) return Promise.resolve(0)
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...list], {stdio: ['ignore', out ? 'pipe' : 'inherit', out ? 'pipe' : 'inherit'], env})
  if (out) {
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => out.push(d))
  }
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)))
}

const labOutput = []
const [restCode, labCode] = await Promise.all([lane(rest, null), lane(labs, rest.length > 0 ? labOutput : null)])
if (labOutput.length > 0) {
  process.stdout.write(`\n# the labs, run beside the files above: ${labs.join(' ')}\n`)
  process.stdout.write(Buffer.concat(labOutput))
}
process.exit(restCode || labCode)
