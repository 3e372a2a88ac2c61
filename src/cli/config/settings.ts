/**
 * The effective settings, each with where it came from. Precedence for every setting: flag, then
 * environment variable, then the profile, then the default.
 */
import {existsSync, statSync} from 'node:fs'

import {parseNetworksSpec, type Network} from '../../core/networks.js'
import {UserError} from '../../core/errors.js'
import {clip} from '../../core/text.js'
import {parseDbUrl} from '../../store/db-url.js'
import {defaultConfigPath, readConfigFile} from './file.js'
import {DEFAULT_IP_LIST_COLUMN, type ProbeSettings, type Profile} from './profile.js'
import {checkIpListColumnName, checkProfile} from './profile-checks.js'

export const DEFAULT_DB_TIMEOUT_MS = 3000

/** Where a setting's value came from, for `config show` and `--verbose`. */
export type Origin = string

export interface Setting<T> {
  value: T
  origin: Origin
}

/** True when a profile keeps a database password in the file (in its URL). */
function holdsPassword(profile: Profile): boolean {
  return [profile.db, profile.stat?.db].some((db) => {
    if (typeof db !== 'string') return false
    try {
      const password = parseDbUrl(db).password
      return password !== undefined && password !== ''
    } catch {
      return false
    }
  })
}

export interface SettingsInput {
  flags: {config?: string; profile?: string; db?: string; networks?: string; 'db-timeout'?: number}
  env: NodeJS.ProcessEnv
  configDir: string
  /** `tarsnet init --profile NEW` names a profile that does not exist yet. */
  allowUnknownProfile?: boolean
  /** `tarsnet init --config NEW` names a config file that does not exist yet. */
  allowMissingConfig?: boolean
}

export interface Settings {
  configPath: Setting<string>
  configExists: boolean
  profileName: Setting<string>
  /** The profile in use, every value checked. */
  profile: Profile
  db: Setting<string> | undefined
  dbTimeoutMs: Setting<number>
  networks: Setting<Network[]>
  ipListColumn: Setting<string>
  probe: Setting<ProbeSettings>
  auditLog: Setting<string | undefined>
  /** Things the person should know (a password in a file others can read, an ignored key). */
  warnings: string[]
}

/** Resolves every setting from flags, environment, profile and defaults, remembering the origin. */
export function resolveSettings({flags, env, configDir, allowUnknownProfile, allowMissingConfig}: SettingsInput): Settings {
  const warnings: string[] = []
  const configPath: Setting<string> = flags.config
    ? {value: flags.config, origin: 'flag --config'}
    : env.TARSNET_CONFIG
      ? {value: env.TARSNET_CONFIG, origin: 'env TARSNET_CONFIG'}
      : {value: defaultConfigPath(configDir), origin: 'default'}
  const configExists = existsSync(configPath.value)
  // A file named on purpose that is not there is a typo, not "no configuration".
  if (!configExists && configPath.origin !== 'default' && !allowMissingConfig) {
    throw new UserError(`config file ${configPath.value} (${configPath.origin}) does not exist: check the path, or write it with \`tarsnet init --config ${configPath.value}\``, {code: 'config_not_found'})
  }
  const file = readConfigFile(configPath.value)

  const explicitProfile: Setting<string> | undefined = flags.profile
    ? {value: flags.profile, origin: 'flag --profile'}
    : env.TARSNET_PROFILE
      ? {value: env.TARSNET_PROFILE, origin: 'env TARSNET_PROFILE'}
      : undefined
  const profileName: Setting<string> = explicitProfile
    ?? (file.defaultProfile ? {value: file.defaultProfile, origin: `config ${configPath.value} (defaultProfile)`} : {value: 'default', origin: 'default'})
  if (profileName.value.length > 200) throw new UserError(`the profile name "${clip(profileName.value, 40)}" (${profileName.origin}) is not a profile name: at most 200 characters`, {code: 'unknown_profile'})
  const known = Object.keys(file.profiles)
  const raw = Object.hasOwn(file.profiles, profileName.value) ? file.profiles[profileName.value] : undefined
  if (!raw && (explicitProfile || file.defaultProfile) && !allowUnknownProfile) {
    throw new UserError(
      `unknown profile "${clip(profileName.value, 40)}" (${profileName.origin}): ${known.length > 0 ? `${configPath.value} has ${clip(known.join(', '), 200)}` : `${configPath.value} has no profiles; create one with \`tarsnet init --profile ${clip(profileName.value, 40)}\``}`,
      {code: 'unknown_profile'},
    )
  }
  const p: Profile = raw ? checkProfile(raw as Record<string, unknown>, profileName.value, configPath.value, (m) => warnings.push(m)) : {}
  const fromProfile = `profile ${profileName.value}`

  if (configExists) {
    const withPassword = Object.entries(file.profiles).filter(([, profile]) => holdsPassword(profile)).map(([name]) => name)
    if (withPassword.length > 0) {
      let mode = 0
      try {
        mode = statSync(configPath.value).mode & 0o777
      } catch {
        // unreadable: readConfigFile has said so already
      }
      if ((mode & 0o044) !== 0) {
        warnings.push(`config file ${configPath.value} holds a database password (profile ${clip(withPassword.join(', '), 100)}) and others can read it (mode ${mode.toString(8).padStart(4, '0')}): run \`chmod 600 ${configPath.value}\`, or move the password to TARSNET_DB_PASSWORD`)
      }
    }
  }

  const db: Setting<string> | undefined = flags.db
    ? {value: flags.db, origin: 'flag --db'}
    : env.TARSNET_DB
      ? {value: env.TARSNET_DB, origin: 'env TARSNET_DB'}
      : p.db
        ? {value: p.db, origin: fromProfile}
        : undefined

  const dbTimeoutMs: Setting<number> = flags['db-timeout'] !== undefined
    ? {value: flags['db-timeout'] * 1000, origin: 'flag --db-timeout'}
    : {value: DEFAULT_DB_TIMEOUT_MS, origin: 'default'}

  let networks: Setting<Network[]>
  if (flags.networks) networks = {value: parseNetworksSpec(flags.networks, '--networks'), origin: 'flag --networks'}
  else if (env.TARSNET_NETWORKS) networks = {value: parseNetworksSpec(env.TARSNET_NETWORKS, 'TARSNET_NETWORKS'), origin: 'env TARSNET_NETWORKS'}
  else if (p.networks) {
    const list = typeof p.networks === 'string' ? parseNetworksSpec(p.networks, `networks of ${fromProfile}`) : p.networks
    networks = {value: list, origin: fromProfile}
  } else networks = {value: [], origin: 'default (none: grouped by /24 and /64)'}

  const ipListColumn: Setting<string> = env.TARSNET_IP_LIST_COLUMN
    ? {value: env.TARSNET_IP_LIST_COLUMN, origin: 'env TARSNET_IP_LIST_COLUMN'}
    : p.ipListColumn
      ? {value: p.ipListColumn, origin: fromProfile}
      : {value: DEFAULT_IP_LIST_COLUMN, origin: 'default'}
  checkIpListColumnName(ipListColumn.value, ipListColumn.origin)

  return {
    configPath,
    configExists,
    profileName,
    profile: p,
    db,
    dbTimeoutMs,
    networks,
    ipListColumn,
    probe: p.probe ? {value: p.probe, origin: fromProfile} : {value: {}, origin: 'default'},
    auditLog: p.auditLog ? {value: p.auditLog, origin: fromProfile} : {value: undefined, origin: 'default'},
    warnings,
  }
}
