/**
 * Where tarsstat's record is and which window to read: the flags, shared by every command that reads
 * the record (`traffic`, `check --traffic`, and any other that weighs callers), and their resolution to
 * a StatSource. Precedence as for every setting: flag, environment, profile (`stat.db`, `stat.prefix`), default.
 */
import {Flags} from '@oclif/core'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {DEFAULT_SINCE, DEFAULT_STAT_PREFIX, parseDuration} from '../core/traffic.js'
import type {StatSource} from '../stat/db.js'
import {demoStatRecord} from '../stat/demo-record.js'
import type {Settings} from '../cli/config/settings.js'
import {parseDbUrl, redactDbUrl} from '../store/db-url.js'

export const statFlags = {
  'stat-db': Flags.string({
    summary: 'tarsstat\'s database: mysql://user[:password]@host1[,host2]/tars_stat (env TARSNET_STAT_DB, profile key stat.db; default: the --db server with database tars_stat).',
    helpGroup: 'STAT',
    // The demo carries its own record, as it carries its own db_tars (--db and --demo exclude each other).
    exclusive: ['demo'],
  }),
  'stat-prefix': Flags.string({summary: `tarsstat's table name prefix (profile key stat.prefix; default ${DEFAULT_STAT_PREFIX}).`, helpGroup: 'STAT', exclusive: ['demo']}),
  since: Flags.string({summary: `How far back the window starts, on the stat database's clock: 90s, 30m, 2h, 1d (default ${DEFAULT_SINCE}).`, helpGroup: 'STAT'}),
  until: Flags.string({summary: 'How far back the window ends, written as --since is (default: now; e.g. 1h for a window ending an hour ago).', helpGroup: 'STAT'}),
}

export interface StatFlagValues {
  'stat-db'?: string
  'stat-prefix'?: string
  since?: string
  until?: string
}

/** The window's flags in seconds (one line, exit 3, for a bad one). */
export function statWindowOf(flags: StatFlagValues): {sinceSeconds: number; untilSeconds: number} {
  return {sinceSeconds: parseDuration(flags.since ?? DEFAULT_SINCE, '--since'), untilSeconds: flags.until === undefined ? 0 : parseDuration(flags.until, '--until')}
}

/**
 * The record the flags and settings point at: the demo's (built here, relative to now) with `demo`; else
 * --stat-db, TARSNET_STAT_DB, the profile's stat.db, or the db_tars URL with its database changed to tars_stat
 * (every host of a multi-host URL kept).
 */
export function statSourceOf(input: {flags: StatFlagValues; settings: Settings; env: NodeJS.ProcessEnv; demo: boolean}): StatSource {
  const {flags, settings, env} = input
  const profile = settings.profile.stat ?? {}
  const prefix = flags['stat-prefix'] ?? profile.prefix ?? DEFAULT_STAT_PREFIX
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(prefix)) throw new UserError(`--stat-prefix ${JSON.stringify(prefix)} is not a table name prefix: use letters, digits and "_" (tarsstat's default is ${DEFAULT_STAT_PREFIX})`, {code: 'invalid_stat_prefix', exitCode: EXIT.unknown})
  if (input.demo) return {kind: 'memory', tables: demoStatRecord(naiveNow()), nowMs: naiveNow(), prefix: DEFAULT_STAT_PREFIX, origin: 'the demo\'s record'}
  const explicit = flags['stat-db'] !== undefined ? {value: flags['stat-db'], origin: '--stat-db'}
    : env.TARSNET_STAT_DB ? {value: env.TARSNET_STAT_DB, origin: 'env TARSNET_STAT_DB'}
      : profile.db ? {value: profile.db, origin: `profile ${settings.profileName.value} stat.db`} : undefined
  const timeout = settings.dbTimeoutMs.value
  if (explicit) {
    const url = parseDbUrl(explicit.value)
    return {kind: 'mysql', url, password: url.password ?? env.TARSNET_DB_PASSWORD, connectTimeoutMs: timeout, prefix, origin: `${redactDbUrl(explicit.value)}, ${explicit.origin}`}
  }
  if (!settings.db) {
    throw new UserError('no stat database: give --stat-db mysql://user@host/tars_stat (or the profile key stat.db, or --db for the default: the db_tars server\'s tars_stat)', {code: 'no_stat_db', exitCode: EXIT.unknown})
  }
  const url = {...parseDbUrl(settings.db.value), database: 'tars_stat'}
  return {kind: 'mysql', url, password: url.password ?? env.TARSNET_DB_PASSWORD, connectTimeoutMs: timeout, prefix, origin: `tars_stat on the db_tars server (${settings.db.origin})`}
}

/** Now on this machine's wall clock, as naive ms (what the demo's record is written in). */
function naiveNow(): number {
  const d = new Date()
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds())
}
