/**
 * `tarsnet mesh --json` from a cold start (no SSH connection to reuse) on a lab of 20 real hosts × 2
 * networks (test/helpers/mesh-lab.ts: network namespaces, sshd in each, the operator in this namespace):
 * 760 links, a quarter of them dropped (iptables in the target node), 1 s probe timeout, no retries.
 *
 * The reference is what an operator would script: `ssh` to one node at a time, and on it `nc -z -w 1`
 * each target in turn (run once: it takes minutes). A second reference runs each node's nc probes in
 * parallel (still one node at a time). Every tool must agree with the lab on every link.
 */
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {MeshLab} from '../test/helpers/mesh-lab.js'
import {measure, runOnce, TARSNET, type BenchRow} from './lib.js'

const NODES = 20
const NETWORKS = ['x', 'y']
const TIMEOUT_MS = 1000

interface Link {
  from: number
  to: number
  network: string
  up: boolean
}

function plannedLinks(): Link[] {
  const links: Link[] = []
  let k = 0
  for (let from = 1; from <= NODES; from++) {
    for (const network of NETWORKS) {
      for (let to = 1; to <= NODES; to++) {
        if (to === from) continue
        links.push({from, to, network, up: k++ % 4 !== 1}) // exactly a quarter dropped, spread over every node
      }
    }
  }
  return links
}

