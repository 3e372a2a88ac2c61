/**
 * The node-to-node mesh, analysed (pure): from measured links (every node probing every other node's
 * IPs on each network) to per-pair verdicts, the fewest culprits that explain the failed links, a
 * summary and the overall verdict. Used by `tarsnet mesh` and meant for `impact --from-mesh` and the
 * exporter: links in, {pairs, culprits, summary, verdict} out.
 *
 * Culprits (docs/design.md §8, after Pingmesh and NetNORAD): a whole network (every link on it fails), a node
 * cut off (no peer reaches it on any network), a node's side of a network (no peer reaches it on x),
 * a node that cannot reach out on a network (its row fails, its column works), one link (a pair fails
 * on x). Each candidate explains a set of failed cells (from → to on a network); a greedy set cover
 * picks the fewest, preferring the more specific explanation on a tie.
 */
import {lossPercent, lossRatio, slowLinks, type LatencyStats, type WithSampleLatencies} from './link-samples.js'
import {naturalCompare} from './text.js'
import {NO_NETWORK} from './names.js'

/** `lossy`: measured several times, some samples connected and some did not (a gray failure). */
export type MeshLinkStatus = 'up' | 'lossy' | 'refused' | 'timeout' | 'unreachable' | 'error'

/** One measured link: `from` connected (or failed to) to `to`'s IP `host` on `network`. */
export interface MeshLink extends WithSampleLatencies {
  from: string
  to: string
  /** The named network of `host`; null for an IP in no named network. */
  network: string | null
  host: string
  port: number
  status: MeshLinkStatus
  /** The p50 of the samples that connected. */
  latencyMs: number | null
  error: string | null
  /** Samples taken (absent: 1), those that did not connect, lost / samples, latency over those that did. */
  samples?: number
  lost?: number
  loss?: number
  latency?: LatencyStats | null
  /** Its p50 ≥ 5× its network's median and ≥ 20 ms (set by analyzeMesh). */
  slow?: boolean
}

export type PairVerdict = 'ok' | 'degraded' | 'cut' | 'unknown'

export interface MeshPair {
  a: string
  b: string
  /** Networks on which every measured link between a and b (both ways) is up. */
  up: string[]
  /** Networks on which some link between them fails. */
  down: string[]
  /** ok: up on every network both have; degraded: some; cut: none; unknown: nothing measured. */
  verdict: PairVerdict
  /** Networks planned between them that nobody could measure (both ends unreachable over SSH). */
  unmeasured: string[]
}

export type CulpritKind = 'network' | 'node' | 'node-network' | 'node-outbound' | 'link'

export interface Culprit {
  kind: CulpritKind
  node?: string
  network?: string
  nodes?: string[]
  message: string
  /** How many failed links this culprit explains (for an intermittent one: lossy links). */
  failedLinks: number
  /** A gray failure: links that connect, but lose some samples. */
  intermittent?: true
  /** For an intermittent culprit: the share of samples lost over the links it explains, 0–1. */
  loss?: number
}

/** A link whose p50 is far above its network's median (core/link-samples.ts). */
export interface SlowMeshLink {
  from: string
  to: string
  network: string
  host: string
  p50: number
  networkMedian: number
}

export type MeshVerdict = 'ok' | 'degraded' | 'outage'

export interface MeshSummary {
  /** Per network: links up (lossy ones too: they connect) out of links measured; lossy: how many lost samples. */
  networks: Record<string, {up: number; total: number; lossy?: number}>
  pairs: Record<PairVerdict, number>
  failedLinks: number
  /** Links that connected on some samples and not on others (analyzeMesh always sets it). */
  lossyLinks?: number
  /** Nodes that could not be measured from (SSH failed), as given. */
  unreachableSources: string[]
}

export interface MeshAnalysis {
  pairs: MeshPair[]
  culprits: Culprit[]
  /** Slow links: said, not counted in the verdict. */
  slow: SlowMeshLink[]
  summary: MeshSummary
  verdict: MeshVerdict
}

