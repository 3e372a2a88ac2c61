/**
 * Registry-exact resolution of one object (docs/design.md §2), as a pure function of rows.
 *
 * The rules are those of TarsFramework RegistryServer (DbHandle::loadObjectIdCache and the find* queries
 * in DbHandle.cpp / QueryImp.cpp), plus the seed's expansion: a wildcard host becomes one endpoint per
 * IP of its node. Every row the registry would leave out is reported with its reason, never dropped.
 * The object is keyed by t_adapter_conf.servant alone, as the registry's cache is. The query functions
 * (any, same group, same set) are core/resolve-modes.ts; every sentence a result carries is core/resolve-text.ts.
 */
import type {AdapterRow, NodeRow, ObjectRows, RegistryRow, ServerRow} from './rows.js'
import {formatEndpointTail, parseEndpointDetailed, EndpointParseError, type Endpoint, type Protocol} from './endpoint.js'
import {parseIp} from './ip.js'
import type {Networks} from './networks.js'
import {nodeAddresses, splitUsableAddresses, type IpSource, type UnusableAddress} from './nodes.js'
import {parseObjectName} from './object-name.js'
import {groupIdOf, groupTablesOf, select, type Candidate, type GroupRows, type SetInfo} from './resolve-modes.js'
import {LEFT_OUT, SELECTED, WARNING} from './resolve-text.js'
import {matcher, naturalCompare} from './text.js'

// The name grammar, also imported from here by the stores, the prober and the mesh.
export {parseObjectName, type ObjectName} from './object-name.js'

// ---------------------------------------------------------------------------------------------------
// Result

export interface ResolvedEndpoint {
  /** The node it runs on: the trimmed node_name of the server row (t_registry_info: the locator's host). */
  node: string
  /**
   * EndpointF.nodeName as the registry fills it: the trimmed node_name of the server row, but for
   * t_registry_info rows the trimmed tars_version (its query selects `tars_version AS node_name`).
   */
  nodeName: string
  /** The named network of `host`, or null outside every named network (or a host that is not an IP). */
  network: string | null
  host: string
  port: number
  protocol: Protocol
  timeout: number
  active: boolean
  /** True when `host` replaced a wildcard host from the node's IPs. */
  expanded: boolean
  /** The wildcard that was replaced (`0.0.0.0`, `::`, `*`, or `` for no -h), null when not expanded. */
  expandedFrom: string | null
  /** The endpoint string as stored in the database. */
  source: string
  /** This endpoint serialised (TC_Endpoint::toString), as a client would be given it. */
  endpoint: string
  /** Always 0: the registry never copies -g from the endpoint string into EndpointF. */
  grid: number
  /** Always 0: the registry never copies -q either. */
  qos: number
  weight: number
  weightType: number
  authType: number
  adapter: string
  /** t_adapter_conf.protocol: 'tars' or a non-Tars protocol. */
  adapterProtocol: string
  /** Where the node's IPs came from (only for expanded endpoints). */
  ipSource: IpSource | null
  /** The node has no IP list: its IP came from endpoint_ip or node_name (single network). */
  fallback: boolean
  /** Bound to one specific IP: no second network. */
  singleHost: boolean
  /** EndpointF.setId: `name.area.group` when enable_set='Y', else ''. */
  setId: string
  groupWorkId: number
  groupRealId: number
  origin: 't_adapter_conf' | 't_registry_info'
}

export interface SkippedRow {
  node: string
  reason: string
  endpoint: string
  code: 'standby' | 'unparsable' | 'no-server-row'
  adapter: string
}

export interface ResolveWarning {
  code: string
  message: string
  node?: string
  network?: string
}

export interface NodeEntry {
  node: string
  /** The seed's per-node proxy: `obj@ep1:ep2` over this node's endpoints in the result ('' when resolved with `proxies: false`). */
  proxy: string
  active: boolean
  endpoints: ResolvedEndpoint[]
}

export interface NetworkSummary {
  /** null: endpoints in no named network. */
  network: string | null
  endpoints: number
  activeEndpoints: number
  nodes: string[]
  /** Nodes in the result with no endpoint on this network. */
  missingNodes: string[]
}

export type QueryMode =
  | {kind: 'any'}
  | {kind: 'set'; setId: string; clientIp?: string}
  | {kind: 'group'; clientIp: string}

