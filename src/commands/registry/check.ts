import {Args, Flags} from '@oclif/core'

import {UserError} from '../../core/errors.js'
import {EXIT} from '../../core/exit-codes.js'
import {parseLocator} from '../../core/locator.js'
import {requireObjectName} from '../../core/object-name.js'
import {parseSetId} from '../../core/resolve-modes.js'
import {BaseCommand} from '../../cli/base-command.js'
import {resolveLocator} from '../../cli/config/feature-settings.js'
import {withProgress} from '../../cli/progress.js'
import {DEFAULT_CHECK_TIMEOUT_MS, runCheck} from '../../registry/check-run.js'
import {checkJson, checkView} from '../../registry/check-view.js'
import {DEFAULT_WINDOW} from '../../registry/client.js'
import type {Store} from '../../store/types.js'

export type RegistryCheckResult = ReturnType<typeof checkJson> & {notices: string[]; source: unknown}

export default class RegistryCheck extends BaseCommand<typeof RegistryCheck> {
  static override summary = 'What the live registries really hand out, on every network, against the database.'
  static override description = `Asks every registry address (on every network, all at once) QueryF's findObjectById4Any for each object, over TARS, and compares each answer with what \`tarsnet resolve\` computes from the database, as (host, port, protocol) in active and in inactive, then each endpoint's IDC group ids:
  agrees         the same endpoints, the same groupworkid/grouprealid;
  groups-differ  the same endpoints, other group ids (an open-source registry takes a 0.0.0.0 endpoint's group from the stored host: -1);
  unexpanded     the registry hands out 0.0.0.0 / :: where the database expands to the nodes' IPs (a registry without multi-network support: clients cannot fail over);
  differs        anything else: what is missing and extra is listed, with a hint when a row of the object changed less than 300 s ago (the registry reloads rows changed in the last 150 s every 10 s — check again in about 10 s — and all rows every 300 s).
The verdict at the top is the worst answer's kind (differs also when some address did not answer). Addresses that answer the same question differently are named; without the database to judge them that is differs too.
Which registries: --locator (a client's locator string), else the profile's "locator" (or TARSNET_LOCATOR; neither with --demo, whose registry is the demo's own: run \`tarsnet demo --serve\`), else tars.tarsregistry.QueryObj's own rows in the database (t_registry_info, expanded per network). With a locator the database may be down: the answers are then compared with each other only.
--set asks findObjectByIdInSameSet; --group asks findObjectByIdInSameGroup. The registry answers those for the node_name in the request context, else for the TCP peer's address (QueryImp, Current::getHostName). Real clients always send node_name — a TarsCpp server its configured node name (the node's name, which tarsnode writes into its config since framework 3.0.17; before, its local IP), @tars/registry the same — so --client-node NODE (a node name, or an IP of one) asks with node_name = NODE's name: the answer a client on NODE gets. Without it no node_name is sent and the answers are for this machine's address on each connection (shown as the caller), which no real client gets.
One connection per address; the questions are pipelined on it (--concurrency in flight), each bounded by --timeout.
Exit codes: 0 every answer agrees; 1 some answer differs, is unexpanded or has other group ids, addresses disagree, or an address did not answer while another did; 2 no registry address answered; 3 could not run (bad locator, unknown object, database down with no locator).`

  static override examples = [
    {description: 'Ask the registries listed in the database about one object', command: '<%= config.bin %> <%= command.id %> App.Server.Obj'},
    {description: 'Every object, with a client\'s own locator', command: "<%= config.bin %> <%= command.id %> --all --locator 'tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 17890:tcp -h 10.20.0.2 -p 17890'"},
    {description: 'What a client in set app.sz.1 is told', command: '<%= config.bin %> <%= command.id %> App.Server.Obj --set app.sz.1'},
    {description: 'What a client on node 10.10.0.3 is told (IDC groups), as it asks', command: '<%= config.bin %> <%= command.id %> App.Server.Obj --group --client-node 10.10.0.3'},
    {description: 'As a monitoring check', command: '<%= config.bin %> <%= command.id %> --all --json --timeout 500'},
  ]

