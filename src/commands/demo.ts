import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {UserError} from '../core/errors.js'
import {Lab, labEntries, type LabCut} from '../lab/cluster.js'
import {demoSnapshot} from '../store/snapshot-store.js'

/** The demo's incident: node 127.10.0.2 has lost network y (its SYNs there are dropped). */
export const DEMO_CUTS: LabCut[] = [{network: 'y', nodes: ['127.10.0.2']}]
export const DEMO_OBJECT = 'Plant.ControlServer.ControlObj'

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary = 'A two-network cluster on this machine, one link cut: see nodes list, resolve and probe at work.'
  static override description = `Starts the built-in demo cluster's servants on loopback addresses (network x is 127.10.0.0/16, y is 127.20.0.0/16; Linux routes all of 127.0.0.0/8 to lo), with network y cut for node 127.10.0.2 (SYNs dropped, so probes time out). Then runs \`nodes list\`, \`resolve ${DEMO_OBJECT}\` and \`probe\` (the matrix, then the object) against it, and stops everything.
Nothing leaves the machine. With --serve the cluster stays up until Ctrl-C, so you can try \`tarsnet probe --demo --watch\` in another terminal.`

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
    const entries = labEntries(demoSnapshot(), DEMO_CUTS)
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
        if (lab) process.stdout.write('\nDemo cluster stopped.\n')
        process.exit(code)
      })
    }
    let serveDone: (() => void) | undefined
    const handler = (signal: NodeJS.Signals): void => {
      // --serve: Ctrl-C is the normal way out; the finally below closes the cluster.
      if (serveDone) serveDone()
      else onSignal(signal)
    }
    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    try {
      try {
        lab = await Lab.start(entries, {tarsImpl: 'builtin'})
      } catch (error) {
        const e = error as NodeJS.ErrnoException
        throw new UserError(`could not start the demo cluster: ${e.code === 'EADDRINUSE' ? 'its ports (20001-20003, 20080 on 127.10.x/127.20.x) are in use: is another `tarsnet demo` running?' : e.message}`, {code: 'demo_failed'})
      }
      if (stopping) return
      try {
        const cut = entries.filter((e) => e.behaviour === 'drop')
        this.log(`Demo cluster up: ${entries.length - cut.length} servant listener(s) on 127.10.x.x (network x) and 127.20.x.x (network y); cut: ${[...new Set(cut.map((e) => `${e.node} on ${e.network}`))].join(', ')}.`)
        if (this.flags.serve) {
          this.log('Serving until Ctrl-C. Try: tarsnet probe --demo --watch')
          await new Promise<void>((resolve) => {
            serveDone = resolve
          })
          return
        }
        const t = String(this.flags.timeout)
        await this.step('Which IPs does each node have, on which network?', 'nodes:list', ['--demo'])
        await this.step(`Where does ${DEMO_OBJECT} really live?`, 'resolve', [DEMO_OBJECT, '--demo'])
        await this.step('Which links are up right now?', 'probe', ['--demo', '--timeout', t])
        await this.step(`And ${DEMO_OBJECT}, with tars_ping:`, 'probe', [DEMO_OBJECT, '--demo', '--timeout', t])
        await this.step('Is the cluster really dual-network? (what would break at the next failure)', 'check', ['--demo'])
        await this.step('What would a dead network y take down?', 'impact', ['--demo', '--cut', 'y'])
        this.log('')
        this.log('The probe exit codes follow the monitoring-plugin convention: 0 ok, 1 degraded (as here) or service (a node answering, but not as the servant asked for), 2 outage, 3 could not probe. check and impact use the same scale.')
      } finally {
        if (!stopping) {
          await lab.close()
          this.log('Demo cluster stopped.')
        }
      }
    } finally {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
    if (!stopping) process.exitCode = 0 // the tour itself succeeded, whatever the probes found
  }

  private async step(title: string, id: string, argv: string[]): Promise<void> {
    this.log('')
    this.log(this.paint('bold', `== ${title}`))
    this.log(this.paint('dim', `$ tarsnet ${id.replace(':', ' ')} ${argv.join(' ')}`))
    await this.config.runCommand(id, argv)
  }
}
