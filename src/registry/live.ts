/**
 * `tarsnet resolve OBJECT --live`: the registry check for the one object resolve has just loaded,
 * summed up in one line (the details are `tarsnet registry check`'s).
 */
import {UserError} from '../core/errors.js'
import type {Locator} from '../core/locator.js'
import type {Networks} from '../core/networks.js'
import type {QueryMode} from '../core/resolve.js'
import type {GroupPriorityRow, GroupRuleRow, NodeRow, ObjectRows} from '../core/rows.js'
import {RELOAD_WINDOW_SECONDS} from '../core/registry-compare.js'
import type {Store} from '../store/types.js'
import {liveLine, runRegistryCheck, type CheckQuery, type CheckReport} from './check.js'
import {registryAddressesFromDatabase} from './database.js'

export interface LiveSummary {
  /** One line: whether the registries agree with the database, and which do not. */
  line: string
  verdict: CheckReport['verdict']
  query: CheckReport['query']
  /** The node_name sent (--client-node: the node's name), null when none was. */
  callerNodeName: string | null
  registries: CheckReport['registries']
  /** The answers that do not agree (all of them are in `registry check`). */
  disagreeing: CheckReport['answers']
  notes: string[]
}

export interface LiveInput {
  store: Store
  /** The registries to ask (a locator from the environment or the profile); undefined: the registry's own rows (t_registry_info). */
  locator: Locator | undefined
  object: string
  rows: ObjectRows
  nodes: NodeRow[]
  networks: Networks
  groups: {rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}
  /** resolve's query mode: --set is asked as such; --client-ip cannot be (the registry groups by the caller). */
  mode: QueryMode
  /** --client-node's node name: asked as that client asks (InSameGroup, or InSameSet with --set), with node_name. */
  callerNodeName?: string
  timeoutMs?: number
}

export async function liveSummary(input: LiveInput): Promise<LiveSummary> {
  const notes: string[] = []
  const {locator} = input
  let servant: string
  let addresses
  if (locator) {
    servant = locator.servant
    addresses = locator.addresses.map((a) => ({...a, network: input.networks.classify(a.host)}))
  } else {
    let fromDb
    try {
      fromDb = await registryAddressesFromDatabase(input.store, input.networks)
    } catch (error) {
      // resolve's own answer stands; the live line says why there is nothing to ask.
      if (!(error instanceof UserError) || error.code !== 'no_locator') throw error
      return {line: error.message, verdict: 'unreachable', query: 'findObjectById4Any', callerNodeName: null, registries: [], disagreeing: [], notes}
    }
    servant = fromDb.servant
    addresses = fromDb.addresses
    notes.push(...fromDb.notes)
  }
  let query: CheckQuery = {kind: 'any'}
  if (input.mode.kind === 'set') query = {kind: 'set', setId: input.mode.setId}
  else if (input.callerNodeName !== undefined) query = {kind: 'group'}
  else if (input.mode.kind === 'group') notes.push('asked findObjectById4Any: the registry answers group queries for the caller (this machine), not for --client-ip')
  const data = {rows: input.rows, nodes: input.nodes}
  const report = await runRegistryCheck({
    servant, addresses, objects: [input.object], query, callerNodeName: input.callerNodeName, timeoutMs: input.timeoutMs ?? 1000, networks: input.networks,
    database: {data: () => data, groups: input.groups, changes: (await input.store.recentChanges(RELOAD_WINDOW_SECONDS)) ?? []},
  })
  return {
    line: liveLine(report),
    verdict: report.verdict,
    query: report.query,
    callerNodeName: input.callerNodeName ?? null,
    registries: report.registries,
    disagreeing: report.answers.filter((a) => a.verdict !== 'agrees'),
    notes,
  }
}
