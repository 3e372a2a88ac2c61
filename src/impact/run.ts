/**
 * `impact`: a what-if over the registry's expanded endpoints (core/impact.ts) for cuts given as specs or
 * taken from a saved probe or mesh result, with what the callers would lose (as `failover` models it) when
 * tarsstat's record says who calls what. Notices are said as they arise, through `io`.
 */
import {readFileSync} from 'node:fs'

import {UserError} from '../core/errors.js'
import {EXIT} from '../core/exit-codes.js'
import {cutsFromMesh, cutsFromProbe, parseCuts, runImpact, type Cut, type ImpactResult} from '../core/impact.js'
import type {Network} from '../core/networks.js'
import {expectedFailedCalls, type ExpectedCalls} from '../failover/run.js'
import type {StatSource} from '../stat/db.js'
import {loadCluster} from '../store/cluster-loader.js'
import type {Store} from '../store/types.js'

export type ImpactObjects = Array<ImpactResult['objects'][number] & {expectedFailedCalls?: number; expectedFailedPerMinute?: number}>

export interface ImpactOptions {
  configuredNetworks: Network[]
  /** --cut specs. */
  cuts: string[]
  /** Cuts read from saved results (readSavedCuts), before the database was opened. */
  saved: Cut[]
  /** Whether a saved result was given (one with no link down cuts nothing, and says so). */
  fromSaved: boolean
  objects?: string[]
  raft?: string[]
  /** Where the callers' rates come from (each read only when needed). */
  statSource: () => StatSource
  statWindow: () => {sinceSeconds: number; untilSeconds: number}
  /** Whether the operator named a stat database: only then is a record that cannot be read worth a notice. */
  statAsked: boolean
}

export interface ImpactIO {
  notice(message: string): void
}

/** The result, each affected object with its callers' expected losses; `expected` for the view (null: no record). */
export async function runImpactCommand(store: Store, options: ImpactOptions, io: ImpactIO): Promise<{result: ImpactResult; objects: ImpactObjects; expected: ExpectedCalls | null}> {
  const loaded = await loadCluster(store, options.configuredNetworks)
  const {view} = loaded
  const {saved} = options
  const cuts = [...parseCuts(options.cuts, view), ...saved]
  const strangers = [...new Set(saved.map((c) => ('node' in c ? c.node : '')).filter((n) => n !== '' && !view.nodes.has(n)))]
  if (strangers.length > 0) io.notice(`the saved result names node${strangers.length === 1 ? '' : 's'} not in this database (${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ', …' : ''}): those cuts change nothing`)
  if (options.fromSaved && saved.length === 0 && options.cuts.length === 0) io.notice('the saved result has no link down: nothing is cut')
  const result = runImpact(view, cuts, {objects: options.objects, raft: options.raft})
  // What the callers would lose (as `tarsnet failover` models it), when tarsstat's record says who calls what.
  const costs = await expectedFailedCalls(store, loaded, cuts, options.statSource, options.statWindow())
  const {expected} = costs
  // Silence only when nobody asked for the record (the default tars_stat on the --db server may well not exist).
  if (costs.why !== undefined && (options.statAsked || costs.settings)) io.notice(`no FAILED CALLS column: ${costs.why}`)
  const objects = result.objects.map((o) => {
    const e = expected?.get(o.object)
    return e && o.status !== 'ok' ? {...o, expectedFailedCalls: e.failedCalls, expectedFailedPerMinute: e.steadyFailedPerMinute} : o
  })
  return {result, objects, expected}
}

/** The cuts of saved `probe --json` / `mesh --json` results: every link found down. */
export function readSavedCuts(files: {probe?: string; mesh?: string}): Cut[] {
  const saved: Cut[] = []
  if (files.probe !== undefined) saved.push(...cutsFromProbe(readJson('--from-probe', files.probe), files.probe))
  if (files.mesh !== undefined) saved.push(...cutsFromMesh(readJson('--from-mesh', files.mesh), files.mesh))
  return saved
}

/** A saved result file, parsed; one line naming the file when it cannot be read or is not JSON. */
function readJson(flag: string, file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new UserError(`${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message}`, {code: 'invalid_input', exitCode: EXIT.unknown})
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new UserError(`${flag} ${file}: not JSON; give the file \`tarsnet ${flag === '--from-probe' ? 'probe' : 'mesh'} --json\` wrote`, {code: 'invalid_input', exitCode: EXIT.unknown})
  }
}
