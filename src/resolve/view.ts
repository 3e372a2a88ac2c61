/**
 * The resolve result as a person reads it: the proxy string, the raft form one line per node, or the table
 * of endpoints by node and network with what a client is told, the networks in one sentence, what was left
 * out and the warnings; then, with --live, one line on the live registries.
 */
import {NO_NETWORK} from '../core/names.js'
import {UserError} from '../core/errors.js'
import type {NetworkSummary, ResolveResult} from '../core/resolve.js'
import {hostPort} from '../core/resolve-text.js'
import {escapeControl} from '../core/text.js'
import type {Screen} from '../platform/paint.js'
import {renderTable} from '../platform/table.js'
import type {LiveSummary} from '../registry/live.js'
import type {ResolveFormat, ResolveRunResult} from './run.js'

export interface ResolveViewOptions {
  format: ResolveFormat
  /** --client-node as typed, named in the lines on what that client is told. */
  clientNode?: string
}

/**
 * The lines to print. A format with nothing to show (no active endpoint for a proxy string, no endpoint
 * for the raft form) is the command's error rather than an empty answer.
 */
export function renderResolve(result: ResolveRunResult, options: ResolveViewOptions, screen: Screen): string[] {
  const out = formatLines(result, options, screen)
  if (result.live) out.push('', liveLine(result.live, options.clientNode))
  return out
}

function formatLines(result: ResolveResult, options: ResolveViewOptions, screen: Screen): string[] {
  if (options.format === 'proxy') {
    if (result.proxy === null) {
      throw new UserError(`no active endpoint for ${result.object}: nothing to put in a proxy string (run without --format to see why)`, {code: 'no_active_endpoint'})
    }
    return [result.proxy]
  }
  if (options.format === 'nodes') {
    if (result.nodes.length === 0) throw new UserError(`no endpoint for ${result.object} matches`, {code: 'no_endpoint'})
    return nodesLines(result)
  }
  return tableLines(result, options.clientNode, screen)
}

function tableLines(result: ResolveResult, clientNode: string | undefined, screen: Screen): string[] {
  const {paint} = screen
  const out: string[] = []
  const all = result.nodes.flatMap((n) => n.endpoints)
  out.push(`${paint('bold', result.object)}  ${result.mode.function}: ${result.mode.selected}`)
  if (result.mode.note) out.push(paint('dim', `(${result.mode.note})`))
  out.push(`${result.active.length} active, ${result.inactive.length} inactive on ${result.nodes.length} node(s)`)
  out.push('')
  const views = result.clientViews
  if (all.length > 0) {
    const head = ['NODE', 'NETWORK', 'ENDPOINT', 'PROTO', 'TIMEOUT', 'STATE', 'EXPANDED FROM']
    // --client-node: one column per network, saying whether a client asking from there is told the endpoint.
    if (views) head.push(...views.map((v) => `TOLD TO ${v.callerNodeName ?? v.clientIp}`))
    const rows: string[][] = []
    for (const n of result.nodes) {
      n.endpoints.forEach((e, i) => {
        const from = e.expanded ? `${e.expandedFrom || '(no -h)'}${e.fallback ? ` via ${e.ipSource}` : ''}` : e.singleHost ? paint('yellow', 'bound to this IP') : paint('red', 'not expanded')
        const row = [
          i === 0 ? escapeControl(n.node) : '',
          e.network ?? paint('yellow', NO_NETWORK),
          hostPort(e.host, e.port),
          e.protocol,
          String(e.timeout),
          e.active ? paint('green', 'active') : paint('red', 'inactive'),
          from,
        ]
        if (views) row.push(...views.map((v) => ([...v.active, ...v.inactive].includes(e) ? (e.active ? 'told' : 'told (inactive)') : paint('dim', '-'))))
        rows.push(row)
      })
    }
    out.push(renderTable(head, rows, {width: screen.width, squeeze: ['PROTO', 'TIMEOUT', 'STATE']}))
    out.push('')
  }
  if (views) {
    for (const v of views) {
      out.push(`A client on ${clientNode} is told (${v.mode.function} with node_name '${v.callerNodeName}' in its request context, the same over every network): ${v.active.length} active, ${v.inactive.length} inactive — ${v.mode.selected}`)
      if (v.mode.note) out.push(paint('dim', `(${v.mode.note})`))
    }
    out.push('')
  }
  out.push(`Networks: ${summarySentence(result.networks)}`)
  if (result.skipped.length > 0) {
    out.push('', `Left out (${result.skipped.length}):`)
    for (const s of result.skipped) out.push(`  ${s.node}  ${s.reason}  [${s.endpoint}]`)
  }
  if (result.warnings.length > 0) {
    out.push('', `Warnings (${result.warnings.length}):`)
    for (const w of result.warnings) out.push(`  ${paint('yellow', '!')} ${w.message}`)
  }
  return out
}

/** --live's line: whether the registries agree, and as which client they were asked. */
function liveLine(live: LiveSummary, clientNode: string | undefined): string {
  const asked = live.callerNodeName === null ? '' : ` (${live.query} with node_name '${live.callerNodeName}', as a client on ${clientNode} asks)`
  return `Live registries${asked}: ${live.line}`
}

/** "x: 5 endpoints on 5 nodes; y: 4 on 4 — n3 has no y". */
export function summarySentence(summaries: NetworkSummary[]): string {
  if (summaries.length === 0) return 'no endpoints'
  const parts = summaries.map((s, i) => {
    const name = s.network ?? 'in no network'
    return i === 0
      ? `${name}: ${s.endpoints} endpoint${s.endpoints === 1 ? '' : 's'} on ${s.nodes.length} node${s.nodes.length === 1 ? '' : 's'}`
      : `${name}: ${s.endpoints} on ${s.nodes.length}`
  })
  const missing = summaries
    .filter((s) => s.network !== null && s.missingNodes.length > 0)
    .map((s) => `${s.missingNodes.join(', ')} ${s.missingNodes.length === 1 ? 'has' : 'have'} no ${s.network}`)
  return parts.join('; ') + (missing.length > 0 ? ` — ${missing.join('; ')}` : '')
}

/** The seed's raft form, one line per node: `nodeName  obj@tcp -h ip1 -p p:tcp -h ip2 -p p`. */
export function nodesLines(result: ResolveResult): string[] {
  const width = Math.max(0, ...result.nodes.map((n) => n.node.length))
  return result.nodes.map((n) => `${n.node.padEnd(width)}  ${n.proxy}`)
}
