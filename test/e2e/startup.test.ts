/**
 * What keeps start-up fast, guarded without timing anything (the times are in bench/startup.bench.ts):
 * `--version` is answered by the boot file before the program is read or compiled at all; the program is
 * ASCII (read as latin1); a command loads its own module only; oclif's sort of the command ids gives
 * ICU's order without starting ICU.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {withPlainLocaleCompare} from '../../src/start.js'

const ROOT = join(import.meta.dirname, '..', '..')

describe('start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-startup-'))
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('--version never reads or compiles the program (the install\'s boot answers it)', () => {
    // An install whose program throws the moment it is evaluated: only a command that loads it can fail.
    mkdirSync(join(dir, 'dist'), {recursive: true})
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), {recursive: true})
    cpSync(join(ROOT, 'dist', 'boot.cjs'), join(dir, 'dist', 'boot.cjs'))
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
    writeFileSync(join(dir, 'dist', 'tarsnet.cjs'), "throw new Error('the program was loaded')\n")
    const env = {...process.env, XDG_CACHE_HOME: join(dir, 'cache')}
    const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string; bin: Record<string, string>}
    assert.equal(pjson.bin.tarsnet, './bin/run.cjs', 'the installed command is the CommonJS start (no ES module loader)')
    // bin/run.js is the same start, for those who call that file.
    for (const start of ['run.cjs', 'run.js']) {
      const version = execFileSync(process.execPath, [join(dir, 'bin', start), '--version'], {encoding: 'utf8', env})
      assert.match(version, new RegExp(`^tarsnet/${pjson.version.replace(/\./g, '\\.')} `), start)
    }
    // The same install does load it for a command: the guard above is not vacuous.
    const command = spawnSync(process.execPath, [join(dir, 'bin', 'run.cjs'), 'nodes', 'list', '--demo'], {encoding: 'utf8', env})
    assert.notEqual(command.status, 0)
    assert.match(command.stderr, /the program was loaded/)
  })

  it('a probe (which sets V8 heap flags while it runs) leaves a code cache the next command accepts', () => {
    const env = {...process.env, XDG_CACHE_HOME: join(dir, 'cache-probe'), TARSNET_CACHE_DIR: ''}
    const bin = join(ROOT, 'bin', 'run.cjs')
    const probe = spawnSync(process.execPath, [bin, 'probe', '--demo', '--json', '--timeout', '200', '--retries', '0'], {encoding: 'utf8', env})
    assert.ok([0, 1, 2].includes(probe.status ?? -1), probe.stderr)
    const v8Dir = join(dir, 'cache-probe', 'tarsnet', 'v8')
    const files = () => readdirSync(v8Dir).map((f) => `${f} ${statSync(join(v8Dir, f)).mtimeMs}`).sort()
    const written = files()
    assert.equal(written.length, 1, 'the probe wrote the code cache')
    // A cache written under other flags would be rejected by V8, and written again here.
    const next = spawnSync(process.execPath, [bin, 'nodes', 'list', '--demo', '--json'], {encoding: 'utf8', env})
    assert.equal(next.status, 0, next.stderr)
    assert.deepEqual(files(), written)
  })

  it('the built program is ASCII: read as latin1, it is the same text', () => {
    const bytes = readFileSync(join(ROOT, 'dist', 'tarsnet.cjs'))
    const outside = bytes.findIndex((b) => b > 0x7f)
    assert.equal(outside, -1, `dist/tarsnet.cjs has a non-ASCII byte at ${outside}: scripts/build.mjs must escape it`)
  })

  it('oclif\'s sort of the command ids: the plain comparison gives ICU\'s order, and anything else still goes to ICU', async () => {
    const ids = [...Object.keys((await import('../../src/commands.js')).commands), 'nodes', 'a-b', 'a:b', 'ab', 'a', 'nodes:list-all', 'nodes-x']
    const icu = [...ids].sort((a, b) => a.localeCompare(b))
    const plain = await withPlainLocaleCompare(async () => [...ids].sort((a, b) => a.localeCompare(b)))
    assert.deepEqual(plain, icu)
    // Not plain ids (capitals, digits, accents, options): ICU answers, as without the wrapper.
    const others: Array<[string, string, ...unknown[]]> = [['a', 'B'], ['a1', 'a:'], ['é', 'f'], ['a', 'A', 'en', {sensitivity: 'base'}]]
    const inside = await withPlainLocaleCompare(async () => others.map(([a, b, ...rest]) => a.localeCompare(b, ...(rest as []))))
    assert.deepEqual(inside, others.map(([a, b, ...rest]) => a.localeCompare(b, ...(rest as []))))
    assert.equal(String.prototype.localeCompare.name, 'localeCompare', 'restored afterwards')
  })
})
