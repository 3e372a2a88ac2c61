#!/usr/bin/env node
// Node 22+ caches compiled modules on disk (no-op on Node 20); the program itself, dist/tarsnet.cjs, is
// compiled through src/boot.ts's code cache on every Node.
import module from 'node:module'
import {readFileSync, statSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

module.enableCompileCache?.()

const root = fileURLToPath(new URL('..', import.meta.url))
const program = `${root}dist/tarsnet.cjs`
let stat
try {
  stat = statSync(program)
} catch {
  // A source checkout that was never built (npm ci builds it; so does npm run build).
  process.stderr.write(`error: tarsnet is not built: ${program} is missing. Run \`npm ci\` (or \`npm run build\`) in ${root}\n`)
  process.exit(3)
}
const {size, mtimeMs} = stat
const {boot} = module.createRequire(import.meta.url)('../dist/boot.cjs')
await boot({source: () => readFileSync(program, 'utf8'), filename: program, key: `install-${size}-${Math.round(mtimeMs)}`, launch: {kind: 'install', root}})
