/**
 * What every tarsnet command shares: connection and config flags, --json, the store, the networks,
 * notices, prompts where a person is, and error rendering (one line on stderr, no stack unless --debug).
 * Modelled on Salesforce's SfCommand: commands stay thin and return one result object.
 */
import {format} from 'node:util'

import {Command, Flags, type Interfaces} from '@oclif/core'

import {chooseNetworks, type Networks} from '../core/networks.js'
import {preferredHosts, rememberHost} from '../store/host-history.js'
import {NamesSeen, namesCachePath} from '../store/names-cache.js'
import {openStoreFrom, type StoreSource} from '../store/open.js'
import type {Store} from '../store/types.js'
import {resolveSettings, type Settings, type SettingsInput} from './config/settings.js'
import {writeJson} from '../platform/json-out.js'
import {HOST_RACE_DELAY_MS, parseDbUrl, redactDbUrl} from '../store/db-url.js'
import {UserError} from '../core/errors.js'
import {forTerminal, paint, type Screen, type Style} from '../platform/paint.js'
import {tarsnetDirs} from '../platform/dirs.js'
import {processIO, type IO} from './io.js'
import {canPrompt, personAtKeyboard, promptOutput, stderrLine, terminalWidth, unicodeTerminal, useColor} from './terminal.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    db: Flags.string({
      summary: `Database URL: mysql://user[:password]@host1[:port][,host2[:port]]/db_tars[?ssl=true]. Give its address on each network: the hosts are raced (the next starts when one has not answered within ${HOST_RACE_DELAY_MS} ms), the first to answer is used.`,
      helpGroup: 'SOURCE',
    }),
    'db-timeout': Flags.integer({summary: 'Seconds to wait for each database host to answer.', helpGroup: 'SOURCE', min: 1}),
    snapshot: Flags.string({summary: 'Read a snapshot file (tarsnet snapshot save) instead of the database.', helpGroup: 'SOURCE', exclusive: ['db', 'demo']}),
    demo: Flags.boolean({summary: 'Read the built-in demo cluster (no database needed).', helpGroup: 'SOURCE', exclusive: ['db', 'snapshot']}),
    config: Flags.string({summary: 'Config file (default: tarsnet\'s config dir; env TARSNET_CONFIG).', helpGroup: 'CONFIG'}),
    profile: Flags.string({summary: 'Config profile to use (env TARSNET_PROFILE).', helpGroup: 'CONFIG'}),
    networks: Flags.string({
      summary: 'Network definitions: \'x=10.10.0.0/16,fd00:10::/64;y=10.20.0.0/16\' (env TARSNET_NETWORKS).',
      helpGroup: 'CONFIG',
    }),
    verbose: Flags.boolean({summary: 'Say where the data comes from and which database host answered.', helpGroup: 'OUTPUT'}),
    debug: Flags.boolean({summary: 'Show stack traces of unexpected errors.', helpGroup: 'OUTPUT'}),
  }

  /** Whether --profile and --config may name a profile or file that does not exist yet (init creates them). */
  protected allowUnknownProfile = false

  /** The exit code for an error that stopped the command (probe uses 3: could not probe). */
  protected errorExitCode = 1

  /** Where output goes and what the terminal is: the process's own, or a test's buffers (set before run). */
  public io: IO = processIO()

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Notices for the person (stderr) and for JSON output (`notices`). */
  protected notices: string[] = []
  private store?: Store
  private cachedSettings?: Settings
  /** Node and object names this run read in full: kept per profile for shell completion. */
  private readonly namesSeen = new NamesSeen()

  public override async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof BaseCommand
    const {flags, args} = await this.parse({
      flags: ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      args: ctor.args,
      strict: ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** The command as the person typed it: `nodes set-ips`, not oclif's id `nodes:set-ips`. */
  protected get commandName(): string {
    return (this.id ?? '').replaceAll(':', ' ')
  }

  /** The effective settings (flags > env > profile > defaults), read once. */
  protected settings(): Settings {
    if (!this.cachedSettings) {
      this.cachedSettings = resolveSettings({
        flags: this.flags as unknown as SettingsInput['flags'], env: this.io.env, configDir: this.dirs.configDir,
        allowUnknownProfile: this.allowUnknownProfile, allowMissingConfig: this.allowUnknownProfile,
      })
      for (const warning of this.cachedSettings.warnings) this.notice(warning)
    }
    return this.cachedSettings
  }

  private colorDecided?: boolean

  /** Decided once: a table of 50,000 rows paints hundreds of thousands of cells, and oclif's jsonEnabled() reads argv and env each time. */
  protected get color(): boolean {
    this.colorDecided ??= !this.jsonEnabled() && useColor(this.io)
    return this.colorDecided
  }

  /** `text` in a style, when colour is on (marked: this.log turns the marks into colour). */
  protected paint(style: Style, text: string): string {
    return paint(this.color, style, text)
  }

  /**
   * Human output, the only way to stdout for a person: control characters (from the database, a file,
   * anywhere) are shown escaped, never obeyed; only paint()'s marks become colour (JSON goes through
   * logJson, exact).
   */
  public override log(message = '', ...args: unknown[]): void {
    if (this.jsonEnabled()) return
    this.io.out.write(`${forTerminal(typeof message === 'string' && args.length === 0 ? message : format(message, ...args), this.color)}\n`)
  }

  /** Where tarsnet keeps config, cache and data, found from the IO's environment the way oclif finds them. */
  protected get dirs(): {configDir: string; cacheDir: string; dataDir: string} {
    return tarsnetDirs(this.config.bin, this.io.env)
  }

  /** The width tables fit: $COLUMNS, else the terminal's, else 160. */
  protected get width(): number {
    return terminalWidth(this.io)
  }

  /** What a view needs of the screen: colour (off for JSON), Unicode, width. */
  protected get screen(): Screen {
    return {paint: (style, text) => this.paint(style, text), unicode: this.unicode, width: this.width}
  }

  /** The locale says UTF-8: check marks and box lines, else ASCII. */
  protected get unicode(): boolean {
    return unicodeTerminal(this.io.env)
  }

  /** A notice: printed on stderr for a person, collected into `notices` for JSON. Each is said once. */
  protected notice(message: string): void {
    if (this.notices.includes(message)) return
    this.notices.push(message)
    if (!this.jsonEnabled()) stderrLine(this.io, 'yellow', 'note:', message)
  }

  protected verbose(message: string): void {
    if (this.flags.verbose && !this.jsonEnabled()) stderrLine(this.io, 'dim', message, '')
  }

  /** A person is at a terminal and may be asked questions. */
  protected canPrompt(): boolean {
    return canPrompt(this.io) && !this.jsonEnabled()
  }

  /**
   * The searchable list of the database's servants, for a person at a terminal (the caller has checked
   * canPrompt): what resolve offers with no object, and traffic for a name that matches none.
   */
  protected async pickServant(store: Store, message: string): Promise<string> {
    const names = await store.listServants()
    if (names.length === 0) throw new UserError('no servants in the database: nothing to pick from', {code: 'no_servants'})
    const {search} = await import('@inquirer/prompts')
    return search<string>({
      message,
      source: (term) => {
        const t = (term ?? '').toLowerCase()
        return names.filter((n) => n.toLowerCase().includes(t)).map((n) => ({value: n, name: n}))
      },
    })
  }

  /**
   * Opens the store the flags and settings point at: the demo, a snapshot file, or the database
   * (`db` overrides the configured URL: init tests a URL typed at its prompt). Opened once per command.
   */
  protected async openStore(options: {db?: string} = {}): Promise<Store> {
    if (this.store) return this.store
    let store = await this.connectStore(options)
    // The names cache (shell completion) learns node and object names from whatever real source is read.
    if (store.info.kind !== 'demo') store = this.namesSeen.watch(store)
    this.store = store
    return this.store
  }

  /** Where the flags and settings say the rows come from (`db` overrides the configured URL). */
  protected storeSource(dbOverride?: string): StoreSource {
    if (this.flags.demo) return {kind: 'demo'}
    if (this.flags.snapshot) return {kind: 'snapshot', path: this.flags.snapshot}
    const settings = this.settings()
    const db = dbOverride ?? settings.db?.value
    if (!db) {
      throw new UserError(
        'no database configured: run `tarsnet init`, or pass --db mysql://user@host/db_tars, or set TARSNET_DB (or try --demo)',
        {code: 'no_database'},
      )
    }
    const url = parseDbUrl(db)
    return {
      kind: 'mysql', url, password: url.password ?? this.io.env.TARSNET_DB_PASSWORD, connectTimeoutMs: settings.dbTimeoutMs.value,
      ipListColumn: settings.ipListColumn.value, preferredHosts: preferredHosts(this.dirs.cacheDir, url),
    }
  }

  /**
   * A new store on every call, which the caller closes. Where a person is at the keyboard and the
   * database wants a password none was given for, it is asked for (masked), unless `prompt: false`.
   */
  protected async connectStore(options: {db?: string; prompt?: boolean} = {}): Promise<Store> {
    const source = this.storeSource(options.db)
    let store: Store
    try {
      store = await openStoreFrom(source)
    } catch (error) {
      // No password given and the server wants one: ask the person at the keyboard, masked, on the
      // terminal itself when stdout is a pipe, then try again.
      const screen = source.kind === 'mysql' && error instanceof UserError && error.code === 'db_access_denied' && source.password === undefined && (options.prompt ?? true) && personAtKeyboard(this.io) ? promptOutput(this.io) : null
      if (!screen || source.kind !== 'mysql') throw error
      const {password: ask} = await import('@inquirer/prompts')
      let password: string
      try {
        password = await ask({message: `Password for ${source.url.user} (${redactDbUrl(options.db ?? this.settings().db!.value)})`, mask: '*'}, {output: screen.stream})
      } finally {
        screen.close()
      }
      store = await openStoreFrom({...source, password})
    }
    if (source.kind === 'mysql') rememberHost(this.dirs.cacheDir, source.url, store.info.host)
    if (source.kind === 'snapshot') this.notice(`reading snapshot ${source.path} taken ${store.info.takenAt}: not live data`)
    this.verbose(`source: ${store.info.source}`)
    const failed = store.info.failedHosts ?? []
    // Which host answered and which did not, in one line: during an incident that is news.
    if (failed.length > 0) this.notice(`database ${store.info.host} answered; ${failed.map((f) => `${f.host} did not (${f.error})`).join('; ')}`)
    else if (store.info.host) this.verbose(`database host that answered: ${store.info.host}`)
    return store
  }

  /**
   * The networks to classify IPs with: configured ones, else those saved in a snapshot, else one
   * automatic network per /24 or /64 of the given IPs (a function: only computed when needed).
   */
  protected networksFor(ips: Iterable<string> | (() => Iterable<string>)): Networks {
    return chooseNetworks(this.settings().networks.value, this.store?.savedNetworks, ips)
  }

  /** Says once when the IP-list column is missing, and how to add it. */
  protected async noteMissingIpListColumn(store: Store): Promise<void> {
    if (!(await store.ipListColumnPresent())) {
      this.notice(`t_node_info has no ${store.ipListColumn} column: every node falls back to endpoint_ip or node_name (one network). Add it with \`tarsnet db migrate\``)
    }
  }

  /** Source metadata for JSON results. */
  protected sourceJson(): Record<string, unknown> {
    const info = this.store?.info
    if (!info) return {}
    return {source: {kind: info.kind, from: info.source, host: info.host ?? null, takenAt: info.takenAt ?? null, failedHosts: info.failedHosts ?? []}}
  }

  /** JSON straight to stdout: oclif's colourising tokenizer costs more than the whole command on big results. */
  public override logJson(json: unknown): void {
    // Written a piece at a time (exactly JSON.stringify(json, null, 2)): a large result is never one string.
    writeJson(json, (text) => this.io.out.write(text))
  }

  protected override toErrorJson(err: unknown): {error: {code: string; message: string; exitCode: number}} {
    const e = err as {code?: string; message?: string}
    return {error: {code: err instanceof UserError ? err.code : (e.code ?? 'error'), message: oneLine(e.message ?? String(err)), exitCode: this.exitCodeFor(err)}}
  }

  private exitCodeFor(err: unknown): number {
    if (err instanceof UserError) return err.exitCode === 1 ? this.errorExitCode : err.exitCode
    const oclifExit = (err as {oclif?: {exit?: number}}).oclif?.exit
    if (typeof oclifExit === 'number') return oclifExit === 2 ? this.errorExitCode : oclifExit
    return this.errorExitCode
  }

  public override async catch(err: Error & {oclif?: {exit?: number}; skipOclifErrorHandling?: boolean}): Promise<void> {
    // oclif's own exit (this.exit) and --help/--version pass through untouched.
    if (err.oclif?.exit === 0 || err.message?.startsWith('EEXIT')) throw err
    // Ctrl-C in a prompt: leave quietly.
    if (err.name === 'ExitPromptError') {
      this.io.exitCode = 130
      return
    }
    const code = this.exitCodeFor(err)
    this.io.exitCode = code
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(err))
      return
    }
    const debug = this.flags?.debug || this.argv.includes('--debug')
    const known = err instanceof UserError || err.oclif !== undefined
    stderrLine(this.io, 'red', 'error:', oneLine(err.message))
    if (debug) this.io.err.write(`${err.stack ?? ''}\n`)
    else if (!known) this.io.err.write('(an unexpected error: run again with --debug for details)\n')
  }

  public override async finally(err: Error | undefined): Promise<void> {
    await this.store?.close().catch(() => {})
    if (this.store && this.namesSeen.any) {
      try {
        this.namesSeen.save(namesCachePath(this.dirs.cacheDir, this.settings().profileName.value), this.store.info.source)
      } catch {
        // settings that cannot be read were already reported; the cache is not worth a second error
      }
    }
    await super.finally(err)
  }
}