export interface ModeReport {
  /** The registry function this result reproduces. */
  function: 'findObjectById4Any' | 'findObjectByIdInSameSet' | 'findObjectByIdInSameGroup'
  setId?: string
  clientIp?: string
  clientGroupId?: number
  /** How the endpoints were chosen, e.g. "same group 2", "priority list 'south'", "all (client in no group)". */
  selected: string
  /** For the default view: what it is not (an ordinary client is answered by its own address). */
  note?: string
}

/**
 * A caller as the registry sees it (QueryImp answers for current->getHostName(): the `node_name` in the
 * request context when one is sent, else the TCP peer's address).
 */
export interface ClientAddress {
  /** The network the question comes over; null when it does not matter (node_name sent) or is in none. */
  network: string | null
  /** The caller the registry groups by: callerNodeName when sent, else the TCP peer's address. */
  clientIp: string
  /** node_name in the request context; null when none is sent. */
  callerNodeName: string | null
}

/** What a client at `clientIp` is told (findObjectByIdInSameGroup, or InSameSet with --set). */
export interface ClientView extends ClientAddress {
  mode: ModeReport
  active: ResolvedEndpoint[]
  inactive: ResolvedEndpoint[]
}

export interface ResolveResult {
  object: string
  mode: ModeReport
  active: ResolvedEndpoint[]
  inactive: ResolvedEndpoint[]
  skipped: SkippedRow[]
  nodes: NodeEntry[]
  /** The direct proxy string of the active endpoints; null when there is none. */
  proxy: string | null
  networks: NetworkSummary[]
  warnings: ResolveWarning[]
  /** Addresses in the object's nodes' IP lists that no client can reach (0.0.0.0, multicast, broadcast): left out of the expansion. */
  unusable: UnusableAddress[]
  /** With client addresses (--client-node): what a client there is told, one view per address. */
  clientViews?: ClientView[]
}

export interface ResolveFilters {
  network?: string
  node?: string
  activeOnly?: boolean
}

export interface ResolveInput {
  object: string
  rows: ObjectRows
  /** t_node_info rows (at least those of the object's nodes). */
  nodes: NodeRow[]
  networks: Networks
  groups?: GroupRows
  mode?: QueryMode
  filters?: ResolveFilters
  /** Resolve also as a client at each of these addresses (--client-node): `clientViews` in the result. */
  clients?: ClientAddress[]
  /**
   * Which host an endpoint's IDC group (grouprealid) is taken from: 'expanded' (default) the IP a wildcard
   * was expanded into (the multi-network registry, assumed); 'stored' the host as stored, as the open-source
   * registry does (DbHandle::loadObjectIdCache: getGroupId(epf.host)), so a 0.0.0.0 endpoint is in group -1.
   */
  groupIdsFrom?: 'expanded' | 'stored'
  /**
   * false: leave out the proxy strings (`proxy` null, each node's `proxy` ''), for callers that resolve a
   * whole cluster and never show them (check, impact): a twentieth of their time.
   */
  proxies?: boolean
}

// ---------------------------------------------------------------------------------------------------
// Loading the rows the way loadObjectIdCache does

/** One row of `t_adapter_conf RIGHT JOIN t_server_conf` (or t_registry_info) with an endpoint. */
type ServerState = 'settingState' | 'presentState' | 'flowState' | 'enableGroup' | 'enableSet' | 'setName' | 'setArea' | 'setGroup' | 'ipGroupName' | 'bakFlag'
interface LoadedRow extends Pick<ServerRow, ServerState> {
  node: string
  nodeName: string
  adapter: string
  adapterProtocol: string
  source: string
  origin: ResolvedEndpoint['origin']
}

/** A key part as MySQL's utf8_general_ci matches it: case and trailing spaces ignored. */
export function collationKey(s: string): string {
  const lower = s.toLowerCase()
  return lower.endsWith(' ') ? lower.replace(/ +$/, '') : lower
}

/**
 * The join key of a server row (application, server_name, node_name). The RIGHT JOIN runs in MySQL:
 * utf8_general_ci ignores case and trailing spaces when matching keys. Shared by the stores and the prober.
 */
