/**
 * A round's plain data → Prometheus metrics (docs/design.md §8): a prom-client registry per round, so a node or
 * link that left the cluster leaves the output with it. Metric names and labels are fixed (issue 13);
 * each has HELP and TYPE. prom-client is imported lazily: only the exporter and --prom-file load it.
 */
import type {Registry} from 'prom-client'

import type {CulpritSample, LinkSample, MeshSourceSample, NodeSample, Round} from './round.js'

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
  meshCulpritLinks: 'The fewest explanations of the failed node-to-node links in the last mesh round, as tarsnet mesh names them; the value is how many failed links the culprit explains. kind: network (every link on it fails: a switch), node (no peer reaches it on any network: cut off), node-network (no peer reaches it on that network: its NIC, cable or switch port), node-outbound (it reaches no peer on that network, peers reach it), link (node and peer fail each other on that network: an ACL, a route). Labels that do not apply are empty.',
}

/** The registry holding one round's metrics; null (no round finished yet) gives only tarsnet_probe_success 0. */
export function buildRegistry(prom: PromClient, round: Round | null): Registry {
  const registry = new prom.Registry()
  const registers = [registry]
  const gauge = (name: string, help: string, labelNames: readonly string[] = []) => new prom.Gauge({name, help, labelNames, registers})

  const served = (round?.collectors ?? []).filter((c) => c.measurement !== null)
  const links: LinkSample[] = served.flatMap((c) => c.measurement!.links)
  const nodes: NodeSample[] = served.flatMap((c) => c.measurement!.nodes)

  const linkUp = gauge('tarsnet_link_up', HELP.linkUp, LINK_LABELS)
  const latency = gauge('tarsnet_link_latency_seconds', HELP.linkLatency, LINK_LABELS)
  for (const l of links) {
    const labels = {source: l.source, node: l.node, network: l.network, ip: l.ip, port: String(l.port)}
    linkUp.set(labels, l.up ? 1 : 0)
    if (l.up && l.latencySeconds !== null) latency.set(labels, l.latencySeconds)
  }

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
  const registry = buildRegistry(await promClient(), round)
  return {text: await registry.metrics(), contentType: registry.contentType}
}
