import {formatHost, parseDbUrl, redactDbUrl, type DbUrl} from '../../store/db-url.js'
import {statSourceOf} from '../../options/stat-flags.js'
import {BaseCommand} from '../../cli/base-command.js'
import {formatNetworksSpec} from '../../core/networks.js'
import {renderTable} from '../../platform/table.js'
import {resolveLocator} from '../../cli/config/feature-settings.js'
import type {Settings} from '../../cli/config/settings.js'
import {UserError} from '../../core/errors.js'

export interface ConfigShowResult {
  configFile: string
  configFileExists: boolean
  settings: Array<{name: string; value: unknown; origin: string}>
  notices: string[]
}

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static override summary = 'Print the effective configuration and where each value came from (secrets masked).'
  static override description = 'Every setting comes from a flag, an environment variable, the profile in the config file, or a default, in that order.'

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'What a profile would use', command: '<%= config.bin %> <%= command.id %> --profile plant2'},
  ]

  async run(): Promise<ConfigShowResult> {
    const s = this.settings()
    const probe = s.probe.value
    let inUrl = false
    try {
      inUrl = s.db !== undefined && Boolean(parseDbUrl(s.db.value).password)
    } catch {
      // a URL that does not parse is said when it is used
    }
    const password = this.io.env.TARSNET_DB_PASSWORD
      ? {value: '****', origin: 'env TARSNET_DB_PASSWORD'}
      : inUrl ? {value: '****', origin: `in the database URL (${s.db!.origin})`} : {value: null, origin: 'not set (asked at a terminal when the server wants one)'}
    const settings = [
      {name: 'config file', value: s.configPath.value + (s.configExists ? '' : ' (does not exist)'), origin: s.configPath.origin},
      {name: 'profile', value: s.profileName.value, origin: s.profileName.origin},
      {name: 'database', value: s.db ? redactDbUrl(s.db.value) : null, origin: s.db?.origin ?? 'not set'},
      {name: 'database password', ...password},
      {name: 'database timeout', value: `${s.dbTimeoutMs.value / 1000} s`, origin: s.dbTimeoutMs.origin},
      {name: 'networks', value: s.networks.value.length > 0 ? formatNetworksSpec(s.networks.value) : null, origin: s.networks.origin},
      {name: 'IP-list column', value: s.ipListColumn.value, origin: s.ipListColumn.origin},
      {name: 'probe', value: Object.keys(probe).length > 0 ? JSON.stringify(probe) : null, origin: s.probe.origin},
      {name: 'ssh (mesh)', value: s.profile.ssh ? JSON.stringify(s.profile.ssh) : null, origin: s.profile.ssh ? `profile ${s.profileName.value}` : 'default (your own ssh config; connect timeout 5 s, 32 sessions at once)'},
      {name: 'audit log', value: s.auditLog.value ?? `${this.dirs.dataDir}/audit.jsonl`, origin: s.auditLog.origin},
      locatorSetting(s, this.io.env),
      statSetting(s, this.io.env),
    ]
    if (!this.jsonEnabled()) {
      this.log(renderTable(['SETTING', 'VALUE', 'FROM'], settings.map((x) => [x.name, x.value === null ? '-' : String(x.value), x.origin]), {width: this.width, squeeze: ['FROM']}))
    }
    return {configFile: s.configPath.value, configFileExists: s.configExists, settings, notices: this.notices}
  }
}

/** Where `traffic` and `check --traffic` read tarsstat's record; a setting that cannot be used is shown as such. */
function statSetting(settings: Settings, env: NodeJS.ProcessEnv): {name: string; value: unknown; origin: string} {
  try {
    const source = statSourceOf({flags: {}, settings, env, demo: false})
    return source.kind === 'mysql'
      ? {name: 'stat database (traffic)', value: `${formatStatUrl(source.url)} prefix ${source.prefix}`, origin: source.origin.replace(/^.*, /, '')}
      : {name: 'stat database (traffic)', value: null, origin: source.origin}
  } catch (error) {
    if (!(error instanceof UserError)) throw error
    return {name: 'stat database (traffic)', value: null, origin: error.message}
  }
}

/** A parsed URL written back (the hosts, user and database; never the password). */
function formatStatUrl(url: DbUrl): string {
  return `mysql://${url.user}@${url.hosts.map(formatHost).join(',')}/${url.database}`
}

/** The registry locator (registry check, resolve --live); a malformed one is shown as such, not thrown. */
function locatorSetting(settings: Parameters<typeof resolveLocator>[0]['settings'], env: NodeJS.ProcessEnv): {name: string; value: unknown; origin: string} {
  try {
    const l = resolveLocator({env, settings})
    return {name: 'registry locator', value: l?.value ?? null, origin: l?.origin ?? 'not set (the registry\'s own rows in t_registry_info)'}
  } catch (error) {
    if (!(error instanceof UserError)) throw error
    return {name: 'registry locator', value: null, origin: error.message}
  }
}
