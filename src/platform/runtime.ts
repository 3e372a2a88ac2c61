/**
 * How this tarsnet was started, and how it starts helper children that are plain Node scripts.
 *
 * - 'install': bin/run.cjs → dist/ (a clone after `npm ci`, or `npm install -g` of the tarball);
 * - 'bundle': the single file bundle/tarsnet.mjs, run by any Node ≥ 20;
 * - 'sea': the single executable bundle/tarsnet, which carries its own Node.
 *
 * In the executable there is no `node` to run a script with: process.execPath is tarsnet itself, and it
 * takes no Node options (`-e` would reach our own argument parser). So a helper child is tarsnet again,
 * with TARSNET_CHILD naming the script; the entry (src/main.ts) runs that script instead of the CLI.
 */
import type {ChildProcess, SpawnOptions} from 'node:child_process'
import {createRequire} from 'node:module'
import type {Worker} from 'node:worker_threads'

// Loaded when first used, not at every start (the entry imports this file): child_process and
// worker_threads pull in net, streams and more. A built-in resolves the same from any base path.
const builtin = createRequire(process.execPath)

export type RuntimeKind = 'install' | 'bundle' | 'sea'

/** The built program's text and the file name it is known by (src/boot.ts compiles it from these). */
export interface ProgramText {
  source: () => string
  filename: string
}

/** Set once by the entry (src/main.ts) before any command runs. */
export const runtime: {kind: RuntimeKind; program?: ProgramText} = {kind: 'install'}

/** The environment variable naming the helper script a re-started executable must run. */
export const CHILD_ENV = 'TARSNET_CHILD'

/**
 * Starts `script` (CommonJS, Node's built-in modules only) in a child process: `node -e script`, or the
 * executable itself with TARSNET_CHILD=name (the entry maps the name back to the same script).
 */
export function spawnNodeScript(name: string, script: string, options: SpawnOptions): ChildProcess {
  const {spawn} = builtin('node:child_process') as typeof import('node:child_process')
  if (runtime.kind === 'sea') return spawn(process.execPath, [], {...options, env: {...(options.env ?? process.env), [CHILD_ENV]: name}})
  return spawn(process.execPath, ['-e', script], options)
}

/**
 * A worker thread's bootstrap: compile the program from the text it was handed (there is no module file
 * to point a Worker at in the single file or the executable, and dist/ is that same one program), then
 * run the role's entry (src/main.ts runWorker). Built-in modules only, as in the executable.
 */
const WORKER_BOOT = `
const {workerData} = require('node:worker_threads')
const {createRequire} = require('node:module')
const {dirname} = require('node:path')
const {source, filename, role} = workerData.tarsnetProgram
const module = {exports: {}}
new Function('exports', 'require', 'module', '__filename', '__dirname', source)(module.exports, createRequire(filename), module, filename, dirname(filename))
module.exports.runWorker(role).catch((error) => { process.exitCode = 1; throw error })
`

/**
 * Starts a worker thread running `role` of this same program (src/main.ts runWorker), with `data` as its
 * workerData (the program's own fields travel under `tarsnetProgram`). Only a built tarsnet (install,
 * single file, executable) has its program text; anything else is told so.
 */
export function startProgramWorker(role: string, data: object): Worker {
  const program = runtime.program
  if (!program) throw new Error(`a ${role} worker needs the built tarsnet (bin/run.cjs, the single file or the executable)`)
  const {Worker} = builtin('node:worker_threads') as typeof import('node:worker_threads')
  return new Worker(WORKER_BOOT, {eval: true, workerData: {...data, tarsnetProgram: {source: program.source(), filename: program.filename, role}}})
}
