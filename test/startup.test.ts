/**
 * What keeps start-up fast, guarded without timing anything (the times are in bench/startup.bench.ts):
 * `--version` is answered by the boot file before the program is read or compiled at all.
 */
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

const ROOT = join(import.meta.dirname, '..')

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
    const version = execFileSync(process.execPath, [join(dir, 'bin', 'run.js'), '--version'], {encoding: 'utf8', env})
    const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}
    assert.match(version, new RegExp(`^tarsnet/${pjson.version.replace(/\./g, '\\.')} `))
    // The same install does load it for a command: the guard above is not vacuous.
    const command = spawnSync(process.execPath, [join(dir, 'bin', 'run.js'), 'nodes', 'list', '--demo'], {encoding: 'utf8', env})
    assert.notEqual(command.status, 0)
    assert.match(command.stderr, /the program was loaded/)
  })
})
