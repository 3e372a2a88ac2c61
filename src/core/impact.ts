/**
 * `tarsnet impact` (pure): a what-if over the registry's expanded endpoints. A cut removes endpoints — a
 * network (every IP on it), a node's interface on a network, a node, or (from a saved probe or mesh
 * result) one IP or one endpoint found down — and every object is compared before and after: ok,
 * degraded (some active endpoints lost) or down (none left). Raft groups are judged with the mesh's raft
 * view (core/mesh-raft.ts): which members can still talk, and whether a majority all can.
 */
import {REGISTRY_OBJECT, type ClusterView} from './cluster.js'
import {UserError} from './errors.js'
import {EXIT} from './exit-codes.js'
import {raftView} from './mesh-raft.js'
import type {MeshLink} from './mesh-culprits.js'
import {normalizeIp} from './ip.js'
import type {ResolvedEndpoint} from './resolve.js'
import {hostPort} from './resolve-text.js'
import {clip, matcher, naturalCompare} from './text.js'
import {NOTHING, NO_NETWORK} from './names.js'

export type Cut =
  | {kind: 'network'; network: string}
  | {kind: 'interface'; node: string; network: string}
  | {kind: 'node'; node: string}
  /** One IP of a node (a link found down by probe or mesh). */
  | {kind: 'ip'; node: string; ip: string}
  /** One endpoint, IP and port (an object's endpoint found down by `probe OBJECT`). */
  | {kind: 'endpoint'; node: string; ip: string; port: number}
  /** One node-to-node link found down by mesh while others reach that IP: it matters to raft pairs only. */
  | {kind: 'link'; from: string; node: string; ip: string}

export type ImpactStatus = 'ok' | 'degraded' | 'down'
export type ImpactVerdict = 'ok' | 'degraded' | 'outage'

/** The key used for endpoints in no named network. */
export {NO_NETWORK} from './names.js'

export interface EndpointCount {
  activeEndpoints: number
  nodes: number
  networks: string[]
  /** The nodes serving it (natural order), each with the networks it serves on: after a cut, what is left. */
  byNode: Array<{node: string; networks: string[]}>
}

export interface LostEndpoint {
  node: string
  network: string | null
  endpoint: string
}

export interface ObjectImpact {
  object: string
  status: ImpactStatus
  before: EndpointCount
  after: EndpointCount
  lost: LostEndpoint[]
  /** Every active endpoint left is on one node / one network, and was not before the cut (redundancy gone). */
  singleNode: boolean
  singleNetwork: boolean
  /** It had no active endpoint before the cut either: not the cut's doing. */
  alreadyDown: boolean
}

export interface RaftImpact {
  object: string
  members: string[]
  /** Pairs that can still talk (both ends up on a shared network), as [a, b]. */
  reachablePairs: Array<[string, string]>
  majority: number
  /** The largest group of members that can all talk. */
  largestGroup: string[]
  quorum: boolean
  quorumBefore: boolean
}

export interface ImpactResult {
  cuts: Array<Cut & {text: string}>
  verdict: ImpactVerdict
  exitCode: number
  /** Every object in scope (the table shows only those affected). */
  objects: ObjectImpact[]
  registry: {status: ImpactStatus | 'unknown'} & Partial<Omit<ObjectImpact, 'object' | 'status'>>
  raft: RaftImpact[]
  summary: {objects: number; degraded: number; down: number; lostRedundancy: number}
}

/** Nodes named by leftOnText before "+N more". */
const SHOWN_LEFT = 3

/** What still serves an object, for a table cell: `a4 (y), a5 (x+y), a6 (x), +3 more`; "nothing" when down. */
export function leftOnText(c: EndpointCount, shown = SHOWN_LEFT): string {
  if (c.byNode.length === 0) return 'nothing'
  const named = c.byNode.slice(0, shown).map((n) => `${n.node} (${n.networks.map((w) => (w === NO_NETWORK ? 'no network' : w)).join('+')})`)
  return named.join(', ') + (c.byNode.length > shown ? `, +${c.byNode.length - shown} more` : '')
}

export function cutText(cut: Cut): string {
  switch (cut.kind) {
    case 'network': return cut.network
    case 'interface': return `${cut.node}:${cut.network}`
    case 'node': return cut.node
    case 'ip': return `${cut.node}@${cut.ip}`
    case 'endpoint': return `${cut.node}@${hostPort(cut.ip, cut.port)}`
    case 'link': return `${cut.from}->${cut.node}@${cut.ip}`
  }
}

