/**
 * One mesh round: one SSH session per node (its IPs in list order; in a session, the host that worked
 * last time first), each node probing its whole target list at once, then the analysis (core/mesh-culprits)
 * and, for an object, the raft view. `runMeshRound` is usable without the command (the exporter calls it);
 * `MeshSession` keeps ControlMaster connections and the SSH host each node answered on across rounds.
 */
import {analyzeMesh, type Culprit, type MeshLink, type MeshPair, type MeshSummary, type MeshVerdict, type SlowMeshLink} from '../core/mesh-culprits.js'
import {raftView, type RaftView} from '../core/mesh-raft.js'
import {lossRatio, SAMPLE_LATENCIES, sampledStatus, sampleStats} from '../core/link-samples.js'
import {EXIT} from '../core/exit-codes.js'
import {AUTO_FLOOR_MS, AUTO_INITIAL_MS, RttEstimator} from '../core/rtt.js'
import {closeControlMasters, createControlDir, runSshTasks, type SshConfig, type SshTask} from '../ssh/fanout.js'
import {probesFrom, type MeshPlan, type MeshPlanNode, type MeshProbe} from './plan.js'
import {buildRemoteScript, parseRemoteOutput, remoteBudgetMs, type RemoteResult, type RemoteTool} from './remote.js'

export const DEFAULT_SSH_TIMEOUT_S = 5
export const DEFAULT_FANOUT = 32

/** The timing of a mesh: fixed, or adaptive (the first round waits nmap's initial timeout). */
export interface MeshTiming {
  timeoutMs: number
  samples: number
  adaptive?: {maxMs: number}
}

export function meshTiming(timeout: {timeoutMs: number; auto: boolean}, samples: number): MeshTiming {
  return timeout.auto ? {timeoutMs: Math.min(AUTO_INITIAL_MS, timeout.timeoutMs), samples, adaptive: {maxMs: timeout.timeoutMs}} : {timeoutMs: timeout.timeoutMs, samples}
}

/** The command run on every node: a POSIX sh reading the script from stdin (see remote.ts for why). */
export const REMOTE_COMMAND = 'sh -s'

export type SourceStatus = 'ok' | 'unreachable' | 'error' | 'idle'

export interface MeshSource {
  node: string
  /** The IP SSH reached the node on, and its network. */
  sshHost: string | null
  sshNetwork: string | null
  /** ok: probed; unreachable: SSH failed on every IP; error: reached but could not probe; idle: nothing to probe from it. */
  status: SourceStatus
  tool: RemoteTool | null
  error: string | null
  /** IPs SSH tried before the one that worked (or all of them), with ssh's message. */
  sshFailures: Array<{host: string; network: string | null; error: string}>
  probes: number
  /**
   * --timeout auto only: per network the node probed, how long it waited for answers in this round
   * (`adaptive`: learned from the answers on the node as they came, RFC 6298; `answers` it learned from —
   * none leaves the initial wait). nc waits whole seconds and cannot adapt: `adaptive` false, the fixed wait.
   */
  waits?: Array<{network: string | null; ms: number; adaptive: boolean; answers: number | null}>
}

export interface MeshRoundResult {
  object: string | null
  links: MeshLink[]
  pairs: MeshPair[]
  sources: MeshSource[]
  culprits: Culprit[]
  /** Links far slower than their network's median (said, not counted in the verdict; a round always has it). */
  slow?: SlowMeshLink[]
  summary: MeshSummary
  verdict: MeshVerdict
  exitCode: number
  wallMs: number
  /** With an object: can its nodes still talk, and can a majority all talk. */
  raft?: RaftView
  /** At least one node ran its probes (else nothing was measured: the command exits 3). */
  measured: boolean
}

export interface MeshRunOptions {
  /** Per probe on the node; with `adaptive`, the first round's (nmap's initial 1000 ms, at most the ceiling). */
  timeoutMs: number
  retries: number
  /** Measurements per link (default 1), spaced on the node (remote.ts). */
  samples?: number
  /**
   * Adaptive: on each node, per network, the wait follows the round trips answered in the round (remote.ts);
   * across rounds each network's estimate (RFC 6298, core/rtt.ts) learns from every link's latencies and
   * gives the next round's initial wait (nmap's 1000 ms at first, at most `maxMs`). nc nodes wait `timeoutMs`,
   * the largest initial wait among the networks they probe.
   */
  adaptive?: {maxMs: number}
  ssh: SshConfig
  signal?: AbortSignal
  /** Called as each node's session ends. */
  onSource?: (source: MeshSource, done: number, total: number) => void
}

