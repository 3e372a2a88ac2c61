/**
 * The config file and its named profiles, and the effective settings with where each came from.
 * Precedence for every setting: flag, then environment variable, then the profile, then the default.
 *
 * Every profile value is checked here, once, the way its flag is checked (type, range, cap): a bad value
 * is one line naming the profile, the key and the value. A new profile key joins in two lines: its type
 * in `Profile`, and its check in `PROFILE_CHECKS` (the compiler insists on the second).
 */
import {existsSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {parseLocator} from '../core/locator.js'
import {parseListenAddress} from '../core/listen.js'
import {parseNetworksSpec, type Network} from '../core/networks.js'
import {UserError} from '../core/errors.js'
import {normalizeIp} from '../core/ip.js'
import {UPSTREAM_NODE_INFO_COLUMNS} from '../core/rows.js'
import {clip} from '../core/text.js'
import {parseDbUrl} from '../store/db-url.js'
import {ensureDirectory} from '../platform/safe-fs.js'

export interface ProbeSettings {
  /** Port(s) to probe on every node IP when no servant ports apply. */
  ports?: number[]
  /** Milliseconds per probe, or "auto" (adaptive per network, up to timeoutMaxMs). */
  timeoutMs?: number | 'auto'
  /** The ceiling of an adaptive timeout. */
  timeoutMaxMs?: number
  /** Measurements per link (probe and mesh). */
  samples?: number
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
  /** Also the mesh over SSH every round (as --mesh). */
  mesh?: boolean
  /** Also the readiness check's findings every round (as --findings). */
  findings?: boolean
  /** Measurements per link each round (as the exporter's --samples). */
  samples?: number
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
  /** tarsstat's record (`traffic`, `check --traffic`): see lib/stat-flags. */
  stat?: StatProfileSettings
}

/** Profile key `stat`: where tarsstat writes (as --stat-db and --stat-prefix). */
export interface StatProfileSettings {
  /** mysql://user@host[,host2]/tars_stat; default: the db_tars URL with database tars_stat. */
  db?: string
  /** Table name prefix (tarsstat's tbname), default tars_stat_. */
  prefix?: string
}

/** Profile key `ssh`: how `tarsnet mesh` runs the operator's OpenSSH client. */
export interface SshProfileSettings {
  /** Passed as `ssh -F`. */
  configFile?: string
  /** Passed as `ssh -l`. */
  user?: string
  /** `KEY=VALUE` strings (or a {KEY: VALUE} object, a value a string or a number), each passed as `ssh -o`. */
  options?: string[] | Record<string, string | number>
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

// ---------------------------------------------------------------------------------------------------
// Checks: each turns a raw JSON value into a typed one or throws BadValue saying what was expected.

/** A value that is not what its key needs; `resolveSettings` turns it into the operator's one line. */
export class BadValue extends Error {
  constructor(readonly key: string, readonly value: unknown, readonly expected: string) {
    super(`${key}: expected ${expected}`)
  }
}

/** Checks one value found at `key` (a dotted path such as "probe.timeoutMs"); `warn` notes what is ignored. */
export type Check<T> = (value: unknown, key: string, warn: (message: string) => void) => T

/** A whole number from min to max (the same bounds as the flag). */
export function integer(min: number, max: number, unit = ''): Check<number> {
  const expected = `a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}`
  return (value, key) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new BadValue(key, value, expected)
    return value
  }
}

/** A string; non-empty unless told, at most `max` characters. */
export function text(options: {allowEmpty?: boolean; max?: number; pattern?: RegExp; expected?: string} = {}): Check<string> {
  const max = options.max ?? 4096
  const expected = options.expected ?? `${options.allowEmpty ? 'a string' : 'a non-empty string'} of at most ${max} characters`
  return (value, key) => {
    if (typeof value !== 'string' || value.length > max || (!options.allowEmpty && value.trim() === '')) throw new BadValue(key, value, expected)
    if (options.pattern && !options.pattern.test(value)) throw new BadValue(key, value, expected)
    return value
  }
}

/** A list of values each passing `item`, at most `max` of them. */
export function listOf<T>(item: Check<T>, what: string, max = 1000): Check<T[]> {
  return (value, key, warn) => {
    if (!Array.isArray(value) || value.length > max) throw new BadValue(key, value, `a list of at most ${max} ${what}`)
    return value.map((v, i) => item(v, `${key}[${i}]`, warn))
  }
}

/** An object of name → value, names matching `name`. */
export function record<T>(name: RegExp, item: Check<T>, what: string, max = 1000): Check<Record<string, T>> {
  return (value, key, warn) => {
    if (!isPlainObject(value) || Object.keys(value).length > max) throw new BadValue(key, value, `an object of ${what}`)
    const out: Record<string, T> = {}
    for (const [k, v] of Object.entries(value)) {
      if (!name.test(k)) throw new BadValue(`${key}`, k, `${what}; "${clip(k, 40)}" is not a valid name`)
      out[k] = item(v, `${key}.${k}`, warn)
    }
    return out
  }
}

export type Checks<T> = {[K in keyof T]-?: Check<Exclude<T[K], undefined>>}

/** An object with known keys, each checked; an unknown key is ignored with a warning (a typo must not pass silently). */
export function section<T extends object>(checks: Checks<T>): Check<T> {
  return (value, key, warn) => {
    if (!isPlainObject(value)) throw new BadValue(key, value, 'an object')
    return checkKeys(value, checks, `${key}.`, warn)
  }
}

function checkKeys<T extends object>(value: Record<string, unknown>, checks: Checks<T>, prefix: string, warn: (message: string) => void): T {
  const out: Record<string, unknown> = {}
  const known = Object.keys(checks)
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(checks, k)) {
      warn(`unknown key ${prefix}${clip(k, 40)} ignored (known: ${known.map((x) => `${prefix}${x}`).join(', ')})`)
      continue
    }
    // null means "not set", as if the key were absent.
    if (v === null || v === undefined) continue
    out[k] = (checks as Record<string, Check<unknown>>)[k](v, `${prefix}${k}`, warn)
  }
  return out as T
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value in the object form of ssh.options: a string, or a number as JSON writes one ({"ServerAliveInterval": 30}); sshSettingsOf reads both. */
const sshOptionValue: Check<string | number> = (value, key, warn) =>
  typeof value === 'number' && Number.isFinite(value) ? value : text({max: 1024, allowEmpty: true, expected: 'a string or a number'})(value, key, warn)

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** A column name tarsnet may own: an identifier, and never one of upstream Tars's own t_node_info columns. */
export function checkIpListColumnName(name: string, origin: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new UserError(`invalid IP-list column name "${clip(name, 64)}" (${origin}): use letters, digits and "_"`, {code: 'invalid_config'})
  }
  if (UPSTREAM_NODE_INFO_COLUMNS.includes(name.toLowerCase())) {
    throw new UserError(
      `the IP-list column cannot be "${name}" (${origin}): it is one of Tars's own t_node_info columns, and editing it would overwrite the framework's data; use a column of tarsnet's own (default ${DEFAULT_IP_LIST_COLUMN})`,
      {code: 'invalid_config'},
    )
  }
  return name
}

