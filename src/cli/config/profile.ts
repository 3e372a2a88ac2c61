/**
 * A profile of the config file: the keys it may hold and their types. A new profile key joins in two
 * lines: its type in `Profile`, and its check in `PROFILE_CHECKS` (profile-checks.ts; the compiler
 * insists on the second).
 */
import type {Network} from '../../core/networks.js'

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
  /** tarsstat's record (`traffic`, `check --traffic`): see options/stat-flags. */
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

export const DEFAULT_IP_LIST_COLUMN = 'ip_list'
