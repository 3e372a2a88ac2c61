/**
 * `tarsnet probe --json` on 1,000 and 10,000 links on loopback (30% dropped, 20% refused, the rest up;
 * timeout 1000 ms, no retries) against nmap's connect scan of the same host:port pairs, once with the
 * same fixed timeout and once with nmap's adaptive timing; then `--timeout auto` against nmap's adaptive
 * timing, and (1,000 links) `--samples 10` against one sample. Every run must agree with the lab on
 * every link.
 *
 * The links come from a snapshot file: N/2 nodes, each with one IP on x (127.101/16) and one on y
 * (127.102/16), all running one servant bound to 0.0.0.0 on the same port — so nmap scans exactly the
 * same host list × one port. Up: a listener on that IP; refused: nothing; dropped: a listener with a full
 * accept queue (Linux drops further SYNs).
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DroppingListeners, UpListeners} from '../src/lab/listeners.js'
import {measure, TARSNET, type BenchRow} from './lib.js'

const PORT = 21000
const TIMEOUT_MS = 1000
type State = 'up' | 'refused' | 'timeout'

interface Link {
  node: string
  host: string
  want: State
}

function links(count: number): Link[] {
  const out: Link[] = []
  for (let k = 0; k < count / 2; k++) {
    const a = Math.floor(k / 250)
    const b = (k % 250) + 1
    for (const [i, net] of [[2 * k, 101], [2 * k + 1, 102]] as const) {
      const r = i % 10
      out.push({node: `127.101.${a}.${b}`, host: `127.${net}.${a}.${b}`, want: r < 3 ? 'timeout' : r < 5 ? 'refused' : 'up'})
    }
  }
  return out
}

function snapshot(ls: Link[]): unknown {
  const nodes = [...new Set(ls.map((l) => l.node))]
  const ipsOf = new Map<string, string[]>()
  for (const l of ls) ipsOf.set(l.node, [...(ipsOf.get(l.node) ?? []), l.host])
  const now = new Date().toISOString()
  return {
    format: 'tarsnet-snapshot', version: 1, takenAt: now, source: 'probe benchmark', ipListColumn: 'ip_list', ipListColumnPresent: true,
    networks: [{name: 'x', cidrs: ['127.101.0.0/16']}, {name: 'y', cidrs: ['127.102.0.0/16']}],
    nodes: nodes.map((n) => ({nodeName: n, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: now, lastRegTime: now, tarsVersion: '3.0.19', ipList: ipsOf.get(n)!.join(',')})),
    servers: nodes.map((n) => ({application: 'Bench', serverName: 'EchoServer', nodeName: n, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp'})),
    adapters: nodes.map((n) => ({application: 'Bench', serverName: 'EchoServer', nodeName: n, adapterName: 'Bench.EchoServer.EchoObjAdapter', endpoint: `tcp -h 0.0.0.0 -p ${PORT} -t 60000`, servant: 'Bench.EchoServer.EchoObj', protocol: 'not_tars'})),
    registry: [], groupRules: [], groupPriorities: [],
  }
}

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => (code !== null && code <= 2 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))))
  })
}

const NMAP_STATE: Record<string, State> = {open: 'up', closed: 'refused', filtered: 'timeout'}

function nmapStates(grepable: string): Map<string, State> {
  const out = new Map<string, State>()
  for (const m of grepable.matchAll(/^Host: (\S+) .*Ports: (\d+)\/(\w+)\//gm)) out.set(m[1], NMAP_STATE[m[3]] ?? ('?' as State))
  return out
}

function disagreements(ls: Link[], got: Map<string, string>): number {
  return ls.filter((l) => got.get(l.host) !== l.want).length
}

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-probe-bench-'))
  const fixed = ['-sT', '-Pn', '-n', '--max-retries', '0', '--min-rtt-timeout', `${TIMEOUT_MS}ms`, '--initial-rtt-timeout', `${TIMEOUT_MS}ms`, '--max-rtt-timeout', `${TIMEOUT_MS}ms`]
  const adaptive = ['-sT', '-Pn', '-n', '--max-retries', '0', '--max-rtt-timeout', `${TIMEOUT_MS}ms`]
  try {
    for (const count of (process.env.PROBE_BENCH_SIZES ?? "1000,10000").split(",").map(Number)) {
      const ls = links(count)
      const up = new UpListeners()
      const drop = new DroppingListeners()
      try {
        for (const l of ls) if (l.want === 'up') await up.add(l.host, PORT)
        await drop.add(ls.filter((l) => l.want === 'timeout').map((l) => ({host: l.host, port: PORT})))
        const snap = join(dir, `snapshot-${count}.json`)
        writeFileSync(snap, JSON.stringify(snapshot(ls)))
        const hostsFile = join(dir, `hosts-${count}.txt`)
        writeFileSync(hostsFile, ls.map((l) => l.host).join('\n') + '\n')

        const probeArgs = [TARSNET, 'probe', '--snapshot', snap, '--json', '--check', 'tcp', '--timeout', String(TIMEOUT_MS), '--retries', '0']
        // Agreement first: every link's state from tarsnet and from each nmap run must match the lab.
        const ours = JSON.parse(await capture(process.execPath, probeArgs)) as {results: Array<{host: string; status: string}>}
        const oursBad = disagreements(ls, new Map(ours.results.map((r) => [r.host, r.status])))
        const nmapFixedBad = disagreements(ls, nmapStates(await capture('nmap', [...fixed, '-p', String(PORT), '-iL', hostsFile, '-oG', '-'])))
        const nmapAdaptiveBad = disagreements(ls, nmapStates(await capture('nmap', [...adaptive, '-p', String(PORT), '-iL', hostsFile, '-oG', '-'])))
        const agree = (bad: number) => (bad === 0 ? `all ${count} agree` : `${bad} of ${count} DISAGREE`)

        const tarsnet = await measure(process.execPath, probeArgs, {runs: 3, okCodes: [0, 1, 2]})
        const nmapOut = ['-p', String(PORT), '-iL', hostsFile, '-oG', '/dev/null']
        const refFixed = await measure('nmap', [...fixed, ...nmapOut], {runs: count >= 10000 ? 1 : 3})
        const refAdaptive = await measure('nmap', [...adaptive, ...nmapOut], {runs: 3})
        rows.push({
          name: `probe --json: ${count} links (30% dropped, 20% refused), timeout ${TIMEOUT_MS} ms, no retries`,
          tarsnet,
          reference: {name: 'nmap -sT fixed', ...refFixed},
          note: `nmap with the same fixed ${TIMEOUT_MS} ms timeout; states vs the lab: tarsnet ${agree(oursBad)}, nmap ${agree(nmapFixedBad)}`,
        })
        rows.push({
          name: `probe --json: ${count} links, against nmap's adaptive timing`,
          tarsnet,
          reference: {name: 'nmap -sT adaptive', ...refAdaptive},
          note: `nmap --max-rtt-timeout ${TIMEOUT_MS}ms only (it learns loopback's RTT and waits less); states vs the lab: tarsnet ${agree(oursBad)}, nmap ${agree(nmapAdaptiveBad)}`,
        })

        // Adaptive against adaptive: --timeout auto with the same ceiling as nmap's --max-rtt-timeout.
        const autoArgs = [TARSNET, 'probe', '--snapshot', snap, '--json', '--check', 'tcp', '--timeout', 'auto', '--timeout-max', String(TIMEOUT_MS), '--retries', '0']
        const auto = JSON.parse(await capture(process.execPath, autoArgs)) as {results: Array<{host: string; status: string}>}
        const autoBad = disagreements(ls, new Map(auto.results.map((r) => [r.host, r.status])))
        rows.push({
          name: `probe --json --timeout auto: ${count} links, against nmap's adaptive timing`,
          tarsnet: await measure(process.execPath, autoArgs, {runs: 3, okCodes: [0, 1, 2]}),
          reference: {name: 'nmap -sT adaptive', ...refAdaptive},
          note: `both learn loopback's RTT, ceiling ${TIMEOUT_MS} ms, no retries; states vs the lab: tarsnet ${agree(autoBad)}, nmap ${agree(nmapAdaptiveBad)}`,
        })

        // Gray failures: ten samples per link, 100 ms apart, against one sample at the same fixed timeout.
        if (count <= 1000) {
          const sampledArgs = [...probeArgs, '--samples', '10']
          const sampled = JSON.parse(await capture(process.execPath, sampledArgs)) as {results: Array<{host: string; status: string; lost: number; samples: number}>}
          const sampledBad = disagreements(ls, new Map(sampled.results.map((r) => [r.host, r.status])))
          const lossless = sampled.results.filter((r) => r.status === 'up').every((r) => r.lost === 0 && r.samples === 10)
          rows.push({
            name: `probe --json --samples 10: ${count} links, timeout ${TIMEOUT_MS} ms`,
            tarsnet: await measure(process.execPath, sampledArgs, {runs: 3, okCodes: [0, 1, 2]}),
            reference: {name: 'samples 1', ...tarsnet},
            note: `the same command with one sample; states vs the lab: ${agree(sampledBad)}; up links ${lossless ? 'all 10/10 connected' : 'LOST SAMPLES'} (goal: at most ×3)`,
          })
        }
      } finally {
        await up.close()
        await drop.close()
      }
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
  return rows
}
