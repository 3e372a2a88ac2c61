/**
 * `tarsnet check` (pure): every broken promise of the multi-network design (docs/design.md §1–§2, the seed), as
 * findings with a code, a severity and what to do. Nothing is said about what is fine. Computed on the
 * cluster view (core/cluster.ts): each object resolved once with resolve's own core.
 */
import {REGISTRY_OBJECT, type ClusterView} from './cluster.js'
import {UserError} from './errors.js'
import {EXIT} from './exit-codes.js'
import {STALE_HEARTBEAT_SECONDS} from './nodes.js'
import {wildcardOf, type ResolvedEndpoint} from './resolve.js'
import {hostPort} from './resolve-text.js'
import {formatAge, matcher, naturalCompare} from './text.js'
import type {FailoverFinding} from './failover.js'
import {trafficFindings, type TrafficSummary} from './traffic.js'

export type Severity = 'critical' | 'warning' | 'info'

export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info']

export interface Finding {
  code: string
  severity: Severity
  message: string
  node?: string
  object?: string
  /** The network missing or at fault (for a node with no IP on y: y). */
  network?: string
  ip?: string
}

export interface CheckScope {
  /** Node name globs (any matches). */
  nodes?: string[]
  /** Object name glob. */
  object?: string
  network?: string
}

export interface CheckResult {
  findings: Finding[]
  counts: Record<Severity, number>
  /** 0 no finding (or only info), 1 warnings only, 2 any critical. */
  exitCode: number
  /** What was looked at (before the scope): for the summary line. */
  checked: {nodes: number; objects: number; networks: string[]}
}

interface CodeInfo {
  severity: Severity
  title: string
  /** Why it matters and what to do: `check --explain CODE` and the table's advice. */
  explain: string
  /** One line of what to do, under the table's group. */
  todo: string
}

