/**
 * The single file (bundle/tarsnet.cjs) and the single executable (bundle/tarsnet), built once per test run
 * from the dist/ and manifest `npm test` has just built (rebuilt only when older than them), and copied
 * ALONE into a fresh directory, the way an operator carries them to a jump host.
 */
import {execFileSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {ROOT} from './cli.js'

export const BUNDLE = join(ROOT, 'bundle', 'tarsnet.cjs')
export const EXECUTABLE = join(ROOT, 'bundle', 'tarsnet')

const [major, minor] = process.versions.node.split('.').map(Number)
/** Node ≥ 20.12 builds single executables (node:sea, --experimental-sea-config). */
export const SEA_SUPPORTED = major > 20 || (major === 20 && minor >= 12)

const newer = (file: string, than: string[]) => existsSync(file) && than.every((t) => statSync(file).mtimeMs >= statSync(t).mtimeMs)

/**
 * Runs `build` unless `out` is newer than `inputs` (and `current()` says it still fits), under a lock dir so
 * two test files never build at once.
 */
function buildOnce(out: string, inputs: string[], build: () => void, current: () => boolean = () => true): string {
  const lock = join(ROOT, 'bundle', '.build-lock')
  mkdirSync(dirname(lock), {recursive: true})
  const deadline = Date.now() + 180_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      if (Date.now() > deadline) rmSync(lock, {recursive: true, force: true}) // a stale lock from a killed run
      execFileSync('sleep', ['0.2'])
    }
  }
  try {
    if (!newer(out, inputs) || !current()) build()
  } finally {
    rmSync(lock, {recursive: true, force: true})
  }
  return out
}

export function builtBundle(): string {
  return buildOnce(BUNDLE, [join(ROOT, 'dist', 'tarsnet.cjs'), join(ROOT, 'oclif.manifest.json')], () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), 'bundle'], {cwd: ROOT, stdio: 'ignore'})
  })
}

/** Which Node the executable carries: one built by another Node (tests run under 20, 22, 24) is built again. */
const EXECUTABLE_NODE = join(ROOT, 'bundle', 'tarsnet.node-version')

export function builtExecutable(): string {
  const bundle = builtBundle()
  const builtWith = () => (existsSync(EXECUTABLE_NODE) ? readFileSync(EXECUTABLE_NODE, 'utf8') : '')
  return buildOnce(EXECUTABLE, [bundle], () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'sea.mjs')], {cwd: ROOT, stdio: 'ignore'})
    writeFileSync(EXECUTABLE_NODE, process.version)
  }, () => builtWith() === process.version)
}

/** A fresh directory under the system temp dir holding only `file`; asserts no node_modules is above it. */
export function aloneInEmptyDir(file: string, prefix: string): {dir: string; path: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules')) || existsSync(join(d, 'package.json'))) throw new Error(`${d} has a node_modules or package.json above the test dir: pick another TMPDIR`)
    if (dirname(d) === d) break
  }
  const path = join(dir, file.split('/').pop()!)
  copyFileSync(file, path)
  return {dir, path, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}
