/**
 * The mesh as an exporter collector: each round reads the rows afresh, plans the mesh as `tarsnet mesh`
 * does, and runs it over the operator's own SSH (src/mesh/run.ts), keeping one ControlMaster connection
 * per node between rounds (a round then costs no key exchange); the result becomes plain samples. Links
 * carry the source node's name as `source`. `meshMeasurement` is also what `mesh --prom-file` writes.
 */
import {NO_NETWORK} from '../core/mesh-culprits.js'
import {SAMPLE_LATENCIES} from '../core/link-samples.js'
import {foldNodeSet} from '../core/nodeset.js'
import {verdictLine, ASCII} from '../mesh/report.js'
import {nothingToMesh, planMeshRequest, type MeshRequest, type PlannedMesh} from '../mesh/request.js'
import {MeshSession, type MeshRoundResult} from '../mesh/run.js'
import type {SshConfig} from '../ssh/fanout.js'
import type {Store} from '../store/types.js'
import type {Collector, CulpritSample, LinkSample, Measurement, MeshSourceSample} from './round.js'

/** Culprits and nodes named in one log line before "… and N more". */
const LOG_ITEMS = 3
/** Names listed per kind in a JSON log line. */
const LOG_NODES = 20

const more = (items: string[], max: number) => items.slice(0, max).join('; ') + (items.length > max ? `; … and ${items.length - max} more` : '')

/** A mesh round as samples. A round that measured nothing (no node reached over SSH) is marked failed. */
export function meshMeasurement(result: MeshRoundResult): Measurement {
  const links: LinkSample[] = result.links.map((l) => {
    const up = l.status === 'up' || l.status === 'lossy'
    const samplesMs = l[SAMPLE_LATENCIES] ?? (up && l.latencyMs !== null ? [l.latencyMs] : [])
    return {source: l.from, node: l.to, network: l.network ?? NO_NETWORK, ip: l.host, port: l.port, up, latencySeconds: up && l.latencyMs !== null ? Math.round(l.latencyMs * 1000) / 1e6 : null, loss: l.loss ?? (up ? 0 : 1), latencySamplesMs: samplesMs}
  })
  // Idle sources (nothing to probe from them) are not sources: no series, no alert.
  const active = result.sources.filter((s) => s.status !== 'idle')
  const meshSources: MeshSourceSample[] = active.map((s) => ({source: s.node, up: s.status === 'ok'}))
  // Failed links' culprits only: gray failures are said by tarsnet_link_loss_ratio (and its alerts).
  const culprits: CulpritSample[] = result.culprits.filter((c) => !c.intermittent).map((c) => ({
    kind: c.kind,
    node: c.node ?? c.nodes?.[0] ?? '',
    network: c.network ?? '',
    peer: c.kind === 'link' ? c.nodes?.[1] ?? '' : '',
    failedLinks: c.failedLinks,
  }))
  const down = active.filter((s) => s.status !== 'ok')
  const up = links.filter((l) => l.up).length
  const networks = Object.entries(result.summary.networks).map(([n, c]) => `${n}: ${c.up}/${c.total} up`).join(', ')
  const ssh = `SSH ${active.length - down.length}/${active.length} nodes${down.length > 0 ? ` (${more(down.map((s) => `${s.node}: ${s.error ?? s.status}`), LOG_ITEMS)})` : ''}`
  const explained = result.culprits.length > 0 ? `; culprits: ${more(result.culprits.map((c) => c.message), LOG_ITEMS)}` : ''
  const failed = result.measured ? undefined : `no node ${down.some((s) => s.status === 'unreachable') ? 'answered over SSH' : 'could probe'} (${more(down.map((s) => `${s.node}: ${s.error ?? s.status}`), LOG_ITEMS)}): check the SSH settings and that this host can \`ssh\` to a node`
  return {
    targets: links.length,
    links,
    nodes: [],
    meshSources,
    culprits,
    ...(failed !== undefined ? {failed} : {}),
    summary: `${links.length} links, ${up} up (${networks || 'none measured'}); ${ssh}; ${verdictLine(result, ASCII)}${explained}`,
    details: {
      links: links.length, up, verdict: result.verdict, networks: result.summary.networks,
      sources: active.length, sourcesDown: down.slice(0, LOG_NODES).map((s) => ({node: s.node, status: s.status, error: s.error})), sourcesDownCount: down.length,
      culprits: result.culprits.slice(0, LOG_NODES).map((c) => ({kind: c.kind, node: c.node ?? null, network: c.network ?? null, nodes: c.nodes ?? null, failedLinks: c.failedLinks, message: c.message})),
      culpritCount: result.culprits.length,
      ...(down.length > 0 ? {unreachable: foldNodeSet(down.map((s) => s.node))} : {}),
    },
  }
}

export interface MeshCollectorOptions {
  request: MeshRequest
  /** Opens a new store (closed by the collector after reading). */
  openStore: () => Promise<Store>
  timeoutMs: number
  retries: number
  samples?: number
  adaptive?: {maxMs: number}
  ssh: Omit<SshConfig, 'controlDir' | 'controlPersistS'>
  /** Seconds between rounds: the SSH connections are kept open a little longer than that. */
  intervalSeconds: number
  /** Called with the notes of a round's plan (the caller says each once). */
  onNotes?: (notes: string[]) => void
}

export class MeshCollector implements Collector {
  readonly name = 'mesh'
  private readonly session: MeshSession

  constructor(private readonly options: MeshCollectorOptions) {
    // A master idle for three intervals (at least a minute) ends by itself: one left by a killed exporter too.
    this.session = new MeshSession({timeoutMs: options.timeoutMs, retries: options.retries, samples: options.samples, adaptive: options.adaptive, ssh: options.ssh, reuse: true, controlPersistS: Math.max(60, 3 * options.intervalSeconds)})
  }

  /** The private directory of the SSH control sockets (for tests and --verbose). */
  get controlDir(): string | undefined {
    return this.session.controlDir
  }

  async collect(signal: AbortSignal): Promise<Measurement> {
    const {request} = this.options
    const store = await this.options.openStore()
    let planned: PlannedMesh
    try {
      planned = await planMeshRequest(store, request)
    } finally {
      await store.close().catch(() => {})
    }
    if (planned.notes.length > 0) this.options.onNotes?.(planned.notes)
    const nothing = nothingToMesh(planned.plan, Boolean(request.node || request.network))
    if (nothing) throw nothing
    const result = await this.session.round(planned.plan, signal)
    if (signal.aborted) throw new Error('round interrupted')
    return meshMeasurement(result)
  }

  /** Ends the SSH connections kept between rounds and removes their sockets. */
  close(): Promise<void> {
    return this.session.close()
  }
}
