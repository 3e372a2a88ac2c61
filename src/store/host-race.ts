/**
 * Reaching a database with several hosts (its address on each network): the hosts are raced, RFC 8305
 * style, the first to answer is used, and what each of the others said is kept. Both db_tars (the store)
 * and tarsstat's database connect through here. mysql2 is imported lazily so that commands which do not
 * touch a database start fast.
 */
import {readFileSync} from 'node:fs'
import type {Connection, ConnectionOptions} from 'mysql2/promise'

import {type DbHost, type DbUrl, formatHost, HOST_RACE_DELAY_MS} from './db-url.js'
import {UserError} from '../core/errors.js'

export interface RaceOptions {
  url: DbUrl
  password: string | undefined
  connectTimeoutMs: number
  /** Hosts that answered before, most recent first: tried first (RFC 8305 §4 sorts by history). */
  preferredHosts?: string[]
}

/** A host that did not give us the connection, and why. */
export interface HostFailure {
  host: DbHost
  error: string
  /** True when it had not answered yet when another host did (it was abandoned, not refused). */
  abandoned?: boolean
}

export interface Connected {
  connection: Connection
  host: DbHost
  /** What each host that did not answer first said (or that it was abandoned), in the order they were started. */
  failures: HostFailure[]
}

/** Why a connection attempt failed, without ever including the password. */
export function describeDbError(error: unknown, timeoutMs?: number): string {
  const e = error as {code?: string; errno?: number; message?: string}
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection refused'
    case 'ETIMEDOUT': return timeoutMs ? `no answer within ${timeoutMs / 1000} s` : 'timed out'
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host name not found'
    case 'EHOSTUNREACH': return 'host unreachable'
    case 'ENETUNREACH': return 'network unreachable'
    case 'ECONNRESET': return 'connection reset'
    case 'PROTOCOL_CONNECTION_LOST': return 'connection closed by the server'
    case 'PROTOCOL_SEQUENCE_TIMEOUT': return timeoutMs ? `no reply within ${timeoutMs / 1000} s` : 'no reply'
    case 'ER_ACCESS_DENIED_ERROR': return 'access denied (wrong user or password)'
    case 'ER_DBACCESS_DENIED_ERROR': return 'access to the database denied for this user'
    case 'ER_BAD_DB_ERROR': return 'no such database'
    case 'HANDSHAKE_SSL_ERROR': case 'HANDSHAKE_NO_SSL_SUPPORT': return `TLS failed: ${e.message ?? e.code}`
    default: return e.code ? `${e.code}${e.message ? `: ${e.message}` : ''}` : (e.message ?? String(error))
  }
}

/** Closes a connection at once, socket included: a frozen server never answers a polite QUIT or FIN. */
export function destroyConnection(connection: Connection | {destroy(): void; stream?: {destroy(): void}}): void {
  const core = ((connection as {connection?: unknown}).connection ?? connection) as {destroy?(): void; stream?: {destroy?(): void}}
  try {
    core.destroy?.()
  } catch {
    // already closed
  }
  core.stream?.destroy?.()
}

/** The query timeout for a given connect timeout: five times it (15 s by default, --db-timeout 3). */
export function queryTimeoutFor(connectTimeoutMs: number): number {
  return connectTimeoutMs * 5
}

/** The hosts in the order to try them: those that answered before first (most recent first), then as given. */
export function orderHosts(hosts: DbHost[], preferred: string[] = []): DbHost[] {
  const rank = (h: DbHost) => {
    const i = preferred.indexOf(formatHost(h))
    return i < 0 ? preferred.length : i
  }
  return hosts.map((h, i) => ({h, i})).sort((a, b) => rank(a.h) - rank(b.h) || a.i - b.i).map(({h}) => h)
}

/**
 * Races the hosts as RFC 8305 ("Happy Eyeballs") races addresses: the first host is started; when it has
 * not answered within HOST_RACE_DELAY_MS, or as soon as it fails, the next is started too, and so on;
 * the first to answer wins and the others are closed. A dead first host (the database's address on the
 * network that is down) then costs 250 ms instead of the whole connect timeout. Access-denied and
 * no-such-database stop the race at once: every host is the same database with the same users.
 */