const ipAddress: Check<string> = (value, key) => {
  if (typeof value !== 'string' || normalizeIp(value) === null) throw new BadValue(key, value, 'an IP address')
  return value
}

const networksValue: Check<Network[] | string> = (value, key) => {
  const origin = key
  if (typeof value === 'string') {
    parseNetworksSpec(value, origin)
    return value
  }
  const shape = 'a spec string "x=10.10.0.0/16;y=10.20.0.0/16" or a list of {"name": "x", "cidrs": ["10.10.0.0/16"]}'
  if (!Array.isArray(value) || value.length > 1000) throw new BadValue(key, value, shape)
  const list = value.map((n, i) => {
    if (!isPlainObject(n) || typeof n.name !== 'string' || !Array.isArray(n.cidrs) || !n.cidrs.every((c) => typeof c === 'string')) {
      throw new BadValue(`${key}[${i}]`, n, '{"name": "x", "cidrs": ["10.10.0.0/16"]}')
    }
    if (n.name.includes('=') || n.name.includes(';') || n.cidrs.some((c: string) => c.includes(';'))) throw new BadValue(`${key}[${i}]`, n, 'a network name and CIDRs')
    return {name: n.name, cidrs: n.cidrs as string[]}
  })
  return parseNetworksSpec(list.map((n) => `${n.name}=${n.cidrs.join(',')}`).join(';'), origin)
}

/** A flag's on/off as a profile value: JSON true or false, nothing else ("yes", 1 and "true" are mistakes). */
function yesNo(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw new BadValue(key, value, 'true or false')
  return value
}

