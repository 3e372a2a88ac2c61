/**
 * A round's plain data → Prometheus metrics (docs/design.md §8): a prom-client registry per round, so a node or
 * link that left the cluster leaves the output with it. Metric names and labels are fixed;
 * each has HELP and TYPE. prom-client is imported lazily: only the exporter and --prom-file load it.
 */
import type {Histogram, Registry} from 'prom-client'

import {LOCAL_SOURCE, type CulpritSample, type LinkSample, type MeshSourceSample, type NodeSample, type Round} from './round.js'

type PromClient = typeof import('prom-client')

let loaded: Promise<PromClient> | undefined

/** prom-client, loaded on first use. */
export function promClient(): Promise<PromClient> {
  loaded ??= import('prom-client')
  return loaded
}

const LINK_LABELS = ['source', 'node', 'network', 'ip', 'port'] as const

export const HELP = {
  linkUp: 'Whether the link answered in the last round that probed it: 1 up, 0 down (refused, timeout, unreachable, or a tars_ping error). source is "local" for probes from the exporter\'s host, the source node for mesh probes; port is the port that answered, or the first one tried.',
  linkLatency: 'TCP connect time, or tars_ping round trip, of a link that answered, in seconds.',
  nodeNetworksUp: 'Networks the node answered on from this host in the last round. Below tarsnet_node_networks: the node has lost redundancy.',
  nodeNetworks: 'Networks the node was probed on from this host (networks where it has an IP with something to probe).',
  probeSuccess: 'Whether the last round worked: 1 yes; 0 it failed (e.g. the database is unreachable) and the links shown are those of the last round that worked.',
  probeDuration: 'How long the last round took, in seconds (reading the rows and probing every link).',
  probeTimestamp: 'When the links shown were probed: the end of the last round that worked, in Unix seconds.',
  probeTargets: 'Links probed in the round shown.',
  checkFindings: 'Findings of the readiness check, by severity.',
  meshSourceUp: 'Whether the mesh ran on this source node in the last mesh round: 1 it was reached over SSH and probed its peers; 0 it could not be reached over SSH on any of its IPs, or could not probe (no bash with timeout, nc or python3 there). While 0, its own links (tarsnet_link_up{source="<node>"}) are absent: not measured, not down.',
  linkLoss: 'Share of the last round\'s samples of the link that did not connect, 0 to 1 (--samples per link each round). Above 0 while tarsnet_link_up is 1: a gray failure (a failing NIC, a bad cable, a congested uplink); 1: the link is down.',
  connectLatency: 'TCP connect time (or tars_ping round trip) of every sample that connected, in seconds, per target node and network, cumulative since the exporter started. vantage: local (probes from the exporter\'s host) or mesh (from every other node, over SSH).',
  meshCulpritLinks: 'The fewest explanations of the failed node-to-node links in the last mesh round, as tarsnet mesh names them; the value is how many failed links the culprit explains. kind: network (every link on it fails: a switch), node (no peer reaches it on any network: cut off), node-network (no peer reaches it on that network: its NIC, cable or switch port), node-outbound (it reaches no peer on that network, peers reach it), link (node and peer fail each other on that network: an ACL, a route). Labels that do not apply are empty.',
}

/** Buckets of the connect-latency histogram, seconds: sub-millisecond LANs to a retransmitted SYN (1 s, 3 s). */
export const CONNECT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/**
 * The connect-latency histogram, cumulative across rounds (a histogram's counters only grow), labelled
 * per target node × network × vantage, not per link: at 100 nodes on 2 networks that is at most
 * 100 × 2 × 2 label sets × 15 series (12 buckets, +Inf, _sum, _count) = 6,000 series, where per mesh link
 * it would be ~300,000.
 */
export class ConnectHistogram {
  readonly metric: Histogram<'vantage' | 'node' | 'network'>

  constructor(prom: PromClient) {
    this.metric = new prom.Histogram({name: 'tarsnet_connect_latency_seconds', help: HELP.connectLatency, labelNames: ['vantage', 'node', 'network'], buckets: CONNECT_BUCKETS, registers: []})
  }

  /** Observes the samples measured in this round (not a last good measurement served again after a failure). */
  add(round: Round): void {
    for (const c of round.collectors) {
      if (!c.ok || c.measurement === null) continue
      for (const l of c.measurement.links) {
        const samples = l.latencySamplesMs
        if (!samples || samples.length === 0) continue
        const labels = {vantage: l.source === LOCAL_SOURCE ? 'local' : 'mesh', node: l.node, network: l.network}
        for (let i = 0; i < samples.length; i++) this.metric.observe(labels, samples[i] / 1000)
      }
    }
  }
}

