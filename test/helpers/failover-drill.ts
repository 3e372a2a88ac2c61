/**
 * The failover drill, shared by the tests and the benchmark: a real client (TarsCpp or @tars/rpc) calls a
 * servant on two "networks" of loopback addresses (x = 127.92.1.0/24, y = 127.92.2.0/24: two nodes, one
 * IP on each), configured from one Tars config text; during the run network x is blackholed (iptables
 * DROP on OUTPUT, in a chain of our own, TNFAILOVER…, removed in finally) and later healed. The model's
 * prediction comes from the real CLI (`tarsnet failover --json`) on a snapshot holding the same
 * endpoints, the same config text as the caller's template, the same language and version.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Snapshot} from '../../src/store/types.js'
import {ROOT, runCli} from './cli.js'
import {acquireLabLock} from './mesh-lab.js'

/** One drill at a time on this machine (tests and the benchmark cut the same addresses). */
const DRILL_LOCK = '/tmp/tarsnet-failover-drill.lock'

export const X = '127.92.1'
export const Y = '127.92.2'
export const NODES = [{name: 'n1', ips: [`${X}.1`, `${Y}.1`]}, {name: 'n2', ips: [`${X}.2`, `${Y}.2`]}]
export const ALL_IPS = NODES.flatMap((n) => n.ips)
export const OBJ = 'TarsnetPeer.FailoverServer.EchoObj'
export const CPP_CACHE = join(process.env.TARSNET_PEER_CACHE ?? '/var/cache/tarsnet-peers', 'tarscpp-622165c')
export const CPP_CLIENT = join(CPP_CACHE, 'bin', 'failover-client')
export const CPP_SERVANT = join(CPP_CACHE, 'bin', 'failover-servant')
export const NODE_CLIENT = join(ROOT, 'test', 'peers', 'node', 'failover-client.cjs')

/** The client config both real clients read and the model reads as the caller's template. */
export function clientConfig(timeoutMs: number): string {
  return `<tars>\n  <application>\n    <client>\n      sync-invoke-timeout=${timeoutMs}\n      async-invoke-timeout=${timeoutMs}\n      refresh-endpoint-interval=60000\n    </client>\n  </application>\n</tars>\n`
}

/** What the drill needs from the machine, as one line per thing missing (a test fails with it, never skips). */
export function drillMissing(kind: 'cpp' | 'node'): string[] {
  const missing: string[] = []
  if (process.getuid?.() !== 0) missing.push('root (iptables)')
  if (spawnSync('iptables', ['-S', 'OUTPUT'], {stdio: 'ignore'}).status !== 0) missing.push('iptables (apt-get install iptables)')
  // Not there yet: its build may be running in the background (scripts/test-setup.sh); the script waits
  // for that build's lock, or builds it now.
  if (kind === 'cpp' && !existsSync(CPP_CLIENT)) spawnSync('bash', [join(ROOT, 'scripts', 'peers', 'build-tarscpp.sh')], {stdio: ['ignore', 'inherit', 'inherit']})
  if (kind === 'cpp' && !existsSync(CPP_CLIENT)) missing.push(`${CPP_CLIENT}: run scripts/peers/build-tarscpp.sh (apt-get install cmake g++ make flex bison)`)
  return missing
}

function iptables(args: string[]): void {
  const r = spawnSync('iptables', ['-w', ...args], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`iptables ${args.join(' ')}: ${r.stderr.trim()}`)
}

