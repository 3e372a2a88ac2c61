/**
 * Shell completion: the engine (what may come next on a line), `autocomplete --complete` with names from
 * the demo, a snapshot file and the profile's names cache (left by real commands against the real
 * MariaDB), and the printed scripts. Pressing Tab in real bash and zsh: test/e2e/completion-shells.test.ts.
 */
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {complete as completeFor} from '../../src/cli/completion.js'
import {completeLine, type CompletionCommand, type CompletionSources} from '../../src/core/completion.js'
import {cliEnv, ROOT} from '../helpers/cli.js'
import {TestDb} from '../helpers/db.js'
import {runCommand} from '../helpers/run.js'

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, CompletionCommand>}
const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {oclif: {topics: Record<string, {description: string}>}}
const topics = pjson.oclif.topics
const sources: CompletionSources = {
  profiles: () => ['plant1', 'plant2'],
  nodes: (line) => (line.demo ? ['127.10.0.1', '127.10.0.2'] : line.snapshot ? ['fd00:10::5'] : ['10.10.0.1', '10.10.0.10']),
  objects: () => ['App.Api.HttpObj', 'App.Server.Obj'],
  networks: () => ['x', 'y'],
}
const values = (words: string[]) => {
  const r = completeLine(words, manifest.commands, topics, sources)
  return r.files ? '__files__' : r.candidates.map((c) => c.value)
}

describe('completion engine (core/completion)', () => {
  it('completes commands and the commands under a topic', () => {
    assert.deepEqual(values(['nod']), ['nodes'])
    assert.ok((values(['']) as string[]).includes('resolve'))
    assert.deepEqual(values(['nodes', 'l']), ['list'])
    assert.deepEqual(values(['nodes', 's']), ['set-ips', 'show'])
    assert.deepEqual(values(['snapshot', '']), ['save'])
  })

  it('completes flags (not those given, nor hidden ones), and values of flags with a fixed set', () => {
    const flags = values(['nodes', 'list', '--st']) as string[]
    assert.deepEqual(flags, ['--state'])
    assert.ok(!(values(['nodes', 'list', '--json', '--']) as string[]).includes('--json'))
    assert.ok(!(values(['autocomplete', '--']) as string[]).includes('--complete'))
    assert.deepEqual(values(['nodes', 'list', '--state', '']), ['active', 'inactive'])
    assert.deepEqual(values(['probe', '--check', 't']), ['tcp', 'tars'])
    assert.deepEqual(values(['resolve', '--format=p']), ['--format=proxy'])
    assert.deepEqual(values(['autocomplete', '']), ['bash', 'zsh'])
  })

  it('completes profiles, networks, node and object names where they go, files where a file goes', () => {
    assert.deepEqual(values(['nodes', 'list', '--profile', 'p']), ['plant1', 'plant2'])
    assert.deepEqual(values(['nodes', 'list', '--missing', '']), ['x', 'y'])
    assert.deepEqual(values(['nodes', 'show', '10.10.0.1']), ['10.10.0.1', '10.10.0.10'])
    assert.deepEqual(values(['nodes', 'show', '--demo', '']), ['127.10.0.1', '127.10.0.2'])
    assert.deepEqual(values(['nodes', 'add-ip', '--snapshot', 's.json', 'fd00:']), ['fd00:10::5'])
    assert.deepEqual(values(['nodes', 'add-ip', '10.10.0.1', '']), [], 'the second argument is an IP: nothing to offer')
    assert.deepEqual(values(['resolve', '--network', 'x', 'App.S']), ['App.Server.Obj'])
    assert.deepEqual(values(['probe', '--node', '10.10.0.1', '']), ['App.Api.HttpObj', 'App.Server.Obj'])
    assert.equal(values(['nodes', 'list', '--snapshot', '']), '__files__')
    assert.equal(values(['snapshot', 'save', '-o', '']), '__files__')
    assert.equal(values(['nodes', 'import', '']), '__files__')
  })

  it('never offers a name holding a control character (the shell would print it as it is)', () => {
    const hostile: CompletionSources = {...sources, nodes: () => ['h\u001B[31mred', 'h1', 'h\u202Eevil', 'h\nfake'], objects: () => ['A.B.C\u0000', 'A.B.D']}
    const offered = (words: string[]) => {
      const r = completeLine(words, manifest.commands, topics, hostile)
      return r.files ? '__files__' : r.candidates.map((c) => c.value)
    }
    assert.deepEqual(offered(['nodes', 'show', 'h']), ['h1'])
    assert.deepEqual(offered(['resolve', 'A.']), ['A.B.D'])
  })
})

