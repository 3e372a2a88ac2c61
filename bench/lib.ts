/**
 * Measuring whole commands: wall time (median of several runs) and peak resident memory (GNU time's %M),
 * always side by side with a reference doing the same work, reported as ratios.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import type {TestDb} from '../test/helpers/db.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The installed command: package.json "bin". */
export const TARSNET = `${ROOT}bin/run.cjs`

export interface Measure {
  wallMs: number
  peakRssMb: number
}

export interface BenchRow {
  name: string
  tarsnet: Measure
  reference: Measure & {name: string}
  note?: string
}

const GNU_TIME = '/usr/bin/time'

/** Runs a command once; stdout is discarded (like a script piping it on), stderr kept for errors. */
export function runOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measure & {code: number; stderr: string}> {
  return new Promise((resolve, reject) => {
    if (!existsSync(GNU_TIME)) {
      reject(new Error('GNU time (/usr/bin/time) is needed for peak memory: apt-get install time'))
      return
    }
    const started = process.hrtime.bigint()
    const child = spawn(GNU_TIME, ['-f', '@@RSS %M', cmd, ...args], {env, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6
      const m = /@@RSS (\d+)/.exec(stderr)
      resolve({code: code ?? -1, wallMs, peakRssMb: m ? Number(m[1]) / 1024 : Number.NaN, stderr: stderr.replace(/@@RSS \d+\n?/, '')})
    })
  })
}