/** A blackhole of our own: a chain hooked from OUTPUT; `drop(cidr)` starts dropping, `heal()` stops, `remove()` cleans up. */
export function blackhole(): {drop(cidr: string): void; reject(cidr: string): void; heal(): void; remove(): void} {
  const chain = `TNFAILOVER${process.pid}`
  // A killed run's chain would still drop x: remove every chain of ours (runDrill holds the drill lock).
  const leftovers = (spawnSync('iptables', ['-w', '-S'], {encoding: 'utf8'}).stdout ?? '').match(/^-N TNFAILOVER\d+$/gm) ?? []
  for (const old of [...leftovers.map((l) => l.slice(3)), chain]) {
    spawnSync('iptables', ['-w', '-D', 'OUTPUT', '-j', old], {stdio: 'ignore'})
    spawnSync('iptables', ['-w', '-F', old], {stdio: 'ignore'})
    spawnSync('iptables', ['-w', '-X', old], {stdio: 'ignore'})
  }
  iptables(['-N', chain])
  iptables(['-I', 'OUTPUT', '-j', chain])
  return {
    drop: (cidr) => iptables(['-A', chain, '-d', cidr, '-j', 'DROP']),
    // A network that answers with resets: every TCP segment to it is refused.
    reject: (cidr) => iptables(['-A', chain, '-d', cidr, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset']),
    heal: () => iptables(['-F', chain]),
    remove: () => {
      spawnSync('iptables', ['-w', '-D', 'OUTPUT', '-j', chain], {stdio: 'ignore'})
      spawnSync('iptables', ['-w', '-F', chain], {stdio: 'ignore'})
      spawnSync('iptables', ['-w', '-X', chain], {stdio: 'ignore'})
    },
  }
}

export async function freePort(): Promise<number> {
  for (;;) {
    const s = net.createServer()
    await new Promise<void>((resolve, reject) => s.once('error', reject).listen({host: ALL_IPS[0], port: 0}, () => resolve()))
    const {port} = s.address() as net.AddressInfo
    await new Promise<void>((resolve) => s.close(() => resolve()))
    // The same port must be free on every IP.
    const ok = await Promise.all(ALL_IPS.map((ip) => new Promise<boolean>((resolve) => {
      const t = net.createServer()
      t.once('error', () => resolve(false)).listen({host: ip, port}, () => t.close(() => resolve(true)))
    })))
    if (ok.every(Boolean)) return port
  }
}

export function proxyString(port: number): string {
  return `${OBJ}@${ALL_IPS.map((ip) => `tcp -h ${ip} -p ${port} -t 60000`).join(':')}`
}

/** TarsCpp servants, one process per IP (each answers with its IP), started standalone from a config file. */
export async function startCppServants(port: number, dir: string): Promise<ChildProcess[]> {
  const children: ChildProcess[] = []
  for (const ip of ALL_IPS) {
    const conf = join(dir, `servant-${ip}.conf`)
    writeFileSync(conf, `<tars>
  <application>
    <client>
      locator=
      sync-invoke-timeout=3000
    </client>
    <server>
      app=TarsnetPeer
      server=FailoverServer
      basepath=${dir}
      datapath=${dir}
      logpath=${dir}
      local=
      node=
      log=
      config=
      notify=
      closecout=0
      netthread=1
      <EchoAdapter>
        endpoint=tcp -h ${ip} -p ${port} -t 60000
        allow=
        maxconns=10000
        threads=2
        queuecap=100000
        queuetimeout=60000
        servant=${OBJ}
        protocol=tars
      </EchoAdapter>
    </server>
  </application>
</tars>
`)
    children.push(spawn(CPP_SERVANT, [`--config=${conf}`], {env: {...process.env, FAILOVER_TAG: ip}, stdio: 'ignore'}))
  }
  // Ready when every IP accepts.
  const deadline = Date.now() + 15_000
  for (const ip of ALL_IPS) {
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const s = net.connect({host: ip, port}, () => {
          s.destroy()
          resolve(true)
        })
        s.on('error', () => resolve(false))
      })
      if (up) break
      if (Date.now() > deadline) throw new Error(`the TarsCpp servant on ${ip}:${port} did not start`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return children
}

export interface Second {
  t: number
  ok: number
  timeout: number
  exception: number
  by: Record<string, number>
}

export interface DrillPlan {
  client: 'cpp' | 'node'
  port: number
  rate: number
  timeoutMs: number
  /** Seconds from the client's start: when x is blackholed, when it heals (or never), when the client stops. */
  cutAt: number
  healAt?: number
  seconds: number
  dir: string
  /** Blackholed (default) or refused (resets). */
  mode?: 'blackhole' | 'refused'
}

/** Runs the client through the plan; returns its per-second lines. */
export async function runDrill(plan: DrillPlan): Promise<Second[]> {
  const conf = join(plan.dir, 'client.conf')
  writeFileSync(conf, clientConfig(plan.timeoutMs))
  const cmd = plan.client === 'cpp'
    ? {bin: CPP_CLIENT, args: [`--obj=${proxyString(plan.port)}`, `--rate=${plan.rate}`, `--seconds=${plan.seconds}`, `--conf=${conf}`, `--timeout=${plan.timeoutMs}`]}
    : {bin: process.execPath, args: [NODE_CLIENT, '--obj', proxyString(plan.port), '--rate', String(plan.rate), '--seconds', String(plan.seconds), '--conf', conf]}
  const release = await acquireLabLock(1800, DRILL_LOCK)
  let hole: ReturnType<typeof blackhole> | undefined
  const lines: Second[] = []
  const timers: NodeJS.Timeout[] = []
  try {
    hole = blackhole()
    const child = spawn(cmd.bin, cmd.args, {cwd: plan.dir, stdio: ['ignore', 'pipe', 'pipe']})
    let buf = ''
    let stderr = ''
    let failed: Error | undefined
    child.stdout.on('data', (d) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim()
        buf = buf.slice(i + 1)
        if (line.startsWith('{')) lines.push(JSON.parse(line) as Second)
      }
    })
    child.stderr.on('data', (d) => (stderr += d))
    const at = (seconds: number, what: () => void) => timers.push(setTimeout(() => {
      try {
        what()
      } catch (error) {
        failed = error as Error
        child.kill('SIGKILL')
      }
    }, seconds * 1000))
    const h = hole
    at(plan.cutAt, () => (plan.mode === 'refused' ? h.reject(`${X}.0/24`) : h.drop(`${X}.0/24`)))
    if (plan.healAt !== undefined) at(plan.healAt, () => h.heal())
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    if (failed) throw failed
    if (code !== 0) throw new Error(`${plan.client} client exited ${code}: ${stderr.slice(-500)}`)
  } finally {
    for (const t of timers) clearTimeout(t)
    hole?.remove()
    await release()
  }
  return lines
}

