/**
 * The person's view of nodes: `nodes list` as one row per node with a column per network (problems
 * marked, never hidden) and a count per network; `nodes show` as the node's facts, its IPs and the
 * servers it hosts. Values from the database are escaped before any colour is added. JSON is the result itself.
 */
import {escapeControl, formatAge} from '../core/text.js'
import type {Screen} from '../platform/paint.js'
import {renderTable} from '../platform/table.js'
import type {NodeShowResult, NodesListResult} from './read.js'

export function nodesListLines(result: NodesListResult, screen: Screen): string[] {
  const {nodes, networks} = result
  const {paint} = screen
  if (nodes.length === 0) return ['No nodes match.']
  const hasUnnamed = nodes.some((n) => n.ips.some((i) => i.network === null))
  const head = ['NODE', ...networks.map((n) => n.name.toUpperCase()), ...(hasUnnamed ? ['NO NETWORK'] : []), 'STATE', 'HEARTBEAT', 'VERSION', 'PROBLEMS']
  // ✘ only where the locale is UTF-8 (probe's rule): under LANG=C it would arrive as mojibake.
  const missing = screen.unicode ? '✘ missing' : 'X missing'
  const rows = nodes.map((n) => {
    const cells = networks.map((net) => {
      const ips = n.ips.filter((i) => i.network === net.name).map((i) => i.ip)
      if (ips.length > 0) return ips.join('\n')
      return n.ips.length === 0 ? '' : paint('red', missing)
    })
    if (hasUnnamed) cells.push(paint('yellow', n.ips.filter((i) => i.network === null).map((i) => i.ip).join('\n')))
    const source = n.ipSource === 'ip_list' ? '' : ` (${n.ipSource})`
    const state = n.presentState === 'active' ? n.presentState : paint('red', escapeControl(n.presentState || '?'))
    const age = n.heartbeatAgeSeconds === null ? paint('red', 'never') : n.stale ? paint('red', `${formatAge(n.heartbeatAgeSeconds)} STALE`) : formatAge(n.heartbeatAgeSeconds)
    const problems = n.problems.filter((p) => p.code !== 'missing-network' && p.code !== 'stale-heartbeat').map((p) => p.code)
    // Values from the database are escaped before any colour is added: a name holding ESC[31m must not pass as ours.
    return [escapeControl(n.name) + paint('yellow', source), ...cells, state, age, escapeControl(n.tarsVersion), paint('yellow', problems.join(', '))]
  })
  const counts = networks.map((net) => `${net.name}: ${nodes.filter((n) => n.ips.some((i) => i.network === net.name)).length}/${nodes.length}`)
  const fallback = nodes.filter((n) => n.ipSource !== 'ip_list').length
  return [
    renderTable(head, rows, {width: screen.width, squeeze: ['STATE', 'HEARTBEAT', 'VERSION', 'PROBLEMS']}),
    '',
    `${nodes.length} node(s). On each network: ${counts.join(', ')}.${fallback > 0 ? ` ${fallback} on fallback (single network).` : ''}${result.networksAuto ? ' Networks grouped by /24 and /64: define yours with --networks or `tarsnet init`.' : ''}`,
  ]
}

export function nodeShowLines({node, servers}: NodeShowResult, screen: Screen): string[] {
  const {paint} = screen
  const lines: string[] = []
  const line = (k: string, v: string) => lines.push(`${paint('bold', k.padEnd(14))}${v}`)
  line('Node', node.name)
  line('State', `present ${node.presentState}, setting ${node.settingState}`)
  line('Heartbeat', node.heartbeatAgeSeconds === null ? 'never' : `${formatAge(node.heartbeatAgeSeconds)} (${node.lastHeartbeat})${node.stale ? paint('red', ' STALE: the registry marks it inactive after 250 s') : ''}`)
  line('Tars version', node.tarsVersion || '-')
  line('IP source', node.ipSource)
  lines.push('')
  lines.push(renderTable(['IP', 'NETWORK'], node.ips.map((i) => [i.ip, i.network ?? paint('yellow', '(no network)')]), {width: screen.width}))
  for (const p of node.problems) lines.push(`${paint('yellow', '!')} ${p.message}`)
  lines.push('')
  if (servers.length === 0) {
    lines.push('Hosts no servers.')
    return lines
  }
  const rows = servers.flatMap((s) => (s.adapters.length > 0 ? s.adapters : [{adapter: '', servant: '(no adapter)', endpoint: '', protocol: ''}]).map((a) => [
    `${s.application}.${s.serverName}`,
    `${s.settingState}/${s.presentState}${s.flowState === 'inactive' ? ' flow-off' : ''}${s.bakFlag === 1 ? ' standby' : ''}`,
    a.servant,
    a.endpoint,
    a.protocol,
  ]))
  lines.push(renderTable(['SERVER', 'SETTING/PRESENT', 'SERVANT', 'ENDPOINT', 'PROTOCOL'], rows, {width: screen.width, squeeze: ['SETTING/PRESENT', 'PROTOCOL']}))
  return lines
}
