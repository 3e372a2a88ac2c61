/**
 * `tarsnet exporter` on 2,000 loopback links (1,000 nodes × networks x and y; 30% dropped, 20% refused,
 * the rest up), a round every 10 s, for 10 minutes (TARSNET_BENCH_EXPORTER_SECONDS shortens it for a
 * quick run). Measured: the exporter's resident memory after its first round and at the end (it must stay
 * flat), and the wall time of a scrape of /metrics (under 50 ms), every 250 ms from the bench process, so many land during rounds.
 *
 * References on the same work: a scrape is compared with a plain Node HTTP server sending the same bytes
 * (the floor for serving that text); a round and the exporter's memory with one `tarsnet probe --json`
 * of the same links.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {DroppingListeners, UpListeners} from '../src/lab/listeners.js'
import {loopbackLinks, loopbackSnapshot, measure, TARSNET, type BenchRow, type LoopbackLink} from './lib.js'

const LINKS = 2000
const PORT = 21100
const INTERVAL_S = 10
const SCRAPE_EVERY_MS = 250
const DURATION_S = Number(process.env.TARSNET_BENCH_EXPORTER_SECONDS ?? 600)

const NET = 111

/** The links, and the snapshot whose every node runs one non-tars servant on PORT. */
function lab(): {links: LoopbackLink[]; snapshot: Record<string, unknown>} {
  const links = loopbackLinks(LINKS, NET)
  const {nodes, snapshot} = loopbackSnapshot(links, NET, 'exporter benchmark')
  snapshot.servers = nodes.map((n) => ({application: 'Bench', serverName: 'EchoServer', nodeName: n, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp'}))
  snapshot.adapters = nodes.map((n) => ({application: 'Bench', serverName: 'EchoServer', nodeName: n, adapterName: 'Bench.EchoServer.EchoObjAdapter', endpoint: `tcp -h 0.0.0.0 -p ${PORT} -t 60000`, servant: 'Bench.EchoServer.EchoObj', protocol: 'not_tars'}))
  return {links, snapshot}
}

/** Resident memory of a process, MB (Linux /proc). */
function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : Number.NaN
}

/** Wall time of one GET, ms, and the body. */
async function timedGet(url: string): Promise<{ms: number; text: string}> {
  const started = process.hrtime.bigint()
  const res = await fetch(url)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
  return {ms: Number(process.hrtime.bigint() - started) / 1e6, text}
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]

/** Starts a child and resolves with the first stderr line matching `pattern` (as JSON when it is). */
function startAndWait(cmd: string, args: string[], pattern: RegExp): Promise<{child: ChildProcess; line: string; lines: string[]}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
    const lines: string[] = []
    let done = false
    createInterface({input: child.stderr!}).on('line', (line) => {
      lines.push(line)
      if (!done && pattern.test(line)) {
        done = true
        resolve({child, line, lines})
      }
    })
    child.on('exit', (code) => {
      if (!done) reject(new Error(`${cmd} exited ${code}: ${lines.join('\n')}`))
    })
  })
}

