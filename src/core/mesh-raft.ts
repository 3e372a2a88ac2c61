/**
 * The raft view of one object's nodes (pure): which pairs can still talk (each side reaches the other's
 * endpoints on at least one network: Tars clients fail over per call, so the two directions may use
 * different networks), and whether a majority of the nodes can all talk to each other — the largest
 * group in which every pair talks (a clique), against floor(n/2)+1.
 */
import type {MeshLink} from './mesh-culprits.js'
import {NO_NETWORK} from './mesh-culprits.js'
import {naturalCompare} from './text.js'

export interface RaftPair {
  a: string
  b: string
  /** True: both ways work on some network; false: one way fails on every network; null: not measured. */
  talk: boolean | null
  /** Networks on which every measured link between them is up, both ways. */
  via: string[]
}

export interface RaftView {
  nodes: string[]
  /** floor(n/2)+1. */
  majority: number
  pairs: RaftPair[]
  /** The largest group of nodes that can all talk to each other (natural order). */
  largestGroup: string[]
  /** The largest group is a majority: the raft group can elect a leader and commit. */
  quorum: boolean
  /** False when the search for the largest group stopped at its budget (then a group found, maybe not the largest). */
  exact: boolean
}

/** Search steps allowed for the largest group: raft groups are small; a huge one gets a good answer, not a hang. */
const CLIQUE_BUDGET = 200_000

export interface RaftViewOptions {
  /** Nodes known to be down: counted in the majority, in no group (a node alone is a group of one only when up). */
  down?: ReadonlySet<string>
}

export function raftView(nodeNames: readonly string[], links: readonly MeshLink[], options: RaftViewOptions = {}): RaftView {
  const nodes = [...new Set(nodeNames)].sort(naturalCompare)
  // Per direction: null (not measured), else up on some network; and the networks up per direction.
  const dir = new Map<string, {anyUp: boolean; nets: Map<string, boolean>}>()
  for (const l of links) {
    const key = `${l.from}\u0000${l.to}`
    let d = dir.get(key)
    if (!d) dir.set(key, (d = {anyUp: false, nets: new Map()}))
    const net = l.network ?? NO_NETWORK
    const up = l.status === 'up' || l.status === 'lossy' // a lossy link still connects
    d.nets.set(net, (d.nets.get(net) ?? true) && up)
  }
  for (const d of dir.values()) d.anyUp = [...d.nets.values()].some(Boolean)

  const pairs: RaftPair[] = []
  const talks = new Map<string, Set<string>>(nodes.map((n) => [n, new Set<string>()]))
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]
      const b = nodes[j]
      const ab = dir.get(`${a}\u0000${b}`)
      const ba = dir.get(`${b}\u0000${a}`)
      const talk = !ab && !ba ? null : (ab ? ab.anyUp : true) && (ba ? ba.anyUp : true)
      const nets = new Set([...(ab?.nets.keys() ?? []), ...(ba?.nets.keys() ?? [])])
      const via = [...nets].filter((n) => (ab?.nets.get(n) ?? true) && (ba?.nets.get(n) ?? true))
      pairs.push({a, b, talk, via})
      if (talk) {
        talks.get(a)!.add(b)
        talks.get(b)!.add(a)
      }
    }
  }

  const down = options.down ?? new Set<string>()
  const {group, exact} = largestClique(nodes.filter((n) => !down.has(n)), talks)
  const majority = Math.floor(nodes.length / 2) + 1
  return {nodes, majority, pairs, largestGroup: group.sort(naturalCompare), quorum: nodes.length > 0 && group.length >= majority, exact}
}

/** Bron–Kerbosch with pivoting, bounded by CLIQUE_BUDGET steps. */
function largestClique(nodes: string[], adj: Map<string, Set<string>>): {group: string[]; exact: boolean} {
  let best: string[] = nodes.length > 0 ? [nodes[0]] : []
  let steps = 0
  let exact = true
  const expand = (r: string[], p: Set<string>, x: Set<string>): void => {
    if (++steps > CLIQUE_BUDGET) {
      exact = false
      return
    }
    if (p.size === 0 && x.size === 0) {
      if (r.length > best.length) best = [...r]
      return
    }
    if (r.length + p.size <= best.length) return
    let pivot = ''
    let pivotDegree = -1
    for (const u of [...p, ...x]) {
      let d = 0
      for (const v of p) if (adj.get(u)!.has(v)) d++
      if (d > pivotDegree) {
        pivot = u
        pivotDegree = d
      }
    }
    for (const v of [...p]) {
      if (adj.get(pivot)!.has(v)) continue
      const nv = adj.get(v)!
      expand([...r, v], new Set([...p].filter((w) => nv.has(w))), new Set([...x].filter((w) => nv.has(w))))
      if (!exact) return
      p.delete(v)
      x.add(v)
    }
  }
  expand([], new Set(nodes), new Set())
  return {group: best, exact}
}