  static override strict = false

  static override args = {
    objects: Args.string({description: 'Objects (App.Server.Obj) to ask about; give several, or --all.'}),
  }

  static override flags = {
    all: Flags.boolean({summary: 'Every object in the database (t_adapter_conf and t_registry_info servants).'}),
    locator: Flags.string({summary: "The registries to ask, as a client's locator: 'tars.tarsregistry.QueryObj@tcp -h A -p 17890:tcp -h B -p 17890'."}),
    set: Flags.string({summary: 'Ask findObjectByIdInSameSet for this set (name.area.group).', exclusive: ['group']}),
    group: Flags.boolean({summary: 'Ask findObjectByIdInSameGroup: the registry answers for the caller (IDC groups): see --client-node.', exclusive: ['set']}),
    'client-node': Flags.string({summary: "With --group or --set: ask as a client on this node (its name, or one of its IPs) does, with node_name = the node's name in the request context."}),
    timeout: Flags.integer({summary: `Milliseconds for each question, and for each connect (default ${DEFAULT_CHECK_TIMEOUT_MS}).`, min: 1, max: 600_000}),
    concurrency: Flags.integer({summary: `Questions in flight at once on each registry connection (default ${DEFAULT_WINDOW}).`, min: 1, max: 100_000}),
    network: Flags.string({summary: 'Only ask registry addresses on this network.'}),
  }

  protected override errorExitCode = EXIT.unknown

  async run(): Promise<RegistryCheckResult> {
    const {flags} = this
    const {argv} = await this.parse(RegistryCheck)
    const objects = argv as string[]
    // Everything typed is checked before any connection.
    for (const o of objects) requireObjectName(o)
    if (flags.all && objects.length > 0) throw new UserError('give objects or --all, not both', {code: 'invalid_arguments'})
    if (!flags.all && objects.length === 0) throw new UserError('missing argument OBJECT: give one or more objects, e.g. `tarsnet registry check App.Server.Obj`, or --all', {code: 'missing_argument'})
    if (flags.set !== undefined) parseSetId(flags.set)
    if (flags['client-node'] !== undefined && !flags.group && flags.set === undefined) {
      throw new UserError('--client-node goes with --group or --set: findObjectById4Any does not depend on the caller', {code: 'invalid_flag'})
    }
    const timeoutMs = flags.timeout ?? DEFAULT_CHECK_TIMEOUT_MS
    const locatorSetting = resolveLocator({flag: flags.locator, env: this.io.env, settings: this.settings(), demo: flags.demo})
    const locator = locatorSetting ? parseLocator(locatorSetting.value, locatorSetting.origin) : undefined
    if (locatorSetting) this.verbose(`locator from ${locatorSetting.origin}`)

    // The database: needed unless a locator names the registries (then it only adds the comparison).
    let store: Store | undefined
    try {
      store = await this.openStore()
    } catch (error) {
      if (!locator || !(error instanceof UserError)) throw error
      if (flags.all) throw new UserError(`--all needs the database, which could not be read: ${error.message}`, {code: error.code})
      this.notice(`the database could not be read (${error.message}): the registries' answers are compared with each other only`)
    }

    const run = await runCheck({
      objects, all: flags.all, locator, setId: flags.set, group: flags.group, clientNode: flags['client-node'],
      timeoutMs, window: flags.concurrency, network: flags.network, store, configuredNetworks: this.settings().networks.value,
      notice: (message) => this.notice(message),
      verbose: (message) => this.verbose(message),
      rowsRead: (opened) => this.noteMissingIpListColumn(opened),
      // "asking 1200/4000…" on stderr, on a terminal only.
      progress: (work) => withProgress(this.io.err, 'asking', this.io.stderrIsTTY && !this.jsonEnabled(), work),
    })
    if (!this.jsonEnabled()) for (const line of checkView(run.report, run.query, this.screen)) this.log(line)
    this.io.exitCode = run.report.exitCode
    return {...checkJson(run, timeoutMs), notices: this.notices, source: null, ...this.sourceJson()}
  }
}