export interface MeshContext {
  /** Network order for the summary (default: the order links name them). */
  networks?: Array<string | null>
  /** Links that were planned but not measured (their source could not be reached). */
  unmeasured?: ReadonlyArray<{from: string; to: string; network: string | null}>
  /** Nodes whose own probes could not run (SSH unreachable, or no tool there). */
  unreachableSources?: readonly string[]
}

/** The name used for "no named network" in keys and messages. */
export {NO_NETWORK} from './names.js'
const netName = (n: string | null): string => n ?? NO_NETWORK

/** One directed cell of a network's matrix: every link from → to on that network, aggregated. */
interface Cell {
  from: string
  to: string
  network: string
  up: boolean
  /** Every failed link of the cell was refused (the path works; nothing listens). */
  refusedOnly: boolean
  links: number
  failed: number
  /** Some link of the cell connected on some samples only. */
  lossy: boolean
  /** Samples over the cell's links, and those lost. */
  samples: number
  lost: number
}

interface Candidate {
  kind: CulpritKind
  node?: string
  network?: string
  nodes?: string[]
  cells: Cell[]
  /** Lower wins a tie: the more specific explanation. */
  rank: number
  build: () => string
}

const RANK: Record<CulpritKind, number> = {'network': 0, 'node-network': 1, 'node': 2, 'node-outbound': 3, 'link': 4}

function pairKey(a: string, b: string): [string, string] {
  return naturalCompare(a, b) <= 0 ? [a, b] : [b, a]
}

