import {Flags} from '@oclif/core'

import {networkUse, proposeNetworks} from '../core/network-proposal.js'
import {formatNetworksSpec, type Network} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {BaseCommand} from '../cli/base-command.js'
import {readConfigFile, saveProfile} from '../cli/config/file.js'
import type {Profile} from '../cli/config/profile.js'
import {checkIpListColumnName} from '../cli/config/profile-checks.js'
import {parseDbUrl, redactDbUrl} from '../store/db-url.js'
import {UserError} from '../core/errors.js'

export interface InitResult {
  configFile: string
  profile: string
  db: string
  networks: Network[]
  nodesFound: number | null
  notices: string[]
}

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Set up a profile: database URL (tested), networks proposed from the nodes\' IPs, IP-list column.'
  static override description = `Where a person is, a wizard: it asks for the database URL, tests the connection, groups the nodes' IPs into networks (by the widest prefix, /16 or /24 for IPv4, that puts each node's IPs in different groups) and asks you to name each one (x, y, …, in order of preference), then saves the profile in the config file.
Networks given by --networks or TARSNET_NETWORKS are used as they are, and a network that holds none of the nodes' IPs is warned about.
Without a terminal (scripts, CI) it saves what the flags say: --db is then required, --networks optional.
The password is not saved unless it is part of the URL you give: prefer TARSNET_DB_PASSWORD or the prompt.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'A second profile for another plant', command: '<%= config.bin %> <%= command.id %> --profile plant2'},
    {description: 'From a script', command: "<%= config.bin %> <%= command.id %> --db 'mysql://tarsAdmin@10.10.0.2,10.20.0.2/db_tars' --networks 'x=10.10.0.0/16;y=10.20.0.0/16'"},
  ]

  static override flags = {
    'ip-list-column': Flags.string({summary: 'Name of the IP-list column on t_node_info (default: the profile\'s, else ip_list).'}),
    'no-test': Flags.boolean({summary: 'Save without testing the connection.'}),
  }

  protected override allowUnknownProfile = true

  async run(): Promise<InitResult> {
    const settings = this.settings()
    const configFile = settings.configPath.value
    const profileName = this.flags.profile ?? this.io.env.TARSNET_PROFILE ?? 'default'
    const file = readConfigFile(configFile)
    const existing: Profile = file.profiles[profileName] ?? {}
    const interactive = this.canPrompt()
    if (this.flags['ip-list-column'] !== undefined) checkIpListColumnName(this.flags['ip-list-column'], 'flag --ip-list-column')

    let db = this.flags.db ?? this.io.env.TARSNET_DB
    let networks: Network[] = settings.networks.origin.startsWith('default') ? [] : settings.networks.value
    if (networks.length > 0) this.notice(`using the networks from ${settings.networks.origin}: ${formatNetworksSpec(networks)}`)
    let nodesFound: number | null = null
    let nodeIps: string[] | null = null

    if (interactive) {
      const {input, confirm} = await import('@inquirer/prompts')
      this.log(`Setting up profile "${profileName}" in ${configFile}`)
      for (;;) {
        db = await input({
          message: 'Database URL (mysql://user@host1[,host2]/db_tars):',
          default: db ?? existing.db ?? 'mysql://tarsAdmin@127.0.0.1:3306/db_tars',
          validate: (v) => {
            try {
              parseDbUrl(v)
              return true
            } catch (error) {
              return (error as Error).message
            }
          },
        })
        if (this.flags['no-test']) break
        try {
          const ips = await this.collectIps(db)
          nodesFound = ips.nodes
          nodeIps = ips.ips
          this.log(`Connected: ${ips.nodes} node(s), ${ips.ips.length} IP(s).`)
          if (networks.length === 0) networks = await this.nameNetworks(ips.lists)
          break
        } catch (error) {
          this.log(`Could not use it: ${(error as Error).message}`)
          if (await confirm({message: 'Try another URL?', default: true})) continue
          // Saving a URL that did not work is allowed (the database may be down right now), but only when asked.
          if (!(await confirm({message: 'Save it anyway?', default: false}))) throw new UserError('nothing saved', {code: 'aborted'})
          break
        }
      }
    } else {
      if (!db) throw new UserError('tarsnet init needs a terminal to ask questions; from a script, pass --db URL (and --networks SPEC)', {code: 'no_tty'})
      parseDbUrl(db)
      if (!this.flags['no-test']) {
        const ips = await this.collectIps(db)
        nodesFound = ips.nodes
        nodeIps = ips.ips
      }
    }
    // A network no node has an IP in is most likely a mistyped CIDR (or the wrong plant's definition).
    if (nodeIps !== null && nodeIps.length > 0) {
      for (const {network} of networkUse(networks, nodeIps).filter((u) => u.ips === 0)) {
        this.notice(`network ${network.name} (${network.cidrs.join(', ')}) holds none of the nodes' IPs: check its CIDR (nodes list shows which IPs are in no network)`)
      }
    }

    const profile: Profile = {...existing, db: db!, ipListColumn: this.flags['ip-list-column'] ?? existing.ipListColumn ?? 'ip_list'}
    if (networks.length > 0) profile.networks = networks
    saveProfile(configFile, file, profileName, profile)
    if (!this.jsonEnabled()) {
      this.log(`Saved profile "${profileName}" to ${configFile}: ${redactDbUrl(db!)}${networks.length > 0 ? `, networks ${formatNetworksSpec(networks)}` : ''}.`)
      this.log('Next: tarsnet nodes list')
    }
    return {configFile, profile: profileName, db: redactDbUrl(db!), networks, nodesFound, notices: this.notices}
  }

  /** Connects with the given URL (prompting for a password where needed) and returns every node's IPs. */
  private async collectIps(db: string): Promise<{nodes: number; ips: string[]; lists: string[][]}> {
    const store = await this.openStore({db})
    const rows = await store.loadNodes()
    const lists = rows.map((r) => nodeAddresses(r).ips)
    return {nodes: rows.length, ips: [...new Set(lists.flat())], lists}
  }

  /** Proposes one network per group of IPs (see core/network-proposal.ts) and asks once per network; equal names merge. */
  private async nameNetworks(lists: string[][]): Promise<Network[]> {
    const {input} = await import('@inquirer/prompts')
    const groups = proposeNetworks(lists)
    if (groups.length === 0) return []
    this.log(`The nodes' IPs fall into ${groups.length} network(s). Name each (e.g. x, y, in order of preference); leave empty to skip one.`)
    const byName = new Map<string, string[]>()
    for (const g of groups) {
      const sample = g.ips.length <= 2 ? g.ips.join(', ') : `${g.ips[0]} … ${g.ips.at(-1)}`
      const name = await input({
        message: `Network for ${g.cidr} (${g.ips.length} IP(s) on ${g.nodes} node(s): ${sample}):`,
        default: g.name,
        validate: (v) => v === '' || /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v) || 'letters, digits, "-", "_" or "."',
      })
      if (name === '') continue
      byName.set(name, [...(byName.get(name) ?? []), g.cidr])
    }
    return [...byName].map(([name, cidrs]) => ({name, cidrs}))
  }
}
