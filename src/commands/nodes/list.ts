import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {listNodes, type NodesListResult} from '../../nodes/read.js'
import {nodesListLines} from '../../nodes/view.js'

export type NodesListCommandResult = NodesListResult & {notices: string[]}

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

  async run(): Promise<NodesListCommandResult> {
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const {network, missing, state, node} = this.flags
    const result: NodesListCommandResult = {...await listNodes(store, {network, missing, state, node}, (ips) => this.networksFor(ips)), notices: this.notices}
    if (!this.jsonEnabled()) for (const line of nodesListLines(result, this.screen)) this.log(line)
    return {...result, ...this.sourceJson()} as NodesListCommandResult
  }
}
