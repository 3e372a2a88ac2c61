/**
 * The mesh for people (pure): one node × node matrix per network with one-character cells (readable
 * at 60 nodes on a 200-column terminal: columns are numbered, rows carry number and name), a legend,
 * and lines for SSH, pairs, culprits, the raft view and the verdict. Long node lists are folded
 * ClusterShell-style (n[1-20]).
 */
import {NO_NETWORK} from '../core/mesh-culprits.js'
import {foldNodeSet} from '../core/nodeset.js'
import {naturalCompare} from '../core/text.js'
import type {MeshPlan} from './plan.js'
import type {MeshRoundResult, MeshSource} from './run.js'

export type Tone = 'up' | 'down' | 'dim' | 'warn'
export type Painter = (tone: Tone, text: string) => string

export interface Glyphs {
  up: string
  self: string
  both: string
  arrow: string
}
export const UNICODE: Glyphs = {up: '✔', self: '·', both: '↔', arrow: '→'}
export const ASCII: Glyphs = {up: '+', self: '.', both: '<->', arrow: '->'}

const LETTER: Record<string, string> = {timeout: 'T', refused: 'R', unreachable: 'U', error: 'E'}
const MAX_LABEL = 28

const netLabel = (n: string | null) => n ?? NO_NETWORK

export function legend(g: Glyphs, lossy = false): string {
  return `${g.up} up  ${lossy ? '1-9 lossy: ~10-90 % of samples lost  ' : ''}T timeout  R refused  U unreachable  E error  ! some of its IPs down  ? not measured (SSH failed)  - nothing to probe  ${g.self} itself`
}

/** A lossy cell's one character: the loss in tens of per cent, 1 (under 15 %) to 9. */
export function lossDigit(loss: number): string {
  return String(Math.min(9, Math.max(1, Math.round(loss * 10))))
}