export async function connectFirst(options: RaceOptions): Promise<Connected> {
  const mysql = (await import('mysql2')).default
  const {url} = options
  let ca: string | undefined
  if (url.tls !== 'off' && url.sslCa) {
    try {
      ca = readFileSync(url.sslCa, 'utf8')
    } catch (error) {
      throw new UserError(`cannot read the CA file ssl-ca=${url.sslCa}: ${(error as {code?: string}).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {code: 'invalid_db_url'})
    }
  }
  const configFor = (host: DbHost): ConnectionOptions => ({
    host: host.host,
    port: host.port,
    user: url.user,
    password: options.password,
    database: url.database,
    connectTimeout: options.connectTimeoutMs,
    dateStrings: true,
    supportBigNumbers: true,
    multipleStatements: false,
    ...(url.tls === 'off' ? {} : {ssl: {rejectUnauthorized: url.tls === 'verify', ...(ca ? {ca} : {})}}),
  })
  const hosts = orderHosts(url.hosts, options.preferredHosts)

  type Attempt = {host: DbHost; core: ReturnType<typeof mysql.createConnection>; state: 'pending' | 'failed' | 'won' | 'closed'; error?: string; started: number}
  return new Promise<Connected>((resolve, reject) => {
    const attempts: Attempt[] = []
    let next = 0
    let settled = false
    let timer: NodeJS.Timeout | undefined

    const finish = (winner: Attempt | undefined, error?: UserError) => {
      settled = true
      clearTimeout(timer)
      for (const a of attempts) {
        if (a === winner || a.state !== 'pending') continue
        a.state = 'closed'
        a.error = `no answer within ${Date.now() - a.started} ms`
        destroyConnection(a.core)
      }
      if (error) {
        reject(error)
        return
      }
      const failures: HostFailure[] = attempts.filter((a) => a !== winner).map((a) => ({host: a.host, error: a.error ?? '', ...(a.state === 'closed' ? {abandoned: true} : {})}))
      const connection = winner!.core.promise()
      resolve({connection, host: winner!.host, failures})
    }

    const start = () => {
      clearTimeout(timer)
      if (settled || next >= hosts.length) return
      const host = hosts[next++]
      const core = mysql.createConnection(configFor(host))
      const attempt: Attempt = {host, core, state: 'pending', started: Date.now()}
      attempts.push(attempt)
      // Errors after the race (a loser closing, a stray event) must never crash the process.
      core.on('error', (error: unknown) => onError(attempt, error))
      core.once('connect', () => {
        if (settled || attempt.state !== 'pending') {
          destroyConnection(core)
          return
        }
        attempt.state = 'won'
        finish(attempt)
      })
      if (next < hosts.length) timer = setTimeout(start, HOST_RACE_DELAY_MS)
    }

    const onError = (attempt: Attempt, error: unknown) => {
      if (attempt.state !== 'pending') return
      attempt.state = 'failed'
      attempt.error = describeDbError(error, options.connectTimeoutMs)
      destroyConnection(attempt.core)
      if (settled) return
      const code = (error as {code?: string}).code
      if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR') {
        finish(undefined, new UserError(
          `database ${formatHost(attempt.host)} denied access to user "${url.user}": check the password (TARSNET_DB_PASSWORD, the URL, or the prompt) and the user's grants on ${url.database}`,
          {code: 'db_access_denied'},
        ))
        return
      }
      if (code === 'ER_BAD_DB_ERROR') {
        finish(undefined, new UserError(`database "${url.database}" does not exist on ${formatHost(attempt.host)}: check the database name in the URL`, {code: 'db_not_found'}))
        return
      }
      if (next < hosts.length) {
        start() // a failure starts the next host at once, without waiting out the delay
        return
      }
      if (attempts.every((a) => a.state === 'failed')) {
        const list = attempts.map((a) => `${formatHost(a.host)} (${a.error})`).join(', ')
        finish(undefined, new UserError(
          `cannot reach the database: ${list}. Check the hosts in --db / TARSNET_DB, add the other network's address (host1,host2), or read a saved snapshot with --snapshot FILE`,
          {code: 'db_unreachable'},
        ))
      }
    }

    start()
  })
}