/** Failed calls the client counted from second `from` (exclusive) to `to` (inclusive). */
export function failedBetween(lines: readonly Second[], from: number, to: number): number {
  return lines.filter((l) => l.t > from && l.t <= to).reduce((n, l) => n + l.timeout + l.exception, 0)
}

/** The first second (after `from`) in which answers came from network x again. */
export function firstAnswerFromX(lines: readonly Second[], from: number): number | null {
  const l = lines.find((s) => s.t > from && Object.entries(s.by).some(([host, n]) => host.startsWith(`${X}.`) && n > 0))
  return l ? l.t : null
}

export interface ModelCaller {
  caller: string
  failedCalls: number
  steadyFailedPerMinute: number
  detectSeconds: number
  recoverSeconds: number
}

/** The model's prediction for one client, from `tarsnet failover --json` on a snapshot of the drill's cluster. */
export async function modelFor(client: 'cpp' | 'node', rate: number, timeoutMs: number, port: number, dir: string, mode: 'blackhole' | 'refused' = 'blackhole'): Promise<ModelCaller> {
  const server = (application: string, serverName: string, nodeName: string, serverType: string) => ({
    application, serverName, nodeName, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N',
    enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType,
  })
  const callerName = client === 'cpp' ? 'CppClient' : 'NodeClient'
  const serverType = client === 'cpp' ? 'tars_cpp' : 'tars_nodejs'
  const snap: Snapshot = {
    format: 'tarsnet-snapshot', version: 1, takenAt: new Date().toISOString(), source: 'failover drill',
    ipListColumn: 'ip_list', ipListColumnPresent: true,
    nodes: NODES.map((n) => ({nodeName: n.name, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: new Date().toISOString(), lastRegTime: null, tarsVersion: '3.0.22', ipList: n.ips.join(',')})),
    servers: [...NODES.map((n) => server('TarsnetPeer', 'FailoverServer', n.name, 'tars_cpp')), server('Drill', callerName, 'n1', serverType)],
    adapters: NODES.map((n) => ({application: 'TarsnetPeer', serverName: 'FailoverServer', nodeName: n.name, adapterName: 'EchoAdapter', endpoint: `tcp -h 0.0.0.0 -p ${port} -t 60000`, servant: OBJ, protocol: 'tars'})),
    registry: [], groupRules: [], groupPriorities: [],
    profileTemplates: [{templateName: 'drill.client', parentsName: '', profile: clientConfig(timeoutMs)}],
    serverProfiles: [{application: 'Drill', serverName: callerName, nodeName: 'n1', serverType, tarsVersion: client === 'cpp' ? '3.0.22' : '2.0.15', templateName: 'drill.client', profile: null}],
  }
  const file = join(dir, 'drill-snapshot.json')
  writeFileSync(file, JSON.stringify(snap))
  const r = await runCli(['failover', OBJ, '--cut', 'x', '--rate', String(rate), '--snapshot', file, '--networks', `x=${X}.0/24;y=${Y}.0/24`, '--json', ...(mode === 'refused' ? ['--refused'] : [])])
  if (r.code > 2) throw new Error(`tarsnet failover failed (${r.code}): ${r.stderr}`)
  const json = r.json<{objects: Array<{callers: ModelCaller[]}>}>()
  const caller = json.objects[0].callers.find((c) => c.caller === `Drill.${callerName}`)
  if (!caller) throw new Error(`no caller Drill.${callerName} in ${r.stdout.slice(0, 400)}`)
  return caller
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'tarsnet-failover-'))
}
