/**
 * Settings of one feature each, read from the profile (and for the locator the flag and environment too):
 * the registry locator, the exporter's keys, the SSH fan-out's keys.
 */
import {parseLocator} from '../../core/locator.js'
import {parseListenAddress} from '../../core/listen.js'
import {UserError} from '../../core/errors.js'
import type {ExporterSettings, Profile} from './profile.js'
import type {Setting, Settings} from './settings.js'

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