/** Every profile key and its check. Keep each check the same as the flag it stands in for. */
export const PROFILE_CHECKS: Checks<Profile> = {
  db: (value, key) => {
    const url = text({max: 2048, expected: 'a database URL mysql://user@host[,host2]/db_tars'})(value, key, () => {})
    parseDbUrl(url)
    return url
  },
  networks: networksValue,
  ipListColumn: text({max: 64, expected: 'a column name (letters, digits and "_")'}),
  probe: section<ProbeSettings>({
    // As `probe --port`, `--timeout`, `--retries`, `--concurrency` and `--bind`.
    ports: listOf(integer(1, 65_535, 'a port'), 'ports', 64),
    timeoutMs: (value, key, warn) => (value === 'auto' ? 'auto' : integer(1, 600_000, 'milliseconds, or "auto"')(value, key, warn)),
    timeoutMaxMs: integer(1, 600_000, 'milliseconds'),
    samples: integer(1, 100, 'samples per link'),
    retries: integer(0, 10),
    concurrency: integer(1, 1_000_000),
    bind: record(NETWORK_NAME, ipAddress, 'network name → source IP address', 64),
  }),
  auditLog: text({max: 4096, expected: 'a file path'}),
  detectExclude: listOf(text({max: 256}), 'interface-name globs', 256),
  // As `--locator` (registry check, resolve --live).
  locator: (value, key) => {
    const expected = 'a client locator string such as "tars.tarsregistry.QueryObj@tcp -h 10.10.0.2 -p 17890"'
    const locator = text({max: 4096, expected})(value, key, () => {})
    // The parser's own reason (no port, no endpoint…) says more than the grammar does.
    parseLocator(locator, key)
    return locator
  },
  // As `exporter --listen` and `--interval`.
  exporter: section<ExporterSettings>({
    listen: (value, key) => {
      if (typeof value !== 'string' || value.length > 300 || typeof parseListenAddress(value) === 'string') throw new BadValue(key, value, 'HOST:PORT, e.g. "127.0.0.1:9731"')
      return value
    },
    interval: integer(1, 86_400, 'seconds'),
    mesh: yesNo,
    findings: yesNo,
    samples: integer(1, 100, 'samples per link'),
  }),
  // As mesh's --ssh-config, --ssh-user, --ssh-option, --ssh-timeout and --fanout (sshSettingsOf reads them).
  ssh: section<SshProfileSettings>({
    configFile: text({max: 4096, expected: 'the path of an ssh_config file'}),
    user: text({max: 256, expected: 'a user name'}),
    options: (value, key, warn) => Array.isArray(value)
      ? listOf(text({max: 1024, expected: 'KEY=VALUE'}), 'ssh options KEY=VALUE', 256)(value, key, warn)
      : record(/^[A-Za-z][A-Za-z0-9]*$/, sshOptionValue, 'ssh option names → values', 256)(value, key, warn),
    timeout: integer(1, 600, 'seconds'),
    fanout: integer(1, 1024, 'sessions'),
  }),
  // As --stat-db and --stat-prefix (traffic, check --traffic).
  stat: section<StatProfileSettings>({
    db: (value, key) => {
      const url = text({max: 2048, expected: 'a database URL mysql://user@host[,host2]/tars_stat'})(value, key, () => {})
      parseDbUrl(url)
      return url
    },
    prefix: text({max: 64, pattern: /^[A-Za-z0-9_$]+$/, expected: 'a table name prefix such as tars_stat_ (letters, digits, "_")'}),
  }),
}

// ---------------------------------------------------------------------------------------------------

export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) return {profiles: {}}
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    const code = (error as {code?: string}).code
    const why = code ? `cannot be read (${code === 'EISDIR' ? 'it is a directory' : (error as Error).message})` : `is not valid JSON (${clip((error as Error).message, 120)})`
    throw new UserError(`config file ${path} ${why}: fix it or point --config elsewhere`, {code: 'invalid_config'})
  }
  if (!isPlainObject(parsed) || !isPlainObject(parsed.profiles)) {
    throw new UserError(`config file ${path} has no "profiles" object: run \`tarsnet init\` to write one`, {code: 'invalid_config'})
  }
  for (const [name, profile] of Object.entries(parsed.profiles)) {
    if (!isPlainObject(profile)) throw new UserError(`config file ${path}: profile "${clip(name, 40)}" is ${describe(profile)}, not an object of settings`, {code: 'invalid_config'})
  }
  if (parsed.defaultProfile !== undefined && typeof parsed.defaultProfile !== 'string') {
    throw new UserError(`config file ${path}: defaultProfile is ${describe(parsed.defaultProfile)}: expected a profile name`, {code: 'invalid_config'})
  }
  return parsed as unknown as ConfigFile
}

