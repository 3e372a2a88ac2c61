/**
 * What every command that edits IP lists shares (set-ips, add-ip, remove-ip, edit, import, detect --write):
 * opening the database for writing, showing the diff and warnings, --dry-run, confirmation where a person
 * is (typing the node name for a destructive change), --yes for scripts, the compare-and-swap write through
 * src/store/ip-list-writer.ts, and the audit log. Commands only build the requests.
 */
import {closeSync} from 'node:fs'

import {Flags, type Command} from '@oclif/core'

import {nodeState, planErrors, planWarnings, type EditIssue, type EditPlan, type NodePlan, type NodeState, type WarnCode} from '../core/ip-list-edit.js'
import type {Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {escapeControl} from '../core/text.js'
import {BaseCommand} from '../cli/base-command.js'
import {UserError} from '../core/errors.js'
import {paint} from '../platform/paint.js'
import {stderrLine, useColor} from '../cli/terminal.js'
import {appendAudit, auditLogPath, openAudit, osUser, redactCommandLine, type AuditEntry, type AuditFile} from '../store/audit-log.js'
import {applyChanges, ipListColumnInfo, renderChangeSql, type ColumnInfo, type IpListChange} from '../store/ip-list-writer.js'
import type {Db, MysqlStore} from '../store/mysql-store.js'
import type {NodeRow} from '../core/rows.js'
import {NOTHING} from '../core/names.js'

/** --dry-run and --yes: on every editing command (migrate too). */
export const writeFlags = {
  'dry-run': Flags.boolean({summary: 'Show the change and the SQL; write nothing.'}),
  yes: Flags.boolean({char: 'y', summary: 'Apply without asking (scripts). Without a terminal, nothing is written unless --yes is given.'}),
}

/** The list rules that can be relaxed on purpose. */
export const listFlags = {
  force: Flags.boolean({summary: 'Allow an IP that another node already lists (normally refused: two nodes on one IP is an outage waiting to happen).'}),
  'allow-empty': Flags.boolean({summary: 'Allow leaving a node with no IP list (it then falls back to endpoint_ip: one network).'}),
}

export const TARSNODE_NOTE = 'tarsnode may overwrite a manual change with its own report of the node\'s IPs when it next starts (if your tarsnode reports them): check again with `tarsnet nodes list` after a restart'

/** Reasons joined for one line: the first ten, then how many more (an import may refuse thousands). */
export function firstFew(reasons: string[], max = 10): string {
  return reasons.length <= max ? reasons.join('; ') : `${reasons.slice(0, max).join('; ')}; … and ${reasons.length - max} more`
}

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
  notices: string[]
}

export interface EditSession {
  store: MysqlStore
  db: Db
  column: string
  columnInfo: ColumnInfo
  rows: NodeRow[]
  states: NodeState[]
  networks: Networks
}

export abstract class EditCommand<T extends typeof Command> extends BaseCommand<T> {
  protected get writeOptions(): {dryRun: boolean; yes: boolean} {
    const f = this.flags as unknown as {'dry-run'?: boolean; yes?: boolean}
    return {dryRun: Boolean(f['dry-run']), yes: Boolean(f.yes)}
  }

  /** Refuses read-only sources: an edit must go to the database. */
  protected refuseReadOnlySource(): void {
    const f = this.flags as unknown as {snapshot?: string; demo?: boolean}
    if (f.snapshot || f.demo) {
      throw new UserError(`${this.commandName} edits the database; ${f.demo ? '--demo' : '--snapshot'} is read-only: pass --db (or configure a profile) to edit`, {code: 'read_only_source'})
    }
  }

  /** Opens the database for an edit: the IP-list column must exist; every node is read once. */
  protected async openForEdit(): Promise<EditSession> {
    this.refuseReadOnlySource()
    const store = (await this.openStore()) as MysqlStore
    const db = store.db
    const column = store.ipListColumn
    const columnInfo = await ipListColumnInfo(db, column)
    if (!columnInfo.exists) {
      throw new UserError(`t_node_info has no ${column} column to hold IP lists: run \`tarsnet db migrate\` first (it shows the SQL before changing anything)`, {code: 'no_ip_list_column'})
    }
    const rows = await store.loadNodes()
    const states = rows.map((r) => nodeState(r))
    const networks = this.networksFor(() => rows.flatMap((r) => nodeAddresses(r).ips))
    return {store, db, column, columnInfo, rows, states, networks}
  }

