/**
 * The audit log of applied IP-list changes: JSON lines, appended after the database committed.
 * Each entry is written with a single append (O_APPEND) so concurrent tarsnet runs never interleave lines.
 * The file is opened before the database is written, so a log that cannot be written refuses the edit.
 */
import {closeSync, constants, existsSync, fstatSync, openSync, readFileSync, statSync, writeSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {userInfo} from 'node:os'
import {dirname, join} from 'node:path'

import {redactDbUrl} from './db-url.js'
import {ensureDirectory} from '../platform/safe-fs.js'

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
  /** For a change made by `nodes history --revert ID`: the ID of the entry it undid. */
  revertOf?: string
}

export const AUDIT_FILE = 'audit.jsonl'

export function auditLogPath(configured: string | undefined, dataDir: string): string {
  return configured ?? join(dataDir, AUDIT_FILE)
}

/** Who ran the command: the OS user, and the user behind sudo (read from the command's environment). */
export function osUser(env: NodeJS.ProcessEnv): string {
  let name: string
  try {
    name = userInfo().username
  } catch {
    name = env.USER ?? env.LOGNAME ?? 'unknown'
  }
  return env.SUDO_USER && env.SUDO_USER !== name ? `${name} (sudo by ${env.SUDO_USER})` : name
}

/** The audit log opened for appending, before anything is written to the database. */
export interface AuditFile {
  path: string
  fd: number
}

/**
 * Opens (creating) the audit log for appending. Throws an Error saying why when it cannot be: then the
 * edit is refused before the database is touched, so no change is ever applied without its entry.
 * Only a regular file will do: a FIFO would block, a /proc or /dev file is not a log.
 */
export function openAudit(path: string): AuditFile {
  try {
    ensureDirectory(dirname(path))
    if (existsSync(path) && !statSync(path).isFile()) throw new Error('it is not a regular file')
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o600)
    if (!fstatSync(fd).isFile()) {
      closeSync(fd)
      throw new Error('it is not a regular file')
    }
    return {path, fd}
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new Error(e.code ? `${e.code}${e.path && e.path !== path ? ` at ${e.path}` : ''}` : e.message)
  }
}

/** Appends entries, one JSON object per line, in one write (O_APPEND: concurrent runs never interleave lines). */
export function appendAudit(file: AuditFile | string, entries: AuditEntry[]): void {
  const target = typeof file === 'string' ? openAudit(file) : file
  try {
    if (entries.length === 0) return
    const data = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + '\n', 'utf8')
    let written = 0
    while (written < data.length) written += writeSync(target.fd, data, written)
  } finally {
    closeSync(target.fd)
  }
}

const KINDS = new Set(['ip-list', 'migrate'])
const textOrNull = (v: unknown) => v === null || typeof v === 'string'

/** The fields a line must have to be shown (and reverted): anything else is skipped, never a crash. */
function asEntry(value: unknown): AuditEntry | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const e = value as Record<string, unknown>
  if (typeof e.time !== 'string' || !Number.isFinite(Date.parse(e.time))) return null
  if (!KINDS.has(e.kind as string)) return null
  if (!textOrNull(e.node) || !textOrNull(e.before) || !textOrNull(e.after)) return null
  if (e.kind === 'ip-list' && typeof e.node !== 'string') return null
  for (const k of ['osUser', 'dbUser', 'dbHost', 'database', 'command'] as const) if (e[k] !== undefined && typeof e[k] !== 'string') return null
  if (e.revertOf !== undefined && typeof e.revertOf !== 'string') return null
  return {
    time: e.time, kind: e.kind as AuditEntry['kind'], osUser: (e.osUser as string) ?? '', dbUser: (e.dbUser as string) ?? '', dbHost: (e.dbHost as string) ?? '',
    database: (e.database as string) ?? '', node: e.node as string | null, before: e.before as string | null, after: e.after as string | null,
    command: (e.command as string) ?? '', ...(e.revertOf ? {revertOf: e.revertOf as string} : {}),
  }
}

/**
 * An entry's ID: the first 10 hex digits of the SHA-256 of its line as stored. Stable as long as the
 * line is (the log is append-only), needs no counter shared between machines or runs, and works for
 * logs written before IDs existed. `nodes history` shows it; `--revert` takes it or any unique prefix.
 */
export function entryId(line: string): string {
  return createHash('sha256').update(line.trim()).digest('hex').slice(0, 10)
}

export interface ReadAudit {
  entries: Array<AuditEntry & {id: string}>
  /** Lines that are not entries: how many, and where the first is. */
  unreadable: number
  firstUnreadableLine: number | null
  exists: boolean
}

/** Reads the log; lines that are not entries are counted and skipped, never fatal (a log must stay readable). */
export function readAudit(path: string): ReadAudit {
  if (!existsSync(path)) return {entries: [], unreadable: 0, firstUnreadableLine: null, exists: false}
  if (!statSync(path).isFile()) throw new Error(`${path} is not a regular file`)
  const entries: ReadAudit['entries'] = []
  let unreadable = 0
  let firstUnreadableLine: number | null = null
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return
    let entry: AuditEntry | null = null
    try {
      entry = asEntry(JSON.parse(line))
    } catch {
      entry = null
    }
    if (entry) entries.push({...entry, id: entryId(line)})
    else {
      unreadable++
      firstUnreadableLine ??= i + 1
    }
  })
  return {entries, unreadable, firstUnreadableLine, exists: true}
}

/** Removes the password from a command line (a database URL's, up to its last @: passwords may hold @). */
export function redactCommandLine(argv: string[]): string {
  return argv
    .map((a) => (a.includes('@') ? (a.startsWith('--db=') ? `--db=${redactDbUrl(a.slice(5))}` : redactDbUrl(a)) : a))
    .map((a) => (/\s/.test(a) || a === '' ? `'${a.replace(/'/g, "'\\''")}'` : a))
    .join(' ')
}
