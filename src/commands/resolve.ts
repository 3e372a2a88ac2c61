import {Args, Flags} from '@oclif/core'

import {normalizeIp} from '../core/ip.js'
import {parseLocator} from '../core/locator.js'
import {requireObjectName} from '../core/object-name.js'
import {parseSetId} from '../core/resolve-modes.js'
import {BaseCommand} from '../cli/base-command.js'
import {resolveLocator} from '../cli/config/feature-settings.js'
import {UserError} from '../core/errors.js'
import {runResolve, type ResolveFormat, type ResolveRunResult} from '../resolve/run.js'
import {renderResolve} from '../resolve/view.js'

export type ResolveCommandResult = ResolveRunResult & {notices: string[]}

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
    const format = flags.format as ResolveFormat
    if (flags['client-node'] !== undefined && format !== 'table') {
      throw new UserError(`--client-node shows the client's answer beside the full list: use it with the table or --json, not --format ${format}`, {code: 'invalid_flag'})
    }
    let object = this.args.object
    if (object !== undefined) requireObjectName(object)
    else if (!this.canPrompt()) {
      throw new UserError('missing argument OBJECT: give the object name, e.g. `tarsnet resolve App.Server.Obj`', {code: 'missing_argument'})
    }

    const store = await this.openStore()
    if (object === undefined) object = await this.pickServant(store, 'Object to resolve (type to filter)')
    requireObjectName(object)

    const result = await runResolve({
      object, setId: flags.set, clientIp, clientNode: flags['client-node'], live: flags.live,
      filters: {network: flags.network, node: flags.node, activeOnly: flags.active},
      store, configuredNetworks: this.settings().networks.value,
      rowsRead: () => this.noteMissingIpListColumn(store),
      locator: () => {
        const setting = resolveLocator({env: this.io.env, settings: this.settings(), demo: flags.demo})
        return setting ? parseLocator(setting.value, setting.origin) : undefined
      },
    })
    for (const note of result.live?.notes ?? []) this.notice(note)
    if (!this.jsonEnabled()) for (const line of renderResolve(result, {format, clientNode: flags['client-node']}, this.screen)) this.log(line)
    return {...result, notices: this.notices, ...this.sourceJson()}
  }
}
