/**
 * Every profile value is checked here, once, the way its flag is checked (type, range, cap): a bad value
 * is one line naming the profile, the key and the value.
 */
import {parseLocator} from '../../core/locator.js'
import {parseListenAddress} from '../../core/listen.js'
import {parseNetworksSpec, type Network} from '../../core/networks.js'
import {badProfileValue, UserError} from '../../core/errors.js'
import {normalizeIp} from '../../core/ip.js'
import {UPSTREAM_NODE_INFO_COLUMNS} from '../../core/rows.js'
import {clip} from '../../core/text.js'
import {parseDbUrl} from '../../store/db-url.js'
import {BadValue, checkKeys, integer, isPlainObject, listOf, record, section, text, yesNo, type Check, type Checks} from './checks.js'
import {DEFAULT_IP_LIST_COLUMN, type ExporterSettings, type ProbeSettings, type Profile, type SshProfileSettings, type StatProfileSettings} from './profile.js'

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

/** How a message names a profile: `profile "plant" in /etc/tarsnet/config.json`. */
export function profileWhere(profileName: string, configPath: string): string {
  return `profile "${clip(profileName, 40)}" in ${configPath}`
}

export {badProfileValue} from '../../core/errors.js'

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
