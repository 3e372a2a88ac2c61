/**
 * What tarsnet passes to the operator's OpenSSH client, and the checks on what the operator adds.
 * tarsnet always runs ssh with BatchMode=yes (a fan-out must never stop at a prompt) and never weakens
 * host-key checking: it sets no host-key option itself and refuses the options that would turn it off.
 */
import {accessSync, constants, statSync} from 'node:fs'
import {delimiter, join} from 'node:path'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'

/** Options tarsnet sets itself: the operator's value would be ignored (ssh keeps the first one given). */
const OWN = new Set(['batchmode', 'connecttimeout', 'controlmaster', 'controlpath', 'controlpersist', 'clearallforwardings'])

/**
 * Checks one `KEY=VALUE` ssh option (from --ssh-option or the profile's ssh.options) and returns it as
 * `Key=Value`. `origin` names where it came from, for the one-line error.
 */
export function checkSshOption(text: string, origin: string): string {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(?:=|\s)\s*(\S(?:.*\S)?)\s*$/.exec(text)
  if (!m || /[\r\n\0]/.test(text)) throw new UserError(`invalid ${origin} '${text}': write KEY=VALUE, e.g. ProxyJump=bastion`, {code: 'invalid_ssh_option', exitCode: EXIT.unknown})
  const [, key, value] = m
  const lower = key.toLowerCase()
  if (OWN.has(lower)) {
    throw new UserError(`invalid ${origin} '${text}': tarsnet sets ${key} itself (BatchMode=yes always; ConnectTimeout from --ssh-timeout; ControlMaster only for --watch)`, {code: 'invalid_ssh_option', exitCode: EXIT.unknown})
  }
  if (lower === 'stricthostkeychecking' && /^(no|off)$/i.test(value)) {
    throw new UserError(`invalid ${origin} '${text}': tarsnet never turns host-key checking off; fix known_hosts, or set it in your ssh config for those hosts if you must`, {code: 'invalid_ssh_option', exitCode: EXIT.unknown})
  }
  if ((lower === 'userknownhostsfile' || lower === 'globalknownhostsfile') && value === '/dev/null') {
    throw new UserError(`invalid ${origin} '${text}': an empty known_hosts disables host-key checking; tarsnet never weakens it`, {code: 'invalid_ssh_option', exitCode: EXIT.unknown})
  }
  return `${key}=${value}`
}

/** A login name for `ssh -l`: no leading '-', no spaces or shell-special characters. */
export function checkSshUser(user: string, origin: string): string {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}$/.test(user)) {
    throw new UserError(`invalid ${origin} '${user}': a user name has letters, digits, '.', '_', '-' or '@' (and does not start with '-')`, {code: 'invalid_ssh_user', exitCode: EXIT.unknown})
  }
  return user
}

/** The ssh binary on `pathEnv` (the IO's PATH), as an absolute path, or a UserError (exit 3) naming what to install. */
export function findSshBinary(pathEnv: string | undefined): string {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, 'ssh')
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  throw new UserError('ssh not found on PATH: tarsnet mesh runs your OpenSSH client; install it (e.g. apt-get install openssh-client)', {code: 'ssh_missing', exitCode: EXIT.unknown})
}

/** An ssh config file that must exist (for `ssh -F`), or a UserError (exit 3). */
export function checkSshConfigFile(path: string, origin: string): string {
  let ok = false
  try {
    ok = statSync(path).isFile()
  } catch {
    ok = false
  }
  if (!ok) throw new UserError(`ssh config file ${path} (${origin}) does not exist or is not a file: give the path of an ssh_config file`, {code: 'ssh_config_missing', exitCode: EXIT.unknown})
  return path
}
