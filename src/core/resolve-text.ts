/**
 * The words of a resolution, apart from its rules (core/resolve.ts, core/resolve-modes.ts): why a row is
 * left out, what each warning says, how the registry's answer was chosen. They are part of the result
 * (its JSON carries them), so they stay in the pure core; the resolver only picks which one applies.
 */
import {describeUnusable, type IpSource, type UnusableAddress} from './nodes.js'

/** `10.10.0.1:7`, `[fd00::1]:7`. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** SkippedRow.reason: why the registry never hands a row out. */
export const LEFT_OUT = {
  noServerRow: (application: string, serverName: string, nodeName: string) =>
    `no t_server_conf row for ${application}.${serverName} on ${nodeName}: the registry never sees this adapter`,
  unparsable: (why: string) => `endpoint does not parse: ${why}`,
  standby: 'bak_flag=1: a standby server, never handed to clients',
}

/** ResolveWarning.message, one per warning code. */
export const WARNING = {
  noAdapter: (node: string, application: string, serverName: string, object: string) => `${node} runs ${application}.${serverName} but has no adapter for ${object}`,
  invalidSet: (node: string, setId: string) => `${node}: set division '${setId}' is invalid: the registry ignores it for set queries`,
  noHost: (node: string, source: string) => `${node}: endpoint '${source}' has no -h: the registry reads it as 0.0.0.0`,
  nonTars: (node: string, adapter: string, protocol: string) => `${node}: adapter ${adapter} speaks '${protocol}', not tars: probes can only test a TCP connect`,
  gridQosDropped: (node: string, source: string, grid: number, qos: number) => {
    const given = [grid !== 0 ? `-g ${grid}` : '', qos !== 0 ? `-q ${qos}` : ''].filter(Boolean).join(' ')
    return `${node}: '${source}' sets ${given}, which the registry never hands out (grid and qos are always 0)`
  },
  unusableAddress: (node: string, unusable: UnusableAddress[]) =>
    `${node}: its IP list holds ${unusable.map(describeUnusable).join(', ')}: no client can reach ${unusable.length === 1 ? 'it' : 'them'}, left out of the expansion`,
  singleHost: (node: string, host: string) => `${node}: bound to ${host} only: no second network`,
  foreignHost: (node: string, host: string, known: string[]) => `${node}: ${host} is not one of the node's IPs (${known.join(', ')})`,
  unknownNode: (node: string) => `${node} is not in t_node_info: its IPs are unknown`,
  fallback: (node: string, source: IpSource, ip: string) => `${node} has no IP list: using its ${source} ${ip} (single network)`,
  /** `written`: the wildcard as written ('*', '' for no -h, or a spelling of 0.0.0.0); `unused`: the node's IPv6 addresses. */
  ipv4Only: (node: string, written: string, unused: string[]) => {
    const what = written === '*' ? "'-h *' is 0.0.0.0 and" : written === '' ? 'no -h is 0.0.0.0 and' : '0.0.0.0'
    return `${node}: ${what} listens on IPv4 only, so ${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used`
  },
  /** `anyIp`: the node has IPs, none of them IPv4; `told`: the host clients would be handed. */
  notExpanded: (node: string, written: string, anyIp: boolean, told: string) =>
    `${node}: ${written || '(no -h)'} not expanded: the node has ${anyIp ? 'no IPv4 address' : 'no known IP'}; clients would be told ${told}`,
  noActive: (object: string) => `no active endpoint for ${object}: a client would get nothing to call`,
  noNetwork: (endpoints: number, nodes: string[]) => `${endpoints} endpoint(s) on ${nodes.join(', ')} are in no named network`,
  missingNetwork: (node: string, network: string) => `${node} has no endpoint on network ${network}`,
  setEmpty: (setId: string) => `set ${setId}: the registry finds no server and returns an error; a client gets no endpoint`,
}

/** ModeReport.selected and note: how the registry's function chose the endpoints it hands out. */
export const SELECTED = {
  any: 'all endpoints, active and inactive',
  anyNote: "an ordinary client calls findObjectByIdInSameGroup, answered for the node_name it sends (its node's name), and may be told only part of this list: see --client-node",
  /** An expanded IP whose IDC group is not its stored host's, as expandedGroupsNote lists it. */
  expandedGroup: (host: string, groupId: number) => `${host} group ${groupId}`,
  /** `groups`: the expanded IPs whose group differs from the stored host's (expandedGroup), the first three named. */
  expandedGroupsNote: (groups: string[]) => {
    const some = groups.slice(0, 3).join(', ') + (groups.length > 3 ? ', …' : '')
    return `the IDC groups here come from the expanded IPs (${some}), as a multi-network registry is assumed to take them; the open-source registry takes them from the host as stored, so its 0.0.0.0 endpoints are in group -1 and it may answer this client differently`
  },
  /** The servant has no set of that name: IDC grouping instead (`grouped`: what it chose for `clientIp`). */
  noSet: (anySet: boolean, name: string, clientIp: string | undefined, grouped: string) => {
    const why = anySet ? `no server is in set '${name}'` : 'no server of this object has a set'
    const then = clientIp ? `IDC grouping for ${clientIp}: ${grouped}` : 'IDC grouping without a client IP: all endpoints'
    return `${why}, so ${then}`
  },
  everyGroupOf: (setArea: string) => `every group of ${setArea}`,
  set: (setId: string) => `set ${setId}`,
  wildcardGroup: (setId: string, setArea: string) => `no server in ${setId}, so the wildcard group ${setArea}.*`,
  noServerInSet: (setId: string, setArea: string, anyGroup: boolean) => `no server in ${setId}${anyGroup ? '' : ` or ${setArea}.*`}`,
  /** `isIp`: the client is an address (else a node name no group rule names). */
  noGroup: (clientIp: string, isIp: boolean) => `all endpoints: ${isIp ? clientIp : `${clientIp} (not an IP, and no group rule names it)`} is in no IDC group`,
  sameGroup: (groupId: number) => `same IDC group ${groupId}`,
  groupPriority: (name: string, groups: Iterable<number>) => `group priority '${name}' (groups ${[...groups].join(', ')})`,
  ungrouped: 'servers without IDC grouping',
  allFallback: 'all endpoints: none active in any preferred group',
}