export function serverKey(application: string, serverName: string, nodeName: string): string {
  return `${collationKey(application)}\u0000${collationKey(serverName)}\u0000${collationKey(nodeName)}`
}

/** The locator_id is `host:port` of the registry's QueryObj; its host names the registry's node. */
export function locatorHost(row: RegistryRow): string {
  const id = row.locatorId.trim()
  const colon = id.lastIndexOf(':')
  return colon > 0 ? id.slice(0, colon) : id
}

function loadRows(object: string, rows: ObjectRows, skipped: SkippedRow[], warnings: ResolveWarning[]): LoadedRow[] {
  const servers = new Map<string, ServerRow>()
  for (const s of rows.servers) servers.set(serverKey(s.application, s.serverName, s.nodeName), s)
  const withAdapter = new Set<string>()
  const out: LoadedRow[] = []
  // The registry's cache is a map keyed by the servant string exactly (MySQL's WHERE would also match other
  // cases and trailing spaces). The registry keeps SQL order, which no ORDER BY fixes; tarsnet lists nodes
  // in natural order instead.
  const adapters = rows.adapters
    .filter((a) => a.servant === object)
    .sort((a, b) => naturalCompare(a.nodeName.trim(), b.nodeName.trim()) || naturalCompare(a.adapterName, b.adapterName))
  for (const a of adapters) {
    // The adapter's own (application, server_name, node_name), whatever the object's name says.
    const key = serverKey(a.application, a.serverName, a.nodeName)
    const server = servers.get(key)
    if (!server) {
      // The RIGHT JOIN keeps server rows only: an adapter without its t_server_conf row is never seen.
      skipped.push({
        node: a.nodeName.trim(), adapter: a.adapterName, endpoint: a.endpoint, code: 'no-server-row',
        reason: LEFT_OUT.noServerRow(a.application, a.serverName, a.nodeName),
      })
      continue
    }
    withAdapter.add(key)
    out.push(fromAdapter(a, server))
  }
  // A server of the object's own App.Server with no adapter for it: the object is missing there.
  const name = parseObjectName(object)
  const own = name ? serverKey(name.application, name.serverName, '') : null
  for (const [key, s] of servers) {
    if (withAdapter.has(key) || own === null || serverKey(s.application, s.serverName, '') !== own) continue
    warnings.push({
      code: 'no-adapter', node: s.nodeName.trim(),
      message: WARNING.noAdapter(s.nodeName.trim(), s.application, s.serverName, object),
    })
  }
  for (const r of rows.registry) {
    if (r.servant !== object) continue
    // sSql2 of loadObjectIdCache: present_state stands for both states, flow is active, no set, no bak,
    // and tars_version stands for node_name, so EndpointF.nodeName is the registry's version.
    out.push({
      node: locatorHost(r), nodeName: (r.tarsVersion ?? '').trim(), adapter: '', adapterProtocol: 'tars', source: r.endpoint,
      settingState: r.presentState, presentState: r.presentState, flowState: 'active',
      enableGroup: r.enableGroup, enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '',
      bakFlag: 0, origin: 't_registry_info',
    })
  }
  return out
}

function fromAdapter(a: AdapterRow, s: ServerRow): LoadedRow {
  return {
    node: s.nodeName.trim(), nodeName: s.nodeName.trim(), adapter: a.adapterName, adapterProtocol: a.protocol, source: a.endpoint,
    settingState: s.settingState, presentState: s.presentState, flowState: s.flowState,
    enableGroup: s.enableGroup, enableSet: s.enableSet, setName: s.setName, setArea: s.setArea,
    setGroup: s.setGroup, ipGroupName: s.ipGroupName, bakFlag: s.bakFlag, origin: 't_adapter_conf',
  }
}

// ---------------------------------------------------------------------------------------------------
// Expansion

export type Wildcard = {kind: 'ipv4' | 'all'; written: string}

/**
 * `0.0.0.0` (any spelling of the IPv4 unspecified address), `*` and no -h → the node's IPv4s (TarsCpp's
 * TC_Endpoint::parse turns `*` into 0.0.0.0, and a default-constructed endpoint's host is 0.0.0.0);
 * `::` (any spelling) → all its IPs; anything else is a specific host. `::ffff:0.0.0.0` is read as the IPv4
 * address it maps (core/ip), so it is 0.0.0.0 here too: a dual-stack socket bound to it accepts IPv4 only.
 */
