/**
 * The SSH flags of the mesh, shared by `tarsnet mesh` and `tarsnet exporter --mesh` so both take exactly
 * the same options, and their resolution: the flag, else the profile's `ssh` key, else the default. The
 * ssh binary and a given config file must exist (one line, exit 3, before anything runs).
 */
import {Flags} from '@oclif/core'

import {sshSettingsOf} from '../cli/config/feature-settings.js'
import type {Profile} from '../cli/config/profile.js'
import {DEFAULT_FANOUT, DEFAULT_SSH_TIMEOUT_S} from '../mesh/run.js'
import type {SshConfig} from '../ssh/fanout.js'
import {checkSshConfigFile, checkSshOption, checkSshUser, findSshBinary} from '../ssh/options.js'

export const sshFlags = {
  'ssh-config': Flags.string({summary: 'ssh config file (passed as ssh -F; profile ssh.configFile).', helpGroup: 'SSH'}),
  'ssh-user': Flags.string({summary: 'Log in as this user (ssh -l; profile ssh.user).', helpGroup: 'SSH'}),
  'ssh-option': Flags.string({summary: 'KEY=VALUE passed as ssh -o (repeatable; profile ssh.options).', multiple: true, helpGroup: 'SSH'}),
  'ssh-timeout': Flags.integer({summary: `SSH connect timeout per IP, seconds (default ${DEFAULT_SSH_TIMEOUT_S}; profile ssh.timeout).`, min: 1, max: 600, helpGroup: 'SSH'}),
  fanout: Flags.integer({summary: `SSH sessions at once (default ${DEFAULT_FANOUT}; profile ssh.fanout).`, min: 1, max: 1024, helpGroup: 'SSH'}),
}

export interface SshFlagValues {
  'ssh-config'?: string
  'ssh-user'?: string
  'ssh-option'?: string[]
  'ssh-timeout'?: number
  fanout?: number
}

/** The SSH settings: flags, then the profile, then defaults; the binary (on `env`'s PATH) and config file must exist. */
export function resolveSshConfig(flags: SshFlagValues, profile: Profile, profileName: string, env: NodeJS.ProcessEnv): SshConfig {
  const fromProfile = sshSettingsOf(profile, profileName)
  const binary = findSshBinary(env.PATH)
  const configFile = flags['ssh-config'] !== undefined
    ? checkSshConfigFile(flags['ssh-config'], '--ssh-config')
    : fromProfile.configFile !== undefined ? checkSshConfigFile(fromProfile.configFile, `profile ${profileName} ssh.configFile`) : undefined
  const user = flags['ssh-user'] !== undefined
    ? checkSshUser(flags['ssh-user'], '--ssh-user')
    : fromProfile.user !== undefined ? checkSshUser(fromProfile.user, `profile ${profileName} ssh.user`) : undefined
  const options = flags['ssh-option'] !== undefined
    ? flags['ssh-option'].map((o) => checkSshOption(o, '--ssh-option'))
    : fromProfile.options.map((o) => checkSshOption(o, `profile ${profileName} ssh.options`))
  const connectTimeoutS = flags['ssh-timeout'] ?? fromProfile.timeout ?? DEFAULT_SSH_TIMEOUT_S
  const fanout = flags.fanout ?? fromProfile.fanout ?? DEFAULT_FANOUT
  return {binary, env, configFile, user, options, connectTimeoutS, fanout}
}

/** The SSH settings in one line, for --verbose. */
export function sshConfigLine(ssh: SshConfig): string {
  return `ssh: ${ssh.binary}${ssh.configFile ? ` -F ${ssh.configFile}` : ''}${ssh.user ? ` -l ${ssh.user}` : ''}${ssh.options.map((o) => ` -o ${o}`).join('')}, connect timeout ${ssh.connectTimeoutS} s, ${ssh.fanout} at once`
}
