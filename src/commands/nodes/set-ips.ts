import {Args} from '@oclif/core'

import {planEdits} from '../../core/ip-list-edit.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'

export default class NodesSetIps extends EditCommand<typeof NodesSetIps> {
  static override summary = 'Replace a node\'s IP list (in order of preference).'
  static override description = `Stores IP... as the node's whole list, first IP preferred. Every address is checked and normalised; unspecified, multicast, broadcast, malformed addresses, host names, duplicates and IPs another node already lists are refused (the last unless --force). Warns about loopback and link-local addresses and about a network the node would lose or not be on.
The write is one transaction that applies only if the stored list is still the one shown (otherwise nothing is written and both values are shown). Replacing an existing list is confirmed by typing the node name; scripts pass --yes.`

  static override examples = [
    {description: 'Give a node one IP per network, x preferred', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 10.10.0.5 10.20.0.5'},
    {description: 'Preview the change and its SQL', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 10.10.0.5 10.20.0.5 --dry-run'},
    {description: 'From a script', command: '<%= config.bin %> <%= command.id %> node-a 10.10.0.7 fd00:20::7 --yes --json'},
    {description: 'Clear the list (the node falls back to endpoint_ip)', command: '<%= config.bin %> <%= command.id %> node-a --allow-empty --yes'},
  ]

  static override usage = '<%= command.id %> NODE [IP...] [--dry-run] [--yes] [--force] [--allow-empty]'

  static override args = {
    node: Args.string({description: 'Node name (t_node_info.node_name).', required: true}),
    // A variadic argument, not `strict = false`: oclif's non-strict argv is sorted by each value's first
    // position in the command line, so a repeated IP (a node named after its x IP, y preferred) moved.
    // The variadic argument keeps the order typed, and a mistyped flag stays an error instead of an "IP".
    ip: Args.string({description: 'The IPs, in order of preference (none with --allow-empty).', multiple: true}),
  }

  static override flags = {...writeFlags, ...listFlags}

  async run(): Promise<EditCommandResult> {
    const ips = this.args.ip ?? []
    const session = await this.openForEdit()
    const plan = planEdits([{node: this.args.node, proposed: ips, replace: true}], session.states, this.listRules(session))
    return this.applyPlan(session, plan)
  }
}