/** Writes the config file atomically (temp file + rename), readable by the owner only: it may hold a password. */
export function writeConfigFile(path: string, config: ConfigFile): void {
  try {
    ensureDirectory(dirname(path))
  } catch (error) {
    throw new UserError(`cannot write the config file ${path}: ${(error as Error).message}`, {code: 'invalid_config'})
  }
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', {mode: 0o600})
  renameSync(tmp, path)
}

export function defaultConfigPath(configDir: string): string {
  return join(configDir, 'config.json')
}

/** A value as it appears in a message: JSON, clipped, with its type when that is the point. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing'
  let shown: string
  try {
    shown = JSON.stringify(value) ?? String(value)
  } catch {
    shown = String(value)
  }
  shown = clip(shown, 60)
  if (typeof value === 'string') return `${shown} (a string)`
  if (Array.isArray(value)) return `${shown} (a list)`
  if (value === null) return 'null'
  if (typeof value === 'object') return `${shown} (an object)`
  return shown
}

/** How a message names a profile: `profile "plant" in /etc/tarsnet/config.json`. */
export function profileWhere(profileName: string, configPath: string): string {
  return `profile "${clip(profileName, 40)}" in ${configPath}`
}

/**
 * The operator's one line for a bad profile value, as every profile check words it:
 * `profile "plant" in FILE: probe.timeoutMs is "1000" (a string): expected …`. Also for checks that can
 * only run later (a probe.bind address this machine does not have, a network that does not exist).
 */
export function badProfileValue(where: string, key: string, value: unknown, expected: string, code = 'invalid_config'): UserError {
  return new UserError(`${where}: ${key} is ${describe(value)}: expected ${expected}`, {code})
}

/** Checks a profile as found in the file; throws the operator's one line for the first bad value. */
export function checkProfile(raw: Record<string, unknown>, profileName: string, configPath: string, warn: (message: string) => void): Profile {
  const where = profileWhere(profileName, configPath)
  try {
    return checkKeys(raw, PROFILE_CHECKS, '', (message) => warn(`${where}: ${message}`))
  } catch (error) {
    if (error instanceof BadValue) throw badProfileValue(where, error.key, error.value, error.expected)
    if (error instanceof UserError) {
      throw new UserError(error.message.includes(configPath) ? error.message : `${where}: ${error.message}`, {code: 'invalid_config'})
    }
    throw error
  }
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

/**
 * The registry locator for `registry check` and `resolve --live`: the flag, else TARSNET_LOCATOR, else
 * the profile's `locator`; undefined when none is set (the registry's own rows are used then). A value
 * that is not a locator string is a clear error naming where it came from. With `demo` (reading the
 * built-in demo cluster) only the flag counts: the others name the real cluster's registries, which are
 * never asked about the demo's objects.
 */
export function resolveLocator(input: {flag?: string; env: NodeJS.ProcessEnv; settings: Pick<Settings, 'profile' | 'profileName' | 'configPath'>; demo?: boolean}): Setting<string> | undefined {
  const {flag, env, settings} = input
  let setting: Setting<string> | undefined
  if (flag !== undefined) setting = {value: flag, origin: '--locator'}
  else if (input.demo) return undefined
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

/**
 * The profile's `exporter` keys: listen (HOST:PORT), interval (whole seconds, at least 1), mesh and findings
 * (true or false). The profile loader has already checked each one as its flag is checked (a bad one is an
 * error naming it, an unknown key a note); this re-checks them for callers handed a profile from elsewhere.
 */
export function exporterSettings(profile: Profile, profileName: string): ExporterSettings {
  const value: unknown = profile.exporter
  if (value === undefined) return {}
  const where = `profile ${profileName}: exporter`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${where} must be an object like {"listen": "127.0.0.1:9731", "interval": 30}`, {code: 'invalid_config'})
  }
  const raw = value as Record<string, unknown>
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
  if (raw.samples !== undefined) {
    if (typeof raw.samples !== 'number' || !Number.isInteger(raw.samples) || raw.samples < 1 || raw.samples > 100) {
      throw new UserError(`${where}.samples ${JSON.stringify(raw.samples)} is invalid: give a whole number of samples per link from 1 to 100, e.g. 5`, {code: 'invalid_config'})
    }
    out.samples = raw.samples
  }
  for (const key of ['mesh', 'findings'] as const) {
    if (raw[key] === undefined) continue
    if (typeof raw[key] !== 'boolean') throw new UserError(`${where}.${key} ${JSON.stringify(raw[key])} is invalid: give true or false`, {code: 'invalid_config'})
    out[key] = raw[key] as boolean
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
