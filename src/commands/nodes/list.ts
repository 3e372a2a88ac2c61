import {Flags} from '@oclif/core'

import {buildNodeView, nodeAddresses, sortNodeViews, type NodeView} from '../../core/nodes.js'
import {assertKnownNetwork, type Network} from '../../core/networks.js'
import {escapeControl, formatAge, matcher} from '../../core/text.js'
import {BaseCommand} from '../../cli/base-command.js'
import {renderTable} from '../../platform/table.js'

export interface NodesListResult {
  nodes: NodeView[]
  networks: Network[]
  networksAuto: boolean
  notices: string[]
}

export default class NodesList extends BaseCommand<typeof NodesList> {
  static override summary = 'Every node with its IPs per network, from t_node_info.'
  static override description = `One row per node: its IPs under the network each belongs to (a column per network, and one for IPs in no named network), present state, heartbeat age and Tars version.
Problems are marked, never hidden: a node missing a network, an IP in no network, a node on the fallback (no IP list: endpoint_ip or node_name is used, so it is single-network), a malformed IP-list value, and a heartbeat older than 250 s (the registry then marks the node inactive).`

  static override examples = [
    {description: 'All nodes of the built-in demo cluster', command: '<%= config.bin %> <%= command.id %> --demo'},
    {description: 'Nodes that have no IP on network y', command: '<%= config.bin %> <%= command.id %> --missing y'},
    {description: 'Active nodes named 10.10.1.*, as JSON', command: "<%= config.bin %> <%= command.id %> --state active --node '10.10.1.*' --json"},
    {description: 'Against a database with two hosts (one per network)', command: "<%= config.bin %> <%= command.id %> --db 'mysql://tars@10.10.0.2,10.20.0.2/db_tars' --networks 'x=10.10.0.0/16;y=10.20.0.0/16'"},
  ]

  static override flags = {
    network: Flags.string({summary: 'Only nodes with an IP on this network.'}),
    missing: Flags.string({summary: 'Only nodes without an IP on this network.'}),
    state: Flags.string({summary: 'Only nodes in this present state.', options: ['active', 'inactive']}),
    node: Flags.string({summary: 'Only nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
  }

  async run(): Promise<NodesListResult> {
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const rows = await store.loadNodes()
    const now = Date.now()
    const allIps = () => rows.flatMap((r) => nodeAddresses(r).ips)
    const networks = this.networksFor(allIps)
    assertKnownNetwork(networks, this.flags.network)
    assertKnownNetwork(networks, this.flags.missing)
    const nameMatches = matcher(this.flags.node)
    const views = sortNodeViews(rows.map((r) => buildNodeView(r, networks, now))).filter((v) =>
      nameMatches(v.name)
      && (!this.flags.state || v.presentState === this.flags.state)
      && (!this.flags.network || v.ips.some((i) => i.network === this.flags.network))
      && (!this.flags.missing || !v.ips.some((i) => i.network === this.flags.missing)))

    const result: NodesListResult = {nodes: views, networks: networks.list, networksAuto: networks.auto, notices: this.notices}
    if (!this.jsonEnabled()) this.render(result)
    return {...result, ...this.sourceJson()} as NodesListResult
  }

  private render(result: NodesListResult): void {
    const {nodes, networks} = result
    if (nodes.length === 0) {
      this.log('No nodes match.')
      return
    }
    const hasUnnamed = nodes.some((n) => n.ips.some((i) => i.network === null))
    const head = ['NODE', ...networks.map((n) => n.name.toUpperCase()), ...(hasUnnamed ? ['NO NETWORK'] : []), 'STATE', 'HEARTBEAT', 'VERSION', 'PROBLEMS']
    // ✘ only where the locale is UTF-8 (probe's rule): under LANG=C it would arrive as mojibake.
    const missing = this.unicode ? '✘ missing' : 'X missing'
    const rows = nodes.map((n) => {
      const cells = networks.map((net) => {
        const ips = n.ips.filter((i) => i.network === net.name).map((i) => i.ip)
        if (ips.length > 0) return ips.join('\n')
        return n.ips.length === 0 ? '' : this.paint('red', missing)
      })
      if (hasUnnamed) cells.push(this.paint('yellow', n.ips.filter((i) => i.network === null).map((i) => i.ip).join('\n')))
      const source = n.ipSource === 'ip_list' ? '' : ` (${n.ipSource})`
      const state = n.presentState === 'active' ? n.presentState : this.paint('red', escapeControl(n.presentState || '?'))
      const age = n.heartbeatAgeSeconds === null ? this.paint('red', 'never') : n.stale ? this.paint('red', `${formatAge(n.heartbeatAgeSeconds)} STALE`) : formatAge(n.heartbeatAgeSeconds)
      const problems = n.problems.filter((p) => p.code !== 'missing-network' && p.code !== 'stale-heartbeat').map((p) => p.code)
      // Values from the database are escaped before any colour is added: a name holding ESC[31m must not pass as ours.
      return [escapeControl(n.name) + this.paint('yellow', source), ...cells, state, age, escapeControl(n.tarsVersion), this.paint('yellow', problems.join(', '))]
    })
    this.log(renderTable(head, rows, {width: this.width, squeeze: ['STATE', 'HEARTBEAT', 'VERSION', 'PROBLEMS']}))
    const counts = networks.map((net) => `${net.name}: ${nodes.filter((n) => n.ips.some((i) => i.network === net.name)).length}/${nodes.length}`)
    const fallback = nodes.filter((n) => n.ipSource !== 'ip_list').length
    this.log('')
    this.log(`${nodes.length} node(s). On each network: ${counts.join(', ')}.${fallback > 0 ? ` ${fallback} on fallback (single network).` : ''}${result.networksAuto ? ' Networks grouped by /24 and /64: define yours with --networks or `tarsnet init`.' : ''}`)
  }
}