interface SourceJob {
  node: MeshPlanNode
  probes: MeshProbe[]
}

/** Describes a failed link for people: the node's word, made a sentence. */
function linkError(r: RemoteResult | undefined, waited: string): string | null {
  if (!r) return 'no result from the node'
  switch (r.status) {
    case 'up': return null
    case 'timeout': return `no answer within ${waited}`
    case 'refused': return 'connection refused'
    case 'unreachable': return 'no route to host'
    default: return r.detail ? `error: ${r.detail}` : 'error'
  }
}

/**
 * From one node's results to its links: per target IP and sample, the first port (in order) that
 * answered, else the first port's outcome; over the samples, the link is up (every sample connected),
 * lossy (some did), or keeps the first sample's failure. Results are indexed probe × samples + sample.
 */
function linksOf(source: string, probes: MeshProbe[], results: Array<RemoteResult | undefined>, waited: (network: string | null) => string, samples = 1): MeshLink[] {
  const groups = new Map<string, Array<{probe: MeshProbe; index: number}>>()
  probes.forEach((probe, index) => {
    const k = `${probe.to}\u0000${probe.host}`
    const list = groups.get(k)
    const item = {probe, index}
    if (list) list.push(item)
    else groups.set(k, [item])
  })
  const links: MeshLink[] = []
  for (const items of groups.values()) {
    items.sort((a, b) => a.probe.portIndex - b.probe.portIndex)
    const latencies: number[] = []
    let firstUp: {probe: MeshProbe; r: RemoteResult} | null = null
    let firstFail: {probe: MeshProbe; r: RemoteResult | undefined} | null = null
    let connected = 0
    for (let s = 0; s < samples; s++) {
      const of = (i: {index: number}) => results[i.index * samples + s]
      const chosen = items.find((i) => of(i)?.status === 'up') ?? items[0]
      const r = of(chosen)
      if (r?.status === 'up') {
        connected++
        if (r.latencyUs !== null) latencies.push(r.latencyUs / 1000)
        firstUp ??= {probe: chosen.probe, r}
      } else firstFail ??= {probe: chosen.probe, r}
    }
    const stats = sampleStats(samples, latencies)
    const lost = samples - connected
    const state = sampledStatus(samples, lost)
    const shown = firstUp ?? firstFail!
    const latencyMs = firstUp === null ? null : stats.latency ? stats.latency.p50 : null
    links.push({
      from: source, to: shown.probe.to, network: shown.probe.network, host: shown.probe.host, port: shown.probe.port,
      status: state === 'failed' ? (shown.r ? shown.r.status : 'error') : state,
      latencyMs: latencyMs === null ? null : Math.round(latencyMs * 100) / 100,
      error: state === 'failed' ? linkError(shown.r, waited(shown.probe.network)) : null,
      samples, lost, loss: lossRatio(lost, samples), latency: connected > 0 ? stats.latency : null, slow: false,
      [SAMPLE_LATENCIES]: Float32Array.from(latencies),
    })
  }
  return links
}

export class MeshSession {
  /** The host each node answered on last: tried first next round (a dead first network costs a connect timeout every round otherwise). */
  private readonly lastHost = new Map<string, string>()
  private readonly usedHosts = new Set<string>()
  private closed = false
  readonly ssh: SshConfig
  /** --timeout auto: per network, the round trips measured in earlier rounds. */
  private readonly rtt = new Map<string | null, RttEstimator>()

  /** `reuse`: keep one ControlMaster connection per node across rounds (a private 0700 socket directory). */
  constructor(private readonly options: Omit<MeshRunOptions, 'ssh'> & {ssh: Omit<SshConfig, 'controlDir'>; reuse?: boolean; controlPersistS?: number}) {
    this.ssh = options.reuse ? {...options.ssh, controlDir: createControlDir(), controlPersistS: options.controlPersistS ?? 60} : {...options.ssh}
  }

