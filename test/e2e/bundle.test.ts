/**
 * The ways tarsnet ships to a jump host, run as an operator would run them there:
 * - the single file (bundle/tarsnet.cjs) copied alone into an empty directory, no node_modules above it;
 * - the single executable (bundle/tarsnet) alone, with no `node` on PATH at all;
 * - the npm tarball, installed globally with --offline and an empty npm cache.
 * Each runs every command's help, the demo tour with its servants, resolve, a query against the real
 * MariaDB and an interactive prompt on a real pseudo-terminal; and the install, the single file and the
 * executable each connect over TLS to a MariaDB of the test's own (test/store/tls.test.ts has the rest of TLS).
 */
import assert from 'node:assert/strict'
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {commands} from '../../src/commands.js'
import {aloneInEmptyDir, builtBundle, builtExecutable, SEA_SUPPORTED} from '../helpers/bundle.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {TestDb} from '../helpers/db.js'
import {MariaDbInstance, noSecondServer} from '../helpers/mariadb-instance.js'
import {PtySession} from '../helpers/pty.js'
import {addTlsOnlyUser, TLS_NODE} from '../helpers/tls-db.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs `argv` with exactly `env`, in `cwd`, no terminal. */
function run(argv: string[], env: Record<string, string>, cwd: string, timeoutMs = 90_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr})
    })
  })
}

const ids = Object.keys(commands)
const OBJECT = 'Plant.ControlServer.ControlObj'

