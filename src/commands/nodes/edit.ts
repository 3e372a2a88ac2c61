import {Args} from '@oclif/core'

import {checkIp, findNode, moveIp, planEdits, type NodeState} from '../../core/ip-list-edit.js'
import {escapeControl, naturalCompare} from '../../core/text.js'
import type {EditSession} from '../../edit/session.js'
import {listText, nodeChoice} from '../../edit/view.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'
import {UserError} from '../../core/errors.js'

type Action = 'add' | 'remove' | 'move' | 'save' | 'quit'

export default class NodesEdit extends EditCommand<typeof NodesEdit> {
  static override summary = 'Edit a node\'s IP list interactively: add, remove, reorder, review the diff, confirm.'
  static override description = `Pick the node (type to search), see its IPs with their networks, then add (checked as you type), remove or move IPs; the first IP is the preferred one. "Review and save" shows the diff and the warnings, then asks: removing an IP is confirmed by typing the node name. The write applies only if nobody changed the list meanwhile.
Needs a terminal; from scripts use \`nodes set-ips\`, \`add-ip\` or \`remove-ip\`.`

  static override examples = [
    {description: 'Pick a node from a searchable list', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Edit one node', command: '<%= config.bin %> <%= command.id %> 10.10.0.5'},
    {description: 'Edit, but only show the SQL at the end', command: '<%= config.bin %> <%= command.id %> 10.10.0.5 --dry-run'},
  ]

  static override args = {
    node: Args.string({description: 'Node name (asked when omitted).'}),
  }

  static override flags = {...writeFlags, ...listFlags}

  async run(): Promise<EditCommandResult> {
    this.refuseReadOnlySource()
    if (!this.canPrompt()) {
      throw new UserError('nodes edit is interactive and needs a terminal: from a script use `tarsnet nodes set-ips`, `nodes add-ip` or `nodes remove-ip` with --yes', {code: 'no_tty'})
    }
    const session = await this.openForEdit()
    const {search, select, input} = await import('@inquirer/prompts')
    const state = await this.pickNode(session, search)
    const networks = session.networks
    const net = (ip: string) => networks.classify(ip) ?? 'no network'
    const options = this.listRules(session)
    let list = [...state.stored]

    for (;;) {
      this.log('')
      this.log(listText(state, list, networks, this.screen))
      const action = await select<Action>({
        message: `${escapeControl(state.name)}: what now?`,
        choices: [
          {name: 'Add an IP', value: 'add'},
          {name: 'Remove an IP', value: 'remove', disabled: list.length === 0 ? '(the list is empty)' : false},
          {name: 'Move an IP (order of preference)', value: 'move', disabled: list.length < 2 ? '(fewer than two IPs)' : false},
          {name: 'Review and save', value: 'save'},
          {name: 'Quit without saving', value: 'quit'},
        ],
      })
      if (action === 'quit') {
        this.log('Nothing written.')
        return {applied: false, dryRun: false, changes: [], unchanged: [state.name], warnings: [], sql: [], auditLog: null, notices: this.notices}
      }
      if (action === 'add') {
        const typed = await input({
          message: 'IP to add:',
          validate: (value) => {
            const checked = checkIp(value, {node: state.name, networks})
            if (checked.error) return checked.error.message
            if (list.includes(checked.ip!)) return `${checked.ip} is already in the list`
            const trial = planEdits([{node: state.name, proposed: [...list, checked.ip!], replace: false}], session.states, options)
            const clash = trial.nodes[0]?.errors.find((e) => e.code === 'in-use' && e.ip === checked.ip)
            return clash ? clash.message : true
          },
        })
        const checked = checkIp(typed, {node: state.name, networks})
        if (checked.warning) this.warnLine(checked.warning.message)
        const ip = checked.ip!
        const at = list.length === 0 ? 1 : await select<number>({
          message: escapeControl(`Where does ${ip} (${net(ip)}) go?`),
          choices: [
            {name: escapeControl(`First (preferred), before ${list[0]}`), value: 1},
            ...list.map((x, i) => ({name: escapeControl(`After ${x}`), value: i + 2})),
          ],
          default: list.length + 1,
        })
        list.splice(at - 1, 0, ip)
      } else if (action === 'remove') {
        const ip = await select<string>({message: 'Remove which IP?', choices: list.map((x) => ({name: escapeControl(`${x} (${net(x)})`), value: x}))})
        list = list.filter((x) => x !== ip)
      } else if (action === 'move') {
        const from = await select<number>({message: 'Move which IP?', choices: list.map((x, i) => ({name: escapeControl(`${i + 1}. ${x} (${net(x)})`), value: i + 1}))})
        const to = await select<number>({
          message: escapeControl(`Move ${list[from - 1]} to which position?`),
          choices: list.map((x, i) => ({name: `${i + 1}${i === 0 ? ' (first, preferred)' : ''}${i + 1 === from ? ' (where it is)' : ''}`, value: i + 1})),
          default: from,
        })
        list = moveIp(list, from, to)
      } else {
        const plan = planEdits([{node: state.name, proposed: list, replace: false}], session.states, options)
        const errors = plan.nodes.flatMap((n) => n.errors)
        if (errors.length > 0) {
          for (const e of errors) this.log(this.paint('red', `refused: ${e.message}`))
          continue
        }
        this.log('')
        return this.applyPlan(session, plan)
      }
    }
  }

  /** The picker (inquirer draws it: names are escaped here, as this.log would). */
  private async pickNode(session: EditSession, search: typeof import('@inquirer/prompts').search): Promise<NodeState> {
    if (this.args.node) {
      const found = findNode(this.args.node, session.states)
      if ('error' in found) throw new UserError(found.error.message, {code: 'unknown_node'})
      return found.node
    }
    if (session.states.length === 0) throw new UserError('t_node_info has no nodes to edit', {code: 'unknown_node'})
    const sorted = [...session.states].sort((a, b) => naturalCompare(a.name, b.name))
    const name = await search<string>({
      message: 'Node (type to filter):',
      source: (term) => {
        const t = (term ?? '').toLowerCase()
        return sorted
          .filter((n) => t === '' || n.name.toLowerCase().includes(t) || n.effective.some((ip) => ip.includes(t)))
          .map((n) => ({name: nodeChoice(n, session.networks), value: n.name}))
      },
      pageSize: 12,
    })
    return session.states.find((n) => n.name === name)!
  }
}