export function wildcardOf(hostText: string | null): Wildcard | null {
  if (hostText === null) return {kind: 'ipv4', written: ''}
  if (hostText === '*') return {kind: 'ipv4', written: '*'}
  const ip = parseIp(hostText)
  if (!ip || !ip.bytes.every((b) => b === 0)) return null
  return ip.family === 4 ? {kind: 'ipv4', written: hostText} : {kind: 'all', written: hostText}
}

/**
 * The registry expansion of one endpoint host (docs/design.md §2), shared by resolve and probe: a wildcard
 * becomes the node's IPs it listens on, in list order (possibly none); a specific host stays itself.
 * `hostText` is the host as written (null: no -h), `host` the parsed endpoint's host; `nodeIps` are canonical
 * addresses (nodeAddresses), so one without a colon is IPv4.
 */
export function expandHosts(hostText: string | null, host: string, nodeIps: readonly string[]): {wildcard: Wildcard | null; hosts: string[]} {
  return expandWildcard(wildcardOf(hostText), host, nodeIps)
}

/** expandHosts with the host text already read as a wildcard (or not). */
function expandWildcard(wildcard: Wildcard | null, host: string, nodeIps: readonly string[]): {wildcard: Wildcard | null; hosts: string[]} {
  if (!wildcard) return {wildcard: null, hosts: [host]}
  return {wildcard, hosts: wildcard.kind === 'all' ? [...nodeIps] : nodeIps.filter((ip) => !ip.includes(':') || parseIp(ip)?.family === 4)}
}

/** An endpoint string as parsed once per resolution, with its host read as a wildcard or not. */
interface ParsedSource {
  endpoint: Endpoint
  hostText: string | null
  wildcard: Wildcard | null
  /** formatEndpointTail of what is handed out (grid and qos 0). */
  tail: string
}

// ---------------------------------------------------------------------------------------------------

