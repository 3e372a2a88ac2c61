/**
 * `tarsnet probe --watch` on 2,000 loopback links (1,000 nodes × networks x and y; 30% dropped, 20%
 * refused, the rest up), a round every 2 s, for 5 minutes (TARSNET_BENCH_WATCH_SECONDS shortens it).
 * Measured: the watching process's resident memory after its first round, each minute, and at the end,
 * which must stay flat (issue 9, defect 12: an abort listener leaked per round, 5,000 links grew from
 * 119 to 206 MB in 2 minutes). The reference is the same process's own RSS after the first round: the
 * memory ratio is end / start. Also the rounds done, against the rounds the interval allows.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {DroppingListeners, UpListeners} from '../src/lab/listeners.js'
import {loopbackLinks, loopbackSnapshot, TARSNET, type BenchRow} from './lib.js'

/** TARSNET_BENCH_WATCH_LINKS: more links (even, at most 64,000), e.g. the issue's 5,000. */
const LINKS = Number(process.env.TARSNET_BENCH_WATCH_LINKS ?? 2000)
const PORT = 21200
const EVERY_S = 2
const DURATION_S = Number(process.env.TARSNET_BENCH_WATCH_SECONDS ?? 300)

const NET = 121

/** Resident memory of a process, MB (Linux /proc). */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : Number.NaN
}

export default async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-watch-bench-'))
  const ls = loopbackLinks(LINKS, NET)
  const up = new UpListeners()
  const drop = new DroppingListeners()
  try {
    for (const l of ls) if (l.want === 'up') await up.add(l.host, PORT)
    await drop.add(ls.filter((l) => l.want === 'timeout').map((l) => ({host: l.host, port: PORT})))
    const snap = join(dir, 'snapshot.json')
    writeFileSync(snap, JSON.stringify(loopbackSnapshot(ls, NET, 'watch benchmark').snapshot))
    // --json --every-round: one line per round, so the bench knows when each round ends.
    const child = spawn(process.execPath, [TARSNET, 'probe', '--snapshot', snap, '--port', String(PORT), '--check', 'tcp', '--timeout', '1000', '--retries', '0', '--watch', String(EVERY_S), '--json', '--every-round'], {stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    let rounds = 0
    let firstRound: () => void = () => {}
    const first = new Promise<void>((resolve) => (firstRound = resolve))
    createInterface({input: child.stdout!}).on('line', (line) => {
      if (line.includes('"type":"round"')) {
        rounds++
        if (rounds === 1) firstRound()
      }
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await first
    const rssStart = rssMb(child.pid!)
    const begun = Date.now()
    const perMinute: number[] = []
    process.stderr.write(`watch bench: ${LINKS} links every ${EVERY_S} s for ${DURATION_S} s; RSS after the first round ${rssStart.toFixed(1)} MB\n`)
    let rssEnd = rssStart
    while (Date.now() - begun < DURATION_S * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      rssEnd = rssMb(child.pid!)
      if (Date.now() - begun >= (perMinute.length + 1) * 60_000) perMinute.push(rssEnd)
    }
    const roundsDone = rounds
    child.kill('SIGINT')
    await exited
    if (/MaxListenersExceeded|memory leak/.test(stderr)) throw new Error(`the watch warned of a leak:\n${stderr}`)
    return [{
      name: `probe --watch ${EVERY_S}: ${LINKS} loopback links (30% dropped, 20% refused) for ${DURATION_S} s, resident memory at the end against after the first round`,
      tarsnet: {wallMs: DURATION_S * 1000, peakRssMb: rssEnd},
      reference: {name: '1st round', wallMs: DURATION_S * 1000, peakRssMb: rssStart},
      note: `${roundsDone} rounds (the interval allows ${Math.floor(DURATION_S / EVERY_S)}); RSS ${rssStart.toFixed(1)} MB after the first round${perMinute.length > 0 ? `, ${perMinute.map((m) => m.toFixed(1)).join(', ')} MB each minute` : ''}, ${rssEnd.toFixed(1)} MB at the end`,
    }]
  } finally {
    await up.close()
    await drop.close()
    rmSync(dir, {recursive: true, force: true})
  }
}
