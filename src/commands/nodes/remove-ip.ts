import {Args} from '@oclif/core'

import {findNode, planEdits, removeIpRequest} from '../../core/ip-list-edit.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'
import {UserError} from '../../core/errors.js'

export default class NodesRemoveIp extends EditCommand<typeof NodesRemoveIp> {
  static override summary = 'Remove one IP from a node\'s list.'
  static override description = `Removes IP from the node's list (compared after normalising, so 10.10.0.05 removes 10.10.0.5). Warns when the node would have no IP left on a network it had; refuses to leave an empty list unless --allow-empty.
Removing is destructive: where a person is, it is confirmed by typing the node name; scripts pass --yes. The write applies only if the stored list is still the one shown.`

  static override examples = [
    {description: 'Drop an address of a replaced network card', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 10.20.0.99'},
    {description: 'Preview first', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 10.20.0.99 --dry-run'},
    {description: 'From a script', command: '<%= config.bin %> <%= command.id %> node-a 10.20.0.99 --yes --json'},
  ]

  static override args = {
    node: Args.string({description: 'Node name (t_node_info.node_name).', required: true}),
    ip: Args.string({description: 'The IP to remove.', required: true}),
  }

  static override flags = {...writeFlags, ...listFlags}

  async run(): Promise<EditCommandResult> {
    const session = await this.openForEdit()
    const found = findNode(this.args.node, session.states)
    if ('error' in found) throw new UserError(found.error.message, {code: 'unknown_node'})
    const made = removeIpRequest(found.node, this.args.ip)
    if ('error' in made) throw new UserError(`refused, nothing written: ${made.error.message}`, {code: made.error.code === 'not-in-list' ? 'not_in_list' : 'invalid_ip_list'})
    const plan = planEdits([made.request], session.states, this.listRules(session))
    return this.applyPlan(session, plan)
  }
}
