import {Args} from '@oclif/core'

import {planEdits} from '../../core/ip-list-edit.js'
import {readImport} from '../../edit/import.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'

export interface ImportResult extends EditCommandResult {
  file: string
  format: 'csv' | 'json'
}

export default class NodesImport extends EditCommand<typeof NodesImport> {
  static override summary = 'Set many nodes\' IP lists from a CSV or JSON file, all or nothing.'
  static override description = `Each node's list in the file replaces its stored list. Every node and address is checked first (the same rules as \`nodes set-ips\`, and no IP on two nodes once the file is applied); any refusal, and nothing is written. The full diff is shown, then all changes are written in one transaction, each with a compare-and-swap: if any node changed since it was read, nothing is written.
CSV: one node per line, \`node,ips\` — the IPs as one quoted field ("10.10.0.5,10.20.0.5") or separated by spaces, ";" or "|"; a header line and # comments are skipped.
JSON: {"10.10.0.5": ["10.10.0.5", "10.20.0.5"], …} or [{"node": "10.10.0.5", "ips": ["10.10.0.5", "10.20.0.5"]}, …].`

  static override examples = [
    {description: 'Preview a file\'s changes and SQL', command: '<%= config.bin %> <%= command.id %> plant1-ips.csv --dry-run'},
    {description: 'Apply (asks for the number of changed nodes)', command: '<%= config.bin %> <%= command.id %> plant1-ips.csv'},
    {description: 'From a script', command: '<%= config.bin %> <%= command.id %> ips.json --yes --json'},
  ]

  static override args = {
    file: Args.string({description: 'CSV or JSON file of node → IPs.', required: true}),
  }

  static override flags = {...writeFlags, ...listFlags}

  async run(): Promise<ImportResult> {
    const file = this.args.file
    const parsed = readImport(file)
    const session = await this.openForEdit()
    const plan = planEdits(parsed.entries.map((e) => ({node: e.node, proposed: e.ips, replace: true})), session.states, this.listRules(session))
    const result = await this.applyPlan(session, plan)
    return {...result, file, format: parsed.format}
  }
}
