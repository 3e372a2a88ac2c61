import {networkInterfaces} from 'node:os'

import {Flags} from '@oclif/core'

import {DEFAULT_DETECT_EXCLUDE, detectAddresses, orderDetected, type DetectedIp, type SkippedIp} from '../../core/detect.js'
import {planEdits} from '../../core/ip-list-edit.js'
import {EditCommand, listFlags, writeFlags, type EditResult} from '../../options/edit-command.js'
import {renderTable} from '../../platform/table.js'

export interface DetectResult {
  ips: DetectedIp[]
  skipped: SkippedIp[]
  exclude: string[]
  /** The list in the order it would be stored. */
  list: string[]
  write: EditResult | null
  notices: string[]
}

export default class NodesDetect extends EditCommand<typeof NodesDetect> {
  static override summary = 'This machine\'s own IPs, with interface and network; --write stores them as a node\'s list.'
  static override description = `Run on a node: lists its interface addresses, leaving out loopback, link-local, and virtual interfaces whose names match the exclude globs (default ${DEFAULT_DETECT_EXCLUDE.join(', ')}; the profile's detectExclude replaces them, --exclude adds more). This is what the multi-network design has tarsnode report at start, for clusters whose tarsnode does not.
With --write NODE the addresses become that node's list (ordered by network as defined, first network preferred) through the same checked, compare-and-swap write as \`nodes set-ips\`.`

  static override examples = [
    {description: 'What this machine would report', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Store them as this node\'s list, after a preview', command: "<%= config.bin %> <%= command.id %> --write 10.10.0.5 --dry-run --networks 'x=10.10.0.0/16;y=10.20.0.0/16'"},
    {description: 'Also leave out a VPN interface', command: "<%= config.bin %> <%= command.id %> --exclude 'tun*' --exclude 'wg*'"},
    {description: 'From a provisioning script', command: '<%= config.bin %> <%= command.id %> --write "$(hostname -I | cut -d" " -f1)" --yes'},
  ]

  static override flags = {
    write: Flags.string({summary: 'Store the detected IPs as this node\'s list.'}),
    exclude: Flags.string({summary: 'Another interface-name glob to leave out (repeatable).', multiple: true}),
    ...writeFlags,
    ...listFlags,
  }

  async run(): Promise<DetectResult> {
    const exclude = [...(this.settings().profile.detectExclude ?? DEFAULT_DETECT_EXCLUDE), ...(this.flags.exclude ?? [])]
    const interfaces = networkInterfaces()
    const candidates = Object.values(interfaces).flatMap((a) => (a ?? []).map((x) => x.address))

    let session
    if (this.flags.write) session = await this.openForEdit()
    const networks = session?.networks ?? this.networksFor(candidates)
    const found = detectAddresses(interfaces, exclude, networks)
    const ordered = orderDetected(found.ips, networks)
    const result: DetectResult = {ips: ordered, skipped: found.skipped, exclude, list: ordered.map((d) => d.ip), write: null, notices: this.notices}

    if (!this.jsonEnabled()) {
      if (ordered.length === 0) this.log('No usable addresses found (only loopback, link-local or excluded interfaces).')
      else this.log(renderTable(['INTERFACE', 'IP', 'PREFIX', 'NETWORK'], ordered.map((d) => [d.interface, d.ip, d.cidr ?? '', d.network ?? this.paint('yellow', 'no network')]), {width: this.width}))
      if (this.flags.verbose) for (const s of found.skipped) this.verbose(`left out ${s.interface} ${s.ip}: ${s.reason}${s.pattern ? ` (${s.pattern})` : ''}`)
      if (!this.flags.write && ordered.length > 0) this.log(`\nAs an IP list: ${result.list.join(',')}`)
    }
    if (this.flags.write && session) {
      if (!this.jsonEnabled()) this.log('')
      const plan = planEdits([{node: this.flags.write, proposed: result.list, replace: true}], session.states, {
        networks: session.networks, force: this.flags.force, allowEmpty: this.flags['allow-empty'], maxLength: session.columnInfo.maxLength,
      })
      result.write = await this.applyPlan(session, plan)
    }
    return result
  }
}
