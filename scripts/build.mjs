// Builds tarsnet with esbuild, from the same sources and the same command list (src/commands.ts).
//
//   node scripts/build.mjs           dist/ for the install (bin/run.js):
//                                      tarsnet.cjs  the program: src/main.ts with every runtime dependency
//                                      boot.cjs     starts it with a V8 code cache (src/boot.ts)
//                                      commands.js  package.json's explicit-discovery target (the list)
//   node scripts/build.mjs bundle    bundle/tarsnet.cjs: ONE file, boot + the program carried as text, that
//                                    runs with nothing but Node ≥ 20; also the single executable's main
//                                    script (scripts/sea.mjs: Node 20's executables run CommonJS only).
//
// Every runtime dependency (oclif, mysql2, inquirer, cli-table3) is compiled in: loading hundreds of small
// files from node_modules was most of tarsnet's start-up (issue 14), and a built tarsnet then needs no
// node_modules at all (the npm tarball installs offline). The single file also carries the few fields of
// package.json oclif reads and the manifest, so it needs nothing beside it.
import {createHash} from 'node:crypto'
import * as esbuild from 'esbuild'
import {chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const mode = process.argv[2] ?? 'install'

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  absWorkingDir: root,
  // Not needed at run time: typescript only serves oclif's development mode (bin/dev.js); @tars/* are the
  // test peer (lab/tars-server.ts loads them with createRequire, in tests only).
  external: ['typescript', '@tars/rpc', '@tars/stream'],
  legalComments: 'eof',
  minifyWhitespace: true,
  minifySyntax: true,
  // import.meta.url is read only by the lab's test-only Tars.js loader.
  logOverride: {'empty-import-meta': 'silent'},
}

/** The program: everything, one CommonJS file (modules are initialised on first use, not at start). */
async function program() {
  const out = await esbuild.build({...common, entryPoints: ['src/main.ts'], write: false, outfile: 'tarsnet.cjs'})
  return out.outputFiles[0].text
}

/** src/boot.ts as a script that leaves `boot` in a variable. */
async function bootScript(globalName) {
  const out = await esbuild.build({...common, entryPoints: ['src/boot.ts'], write: false, outfile: 'boot.js', format: 'iife', globalName})
  return out.outputFiles[0].text
}

const mb = (file) => `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`

if (mode === 'install') {
  rmSync(`${root}dist`, {recursive: true, force: true})
  mkdirSync(`${root}dist`)
  writeFileSync(`${root}dist/tarsnet.cjs`, await program())
  await esbuild.build({...common, entryPoints: ['src/boot.ts'], outfile: 'dist/boot.cjs'})
  writeFileSync(`${root}dist/commands.js`, [
    '// The command list (src/commands.ts) for oclif\'s explicit discovery (package.json oclif.commands),',
    '// taken from the built program. Read by scripts/manifest.mjs; tarsnet itself hands oclif the list.',
    "import {createRequire} from 'node:module'",
    "export const commands = await createRequire(import.meta.url)('./tarsnet.cjs').loadCommands()",
    '',
  ].join('\n'))
  console.log(`dist/: tarsnet.cjs ${mb(`${root}dist/tarsnet.cjs`)}, boot.cjs, commands.js`)
} else if (mode === 'bundle') {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(`${root}oclif.manifest.json`, 'utf8'))
  } catch {
    throw new Error('oclif.manifest.json is missing: run `npm run build` first')
  }
  const p = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
  const pjson = {name: p.name, version: p.version, description: p.description, engines: p.engines, oclif: p.oclif}
  const code = await program()
  const key = `bundle-${p.version}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}`
  mkdirSync(`${root}bundle`, {recursive: true})
  const outfile = `${root}bundle/tarsnet.cjs`
  writeFileSync(outfile, [
    '#!/usr/bin/env node',
    `// tarsnet ${p.version}: the whole command line in one file. Run it with Node ≥ 20: node tarsnet.cjs --help`,
    '"use strict";',
    await bootScript('__tarsnetBoot'),
    // The program as text: scanning one string literal is fast, compiling it all is not (src/boot.ts).
    `var __tarsnetProgram = ${JSON.stringify(code)};`,
    'var __tarsnetSea = (() => { try { return require("node:sea").isSea() } catch { return false } })();',
    '__tarsnetBoot.boot({',
    '  source: () => __tarsnetProgram,',
    '  filename: __tarsnetSea ? process.execPath : __filename,',
    `  key: ${JSON.stringify(key)},`,
    '  launch: {',
    '    kind: __tarsnetSea ? "sea" : "bundle",',
    '    root: require("node:path").dirname(__tarsnetSea ? process.execPath : __filename),',
    `    pjson: ${JSON.stringify(pjson)},`,
    `    manifest: ${JSON.stringify(manifest)},`,
    '  },',
    '});',
    '',
  ].join('\n'))
  chmodSync(outfile, 0o755)
  console.log(`bundle/tarsnet.cjs: ${mb(outfile)}`)
} else {
  console.error('usage: node scripts/build.mjs [install|bundle]')
  process.exit(2)
}
