/**
 * The database URL: mysql://user[:password]@host1[:port][,host2[:port]…]/db_tars[?options].
 * Several hosts (the database's address on each network: it may answer only on the other one) are raced,
 * RFC 8305 style (store/host-race.ts connectFirst): the next is started when one has not answered within
 * HOST_RACE_DELAY_MS or has failed, and the first to answer is used.
 * Options: ssl=true|required (TLS, certificate verified), ssl=skip-verify (TLS, not verified),
 * ssl-ca=/path/ca.pem, charset=… . The password is never part of any message.
 */
import {UserError} from '../core/errors.js'

/** How long a host may take to answer before the next one is started too (RFC 8305's Connection Attempt Delay). */
export const HOST_RACE_DELAY_MS = 250

export interface DbHost {
  host: string
  port: number
}

export interface DbUrl {
  user: string
  password: string | undefined
  hosts: DbHost[]
  database: string
  tls: 'off' | 'verify' | 'skip-verify'
  sslCa: string | undefined
  options: Record<string, string>
}

const DEFAULT_PORT = 3306

function parseHost(text: string, url: string): DbHost {
  let host: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end < 0) throw invalid(url, `"${text}" opens "[" without "]"`)
    host = text.slice(1, end)
    const rest = text.slice(end + 1)
    if (rest !== '' && !rest.startsWith(':')) throw invalid(url, `unexpected "${rest}" after "[${host}]"`)
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = text.lastIndexOf(':')
    // A bare IPv6 address has several colons: take it whole (write [addr]:port to give a port).
    if (colon >= 0 && text.indexOf(':') === colon) {
      host = text.slice(0, colon)
      portText = text.slice(colon + 1)
    } else host = text
  }
  if (host === '') throw invalid(url, 'a host is empty')
  let port = DEFAULT_PORT
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) throw invalid(url, `port "${portText}" of host ${host} is not a number from 1 to 65535`)
    port = Number(portText)
  }
  return {host, port}
}

function invalid(url: string, why: string): UserError {
  return new UserError(`invalid database URL ${redactDbUrl(url)}: ${why}; expected mysql://user[:password]@host[:port][,host2[:port]]/db_tars`, {code: 'invalid_db_url'})
}

export function parseDbUrl(url: string): DbUrl {
  const scheme = /^(mysql|mariadb):\/\//i.exec(url.trim())
  const rest = url.trim().slice(scheme ? scheme[0].length : 0)
  // The last "@" before the host list ends the user info: Tars's default password (Tars@2019) has one.
  const at = rest.lastIndexOf('@')
  const m = scheme && at > 0 ? /^([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(rest.slice(at + 1)) : null
  if (!scheme || !m) throw invalid(url, 'it does not have the form scheme://user@host/database')
  const userInfo = rest.slice(0, at)
  const [, hostList, db, query] = m
  const colon = userInfo.indexOf(':')
  const decode = (t: string) => {
    try {
      return decodeURIComponent(t)
    } catch {
      return t
    }
  }
  const user = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo)
  const password = colon >= 0 ? decode(userInfo.slice(colon + 1)) : undefined
  if (user === '') throw invalid(url, 'the user is empty')
  const hosts = hostList.split(',').map((h) => parseHost(h.trim(), url))
  const options: Record<string, string> = {}
  for (const pair of (query ?? '').split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    options[decode(eq < 0 ? pair : pair.slice(0, eq))] = decode(eq < 0 ? 'true' : pair.slice(eq + 1))
  }
  const ssl = (options.ssl ?? options.tls ?? options.sslmode ?? 'false').toLowerCase()
  let tls: DbUrl['tls'] = 'off'
  if (['true', '1', 'required', 'require', 'verify', 'verify-full', 'verify-ca', 'on'].includes(ssl)) tls = 'verify'
  else if (['skip-verify', 'insecure', 'preferred'].includes(ssl)) tls = 'skip-verify'
  else if (!['false', '0', 'off', 'disable', 'disabled'].includes(ssl)) throw invalid(url, `ssl=${ssl} is not one of true, skip-verify, false`)
  return {user, password, hosts, database: decode(db || 'db_tars'), tls, sslCa: options['ssl-ca'], options}
}

/**
 * The URL with its password replaced by ****, for display. Whatever the scheme (or none): everything
 * between the user's ":" and the last "@" is the password, since passwords may hold "@" and "/".
 */
export function redactDbUrl(url: string): string {
  const scheme = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url)
  const head = scheme ? scheme[0] : ''
  const rest = url.slice(head.length)
  const at = rest.lastIndexOf('@')
  if (at < 0) return url
  const colon = rest.indexOf(':')
  if (colon < 0 || colon > at) return url
  return `${head}${rest.slice(0, colon)}:****${rest.slice(at)}`
}

export function formatHost(h: DbHost): string {
  return h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`
}