export default async function bench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-exporter-bench-'))
  const {links: ls, snapshot} = lab()
  const up = new UpListeners()
  const drop = new DroppingListeners()
  let exporter: ChildProcess | undefined
  let reference: ChildProcess | undefined
  try {
    for (const l of ls) if (l.want === 'up') await up.add(l.host, PORT)
    await drop.add(ls.filter((l) => l.want === 'timeout').map((l) => ({host: l.host, port: PORT})))
    const snap = join(dir, 'snapshot.json')
    writeFileSync(snap, JSON.stringify(snapshot))
    const probeArgs = ['--snapshot', snap, '--check', 'tcp', '--timeout', '1000', '--retries', '0']

    // One probe of the same links: the reference for a round's time and the exporter's memory.
    const probe = await measure(process.execPath, [TARSNET, 'probe', '--json', ...probeArgs], {runs: 3, okCodes: [0, 1, 2]})

    const started = await startAndWait(process.execPath, [TARSNET, 'exporter', '--json', '--listen', '127.0.0.1:0', '--interval', String(INTERVAL_S), ...probeArgs], /"event":"round"/)
    exporter = started.child
    const pid = exporter.pid!
    const url = JSON.parse(started.lines.find((l) => l.includes('"event":"start"'))!).url as string
    const rssStart = rssMb(pid)
    // The reference server, started now with the same bytes and scraped alongside for the whole run, so both
    // meet the same machine load.
    const first = await timedGet(url)
    const body = join(dir, 'metrics.txt')
    writeFileSync(body, first.text)
    const ref = await startAndWait(process.execPath, ['-e', `const t=require('fs').readFileSync(${JSON.stringify(body)});require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain; version=0.0.4; charset=utf-8'});s.end(t)}).listen(0,'127.0.0.1',function(){console.error('port '+this.address().port)})`], /^port \d+$/)
    reference = ref.child
    const refUrl = `http://127.0.0.1:${ref.line.split(' ')[1]}/metrics`
    const scrapes: number[] = []
    const refScrapes: number[] = []
    let text = first.text
    const rss: number[] = [rssStart]
    /** RSS once a minute (MB), to see whether it levels off. */
    const perMinute: number[] = []
    const begun = Date.now()
    const until = begun + DURATION_S * 1000
    process.stderr.write(`exporter bench: ${LINKS} links, a round every ${INTERVAL_S} s, for ${DURATION_S} s; RSS after the first round ${rssStart.toFixed(1)} MB\n`)
    while (Date.now() < until) {
      const r = await timedGet(url)
      scrapes.push(r.ms)
      text = r.text
      refScrapes.push((await timedGet(refUrl)).ms)
      rss.push(rssMb(pid))
      if (Date.now() - begun >= (perMinute.length + 1) * 60_000) perMinute.push(rss[rss.length - 1])
      await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY_MS))
    }
    const rssEnd = rssMb(pid)
    const rounds = started.lines.filter((l) => l.includes('"event":"round"')).map((l) => JSON.parse(l) as {round: number; durationSeconds: number; success: boolean})
    if ((text.match(/^tarsnet_link_up\{/gm) ?? []).length !== LINKS) throw new Error(`the exporter did not serve ${LINKS} links`)

    const wall = rounds.map((r) => r.durationSeconds * 1000)
    const fmt = (n: number) => n.toFixed(1)
    return [
      {
        name: `exporter: one scrape of /metrics, ${LINKS} links (${text.length} bytes), median of ${scrapes.length} over ${DURATION_S} s`,
        tarsnet: {wallMs: median(scrapes), peakRssMb: rssEnd},
        reference: {name: 'static http', wallMs: median(refScrapes), peakRssMb: rssMb(reference.pid!)},
        note: `scrape p99 ${fmt(quantile(scrapes, 0.99))} ms, max ${fmt(Math.max(...scrapes))} ms (goal: under 50 ms); reference: a plain Node server sending the same bytes, scraped alongside: p99 ${fmt(quantile(refScrapes, 0.99))} ms, max ${fmt(Math.max(...refScrapes))} ms`,
      },
      {
        name: `exporter: ${rounds.length} rounds every ${INTERVAL_S} s on ${LINKS} links (30% dropped, 20% refused), timeout 1000 ms`,
        tarsnet: {wallMs: median(wall), peakRssMb: Math.max(...rss)},
        reference: {name: 'probe --json', ...probe},
        note: `RSS after the first round ${fmt(rssStart)} MB, at the end ${fmt(rssEnd)} MB (min ${fmt(Math.min(...rss))}, max ${fmt(Math.max(...rss))}; each minute: ${perMinute.map(fmt).join(' ')}); ${rounds.filter((r) => r.success).length}/${rounds.length} rounds ok; time: a round's median vs one probe run (process start included)`,
      },
    ]
  } finally {
    exporter?.kill('SIGTERM')
    reference?.kill('SIGTERM')
    await up.close()
    await drop.close()
    rmSync(dir, {recursive: true, force: true})
  }
}
