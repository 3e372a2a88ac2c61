import {Flags} from '@oclif/core'

import {DEFAULT_DETECT_EXCLUDE} from '../../core/detect.js'
import {planEdits} from '../../core/ip-list-edit.js'
import {detect, localInterfaces, type Detected} from '../../edit/detect.js'
import {detectedText, skippedText} from '../../edit/view.js'
import {EditCommand, listFlags, writeFlags, type EditCommandResult} from '../../options/edit-command.js'

export interface DetectResult extends Detected {
  write: EditCommandResult | null
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
    const {interfaces, addresses} = localInterfaces()
    const session = this.flags.write ? await this.openForEdit() : undefined
    const detected = detect(interfaces, exclude, session?.networks ?? this.networksFor(addresses))
    const result: DetectResult = {...detected, write: null, notices: this.notices}

    if (!this.jsonEnabled()) {
      this.log(detectedText(detected, this.screen))
      if (this.flags.verbose) for (const s of detected.skipped) this.verbose(skippedText(s))
      if (!this.flags.write && detected.ips.length > 0) this.log(`\nAs an IP list: ${detected.list.join(',')}`)
    }
    if (this.flags.write && session) {
      if (!this.jsonEnabled()) this.log('')
      const plan = planEdits([{node: this.flags.write, proposed: detected.list, replace: true}], session.states, this.listRules(session))
      result.write = await this.applyPlan(session, plan)
    }
    return result
  }
}
