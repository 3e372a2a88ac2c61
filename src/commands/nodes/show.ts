import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {showNode, type NodeShowResult} from '../../nodes/read.js'
import {nodeShowLines} from '../../nodes/view.js'

export type NodeShowCommandResult = NodeShowResult & {notices: string[]}

export default class NodesShow extends BaseCommand<typeof NodesShow> {
  static override summary = 'One node in detail: its IPs with networks, states, heartbeat, and the servers and endpoints it hosts.'

  static override examples = [
    {description: 'A node of the demo cluster', command: '<%= config.bin %> <%= command.id %> 127.10.0.4 --demo'},
    {description: 'As JSON', command: '<%= config.bin %> <%= command.id %> 10.10.0.7 --json'},
  ]

  static override args = {
    node: Args.string({description: 'The node name (t_node_info.node_name, usually its IP).', required: true}),
  }

  async run(): Promise<NodeShowCommandResult> {
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    const result: NodeShowCommandResult = {...await showNode(store, this.args.node, (ips) => this.networksFor(ips)), notices: this.notices}
    if (!this.jsonEnabled()) for (const line of nodeShowLines(result, this.screen)) this.log(line)
    return {...result, ...this.sourceJson()} as NodeShowCommandResult
  }
}
