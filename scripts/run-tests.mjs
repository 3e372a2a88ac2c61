// Runs every test/**/*.test.ts (or the files named) with Node's own test runner (Node 20 has no glob
// support in --test), after scripts/test-setup.sh has made the machine ready for them: packages, MariaDB,
// the C++ test peers. What the setup prints on stdout (KEY=VALUE: the test database's URL when it made a
// user of its own) is the tests' environment.
import {spawnSync} from 'node:child_process'
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
const only = process.argv.slice(2)
const all = only.length > 0 ? only : find('test').sort()
const files = [...all.filter((f) => !needsPeer(f)), ...all.filter(needsPeer)]
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {stdio: 'inherit', env})
process.exit(result.status ?? 1)