/**
 * `--cut` specs: a network (`x`), a node's interface (`n3:y`), or a node (`n3`). A name that is both a
 * network and a node is the network. Every unknown name is named in one error line (exit 3).
 */
export function parseCuts(specs: readonly string[], view: Pick<ClusterView, 'networks' | 'nodes'>): Cut[] {
  const networks = new Set(view.networks.list.map((n) => n.name))
  const cuts: Cut[] = []
  const bad: string[] = []
  for (const raw of specs) {
    const spec = raw.trim()
    if (networks.has(spec)) cuts.push({kind: 'network', network: spec})
    else if (view.nodes.has(spec)) cuts.push({kind: 'node', node: spec})
    else {
      const colon = spec.lastIndexOf(':')
      const node = colon > 0 ? spec.slice(0, colon) : ''
      const network = colon > 0 ? spec.slice(colon + 1) : ''
      if (colon > 0 && view.nodes.has(node) && networks.has(network)) cuts.push({kind: 'interface', node, network})
      else if (colon > 0 && (view.nodes.has(node) || networks.has(network))) {
        bad.push(view.nodes.has(node) ? `'${clip(spec, 60)}' (no network ${clip(network, 40)})` : `'${clip(spec, 60)}' (no node ${clip(node, 60)})`)
      } else bad.push(`'${clip(spec, 60)}' (no network or node of that name)`)
    }
  }
  if (bad.length > 0) {
    throw new UserError(
      `unknown --cut ${bad.length === 1 ? 'name' : 'names'}: ${bad.join(', ')}; the networks are ${[...networks].join(', ') || NOTHING}, nodes are t_node_info names, a node's interface is NODE:NETWORK`,
      {code: 'unknown_cut', exitCode: EXIT.unknown},
    )
  }
  return dedupe(cuts)
}

