/**
 * The config file and its named profiles, and the effective settings with where each came from.
 * Precedence for every setting: flag, then environment variable, then the profile, then the default.
 */
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {parseLocator} from '../core/locator.js'
import {parseListenAddress} from '../core/listen.js'
import {parseNetworksSpec, type Network} from '../core/networks.js'
import {UserError} from '../core/errors.js'

export interface ProbeSettings {
  /** Port(s) to probe on every node IP when no servant ports apply. */
  ports?: number[]
  timeoutMs?: number
  retries?: number
  concurrency?: number
  /** Source address per network name. */
  bind?: Record<string, string>
}

/** The profile's `exporter` keys (tarsnet exporter). */
export interface ExporterSettings {
  /** HOST:PORT to serve /metrics on. */
  listen?: string
  /** Seconds between probe rounds. */
  interval?: number
}

export interface Profile {
  db?: string
  /** Networks as a list or a spec string "x=10.10.0.0/16;y=10.20.0.0/16". */
  networks?: Network[] | string
  ipListColumn?: string
  probe?: ProbeSettings
  /** Where the audit log of IP-list edits goes (default: oclif's data dir). */
  auditLog?: string
  /** Interface name globs left out by `nodes detect`. */
  detectExclude?: string[]
  /** The registry's locator, as a client's config has it: tars.tarsregistry.QueryObj@tcp -h … -p 17890:… */
  locator?: string
  exporter?: ExporterSettings
  /** The SSH fan-out of `mesh` (see sshSettingsOf). */
  ssh?: SshProfileSettings
}

/** Profile key `ssh`: how `tarsnet mesh` runs the operator's OpenSSH client. */
export interface SshProfileSettings {
  /** Passed as `ssh -F`. */
  configFile?: string
  /** Passed as `ssh -l`. */
  user?: string
  /** `KEY=VALUE` strings (or a {KEY: VALUE} object), each passed as `ssh -o`. */
  options?: string[] | Record<string, string>
  /** ConnectTimeout, whole seconds. */
  timeout?: number
  /** SSH sessions at once. */
  fanout?: number
}

export interface ConfigFile {
  defaultProfile?: string
  profiles: Record<string, Profile>
}

export const DEFAULT_IP_LIST_COLUMN = 'ip_list'
export const DEFAULT_DB_TIMEOUT_MS = 3000

/** Where a setting's value came from, for `config show` and `--verbose`. */
export type Origin = string

export interface Setting<T> {
  value: T
  origin: Origin
}

export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return {profiles: {}}
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new UserError(`config file ${path} is not valid JSON (${(error as Error).message}): fix it or point --config elsewhere`, {code: 'invalid_config'})
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as ConfigFile).profiles !== 'object') {
    throw new UserError(`config file ${path} has no "profiles" object: run \`tarsnet init\` to write one`, {code: 'invalid_config'})
  }
  return parsed as ConfigFile
}

/** Writes the config file atomically (temp file + rename), readable by the owner only: it may hold a password. */
export function writeConfigFile(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), {recursive: true})
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', {mode: 0o600})
  renameSync(tmp, path)
}

export function defaultConfigPath(configDir: string): string {
  return join(configDir, 'config.json')
}

export interface SettingsInput {
  flags: {config?: string; profile?: string; db?: string; networks?: string; 'db-timeout'?: number}
  env: NodeJS.ProcessEnv
  configDir: string
  /** `tarsnet init --profile NEW` names a profile that does not exist yet. */
  allowUnknownProfile?: boolean
}

export interface Settings {
  configPath: Setting<string>
  configExists: boolean
  profileName: Setting<string>
  profile: Profile
  db: Setting<string> | undefined
  dbTimeoutMs: Setting<number>
  networks: Setting<Network[]>
  ipListColumn: Setting<string>
  probe: Setting<ProbeSettings>
  auditLog: Setting<string | undefined>
}

