/**
 * The audit log of applied IP-list changes: JSON lines, appended after the database committed.
 * Each entry is written with a single append (O_APPEND) so concurrent tarsnet runs never interleave lines.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs'
import {userInfo} from 'node:os'
import {dirname, join} from 'node:path'

import {redactDbUrl} from '../lib/db-url.js'

export interface AuditEntry {
  /** ISO-8601 UTC. */
  time: string
  kind: 'ip-list' | 'migrate'
  /** The OS user running tarsnet (with the sudo caller, when there is one). */
  osUser: string
  /** The database account as the server sees it (CURRENT_USER()). */
  dbUser: string
  /** The database host that answered, host:port. */
  dbHost: string
  database: string
  /** The node whose list changed; null for a migration. */
  node: string | null
  /** The stored value before and after (null: no list). For a migration, the SQL run is in `after`. */
  before: string | null
  after: string | null
  /** The command line, with any password removed. */
  command: string
}

export const AUDIT_FILE = 'audit.jsonl'

export function auditLogPath(configured: string | undefined, dataDir: string): string {
  return configured ?? join(dataDir, AUDIT_FILE)
}

export function osUser(env: NodeJS.ProcessEnv = process.env): string {
  let name: string
  try {
    name = userInfo().username
  } catch {
    name = env.USER ?? env.LOGNAME ?? 'unknown'
  }
  return env.SUDO_USER && env.SUDO_USER !== name ? `${name} (sudo by ${env.SUDO_USER})` : name
}

/** Appends entries, one JSON object per line, in one write. */
export function appendAudit(path: string, entries: AuditEntry[]): void {
  if (entries.length === 0) return
  mkdirSync(dirname(path), {recursive: true})
  appendFileSync(path, entries.map((e) => JSON.stringify(e)).join('\n') + '\n', {encoding: 'utf8', mode: 0o600})
}

/** Reads the log; lines that are not entries are counted, not fatal (a log must stay readable). */
export function readAudit(path: string): {entries: AuditEntry[]; unreadable: number; exists: boolean} {
  if (!existsSync(path)) return {entries: [], unreadable: 0, exists: false}
  const entries: AuditEntry[] = []
  let unreadable = 0
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      const e = JSON.parse(line) as AuditEntry
      if (typeof e !== 'object' || e === null || typeof e.time !== 'string') throw new Error('not an entry')
      entries.push(e)
    } catch {
      unreadable++
    }
  }
  return {entries, unreadable, exists: true}
}

/** Removes the password from a command line (a database URL's, up to its last @: passwords may hold @). */
export function redactCommandLine(argv: string[]): string {
  return argv
    .map((a) => (a.includes('@') ? (a.startsWith('--db=') ? `--db=${redactDbUrl(a.slice(5))}` : redactDbUrl(a)) : a))
    .map((a) => (/\s/.test(a) || a === '' ? `'${a.replace(/'/g, "'\\''")}'` : a))
    .join(' ')
}