/** Every finding code, in the order the table lists them within a severity. */
export const CODES: Record<string, CodeInfo> = {
  'node-missing-network': {
    severity: 'critical', title: 'node has no IP on a network its peers have',
    todo: 'give the node its IP on that network: `tarsnet nodes add-ip NODE IP` (and check its NIC and cabling)',
    explain: 'Every other node has an IP on this network, this one has none (in its IP list). Every servant on it is reachable on the other networks only: when one of those fails, the node is cut off. Give the node its address on the missing network (`tarsnet nodes add-ip NODE IP`, or `tarsnet nodes detect`), after checking the NIC is cabled and configured.',
  },
  'node-no-ip': {
    severity: 'critical', title: 'node has no known IP',
    todo: 'set its IP list: `tarsnet nodes set-ips NODE IP1,IP2`',
    explain: 'The node has no IP list, no endpoint_ip, and its node_name is not an IP: its wildcard servants cannot be expanded, so clients are told 0.0.0.0 for them. Set its IP list with `tarsnet nodes set-ips NODE IP1,IP2`.',
  },
  'servant-bound-to-ip': {
    severity: 'critical', title: 'active servant bound to one IP',
    todo: 'bind the adapter to 0.0.0.0 (endpoint `tcp -h 0.0.0.0 -p PORT`) and restart the server',
    explain: 'The adapter\'s endpoint names one specific host, so the servant listens on that address only and the registry hands out that one address: it has no second network. Change the adapter\'s endpoint host to 0.0.0.0 (or :: for IPv6 too) in the Tars web console, then restart the server; the registry then hands out one endpoint per IP of the node.',
  },
  'object-single-network': {
    severity: 'critical', title: 'object reachable on one network only',
    todo: 'bind its servants to 0.0.0.0 and give their nodes IPs on every network',
    explain: 'Every active endpoint of the object lies on one network: when that network fails, clients have nothing to fail over to. Usually its servants are bound to one IP or run on nodes missing the other networks (see those findings). `tarsnet resolve OBJECT` shows its endpoints per network.',
  },
  'registry-few-networks': {
    severity: 'critical', title: 'registry reachable on fewer networks than the nodes have',
    todo: 'register the registry on every network and list it in the clients\' locator on each',
    explain: `The registry's QueryObj (${REGISTRY_OBJECT}) has no active endpoint on this network, which the nodes have: when the registry's network fails, clients and tarsnodes cannot resolve anything, however redundant the servants are. Run a registry reachable on every network (t_registry_info rows, or a registry bound to 0.0.0.0 on a node with every network) and give clients a locator with an address on each network.`,
  },
  'clients-stuck': {
    severity: 'critical', title: 'callers still sending calls to a dead IP (tarsstat)',
    todo: 'restart or reconfigure those callers (`tarsnet traffic OBJECT` names them and the IPs); fix the link',
    explain: 'In the last slot of tarsstat\'s record (check --traffic), a caller still sent 5 % or more of its calls to IPs where most of its calls failed: its client did not fail over (Node clients keep retrying a dead IP in cycles; a stale endpoint list does too). Those calls fail for its users now. `tarsnet traffic OBJECT` shows the caller, its language and the IPs; restart it or shorten its endpoint refresh, and fix the dead link.',
  },
  'clients-failing': {
    severity: 'critical', title: 'callers whose calls fail on every network (tarsstat)',
    todo: 'look at the object\'s servers and the caller\'s links: `tarsnet traffic OBJECT`, `tarsnet probe OBJECT`',
    explain: 'In the last slot of tarsstat\'s record (check --traffic), most calls of a caller failed on every network it used: failing over cannot help it. The object\'s servers may be down or overloaded, or the caller is cut off from all of them. `tarsnet traffic OBJECT` shows it per network and IP; `tarsnet probe OBJECT` checks the links.',
  },
  'duplicate-ip': {
    severity: 'critical', title: 'the same IP on two nodes',
    todo: 'fix the IP lists so that each IP belongs to one node: `tarsnet nodes edit`',
    explain: 'Two nodes list the same IP: the registry hands out that address for servants of both nodes, and clients reach whichever node really has it. One IP list is wrong (a copy-paste, a moved node). Fix it with `tarsnet nodes set-ips` or `tarsnet nodes edit`.',
  },
  'node-fallback': {
    severity: 'warning', title: 'node on the fallback (no IP list)',
    todo: 'give the node its IP list: `tarsnet nodes set-ips NODE IP1,IP2` (or `tarsnet nodes detect`)',
    explain: 'The node has no IP list, so tarsnet and the registry\'s expansion use endpoint_ip or node_name: one address, one network, whatever the node really has. Its servants are handed out on that network only. Set the list (`tarsnet nodes set-ips`, `tarsnet nodes import`, or `tarsnet nodes detect`).',
  },
  'ip-no-network': {
    severity: 'warning', title: 'IP in no defined network',
    todo: 'fix the IP, or add its CIDR to the networks (config or --networks)',
    explain: 'The IP lies in none of the defined networks\' CIDRs: either it is a typo in the IP list, or a network is missing from the configuration. tarsnet cannot count it towards any network.',
  },
  'object-single-node': {
    severity: 'warning', title: 'object served by one node',
    todo: 'deploy the server on a second node',
    explain: 'All active endpoints of the object are on one node: when that node fails, the object is gone, whatever the networks do. Deploy the server on another node (or accept it: some singletons are meant to be).',
  },
  'stale-node-servants': {
    severity: 'warning', title: 'active servants on a node whose heartbeat is stale',
    todo: 'check tarsnode on that node (is it running? can it reach the registry?)',
    explain: `The node's last heartbeat is older than ${STALE_HEARTBEAT_SECONDS} s (or it never sent one), yet servants on it are active in the database: the registry marks such a node inactive with its servers, and clients lose these endpoints. Check that tarsnode runs on the node and reaches the registry on some network.`,
  },
  'ipv6-wildcard-no-ipv6': {
    severity: 'warning', title: 'IPv6 wildcard (::) on a node without IPv6',
    todo: 'bind to 0.0.0.0, or give the node its IPv6 addresses',
    explain: 'The adapter listens on :: but the node has no IPv6 address in its list. Where IPv6 is off, binding :: fails and the server does not start; where it is on, IPv4 clients depend on the kernel\'s dual-stack setting (net.ipv6.bindv6only). Bind to 0.0.0.0, or add the node\'s IPv6 addresses to its list.',
  },
  'ipv4-wildcard-ipv6-node': {
    severity: 'warning', title: 'IPv4 wildcard (0.0.0.0) on a node with IPv6 addresses',
    todo: 'bind to :: to serve every address of the node',
    explain: '0.0.0.0 (also `-h *` and no -h) listens on IPv4 only: the node\'s IPv6 addresses are not used, and a node with IPv6 only is handed out as 0.0.0.0, which no client can reach. Bind to :: to serve all of the node\'s addresses.',
  },
  'object-no-active-endpoint': {
    severity: 'info', title: 'object with no active endpoint',
    todo: 'nothing to judge: start it, or remove it if it is gone',
    explain: 'No server of the object is active (setting_state, present_state, flow_state), so there is no redundancy to judge: clients get nothing. If the object is meant to run, start it; if it is gone, remove its rows.',
  },
  'non-tars-protocol': {
    severity: 'info', title: 'non-tars protocol',
    todo: 'check how its clients reach it (a load balancer, a VIP?): the registry\'s view may not be theirs',
    explain: 'The adapter speaks another protocol than tars (http, a custom one): its clients may not find it through the registry at all, so the check judges only what the registry hands out, not how those clients really reach it.',
  },
  'unparsable-endpoint': {
    severity: 'info', title: 'endpoint string that does not parse',
    todo: 'fix the endpoint string (`tarsnet resolve OBJECT` shows why)',
    explain: 'The registry skips an adapter whose endpoint string does not parse, so this servant is never handed out and cannot be judged. Fix the endpoint in the Tars web console.',
  },
  'unknown-node': {
    severity: 'info', title: 'servant on a node not in t_node_info',
    todo: 'register the node (tarsnode) or remove the stale server rows',
    explain: 'A server row names a node that t_node_info does not have, so its IPs (and networks) are unknown: its wildcard endpoints cannot be judged.',
  },
  'registry-not-found': {
    severity: 'info', title: 'no registry in the database',
    todo: `add the registry's ${REGISTRY_OBJECT} rows, or check it with \`tarsnet registry check --locator\``,
    explain: `The database has no active ${REGISTRY_OBJECT} (t_registry_info): the registry's reachability per network cannot be judged from it. \`tarsnet registry check\` with --locator asks the live registries.`,
  },
  'traffic-one-network': {
    severity: 'info', title: 'all of an object\'s calls went to one network (tarsstat)',
    todo: 'check why clients avoid the other network (`tarsnet traffic OBJECT`, `tarsnet resolve OBJECT`)',
    explain: 'Every call recorded by tarsstat to the object in the window went to one network, although its nodes have two or more: the other network is unused, so nobody would notice it failing before it is needed. Either the clients were handed one network only (`tarsnet resolve OBJECT`), or they failed over earlier and the other network is down (`tarsnet probe OBJECT`).',
  },
  'failover-object-down': {
    severity: 'critical', title: 'an object has no endpoint left when one network is cut (failover)',
    todo: 'give the object\'s servers an endpoint on another network (`tarsnet resolve OBJECT` shows where it lives)',
    explain: '`tarsnet failover` cuts each network in turn (as `tarsnet impact --cut NETWORK`): this object loses every endpoint under one of the cuts, so no client setting can save its callers. `check --failover` says it only where check has not already (object-single-network, registry-few-networks). `tarsnet failover OBJECT` shows what each caller loses.',
  },
  'failover-slow-detect': {
    severity: 'warning', title: 'a caller keeps calling a dead IP for more than 10 s (failover)',
    todo: 'lower the call timeout (async-invoke-timeout, or sync-invoke-timeout for sync calls) in the template or profile the finding names',
    explain: 'With `check --failover`, each caller\'s effective client settings (its template chain, its server\'s profile, its library\'s defaults) are put through its library\'s failure detection: this caller sends its share of calls to a dead IP for more than 10 s after a network is cut, and each of them fails. The call timeout usually dominates (TarsJava\'s shipped template sets 20 s): lower it where the finding says. `tarsnet failover` shows every caller with the setting that dominates.',
  },
  'failover-keeps-failing': {
    severity: 'warning', title: 'a caller keeps losing calls for as long as a network is down (failover)',
    todo: 'during a long outage take the dead endpoints out of the registry (mark the servers or the node\'s IP inactive); `tarsnet failover` shows how many calls a minute',
    explain: 'With `check --failover`: some clients never stop calling a dead IP for good. Tars.js puts a dead endpoint back into the rotation while its reconnect is pending (about half the time with its defaults); TarsGo and TarsJava send it one probe call every 30 s. These are code defaults, not config keys: the remedy is to take the dead endpoints out of what the registry hands out.',
  },
  'failover-slow-refresh': {
    severity: 'warning', title: 'a caller refreshes its endpoint list from the registry only every few minutes (failover)',
    todo: 'set refresh-endpoint-interval=60000 in the template or profile the finding names',
    explain: 'With `check --failover`: refresh-endpoint-interval (ms) is how often a client asks the registry for the object\'s endpoints. At two minutes or more, a server or IP marked inactive in the registry keeps getting calls from this caller for minutes. Tars ships 60000.',
  },
  'networks-not-configured': {
    severity: 'info', title: 'no networks configured',
    todo: 'define the networks: --networks \'x=CIDR;y=CIDR\', TARSNET_NETWORKS or the profile (`tarsnet init`)',
    explain: 'No networks are configured, so IPs are grouped by /24 and /64: the check cannot tell which networks every node should have (missing-network and fewer-networks findings need named networks).',
  },
}

