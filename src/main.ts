/**
 * How tarsnet starts, the same for the install (bin/run.cjs), the single-file bundle and the single
 * executable: each runs this program (built as one CommonJS file) through src/boot.ts; only where
 * package.json and the manifest come from differs.
 *
 * Start-up is most of a short command's time, so before oclif is loaded (and `--version` before this
 * program is even compiled, by src/boot.ts):
 * - a helper child of the executable (platform/runtime.ts) runs its script and nothing else;
 * - `autocomplete --complete` (called by the shell on every Tab) reads the manifest, not oclif.
 * Everything else goes through oclif's own `execute` (src/start.ts), unchanged: help, parsing, errors,
 * exit codes.
 */
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'

import {CHILD_ENV, runtime, type ProgramText, type RuntimeKind} from './platform/runtime.js'

/** The parts of package.json tarsnet's start-up reads. */
export interface PackageJson {
  name: string
  version: string
  oclif: Record<string, unknown>
  [key: string]: unknown
}

/** oclif.manifest.json: every command's id, flags and args, written by the build (scripts/manifest.mjs). */
export interface ManifestJson {
  version: string
  commands: Record<string, {id: string; flags: Record<string, ManifestFlag>; args: Record<string, {name: string; options?: string[]}>; hidden?: boolean; aliases?: string[]}>
}

export interface ManifestFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  options?: string[]
  hidden?: boolean
  allowNo?: boolean
}

export interface Launch {
  kind: RuntimeKind
  /** Where tarsnet lives: the package root for the install (package.json and the manifest are read from it). */
  root: string
  /** Carried inside the bundle and the executable; read from root by the install. */
  pjson?: PackageJson
  manifest?: ManifestJson
  /** Called when a command is about to run through oclif (src/boot.ts then keeps the compiled code). */
  onOclif?: () => void
  /** The program's own text and file name (set by src/boot.ts): worker threads run the same program. */
  program?: ProgramText
}

/** The command list, for oclif's explicit discovery (dist/commands.js) without loading it at start. */
export async function loadCommands(): Promise<Record<string, unknown>> {
  return (await import('./commands.js')).loadAllCommands()
}

export async function run(argv: string[], launch: Launch): Promise<void> {
  runtime.kind = launch.kind
  runtime.program = launch.program
  const child = process.env[CHILD_ENV]
  if (child !== undefined && launch.kind === 'sea') {
    await runChildScript(child)
    return
  }
  const pjson = launch.pjson ?? (JSON.parse(readFileSync(join(launch.root, 'package.json'), 'utf8')) as PackageJson)
  if (argv[0] === '--version') {
    // src/boot.ts answers this before compiling the program; this is for a caller of run() alone.
    const {versionLine} = await import('./platform/version.js')
    process.stdout.write(`${versionLine(pjson)}\n`)
    return
  }
  const manifest = (): ManifestJson => launch.manifest ?? (JSON.parse(readFileSync(join(launch.root, 'oclif.manifest.json'), 'utf8')) as ManifestJson)
  if (argv[0] === 'autocomplete' && argv[1] === '--complete') {
    const {complete} = await import('./cli/completion.js')
    process.stdout.write(complete(argv.slice(2), {manifest: manifest(), pjson, env: process.env}))
    return
  }
  // oclif checks Node against its own package.json when loaded (and loads semver for it): tarsnet's
  // engines are checked by npm and by its own builds, so skip that cost.
  const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING
  process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
  const {startOclif} = await import('./start.js')
  launch.onOclif?.()
  if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning
  await startOclif(argv, {root: launch.root, pjson, manifest: launch.manifest})
}

/** The helper children the executable can be asked to be (see platform/runtime.ts). */
async function runChildScript(name: string): Promise<void> {
  delete process.env[CHILD_ENV]
  const scripts: Record<string, () => Promise<string>> = {
    'lab-drop-listeners': async () => (await import('./lab/listeners.js')).DROP_CHILD,
  }
  const load = scripts[name]
  if (!load) {
    process.stderr.write(`error: unknown helper ${JSON.stringify(name)} in ${CHILD_ENV}: unset it\n`)
    process.exitCode = 1
    return
  }
  // The script is CommonJS using built-in modules only; createRequire's base path does not matter for those.
  new Function('require', await load())(createRequire(process.execPath))
}

/**
 * The entry of a worker thread started by platform/runtime.ts startProgramWorker: the same program, a
 * different job. Each role is a module with a `workerMain` that talks to its parent port.
 */
export async function runWorker(role: string): Promise<void> {
  const roles: Record<string, () => Promise<{workerMain: () => Promise<void>}>> = {
    'exporter-rounds': () => import('./exporter/worker.js'),
  }
  const load = roles[role]
  if (!load) throw new Error(`unknown worker role ${JSON.stringify(role)}`)
  await (await load()).workerMain()
}