/** Analyses measured links: pairs, culprits, summary, verdict. Never throws on odd input. */
export function analyzeMesh(links: readonly MeshLink[], context: MeshContext = {}): MeshAnalysis {
  // ---- cells -------------------------------------------------------------------------------------
  const cells = new Map<string, Cell>()
  const netOrder: string[] = (context.networks ?? []).map(netName)
  const seenNet = new Set(netOrder)
  const summaryNets: MeshSummary['networks'] = {}
  for (const n of netOrder) summaryNets[n] = {up: 0, total: 0}
  for (const l of links) {
    if (l.from === l.to) continue
    const network = netName(l.network)
    if (!seenNet.has(network)) {
      seenNet.add(network)
      netOrder.push(network)
    }
    summaryNets[network] ??= {up: 0, total: 0}
    summaryNets[network].total++
    // A lossy link connects: up for the hard analysis, a gray failure for the one below.
    if (l.status === 'up' || l.status === 'lossy') summaryNets[network].up++
    if (l.status === 'lossy') summaryNets[network].lossy = (summaryNets[network].lossy ?? 0) + 1
    const key = `${l.from}\u0000${l.to}\u0000${network}`
    let cell = cells.get(key)
    if (!cell) cells.set(key, (cell = {from: l.from, to: l.to, network, up: true, refusedOnly: true, links: 0, failed: 0, lossy: false, samples: 0, lost: 0}))
    cell.links++
    cell.samples += l.samples ?? 1
    cell.lost += l.lost ?? (l.status === 'up' ? 0 : 1)
    if (l.status === 'lossy') cell.lossy = true
    if (l.status !== 'up' && l.status !== 'lossy') {
      cell.up = false
      cell.failed++
      if (l.status !== 'refused') cell.refusedOnly = false
    }
  }
  const all = [...cells.values()]
  const failed = all.filter((c) => !c.up)

  const column = new Map<string, Cell[]>() // to × network
  const row = new Map<string, Cell[]>() // from × network
  const byNetwork = new Map<string, Cell[]>()
  const networksOf = new Map<string, Set<string>>() // node → networks it takes part in
  const nodesOn = new Map<string, Set<string>>() // network → nodes
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k)
    if (list) list.push(v)
    else m.set(k, [v])
  }
  const add = <K, V>(m: Map<K, Set<V>>, k: K, v: V) => {
    const set = m.get(k)
    if (set) set.add(v)
    else m.set(k, new Set([v]))
  }
  for (const c of all) {
    push(column, `${c.to}\u0000${c.network}`, c)
    push(row, `${c.from}\u0000${c.network}`, c)
    push(byNetwork, c.network, c)
    for (const n of [c.from, c.to]) {
      add(networksOf, n, c.network)
      add(nodesOn, c.network, n)
    }
  }
  const unreachable = new Set(context.unreachableSources ?? [])
  for (const u of context.unmeasured ?? []) {
    add(networksOf, u.from, netName(u.network))
    add(networksOf, u.to, netName(u.network))
  }

  // ---- candidates --------------------------------------------------------------------------------
  const candidates: Candidate[] = []
  const allDown = (cs: Cell[] | undefined): cs is Cell[] => cs !== undefined && cs.length > 0 && cs.every((c) => !c.up)
  const distinct = (cs: Cell[], side: 'from' | 'to') => new Set(cs.map((c) => c[side])).size
  const colOf = (node: string, network: string) => column.get(`${node}\u0000${network}`) ?? []
  const rowOf = (node: string, network: string) => row.get(`${node}\u0000${network}`) ?? []

  for (const [network, cs] of byNetwork) {
    // With two nodes a dead network looks exactly like one dead link: say link. Refusals everywhere
    // are not a dead network (the path answers; nothing listens): the nodes explain them.
    if ((nodesOn.get(network)?.size ?? 0) >= 3 && allDown(cs) && !cs.every((c) => c.refusedOnly)) {
      candidates.push({kind: 'network', network, cells: cs, rank: RANK.network, build: () =>
        `network ${network} is down: all ${cs.reduce((n, c) => n + c.links, 0)} links on it fail between ${nodesOn.get(network)!.size} nodes (a switch, or the network itself)`})
    }
  }

  const nodes = [...networksOf.keys()].sort(naturalCompare)
  for (const node of nodes) {
    const nets = [...(networksOf.get(node) ?? [])].filter((n) => byNetwork.has(n))
    const colAll = nets.flatMap((n) => colOf(node, n))
    // A node cut off: no peer reaches it on any network it has (at least two peers tried).
    if (allDown(colAll) && distinct(colAll, 'from') >= 2) {
      // Its own probes failing too (a dead host, dead NICs) are its doing, except refusals: those are the targets'.
      const rowDown = nets.flatMap((n) => (allDown(rowOf(node, n)) ? rowOf(node, n).filter((c) => !c.refusedOnly) : []))
      const cover = [...colAll, ...rowDown]
      candidates.push({kind: 'node', node, cells: cover, rank: RANK.node, build: () => {
        const refused = colAll.every((c) => c.refusedOnly)
        const peers = distinct(colAll, 'from')
        if (refused) return `${node}: nothing answers on its ports from any of ${peers} peers (refused on every network: ${nets.join(', ')}): its servants are down, not the network`
        const ssh = unreachable.has(node) ? '; SSH does not answer on any of its IPs either: the host may be down' : ''
        return `${node} is cut off: none of ${peers} peers reaches it on any network (${nets.join(', ')})${ssh}`
      }})
    }
    for (const network of nets) {
      const col = colOf(node, network)
      const rw = rowOf(node, network)
      // Its side of a network: no peer reaches it there (a NIC, a cable, a switch port). A node with a
      // single network is then simply cut off (above).
      if (nets.length >= 2 && allDown(col) && distinct(col, 'from') >= 2) {
        const rowDown = allDown(rw) && !rw.every((c) => c.refusedOnly)
        const cover = rowDown ? [...col, ...rw.filter((c) => !c.refusedOnly)] : col
        candidates.push({kind: 'node-network', node, network, cells: cover, rank: RANK['node-network'], build: () => {
          const others = nets.filter((n) => n !== network && [...colOf(node, n), ...rowOf(node, n)].some((c) => c.up))
          const refused = col.every((c) => c.refusedOnly)
          const what = refused ? `every peer is refused on its ${network} IP (nothing listens there)` : `no peer reaches it on ${network} (${distinct(col, 'from')} peers tried)`
          return `${node}'s side of network ${network}: ${what}${rowDown ? `, and it reaches no peer on ${network}` : ''}${others.length > 0 ? `; ${others.join(', ')} works` : ''} (its NIC, cable or switch port on ${network})`
        }})
      }
      // It cannot reach out on a network: its row fails while peers reach it there.
      if (allDown(rw) && !rw.every((c) => c.refusedOnly) && distinct(rw, 'to') >= 2 && col.some((c) => c.up)) {
        candidates.push({kind: 'node-outbound', node, network, cells: rw, rank: RANK['node-outbound'], build: () =>
          `${node} cannot reach out on network ${network}: it reaches none of ${distinct(rw, 'to')} peers there, while peers reach it on ${network} (its outbound firewall or routes)`})
      }
    }
  }

  const linkCells = new Map<string, Cell[]>()
  for (const c of failed) {
    const [a, b] = pairKey(c.from, c.to)
    push(linkCells, `${a}\u0000${b}\u0000${c.network}`, c)
  }
  for (const [key, cs] of linkCells) {
    const [a, b, network] = key.split('\u0000')
    candidates.push({kind: 'link', nodes: [a, b], network, cells: cs, rank: RANK.link, build: () => {
      const back = cells.get(`${cs[0].to}\u0000${cs[0].from}\u0000${network}`)
      const oneWay = cs.length === 1 ? (back?.up ? ` (${cs[0].to} → ${cs[0].from} works)` : back ? '' : ' (the other way was not measured)') : ''
      const refused = cs.every((c) => c.refusedOnly) ? ', refused (nothing listens there, or a REJECT rule)' : ''
      const failing = (cs.length === 1 ? `${cs[0].from} → ${cs[0].to} fails` : 'fails both ways') + refused
      const fine = [a, b].every((n) => [...(networksOf.get(n) ?? [])].some((net) => net !== network && [...colOf(n, net), ...rowOf(n, net)].some((x) => x.up)))
      return `link ${a} ↔ ${b} on ${network}: ${failing}${oneWay}${fine ? ', while both ends work elsewhere' : ''} (an ACL, a route, a firewall between them)`
    }})
  }

  // ---- greedy cover: the fewest culprits explaining every failed cell ------------------------------
  const uncovered = new Set(failed)
  const chosen: Array<{candidate: Candidate; explained: number; cells: Cell[]}> = []
  while (uncovered.size > 0) {
    let best: Candidate | null = null
    let bestCount = 0
    for (const cand of candidates) {
      let count = 0
      for (const c of cand.cells) if (uncovered.has(c)) count++
      if (count > bestCount || (count === bestCount && count > 0 && best !== null && cand.rank < best.rank)) {
        best = cand
        bestCount = count
      }
    }
    if (best === null || bestCount === 0) break // cannot happen: every failed cell has its link candidate
    let explained = 0
    const took: Cell[] = []
    for (const c of best.cells) {
      if (uncovered.delete(c)) {
        explained += c.failed
        took.push(c)
      }
    }
    chosen.push({candidate: best, explained, cells: took})
  }

  // Links that fail on their own but not refused: with few samples a lossy NIC looks like this (a pair that
  // failed every sample). The gray analysis may explain them as one node's side failing at random.
  const randomFailures = new Set(chosen.filter((x) => x.candidate.kind === 'link').flatMap((x) => x.cells.filter((c) => !c.refusedOnly)))
  const gray = grayCulprits(all, nodesOn, networksOf, randomFailures)
  const kept = chosen.flatMap((x) => {
    if (x.candidate.kind !== 'link') return [x]
    const left = x.cells.filter((c) => !gray.absorbed.has(c))
    return left.length === 0 ? [] : [{...x, explained: left.reduce((n, c) => n + c.failed, 0)}]
  })
  const hard: Culprit[] = kept
    .sort((x, y) => x.candidate.rank - y.candidate.rank || naturalCompare(x.candidate.node ?? x.candidate.nodes?.join(' ') ?? '', y.candidate.node ?? y.candidate.nodes?.join(' ') ?? '') || naturalCompare(x.candidate.network ?? '', y.candidate.network ?? ''))
    .map(({candidate: c, explained}): Culprit => ({
      kind: c.kind,
      ...(c.node !== undefined ? {node: c.node} : {}),
      ...(c.network !== undefined ? {network: c.network} : {}),
      ...(c.nodes !== undefined ? {nodes: c.nodes} : {}),
      message: c.build(),
      failedLinks: explained,
    }))

  const culprits = [...hard, ...gray.culprits]

  // ---- pairs ---------------------------------------------------------------------------------------
  const pairNets = new Map<string, Map<string, {measured: Cell[]}>>()
  const notePair = (from: string, to: string, network: string, cell: Cell | null) => {
    if (from === to) return
    const [a, b] = pairKey(from, to)
    const key = `${a}\u0000${b}`
    let nets = pairNets.get(key)
    if (!nets) pairNets.set(key, (nets = new Map()))
    let entry = nets.get(network)
    if (!entry) nets.set(network, (entry = {measured: []}))
    if (cell) entry.measured.push(cell)
  }
  for (const c of all) notePair(c.from, c.to, c.network, c)
  for (const u of context.unmeasured ?? []) notePair(u.from, u.to, netName(u.network), null)
  const order = (n: string) => {
    const i = netOrder.indexOf(n)
    return i < 0 ? netOrder.length : i
  }
  const pairs: MeshPair[] = [...pairNets.entries()].map(([key, nets]) => {
    const [a, b] = key.split('\u0000')
    const up: string[] = []
    const down: string[] = []
    const unmeasured: string[] = []
    for (const [network, {measured}] of [...nets.entries()].sort((x, y) => order(x[0]) - order(y[0]))) {
      if (measured.length === 0) unmeasured.push(network)
      else if (measured.every((c) => c.up)) up.push(network)
      else down.push(network)
    }
    const verdict: PairVerdict = up.length + down.length === 0 ? 'unknown' : down.length === 0 ? 'ok' : up.length === 0 ? 'cut' : 'degraded'
    return {a, b, up, down, verdict, unmeasured}
  }).sort((x, y) => naturalCompare(x.a, y.a) || naturalCompare(x.b, y.b))

  // ---- summary and verdict -------------------------------------------------------------------------
  const counts: MeshSummary['pairs'] = {ok: 0, degraded: 0, cut: 0, unknown: 0}
  for (const p of pairs) counts[p.verdict]++
  const failedLinks = links.filter((l) => l.from !== l.to && l.status !== 'up' && l.status !== 'lossy').length
  const lossyLinks = links.filter((l) => l.from !== l.to && l.status === 'lossy').length
  const summary: MeshSummary = {networks: summaryNets, pairs: counts, failedLinks, lossyLinks, unreachableSources: [...unreachable].sort(naturalCompare)}
  const verdict: MeshVerdict = counts.cut > 0 || culprits.some((c) => c.kind === 'node')
    ? 'outage'
    : failedLinks > 0 || lossyLinks > 0 || counts.unknown > 0 || unreachable.size > 0 ? 'degraded' : 'ok'

  // Slow links: p50 far above the network's median; marked on the link, listed, verdict unchanged.
  const slowOnes = slowLinks(links.filter((l) => l.from !== l.to && (l.status === 'up' || l.status === 'lossy')), (l) => netName(l.network), (l) => l.latency?.p50 ?? l.latencyMs)
  const slow: SlowMeshLink[] = slowOnes.map((x) => {
    x.link.slow = true
    return {from: x.link.from, to: x.link.to, network: netName(x.link.network), host: x.link.host, p50: x.p50, networkMedian: x.networkMedian}
  })
  return {pairs, culprits, slow, summary, verdict}
}

