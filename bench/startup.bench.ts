/**
 * Start-up, against a bare `node -e 0` measured in the same interleaved rounds: `--version`,
 * `nodes list --demo --json` and `resolve OBJECT --demo --json` (no database: start-up is all they
 * cost), for each way tarsnet ships: the install (bin/run.cjs, package.json "bin" → dist/), the single file
 * (bundle/tarsnet.cjs) and the single executable (bundle/tarsnet, Node inside it). Targets (issue 14):
 * --version within 1.5×, the demo reads within 2.5×. The code cache (src/boot.ts) is warm, as it is on
 * every run after the first; the warm-up round fills it. Both sides run in an environment cleared of what
 * changes Node's start (startupEnv), and the bench says which variables it cleared.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {builtBundle, builtExecutable, SEA_SUPPORTED} from '../test/helpers/bundle.js'
import {measureInterleaved, TARSNET, type BenchRow, type Case} from './lib.js'

const WORK: Array<[string, string[]]> = [
  ['--version', ['--version']],
  ['nodes list --demo --json', ['nodes', 'list', '--demo', '--json']],
  ['resolve --demo --json', ['resolve', 'Plant.ControlServer.ControlObj', '--demo', '--json']],
]

/**
 * Variables that change how Node starts (a CA bundle read at every start, preloads and flags, coverage, a
 * compile cache dir, OpenSSL's config, libuv's pool) or how tarsnet does (its own and oclif's settings):
 * none is set on an operator's jump host, so both sides run without them, or every ratio shrinks.
 */
const STARTUP_VARIABLE = /^(NODE_|UV_|OCLIF_|TARSNET_)|^(OPENSSL_CONF|OPENSSL_MODULES|SSL_CERT_FILE|SSL_CERT_DIR|DEBUG)$/

export function startupEnv(env: NodeJS.ProcessEnv = process.env): {env: NodeJS.ProcessEnv; cleared: string[]} {
  const clean: NodeJS.ProcessEnv = {}
  const cleared: string[] = []
  for (const [k, v] of Object.entries(env)) {
    if (STARTUP_VARIABLE.test(k)) cleared.push(k)
    else clean[k] = v
  }
  return {env: clean, cleared: cleared.sort()}
}

export default async function bench(): Promise<BenchRow[]> {
  const {env, cleared} = startupEnv()
  // A code cache dir of the bench's own: another tarsnet build run meanwhile on this machine (another
  // clone, another user's) would replace the shared one's cache, and a start would compile again.
  const cacheDir = mkdtempSync(join(tmpdir(), 'tarsnet-startup-bench-'))
  env.TARSNET_CACHE_DIR = cacheDir
  process.stderr.write(`start-up: both sides run without ${cleared.length > 0 ? cleared.join(', ') : '(none of them was set)'} (every NODE_*, UV_*, OCLIF_*, TARSNET_* variable, OPENSSL_CONF, OPENSSL_MODULES, SSL_CERT_FILE, SSL_CERT_DIR and DEBUG is cleared); tarsnet's code cache in ${cacheDir}\n`)
  const forms: Array<[string, string[]]> = [
    ['install', [process.execPath, TARSNET]],
    ['single file', [process.execPath, builtBundle()]],
  ]
  if (SEA_SUPPORTED) forms.push(['executable', [builtExecutable()]])
  const cases: Case[] = [{name: 'node', cmd: process.execPath, args: ['-e', '0'], env}]
  for (const [form, start] of forms) {
    for (const [work, args] of WORK) cases.push({name: `${form}: ${work}`, cmd: start[0], args: [...start.slice(1), ...args], env})
  }
  let m: Awaited<ReturnType<typeof measureInterleaved>>
  try {
    m = await measureInterleaved(cases, Number(process.env.STARTUP_BENCH_RUNS ?? 15))
  } finally {
    rmSync(cacheDir, {recursive: true, force: true})
  }
  return cases.slice(1).map((c) => ({
    name: `start-up, ${c.name}`,
    tarsnet: m.get(c.name)!,
    reference: {name: 'node -e 0', ...m.get('node')!},
    note: `${c.name.endsWith('--version') ? 'target ×1.5' : 'target ×2.5'}; without ${cleared.length > 0 ? cleared.join(', ') : 'any start-up variable (none was set)'}`,
  }))
}