/** Resolves every setting from flags, environment, profile and defaults, remembering the origin. */
export function resolveSettings({flags, env, configDir, allowUnknownProfile}: SettingsInput): Settings {
  const configPath: Setting<string> = flags.config
    ? {value: flags.config, origin: 'flag --config'}
    : env.TARSNET_CONFIG
      ? {value: env.TARSNET_CONFIG, origin: 'env TARSNET_CONFIG'}
      : {value: defaultConfigPath(configDir), origin: 'default'}
  const configExists = existsSync(configPath.value)
  const file = readConfigFile(configPath.value)

  const explicitProfile: Setting<string> | undefined = flags.profile
    ? {value: flags.profile, origin: 'flag --profile'}
    : env.TARSNET_PROFILE
      ? {value: env.TARSNET_PROFILE, origin: 'env TARSNET_PROFILE'}
      : undefined
  const profileName: Setting<string> = explicitProfile
    ?? (file.defaultProfile ? {value: file.defaultProfile, origin: `config ${configPath.value} (defaultProfile)`} : {value: 'default', origin: 'default'})
  const profile = file.profiles[profileName.value]
  if (!profile && explicitProfile && !allowUnknownProfile) {
    const known = Object.keys(file.profiles)
    throw new UserError(
      `unknown profile "${profileName.value}" (${profileName.origin}): ${known.length > 0 ? `${configPath.value} has ${known.join(', ')}` : `${configPath.value} has no profiles; create one with \`tarsnet init --profile ${profileName.value}\``}`,
      {code: 'unknown_profile'},
    )
  }
  const p: Profile = profile ?? {}
  const fromProfile = `profile ${profileName.value}`

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
    const list = typeof p.networks === 'string'
      ? parseNetworksSpec(p.networks, `networks of ${fromProfile}`)
      : parseNetworksSpec(p.networks.map((n) => `${n.name}=${(n.cidrs ?? []).join(',')}`).join(';'), `networks of ${fromProfile}`)
    networks = {value: list, origin: fromProfile}
  } else networks = {value: [], origin: 'default (none: grouped by /24 and /64)'}

  const ipListColumn: Setting<string> = env.TARSNET_IP_LIST_COLUMN
    ? {value: env.TARSNET_IP_LIST_COLUMN, origin: 'env TARSNET_IP_LIST_COLUMN'}
    : p.ipListColumn
      ? {value: p.ipListColumn, origin: fromProfile}
      : {value: DEFAULT_IP_LIST_COLUMN, origin: 'default'}
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(ipListColumn.value)) {
    throw new UserError(`invalid IP-list column name "${ipListColumn.value}" (${ipListColumn.origin}): use letters, digits and "_"`, {code: 'invalid_config'})
  }

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
  }
}

/**
 * The registry locator for `registry check` and `resolve --live`: the flag, else TARSNET_LOCATOR, else
 * the profile's `locator`; undefined when none is set (the registry's own rows are used then). A value
 * that is not a locator string is a clear error naming where it came from.
 */
export function resolveLocator(input: {flag?: string; env: NodeJS.ProcessEnv; settings: Pick<Settings, 'profile' | 'profileName' | 'configPath'>}): Setting<string> | undefined {
  const {flag, env, settings} = input
  let setting: Setting<string> | undefined
  if (flag !== undefined) setting = {value: flag, origin: '--locator'}
  else if (env.TARSNET_LOCATOR) setting = {value: env.TARSNET_LOCATOR, origin: 'env TARSNET_LOCATOR'}
  else if (settings.profile.locator !== undefined) {
    const value: unknown = settings.profile.locator
    const origin = `profile ${settings.profileName.value} in ${settings.configPath.value}`
    if (typeof value !== 'string') {
      throw new UserError(`invalid locator (${origin}): "locator" must be a string such as "tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 17890"`, {code: 'invalid_locator'})
    }
    setting = {value, origin}
  }
  if (setting) parseLocator(setting.value, setting.origin)
  return setting
}

const EXPORTER_KEYS = new Set(['listen', 'interval'])

/**
 * The profile's `exporter` keys, checked: an object with `listen` (HOST:PORT) and `interval` (whole
 * seconds, at least 1). Anything else is one clear error naming the profile and the key.
 */
export function exporterSettings(profile: Profile, profileName: string): ExporterSettings {
  const value: unknown = profile.exporter
  if (value === undefined) return {}
  const where = `profile ${profileName}: exporter`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${where} must be an object like {"listen": "127.0.0.1:9731", "interval": 30}`, {code: 'invalid_config'})
  }
  const raw = value as Record<string, unknown>
  const unknown = Object.keys(raw).filter((k) => !EXPORTER_KEYS.has(k))
  if (unknown.length > 0) throw new UserError(`${where} has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}: the keys are listen and interval`, {code: 'invalid_config'})
  const out: ExporterSettings = {}
  if (raw.listen !== undefined) {
    const parsed = typeof raw.listen === 'string' ? parseListenAddress(raw.listen) : 'not a string'
    if (typeof parsed === 'string') throw new UserError(`${where}.listen ${JSON.stringify(raw.listen)} is invalid (${parsed}): write HOST:PORT, e.g. "127.0.0.1:9731"`, {code: 'invalid_config'})
    out.listen = raw.listen as string
  }
  if (raw.interval !== undefined) {
    if (typeof raw.interval !== 'number' || !Number.isInteger(raw.interval) || raw.interval < 1) {
      throw new UserError(`${where}.interval ${JSON.stringify(raw.interval)} is invalid: give whole seconds, at least 1, e.g. 30`, {code: 'invalid_config'})
    }
    out.interval = raw.interval
  }
  return out
}