export function resolveObject(input: ResolveInput): ResolveResult {
  const {object, networks} = input
  const mode = input.mode ?? {kind: 'any'}
  const skipped: SkippedRow[] = []
  const warnings: ResolveWarning[] = []
  const tables = groupTablesOf(input.groups)
  const groupsByStoredHost = input.groupIdsFrom === 'stored'
  // Expanded endpoints whose IDC group comes from their IP here but would be the stored host's (-1) upstream.
  const wildcardGroups = new Set<string>()
  const nodeRows = new Map<string, NodeRow>()
  for (const n of input.nodes) nodeRows.set(n.nodeName.trim(), n)

  const loaded = loadRows(object, input.rows, skipped, warnings)
  // Nodes are warned about once, however many endpoints they carry.
  const warnedNodes = new Set<string>()
  const warnOnce = (key: string, w: ResolveWarning) => {
    if (warnedNodes.has(key)) return
    warnedNodes.add(key)
    warnings.push(w)
  }

  const candidates: Candidate[] = []
  const unusable: UnusableAddress[] = []
  const unusableSeen = new Set<string>()
  // The servers of one object usually share one endpoint string (0.0.0.0 and a port) over all their nodes:
  // each distinct string is parsed once. The parsed endpoint is only ever read (base() copies it).
  const parsedBySource = new Map<string, ParsedSource>()
  for (const row of loaded) {
    let parsed: ParsedSource
    try {
      const seen = parsedBySource.get(row.source)
      if (seen) parsed = seen
      else {
        // A default-constructed TC_Endpoint has host 0.0.0.0, so the registry reads a missing -h as that.
        const detailed = parseEndpointDetailed(row.source, {missingHost: '0.0.0.0'})
        parsed = {...detailed, wildcard: wildcardOf(detailed.hostText), tail: formatEndpointTail({...detailed.endpoint, grid: 0, qos: 0})}
        parsedBySource.set(row.source, parsed)
      }
    } catch (error) {
      if (!(error instanceof EndpointParseError)) throw error
      skipped.push({node: row.node, adapter: row.adapter, endpoint: row.source, code: 'unparsable', reason: LEFT_OUT.unparsable(error.reason)})
      continue
    }
    // Parsed before the standby check, as in loadObjectIdCache.
    if (row.bakFlag === 1) {
      skipped.push({node: row.node, adapter: row.adapter, endpoint: row.source, code: 'standby', reason: LEFT_OUT.standby})
      continue
    }
    const active = row.settingState === 'active' && row.presentState === 'active' && row.flowState !== 'inactive'
    const enableSet = row.enableSet.toLowerCase() === 'y'
    const set: SetInfo | null = enableSet
      ? {
          valid: row.setName !== '' && row.setArea !== '' && row.setGroup !== '' && row.setName !== '*' && row.setArea !== '*',
          name: row.setName,
          area: `${row.setName}.${row.setArea}`,
          id: `${row.setName}.${row.setArea}.${row.setGroup}`,
        }
      : null
    if (set && !set.valid) {
      warnings.push({code: 'invalid-set', node: row.node, message: WARNING.invalidSet(row.node, set.id)})
    }
    if (parsed.hostText === null) {
      warnings.push({code: 'no-host', node: row.node, message: WARNING.noHost(row.node, row.source)})
    }
    if (row.adapterProtocol !== 'tars' && row.origin === 't_adapter_conf') {
      warnOnce(`proto:${row.node}:${row.adapter}`, {code: 'non-tars', node: row.node, message: WARNING.nonTars(row.node, row.adapter, row.adapterProtocol)})
    }
    if (parsed.endpoint.grid !== 0 || parsed.endpoint.qos !== 0) {
      warnOnce(`gridqos:${row.node}:${row.adapter}:${row.source}`, {
        code: 'grid-qos-dropped', node: row.node,
        message: WARNING.gridQosDropped(row.node, row.source, parsed.endpoint.grid, parsed.endpoint.qos),
      })
    }

    // What every endpoint of this row shares, computed once per row rather than per expanded address.
    const handed = parsed.endpoint
    const setId = enableSet ? `${row.setName}.${row.setArea}.${row.setGroup}` : ''
    const ipGroup = row.ipGroupName.trim()
    const groupEnabled = row.enableGroup.toLowerCase() === 'y'
    const base = (host: string, expandedFrom: string | null, ipSource: IpSource | null, fallback: boolean, singleHost: boolean): ResolvedEndpoint => {
      const groupHost = groupsByStoredHost ? handed.host : host
      const groupRealId = ipGroup === '' ? groupIdOf(tables, groupHost) : (tables.byName.get(ipGroup) ?? -1)
      if (expandedFrom !== null && ipGroup === '' && !groupsByStoredHost && groupRealId !== groupIdOf(tables, handed.host)) {
        wildcardGroups.add(SELECTED.expandedGroup(host, groupRealId))
      }
      return {
        node: row.node,
        nodeName: row.nodeName,
        network: networks.classify(host),
        host,
        port: handed.port,
        protocol: handed.protocol,
        timeout: handed.timeout,
        active,
        expanded: expandedFrom !== null,
        expandedFrom,
        source: row.source,
        endpoint: `${handed.protocol} -h ${host}${parsed.tail}`,
        // DbHandle::loadObjectIdCache copies host, port, timeout, transport, weight, weight type and auth:
        // grid and qos stay 0 whatever the string says.
        grid: 0,
        qos: 0,
        weight: handed.weight,
        weightType: handed.weightType,
        authType: handed.authType,
        adapter: row.adapter,
        adapterProtocol: row.adapterProtocol,
        ipSource,
        fallback,
        singleHost,
        setId,
        groupWorkId: groupEnabled ? groupRealId : -1,
        groupRealId,
        origin: row.origin,
      }
    }

    const nodeRow = nodeRows.get(row.node)
    // An unknown node still falls back to its name when that is an IP.
    const listed = nodeAddresses(nodeRow ?? {
      nodeName: row.node, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: '', settingState: '',
      lastHeartbeat: null, lastRegTime: null, tarsVersion: '',
    })
    // 0.0.0.0, multicast and broadcast addresses in a list are never handed out: left out, and said.
    const split = splitUsableAddresses(row.node, listed, networks)
    const addresses = split.unusable.length === 0 ? listed : {...listed, ips: split.usable}
    if (split.unusable.length > 0 && !unusableSeen.has(row.node)) {
      unusableSeen.add(row.node)
      unusable.push(...split.unusable)
      warnings.push({code: 'unusable-address', node: row.node, message: WARNING.unusableAddress(row.node, split.unusable)})
    }
    const {wildcard, hosts: ips} = expandWildcard(parsed.wildcard, parsed.endpoint.host, addresses.ips)
    if (!wildcard) {
      // A specific host: kept as is, and flagged, since it cannot fail over to another network.
      const host = ips[0]
      candidates.push({ep: base(host, null, null, false, true), set})
      warnOnce(`single:${row.node}:${host}:${parsed.endpoint.port}`, {
        code: 'single-host', node: row.node,
        message: WARNING.singleHost(row.node, host),
      })
      const known = nodeRow ? addresses.ips : []
      const hostIp = parseIp(host)?.text ?? host
      if (nodeRow && known.length > 0 && !known.includes(hostIp)) {
        warnOnce(`foreign:${row.node}:${host}`, {code: 'foreign-host', node: row.node, message: WARNING.foreignHost(row.node, host, known)})
      }
      continue
    }

    if (!nodeRow) {
      warnOnce(`unknown:${row.node}`, {code: 'unknown-node', node: row.node, message: WARNING.unknownNode(row.node)})
    }
    const fallback = addresses.source === 'endpoint_ip' || addresses.source === 'node_name'
    if (fallback) {
      warnOnce(`fallback:${row.node}`, {
        code: 'fallback', node: row.node,
        message: WARNING.fallback(row.node, addresses.source, addresses.ips[0]),
      })
    }
    if (wildcard.kind === 'ipv4' && ips.length > 0 && ips.length < addresses.ips.length) {
      const v6 = addresses.ips.filter((ip) => !ips.includes(ip))
      warnOnce(`v4only:${row.node}`, {code: 'ipv4-only', node: row.node, message: WARNING.ipv4Only(row.node, wildcard.written, v6)})
    }
    if (ips.length === 0) {
      // Nothing to expand into: the registry would hand out the wildcard itself, which no client can reach.
      warnOnce(`noexp:${row.node}:${wildcard.written}`, {
        code: 'not-expanded', node: row.node,
        message: WARNING.notExpanded(row.node, wildcard.written, addresses.ips.length > 0, parsed.endpoint.host),
      })
      candidates.push({ep: base(parsed.endpoint.host, null, null, false, false), set})
      continue
    }
    for (const ip of ips) candidates.push({ep: base(ip, wildcard.written, addresses.source, fallback, false), set})
  }

  // Registry query mode.
  const selection = select(candidates, mode, tables, warnings)
  const noteGroups = (report: ModeReport) => {
    if (report.clientGroupId === undefined || wildcardGroups.size === 0) return
    report.note = SELECTED.expandedGroupsNote([...wildcardGroups])
  }
  noteGroups(selection.report)

  // Filters (tarsnet's, not the registry's).
  const f = input.filters ?? {}
  const nodeMatch = matcher(f.node)
  const filter = (eps: ResolvedEndpoint[]) => eps.filter((ep) =>
    (f.network === undefined || ep.network === f.network) && nodeMatch(ep.node) && (!f.activeOnly || ep.active))
  const chosen = filter(selection.endpoints)
  const filteredSkipped = skipped.filter((s) => nodeMatch(s.node))
  const active = chosen.filter((ep) => ep.active)
  const inactive = chosen.filter((ep) => !ep.active)

  if (active.length === 0) {
    warnings.push({code: 'no-active', message: WARNING.noActive(object)})
  }

  const withProxies = input.proxies !== false
  const nodes = nodeEntries(object, chosen, withProxies)
  const summaries = networkSummaries(networks, nodes, f.network)
  for (const s of summaries) {
    if (s.network === null) {
      warnings.push({code: 'no-network', message: WARNING.noNetwork(s.endpoints, s.nodes)})
      continue
    }
    for (const n of s.missingNodes) {
      // A node already explained (single IP, fallback, IPv4-only) needs no second line saying the same.
      if (warnings.some((w) => w.node === n && EXPLAINS_MISSING.has(w.code))) continue
      warnings.push({code: 'missing-network', node: n, network: s.network, message: WARNING.missingNetwork(n, s.network)})
    }
  }

  const result: ResolveResult = {
    object,
    mode: selection.report,
    active,
    inactive,
    skipped: filteredSkipped,
    nodes,
    // formatProxy over the active endpoints, from the strings already formatted for each.
    proxy: withProxies && active.length > 0 ? `${object}@${active.map((e) => e.endpoint).join(':')}` : null,
    networks: summaries,
    warnings: filterWarnings(warnings, nodeMatch),
    unusable: unusable.filter((u) => nodeMatch(u.node)),
  }
  if (input.clients !== undefined) {
    // A client calls InSameSet when it has a set, else InSameGroup; the registry answers for the caller it names.
    result.clientViews = input.clients.map((client): ClientView => {
      const viewMode: QueryMode = mode.kind === 'set' ? {kind: 'set', setId: mode.setId, clientIp: client.clientIp} : {kind: 'group', clientIp: client.clientIp}
      const scratch: ResolveWarning[] = []
      const view = select(candidates, viewMode, tables, scratch)
      noteGroups(view.report)
      for (const w of scratch) if (!result.warnings.some((x) => x.message === w.message)) result.warnings.push(w)
      const eps = filter(view.endpoints)
      return {...client, mode: view.report, active: eps.filter((ep) => ep.active), inactive: eps.filter((ep) => !ep.active)}
    })
  }
  return result
}

