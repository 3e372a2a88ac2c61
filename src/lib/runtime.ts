/**
 * How this tarsnet was started, and how it starts helper children that are plain Node scripts.
 *
 * - 'install': bin/run.js → dist/ (a clone after `npm ci`, or `npm install -g` of the tarball);
 * - 'bundle': the single file bundle/tarsnet.mjs, run by any Node ≥ 20;
 * - 'sea': the single executable bundle/tarsnet, which carries its own Node.
 *
 * In the executable there is no `node` to run a script with: process.execPath is tarsnet itself, and it
 * takes no Node options (`-e` would reach our own argument parser). So a helper child is tarsnet again,
 * with TARSNET_CHILD naming the script; the entry (src/main.ts) runs that script instead of the CLI.
 */
import {spawn, type ChildProcess, type SpawnOptions} from 'node:child_process'

export type RuntimeKind = 'install' | 'bundle' | 'sea'

/** Set once by the entry (src/main.ts) before any command runs. */
export const runtime: {kind: RuntimeKind} = {kind: 'install'}

/** The environment variable naming the helper script a re-started executable must run. */
export const CHILD_ENV = 'TARSNET_CHILD'

/**
 * Starts `script` (CommonJS, Node's built-in modules only) in a child process: `node -e script`, or the
 * executable itself with TARSNET_CHILD=name (the entry maps the name back to the same script).
 */
export function spawnNodeScript(name: string, script: string, options: SpawnOptions): ChildProcess {
  if (runtime.kind === 'sea') return spawn(process.execPath, [], {...options, env: {...(options.env ?? process.env), [CHILD_ENV]: name}})
  return spawn(process.execPath, ['-e', script], options)
}