/** The explanation of a code for `check --explain`; an unknown code is one line listing the codes. */
export function explainCode(code: string): {code: string; severity: Severity; title: string; explain: string; todo: string} {
  const info = CODES[code]
  if (!info) throw new UserError(`unknown finding code '${code}': the codes are ${Object.keys(CODES).join(', ')}`, {code: 'unknown_code', exitCode: EXIT.unknown})
  return {code, ...info}
}

interface Scoped extends Finding {
  /** What the finding is about, for --node/--object/--network: nodes, objects, networks. */
  scope: {nodes: string[]; objects: string[]; networks: string[]}
}

export function runCheck(view: ClusterView, nowMs: number, scope: CheckScope = {}, record?: {traffic?: TrafficSummary; failover?: FailoverFinding[]}): CheckResult {
  const {networks} = view
  const all: Scoped[] = []
  const allNetworks = networks.list.map((n) => n.name)
  const add = (code: string, message: string, fields: Omit<Finding, 'code' | 'severity' | 'message'>, about: Partial<Scoped['scope']>): void => {
    all.push({
      code, severity: CODES[code].severity, message, ...fields,
      scope: {
        nodes: about.nodes ?? (fields.node ? [fields.node] : []),
        objects: about.objects ?? (fields.object ? [fields.object] : []),
        networks: about.networks ?? (fields.network ? [fields.network] : []),
      },
    })
  }

  // Which objects run on which node (for scoping node findings by --object): filled by the object pass.
  // (r.nodes names each node once per object, so plain lists stay free of repeats.)
  const objectsOn = new Map<string, string[]>()
  const activeOn = new Map<string, string[]>()
  const objectsOf = (node: string) => objectsOn.get(node) ?? []
  const note = (map: Map<string, string[]>, node: string, object: string) => {
    const list = map.get(node)
    if (list) list.push(object)
    else map.set(node, [object])
  }
  // Networks the nodes have (each counted once per node): a node lacks one its peers have.
  const holders = new Map<string, number>()
  for (const n of view.nodes.values()) {
    if (n.addresses.source !== 'ip_list') continue
    for (const net of n.networks) holders.set(net, (holders.get(net) ?? 0) + 1)
  }

  // --- Objects
  let registryFound = false
  for (const object of view.objects) {
    const r = view.resolved(object)
    for (const n of r.nodes) {
      note(objectsOn, n.node, object)
      if (n.endpoints.some((e) => e.active)) note(activeOn, n.node, object)
    }
    const isRegistry = object === REGISTRY_OBJECT
    const nodesOf = r.nodes.map((n) => n.node)
    const about = {nodes: nodesOf, objects: [object]}
    const said = new Set<string>()
    const once = (key: string): boolean => {
      if (said.has(key)) return false
      said.add(key)
      return true
    }

    for (const s of r.skipped) {
      if (s.code === 'unparsable') add('unparsable-endpoint', `${object} on ${s.node}: ${s.reason} [${s.endpoint}]`, {node: s.node, object}, {networks: allNetworks})
    }
    for (const w of r.warnings) {
      if (w.code === 'unknown-node' && w.node) add('unknown-node', `${object}: ${w.message}`, {node: w.node, object}, {networks: allNetworks})
      if (w.code === 'non-tars' && w.node && once(`proto`)) {
        const proto = [...r.active, ...r.inactive].find((e) => e.adapterProtocol !== 'tars')?.adapterProtocol ?? 'not tars'
        add('non-tars-protocol', `${object} speaks '${proto}', not tars: judged from the registry's view only`, {object}, {nodes: nodesOf, networks: allNetworks})
      }
    }
    for (const ep of r.active) {
      if (ep.singleHost && ep.origin === 't_adapter_conf' && once(`single:${ep.node}:${ep.host}:${ep.port}`)) {
        add('servant-bound-to-ip', `${object} on ${ep.node} is bound to ${hostPort(ep.host, ep.port)} only: no second network`, {node: ep.node, object, ip: ep.host, ...(ep.network ? {network: ep.network} : {})}, {networks: allNetworks})
      }
    }
    // Wildcards are judged once per node and host as written (an expanded one repeats it on every IP).
    for (const n of r.nodes) {
      const judged: Array<string | null> = []
      for (const ep of n.endpoints) {
        const written = ep.expandedFrom ?? ep.host
        if (judged.includes(written)) continue
        judged.push(written)
        wildcardFinding(ep)
      }
    }
    if (r.active.length === 0) {
      if (!isRegistry) add('object-no-active-endpoint', `${object} has no active endpoint (${r.inactive.length} inactive): nothing to judge`, {object}, {...about, networks: allNetworks})
      continue
    }
    if (isRegistry) registryFound = true
    const onNets = new Set(r.active.map((e) => e.network).filter((n): n is string => n !== null))
    const missing = allNetworks.filter((n) => !onNets.has(n) && (holders.get(n) ?? 0) > 0)
    if (!networks.auto && missing.length > 0) {
      if (isRegistry) {
        for (const net of missing) {
          add('registry-few-networks', `the registry (${REGISTRY_OBJECT}) is reachable on ${onNets.size === 0 ? 'no named network' : [...onNets].join(', ')} only: not on ${net}, which ${holders.get(net)} node(s) have`, {object, network: net, ...(nodesOf.length === 1 ? {node: nodesOf[0]} : {})}, {...about, networks: [net]})
        }
      } else if (onNets.size === 1) {
        const on = [...onNets][0]
        for (const net of missing) {
          add('object-single-network', `${object}: all ${r.active.length} active endpoint${r.active.length === 1 ? '' : 's'} on network ${on}, none on ${net}`, {object, network: net}, {...about, networks: [net]})
        }
      }
    }
    const activeNodes = new Set(r.active.map((e) => e.node))
    if (activeNodes.size === 1) {
      const [node] = activeNodes
      add('object-single-node', `${object} is served by one node: ${node}`, {object, node}, {...about, networks: allNetworks})
    }

    function wildcardFinding(ep: ResolvedEndpoint): void {
      const node = view.nodes.get(ep.node)
      if (!node || ep.origin !== 't_adapter_conf') return
      const wildcard = ep.expandedFrom !== null ? wildcardOf(ep.expandedFrom === '' ? null : ep.expandedFrom) : ep.singleHost ? null : wildcardOf(ep.host)
      if (!wildcard) return
      if (wildcard.kind === 'all' && !node.hasIpv6 && once(`v6:${ep.node}`)) {
        add('ipv6-wildcard-no-ipv6', `${object} on ${ep.node} listens on ${wildcard.written} but ${ep.node} has no IPv6 address`, {node: ep.node, object}, {networks: allNetworks})
      }
      if (wildcard.kind === 'ipv4' && node.hasIpv6 && once(`v4:${ep.node}`)) {
        const v6 = node.addresses.ips.filter((ip) => ip.includes(':'))
        const what = node.hasIpv4 ? `so ${v6.join(', ')} ${v6.length === 1 ? 'is' : 'are'} not used` : 'and the node has no IPv4 address: clients are told 0.0.0.0'
        add('ipv4-wildcard-ipv6-node', `${object} on ${ep.node} listens on ${wildcard.written || '(no -h)'} (IPv4 only) ${what}`, {node: ep.node, object}, {networks: allNetworks})
      }
    }
  }
  // --- Nodes
  if (networks.auto) {
    add('networks-not-configured', `no networks are configured: IPs are grouped by /24 and /64, so missing networks cannot be judged`, {}, {nodes: [...view.nodes.keys()], objects: view.objects, networks: allNetworks})
  }
  const byIp = new Map<string, string[]>()
  for (const n of [...view.nodes.values()].sort((a, b) => naturalCompare(a.name, b.name))) {
    const {name, addresses} = n
    if (addresses.source === 'none') {
      add('node-no-ip', `${name} has no IP list, no endpoint_ip, and its name is not an IP: no address known`, {node: name}, {objects: objectsOf(name), networks: allNetworks})
      continue
    }
    if (addresses.source !== 'ip_list') {
      // Its real IPs are unknown, not known to be missing: one finding, not one per network.
      add('node-fallback', `${name} has no IP list: using its ${addresses.source} ${addresses.ips[0]} (one network)`, {node: name, ip: addresses.ips[0]}, {objects: objectsOf(name), networks: allNetworks})
    } else if (!networks.auto) {
      for (const net of allNetworks) {
        if (!n.networks.has(net) && (holders.get(net) ?? 0) > 0) {
          add('node-missing-network', `${name} has no IP on network ${net} (${holders.get(net)} other node${holders.get(net) === 1 ? ' has' : 's have'} one)`, {node: name, network: net}, {objects: objectsOf(name)})
        }
      }
    }
    for (const ip of addresses.ips) {
      const list = byIp.get(ip)
      if (list) list.push(name)
      else byIp.set(ip, [name])
      if (!networks.auto && networks.classify(ip) === null) {
        add('ip-no-network', `${name}: ${ip} is in no defined network (${allNetworks.join(', ')})`, {node: name, ip}, {objects: objectsOf(name), networks: []})
      }
    }
  }
  for (const [ip, names] of byIp) {
    if (names.length < 2) continue
    const network = networks.classify(ip)
    add('duplicate-ip', `${ip} is listed by ${names.length} nodes: ${names.join(', ')}`, {node: names[0], ip, ...(network ? {network} : {})}, {nodes: names, objects: names.flatMap(objectsOf)})
  }
  // Stale heartbeats, one finding per node with active servants.
  for (const [name, objects] of activeOn) {
    const n = view.nodes.get(name)
    if (!n) continue
    const hb = n.row.lastHeartbeat
    const age = hb ? Math.max(0, Math.round((nowMs - Date.parse(hb)) / 1000)) : null
    if (age !== null && age <= STALE_HEARTBEAT_SECONDS) continue
    const list = [...objects].sort(naturalCompare)
    const when = age === null ? 'never sent a heartbeat' : `last heartbeat ${formatAge(age)}`
    add('stale-node-servants', `${name} ${when} yet has ${list.length} active servant${list.length === 1 ? '' : 's'} (${clipList(list)}): the registry will mark them inactive`, {node: name}, {objects: list, networks: allNetworks})
  }

  if (!registryFound) {
    add('registry-not-found', `no active ${REGISTRY_OBJECT} in the database: the registry's networks cannot be judged`, {object: REGISTRY_OBJECT}, {nodes: [...view.nodes.keys()], objects: [REGISTRY_OBJECT], networks: allNetworks})
  }

  // What the clients did (check --traffic): tarsstat's record.
  if (record?.traffic) {
    for (const f of trafficFindings(record.traffic)) {
      add(f.code, f.message, {object: f.object, ...(f.nodes[0] ? {node: f.nodes[0]} : {}), ...(f.network ? {network: f.network} : {}), ...(f.ip ? {ip: f.ip} : {})}, {nodes: f.nodes, objects: [f.object], networks: f.network ? [f.network] : allNetworks})
    }
  }

  // What a cut of each network would cost the callers (check --failover): core/failover.ts.
  // An object a network cut leaves with no endpoint is already critical here (on one network): said once.
  const onOneNetwork = new Set(all.filter((f) => f.code === 'object-single-network' || f.code === 'registry-few-networks').map((f) => f.object))
  for (const f of record?.failover ?? []) {
    if (f.code === 'failover-object-down' && onOneNetwork.has(f.object)) continue
    add(f.code, f.message, f.object ? {object: f.object} : {}, {nodes: [], objects: f.objects ?? (f.object ? [f.object] : []), networks: f.cut ? [f.cut] : allNetworks})
  }

  const findings = inScope(all, scope).map(({scope: _s, ...f}) => f)
  const order = Object.keys(CODES)
  findings.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || order.indexOf(a.code) - order.indexOf(b.code)
    || naturalCompare(a.node ?? '', b.node ?? '') || naturalCompare(a.object ?? '', b.object ?? '') || naturalCompare(a.network ?? '', b.network ?? ''))
  const counts: Record<Severity, number> = {critical: 0, warning: 0, info: 0}
  for (const f of findings) counts[f.severity]++
  return {
    findings,
    counts,
    exitCode: counts.critical > 0 ? 2 : counts.warning > 0 ? 1 : 0,
    checked: {nodes: view.nodes.size, objects: view.objects.length, networks: allNetworks},
  }
}

/** With filters, only findings about what is in scope: each given filter must match what the finding is about. */
function inScope(findings: Scoped[], scope: CheckScope): Scoped[] {
  const nodeGlobs = (scope.nodes ?? []).map(matcher)
  const objectMatch = scope.object === undefined ? null : matcher(scope.object)
  return findings.filter((f) =>
    (nodeGlobs.length === 0 || f.scope.nodes.some((n) => nodeGlobs.some((m) => m(n))))
    && (objectMatch === null || f.scope.objects.some(objectMatch))
    && (scope.network === undefined || f.scope.networks.includes(scope.network)))
}

function clipList(names: string[], max = 3): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`
}