/**
 * The caller a real client on `node` is to the registry: it sends `node_name` in every QueryF request's
 * context — a TarsCpp server its configured <nodename> (which tarsnode fills with the node's name since
 * framework 3.0.17; before that its <localip>), Tars.js's @tars/registry the same — so the registry groups
 * it by the node's name on whatever network it asks over (TarsCpp Application.cpp, Current::getHostName).
 */
export function clientOnNode(node: NodeRow): ClientAddress {
  const name = node.nodeName.trim()
  return {network: null, clientIp: name, callerNodeName: name}
}

const EXPLAINS_MISSING = new Set(['single-host', 'fallback', 'ipv4-only', 'not-expanded'])

function filterWarnings(warnings: ResolveWarning[], nodeMatch: (n: string) => boolean): ResolveWarning[] {
  return warnings.filter((w) => w.node === undefined || nodeMatch(w.node))
}

function nodeEntries(object: string, endpoints: ResolvedEndpoint[], withProxies: boolean): NodeEntry[] {
  const byNode = new Map<string, ResolvedEndpoint[]>()
  for (const ep of endpoints) {
    const list = byNode.get(ep.node) ?? []
    list.push(ep)
    byNode.set(ep.node, list)
  }
  return [...byNode.entries()]
    .sort((a, b) => naturalCompare(a[0], b[0]))
    .map(([node, eps]) => ({
      node,
      // formatProxy over these endpoints: each one's `endpoint` is already its formatEndpoint.
      proxy: withProxies ? `${object}@${eps.map((e) => e.endpoint).join(':')}` : '',
      active: eps.some((e) => e.active),
      endpoints: eps,
    }))
}

