/**
 * Which database host answered last time, per database URL: the host race tries it first next time
 * (RFC 8305 §4 lets a client that keeps history sort addresses by it). During an incident the operator
 * runs many commands in a row; only the first pays the race delay for a dead first host.
 * A small JSON file in tarsnet's cache dir; any trouble reading or writing it is ignored (it is a hint).
 */
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {formatHost, type DbUrl} from './db-url.js'
import {ensureDirectory} from '../platform/safe-fs.js'

const FILE = 'db-hosts.json'
/** Remember this many databases at most; the oldest are forgotten. */
const MAX_ENTRIES = 50

type History = Record<string, {host: string; at: string}>

/** The key of a database: its user, hosts (as given) and name; never its password. */
export function historyKey(url: DbUrl): string {
  return `${url.user}@${url.hosts.map((h) => formatHost(h)).join(',')}/${url.database}`
}

function read(cacheDir: string): History {
  try {
    const data: unknown = JSON.parse(readFileSync(join(cacheDir, FILE), 'utf8'))
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as History) : {}
  } catch {
    return {}
  }
}

/** The hosts to try first for this database (the one that answered last). */
export function preferredHosts(cacheDir: string, url: DbUrl): string[] {
  if (url.hosts.length < 2) return []
  const entry = read(cacheDir)[historyKey(url)]
  return typeof entry?.host === 'string' ? [entry.host] : []
}

/** Records the host that answered, when the URL has several and it changed. */
export function rememberHost(cacheDir: string, url: DbUrl, host: string | undefined): void {
  if (!host || url.hosts.length < 2) return
  const history = read(cacheDir)
  const key = historyKey(url)
  if (history[key]?.host === host) return
  history[key] = {host, at: new Date().toISOString()}
  const kept = Object.entries(history).sort(([, a], [, b]) => (a.at < b.at ? 1 : -1)).slice(0, MAX_ENTRIES)
  try {
    ensureDirectory(cacheDir) // never Node's recursive mkdir: it spins under /proc
    const tmp = join(cacheDir, `${FILE}.${process.pid}.tmp`)
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(kept), null, 2) + '\n', {mode: 0o600})
    renameSync(tmp, join(cacheDir, FILE))
  } catch {
    // a hint only
  }
}
