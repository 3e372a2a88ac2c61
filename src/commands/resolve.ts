import {Args, Flags} from '@oclif/core'

import {normalizeIp} from '../core/ip.js'
import {assertKnownNetwork} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {
  clientOnNode,
  hostPort,
  nodesLines,
  parseObjectName,
  parseSetId,
  resolveObject,
  summarySentence,
  type ClientAddress,
  type QueryMode,
  type ResolveResult,
} from '../core/resolve.js'
import {escapeControl} from '../core/text.js'
import {BaseCommand} from '../cli/base-command.js'
import {UserError} from '../core/errors.js'
import {loadClientNode, loadObjectRows} from '../store/object-loader.js'
import type {LiveSummary} from '../registry/live.js'
import {renderTable} from '../platform/table.js'
import {NO_NETWORK} from '../core/names.js'

export type ResolveCommandResult = ResolveResult & {live?: LiveSummary; notices: string[]}

export default class Resolve extends BaseCommand<typeof Resolve> {
  static override summary = 'Where an object really lives: the endpoints the registry hands out, expanded per node IP and network.'
  static override description = `Follows the registry's own rules (TarsFramework RegistryServer): an endpoint is active when setting_state and present_state are 'active' and flow_state is not 'inactive'; standby rows (bak_flag=1) and endpoint strings that do not parse are left out and listed with the reason.
Then the multi-network expansion: a server bound to 0.0.0.0 is listed once per IPv4 address of its node, and so is one with -h * or with no -h (both are 0.0.0.0: IPv4 only, its node's IPv6 addresses are not used, and a warning says so); a server bound to :: once per address, IPv4 and IPv6. In the order of the node's IP list. A server bound to one specific IP is kept and flagged, since it has no second network.
The object is keyed by t_adapter_conf.servant alone, as the registry's cache is: an adapter whose servant is the object belongs to it whatever its own application and server_name say. Endpoints are handed out as the registry hands them: grid and qos are always 0 (the stored string is kept in "source"), and nodeName is what EndpointF.nodeName carries (for t_registry_info rows the registry's tars_version).
By default the result is what findObjectById4Any returns (active and inactive): the full list. An ordinary client is told less: it calls findObjectByIdInSameGroup (findObjectByIdInSameSet when it has a set), so its answer depends on where it runs. The registry answers those for current->getHostName(): the node_name in the request context when one is sent, else the TCP peer's address (TarsFramework QueryImp.cpp, TarsCpp Current.cpp). Real clients send it: a TarsCpp server its configured node name (tarsnode writes the node's name into its config since framework 3.0.17; before, its local IP), @tars/registry the same. So --client-node NODE (a node name, or an IP of one) shows the answer for node_name = NODE's name, whichever network the client asks over; a node name that is not an IP is in no IDC group. --client-ip IP reproduces a caller that sends no node_name and connects from IP; --set name.area.group a client in that set.
The open-source registry takes an endpoint's IDC group from its host as stored, so a 0.0.0.0 endpoint is in group -1 there; tarsnet groups the expanded IPs (a multi-network registry is assumed to): the --client-ip/--client-node answers say so where it matters.`

