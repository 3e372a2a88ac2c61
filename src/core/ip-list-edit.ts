/**
 * The rules for editing a node's IP list, as pure functions: no database, no terminal.
 * Every command that changes a list (set-ips, add-ip, remove-ip, edit, import, detect --write) builds
 * the proposed lists here and gets back the canonical new lists, what is refused and what is warned.
 */
import type {NodeRow} from './rows.js'
import {isBroadcastOf, parseCidr, parseIp, ipKind, type Ip} from './ip.js'
import type {Networks} from './networks.js'
import {formatIpList, nodeAddresses, parseIpList, type IpSource} from './nodes.js'
import {clip, closestNames} from './text.js'

export type RejectCode =
  | 'malformed'
  | 'host-name'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'duplicate'
  | 'in-use'
  | 'empty'
  | 'too-long'
  | 'not-in-list'
  | 'bad-position'
  | 'unknown-node'

export type WarnCode =
  | 'loopback'
  | 'link-local'
  | 'network-lost'
  | 'network-missing'
  | 'no-network'
  | 'in-use'
  | 'fallback-replaced'
  | 'dropped-invalid'

export interface EditIssue<C extends string = string> {
  code: C
  /** One sentence naming the node, the IP or network, and what to do. */
  message: string
  node?: string
  ip?: string
  network?: string
  otherNode?: string
}

export interface CheckedIp {
  input: string
  /** Canonical text when the input is an address (even a refused one), else null. */
  ip: string | null
  error?: EditIssue<RejectCode>
  warning?: EditIssue<WarnCode>
}

// A DNS name: dot-separated labels of letters, digits and "-", whose last label starts with a letter
// (top-level domains are alphabetic), so "10.0.0.1a" is malformed, not a host name.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOST_NAME = new RegExp(`^(?:${LABEL}\\.)*[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?$`)

/** The longest text an address can be typed as ([0000:…:255.255.255.255] with spaces trimmed). */
const MAX_IP_TEXT = 64
/** At most this many IPs in one node's list: far beyond the column (512 characters), and bounds the checks. */
export const MAX_LIST_LENGTH = 256
/** node_name is varchar(128) upstream: a longer name cannot be a node. */
const MAX_NODE_NAME = 128

/**
 * Checks one address as typed. Refused: malformed, a host name, unspecified, multicast, broadcast
 * (255.255.255.255, or the broadcast address of a defined network's CIDR). Warned: loopback, link-local.
 */
