/**
 * The flags and the frame every command that edits IP lists shares (set-ips, add-ip, remove-ip, edit,
 * import, detect --write, history --revert; db migrate for its confirmation): --dry-run, --yes, the list
 * rules that can be relaxed, refusing read-only sources, and confirmation where a person is (typing the
 * node name for a destructive change). The edit itself is src/edit/: commands only build the requests.
 */
import {Flags, type Command} from '@oclif/core'

import type {EditOptions, EditPlan} from '../core/ip-list-edit.js'
import {escapeControl} from '../core/text.js'
import {BaseCommand} from '../cli/base-command.js'
import {UserError} from '../core/errors.js'
import {stderrLine} from '../cli/terminal.js'
import {applyEdit, previewEdit, TARSNODE_NOTE, type EditResult} from '../edit/run.js'
import {openEditSession, type EditSession} from '../edit/session.js'
import {appliedText, changeTexts, confirmationOf, nothingToChangeText, sqlText, unchangedText} from '../edit/view.js'
import {auditLogPath, osUser, redactCommandLine} from '../store/audit-log.js'
import type {MysqlStore} from '../store/mysql-store.js'

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

/** An edit's result as a command returns it: with the notices, for JSON. */
export type EditCommandResult = EditResult & {notices: string[]}

export abstract class EditCommand<T extends typeof Command> extends BaseCommand<T> {
  protected get writeOptions(): {dryRun: boolean; yes: boolean} {
    const f = this.flags as unknown as {'dry-run'?: boolean; yes?: boolean}
    return {dryRun: Boolean(f['dry-run']), yes: Boolean(f.yes)}
  }

  /** The list rules for a plan: the session's networks and column size, relaxed by --force and --allow-empty. */
  protected listRules(session: EditSession): EditOptions {
    const f = this.flags as unknown as {force?: boolean; 'allow-empty'?: boolean}
    return {networks: session.networks, force: f.force, allowEmpty: f['allow-empty'], maxLength: session.columnInfo.maxLength}
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
    return openEditSession(store, (ips) => this.networksFor(ips))
  }

  /** Where the audit log is: the profile's auditLog, else tarsnet's data dir. */
  protected get auditLogPath(): string {
    return auditLogPath(this.settings().auditLog.value, this.dirs.dataDir)
  }

  /** A warning line on stderr (JSON output carries warnings in the result instead). */
  protected warnLine(message: string): void {
    if (!this.jsonEnabled()) stderrLine(this.io, 'yellow', 'warning:', message)
  }

  /**
   * Shows the plan and, unless --dry-run, applies it: confirmation (typed node name for a destructive
   * change) where a person is, --yes otherwise; then the write and its audit entry (src/edit/run.ts).
   */
  protected async applyPlan(session: EditSession, plan: EditPlan, options: {revertOf?: string} = {}): Promise<EditCommandResult> {
    const {dryRun, yes} = this.writeOptions
    const preview = previewEdit(session, plan, dryRun)
    const human = !this.jsonEnabled()
    if (human) {
      for (const text of changeTexts(preview, this.screen.paint)) this.log(text)
      for (const w of preview.result.warnings) this.warnLine(w.message)
      const unchanged = unchangedText(preview, this.screen.paint)
      if (unchanged !== undefined) this.log(unchanged)
    }
    if (preview.changed.length === 0) {
      if (human) this.log(nothingToChangeText(plan))
      return {...preview.result, notices: this.notices}
    }
    this.notice(TARSNODE_NOTE)
    if ((dryRun || this.flags.verbose) && human) this.log(sqlText(preview.result))
    if (dryRun) {
      if (human) this.log('\nDry run: nothing was written.')
      return {...preview.result, notices: this.notices}
    }

    if (!yes) await this.askToApply(confirmationOf(preview.changed))

    const path = this.auditLogPath
    const {result, auditError} = await applyEdit(session, preview, {path, osUser: osUser(this.io.env), command: this.commandLine(), revertOf: options.revertOf})
    if (auditError !== undefined) {
      // The database has the change; say plainly that the log does not.
      this.io.exitCode = 1
      this.notice(`the change WAS applied, but the audit log ${path} could not be written (${auditError}): record it by hand`)
    }
    if (human) this.log(appliedText(result))
    return {...result, notices: this.notices}
  }

  /** The command line for the audit log, password removed. */
  protected commandLine(): string {
    return `${this.config.bin} ${this.commandName} ${redactCommandLine(this.argv)}`.trim()
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