/** A lossy network: at least this share of its cells lossy (and at least 3 nodes on it). */
const LOSSY_NETWORK_SHARE = 0.5
/** A node's side of a network is intermittent when at least this share of its cells there are lossy… */
const LOSSY_NODE_SHARE = 0.5
/** …with at least this many distinct peers. */
const LOSSY_NODE_PEERS = 2
/** Links of a node failing at random (not lossy, failed outright) make its side only with this many peers. */
const RANDOM_NODE_PEERS = 3
/** Intermittent sides of at least this many nodes, and a third of a network's nodes, are the network. */
const NETWORK_SIDES = 3

/**
 * Gray failures (DESIGN §10): lossy cells explained by the fewest causes. A network lossy on most of its
 * cells is the network; then, greedily, a node whose cells on a network are lossy across many peers is
 * that node's side of the network (its NIC, cable or switch port), intermittent, with the share of
 * samples lost over all its links there; a lossy cell left over is its link, named alone.
 */
function grayCulprits(all: readonly Cell[], nodesOn: Map<string, Set<string>>, networksOf: Map<string, Set<string>>, randomFailures: ReadonlySet<Cell>): {culprits: Culprit[]; absorbed: Set<Cell>} {
  const lossy = all.filter((c) => c.lossy)
  const absorbed = new Set<Cell>()
  if (lossy.length === 0 && randomFailures.size === 0) return {culprits: [], absorbed}
  const out: Culprit[] = []
  const ratio = (cs: readonly Cell[]) => lossRatio(cs.reduce((n, c) => n + c.lost, 0), cs.reduce((n, c) => n + c.samples, 0))
  const uncovered = new Set([...lossy, ...randomFailures])
  const byNet = new Map<string, Cell[]>()
  for (const c of all) byNet.set(c.network, [...(byNet.get(c.network) ?? []), c])
  for (const [network, cs] of byNet) {
    const l = cs.filter((c) => c.lossy)
    if ((nodesOn.get(network)?.size ?? 0) < 3 || l.length < LOSSY_NETWORK_SHARE * cs.length) continue
    const loss = ratio(cs.filter((c) => c.up))
    out.push({kind: 'network', network, intermittent: true, loss, failedLinks: l.reduce((n, c) => n + c.links, 0),
      message: `network ${network} loses ~${lossPercent(loss)} of packets on ${l.length} of its ${cs.length} links between ${nodesOn.get(network)!.size} nodes (intermittent: a switch, an uplink, or the network itself)`})
    for (const c of l) uncovered.delete(c)
  }
  // Per node × network, what reaches it (column) and its own connections out (row).
  const sides = new Map<string, {col: Cell[]; row: Cell[]}>()
  const sideOf = (node: string, network: string) => {
    const k = `${node}\u0000${network}`
    let x = sides.get(k)
    if (!x) sides.set(k, (x = {col: [], row: []}))
    return x
  }
  for (const c of all) {
    sideOf(c.to, c.network).col.push(c)
    sideOf(c.from, c.network).row.push(c)
  }
  // A direction counts when most of its connected cells are lossy, with at least two peers: loss on one
  // direction only (a NIC that drops what it sends, say) is that node's side as well.
  const lossyPart = (cs: Cell[], peer: (c: Cell) => string): Cell[] => {
    const hits = cs.filter((c) => uncovered.has(c) && !randomFailures.has(c))
    const connected = cs.filter((c) => c.up).length
    return new Set(hits.map(peer)).size >= LOSSY_NODE_PEERS && hits.length >= LOSSY_NODE_SHARE * connected ? hits : []
  }
  // A node's other networks clean: every cell there up and without loss (none measured counts as clean).
  const otherNetworksClean = (node: string, network: string) => [...(networksOf.get(node) ?? [])].every((n) => {
    const side = n === network ? undefined : sides.get(`${node}\u0000${n}`)
    return side === undefined || [...side.col, ...side.row].every((c) => c.up && !c.lossy)
  })
  for (;;) {
    let best: {node: string; network: string; col: Cell[]; row: Cell[]; hits: Cell[]} | null = null
    for (const [k, {col, row}] of sides) {
      const [node, network] = k.split('\u0000')
      let colHits = lossyPart(col, (c) => c.from)
      let rowHits = lossyPart(row, (c) => c.to)
      // Links failing at random across many peers (few samples: some failed them all) while its other
      // networks are clean: that node's side as well, every such link of it.
      const bad = [...col, ...row].filter((c) => uncovered.has(c))
      if (bad.some((c) => randomFailures.has(c)) && new Set(bad.map((c) => (c.from === node ? c.to : c.from))).size >= RANDOM_NODE_PEERS && otherNetworksClean(node, network)) {
        colHits = col.filter((c) => uncovered.has(c))
        rowHits = row.filter((c) => uncovered.has(c))
      } else if (colHits.length + rowHits.length > 0) {
        // Its side named for one direction explains its lossy links the other way too: none is named alone.
        colHits = col.filter((c) => uncovered.has(c) && !randomFailures.has(c))
        rowHits = row.filter((c) => uncovered.has(c) && !randomFailures.has(c))
      }
      const hits = [...colHits, ...rowHits]
      if (hits.length === 0) continue
      if (best === null || hits.length > best.hits.length || (hits.length === best.hits.length && naturalCompare(node, best.node) < 0)) {
        best = {node, network, col: colHits.length > 0 ? col : [], row: rowHits.length > 0 ? row : [], hits}
      }
    }
    if (best === null) break
    const {node, network, col, row, hits} = best
    // Its loss over its links there that connected or failed at random (not those a hard culprit explains).
    const loss = ratio([...col, ...row].filter((c) => c.up || randomFailures.has(c)))
    const failedHere = hits.filter((c) => !c.up).length
    const what = failedHere === 0 ? 'lossy' : failedHere === hits.length ? 'failed' : `lossy or failed (${failedHere} failed)`
    const peers = new Set(hits.map((c) => (c.from === node ? c.to : c.from))).size
    const way = col.length > 0 && row.length > 0 ? '' : col.length > 0 ? ' to it' : ' from it'
    const own = sides.get(`${node}\u0000${network}`)!
    const clean = [...(networksOf.get(node) ?? [])].filter((n) => n !== network && sides.has(`${node}\u0000${n}`) && [...sides.get(`${node}\u0000${n}`)!.col, ...sides.get(`${node}\u0000${n}`)!.row].every((c) => c.up && !c.lossy))
    out.push({kind: 'node-network', node, network, intermittent: true, loss, failedLinks: hits.reduce((n, c) => n + c.links, 0),
      message: `${node}'s side of network ${network} loses ~${lossPercent(loss)} of packets (intermittent: ${hits.length} of its ${own.col.length + own.row.length} links there ${what}${way}, with ${peers} peers${clean.length > 0 ? `; ${clean.join(', ')} clean` : ''}; its NIC, cable or switch port on ${network})`})
    for (const c of hits) {
      uncovered.delete(c)
      if (randomFailures.has(c)) absorbed.add(c)
    }
  }
  // Many nodes' sides of one network at once (random failures everywhere, as one sample per link shows a
  // lossy switch): not that many NICs, the network.
  const sidesOn = new Map<string, Culprit[]>()
  for (const c of out) if (c.kind === 'node-network') sidesOn.set(c.network!, [...(sidesOn.get(c.network!) ?? []), c])
  for (const [network, list] of sidesOn) {
    const nodes = nodesOn.get(network)?.size ?? 0
    if (list.length < NETWORK_SIDES || list.length * 3 < nodes) continue
    const cs = byNet.get(network) ?? []
    const bad = cs.filter((c) => c.lossy || randomFailures.has(c))
    for (const c of bad) {
      uncovered.delete(c)
      if (randomFailures.has(c)) absorbed.add(c)
    }
    const loss = ratio(cs.filter((c) => c.up || randomFailures.has(c)))
    out.splice(0, out.length, ...out.filter((c) => !list.includes(c)))
    out.push({kind: 'network', network, intermittent: true, loss, failedLinks: bad.reduce((n, c) => n + c.links, 0),
      message: `network ${network} loses ~${lossPercent(loss)} of packets: ${bad.length} of its ${cs.length} links lossy or failing at random, at ${list.length} of its ${nodes} nodes (intermittent: a switch, an uplink, or the network itself)`})
  }
  const pairs = new Map<string, Cell[]>()
  for (const c of uncovered) {
    if (randomFailures.has(c)) continue // stays its hard link culprit
    const [a, b] = pairKey(c.from, c.to)
    const k = `${a}\u0000${b}\u0000${c.network}`
    pairs.set(k, [...(pairs.get(k) ?? []), c])
  }
  for (const [k, cs] of [...pairs].sort((x, y) => naturalCompare(x[0], y[0]))) {
    const [a, b, network] = k.split('\u0000')
    const loss = ratio(cs)
    const way = cs.length === 1 ? `${cs[0].from} → ${cs[0].to}` : 'both ways'
    out.push({kind: 'link', nodes: [a, b], network, intermittent: true, loss, failedLinks: cs.reduce((n, c) => n + c.links, 0),
      message: `link ${a} ↔ ${b} on ${network} loses ~${lossPercent(loss)} of packets ${way} (intermittent; only this link: a flaky path or port between them)`})
  }
  return {culprits: out, absorbed}
}