  /** The control socket directory (with reuse), for people and tests. */
  get controlDir(): string | undefined {
    return this.ssh.controlDir
  }

  async round(plan: MeshPlan, signal?: AbortSignal): Promise<MeshRoundResult> {
    const started = Date.now()
    const {retries} = this.options
    const samples = this.options.samples ?? 1
    const jobs: SourceJob[] = plan.nodes.map((node) => ({node, probes: probesFrom(plan, node)}))
    const timeoutFor = (probes: MeshProbe[]): number => {
      if (!this.options.adaptive) return this.options.timeoutMs
      let t = 0
      for (const net of new Set(probes.map((p) => p.network))) t = Math.max(t, this.estimator(net).timeoutMs)
      return Math.round(t)
    }
    const networkOf = new Map<string, string | null>()
    for (const n of plan.nodes) for (const i of n.ips) networkOf.set(i.ip, i.network)
    const tasks: Array<SshTask<number>> = []
    const timeouts: number[] = []
    /** Per job, with --timeout auto: its networks in the order the node numbers them, and their initial waits. */
    const netsOf: Array<{nets: Array<string | null>; initialMs: number[]}> = []
    jobs.forEach((job, index) => {
      if (job.probes.length === 0) return
      const ips = job.node.ips.map((i) => i.ip)
      const last = this.lastHost.get(job.node.name)
      const hosts = last && ips.includes(last) ? [last, ...ips.filter((ip) => ip !== last)] : ips
      const nets = [...new Set(job.probes.map((p) => p.network))]
      const adaptive = this.options.adaptive
        ? {initialMs: nets.map((n) => Math.round(this.estimator(n).timeoutMs)), floorMs: AUTO_FLOOR_MS, maxMs: this.options.adaptive.maxMs}
        : undefined
      const options = {timeoutMs: timeoutFor(job.probes), retries, samples, adaptive}
      timeouts[index] = options.timeoutMs
      if (adaptive) netsOf[index] = {nets, initialMs: adaptive.initialMs}
      tasks.push({
        key: index, hosts, command: REMOTE_COMMAND,
        input: buildRemoteScript(job.probes.map((p) => ({host: p.host, port: p.port, net: adaptive ? nets.indexOf(p.network) : 0})), options),
        budgetMs: remoteBudgetMs(job.probes.length, options),
      })
    })

    const sources: MeshSource[] = jobs.map((job) => ({
      node: job.node.name, sshHost: null, sshNetwork: null, status: 'idle', tool: null,
      error: job.probes.length === 0 ? (job.node.ips.length === 0 ? 'no IP known' : 'nothing to probe from this node') : null,
      sshFailures: [], probes: job.probes.length,
    }))
    const links: MeshLink[] = []
    const unmeasured: Array<{from: string; to: string; network: string | null}> = []
    let done = 0
    await runSshTasks(tasks, this.ssh, {
      signal: signal ?? this.options.signal,
      onResult: (r) => {
        const job = jobs[r.key]
        const source = sources[r.key]
        source.sshFailures = r.failures.map((f) => ({host: f.host, network: networkOf.get(f.host) ?? null, error: f.error}))
        if (r.status === 'unreachable') {
          source.status = 'unreachable'
          source.error = r.error
        } else {
          for (const f of r.failures) this.usedHosts.add(f.host)
          source.sshHost = r.host
          source.sshNetwork = r.host ? networkOf.get(r.host) ?? null : null
          if (r.host) {
            this.lastHost.set(job.node.name, r.host)
            this.usedHosts.add(r.host)
          }
          const parsed = parseRemoteOutput(r.stdout, job.probes.length * samples)
          source.tool = parsed.tool
          if (parsed.noTool) {
            source.status = 'error'
            source.error = 'the node has none of bash (with timeout), nc or python3 to probe with'
          } else if (parsed.tool === null || !parsed.complete) {
            source.status = 'error'
            source.error = r.error ?? (parsed.tool === null ? `the probe script did not start (exit ${r.exitCode ?? '?'})` : 'the probe script stopped before its end')
          } else {
            source.status = 'ok'
            source.error = null
            const adaptive = netsOf[r.key]
            let waited = (_: string | null) => `${timeouts[r.key]} ms`
            if (adaptive) {
              // nc's -w is whole seconds: it waits the fixed time; bash and python3 say what they waited.
              source.waits = adaptive.nets.map((network, i) => parsed.tool === 'nc'
                ? {network, ms: timeouts[r.key], adaptive: false, answers: null}
                : {network, ms: parsed.waits[i]?.ms ?? adaptive.initialMs[i], adaptive: true, answers: parsed.waits[i]?.answers ?? 0})
              const byNet = new Map(source.waits.map((w) => [w.network, w]))
              waited = (network) => {
                const w = byNet.get(network)
                return w ? `${w.ms} ms (${w.adaptive ? 'adaptive' : 'nc: fixed'})` : `${timeouts[r.key]} ms`
              }
            }
            links.push(...linksOf(job.node.name, job.probes, parsed.results, waited, samples))
          }
        }
        this.options.onSource?.(source, ++done, tasks.length)
      },
    })
    for (const [i, source] of sources.entries()) {
      if (source.status === 'ok' || source.status === 'idle') continue
      const seen = new Set<string>()
      for (const p of jobs[i].probes) {
        const k = `${p.to}\u0000${p.network}`
        if (seen.has(k)) continue
        seen.add(k)
        unmeasured.push({from: source.node, to: p.to, network: p.network})
      }
    }

    sortLinks(plan, links)
    if (this.options.adaptive) {
      // What the next round waits: every connected link's typical and worst round trip, per network; a
      // network where most links timed out waits twice as long next time (it may have become slow).
      const timedOut = new Map<string | null, {out: number; all: number}>()
      for (const l of links) {
        const t = timedOut.get(l.network) ?? {out: 0, all: 0}
        t.all++
        if (l.status === 'timeout') t.out++
        timedOut.set(l.network, t)
        if (!l.latency) continue
        const e = this.estimator(l.network)
        e.observe(l.latency.p50)
        e.observe(l.latency.max)
      }
      for (const [network, t] of timedOut) if (t.out * 2 >= t.all) this.estimator(network).backoff()
    }
    const failedSources = sources.filter((s) => s.status === 'unreachable' || s.status === 'error').map((s) => s.node)
    const analysis = analyzeMesh(links, {networks: plan.columns, unmeasured, unreachableSources: failedSources})
    const raft = plan.mode === 'object' ? raftView(plan.nodes.map((n) => n.name), links) : undefined
    let verdict = analysis.verdict
    if (raft && !raft.quorum && raft.nodes.length > 0) verdict = 'outage'
    return {
      object: plan.object,
      links,
      pairs: analysis.pairs,
      sources,
      culprits: analysis.culprits,
      slow: analysis.slow,
      summary: analysis.summary,
      verdict,
      exitCode: EXIT[verdict],
      wallMs: Date.now() - started,
      ...(raft ? {raft} : {}),
      measured: sources.some((s) => s.status === 'ok'),
    }
  }

  private estimator(network: string | null): RttEstimator {
    let e = this.rtt.get(network)
    if (!e) this.rtt.set(network, (e = new RttEstimator({ceilingMs: this.options.adaptive!.maxMs})))
    return e
  }

  /** Ends the ControlMaster connections and removes their directory (safe to call twice). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.ssh.controlDir) await closeControlMasters(this.ssh, this.usedHosts)
  }
}

/** Links in matrix order: source, network, target, IP. */
function sortLinks(plan: MeshPlan, links: MeshLink[]): void {
  const index = new Map(plan.nodes.map((n, i) => [n.name, i]))
  const col = (n: string | null) => plan.columns.indexOf(n)
  links.sort((a, b) => (index.get(a.from)! - index.get(b.from)!) || (col(a.network) - col(b.network)) || (index.get(a.to)! - index.get(b.to)!) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
}

/** One round without the command: a fresh session (no ControlMaster), closed after. */
export async function runMeshRound(plan: MeshPlan, options: MeshRunOptions): Promise<MeshRoundResult> {
  const session = new MeshSession({...options, reuse: false})
  try {
    return await session.round(plan)
  } finally {
    await session.close()
  }
}