function malformed(flag: string, file: string, what: string): UserError {
  return new UserError(`${flag} ${file}: ${what}; give the file \`tarsnet ${flag === '--from-probe' ? 'probe' : 'mesh'} --json\` wrote`, {code: 'invalid_input', exitCode: EXIT.unknown})
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The cuts of a saved `probe --json` result: every active link found down. A node-matrix probe names a
 * node's IP (that IP is cut); an object's probe names its endpoints (that endpoint is cut).
 */
export function cutsFromProbe(json: unknown, file: string): Cut[] {
  if (!isObject(json) || !Array.isArray(json.results)) throw malformed('--from-probe', file, isObject(json) && 'error' in json ? 'holds a probe that failed (an "error"), not its results' : 'not a probe result (no "results" list)')
  const perEndpoint = typeof json.object === 'string'
  const cuts: Cut[] = []
  json.results.forEach((r: unknown, i: number) => {
    if (!isObject(r) || typeof r.node !== 'string' || typeof r.host !== 'string' || typeof r.status !== 'string' || (perEndpoint && typeof r.port !== 'number')) {
      throw malformed('--from-probe', file, `result ${i + 1} is not a probe result (node, host, port, status)`)
    }
    if (r.status === 'up' || r.status === 'lossy' || r.active === false) return // a lossy link connects: not cut
    const ip = normalizeIp(r.host) ?? r.host
    cuts.push(perEndpoint ? {kind: 'endpoint', node: r.node.trim(), ip, port: r.port as number} : {kind: 'ip', node: r.node.trim(), ip})
  })
  return dedupe(cuts)
}

/**
 * The cuts of a saved `mesh --json` result. Clients are the other nodes: an IP that no node reached
 * (every link measured to it is down) is cut for everyone; a link down while other nodes reach that IP
 * is cut between that pair only (it matters to raft pairs, not to clients elsewhere).
 */
export function cutsFromMesh(json: unknown, file: string): Cut[] {
  if (!isObject(json) || !Array.isArray(json.links)) throw malformed('--from-mesh', file, isObject(json) && 'error' in json ? 'holds a mesh run that failed (an "error"), not its links' : 'not a mesh result (no "links" list)')
  const byTarget = new Map<string, {node: string; ip: string; up: boolean; down: string[]}>()
  json.links.forEach((l: unknown, i: number) => {
    if (!isObject(l) || typeof l.from !== 'string' || typeof l.to !== 'string' || typeof l.host !== 'string' || typeof l.status !== 'string') {
      throw malformed('--from-mesh', file, `link ${i + 1} is not a mesh link (from, to, host, status)`)
    }
    const node = l.to.trim()
    const ip = normalizeIp(l.host) ?? l.host
    const key = `${node}\u0000${ip}`
    let t = byTarget.get(key)
    if (!t) byTarget.set(key, (t = {node, ip, up: false, down: []}))
    if (l.status === 'up' || l.status === 'lossy') t.up = true
    else t.down.push(l.from.trim())
  })
  const cuts: Cut[] = []
  for (const t of byTarget.values()) {
    if (t.down.length === 0) continue
    if (!t.up) cuts.push({kind: 'ip', node: t.node, ip: t.ip})
    else for (const from of t.down) cuts.push({kind: 'link', from, node: t.node, ip: t.ip})
  }
  return dedupe(cuts)
}

function dedupe(cuts: Cut[]): Cut[] {
  const seen = new Set<string>()
  return cuts.filter((c) => {
    const key = `${c.kind}\u0000${cutText(c)}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Cuts as one predicate on an endpoint: is it gone? (Keys are only built for the kinds of cut there are.) */
function cutPredicate(cuts: readonly Cut[]): (ep: ResolvedEndpoint) => boolean {
  const networks = new Set<string>()
  const nodes = new Set<string>()
  const interfaces = new Set<string>()
  const ips = new Set<string>()
  const endpoints = new Set<string>()
  for (const c of cuts) {
    if (c.kind === 'network') networks.add(c.network)
    else if (c.kind === 'node') nodes.add(c.node)
    else if (c.kind === 'interface') interfaces.add(`${c.node}\u0000${c.network}`)
    else if (c.kind === 'ip') ips.add(`${c.node}\u0000${c.ip}`)
    else if (c.kind === 'endpoint') endpoints.add(`${c.node}\u0000${c.ip}\u0000${c.port}`)
  }
  return (ep) =>
    nodes.has(ep.node)
    || (ep.network !== null && (networks.has(ep.network) || (interfaces.size > 0 && interfaces.has(`${ep.node}\u0000${ep.network}`))))
    || (ips.size > 0 && ips.has(`${ep.node}\u0000${ep.host}`))
    || (endpoints.size > 0 && endpoints.has(`${ep.node}\u0000${ep.host}\u0000${ep.port}`))
}

function count(eps: readonly ResolvedEndpoint[]): EndpointCount {
  const nets = new Set<string>()
  const perNode = new Map<string, Set<string>>()
  for (const e of eps) {
    const net = e.network ?? NO_NETWORK
    nets.add(net)
    let set = perNode.get(e.node)
    if (!set) perNode.set(e.node, (set = new Set()))
    set.add(net)
  }
  const byNode = [...perNode].sort(([a], [b]) => naturalCompare(a, b)).map(([node, n]) => ({node, networks: [...n].sort(naturalCompare)}))
  return {activeEndpoints: eps.length, nodes: perNode.size, networks: [...nets].sort(naturalCompare), byNode}
}

function objectImpact(object: string, active: readonly ResolvedEndpoint[], gone: (ep: ResolvedEndpoint) => boolean): ObjectImpact {
  const left = active.filter((e) => !gone(e))
  const lost = active.filter(gone)
  const before = count(active)
  const after = count(left)
  const status: ImpactStatus = left.length === 0 ? 'down' : lost.length > 0 ? 'degraded' : 'ok'
  return {
    object, status, before, after,
    lost: lost.map((e) => ({node: e.node, network: e.network, endpoint: e.endpoint})),
    singleNode: after.nodes === 1 && before.nodes > 1,
    singleNetwork: after.networks.length === 1 && before.networks.length > 1,
    alreadyDown: active.length === 0,
  }
}

/** The object's nodes as a raft group: who can talk over the networks of their active endpoints, before and after. */
function raftImpact(object: string, all: readonly ResolvedEndpoint[], gone: (ep: ResolvedEndpoint) => boolean, cutLinks: ReadonlySet<string>): RaftImpact {
  const members = [...new Set(all.map((e) => e.node))].sort(naturalCompare)
  const netsOf = (pred: (ep: ResolvedEndpoint) => boolean) => {
    const m = new Map<string, Set<string>>(members.map((n) => [n, new Set<string>()]))
    for (const e of all) if (e.active && e.network !== null && pred(e)) m.get(e.node)!.add(e.network)
    return m
  }
  const had = netsOf(() => true)
  const live = netsOf((e) => !gone(e))
  // Links as the mesh would measure them: a to b on every network either had; up when both ends are up there.
  const links = (up: Map<string, Set<string>>): MeshLink[] => {
    const out: MeshLink[] = []
    for (const a of members) for (const b of members) {
      if (a === b) continue
      for (const net of new Set([...had.get(a)!, ...had.get(b)!])) {
        const ok = up.get(a)!.has(net) && up.get(b)!.has(net) && (up === had || !cutLinks.has(`${a}\u0000${b}\u0000${net}`))
        out.push({from: a, to: b, network: net, host: '', port: 0, status: ok ? 'up' : 'unreachable', latencyMs: null, error: null})
      }
    }
    return out
  }
  const before = raftView(members, links(had), {down: new Set(members.filter((m) => had.get(m)!.size === 0))})
  // A member the cut left with no live network is down: in no group, whatever the others can do.
  const after = raftView(members, links(live), {down: new Set(members.filter((m) => live.get(m)!.size === 0))})
  return {
    object, members,
    reachablePairs: after.pairs.filter((p) => p.talk === true).map((p): [string, string] => [p.a, p.b]),
    majority: after.majority,
    largestGroup: after.largestGroup,
    quorum: after.quorum,
    quorumBefore: before.quorum,
  }
}

export interface ImpactOptions {
  /** Object name globs (any matches); all objects when empty. */
  objects?: string[]
  /** Objects to judge as raft groups (each must exist). */
  raft?: string[]
}

export function runImpact(view: ClusterView, cuts: readonly Cut[], options: ImpactOptions = {}): ImpactResult {
  const gone = cutPredicate(cuts)
  const known = new Set(view.objects)
  const unknownRaft = (options.raft ?? []).filter((o) => !known.has(o))
  if (unknownRaft.length > 0) {
    throw new UserError(`unknown --raft object${unknownRaft.length === 1 ? '' : 's'}: ${unknownRaft.map((o) => `'${clip(o, 80)}'`).join(', ')}: no adapter or registry servant has that name`, {code: 'unknown_object', exitCode: EXIT.unknown})
  }
  const globs = (options.objects ?? []).map(matcher)
  const inScope = globs.length === 0 ? view.objects : view.objects.filter((o) => globs.some((m) => m(o)))
  const objects = inScope.map((o) => objectImpact(o, view.resolved(o).active, gone))

  let registry: ImpactResult['registry'] = {status: 'unknown'}
  if (known.has(REGISTRY_OBJECT)) {
    const {object: _o, ...rest} = objectImpact(REGISTRY_OBJECT, view.resolved(REGISTRY_OBJECT).active, gone)
    if (!rest.alreadyDown) registry = rest
  }
  // Pair cuts (from mesh) by network: a → b on the network of b's IP.
  const cutLinks = new Set<string>()
  for (const c of cuts) {
    if (c.kind !== 'link') continue
    const net = view.networks.classify(c.ip)
    if (net !== null) cutLinks.add(`${c.from}\u0000${c.node}\u0000${net}`)
  }
  const raft = [...new Set(options.raft ?? [])].map((o) => {
    const r = view.resolved(o)
    return raftImpact(o, [...r.active, ...r.inactive], gone, cutLinks)
  })

  const affected = objects.filter((o) => !o.alreadyDown)
  const down = affected.filter((o) => o.status === 'down').length
  const degraded = affected.filter((o) => o.status === 'degraded').length
  // As an object already down, a group with no quorum before the cut is listed, not counted: the cut did not do it.
  const outage = down > 0 || registry.status === 'down' || raft.some((r) => !r.quorum && r.quorumBefore)
  const verdict: ImpactVerdict = outage ? 'outage' : degraded > 0 || registry.status === 'degraded' ? 'degraded' : 'ok'
  return {
    cuts: cuts.map((c) => ({...c, text: cutText(c)})),
    verdict,
    exitCode: verdict === 'outage' ? 2 : verdict === 'degraded' ? 1 : 0,
    objects,
    registry,
    raft,
    summary: {objects: objects.length, degraded, down, lostRedundancy: affected.filter((o) => o.singleNode || o.singleNetwork).length},
  }
}
