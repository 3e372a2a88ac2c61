/**
 * The edit of IP lists every editing command shares (set-ips, add-ip, remove-ip, edit, import, detect
 * --write, history --revert), in two steps with the confirmation between them: previewEdit says what a
 * plan changes (the diff, the warnings, the SQL) and refuses a plan any rule refuses; applyEdit writes
 * it, one transaction of compare-and-swap UPDATEs through store/ip-list-writer.ts, and logs it to the
 * audit log, which is opened first so that no change is applied without its entry.
 */
import {closeSync} from 'node:fs'

import {UserError} from '../core/errors.js'
import {planErrors, planWarnings, type EditIssue, type EditPlan, type NodePlan, type WarnCode} from '../core/ip-list-edit.js'
import type {Networks} from '../core/networks.js'
import {appendAudit, openAudit, type AuditEntry, type AuditFile} from '../store/audit-log.js'
import {applyChanges, renderChangeSql, type IpListChange} from '../store/ip-list-writer.js'
import type {EditSession} from './session.js'

export const TARSNODE_NOTE = 'tarsnode may overwrite a manual change with its own report of the node\'s IPs when it next starts (if your tarsnode reports them): check again with `tarsnet nodes list` after a restart'

export interface IpView {
  ip: string
  network: string | null
}

export interface ChangeView {
  node: string
  before: IpView[]
  after: IpView[]
  /** The stored value read (compared by the write) and the value stored. */
  beforeRaw: string | null
  afterRaw: string | null
  added: string[]
  removed: string[]
  reordered: boolean
  destructive: boolean
}

export interface EditResult {
  applied: boolean
  dryRun: boolean
  changes: ChangeView[]
  /** Nodes whose list would stay as it is. */
  unchanged: string[]
  warnings: Array<EditIssue<WarnCode>>
  sql: string[]
  auditLog: string | null
}

/** What a plan would do, before anything is asked or written. */
export interface EditPreview {
  plan: EditPlan
  /** The nodes whose list changes, in the plan's order (as `result.changes`). */
  changed: NodePlan[]
  writes: IpListChange[]
  /** Not applied yet: what a dry run, or an edit that changes nothing, returns. */
  result: EditResult
}

/** Reasons joined for one line: the first ten, then how many more (an import may refuse thousands). */
export function firstFew(reasons: string[], max = 10): string {
  return reasons.length <= max ? reasons.join('; ') : `${reasons.slice(0, max).join('; ')}; … and ${reasons.length - max} more`
}

/** Refuses the plan when any rule refuses, naming every reason. */
export function assertPlanOk(plan: EditPlan): void {
  const errors = planErrors(plan)
  if (errors.length === 0) return
  const first = errors[0]
  const code = first.code === 'unknown-node' ? 'unknown_node' : first.code === 'in-use' ? 'ip_in_use' : 'invalid_ip_list'
  const named = (e: EditIssue) => (e.node && !e.message.includes(e.node) ? `${e.node}: ${e.message}` : e.message)
  throw new UserError(`refused, nothing written: ${firstFew(errors.map((e) => named(e)))}`, {code})
}

/** One node's change with the network of every IP, for display and JSON. */
export function changeView(plan: NodePlan, networks: Networks): ChangeView {
  const view = (ips: string[]) => ips.map((ip) => ({ip, network: networks.classify(ip)}))
  return {
    node: plan.node,
    before: view(plan.before),
    after: view(plan.after),
    beforeRaw: plan.beforeRaw,
    afterRaw: plan.afterRaw,
    added: plan.added,
    removed: plan.removed,
    reordered: plan.reordered,
    destructive: plan.destructive,
  }
}

/** The plan checked (a refusal throws) and what it would change. */
export function previewEdit(session: EditSession, plan: EditPlan, dryRun: boolean): EditPreview {
  assertPlanOk(plan)
  const changed = plan.nodes.filter((p) => p.changed)
  const writes: IpListChange[] = changed.map((p) => ({node: p.node, expected: p.beforeRaw, value: p.afterRaw}))
  const result: EditResult = {
    applied: false,
    dryRun,
    changes: changed.map((p) => changeView(p, session.networks)),
    unchanged: plan.nodes.filter((p) => !p.changed).map((p) => p.node),
    warnings: planWarnings(plan),
    sql: writes.length > 0 ? renderChangeSql(session.db, session.column, writes) : [],
    auditLog: null,
  }
  return {plan, changed, writes, result}
}

/**
 * Opens the audit log before anything is written: a log that cannot be written (a path under /proc, a
 * directory that cannot be made, a FIFO) refuses the edit instead of leaving a change without its entry.
 */
export function openAuditLog(path: string): AuditFile {
  try {
    return openAudit(path)
  } catch (error) {
    throw new UserError(`the audit log ${path} cannot be written (${(error as Error).message}): nothing written; point the profile's auditLog at a file you can write`, {code: 'audit_log_unwritable'})
  }
}

/** Who made a change, for its audit entries. */
export interface AuditBy {
  /** The audit log's path. */
  path: string
  osUser: string
  /** The command line, password removed. */
  command: string
  /** For a revert: the ID of the entry it undoes. */
  revertOf?: string
}

/**
 * Writes the previewed change and logs it. A conflict (a list changed since it was read) writes nothing
 * and throws. The change applied but its audit entry not written is `auditError`: the caller says so.
 */
export async function applyEdit(session: EditSession, preview: EditPreview, by: AuditBy): Promise<{result: EditResult; auditError?: string}> {
  const {changed, writes} = preview
  const audit = openAuditLog(by.path)
  let outcome
  try {
    outcome = await applyChanges(session.db, session.column, writes, changed.length === 1 ? changed[0].node : 'NODE')
  } catch (error) {
    closeSync(audit.fd)
    throw error
  }
  if (!outcome.applied) {
    closeSync(audit.fd)
    const shown = (v: string | null | undefined) => (v === undefined ? 'the row is gone' : v === null ? 'NULL (no list)' : JSON.stringify(v))
    const list = outcome.conflicts.map((c) => `${c.node}: read ${shown(c.expected)}, now ${shown(c.actual)}`).join('; ')
    throw new UserError(`conflict, nothing written: the list changed since it was read (another operator or a tarsnode report) — ${list}; run the command again to edit the current value`, {code: 'conflict'})
  }
  const result: EditResult = {...preview.result, applied: true}
  const time = new Date().toISOString()
  const entries: AuditEntry[] = changed.map((p) => ({
    time, kind: 'ip-list', osUser: by.osUser, dbUser: outcome.dbUser, dbHost: session.store.info.host ?? '', database: outcome.database,
    node: p.node, before: p.beforeRaw, after: p.afterRaw, command: by.command, ...(by.revertOf ? {revertOf: by.revertOf} : {}),
  }))
  try {
    appendAudit(audit, entries)
    result.auditLog = by.path
  } catch (error) {
    return {result, auditError: (error as Error).message}
  }
  return {result}
}