function snapshot(lab: MeshLab): unknown {
  const now = new Date().toISOString()
  const names = Array.from({length: NODES}, (_, i) => `n${i + 1}`)
  return {
    format: 'tarsnet-snapshot', version: 1, takenAt: now, source: 'mesh benchmark', ipListColumn: 'ip_list', ipListColumnPresent: true,
    networks: NETWORKS.map((name) => ({name, cidrs: [lab.cidr(name)]})),
    nodes: names.map((n, i) => ({nodeName: n, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: now, lastRegTime: now, tarsVersion: '3.0.19', ipList: lab.ipList(i + 1)})),
    servers: names.map((n) => ({application: 'Bench', serverName: 'MeshServer', nodeName: n, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_cpp'})),
    adapters: names.map((n) => ({application: 'Bench', serverName: 'MeshServer', nodeName: n, adapterName: 'Bench.MeshServer.MeshObjAdapter', endpoint: `tcp -h 0.0.0.0 -p ${lab.port}`, servant: 'Bench.MeshServer.MeshObj', protocol: 'tars'})),
    registry: [], groupRules: [], groupPriorities: [],
  }
}

/** The operator's script: one node at a time; on it, nc each target in turn (or all at once). */
function referenceScript(lab: MeshLab, parallel: boolean): string {
  const lines = ['#!/bin/bash']
  for (let from = 1; from <= NODES; from++) {
    const targets: string[] = []
    for (const network of NETWORKS) for (let to = 1; to <= NODES; to++) if (to !== from) targets.push(lab.ip(to, network))
    const probe = `if nc -z -w ${TIMEOUT_MS / 1000} $t ${lab.port} 2>/dev/null; then echo "$t up"; else echo "$t down"; fi`
    const body = parallel ? `for t in ${targets.join(' ')}; do (${probe}) & done; wait` : `for t in ${targets.join(' ')}; do ${probe}; done`
    lines.push(`ssh -F ${lab.sshConfig} -o BatchMode=yes ${lab.ip(from, 'x')} '${body}' | sed 's/^/${from} /'`)
  }
  return lines.join('\n') + '\n'
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

export default async function meshBench(): Promise<BenchRow[]> {
  const lab = await MeshLab.start({nodes: NODES, networks: NETWORKS})
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-mesh-bench-'))
  try {
    const links = plannedLinks()
    lab.dropLinks(links.filter((l) => !l.up))
    const want = new Map(links.map((l) => [`${l.from} ${lab.ip(l.to, l.network)}`, l.up]))
    const snap = join(dir, 'snapshot.json')
    writeFileSync(snap, JSON.stringify(snapshot(lab)))
    const args = [TARSNET, 'mesh', '--snapshot', snap, '--ssh-config', lab.sshConfig, '--json', '--timeout', String(TIMEOUT_MS), '--retries', '0']

    // Agreement first: every link as the lab has it.
    const json = JSON.parse(await capture(process.execPath, args)) as {links: Array<{from: string; host: string; status: string}>; wallMs: number}
    const got = new Map(json.links.map((l) => [`${l.from.slice(1)} ${l.host}`, l.status === 'up']))
    const wrong = [...want].filter(([k, up]) => got.get(k) !== up).length
    if (json.links.length !== links.length || wrong > 0) throw new Error(`tarsnet mesh disagrees with the lab on ${wrong} of ${links.length} links (${json.links.length} reported)`)

    const rows: BenchRow[] = []
    const name = `mesh --json, ${NODES} nodes × ${NETWORKS.length} networks (${links.length} links, a quarter dropped), cold start, 1 s timeout`
    const reference = async (parallel: boolean) => {
      const script = join(dir, parallel ? 'reference-parallel.sh' : 'reference.sh')
      writeFileSync(script, referenceScript(lab, parallel), {mode: 0o755})
      const out = await capture('bash', [script])
      const ref = new Map(out.trim().split('\n').map((l) => l.split(' ')).map(([from, host, st]) => [`${from} ${host}`, st === 'up']))
      const refWrong = [...want].filter(([k, up]) => ref.get(k) !== up).length
      if (refWrong > 0) throw new Error(`the ${parallel ? 'parallel ' : ''}reference disagrees with the lab on ${refWrong} links`)
      // The sequential script takes minutes: measured once; the parallel one as usual.
      const m = parallel ? await measure('bash', [script], {runs: 3}) : await runOnce('bash', [script])
      return {name: parallel ? 'ssh+nc ∥' : 'ssh+nc', wallMs: m.wallMs, peakRssMb: m.peakRssMb}
    }

    // OpenSSH's default key exchange (sntrup761x25519, post-quantum): what an operator gets out of the box.
    const tarsnet = await measure(process.execPath, args, {runs: 5, okCodes: [1, 2]})
    rows.push({name: `${name}, OpenSSH's default kex`, tarsnet, reference: await reference(false), note: 'reference: ssh to one node at a time, on it nc -z -w 1 each target in turn (what an operator would script; run once); all agree with the lab on every link'})
    rows.push({name: `${name}, OpenSSH's default kex`, tarsnet, reference: await reference(true), note: 'reference: ssh to one node at a time, on it nc -z -w 1 every target at once'})

    // The same with KexAlgorithms curve25519-sha256 in the operator's ssh config: the post-quantum exchange
    // costs ~130 ms of CPU per session on each side, which on this 2-core machine (client and 20 sshd) dominates.
    writeFileSync(lab.sshConfig, readFileSync(lab.sshConfig, 'utf8') + '  KexAlgorithms curve25519-sha256\n')
    const fastKex = await measure(process.execPath, args, {runs: 5, okCodes: [1, 2]})
    rows.push({name: `${name}, KexAlgorithms curve25519-sha256`, tarsnet: fastKex, reference: await reference(true), note: 'reference: ssh to one node at a time, on it nc -z -w 1 every target at once; same ssh config'})

    // --timeout auto in one run: each node learns each network's wait from this run's answers; same links as the lab.
    const auto = args.map((a, i) => (args[i - 1] === '--timeout' ? 'auto' : a))
    const autoJson = JSON.parse(await capture(process.execPath, auto)) as {links: Array<{from: string; host: string; status: string}>; sources: Array<{waits?: Array<{ms: number}>}>}
    const autoWrong = [...want].filter(([k, up]) => new Map(autoJson.links.map((l) => [`${l.from.slice(1)} ${l.host}`, l.status === 'up'])).get(k) !== up).length
    if (autoJson.links.length !== links.length || autoWrong > 0) throw new Error(`mesh --timeout auto disagrees with the lab on ${autoWrong} links`)
    const waits = autoJson.sources.flatMap((s) => (s.waits ?? []).map((w) => w.ms))
    rows.push({name: `mesh --json --timeout auto vs --timeout 1000, ${NODES} nodes × ${NETWORKS.length} networks (${links.length} links, a quarter dropped), cold start, curve25519`, tarsnet: await measure(process.execPath, auto, {runs: 5, okCodes: [1, 2]}), reference: {...fastKex, name: 'mesh --timeout 1000'}, note: `reference: tarsnet mesh --timeout 1000; both agree with the lab on every link; waits the nodes used ${Math.min(...waits)}-${Math.max(...waits)} ms`})
    return rows
  } finally {
    rmSync(dir, {recursive: true, force: true})
    await lab.close()
  }
}