  static override examples = [
    {description: 'Resolve an object of the built-in demo cluster', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --demo'},
    {description: 'The direct proxy string of its active endpoints, for a client config', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --format proxy'},
    {description: 'One line per node, in the raft form (nodeName  obj@ep1:ep2)', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --format nodes'},
    {description: 'What a client at 10.20.3.4 is told (IDC groups)', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --client-ip 10.20.3.4'},
    {description: 'What a client running on node 127.10.0.3 is told, asking over each of its networks', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --client-node 127.10.0.3 --demo'},
    {description: 'Only network y, active endpoints, as JSON', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --network y --active --json'},
  ]

  static override args = {
    object: Args.string({description: 'The object (servant) name, App.Server.Obj. Omit it at a terminal to pick from a list.'}),
  }

  static override flags = {
    format: Flags.string({
      summary: 'table (default): endpoints by node; proxy: the direct proxy string of the active endpoints; nodes: one proxy line per node.',
      options: ['table', 'proxy', 'nodes'],
      default: 'table',
    }),
    set: Flags.string({summary: 'Resolve as a client in this set (name.area.group): findObjectByIdInSameSet.'}),
    'client-ip': Flags.string({summary: 'Resolve as a client with this IP: the IDC group priority of findObjectByIdInSameGroup.', exclusive: ['client-node']}),
    'client-node': Flags.string({
      summary: "Also show what a client running on this node (its name, or one of its IPs) is told: findObjectByIdInSameGroup, or InSameSet with --set, asked with node_name = the node's name, as real clients ask.",
      exclusive: ['client-ip'],
    }),
    network: Flags.string({summary: 'Only endpoints on this network.'}),
    node: Flags.string({summary: 'Only endpoints on nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
    active: Flags.boolean({summary: 'Only active endpoints.'}),
    live: Flags.boolean({summary: 'Also ask the live registries (the locator, else t_registry_info) whether they hand out the same (with --client-node: as that client asks, with its node_name): one line; details in `tarsnet registry check`.'}),
  }

  async run(): Promise<ResolveCommandResult> {
    const {flags} = this
    // Everything the operator typed is checked before any query.
    let clientIp: string | undefined
    if (flags['client-ip'] !== undefined) {
      clientIp = normalizeIp(flags['client-ip']) ?? undefined
      if (!clientIp) throw new UserError(`invalid --client-ip '${flags['client-ip']}': give an IPv4 or IPv6 address`, {code: 'invalid_ip'})
    }
    if (flags.set !== undefined) parseSetId(flags.set)
    if (flags['client-node'] !== undefined && flags.format !== 'table') {
      throw new UserError(`--client-node shows the client's answer beside the full list: use it with the table or --json, not --format ${flags.format}`, {code: 'invalid_flag'})
    }
    let object = this.args.object
    if (object !== undefined) checkName(object)
    else if (!this.canPrompt()) {
      throw new UserError('missing argument OBJECT: give the object name, e.g. `tarsnet resolve App.Server.Obj`', {code: 'missing_argument'})
    }

    const store = await this.openStore()
    if (object === undefined) object = await this.pickServant(store, 'Object to resolve (type to filter)')
    checkName(object)

    const {rows, nodes} = await loadObjectRows(store, object)
    await this.noteMissingIpListColumn(store)
    const clientNode = flags['client-node'] === undefined ? undefined : await loadClientNode(store, flags['client-node'])
    const groups = await store.loadGroups()
    const networks = this.networksFor([...nodes, ...(clientNode ? [clientNode] : [])].flatMap((n) => nodeAddresses(n).ips))
    assertKnownNetwork(networks, flags.network)
    // A client on the node sends its node name as node_name: the registry groups by that, on every network.
    const clients: ClientAddress[] | undefined = clientNode ? [clientOnNode(clientNode)] : undefined

    let mode: QueryMode = {kind: 'any'}
    if (flags.set !== undefined) mode = {kind: 'set', setId: flags.set, clientIp}
    else if (clientIp !== undefined) mode = {kind: 'group', clientIp}

    const result = resolveObject({
      object, rows, nodes, networks, groups, mode, clients,
      filters: {network: flags.network, node: flags.node, activeOnly: flags.active},
    })

    let live: LiveSummary | undefined
    if (flags.live) {
      const {liveSummary} = await import('../registry/live.js')
      live = await liveSummary({store, settings: this.settings(), object, rows, nodes, networks, groups, mode, callerNodeName: clients?.[0].callerNodeName ?? undefined})
      for (const note of live.notes) this.notice(note)
    }
    if (!this.jsonEnabled()) this.render(result)
    if (live && !this.jsonEnabled()) {
      const asked = live.callerNodeName === null ? '' : ` (${live.query} with node_name '${live.callerNodeName}', as a client on ${this.flags['client-node']} asks)`
      this.log(`\nLive registries${asked}: ${live.line}`)
    }
    return {...result, ...(live ? {live} : {}), notices: this.notices, ...this.sourceJson()}
  }

  private render(result: ResolveResult): void {
    const format = this.flags.format
    if (format === 'proxy') {
      if (result.proxy === null) {
        throw new UserError(`no active endpoint for ${result.object}: nothing to put in a proxy string (run without --format to see why)`, {code: 'no_active_endpoint'})
      }
      this.log(result.proxy)
      return
    }
    if (format === 'nodes') {
      if (result.nodes.length === 0) throw new UserError(`no endpoint for ${result.object} matches`, {code: 'no_endpoint'})
      for (const line of nodesLines(result)) this.log(line)
      return
    }

    const all = result.nodes.flatMap((n) => n.endpoints)
    this.log(`${this.paint('bold', result.object)}  ${result.mode.function}: ${result.mode.selected}`)
    if (result.mode.note) this.log(this.paint('dim', `(${result.mode.note})`))
    this.log(`${result.active.length} active, ${result.inactive.length} inactive on ${result.nodes.length} node(s)`)
    this.log('')
    const views = result.clientViews
    if (all.length > 0) {
      const head = ['NODE', 'NETWORK', 'ENDPOINT', 'PROTO', 'TIMEOUT', 'STATE', 'EXPANDED FROM']
      // --client-node: one column per network, saying whether a client asking from there is told the endpoint.
      if (views) head.push(...views.map((v) => `TOLD TO ${v.callerNodeName ?? v.clientIp}`))
      const rows: string[][] = []
      for (const n of result.nodes) {
        n.endpoints.forEach((e, i) => {
          const from = e.expanded ? `${e.expandedFrom || '(no -h)'}${e.fallback ? ` via ${e.ipSource}` : ''}` : e.singleHost ? this.paint('yellow', 'bound to this IP') : this.paint('red', 'not expanded')
          const row = [
            i === 0 ? escapeControl(n.node) : '',
            e.network ?? this.paint('yellow', NO_NETWORK),
            hostPort(e.host, e.port),
            e.protocol,
            String(e.timeout),
            e.active ? this.paint('green', 'active') : this.paint('red', 'inactive'),
            from,
          ]
          if (views) row.push(...views.map((v) => ([...v.active, ...v.inactive].includes(e) ? (e.active ? 'told' : 'told (inactive)') : this.paint('dim', '-'))))
          rows.push(row)
        })
      }
      this.log(renderTable(head, rows, {width: this.width, squeeze: ['PROTO', 'TIMEOUT', 'STATE']}))
      this.log('')
    }
    if (views) {
      for (const v of views) {
        this.log(`A client on ${this.flags['client-node']} is told (${v.mode.function} with node_name '${v.callerNodeName}' in its request context, the same over every network): ${v.active.length} active, ${v.inactive.length} inactive — ${v.mode.selected}`)
        if (v.mode.note) this.log(this.paint('dim', `(${v.mode.note})`))
      }
      this.log('')
    }
    this.log(`Networks: ${summarySentence(result.networks)}`)
    if (result.skipped.length > 0) {
      this.log('')
      this.log(`Left out (${result.skipped.length}):`)
      for (const s of result.skipped) this.log(`  ${s.node}  ${s.reason}  [${s.endpoint}]`)
    }
    if (result.warnings.length > 0) {
      this.log('')
      this.log(`Warnings (${result.warnings.length}):`)
      for (const w of result.warnings) this.log(`  ${this.paint('yellow', '!')} ${w.message}`)
    }
  }
}

function checkName(object: string) {
  const name = parseObjectName(object)
  if (!name) {
    throw new UserError(`malformed object name '${object}': expected App.Server.Obj (three dot-separated names of letters, digits, _ or -)`, {code: 'invalid_object'})
  }
  return name
}
