/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints, for each
 * case, tarsnet against its reference on the same work, as ratios (tarsnet / reference: lower is better).
 * Results are also written to .bench/results.json.
 */
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs'

import type {BenchRow} from './lib.js'

const only = process.argv.slice(2)
const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o)))).sort()
const all: BenchRow[] = []
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-')

for (const file of files) {
  process.stderr.write(`\n# ${file}\n`)
  const mod = (await import(new URL(file, import.meta.url).href)) as {default: () => Promise<BenchRow[]>}
  const rows = await mod.default()
  for (const r of rows) {
    all.push(r)
    console.log(
      `${r.name}\n  tarsnet   ${fmt(r.tarsnet.wallMs)} ms  ${fmt(r.tarsnet.peakRssMb)} MB\n  ${r.reference.name.padEnd(9)} ${fmt(r.reference.wallMs)} ms  ${fmt(r.reference.peakRssMb)} MB\n` +
      `  ratio     time ×${fmt(r.tarsnet.wallMs / r.reference.wallMs, 2)}  memory ×${fmt(r.tarsnet.peakRssMb / r.reference.peakRssMb, 2)}${r.note ? `\n  note      ${r.note}` : ''}`,
    )
  }
}
mkdirSync(new URL('../.bench/', import.meta.url), {recursive: true})
writeFileSync(new URL('../.bench/results.json', import.meta.url), JSON.stringify({when: new Date().toISOString(), node: process.version, rows: all}, null, 2))
