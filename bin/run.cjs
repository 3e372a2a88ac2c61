#!/usr/bin/env node
// tarsnet's command (package.json "bin"). CommonJS, so Node starts it without its ES module loader (a few
// milliseconds of every command); bin/run.js is the same start for those who call that file.
'use strict'
const {readFileSync, statSync} = require('node:fs')
const {join} = require('node:path')

const root = join(__dirname, '..')
const program = join(root, 'dist', 'tarsnet.cjs')
let stat
try {
  stat = statSync(program)
} catch {
  // A source checkout that was never built (npm ci builds it; so does npm run build).
  process.stderr.write(`error: tarsnet is not built: ${program} is missing. Run \`npm ci\` (or \`npm run build\`) in ${root}/\n`)
  process.exit(3)
}
// Node 22+ caches compiled modules on disk (no-op on Node 20); the program itself, dist/tarsnet.cjs, is
// compiled through src/boot.ts's code cache on every Node.
require('node:module').enableCompileCache?.()
const {size, mtimeMs} = stat
// The build keeps the program ASCII: read as latin1, it needs no UTF-8 decoding.
require('../dist/boot.cjs').boot({source: () => readFileSync(program, 'latin1'), filename: program, key: `install-${size}-${Math.round(mtimeMs)}`, launch: {kind: 'install', root: `${root}/`}})
