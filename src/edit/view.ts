/**
 * The person's view of an edit: each node's diff (before, after, what was added, removed or reordered,
 * every IP with its network), the nodes left as they were, the question that confirms a change, and
 * the line that says it was applied; the audit log's entries; the addresses `nodes detect` found. JSON is the result itself.
 */
import type {SkippedIp} from '../core/detect.js'
import type {EditPlan, NodePlan, NodeState} from '../core/ip-list-edit.js'
import {NOTHING} from '../core/names.js'
import type {Networks} from '../core/networks.js'
import {escapeControl} from '../core/text.js'
import type {Paint, Screen} from '../platform/paint.js'
import {renderTable} from '../platform/table.js'
import type {Detected} from './detect.js'
import type {HistoryEntry} from './history.js'
import type {ChangeView, EditPreview, EditResult, IpView} from './run.js'

/** The diff of one node. */
export function changeText(change: ChangeView, plan: NodePlan, paint: Paint): string {
  const fmt = (list: IpView[]) => list.map((i) => `${i.ip} (${i.network ?? 'no network'})`).join(', ')
  const lines = [paint('bold', change.node)]
  const before = change.before.length > 0
    ? fmt(change.before)
    : plan.beforeEffective.length > 0 && plan.beforeSource !== 'ip_list'
      ? `(no list: using ${plan.beforeSource} ${plan.beforeEffective.join(', ')})`
      : '(no list)'
  lines.push(`  before: ${before}`)
  lines.push(`  after:  ${change.after.length > 0 ? fmt(change.after) : '(no list: falls back to endpoint_ip / node_name)'}`)
  for (const ip of change.removed) lines.push(paint('red', `  - ${ip} (${change.before.find((i) => i.ip === ip)?.network ?? 'no network'})`))
  for (const ip of change.added) lines.push(paint('green', `  + ${ip} (${change.after.find((i) => i.ip === ip)?.network ?? 'no network'})`))
  if (change.reordered) lines.push(paint('yellow', '  ~ order of preference changed'))
  if (change.added.length === 0 && change.removed.length === 0 && !change.reordered) lines.push(paint('dim', `  ~ stored value rewritten in canonical form (was ${JSON.stringify(change.beforeRaw)})`))
  return lines.join('\n')
}

/** Every changed node's diff, one text each. */
export function changeTexts(preview: EditPreview, paint: Paint): string[] {
  return preview.changed.map((p, i) => changeText(preview.result.changes[i], p, paint))
}

/** The nodes a plan leaves as they are, when others change; undefined when there is nothing to say. */
export function unchangedText(preview: EditPreview, paint: Paint): string | undefined {
  const {unchanged} = preview.result
  return preview.changed.length > 0 && unchanged.length > 0 ? paint('dim', `Unchanged (already as given): ${unchanged.join(', ')}`) : undefined
}

/** What an edit that changes no list says. */
export function nothingToChangeText(plan: EditPlan): string {
  const only = plan.nodes.length === 1 ? plan.nodes[0] : undefined
  return only ? `Nothing to change: ${only.node}'s list is already ${only.after.join(', ') || NOTHING}.` : `Nothing to change: all ${plan.nodes.length} node(s) already have these lists.`
}

/** The SQL, after a blank line: shown for --dry-run and --verbose. */
export function sqlText(result: EditResult): string {
  return ['', ...result.sql].join('\n')
}

/** How a change is confirmed: a yes/no question, or for a destructive one a word to type (the node name, or how many nodes). */
export function confirmationOf(changed: NodePlan[]): {question: string; typed?: string} {
  const destructive = changed.filter((p) => p.destructive)
  const word = changed.length === 1 ? changed[0].node : String(changed.length)
  // Say what the change takes away, so a pure addition is never asked about as a removal.
  const does = [
    ...(destructive.some((p) => p.removed.length > 0) ? ['removes IPs'] : []),
    ...(destructive.some((p) => p.warnings.some((w) => w.code === 'dropped-invalid')) ? ['drops entries that are not IPs'] : []),
    ...(destructive.some((p) => p.reordered) ? ['changes the order of preference'] : []),
  ]
  const whom = changed.length === 1 ? word : `${destructive.length} of the ${changed.length} nodes`
  return destructive.length > 0
    ? {typed: word, question: `${whom}: this ${does.join(' and ')}. Type ${changed.length === 1 ? `the node name (${word})` : `the number of nodes changed (${word})`} to apply:`}
    : {question: `Apply this change to ${changed.length === 1 ? changed[0].node : `${changed.length} nodes`}?`}
}

export function appliedText(result: EditResult): string {
  return `\nApplied: ${result.changes.length} node(s) changed. Logged to ${result.auditLog ?? '(not logged)'}.`
}

/** The detected addresses as a table, or why there are none. */
export function detectedText(detected: Detected, screen: Screen): string {
  if (detected.ips.length === 0) return 'No usable addresses found (only loopback, link-local or excluded interfaces).'
  return renderTable(['INTERFACE', 'IP', 'PREFIX', 'NETWORK'], detected.ips.map((d) => [d.interface, d.ip, d.cidr ?? '', d.network ?? screen.paint('yellow', 'no network')]), {width: screen.width})
}

/** Why an address was left out, for --verbose. */
export function skippedText(s: SkippedIp): string {
  return `left out ${s.interface} ${s.ip}: ${s.reason}${s.pattern ? ` (${s.pattern})` : ''}`
}

/** The audit log's entries as a table, newest first, or that there are none (for `node`, when given). */
export function historyText(entries: HistoryEntry[], auditLog: string, node: string | undefined, screen: Screen): string {
  if (entries.length === 0) return node ? `No applied changes for ${node} in ${auditLog}.` : `No applied changes in ${auditLog}.`
  const value = (v: string | null) => (v === null ? NOTHING : v.split(',').join('\n'))
  const rows = entries.map((e) => [
    e.id,
    e.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.kind === 'migrate' ? '(schema)' : (e.node ?? ''),
    e.kind === 'migrate' ? '' : value(e.before),
    e.kind === 'migrate' ? 'db migrate: IP-list column added' : value(e.after),
    `${e.osUser}\ndb ${e.dbUser} on ${e.dbHost}`,
    e.revertOf ? `${e.command}\n(reverts ${e.revertOf})` : e.command,
  ])
  return renderTable(['ID', 'WHEN (UTC)', 'NODE', 'BEFORE', 'AFTER', 'BY', 'COMMAND'], rows, {width: screen.width, squeeze: ['WHEN (UTC)', 'BY', 'COMMAND']})
}

/** `nodes edit`: the list being edited, numbered, each IP with its network; or what the node uses without one. */
export function listText(state: NodeState, list: string[], networks: Networks, screen: Screen): string {
  return list.length > 0
    ? renderTable(['#', 'IP', 'NETWORK'], list.map((ip, i) => [String(i + 1), ip, networks.classify(ip) ?? 'no network']), {width: screen.width})
    : `${state.name} has no IP list${state.effective.length > 0 ? ` (using its ${state.source} ${state.effective.join(', ')})` : ''}.`
}

/** `nodes edit`: a node as the picker offers it (the prompt draws it: escaped here, as the command's log would). */
export function nodeChoice(n: NodeState, networks: Networks): string {
  const ips = n.effective.map((ip) => `${ip} (${networks.classify(ip) ?? 'no network'})`).join(', ')
  return escapeControl(`${n.name}  ${ips || '(no IPs)'}${n.source !== 'ip_list' && n.effective.length > 0 ? ` [${n.source}]` : ''}`)
}