function truncate(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/** Column numbers written downwards, one line per digit (1..N). */
function headerLines(count: number, indent: number): string[] {
  const width = String(count).length
  const lines: string[] = []
  for (let d = 0; d < width; d++) {
    let line = ' '.repeat(indent)
    for (let i = 1; i <= count; i++) {
      const s = String(i).padStart(width, ' ')
      line += `${s[d]} `
    }
    lines.push(line.trimEnd())
  }
  return lines
}

/** The matrices, one per network: rows are sources (from), columns targets (to). */
export function matrixLines(plan: MeshPlan, result: MeshRoundResult, glyphs: Glyphs, paint: Painter = (_t, s) => s): string[] {
  const nodes = plan.nodes
  const n = nodes.length
  const sourceOf = new Map(result.sources.map((s) => [s.node, s]))
  const width = String(n).length
  const labels = nodes.map((node, i) => `${String(i + 1).padStart(width)} ${truncate(node.name, MAX_LABEL)}`)
  const labelWidth = Math.max(...labels.map((l) => [...l].length), 'FROM \\ TO'.length)
  // Links per cell, and what each node has per network (for "-" cells).
  const cell = new Map<string, string[]>()
  const lossOf = new Map<string, number>()
  for (const l of result.links) {
    const k = `${l.from}\u0000${l.to}\u0000${netLabel(l.network)}`
    const list = cell.get(k)
    if (list) list.push(l.status)
    else cell.set(k, [l.status])
    if (l.status === 'lossy') lossOf.set(k, Math.max(lossOf.get(k) ?? 0, l.loss ?? 0))
  }
  const lines: string[] = []
  for (const col of plan.columns) {
    const net = netLabel(col)
    const counts = result.summary.networks[net]
    lines.push(`network ${net}${counts ? `  (${counts.up}/${counts.total} links up${counts.lossy ? `, ${counts.lossy} lossy` : ''})` : ''}`)
    const head = headerLines(n, labelWidth + 2)
    head[head.length - 1] = `${'FROM \\ TO'.padEnd(labelWidth + 2)}${head[head.length - 1].slice(labelWidth + 2)}`
    lines.push(...head.map((h) => paint('dim', h)))
    nodes.forEach((from, r) => {
      const hasNet = from.ips.some((i) => i.network === col)
      const src = sourceOf.get(from.name)
      const measured = src?.status === 'ok'
      const cells = nodes.map((to) => {
        if (to.name === from.name) return paint('dim', glyphs.self)
        const targeted = hasNet && to.targets.some((t) => t.network === col)
        if (!targeted) return paint('dim', '-')
        if (!measured) return paint('warn', '?')
        const statuses = cell.get(`${from.name}\u0000${to.name}\u0000${net}`) ?? []
        if (statuses.length === 0) return paint('warn', '?')
        if (statuses.every((s) => s === 'up')) return paint('up', glyphs.up)
        if (statuses.every((s) => s === 'up' || s === 'lossy')) return paint('warn', lossDigit(lossOf.get(`${from.name}\u0000${to.name}\u0000${net}`) ?? 0))
        if (statuses.some((s) => s === 'up' || s === 'lossy')) return paint('down', '!')
        return paint('down', LETTER[statuses[0]] ?? 'E')
      })
      lines.push(`${labels[r].padEnd(labelWidth + 2)}${cells.join(' ')}`)
    })
    lines.push('')
  }
  lines.push(paint('dim', legend(glyphs, result.links.some((l) => l.status === 'lossy'))))
  return lines
}

/** "SSH: 5 of 6 nodes reached (n[1-4] over x, n5 over y); tools: bash 4, nc 1", then one line per failure. */
export function sourceLines(sources: MeshSource[]): string[] {
  const active = sources.filter((s) => s.status !== 'idle')
  const ok = active.filter((s) => s.status === 'ok' || s.status === 'error')
  const byNet = new Map<string, string[]>()
  for (const s of ok) {
    if (!s.sshHost) continue
    const k = netLabel(s.sshNetwork)
    byNet.set(k, [...(byNet.get(k) ?? []), s.node])
  }
  const tools = new Map<string, number>()
  for (const s of ok) if (s.tool) tools.set(s.tool, (tools.get(s.tool) ?? 0) + 1)
  const over = [...byNet.entries()].map(([net, names]) => `${foldNodeSet(names)} over ${net}`).join(', ')
  const lines = [`SSH: ${ok.length} of ${active.length} nodes reached${over ? ` (${over})` : ''}${tools.size > 0 ? `; probed with ${[...tools.entries()].map(([t, c]) => `${t} ${c}`).join(', ')}` : ''}`]
  for (const s of sources) {
    if (s.status === 'unreachable') lines.push(`  ${s.node}: SSH unreachable on every IP (${s.sshFailures.map((f) => f.host).join(', ') || 'none'}): ${s.error}`)
    else if (s.status === 'error') lines.push(`  ${s.node}: reached over ${s.sshHost}, but could not probe: ${s.error}`)
    else if (s.status === 'idle' && s.error) lines.push(`  ${s.node}: ${s.error}`)
  }
  return lines
}

/** Non-ok pairs grouped around the node they share: "n2 ↔ n[1,3-5]: up on y, down on x". */
export function pairLines(result: MeshRoundResult, glyphs: Glyphs): string[] {
  const c = result.summary.pairs
  const lines = [`Pairs: ${c.ok} ok, ${c.degraded} degraded, ${c.cut} cut${c.unknown > 0 ? `, ${c.unknown} not measured` : ''}`]
  let rest = result.pairs.filter((p) => p.verdict !== 'ok')
  while (rest.length > 0) {
    const freq = new Map<string, number>()
    for (const p of rest) for (const x of [p.a, p.b]) freq.set(x, (freq.get(x) ?? 0) + 1)
    const hub = [...freq.entries()].sort((x, y) => y[1] - x[1] || naturalCompare(x[0], y[0]))[0][0]
    const mine = rest.filter((p) => p.a === hub || p.b === hub)
    rest = rest.filter((p) => p.a !== hub && p.b !== hub)
    const groups = new Map<string, string[]>()
    for (const p of mine) {
      const how = p.verdict === 'unknown' ? 'not measured (SSH failed at both ends)' : p.verdict === 'cut' ? `CUT (down on ${p.down.join(', ')})` : `up on ${p.up.join(', ')}, down on ${p.down.join(', ')}`
      const other = p.a === hub ? p.b : p.a
      groups.set(how, [...(groups.get(how) ?? []), other])
    }
    for (const [how, others] of groups) lines.push(`  ${hub} ${glyphs.both} ${foldNodeSet(others)}: ${how}`)
  }
  return lines
}

export function culpritLines(result: MeshRoundResult): string[] {
  const slow = slowLines(result)
  if (result.culprits.length === 0) return slow
  // Every failed and lossy link is explained by some culprit (an intermittent one may explain failed links too).
  const failed = result.summary.failedLinks
  const lossy = result.summary.lossyLinks ?? 0
  const what = [failed > 0 ? `${failed} failed link${failed === 1 ? '' : 's'}` : '', lossy > 0 ? `${lossy} lossy link${lossy === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ')
  return [
    `Culprits: ${result.culprits.length} explain${result.culprits.length === 1 ? 's' : ''} the ${what}:`,
    ...result.culprits.map((c, i) => `  ${i + 1}. ${c.message}`),
    ...slow,
  ]
}

/** Slow links at most, then "… and N more". */
const SLOW_LINES = 10

/** "Slow: n1 → n2 on x: p50 45 ms, 9× the network's median (5.0 ms)". */
export function slowLines(result: MeshRoundResult): string[] {
  const slow = result.slow ?? []
  if (slow.length === 0) return []
  const ms = (x: number) => (x < 10 ? `${x.toFixed(1)} ms` : `${Math.round(x)} ms`)
  return [
    `Slow links (p50 ≥ 5× the network's median and ≥ 20 ms; the verdict does not count them): ${slow.length}`,
    ...slow.slice(0, SLOW_LINES).map((s) => `  ${s.from} → ${s.to} on ${s.network} (${s.host}): p50 ${ms(s.p50)}, ${Math.round(s.p50 / Math.max(s.networkMedian, 0.001))}× the median ${ms(s.networkMedian)}`),
    ...(slow.length > SLOW_LINES ? [`  … and ${slow.length - SLOW_LINES} more`] : []),
  ]
}

export function raftLines(result: MeshRoundResult, glyphs: Glyphs): string[] {
  const raft = result.raft
  if (!raft || raft.nodes.length === 0) return []
  const group = raft.largestGroup
  const lines = [`Raft view of ${result.object}: ${raft.nodes.length} nodes, majority ${raft.majority}: ${foldNodeSet(group)} can all talk${raft.quorum ? ' — a majority: the group can elect a leader and commit' : ` — NOT a majority (${group.length} of ${raft.nodes.length}): the group cannot commit`}${raft.exact ? '' : ' (search stopped early: a larger group may exist)'}`]
  const silent = new Map<string, string[]>()
  const unknown: string[] = []
  for (const p of raft.pairs) {
    if (p.talk === false) {
      silent.set(p.a, [...(silent.get(p.a) ?? []), p.b])
    } else if (p.talk === null) unknown.push(`${p.a} ${glyphs.both} ${p.b}`)
  }
  for (const [a, bs] of silent) lines.push(`  ${a} cannot talk with ${foldNodeSet(bs)} (one way fails on every network)`)
  if (unknown.length > 0) lines.push(`  not measured: ${unknown.join(', ')}`)
  return lines
}

/** The verdict in one line. */
export function verdictLine(result: MeshRoundResult, glyphs: Glyphs): string {
  const cut = result.pairs.filter((p) => p.verdict === 'cut')
  const cutOff = result.culprits.filter((c) => c.kind === 'node').map((c) => c.node!)
  if (result.verdict === 'outage') {
    const parts: string[] = []
    if (cutOff.length > 0) parts.push(`${foldNodeSet(cutOff)} cut off`)
    const otherCut = cut.filter((p) => !cutOff.includes(p.a) && !cutOff.includes(p.b))
    if (otherCut.length > 0) parts.push(`${otherCut.length} pair${otherCut.length === 1 ? '' : 's'} cut (${otherCut.slice(0, 5).map((p) => `${p.a} ${glyphs.both} ${p.b}`).join(', ')}${otherCut.length > 5 ? ', …' : ''})`)
    if (result.raft && !result.raft.quorum) parts.push('no majority of the raft group can all talk')
    return `OUTAGE: ${parts.join('; ') || 'a pair is cut'}`
  }
  if (result.verdict === 'degraded') {
    const s = result.summary
    const parts: string[] = []
    if (s.failedLinks > 0) parts.push(`${s.failedLinks} link${s.failedLinks === 1 ? '' : 's'} down, every pair still up on some network`)
    if (s.lossyLinks) parts.push(`${s.lossyLinks} link${s.lossyLinks === 1 ? '' : 's'} lossy (connecting on some samples only)`)
    if (s.unreachableSources.length > 0) parts.push(`not measured from ${foldNodeSet(s.unreachableSources)}`)
    return `DEGRADED: ${parts.join('; ')}`
  }
  return `OK: every pair up on every network both have (${result.links.length} links)`
}