export function checkIp(input: string, options: {node?: string; networks?: Networks} = {}): CheckedIp {
  const node = options.node
  const text = input.trim()
  const reject = (code: RejectCode, message: string, ip: string | null = null): CheckedIp => ({input, ip, error: {code, message, node, ...(ip ? {ip} : {})}})
  if (text === '') return reject('malformed', 'an empty entry is not an IP address')
  // No address is longer than an IPv6 one with an IPv4 tail in brackets: anything longer is named, clipped.
  if (text.length > MAX_IP_TEXT) return reject('malformed', `"${clip(text, 40)}" is not an IPv4 or IPv6 address`)
  const ip = parseIp(text)
  if (!ip) {
    const slash = text.indexOf('/')
    if (slash > 0 && parseCidr(text)) return reject('malformed', `"${text}" is a network (CIDR), not an address: give the node's own address`)
    const zone = text.indexOf('%')
    if (zone > 0 && parseIp(text.slice(0, zone))) {
      return reject('malformed', `"${text}" has a zone id (${clip(text.slice(zone), 20)}), which names an interface on one machine only: give the address without it`)
    }
    const colon = text.lastIndexOf(':')
    if (colon > 0 && /^\d{1,5}$/.test(text.slice(colon + 1)) && parseIp(text.slice(0, colon))?.family === 4) {
      return reject('malformed', `"${text}" is an address with a port: give the address alone (${text.slice(0, colon)})`)
    }
    if (HOST_NAME.test(text)) {
      return reject('host-name', `"${text}" is a host name, not an IP address: clients get the list as stored, so give the address it resolves to`)
    }
    return reject('malformed', `"${text}" is not an IPv4 or IPv6 address`)
  }
  const kind = ipKind(ip)
  const named = ip.text === text ? ip.text : `${ip.text} (typed "${text}")`
  switch (kind) {
    case 'unspecified':
      return reject('unspecified', `${named} is the unspecified address (what a service binds to listen everywhere), not an address a client can reach`, ip.text)
    case 'multicast':
      return reject('multicast', `${named} is a multicast address, not a node's own address`, ip.text)
    case 'broadcast':
      return reject('broadcast', `${named} is the broadcast address, not a node's own address`, ip.text)
    default:
  }
  if (options.networks && !options.networks.auto) {
    for (const n of options.networks.list) {
      const cidr = n.cidrs.find((c) => {
        const parsed = parseCidr(c)
        return parsed !== null && isBroadcastOf(ip, parsed)
      })
      if (cidr) return reject('broadcast', `${named} is the broadcast address of network ${n.name} (${cidr}), not a node's own address`, ip.text)
    }
  }
  const result: CheckedIp = {input, ip: ip.text}
  if (kind === 'loopback') {
    result.warning = {code: 'loopback', message: `${named} is a loopback address: only the node itself can reach it`, node, ip: ip.text}
  } else if (kind === 'link-local') {
    result.warning = {code: 'link-local', message: `${named} is link-local: it is not routed beyond its own link${ip.family === 6 ? ' and needs a zone id to be used' : ''}`, node, ip: ip.text}
  }
  return result
}

/** What the edit needs to know about one node as it is in the database. */
export interface NodeState {
  name: string
  /** The stored IP-list value exactly as read (null for NULL): the compare-and-swap compares against it. */
  raw: string | null
  /** The valid IPs of the stored list, in order. */
  stored: string[]
  /** The IPs the registry would use today: the list, else the fallback (endpoint_ip, node_name). */
  effective: string[]
  source: IpSource
  /** Entries of the stored value that are not IPs (or the whole value when it is unreadable). */
  invalid: string[]
}

/** The state of every node from its row. The IP-list column must exist (ipList !== undefined). */
export function nodeState(row: NodeRow): NodeState {
  const raw = row.ipList ?? null
  const parsed = parseIpList(raw)
  const addresses = nodeAddresses(row)
  return {
    name: row.nodeName,
    raw,
    stored: parsed.ips,
    effective: addresses.ips,
    source: addresses.source,
    invalid: parsed.unreadable ? [raw ?? ''] : parsed.invalid,
  }
}

/** Finds a node by exact name, else by a case-insensitive match (MySQL's collation is), else says which names are close. */
export function findNode(name: string, nodes: NodeState[]): {node: NodeState} | {error: EditIssue<RejectCode>} {
  const wanted = name.trim()
  if (wanted.length > MAX_NODE_NAME) {
    return {error: {code: 'unknown-node', message: `unknown node "${clip(wanted, 40)}": node names are at most ${MAX_NODE_NAME} characters (\`tarsnet nodes list\` shows every node)`, node: clip(wanted, 40)}}
  }
  const exact = nodes.find((n) => n.name === wanted)
  if (exact) return {node: exact}
  const folded = nodes.filter((n) => n.name.toLowerCase() === wanted.toLowerCase())
  if (folded.length === 1) return {node: folded[0]}
  const close = closestNames(wanted, nodes.map((n) => n.name))
  const hint = close.length > 0 ? `did you mean ${close.join(', ')}?` : nodes.length === 0 ? 't_node_info is empty' : 'no node has a similar name'
  return {error: {code: 'unknown-node', message: `unknown node "${wanted}": ${hint} (\`tarsnet nodes list\` shows every node)`, node: wanted}}
}

/** One node's requested change, before validation. */
export interface EditRequest {
  node: string
  /** The whole new list as typed, in order of preference. */
  proposed: string[]
  /** True when the request replaces the list wholesale (set-ips, import, detect --write). */
  replace: boolean
}