/** The checks every shipped form must pass; `tarsnet` is how to start it, `env` its whole environment. */
function shippedFormSuite(name: string, setup: () => {tarsnet: string[]; env: Record<string, string>; dir: string; cleanup: () => void}) {
  describe(name, () => {
    let tarsnet: string[]
    let env: Record<string, string>
    let dir: string
    let cleanup = () => {}
    const cli = (args: string[], timeoutMs?: number) => run([...tarsnet, ...args], env, dir, timeoutMs)

    before(() => {
      ;({tarsnet, env, dir, cleanup} = setup())
    })
    after(() => cleanup())

    it('answers --version and --help like the install, and every command has its help', async () => {
      const [mine, install] = await Promise.all([cli(['--version']), runCli(['--version'])])
      assert.equal(mine.code, 0, mine.stderr)
      assert.equal(mine.stdout, install.stdout)
      assert.ok(mine.stdout.includes(` node-${process.version}`), `runs on (or carries) the Node the tests run under: ${mine.stdout}`)
      const help = await cli(['--help'])
      assert.equal(help.code, 0, help.stderr)
      for (const topic of ['nodes', 'config', 'db', 'snapshot', 'autocomplete', 'demo', 'probe', 'resolve', 'init']) assert.match(help.stdout, new RegExp(`^  ${topic} `, 'm'))
      for (const id of ids) {
        const r = await cli([...id.split(':'), '--help'])
        assert.equal(r.code, 0, `${id} --help: ${r.stderr}`)
        assert.match(r.stdout, new RegExp(`\\$ tarsnet ${id.replace(/:/g, ' ')}`), `${id} --help shows its usage`)
      }
      const bad = await cli(['nodes', 'list', '--bogus'])
      assert.equal(bad.code, 1)
      assert.match(bad.stderr, /^error: Nonexistent flag: --bogus/)
      assert.equal(bad.stderr.trim().split('\n').length, 1, 'one line, no stack')
    })

    it('reads the demo cluster: nodes list and resolve give the install\'s answers', async () => {
      for (const args of [['nodes', 'list', '--demo', '--json'], ['resolve', OBJECT, '--demo', '--json']]) {
        const [mine, install] = await Promise.all([cli(args), runCli(args)])
        assert.equal(mine.code, 0, mine.stderr)
        const strip = (text: string) => text.replace(/"(lastHeartbeat|heartbeatAgeSeconds|takenAt|lastRegTime)": [^,\n]+/g, '')
        assert.equal(strip(mine.stdout), strip(install.stdout), args.join(' '))
      }
    })

    it('runs the demo tour: its servants and registry on loopback, the dropping listeners child, one link cut', async () => {
      const r = await cli(['demo', '--timeout', '500'], 120_000)
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.stdout, /DEGRADED: 127\.10\.0\.2 reachable only on x \(down on y\)/)
      assert.match(r.stdout, /127\.10\.0\.2\s+(✔|OK) [\d.]+ ms\s+(✘|X) timeout/)
      // The demo's registry replica (our QueryF servant) runs from the shipped program too.
      assert.match(r.stdout, /^OK: every registry address hands out what the database says$/m)
      assert.match(r.stdout, /Demo cluster stopped\./)
    })

    it('runs the exporter, whose rounds run this same program in a worker thread', async () => {
      const child = spawn(tarsnet[0], [...tarsnet.slice(1), 'exporter', '--demo', '--listen', '127.0.0.1:0', '--interval', '1', '--timeout', '200', '--json'], {env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
      let stderr = ''
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no round line: ${stderr}`)), 60_000)
          child.stderr.on('data', (d) => {
            stderr += d
            if (/"event":\s*"round"/.test(stderr)) {
              clearTimeout(timer)
              resolve()
            }
          })
        })
        const round = stderr.split('\n').map((l) => l.trim()).filter((l) => l.includes('"round"')).map((l) => JSON.parse(l))[0]
        assert.equal(round.collectors?.[0]?.ok, true, stderr)
      } finally {
        child.kill('SIGTERM')
      }
      assert.equal(await exited, 0, stderr)
    })

    it('queries a real MariaDB over TCP', async () => {
      const db = await TestDb.create()
      try {
        await db.addNodes([
          {node_name: '10.10.0.1', ip_list: '10.10.0.1,10.20.0.1'},
          {node_name: '10.10.0.2', ip_list: '10.10.0.2,10.20.0.2'},
          {node_name: '10.10.0.10', endpoint_ip: '10.10.0.10'},
        ])
        const r = await cli(['nodes', 'list', '--json', '--db', db.url])
        assert.equal(r.code, 0, r.stdout + r.stderr)
        const names = (JSON.parse(r.stdout) as {nodes: Array<{name: string}>}).nodes.map((n) => n.name)
        const install = (await runCli(['nodes', 'list', '--json', '--db', db.url])).json().nodes.map((n: {name: string}) => n.name)
        assert.ok(names.length > 0)
        assert.deepEqual(names, install)
        // …and completion now knows those names, from the names cache this run left.
        const completion = await cli(['autocomplete', '--complete', '--', 'nodes', 'show', ''])
        assert.deepEqual(completion.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]), [...names].sort())
      } finally {
        await db.drop()
      }
    })

    it('prompts a person on a real terminal: the resolve picker', async () => {
      const s = PtySession.spawn([...tarsnet, 'resolve', '--demo'], {env: {...env, CI: undefined, TERM: 'xterm-256color', LANG: 'C.UTF-8'}, cwd: dir})
      try {
        await s.expect('Object to resolve', 60_000)
        await s.settle()
        s.type('Hist')
        await s.expect(/❯ Plant\.HistoryServer\.HistoryObj/)
        s.press('enter')
        const {code, output} = await s.exit()
        assert.equal(code, 0, output)
        assert.match(output, /Plant\.HistoryServer\.HistoryObj\s+findObjectById4Any/)
      } finally {
        s.kill()
      }
    })
  })
}

function baseEnv(home: string, path: string): Record<string, string> {
  return {HOME: home, PATH: path, LANG: 'C.UTF-8', NO_COLOR: '1', CI: 'true', TZ: 'UTC'}
}

shippedFormSuite('the single file, alone in an empty directory with Node', () => {
  const {dir, path, cleanup} = aloneInEmptyDir(builtBundle(), 'tarsnet-bundle-')
  return {tarsnet: [process.execPath, path], env: baseEnv(join(dir, 'home'), process.env.PATH ?? '/usr/bin:/bin'), dir, cleanup}
})

describe('single executable', {skip: SEA_SUPPORTED ? false : `Node ${process.version} cannot build single executables (20.12+)`}, () => {
  shippedFormSuite('the executable, alone in an empty directory, no node on PATH', () => {
    const {dir, path, cleanup} = aloneInEmptyDir(builtExecutable(), 'tarsnet-exe-')
    // A PATH with only what the pty helper's shell needs (stty): no node anywhere on it.
    const tools = join(dir, 'tools')
    mkdirSync(tools)
    for (const tool of ['stty']) for (const d of ['/usr/bin', '/bin']) if (existsSync(join(d, tool)) && !existsSync(join(tools, tool))) symlinkSync(join(d, tool), join(tools, tool))
    assert.ok(!readdirSync(tools).includes('node'))
    assert.throws(() => execFileSync('sh', ['-c', 'command -v node'], {env: {PATH: tools}, stdio: 'pipe'}), 'node must not be on the PATH given to the executable')
    return {tarsnet: [path], env: baseEnv(join(dir, 'home'), tools), dir, cleanup}
  })
})

describe('the npm tarball', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-pack-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('installs with npm install -g --offline and an empty cache, and runs', async () => {
    // dist/ and the manifest are fresh (npm test built them): pack without running the build again.
    const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], {cwd: ROOT, encoding: 'utf8'}).trim().split('\n').pop()!
    const prefix = join(dir, 'prefix')
    const install = await run(['npm', 'install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, '--cache', join(dir, 'empty-cache'), join(dir, tgz)], {...process.env, npm_config_registry: 'http://127.0.0.1:9/'} as Record<string, string>, dir, 120_000)
    assert.equal(install.code, 0, install.stdout + install.stderr)
    const bin = join(prefix, 'bin', 'tarsnet')
    // `#!/usr/bin/env node` finds the Node the tests run under first (CI runs this file under 20, 22 and 24).
    const env = {...baseEnv(join(dir, 'home'), `${dirname(process.execPath)}:${process.env.PATH ?? ''}`), npm_config_registry: ''}
    const version = await run([bin, '--version'], env, dir)
    assert.equal(version.code, 0, version.stderr)
    assert.match(version.stdout, /^tarsnet\/\d+\.\d+\.\d+ /)
    assert.ok(version.stdout.includes(` node-${process.version}`), version.stdout)
    const list = await run([bin, 'nodes', 'list', '--demo', '--json'], env, dir)
    assert.equal(list.code, 0, list.stderr)
    assert.equal((JSON.parse(list.stdout) as {nodes: unknown[]}).nodes.length > 0, true)
    // Nothing but tarsnet itself was installed: its dependencies are inside dist/.
    assert.deepEqual(readdirSync(join(prefix, 'lib', 'node_modules')), ['tarsnet'])
    assert.ok(!existsSync(join(prefix, 'lib', 'node_modules', 'tarsnet', 'node_modules')))
  })
})

describe('TLS from the shipped forms', {skip: noSecondServer}, () => {
  let server: MariaDbInstance
  let url: (query: string) => string
  before(async () => {
    server = await MariaDbInstance.start('tls', {tls: true})
    url = await addTlsOnlyUser(server)
  })
  after(() => server?.stop())

  it('the install connects over TLS with the CA given, and says nothing on stderr', async () => {
    const r = await runCli(['nodes', 'list', '--json', '--db', url(`?ssl=true&ssl-ca=${server.caFile}`)])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json().nodes[0].name, TLS_NODE)
    assert.equal(r.stderr, '', 'nothing on stderr (reading the CA file once printed an ExperimentalWarning of vm)')
  })

  it('the single file and the executable, each alone in an empty directory, connect over TLS too (mysql2 inside them)', async () => {
    const forms = [{file: builtBundle(), argv: (p: string) => [process.execPath, p]}]
    if (SEA_SUPPORTED) forms.push({file: builtExecutable(), argv: (p: string) => [p]})
    for (const form of forms) {
      const {dir: home, path, cleanup} = aloneInEmptyDir(form.file, 'tarsnet-tls-alone-')
      try {
        const [cmd, ...args] = form.argv(path)
        const r = spawnSync(cmd, [...args, 'nodes', 'list', '--json', '--db', url(`?ssl=true&ssl-ca=${server.caFile}`)], {env: {HOME: home, PATH: '/nonexistent', CI: 'true'}, cwd: home, encoding: 'utf8'})
        assert.equal(r.status, 0, r.stderr)
        assert.equal(JSON.parse(r.stdout).nodes[0].name, TLS_NODE, path)
        assert.equal(r.stderr, '', path)
      } finally {
        cleanup()
      }
    }
  })
})
