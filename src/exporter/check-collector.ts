/**
 * The readiness check (`tarsnet check`) as an exporter collector: each round reads the whole cluster
 * afresh, runs the pure check and exports the findings per severity (tarsnet_check_findings). All three
 * severities are always there, 0 when none, so an alert on `> 0` never sees a series vanish.
 */
import {runCheck, SEVERITIES, type CheckScope, type Severity} from '../core/check.js'
import type {Network} from '../core/networks.js'
import {loadCluster} from '../store/cluster-loader.js'
import type {Store} from '../store/types.js'
import type {Collector, Measurement} from './round.js'

/** Finding codes named in a JSON log line (by count). */
const LOG_CODES = 10

export interface CheckCollectorOptions {
  openStore: () => Promise<Store>
  configuredNetworks: Network[]
  scope: CheckScope
}

export class CheckCollector implements Collector {
  readonly name = 'check'

  constructor(private readonly options: CheckCollectorOptions) {}

  async collect(signal: AbortSignal): Promise<Measurement> {
    const store = await this.options.openStore()
    let loaded
    try {
      loaded = await loadCluster(store, this.options.configuredNetworks)
    } finally {
      await store.close().catch(() => {})
    }
    if (signal.aborted) throw new Error('round interrupted')
    const result = runCheck(loaded.view, loaded.nowMs, this.options.scope)
    const findings: Record<Severity, number> = {critical: 0, warning: 0, info: 0}
    for (const s of SEVERITIES) findings[s] = result.counts[s]
    const byCode = new Map<string, number>()
    for (const f of result.findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1)
    const codes = [...byCode].sort((a, b) => b[1] - a[1]).slice(0, LOG_CODES)
    return {
      // tarsnet_probe_targets counts links probed: the check probes none.
      targets: 0,
      links: [],
      nodes: [],
      findings,
      summary: `${findings.critical} critical, ${findings.warning} warning(s), ${findings.info} info on ${result.checked.nodes} nodes and ${result.checked.objects} objects${codes.length > 0 ? ` (${codes.map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}`,
      details: {findings, codes: Object.fromEntries(codes), nodes: result.checked.nodes, objects: result.checked.objects},
    }
  }
}
