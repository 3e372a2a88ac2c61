/**
 * The registry check: ask every registry address about every object (client.ts), compute what the
 * database says each caller should be told (core/resolve), compare (core/registry-compare).
 * Shared by `tarsnet registry check` and `tarsnet resolve --live`.
 */
import type {Networks} from '../core/networks.js'
import type {ObjectData} from '../core/object-index.js'
import {
  addressLabel,
  buildAnswer,
  indexChanges,
  replicaDisagreements,
  summarizeCheck,
  type AnswerRecord,
  type CheckSummary,
  type Disagreement,
  type Expected,
  type RecentChange,
  type RegistryQuery,
  type RegistryRecord,
} from '../core/registry-compare.js'
import {resolveObject, type QueryMode as ResolveMode} from '../core/resolve.js'
import type {GroupPriorityRow, GroupRuleRow} from '../core/rows.js'
import {askRegistries, type Question, type QuestionOutcome} from './client.js'

/** The question asked: findObjectById4Any, findObjectByIdInSameSet(setId) or findObjectByIdInSameGroup. */
export type CheckQuery = {kind: 'any'} | {kind: 'set'; setId: string} | {kind: 'group'}

export interface RegistryAddress {
  host: string
  port: number
  network: string | null
}

/** What the database holds for the objects asked about. */
export interface CheckDatabase {
  data(object: string): ObjectData
  groups: {rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}
  /** Rows changed within the reload window; empty when the source has no change times. */
  changes: RecentChange[]
}

export interface CheckInput {
  /** The servant the questions go to (the locator's object). */
  servant: string
  addresses: RegistryAddress[]
  objects: string[]
  query: CheckQuery
  /**
   * The node_name to send in each question's context, as a real client on that node does (the registry then
   * answers InSameGroup/InSameSet for it); null or undefined: none sent, it answers for the TCP peer's address.
   */
  callerNodeName?: string | null
  timeoutMs: number
  /** Questions in flight per address. */
  window?: number
  networks: Networks
  /** null: no database to compare with (the answers are only compared with each other). */
  database: CheckDatabase | null
  onProgress?: (done: number, total: number) => void
}

export interface CheckReport extends CheckSummary {
  query: RegistryQuery
  setId: string | null
  registries: RegistryRecord[]
  answers: AnswerRecord[]
  disagreements: Disagreement[]
  wallMs: number
}

export function queryFunction(query: CheckQuery): RegistryQuery {
  return query.kind === 'any' ? 'findObjectById4Any' : query.kind === 'set' ? 'findObjectByIdInSameSet' : 'findObjectByIdInSameGroup'
}

