/**
 * Start-up, against a bare `node -e 0` measured in the same interleaved rounds: `--version`,
 * `nodes list --demo --json` and `resolve OBJECT --demo --json` (no database: start-up is all they
 * cost), for each way tarsnet ships: the install (bin/run.js → dist/), the single file
 * (bundle/tarsnet.cjs) and the single executable (bundle/tarsnet, Node inside it). Targets (issue 14):
 * --version within 1.5×, the demo reads within 2.5×. The code cache (src/boot.ts) is warm, as it is on
 * every run after the first; the warm-up round fills it.
 */
import {builtBundle, builtExecutable, SEA_SUPPORTED} from '../test/helpers/bundle.js'
import {measureInterleaved, TARSNET, type BenchRow, type Case} from './lib.js'

const WORK: Array<[string, string[]]> = [
  ['--version', ['--version']],
  ['nodes list --demo --json', ['nodes', 'list', '--demo', '--json']],
  ['resolve --demo --json', ['resolve', 'Plant.ControlServer.ControlObj', '--demo', '--json']],
]

export default async function bench(): Promise<BenchRow[]> {
  const forms: Array<[string, string[]]> = [
    ['install', [process.execPath, TARSNET]],
    ['single file', [process.execPath, builtBundle()]],
  ]
  if (SEA_SUPPORTED) forms.push(['executable', [builtExecutable()]])
  const cases: Case[] = [{name: 'node', cmd: process.execPath, args: ['-e', '0']}]
  for (const [form, start] of forms) {
    for (const [work, args] of WORK) cases.push({name: `${form}: ${work}`, cmd: start[0], args: [...start.slice(1), ...args]})
  }
  const m = await measureInterleaved(cases, Number(process.env.STARTUP_BENCH_RUNS ?? 15))
  return cases.slice(1).map((c) => ({
    name: `start-up, ${c.name}`,
    tarsnet: m.get(c.name)!,
    reference: {name: 'node -e 0', ...m.get('node')!},
    note: c.name.endsWith('--version') ? 'target ×1.5' : 'target ×2.5',
  }))
}