/** Median wall time and the peak memory of the median run, over `runs` runs after one warm-up. */
export async function measure(cmd: string, args: string[], options: {runs?: number; env?: NodeJS.ProcessEnv; okCodes?: number[]} = {}): Promise<Measure> {
  const runs = options.runs ?? 5
  const ok = options.okCodes ?? [0]
  const results: Measure[] = []
  for (let i = 0; i <= runs; i++) {
    const r = await runOnce(cmd, args, options.env)
    if (!ok.includes(r.code)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
    if (i > 0) results.push(r) // the first run warms the page cache and the database's buffers
  }
  results.sort((a, b) => a.wallMs - b.wallMs)
  const mid = results[Math.floor(results.length / 2)]
  return {wallMs: mid.wallMs, peakRssMb: Math.max(...results.map((r) => r.peakRssMb))}
}

export interface Case {
  name: string
  cmd: string
  args: string[]
  env?: NodeJS.ProcessEnv
}

/**
 * Measures several commands side by side: one warm-up each, then `runs` rounds, each running every case
 * once in turn, so a machine busier in one moment than the next weighs on all of them alike. Median wall
 * time per case; peak memory is the largest seen.
 */
export async function measureInterleaved(cases: Case[], runs = 11): Promise<Map<string, Measure>> {
  const seen = new Map<string, Measure[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round <= runs; round++) {
    for (const c of cases) {
      const r = await runOnce(c.cmd, c.args, c.env)
      if (r.code !== 0) throw new Error(`${c.cmd} ${c.args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`)
      if (round > 0) seen.get(c.name)!.push(r)
    }
  }
  const out = new Map<string, Measure>()
  for (const [name, list] of seen) {
    const sorted = [...list].sort((a, b) => a.wallMs - b.wallMs)
    out.set(name, {wallMs: sorted[Math.floor(sorted.length / 2)].wallMs, peakRssMb: Math.max(...list.map((m) => m.peakRssMb))})
  }
  return out
}

/** A loopback link and what the benchmark's listeners make it answer. */
export interface LoopbackLink {
  node: string
  host: string
  want: 'up' | 'refused' | 'timeout'
}

/**
 * `links` loopback links, two per node: x on 127.NET.a.b, y on 127.NET+1.a.b (the node named after its x
 * address); 30% time out, 20% refuse, the rest answer.
 */
export function loopbackLinks(links: number, net: number): LoopbackLink[] {
  const out: LoopbackLink[] = []
  for (let k = 0; k < links / 2; k++) {
    const a = Math.floor(k / 250)
    const b = (k % 250) + 1
    for (const [i, n] of [[2 * k, net], [2 * k + 1, net + 1]] as const) {
      const r = i % 10
      out.push({node: `127.${net}.${a}.${b}`, host: `127.${n}.${a}.${b}`, want: r < 3 ? 'timeout' : r < 5 ? 'refused' : 'up'})
    }
  }
  return out
}

/** A snapshot of those links' nodes (networks x and y, IP lists in link order), with no servers yet. */
export function loopbackSnapshot(links: LoopbackLink[], net: number, source: string): {nodes: string[]; snapshot: Record<string, unknown>} {
  const nodes = [...new Set(links.map((l) => l.node))]
  const ipsOf = new Map<string, string[]>()
  for (const l of links) ipsOf.set(l.node, [...(ipsOf.get(l.node) ?? []), l.host])
  const now = new Date().toISOString()
  return {
    nodes,
    snapshot: {
      format: 'tarsnet-snapshot', version: 1, takenAt: now, source, ipListColumn: 'ip_list', ipListColumnPresent: true,
      networks: [{name: 'x', cidrs: [`127.${net}.0.0/16`]}, {name: 'y', cidrs: [`127.${net + 1}.0.0/16`]}],
      nodes: nodes.map((n) => ({nodeName: n, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: now, lastRegTime: now, tarsVersion: '3.0.19', ipList: ipsOf.get(n)!.join(',')})),
      servers: [], adapters: [], registry: [], groupRules: [], groupPriorities: [],
    },
  }
}

/** A node of the seeded clusters: 10.10.a.b on x (and 10.20.a.b on y when it has one). */
const clusterNodeName = (i: number): string => `10.10.${(i >> 8) & 255}.${i & 255}`
/** The object of seeded server s. */
export const clusterObjectName = (s: number): string => `App${s % 100}.Srv${s}.Obj`

/**
 * A large cluster in a throwaway db_tars (the check and resolve benchmarks): `nodes` nodes, and servers
 * `first` .. `first + servers - 1`, server s on nodes s*7 .. s*7+19 (mod nodes), so every node hosts about 20;
 * on each, its server row (the 4th node's inactive) and one adapter for App{s%100}.Srv{s}.Obj.
 * `ipList(name, i)` is node i's IP list; `host(s, name)` the -h of server s on that node.
 */
export async function seedCluster(db: Pick<TestDb, 'query'>, options: {nodes: number; servers: number; first?: number; ipList: (name: string, i: number) => string; host: (s: number, name: string) => string}): Promise<void> {
  const chunk = 5000
  const perServer = 20
  const nodes: string[] = []
  for (let i = 0; i < options.nodes; i++) {
    const n = clusterNodeName(i)
    nodes.push(`('${n}', '${n}', 'active', 'active', NOW(), NOW(), '3.0.19', '${options.ipList(n, i)}')`)
  }
  for (let i = 0; i < nodes.length; i += chunk) {
    await db.query(`INSERT INTO t_node_info (node_name, endpoint_ip, present_state, setting_state, last_heartbeat, last_reg_time, tars_version, ip_list) VALUES ${nodes.slice(i, i + chunk).join(',')}`)
  }
  let servers: string[] = []
  let adapters: string[] = []
  const flush = async () => {
    if (servers.length === 0) return
    await db.query(`INSERT INTO t_server_conf (application, server_name, node_name, setting_state, present_state, flow_state, server_type) VALUES ${servers.join(',')}`)
    await db.query(`INSERT INTO t_adapter_conf (application, server_name, node_name, adapter_name, endpoint, servant, protocol) VALUES ${adapters.join(',')}`)
    servers = []
    adapters = []
  }
  const first = options.first ?? 0
  for (let s = first; s < first + options.servers; s++) {
    const app = `App${s % 100}`
    const srv = `Srv${s}`
    for (let k = 0; k < perServer; k++) {
      const n = clusterNodeName((s * 7 + k) % options.nodes)
      servers.push(`('${app}', '${srv}', '${n}', 'active', '${k === 3 ? 'inactive' : 'active'}', 'active', 'tars_cpp')`)
      adapters.push(`('${app}', '${srv}', '${n}', '${app}.${srv}.ObjAdapter', 'tcp -h ${options.host(s, n)} -p ${10000 + (s % 50000)} -t 60000', '${clusterObjectName(s)}', 'tars')`)
    }
    if (servers.length >= chunk) await flush()
  }
  await flush()
  await db.query('ANALYZE TABLE t_node_info, t_server_conf, t_adapter_conf')
}
