/**
 * Starts the built program (dist/tarsnet.cjs, or the copy carried as text inside the single file) with a
 * V8 code cache. Compiling a few megabytes of JavaScript is most of what a short tarsnet command costs:
 * V8 must at least scan every function of the bundle before running any of it. With the code
 * V8 produced on an earlier run, it skips that and most of the compiling. Node 22+ does the same for
 * modules with module.enableCompileCache(); Node 20 has no such thing, so tarsnet keeps its own, the same
 * way on every Node: `<cache dir>/v8/<build key>-<node version>-<arch>-<full|lite>.bin` (platform/dirs.ts).
 * "full" is written at the exit of the first run that went through oclif, so it holds oclif, the parser
 * and a command; "lite" by a run that did not (completion), until a full one exists. Either is replaced
 * when V8 rejects it (another Node, other flags). A cache that cannot be read or written costs only speed.
 *
 * `--version` is answered here, before the program is compiled at all.
 */
import {readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import vm from 'node:vm'

import {tarsnetDirs} from './platform/dirs.js'
import {ensureDirectory} from './platform/safe-fs.js'
import {versionLine} from './platform/version.js'
import type {Launch, PackageJson} from './main.js'

export interface BootOptions {
  /** The program's text and the file name it is known by (stack traces, require of built-ins). */
  source: () => string
  filename: string
  /** Changes whenever the program does: part of the cache file's name, "install-…" or "bundle-…". */
  key: string
  /** Handed to the program as is (a `manifest` getter stays lazy: only commands and completion read it). */
  launch: Launch
}

/** The CommonJS module wrapper, as Node's own (module.wrap). */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`

export async function boot(options: BootOptions): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv[0] === '--version') {
    const pjson = options.launch.pjson ?? (JSON.parse(readFileSync(join(options.launch.root, 'package.json'), 'utf8')) as PackageJson)
    process.stdout.write(`${versionLine(pjson)}\n`)
    return
  }
  const safeKey = options.key.replace(/[^A-Za-z0-9._-]/g, '_')
  const base = join(tarsnetDirs('tarsnet', process.env).cacheDir, 'v8', `${safeKey}-${process.version}-${process.arch}`)
  const read = (kind: 'full' | 'lite'): Buffer | undefined => {
    try {
      return readFileSync(`${base}-${kind}.bin`)
    } catch {
      return undefined // first run, or no cache dir: compile from source
    }
  }
  const full = read('full')
  const cachedData = full ?? read('lite')
  const dynamicImport = (vm as unknown as {constants?: {USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol}}).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER
  const script = new vm.Script(wrap(options.source()), {
    filename: options.filename,
    cachedData,
    // Node ≥ 20.17: let a stray import() in the program work as it would in a file.
    ...(dynamicImport ? {importModuleDynamically: dynamicImport as never} : {}),
  })
  const rejected = script.cachedDataRejected === true
  const module = {exports: {} as {run: (argv: string[], launch: Launch) => Promise<void>}}
  const compiled = script.runInThisContext() as (...args: unknown[]) => void
  compiled.call(module.exports, module.exports, createRequire(options.filename), module, options.filename, dirname(options.filename))
  // Written at exit, so it holds the code of everything that ran: oclif, the parser, the command.
  let kind: 'full' | 'lite' | undefined = cachedData === undefined || rejected ? 'lite' : undefined
  const onOclif = () => {
    if (full === undefined || rejected) kind = 'full'
  }
  process.once('exit', () => {
    if (kind) writeCache(`${base}-${kind}.bin`, script, safeKey)
  })
  await module.exports.run(argv, Object.assign(options.launch, {onOclif, program: {source: options.source, filename: options.filename}}))
}

function writeCache(file: string, script: vm.Script, key: string): void {
  try {
    const dir = dirname(file)
    // Owner only: V8 runs what this file holds (the same trust as ~/.bashrc, and as Node 22's own cache).
    ensureDirectory(dir)
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, script.createCachedData(), {mode: 0o600})
    renameSync(tmp, file)
    // Caches of earlier builds of the same kind (install-…, bundle-…) are dead weight.
    const kind = `${key.split('-')[0]}-`
    for (const name of readdirSync(dir)) if (name.startsWith(kind) && !name.startsWith(key)) rmSync(join(dir, name), {force: true})
  } catch {
    // read-only home, full disk: the next start compiles again
  }
}
