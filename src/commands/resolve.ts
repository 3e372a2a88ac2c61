import {Args, Flags} from '@oclif/core'

import {normalizeIp} from '../core/ip.js'
import {assertKnownNetwork} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {
  hostPort,
  nodesLines,
  parseObjectName,
  parseSetId,
  resolveObject,
  summarySentence,
  type QueryMode,
  type ResolveResult,
} from '../core/resolve.js'
import {BaseCommand} from '../lib/base-command.js'
import {UserError} from '../core/errors.js'
import {loadObjectRows} from '../lib/object-loader.js'
import type {LiveSummary} from '../registry/live.js'
import {renderTable} from '../lib/table.js'
import type {Store} from '../store/types.js'

export type ResolveCommandResult = ResolveResult & {live?: LiveSummary; notices: string[]}

export default class Resolve extends BaseCommand<typeof Resolve> {
  static override summary = 'Where an object really lives: the endpoints the registry hands out, expanded per node IP and network.'
  static override description = `Follows the registry's own rules (TarsFramework RegistryServer): an endpoint is active when setting_state and present_state are 'active' and flow_state is not 'inactive'; standby rows (bak_flag=1) and endpoint strings that do not parse are left out and listed with the reason.
Then the multi-network expansion: a server bound to 0.0.0.0 is listed once per IPv4 address of its node (:: , * or no -h: once per address), in the order of the node's IP list. A server bound to one specific IP is kept and flagged, since it has no second network.
By default the result is what findObjectById4Any returns (active and inactive). --set and --client-ip reproduce findObjectByIdInSameSet and the IDC group rules of findObjectByIdInSameGroup.`

  static override examples = [
    {description: 'Resolve an object of the built-in demo cluster', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --demo'},
    {description: 'The direct proxy string of its active endpoints, for a client config', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --format proxy'},
    {description: 'One line per node, in the raft form (nodeName  obj@ep1:ep2)', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --format nodes'},
    {description: 'What a client at 10.20.3.4 is told (IDC groups)', command: '<%= config.bin %> <%= command.id %> Plant.ControlServer.ControlObj --client-ip 10.20.3.4'},
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
    'client-ip': Flags.string({summary: 'Resolve as a client with this IP: the IDC group priority of findObjectByIdInSameGroup.'}),
    network: Flags.string({summary: 'Only endpoints on this network.'}),
    node: Flags.string({summary: 'Only endpoints on nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
    active: Flags.boolean({summary: 'Only active endpoints.'}),
    live: Flags.boolean({summary: 'Also ask the live registries (the locator, else t_registry_info) whether they hand out the same: one line; details in `tarsnet registry check`.'}),
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
    let object = this.args.object
    if (object !== undefined) checkName(object)
    else if (!this.canPrompt()) {
      throw new UserError('missing argument OBJECT: give the object name, e.g. `tarsnet resolve App.Server.Obj`', {code: 'missing_argument'})
    }

    const store = await this.openStore()
    if (object === undefined) object = await this.pick(store)
    checkName(object)

    const {rows, nodes} = await loadObjectRows(store, object)
    await this.noteMissingIpListColumn(store)
    const groups = await store.loadGroups()
    const networks = this.networksFor(nodes.flatMap((n) => nodeAddresses(n).ips))
    assertKnownNetwork(networks, flags.network)

    let mode: QueryMode = {kind: 'any'}
    if (flags.set !== undefined) mode = {kind: 'set', setId: flags.set, clientIp}
    else if (clientIp !== undefined) mode = {kind: 'group', clientIp}

    const result = resolveObject({
      object, rows, nodes, networks, groups, mode,
      filters: {network: flags.network, node: flags.node, activeOnly: flags.active},
    })

    let live: LiveSummary | undefined
    if (flags.live) {
      const {liveSummary} = await import('../registry/live.js')
      live = await liveSummary({store, settings: this.settings(), object, rows, nodes, networks, groups, mode})
      for (const note of live.notes) this.notice(note)
    }
    if (!this.jsonEnabled()) this.render(result)
    if (live && !this.jsonEnabled()) this.log(`\nLive registries: ${live.line}`)
    return {...result, ...(live ? {live} : {}), notices: this.notices, ...this.sourceJson()}
  }

  /** The searchable picker, for a person at a terminal (run() has checked). */
  private async pick(store: Store): Promise<string> {
    const names = await store.listServants()
    if (names.length === 0) throw new UserError('no servants in the database: nothing to resolve', {code: 'no_servants'})
    const {search} = await import('@inquirer/prompts')
    return search<string>({
      message: 'Object to resolve (type to filter)',
      source: (term) => {
        const t = (term ?? '').toLowerCase()
        return names.filter((n) => n.toLowerCase().includes(t)).map((n) => ({value: n, name: n}))
      },
    })
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
    this.log(`${result.active.length} active, ${result.inactive.length} inactive on ${result.nodes.length} node(s)`)
    this.log('')
    if (all.length > 0) {
      const head = ['NODE', 'NETWORK', 'ENDPOINT', 'PROTO', 'TIMEOUT', 'STATE', 'EXPANDED FROM']
      const rows: string[][] = []
      for (const n of result.nodes) {
        n.endpoints.forEach((e, i) => {
          const from = e.expanded ? `${e.expandedFrom || '(no -h)'}${e.fallback ? ` via ${e.ipSource}` : ''}` : e.singleHost ? this.paint('yellow', 'bound to this IP') : this.paint('red', 'not expanded')
          rows.push([
            i === 0 ? n.node : '',
            e.network ?? this.paint('yellow', '(none)'),
            hostPort(e.host, e.port),
            e.protocol,
            String(e.timeout),
            e.active ? this.paint('green', 'active') : this.paint('red', 'inactive'),
            from,
          ])
        })
      }
      this.log(renderTable(head, rows))
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
