import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {Lab} from '../lab/cluster.js'
import {DEMO_OBJECT, DEMO_OLD_LOCATOR, DEMO_OLD_REGISTRY, demoEntries, demoUpText, startDemo} from '../lab/demo.js'

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'A two-network cluster on this machine, one link cut: see nodes list, resolve, registry check and probe at work.'
  static override description = `Starts the built-in demo cluster's servants on loopback addresses (network x is 127.10.0.0/16, y is 127.20.0.0/16; Linux routes all of 127.0.0.0/8 to lo), with network y cut for node 127.10.0.2 (SYNs dropped, so probes time out), and its registry on 127.10.0.1:17890 (the address of its t_registry_info row), answering QueryF from the demo's rows as a multi-network registry does. Then runs \`nodes list\`, \`resolve ${DEMO_OBJECT}\`, \`registry check --all\`, \`probe\` (the matrix, then the object), \`check\`, \`impact\`, \`traffic\` (the demo's tarsstat record of the cut: the C++ and Java callers failed over, the Node caller stuck) and \`failover --cut y\` (what that cut costs each caller) against it, and stops everything.
Nothing leaves the machine. With --serve the cluster stays up until Ctrl-C, so you can try \`tarsnet probe --demo --watch\` or \`tarsnet registry check --demo --all\` in another terminal. An old open-source registry replica also answers on ${DEMO_OLD_REGISTRY.host}:${DEMO_OLD_REGISTRY.port}, in no t_registry_info row: name it with --locator '${DEMO_OLD_LOCATOR}' to see a registry hand out 0.0.0.0.`

  static override examples = [
    {description: 'The whole tour', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Keep the demo cluster running for your own commands', command: '<%= config.bin %> <%= command.id %> --serve'},
  ]

  static override enableJsonFlag = false

  static override flags = {
    serve: Flags.boolean({summary: 'Keep the demo cluster running until Ctrl-C instead of running the tour.'}),
    timeout: Flags.integer({summary: 'Probe timeout in ms for the tour.', default: 1000, min: 1}),
  }

  async run(): Promise<void> {
    if (process.platform !== 'linux') {
      this.notice('the demo needs every 127.x.y.z address to reach this machine (Linux does this; elsewhere add the addresses to lo0 first)')
    }
    const {store, entries} = demoEntries()
    // Ctrl-C (or a kill) at any point closes the cluster before exiting, so its ports are free for the
    // next demo. The dropping listeners' child is also killed by Lab's own process 'exit' hook.
    let lab: Lab | undefined
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      const code = signal === 'SIGINT' ? 130 : 143
      const closing = lab ? lab.close() : Promise.resolve()
      void closing.catch(() => {}).finally(() => {
        if (lab) this.io.out.write('\nDemo cluster stopped.\n')
        this.io.exit(code)
      })
    }
    let serveDone: (() => void) | undefined
    const handler = (signal: NodeJS.Signals): void => {
      // --serve: Ctrl-C is the normal way out; the finally below closes the cluster.
      if (serveDone) serveDone()
      else onSignal(signal)
    }
    const stopListening = this.io.onInterrupt(handler)
    try {
      lab = await startDemo(store, entries)
      if (stopping) return
      try {
        this.log(demoUpText(lab, entries))
        if (this.flags.serve) {
          this.log('Serving until Ctrl-C. Try: tarsnet probe --demo --watch, or tarsnet registry check --demo --all')
          this.log(`An old open-source registry replica also answers on ${DEMO_OLD_REGISTRY.host}:${DEMO_OLD_REGISTRY.port} (in no t_registry_info row): tarsnet registry check --demo --all --locator '${DEMO_OLD_LOCATOR}'`)
          await new Promise<void>((resolve) => {
            serveDone = resolve
          })
          return
        }
        const t = String(this.flags.timeout)
        await this.step('Which IPs does each node have, on which network?', 'nodes:list', ['--demo'])
        await this.step(`Where does ${DEMO_OBJECT} really live?`, 'resolve', [DEMO_OBJECT, '--demo'])
        await this.step('Does the live registry hand clients the same, for every object?', 'registry:check', ['--demo', '--all'])
        await this.step('Which links are up right now?', 'probe', ['--demo', '--timeout', t])
        await this.step(`And ${DEMO_OBJECT}, with tars_ping:`, 'probe', [DEMO_OBJECT, '--demo', '--timeout', t])
        await this.step('Is the cluster really dual-network? (what would break at the next failure)', 'check', ['--demo'])
        await this.step('What would a dead network y take down?', 'impact', ['--demo', '--cut', 'y'])
        await this.step('What did the clients do since the cut? (tarsstat\'s record)', 'traffic', ['--demo'])
        await this.step('What would a cut of y cost each caller, given its language, version and config?', 'failover', ['--demo', '--cut', 'y'])
        this.log('')
        this.log('The probe exit codes follow the monitoring-plugin convention: 0 ok, 1 degraded (as here) or service (a node answering, but not as the servant asked for), 2 outage, 3 could not probe. check, impact, traffic and failover use the same scale.')
      } finally {
        if (!stopping) {
          await lab.close()
          this.log('Demo cluster stopped.')
        }
      }
    } finally {
      stopListening()
    }
    if (!stopping) this.io.exitCode = 0 // the tour itself succeeded, whatever the probes found
  }

  private async step(title: string, id: string, argv: string[]): Promise<void> {
    this.log('')
    this.log(this.paint('bold', `== ${title}`))
    this.log(this.paint('dim', `$ tarsnet ${id.replace(':', ' ')} ${argv.join(' ')}`))
    await this.config.runCommand(id, argv)
  }
}