/** add-ip: the current list with one address inserted at `position` (1 = first; default: last). */
export function addIpRequest(state: NodeState, input: string, position?: number): {request: EditRequest} | {error: EditIssue<RejectCode>} {
  const checked = checkIp(input, {node: state.name})
  if (checked.ip !== null && state.stored.includes(checked.ip)) {
    const at = state.stored.indexOf(checked.ip) + 1
    return {error: {code: 'duplicate', message: `${checked.ip} is already in ${state.name}'s list (position ${at}): to move it, use \`tarsnet nodes set-ips\` or \`nodes edit\``, node: state.name, ip: checked.ip}}
  }
  const max = state.stored.length + 1
  if (position !== undefined && (!Number.isInteger(position) || position < 1 || position > max)) {
    return {error: {code: 'bad-position', message: `--position ${position} is outside ${state.name}'s list of ${state.stored.length} IP(s): use 1 (first) to ${max} (last)`, node: state.name}}
  }
  const proposed = [...state.stored]
  proposed.splice((position ?? max) - 1, 0, checked.ip ?? input)
  return {request: {node: state.name, proposed, replace: false}}
}

/** remove-ip: the current list without one address (compared after normalising). */
export function removeIpRequest(state: NodeState, input: string): {request: EditRequest} | {error: EditIssue<RejectCode>} {
  const ip = parseIp(input)?.text
  if (!ip) {
    const checked = checkIp(input, {node: state.name})
    return {error: checked.error ?? {code: 'malformed', message: `"${clip(input, 40)}" is not an IP address`, node: state.name}}
  }
  if (!state.stored.includes(ip)) {
    const has = state.stored.length > 0
      ? `its list is ${state.stored.join(', ')}`
      : state.source === 'endpoint_ip' || state.source === 'node_name'
        ? `it has no IP list (${state.effective.join(', ')} comes from its ${state.source}, which tarsnet does not edit)`
        : 'it has no IP list'
    return {error: {code: 'not-in-list', message: `${ip} is not in ${state.name}'s list: ${has}`, node: state.name, ip}}
  }
  return {request: {node: state.name, proposed: state.stored.filter((x) => x !== ip), replace: false}}
}

export interface EditOptions {
  networks: Networks
  /** Allow an IP that another node already lists (refused otherwise). */
  force?: boolean
  /** Allow leaving a node with an empty list (refused otherwise). */
  allowEmpty?: boolean
  /** The column's maximum length in characters, when known: a longer value would be cut or refused by MySQL. */
  maxLength?: number
}

export interface NodePlan {
  node: string
  /** The stored value as read: the compare-and-swap expects exactly this. */
  beforeRaw: string | null
  /** The stored list's valid IPs. */
  before: string[]
  /** What the node used before (the list, or its fallback), for the network checks. */
  beforeEffective: string[]
  beforeSource: IpSource
  /** The canonical new list. */
  after: string[]
  /** The value to store: comma-separated canonical IPs, or null for an empty list (the node then falls back). */
  afterRaw: string | null
  added: string[]
  removed: string[]
  /** Same IPs, another order (or, with additions/removals, the kept IPs changed order). */
  reordered: boolean
  /** Whether anything would be written (a non-canonical stored value rewritten canonically counts). */
  changed: boolean
  /** Removes an IP, drops unreadable entries or changes the order: confirmed by typing the node name where a person is. */
  destructive: boolean
  errors: Array<EditIssue<RejectCode>>
  warnings: Array<EditIssue<WarnCode>>
}

export interface EditPlan {
  nodes: NodePlan[]
  /** Requests naming unknown nodes (and nodes named twice). */
  errors: Array<EditIssue<RejectCode>>
  ok: boolean
}

/**
 * Validates requests against the current state of every node: the proposed lists are normalised,
 * refused entries and refusing conditions become errors, the rest warnings — all by name.
 */