export async function runRegistryCheck(input: CheckInput): Promise<CheckReport> {
  const started = Date.now()
  const fn = queryFunction(input.query)
  const setId = input.query.kind === 'set' ? input.query.setId : null
  const questions: Question[] = input.objects.map((id) => ({fn, args: setId === null ? {id} : {id, setId}}))
  const total = questions.length * input.addresses.length

  const callerNodeName = input.callerNodeName || null
  const context = callerNodeName ? {node_name: callerNodeName} : undefined
  // The database's computation, per object and (for caller-relative queries) per caller: the node_name sent,
  // else this machine's address on the connection (Current::getHostName). 'stored': as an open-source
  // registry groups (by the host as stored), for answers that come back unexpanded.
  const expectedCache = new Map<string, Expected>()
  const expectedFor = (object: string, clientIp: string | null, groupIdsFrom: 'expanded' | 'stored' = 'expanded'): Expected | null => {
    const db = input.database
    if (!db) return null
    const caller = callerNodeName ?? clientIp
    const callerKey = input.query.kind === 'any' ? '' : (caller ?? '')
    const cacheKey = `${object}\u0000${callerKey}\u0000${groupIdsFrom}`
    const cached = expectedCache.get(cacheKey)
    if (cached) return cached
    const {rows, nodes} = db.data(object)
    let mode: ResolveMode = {kind: 'any'}
    if (input.query.kind === 'set') mode = {kind: 'set', setId: input.query.setId, clientIp: caller ?? undefined}
    else if (input.query.kind === 'group') mode = caller ? {kind: 'group', clientIp: caller} : {kind: 'any'}
    const result = resolveObject({object, rows, nodes, networks: input.networks, groups: db.groups, mode, groupIdsFrom, proxies: false})
    const expected = {active: result.active, inactive: result.inactive}
    expectedCache.set(cacheKey, expected)
    return expected
  }
  const changesOf = input.database && input.database.changes.length > 0 ? indexChanges(input.database.changes) : null
  const changesCache = new Map<string, RecentChange[]>()
  const changesFor = (object: string): RecentChange[] => {
    if (!changesOf) return []
    let c = changesCache.get(object)
    if (!c) changesCache.set(object, (c = changesOf(object, input.database!.data(object).rows)))
    return c
  }

  // Each answer is compared as it arrives, while the others are still on their way.
  const answers: AnswerRecord[] = new Array(total)
  const record = (a: number, q: number, outcome: QuestionOutcome, clientIp: string | null): AnswerRecord => {
    const object = questions[q].args.id
    return buildAnswer({
      object, address: input.addresses[a], query: fn, setId, clientIp, callerNodeName,
      status: outcome.status, error: outcome.error, answer: outcome.answer,
      expected: outcome.answer ? expectedFor(object, clientIp) : null,
      expectedAsStored: () => expectedFor(object, clientIp, 'stored')!,
      changes: outcome.answer ? changesFor(object) : [],
      networks: input.networks,
    })
  }
  let done = 0
  input.onProgress?.(0, total)
  const outcomes = await askRegistries(input.addresses, input.servant, questions, {
    timeoutMs: input.timeoutMs,
    window: input.window,
    context,
    onSettled: (a, q, outcome, clientIp) => {
      if (outcome.answer) answers[a * questions.length + q] = record(a, q, outcome, clientIp)
      input.onProgress?.(++done, total)
    },
  })

  const registries: RegistryRecord[] = input.addresses.map((address, a) => {
    const o = outcomes[a]
    o.outcomes.forEach((outcome, q) => {
      answers[a * questions.length + q] ??= record(a, q, outcome, o.clientIp)
    })
    return {
      host: address.host, port: address.port, network: address.network, status: o.status, latencyMs: o.latencyMs,
      error: o.error, clientIp: o.clientIp, asked: questions.length, answered: o.outcomes.filter((q) => q.status === 'ok').length,
    }
  })
  const disagreements = replicaDisagreements(answers)
  const summary = summarizeCheck(registries, answers, disagreements, input.database !== null)
  return {...summary, query: fn, setId, registries, answers, disagreements, wallMs: Date.now() - started}
}

/** One line for `resolve --live`: whether the registries agree, and which do not. */
export function liveLine(report: CheckReport): string {
  const {counts} = report
  if (report.verdict === 'unreachable') return report.lines[0]
  const notAgreeing = report.answers.filter((a) => a.status === 'ok' && a.verdict !== null && a.verdict !== 'agrees')
  const down = report.registries.filter((r) => r.status !== 'ok')
  const parts: string[] = []
  if (report.verdict === 'ok') parts.push(`all ${counts.answering} registry address${counts.answering === 1 ? '' : 'es'} agree with the database`)
  else parts.push(`${counts.agrees} of ${counts.addresses} registry address${counts.addresses === 1 ? '' : 'es'} agree`)
  if (notAgreeing.length > 0) parts.push(notAgreeing.map((a) => `${addressLabel(a)} ${a.verdict}`).join(', '))
  if (down.length > 0) parts.push(down.map((r) => `${addressLabel(r)} ${r.status}`).join(', '))
  return parts.join('; ')
}
