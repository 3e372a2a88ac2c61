/**
 * The probe as an exporter collector: each round reads the rows afresh (a database that went away and
 * came back is found again), plans, probes every link from this host, and turns the report into plain
 * samples. `probeMeasurement` is also what `probe --prom-file` writes.
 */
import {probeTargets, type ProbeOptions} from '../probe/engine.js'
import {NO_NETWORK, buildReport, connected, networkLines, type ProbeReport} from '../probe/report.js'
import {SAMPLE_LATENCIES} from '../core/link-samples.js'
import {nothingToProbe, planProbe, type PlannedProbe, type ProbeRequest} from '../probe/request.js'
import type {Networks} from '../core/networks.js'
import type {Store} from '../store/types.js'
import {LOCAL_SOURCE, type Collector, type LinkSample, type Measurement, type NodeSample} from './round.js'

/** Lines of a verdict shown in one log line before "… and N more". */
const LOG_VERDICT_LINES = 3
/** Node names listed per kind in a JSON log line. */
const LOG_NODES = 20

/** A probe report as samples: active links only (inactive endpoints are not handed to clients). */
export function probeMeasurement(report: ProbeReport): Measurement {
  const links: LinkSample[] = []
  for (const r of report.results) {
    if (!r.active) continue
    // A lossy link connects: up, with its loss in tarsnet_link_loss_ratio.
    const up = connected(r)
    const samplesMs = r[SAMPLE_LATENCIES] ?? (up && r.latencyMs !== null ? [r.latencyMs] : [])
    links.push({source: LOCAL_SOURCE, node: r.node, network: r.network ?? NO_NETWORK, ip: r.host, port: r.port, up, latencySeconds: up && r.latencyMs !== null ? Math.round(r.latencyMs * 1000) / 1e6 : null, loss: r.loss, latencySamplesMs: samplesMs})
  }
  // Per node (an object's node may have several endpoint rows): the networks probed, and those that answered.
  const byNode = new Map<string, {probed: Set<string | null>; up: Set<string | null>}>()
  for (const row of report.rows) {
    if (!row.active || row.state === 'nothing') continue
    let n = byNode.get(row.node)
    if (!n) byNode.set(row.node, (n = {probed: new Set(), up: new Set()}))
    for (const net of [...row.upOn, ...row.downOn, ...row.serviceOn]) n.probed.add(net)
    for (const net of row.upOn) n.up.add(net)
  }
  const nodes: NodeSample[] = [...byNode].map(([node, n]) => ({node, networks: n.probed.size, networksUp: n.up.size}))
  const up = links.filter((l) => l.up).length
  const lines = report.lines.slice(0, LOG_VERDICT_LINES).join('; ') + (report.lines.length > LOG_VERDICT_LINES ? `; … and ${report.lines.length - LOG_VERDICT_LINES} more` : '')
  return {
    targets: links.length,
    links,
    nodes,
    summary: `${links.length} links, ${up} up (${networkLines(report.summary).join(', ')}); ${lines || report.verdict}`,
    details: {
      links: links.length, up, verdict: report.verdict, networks: report.summary.networks,
      // A log line stays a line: the first nodes by name, and how many there are.
      degraded: report.summary.degraded.slice(0, LOG_NODES), degradedCount: report.summary.degraded.length,
      unreachable: report.summary.unreachable.slice(0, LOG_NODES), unreachableCount: report.summary.unreachable.length,
      service: report.summary.service.slice(0, LOG_NODES), serviceCount: report.summary.service.length,
    },
  }
}

export interface ProbeCollectorOptions {
  request: ProbeRequest
  /** Opens a new store (closed by the collector after reading). */
  openStore: () => Promise<Store>
  /** Probe timing; `bind` is computed per round from the networks in force. */
  timing: Omit<ProbeOptions, 'bind' | 'signal' | 'onProgress'>
  bind: (networks: Networks) => Map<string, string> | undefined
  /** Called with the notes of a round's plan (the caller says each once). */
  onNotes?: (notes: string[]) => void
}

export class ProbeCollector implements Collector {
  readonly name = 'probe'

  constructor(private readonly options: ProbeCollectorOptions) {}

  async collect(signal: AbortSignal): Promise<Measurement> {
    const {request, timing} = this.options
    let planned: PlannedProbe
    const store = await this.options.openStore()
    try {
      planned = await planProbe(store, request)
    } finally {
      await store.close().catch(() => {})
    }
    const {plan, networks, notes} = planned
    if (notes.length > 0) this.options.onNotes?.(notes)
    if (plan.targets.length === 0) throw nothingToProbe(plan, Boolean(request.node || request.network))
    const bind = this.options.bind(networks)
    const results = await probeTargets(plan.targets, {...timing, bind, signal})
    if (signal.aborted) throw new Error('round interrupted')
    return probeMeasurement(buildReport(plan, results))
  }
}