describe('tarsnet autocomplete', () => {
  const home = mkdtempSync(join(tmpdir(), 'tarsnet-complete-'))
  const config = join(home, 'config.json')
  const env = {XDG_CACHE_HOME: join(home, 'cache'), TARSNET_CONFIG: config}
  // `tarsnet autocomplete --complete -- WORDS…` as src/main.ts answers it, before oclif (a throw fails the test).
  const complete = async (words: string[], extra: Record<string, string> = {}) => {
    const stdout = completeFor(['--', ...words], {manifest, pjson, env: cliEnv({...env, ...extra})})
    return stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0])
  }
  let db: TestDb

  before(async () => {
    db = await TestDb.create()
    await db.addNodes([{node_name: '10.1.0.1', ip_list: '10.1.0.1,10.2.0.1'}, {node_name: '10.1.0.2', ip_list: '10.1.0.2'}])
    await db.addServers([{application: 'Mill', server_name: 'PressServer', node_name: '10.1.0.1'}])
    await db.addAdapters([{application: 'Mill', server_name: 'PressServer', node_name: '10.1.0.1', endpoint: 'tcp -h 0.0.0.0 -p 9000 -t 60000', servant: 'Mill.PressServer.PressObj'}])
    writeFileSync(config, JSON.stringify({defaultProfile: 'mill', profiles: {mill: {db: db.url, networks: 'a=10.1.0.0/16;b=10.2.0.0/16'}, other: {}}}))
  })
  after(async () => {
    await db.drop()
    rmSync(home, {recursive: true, force: true})
  })

  it('prints a bash and a zsh script, and says which shells it knows', async () => {
    const bash = await runCommand(['autocomplete', 'bash'])
    assert.equal(bash.code, 0, bash.stderr)
    assert.match(bash.stdout, /complete -F _tarsnet_complete tarsnet/)
    execFileSync('bash', ['-n'], {input: bash.stdout})
    const zsh = await runCommand(['autocomplete', 'zsh'])
    assert.match(zsh.stdout, /^#compdef tarsnet/)
    execFileSync('zsh', ['-n'], {input: zsh.stdout})
    const fish = await runCommand(['autocomplete', 'fish'])
    assert.equal(fish.code, 1)
    assert.match(fish.stderr, /^error: Expected fish to be one of: bash, zsh/)
    const guess = await runCommand(['autocomplete'], {env: {SHELL: '/usr/bin/zsh'}})
    assert.match(guess.stdout, /^#compdef tarsnet/)
  })

  it('completes profiles from the config file and networks from the profile', async () => {
    assert.deepEqual(await complete(['nodes', 'list', '--profile', '']), ['mill', 'other'])
    assert.deepEqual(await complete(['nodes', 'list', '--network', '']), ['a', 'b'])
  })

  it('knows node and object names once a command has read them from the database (the profile\'s names cache)', async () => {
    assert.deepEqual(await complete(['nodes', 'show', '']), [], 'nothing cached yet, and completion never queries the database')
    const save = await runCommand(['snapshot', 'save', '-o', join(home, 'snap.json')], {env})
    assert.equal(save.code, 0, save.stderr)
    assert.deepEqual(await complete(['nodes', 'show', '']), ['10.1.0.1', '10.1.0.2'])
    assert.deepEqual(await complete(['resolve', 'Mi']), ['Mill.PressServer.PressObj'])
    assert.deepEqual(await complete(['nodes', 'show', '--profile', 'other', '']), [], 'another profile has its own cache')
    // nodes list refreshes the node names; the objects stay.
    await db.addNodes([{node_name: '10.1.0.3'}])
    assert.equal((await runCommand(['nodes', 'list', '--json'], {env})).code, 0)
    assert.deepEqual(await complete(['nodes', 'show', '10.1.0.']), ['10.1.0.1', '10.1.0.2', '10.1.0.3'])
    assert.deepEqual(await complete(['probe', '']), ['Mill.PressServer.PressObj'])
    // A snapshot named on the line, and the demo, answer for themselves.
    assert.deepEqual(await complete(['nodes', 'show', '--snapshot', join(home, 'snap.json'), '']), ['10.1.0.1', '10.1.0.2'])
    assert.ok((await complete(['resolve', '--demo', ''])).includes('Plant.ControlServer.ControlObj'))
    const cacheFile = join(home, 'cache', 'tarsnet', 'names', 'mill.json')
    assert.ok(existsSync(cacheFile))
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'))
    assert.deepEqual(Object.keys(cache).sort(), ['nodes', 'objects', 'source', 'updatedAt'])
    assert.doesNotMatch(cache.source, /:[^:/@]*@/, 'the source as tarsnet shows it: never a password')
  })
})
