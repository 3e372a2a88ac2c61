/** The config file: where it is, reading it (every shape mistake is one line naming the file), writing it. */
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {UserError} from '../../core/errors.js'
import {clip} from '../../core/text.js'
import {ensureDirectory} from '../../platform/safe-fs.js'
import {describeValue, isPlainObject} from './checks.js'
import type {Profile} from './profile.js'

export interface ConfigFile {
  defaultProfile?: string
  profiles: Record<string, Profile>
}

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
    if (!isPlainObject(profile)) throw new UserError(`config file ${path}: profile "${clip(name, 40)}" is ${describeValue(profile)}, not an object of settings`, {code: 'invalid_config'})
  }
  if (parsed.defaultProfile !== undefined && typeof parsed.defaultProfile !== 'string') {
    throw new UserError(`config file ${path}: defaultProfile is ${describeValue(parsed.defaultProfile)}: expected a profile name`, {code: 'invalid_config'})
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

/** Puts `profile` in the file under `name` (the first profile saved becomes the default) and writes the file. */
export function saveProfile(path: string, file: ConfigFile, name: string, profile: Profile): void {
  file.profiles[name] = profile
  file.defaultProfile ??= name
  writeConfigFile(path, file)
}

export function defaultConfigPath(configDir: string): string {
  return join(configDir, 'config.json')
}