function networkSummaries(networks: Networks, nodes: NodeEntry[], only: string | undefined): NetworkSummary[] {
  // One pass over the endpoints (this runs once per object of a whole cluster in check and impact).
  const tally = new Map<string | null, {endpoints: number; active: number; nodes: Set<string>}>()
  for (const n of nodes) {
    for (const e of n.endpoints) {
      let t = tally.get(e.network)
      if (!t) tally.set(e.network, (t = {endpoints: 0, active: 0, nodes: new Set()}))
      t.endpoints++
      if (e.active) t.active++
      t.nodes.add(n.node)
    }
  }
  let names: Array<string | null>
  if (only !== undefined) names = [only]
  else if (networks.auto) names = [...tally.keys()].filter((n): n is string => n !== null).sort(naturalCompare)
  else names = networks.list.map((n) => n.name)
  if (only === undefined && tally.has(null)) names.push(null)
  return names.map((network) => {
    const t = tally.get(network)
    // "Missing" only means something for configured networks: every node should be on each of them.
    const missing = network === null || networks.auto ? [] : nodes.filter((n) => !t?.nodes.has(n.node)).map((n) => n.node)
    return {
      network,
      endpoints: t?.endpoints ?? 0,
      activeEndpoints: t?.active ?? 0,
      nodes: nodes.filter((n) => t?.nodes.has(n.node)).map((n) => n.node),
      missingNodes: missing,
    }
  })
}