  /** One node's change with the network of every IP, for display and JSON. */
  protected changeView(plan: NodePlan, networks: Networks): ChangeView {
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

  /** The human diff of one node. */
  protected renderChange(change: ChangeView, plan: NodePlan): string {
    const color = !this.jsonEnabled() && useColor(this.io)
    const fmt = (list: IpView[]) => list.map((i) => `${i.ip} (${i.network ?? 'no network'})`).join(', ')
    const lines = [paint(color, 'bold', change.node)]
    const before = change.before.length > 0
      ? fmt(change.before)
      : plan.beforeEffective.length > 0 && plan.beforeSource !== 'ip_list'
        ? `(no list: using ${plan.beforeSource} ${plan.beforeEffective.join(', ')})`
        : '(no list)'
    lines.push(`  before: ${before}`)
    lines.push(`  after:  ${change.after.length > 0 ? fmt(change.after) : '(no list: falls back to endpoint_ip / node_name)'}`)
    for (const ip of change.removed) lines.push(paint(color, 'red', `  - ${ip} (${change.before.find((i) => i.ip === ip)?.network ?? 'no network'})`))
    for (const ip of change.added) lines.push(paint(color, 'green', `  + ${ip} (${change.after.find((i) => i.ip === ip)?.network ?? 'no network'})`))
    if (change.reordered) lines.push(paint(color, 'yellow', '  ~ order of preference changed'))
    if (change.added.length === 0 && change.removed.length === 0 && !change.reordered) lines.push(paint(color, 'dim', `  ~ stored value rewritten in canonical form (was ${JSON.stringify(change.beforeRaw)})`))
    return lines.join('\n')
  }

  /** A warning line on stderr (JSON output carries warnings in the result instead). */
  protected warnLine(message: string): void {
    if (!this.jsonEnabled()) stderrLine(this.io, 'yellow', 'warning:', message)
  }

  /** Refuses the plan when any rule refuses, naming every reason. */
  protected assertPlanOk(plan: EditPlan): void {
    const errors = planErrors(plan)
    if (errors.length === 0) return
    const first = errors[0]
    const code = first.code === 'unknown-node' ? 'unknown_node' : first.code === 'in-use' ? 'ip_in_use' : 'invalid_ip_list'
    const named = (e: EditIssue) => (e.node && !e.message.includes(e.node) ? `${e.node}: ${e.message}` : e.message)
    throw new UserError(`refused, nothing written: ${firstFew(errors.map((e) => named(e)))}`, {code})
  }

  /**
   * Shows the plan and, unless --dry-run, applies it: confirmation (typed node name for a destructive
   * change) where a person is, --yes otherwise; one transaction with compare-and-swap; then the audit log.
   */
  protected async applyPlan(session: EditSession, plan: EditPlan, options: {revertOf?: string} = {}): Promise<EditResult> {
    this.assertPlanOk(plan)
    const {dryRun, yes} = this.writeOptions
    const changed = plan.nodes.filter((p) => p.changed)
    const changes = changed.map((p) => this.changeView(p, session.networks))
    const warnings = planWarnings(plan)
    const writes: IpListChange[] = changed.map((p) => ({node: p.node, expected: p.beforeRaw, value: p.afterRaw}))
    const sql = writes.length > 0 ? renderChangeSql(session.db, session.column, writes) : []
    const result: EditResult = {
      applied: false, dryRun, changes, unchanged: plan.nodes.filter((p) => !p.changed).map((p) => p.node), warnings, sql, auditLog: null, notices: this.notices,
    }
    if (!this.jsonEnabled()) {
      changed.forEach((p, i) => this.log(this.renderChange(changes[i], p)))
      for (const w of warnings) this.warnLine(w.message)
    }
    if (changed.length > 0 && result.unchanged.length > 0 && !this.jsonEnabled()) {
      this.log(this.paint('dim', `Unchanged (already as given): ${result.unchanged.join(', ')}`))
    }
    if (changed.length === 0) {
      if (!this.jsonEnabled()) {
        const only = plan.nodes.length === 1 ? plan.nodes[0] : undefined
        this.log(only ? `Nothing to change: ${only.node}'s list is already ${only.after.join(', ') || NOTHING}.` : `Nothing to change: all ${plan.nodes.length} node(s) already have these lists.`)
      }
      return result
    }
    this.notice(TARSNODE_NOTE)
    if (dryRun || this.flags.verbose) {
      if (!this.jsonEnabled()) this.log(['', ...sql].join('\n'))
    }
    if (dryRun) {
      if (!this.jsonEnabled()) this.log('\nDry run: nothing was written.')
      return result
    }

    if (!yes) await this.confirmChange(changed)

    const path = auditLogPath(this.settings().auditLog.value, this.dirs.dataDir)
    const audit = this.openAuditLog(path)
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
    result.applied = true
    const time = new Date().toISOString()
    const entries: AuditEntry[] = changed.map((p) => ({
      time, kind: 'ip-list', osUser: osUser(), dbUser: outcome.dbUser, dbHost: session.store.info.host ?? '', database: outcome.database,
      node: p.node, before: p.beforeRaw, after: p.afterRaw, command: this.commandLine(), ...(options.revertOf ? {revertOf: options.revertOf} : {}),
    }))
    try {
      appendAudit(audit, entries)
      result.auditLog = path
    } catch (error) {
      // The database has the change; say plainly that the log does not.
      this.io.exitCode = 1
      this.notice(`the change WAS applied, but the audit log ${path} could not be written (${(error as Error).message}): record it by hand`)
    }
    if (!this.jsonEnabled()) this.log(`\nApplied: ${changed.length} node(s) changed. Logged to ${result.auditLog ?? '(not logged)'}.`)
    return result
  }

  /**
   * Opens the audit log before anything is written: a log that cannot be written (a path under /proc, a
   * directory that cannot be made, a FIFO) refuses the edit instead of leaving a change without its entry.
   */
  protected openAuditLog(path: string): AuditFile {
    try {
      return openAudit(path)
    } catch (error) {
      throw new UserError(`the audit log ${path} cannot be written (${(error as Error).message}): nothing written; point the profile's auditLog at a file you can write`, {code: 'audit_log_unwritable'})
    }
  }

  /** The command line for the audit log, password removed. */
  protected commandLine(): string {
    return `${this.config.bin} ${this.commandName} ${redactCommandLine(this.argv)}`.trim()
  }

  /** Asks where a person is; errors without a terminal. Destructive changes need the node name typed. */
  protected async confirmChange(changed: NodePlan[]): Promise<void> {
    const destructive = changed.filter((p) => p.destructive)
    const word = changed.length === 1 ? changed[0].node : String(changed.length)
    // Say what the change takes away, so a pure addition is never asked about as a removal.
    const does = [
      ...(destructive.some((p) => p.removed.length > 0) ? ['removes IPs'] : []),
      ...(destructive.some((p) => p.warnings.some((w) => w.code === 'dropped-invalid')) ? ['drops entries that are not IPs'] : []),
      ...(destructive.some((p) => p.reordered) ? ['changes the order of preference'] : []),
    ]
    const whom = changed.length === 1 ? word : `${destructive.length} of the ${changed.length} nodes`
    await this.askToApply(destructive.length > 0
      ? {typed: word, question: `${whom}: this ${does.join(' and ')}. Type ${changed.length === 1 ? `the node name (${word})` : `the number of nodes changed (${word})`} to apply:`}
      : {question: `Apply this change to ${changed.length === 1 ? changed[0].node : `${changed.length} nodes`}?`})
  }

  /** The confirmation every write needs unless --yes: a typed word (destructive) or yes/no; no terminal → error. */
  protected async askToApply(ask: {question: string; typed?: string}): Promise<void> {
    if (!this.canPrompt()) {
      throw new UserError('not applied, nothing written: no terminal to confirm at; pass --yes to apply (or --dry-run to preview)', {code: 'confirmation_required'})
    }
    const {confirm, input} = await import('@inquirer/prompts')
    if (ask.typed !== undefined) {
      // Inquirer draws the question: a node name in it is shown escaped, and may be typed as shown.
      const typed = await input({message: escapeControl(ask.question)})
      if (typed.trim() !== ask.typed && typed.trim() !== escapeControl(ask.typed)) throw new UserError(`not applied, nothing written: "${typed.trim()}" is not ${ask.typed}`, {code: 'not_confirmed'})
    } else if (!(await confirm({message: escapeControl(ask.question), default: false}))) {
      throw new UserError('not applied, nothing written: cancelled', {code: 'not_confirmed'})
    }
  }
}