export function planEdits(requests: EditRequest[], nodes: NodeState[], options: EditOptions): EditPlan {
  const {networks} = options
  const errors: Array<EditIssue<RejectCode>> = []
  const resolved: Array<{state: NodeState; request: EditRequest}> = []
  const seen = new Set<string>()
  for (const request of requests) {
    const found = findNode(request.node, nodes)
    if ('error' in found) {
      errors.push(found.error)
      continue
    }
    if (seen.has(found.node.name)) {
      errors.push({code: 'duplicate', message: `node ${found.node.name} is given more than once: give each node's list once`, node: found.node.name})
      continue
    }
    seen.add(found.node.name)
    resolved.push({state: found.node, request})
  }

  // Normalise first: the cross-node check compares every edited node's new list.
  const drafts = resolved.map(({state, request}) => {
    const plan: NodePlan = {
      node: state.name, beforeRaw: state.raw, before: state.stored, beforeEffective: state.effective, beforeSource: state.source,
      after: [], afterRaw: null, added: [], removed: [], reordered: false, changed: false, destructive: false, errors: [], warnings: [],
    }
    if (request.proposed.length > MAX_LIST_LENGTH) {
      plan.errors.push({code: 'too-long', message: `${request.proposed.length} IPs given for ${state.name}: a list holds at most ${MAX_LIST_LENGTH}`, node: state.name})
      return {state, request, plan}
    }
    for (const input of request.proposed) {
      const checked = checkIp(input, {node: state.name, networks})
      if (checked.error) plan.errors.push(checked.error)
      if (checked.warning) plan.warnings.push(checked.warning)
      if (checked.ip === null || checked.error) continue
      if (plan.after.includes(checked.ip)) {
        plan.errors.push({code: 'duplicate', message: `${checked.ip} is given twice for ${state.name}${checked.ip === input.trim() ? '' : ` (once as "${clip(input.trim(), 40)}")`}: list each address once`, node: state.name, ip: checked.ip})
        continue
      }
      plan.after.push(checked.ip)
    }
    return {state, request, plan}
  })

  // Who has which IP once the edit is applied: edited nodes by their new lists, the others as they are.
  const edited = new Set(drafts.map((d) => d.state.name))
  const holders = new Map<string, string[]>()
  const hold = (ip: string, node: string) => {
    const list = holders.get(ip) ?? []
    if (!list.includes(node)) list.push(node)
    holders.set(ip, list)
  }
  for (const n of nodes) if (!edited.has(n.name)) for (const ip of n.effective) hold(ip, n.name)
  for (const d of drafts) for (const ip of d.plan.after) hold(ip, d.state.name)

  for (const {state, request, plan} of drafts) {
    plan.added = plan.after.filter((ip) => !state.stored.includes(ip))
    plan.removed = state.stored.filter((ip) => !plan.after.includes(ip))
    const keptBefore = state.stored.filter((ip) => plan.after.includes(ip))
    const keptAfter = plan.after.filter((ip) => state.stored.includes(ip))
    plan.reordered = keptBefore.join(',') !== keptAfter.join(',')
    plan.afterRaw = plan.after.length === 0 ? null : formatIpList(plan.after)
    plan.changed = plan.afterRaw !== (state.raw === '' ? null : state.raw)
    // A pure addition (the kept IPs in their order, new ones anywhere) takes nothing away: not destructive,
    // even when it comes as a whole list (set-ips, import). Removing, dropping unreadable entries or
    // changing which IP is preferred is.
    plan.destructive = plan.changed && (plan.removed.length > 0 || state.invalid.length > 0 || plan.reordered)

    for (const ip of plan.after) {
      const others = (holders.get(ip) ?? []).filter((n) => n !== state.name)
      if (others.length === 0) continue
      const where = others.map((o) => {
        const other = nodes.find((n) => n.name === o)
        return other && !edited.has(o) && other.source !== 'ip_list' ? `${o} (its ${other.source})` : o
      }).join(', ')
      // A clash the node already had is not this edit's doing: warn, so an unrelated fix is not blocked.
      const preexisting = state.effective.includes(ip)
      if (options.force || preexisting) {
        plan.warnings.push({code: 'in-use', message: `${ip} is also used by ${where}: two nodes answering on one IP is an outage waiting to happen`, node: state.name, ip, otherNode: others[0]})
      } else {
        plan.errors.push({code: 'in-use', message: `${ip} is already used by ${where}: two nodes answering on one IP is an outage waiting to happen; remove it there first, or pass --force`, node: state.name, ip, otherNode: others[0]})
      }
    }

    if (plan.after.length === 0 && plan.errors.length === 0 && !options.allowEmpty) {
      plan.errors.push({code: 'empty', message: `the edit would leave ${state.name} with no IP list (it would fall back to endpoint_ip or node_name, one network): pass --allow-empty if that is meant`, node: state.name})
    }
    if (options.maxLength !== undefined && plan.afterRaw !== null && plan.afterRaw.length > options.maxLength) {
      plan.errors.push({code: 'too-long', message: `${state.name}'s new list is ${plan.afterRaw.length} characters; the IP-list column holds ${options.maxLength}: nothing would fit without cutting an address`, node: state.name})
    }

    if (state.invalid.length > 0 && plan.changed) {
      plan.warnings.push({code: 'dropped-invalid', message: `${state.name}'s stored list has entries that are not IPs (${state.invalid.join(', ')}): the new list leaves them out`, node: state.name})
    }
    if (state.stored.length === 0 && state.effective.length > 0 && plan.after.length > 0 && plan.changed) {
      plan.warnings.push({code: 'fallback-replaced', message: `${state.name} had no IP list and used its ${state.source} ${state.effective.join(', ')}; the new list replaces that${state.effective.every((ip) => plan.after.includes(ip)) ? '' : ': add it to the list if it should stay'}`, node: state.name})
    }

    // Networks: one the node had and loses, and (with defined networks) one it has no IP on.
    const netsOf = (ips: string[]) => new Set(ips.map((ip) => networks.classify(ip)).filter((n): n is string => n !== null))
    const had = netsOf(state.effective)
    const has = netsOf(plan.after)
    if (plan.changed) {
      for (const n of had) {
        if (!has.has(n)) {
          const gone = state.effective.filter((ip) => networks.classify(ip) === n)
          plan.warnings.push({code: 'network-lost', message: `${state.name} would have no IP on network ${n} any more (it had ${gone.join(', ')}): clients lose that path to it`, node: state.name, network: n})
        }
      }
      if (!networks.auto && plan.after.length > 0) {
        for (const n of networks.list) {
          if (!has.has(n.name) && !had.has(n.name)) {
            plan.warnings.push({code: 'network-missing', message: `${state.name} has no IP on network ${n.name}: clients cannot reach it over ${n.name}`, node: state.name, network: n.name})
          }
        }
        for (const ip of plan.after) {
          const kind = parseIp(ip)
          // Loopback and link-local already have their own warning.
          if (networks.classify(ip) === null && kind && ipKind(kind) === 'unicast') {
            plan.warnings.push({code: 'no-network', message: `${ip} is in no defined network (${networks.list.map((n) => n.name).join(', ')})`, node: state.name, ip})
          }
        }
      }
    }
  }

  const plans = drafts.map((d) => d.plan)
  return {nodes: plans, errors, ok: errors.length === 0 && plans.every((p) => p.errors.length === 0)}
}

/** Every refusal of a plan, in order. */
export function planErrors(plan: EditPlan): Array<EditIssue<RejectCode>> {
  return [...plan.errors, ...plan.nodes.flatMap((n) => n.errors)]
}

export function planWarnings(plan: EditPlan): Array<EditIssue<WarnCode>> {
  return plan.nodes.flatMap((n) => n.warnings)
}

/** Moves the IP at `from` to `to` (both 1-based): the reorder step of the interactive editor. */
export function moveIp(list: string[], from: number, to: number): string[] {
  const out = [...list]
  const [ip] = out.splice(from - 1, 1)
  out.splice(to - 1, 0, ip)
  return out
}
