import {Args, Flags} from '@oclif/core'

import {addIpRequest, findNode, planEdits} from '../../core/ip-list-edit.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'
import {UserError} from '../../core/errors.js'

export default class NodesAddIp extends EditCommand<typeof NodesAddIp> {
  static override summary = 'Add one IP to a node\'s list (last, or at --position).'
  static override description = `Inserts IP into the node's list: last by default, or at --position N (1 = first, the preferred address). The address is checked and normalised like every edit (see \`tarsnet nodes set-ips --help\`); an IP another node already lists is refused unless --force.
The write applies only if the stored list is still the one shown; otherwise nothing is written and both values are shown.`

  static override examples = [
    {description: 'A node gets its address on network y', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 10.20.0.5'},
    {description: 'Make a new address the preferred one', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 10.30.0.5 --position 1'},
    {description: 'From a script', command: '<%= config.bin %> <%= command.id %> node-a fd00:20::7 --yes'},
  ]

  static override args = {
    node: Args.string({description: 'Node name (t_node_info.node_name).', required: true}),
    ip: Args.string({description: 'The IP to add.', required: true}),
  }

  static override flags = {
    position: Flags.integer({summary: 'Where in the list: 1 = first (preferred); default last.', min: 1}),
    ...writeFlags,
    ...listFlags,
  }

  async run(): Promise<EditCommandResult> {
    const session = await this.openForEdit()
    const found = findNode(this.args.node, session.states)
    if ('error' in found) throw new UserError(found.error.message, {code: 'unknown_node'})
    const made = addIpRequest(found.node, this.args.ip, this.flags.position)
    if ('error' in made) throw new UserError(`refused, nothing written: ${made.error.message}`, {code: 'invalid_ip_list'})
    const plan = planEdits([made.request], session.states, this.listRules(session))
    return this.applyPlan(session, plan)
  }
}