/**
 * Error messages are one line: oclif's parser errors span several, with "See more help" tails. Its flag
 * validation errors say each conflict twice and echo the values (a --db URL with its password): said once
 * per pair here, by flag name only. A password in any URL left in a message is masked.
 */
export function oneLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('See more help'))
  let text: string
  if (lines.length > 1 && /^The following errors? occurred:$/.test(lines[0])) {
    const said = new Set<string>()
    const reasons: string[] = []
    // oclif dims the reasons on a colour terminal: its own codes, taken off before reading them.
    for (const line of lines.slice(1).map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''))) {
      const conflict = /^--([\w-]+)(?:=[\s\S]*?)? cannot also be provided when using --([\w-]+)$/.exec(line)
      if (conflict) {
        const [a, b] = [conflict[1], conflict[2]]
        const pair = [a, b].sort().join(' ')
        if (said.has(pair)) continue
        said.add(pair)
        reasons.push(`--${a} and --${b} do not go together: give only one of them`)
      } else {
        reasons.push(line.replace(/--([\w-]+)=\S+/g, '--$1'))
      }
    }
    text = reasons.join('; ')
  } else {
    text = lines.join(' ')
  }
  // scheme://user:secret@ → scheme://user:***@ (an already masked one, or a [:password] hint, is left as is).
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@[\]]*:)(?!\*+@)[^\s@[\]]+@/gi, '$1***@')
}
