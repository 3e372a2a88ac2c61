// `npm run sea`: bundle/tarsnet, one executable that runs with no Node installed (a Node "single
// executable application"): a copy of this machine's node binary with a blob injected: the main script
// bundle/sea/main.cjs (the single file's start) and, as assets, the program and the manifest (read with
// node:sea's getAsset, never parsed before a command needs them). Node 20 runs a CommonJS main script only,
// and is injected with postject (a devDependency: Node 20 has no built-in injector). The executable is for
// this machine's OS and CPU (linux-x64 here), and needs the C library the node binary was built against.
import {execFileSync} from 'node:child_process'
import {chmodSync, copyFileSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const main = `${root}bundle/sea/main.cjs`
const blob = `${root}bundle/sea-prep.blob`
const config = `${root}bundle/sea-config.json`
const exe = `${root}bundle/tarsnet`

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 12)) {
  console.error(`single executables need Node ≥ 20.12 to build (this is ${process.version}); the single file bundle/tarsnet.cjs runs anywhere with Node ≥ 20`)
  process.exit(1)
}
statSync(main) // written by `npm run bundle` (scripts/build.mjs bundle) first

const assets = {program: `${root}bundle/sea/program.cjs`, manifest: `${root}bundle/sea/manifest.json`}
writeFileSync(config, JSON.stringify({main, output: blob, disableExperimentalSEAWarning: true, assets}, null, 2))
execFileSync(process.execPath, ['--experimental-sea-config', config], {stdio: ['ignore', 'ignore', 'inherit']})
rmSync(exe, {force: true})
copyFileSync(process.execPath, exe)
chmodSync(exe, 0o755)
const {inject} = createRequire(import.meta.url)('postject')
// postject's ELF reader warns about note sections of Debian's node binary ("Can't find string offset for
// section name '.note…'"); harmless (the tests run the result), so kept out of the build output.
const warn = console.warn
console.warn = (...args) => (/string offset for section name/.test(String(args[0])) ? undefined : warn(...args))
try {
  await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), {sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'})
} finally {
  console.warn = warn
}
rmSync(blob, {force: true})
rmSync(config, {force: true})
console.log(`bundle/tarsnet: ${(statSync(exe).size / 1024 / 1024).toFixed(1)} MB (${process.platform}-${process.arch}, Node ${process.version} inside)`)