/**
 * The profile's `ssh` settings, checked: each bad value is one line naming the profile, the key and the
 * value. Options come back as `KEY=VALUE` strings (their meaning is checked where they are used).
 */
export function sshSettingsOf(profile: Profile, profileName: string): {configFile?: string; user?: string; options: string[]; timeout?: number; fanout?: number} {
  const raw: unknown = profile.ssh
  if (raw === undefined || raw === null) return {options: []}
  const bad = (key: string, value: unknown, want: string) =>
    new UserError(`invalid profile ${profileName}: ssh${key ? `.${key}` : ''} ${JSON.stringify(value)}: ${want}`, {code: 'invalid_config'})
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('', raw, 'write an object {"configFile", "user", "options", "timeout", "fanout"}')
  const ssh = raw as Record<string, unknown>
  const out: {configFile?: string; user?: string; options: string[]; timeout?: number; fanout?: number} = {options: []}
  if (ssh.configFile !== undefined) {
    if (typeof ssh.configFile !== 'string' || ssh.configFile.trim() === '') throw bad('configFile', ssh.configFile, 'give the path of an ssh_config file')
    out.configFile = ssh.configFile
  }
  if (ssh.user !== undefined) {
    if (typeof ssh.user !== 'string' || ssh.user.trim() === '') throw bad('user', ssh.user, 'give a login name')
    out.user = ssh.user
  }
  if (ssh.options !== undefined) {
    const o = ssh.options
    if (Array.isArray(o) && o.every((x) => typeof x === 'string')) out.options = o as string[]
    else if (typeof o === 'object' && o !== null && !Array.isArray(o) && Object.values(o).every((v) => typeof v === 'string' || typeof v === 'number')) {
      out.options = Object.entries(o).map(([k, v]) => `${k}=${v}`)
    } else throw bad('options', o, 'give a list of "KEY=VALUE" strings, e.g. ["ProxyJump=bastion"]')
  }
  if (ssh.timeout !== undefined) {
    if (typeof ssh.timeout !== 'number' || !Number.isInteger(ssh.timeout) || ssh.timeout < 1 || ssh.timeout > 600) throw bad('timeout', ssh.timeout, 'give whole seconds from 1 to 600, e.g. 5')
    out.timeout = ssh.timeout
  }
  if (ssh.fanout !== undefined) {
    if (typeof ssh.fanout !== 'number' || !Number.isInteger(ssh.fanout) || ssh.fanout < 1 || ssh.fanout > 1024) throw bad('fanout', ssh.fanout, 'give a number of sessions from 1 to 1024, e.g. 32')
    out.fanout = ssh.fanout
  }
  const known = new Set(['configFile', 'user', 'options', 'timeout', 'fanout'])
  for (const k of Object.keys(ssh)) if (!known.has(k)) throw bad(k, ssh[k], 'unknown key (the keys are configFile, user, options, timeout, fanout)')
  return out
}