/**
 * The registry holding one round's metrics; null (no round finished yet) gives only tarsnet_probe_success 0.
 * `histogram`: the cumulative connect-latency histogram to serve with it (already fed this round).
 */
export function buildRegistry(prom: PromClient, round: Round | null, histogram?: ConnectHistogram): Registry {
  const registry = new prom.Registry()
  const registers = [registry]
  const gauge = (name: string, help: string, labelNames: readonly string[] = []) => new prom.Gauge({name, help, labelNames, registers})

  const served = (round?.collectors ?? []).filter((c) => c.measurement !== null)
  const links: LinkSample[] = served.flatMap((c) => c.measurement!.links)
  const nodes: NodeSample[] = served.flatMap((c) => c.measurement!.nodes)

  const linkUp = gauge('tarsnet_link_up', HELP.linkUp, LINK_LABELS)
  const latency = gauge('tarsnet_link_latency_seconds', HELP.linkLatency, LINK_LABELS)
  const loss = gauge('tarsnet_link_loss_ratio', HELP.linkLoss, LINK_LABELS)
  for (const l of links) {
    const labels = {source: l.source, node: l.node, network: l.network, ip: l.ip, port: String(l.port)}
    linkUp.set(labels, l.up ? 1 : 0)
    if (l.up && l.latencySeconds !== null) latency.set(labels, l.latencySeconds)
    if (l.loss !== undefined) loss.set(labels, l.loss)
  }
  if (histogram) registry.registerMetric(histogram.metric)

  const networksUp = gauge('tarsnet_node_networks_up', HELP.nodeNetworksUp, ['node'])
  const networks = gauge('tarsnet_node_networks', HELP.nodeNetworks, ['node'])
  for (const n of nodes) {
    networksUp.set({node: n.node}, n.networksUp)
    networks.set({node: n.node}, n.networks)
  }

  gauge('tarsnet_probe_success', HELP.probeSuccess).set(round?.success ? 1 : 0)
  if (round) gauge('tarsnet_probe_duration_seconds', HELP.probeDuration).set((round.endedAtMs - round.startedAtMs) / 1000)
  // The age of what is shown: with several collectors, the oldest of their measurements.
  const measuredAt = served.map((c) => c.measuredAtMs!)
  if (measuredAt.length > 0) gauge('tarsnet_probe_timestamp_seconds', HELP.probeTimestamp).set(Math.min(...measuredAt) / 1000)
  gauge('tarsnet_probe_targets', HELP.probeTargets).set(served.reduce((sum, c) => sum + c.measurement!.targets, 0))

  // The mesh: its sources and culprits, only when a mesh collector served something.
  const meshSources: MeshSourceSample[] = served.flatMap((c) => c.measurement!.meshSources ?? [])
  const culprits: CulpritSample[] = served.flatMap((c) => c.measurement!.culprits ?? [])
  if (served.some((c) => c.measurement!.meshSources !== undefined)) {
    const sourceUp = gauge('tarsnet_mesh_source_up', HELP.meshSourceUp, ['source'])
    for (const m of meshSources) sourceUp.set({source: m.source}, m.up ? 1 : 0)
    const culpritLinks = gauge('tarsnet_mesh_culprit_links', HELP.meshCulpritLinks, ['kind', 'node', 'network', 'peer'])
    for (const c of culprits) culpritLinks.set({kind: c.kind, node: c.node, network: c.network, peer: c.peer}, c.failedLinks)
  }

  const findings = served.filter((c) => c.measurement!.findings !== undefined)
  if (findings.length > 0) {
    const g = gauge('tarsnet_check_findings', HELP.checkFindings, ['severity'])
    for (const c of findings) for (const [severity, count] of Object.entries(c.measurement!.findings!)) g.inc({severity}, count)
  }
  return registry
}

/** The round's metrics in the Prometheus text format, and its content type. */
export async function renderMetrics(round: Round | null): Promise<{text: string; contentType: string}> {
  const prom = await promClient()
  // One round (--prom-file): its own samples only.
  const histogram = round ? new ConnectHistogram(prom) : undefined
  if (round) histogram!.add(round)
  const registry = buildRegistry(prom, round, histogram)
  return {text: await registry.metrics(), contentType: registry.contentType}
}
