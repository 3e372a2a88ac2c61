import {Args} from '@oclif/core'

import {buildNodeView, nodeAddresses, type NodeView} from '../../core/nodes.js'
import {closestNames, formatAge} from '../../core/text.js'
import {BaseCommand} from '../../cli/base-command.js'
import {UserError} from '../../core/errors.js'
import {renderTable} from '../../platform/table.js'
import type {AdapterRow, ServerRow} from '../../core/rows.js'

export interface NodeShowResult {
  node: NodeView
  servers: Array<{
    application: string
    serverName: string
    settingState: string
    presentState: string
    flowState: string
    bakFlag: number
    adapters: Array<{adapter: string; servant: string; endpoint: string; protocol: string}>
  }>
  notices: string[]
}

export default class NodesShow extends BaseCommand<typeof NodesShow> {
  static override summary = 'One node in detail: its IPs with networks, states, heartbeat, and the servers and endpoints it hosts.'

  static override examples = [
    {description: 'A node of the demo cluster', command: '<%= config.bin %> <%= command.id %> 127.10.0.4 --demo'},
    {description: 'As JSON', command: '<%= config.bin %> <%= command.id %> 10.10.0.7 --json'},
  ]

  static override args = {
    node: Args.string({description: 'The node name (t_node_info.node_name, usually its IP).', required: true}),
  }

  async run(): Promise<NodeShowResult> {
    const store = await this.openStore()
    await this.noteMissingIpListColumn(store)
    // One node by its unique key; all names only to suggest close ones when it is not there.
    const [row] = await store.loadNodes([this.args.node])
    if (!row) {
      const close = closestNames(this.args.node, (await store.loadNodes()).map((r) => r.nodeName))
      throw new UserError(`unknown node "${this.args.node}"${close.length > 0 ? `: did you mean ${close.join(', ')}?` : ''} (\`tarsnet nodes list\` shows them all)`, {code: 'unknown_node'})
    }
    const node = buildNodeView(row, this.networksFor(() => nodeAddresses(row).ips), Date.now())
    const {servers, adapters} = await store.loadNodeServers(row.nodeName)
    const result: NodeShowResult = {node, servers: groupServers(servers, adapters), notices: this.notices}
    if (!this.jsonEnabled()) this.render(result)
    return {...result, ...this.sourceJson()} as NodeShowResult
  }

  private render({node, servers}: NodeShowResult): void {
    const line = (k: string, v: string) => this.log(`${this.paint('bold', k.padEnd(14))}${v}`)
    line('Node', node.name)
    line('State', `present ${node.presentState}, setting ${node.settingState}`)
    line('Heartbeat', node.heartbeatAgeSeconds === null ? 'never' : `${formatAge(node.heartbeatAgeSeconds)} (${node.lastHeartbeat})${node.stale ? this.paint('red', ' STALE: the registry marks it inactive after 250 s') : ''}`)
    line('Tars version', node.tarsVersion || '-')
    line('IP source', node.ipSource)
    this.log('')
    this.log(renderTable(['IP', 'NETWORK'], node.ips.map((i) => [i.ip, i.network ?? this.paint('yellow', '(no network)')]), {width: this.width}))
    for (const p of node.problems) this.log(`${this.paint('yellow', '!')} ${p.message}`)
    this.log('')
    if (servers.length === 0) {
      this.log('Hosts no servers.')
      return
    }
    const rows = servers.flatMap((s) => (s.adapters.length > 0 ? s.adapters : [{adapter: '', servant: '(no adapter)', endpoint: '', protocol: ''}]).map((a) => [
      `${s.application}.${s.serverName}`,
      `${s.settingState}/${s.presentState}${s.flowState === 'inactive' ? ' flow-off' : ''}${s.bakFlag === 1 ? ' standby' : ''}`,
      a.servant,
      a.endpoint,
      a.protocol,
    ]))
    this.log(renderTable(['SERVER', 'SETTING/PRESENT', 'SERVANT', 'ENDPOINT', 'PROTOCOL'], rows, {width: this.width, squeeze: ['SETTING/PRESENT', 'PROTOCOL']}))
  }
}

function groupServers(servers: ServerRow[], adapters: AdapterRow[]): NodeShowResult['servers'] {
  return servers
    .map((s) => ({
      application: s.application,
      serverName: s.serverName,
      settingState: s.settingState,
      presentState: s.presentState,
      flowState: s.flowState,
      bakFlag: s.bakFlag,
      adapters: adapters
        .filter((a) => a.application === s.application && a.serverName === s.serverName)
        .map((a) => ({adapter: a.adapterName, servant: a.servant, endpoint: a.endpoint, protocol: a.protocol})),
    }))
    .sort((a, b) => `${a.application}.${a.serverName}`.localeCompare(`${b.application}.${b.serverName}`))
}
