/**
 * The registry's query functions over one object's endpoints (QueryImp.cpp, DbHandle.cpp): findObjectById4Any
 * hands out all of them, findObjectByIdInSameGroup those of the caller's IDC group (by t_server_group_rule,
 * then t_group_priority), findObjectByIdInSameSet those of the caller's set. Pure; the words of each choice
 * are core/resolve-text.ts's.
 */
import {UserError} from './errors.js'
import {parseIp} from './ip.js'
import type {ModeReport, QueryMode, ResolvedEndpoint, ResolveWarning} from './resolve.js'
import {SELECTED, WARNING} from './resolve-text.js'
import type {GroupPriorityRow, GroupRuleRow} from './rows.js'

/** t_server_group_rule and t_group_priority, as loaded. */
export interface GroupRows {
  rules: GroupRuleRow[]
  priorities: GroupPriorityRow[]
}

// ---------------------------------------------------------------------------------------------------
// Groups (DbHandle::load2GroupMap, getGroupId, loadGroupPriority)

export interface GroupTables {
  byIp: Map<string, number>
  byName: Map<string, number>
  priorities: Array<{name: string; groups: Set<number>}>
}

/** TC_Common::strto<int>: leading integer, else 0. */
function strtoInt(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s)
  return m ? Number(m[1]) : 0
}

const groupTablesMemo = new WeakMap<GroupRows, GroupTables>()
const NO_GROUPS = groupTables(undefined)

/** groupTables, built once per groups object: resolving a whole cluster passes the same one for every object. */
export function groupTablesOf(groups: GroupRows | undefined): GroupTables {
  if (!groups) return NO_GROUPS
  let tables = groupTablesMemo.get(groups)
  if (!tables) groupTablesMemo.set(groups, (tables = groupTables(groups)))
  return tables
}

function groupTables(groups: GroupRows | undefined): GroupTables {
  const byIp = new Map<string, number>()
  const byName = new Map<string, number>()
  // Loaded "order by group_id": a later rule for the same IP or name wins.
  const rules = [...(groups?.rules ?? [])].sort((a, b) => a.groupId - b.groupId)
  for (const rule of rules) {
    for (const ip of rule.allowIpRule.split('|')) if (ip !== '') byIp.set(ip, rule.groupId)
    byName.set(rule.groupName, rule.groupId)
  }
  const priorities = [...(groups?.priorities ?? [])]
    .sort((a, b) => a.listOrder - b.listOrder || a.id - b.id)
    .map((p) => ({
      name: p.name,
      groups: new Set(p.groupList.split(/[|,;]/).filter((g) => g !== '').map(strtoInt)),
    }))
  return {byIp, byName, priorities}
}

/** getGroupId: the exact IP, else its `a.b.c.*` form (IPv4 only); -1 when in no group. */
export function groupIdOf(tables: GroupTables, ip: string): number {
  if (tables.byIp.size === 0) return -1 // no IDC grouping at all: nothing to parse the address for
  const exact = tables.byIp.get(ip)
  if (exact !== undefined) return exact
  const parsed = parseIp(ip)
  if (parsed?.family === 4) {
    const star = tables.byIp.get(`${parsed.bytes[0]}.${parsed.bytes[1]}.${parsed.bytes[2]}.*`)
    if (star !== undefined) return star
  }
  return -1
}

/** A server's set division (enable_set, set_name, set_area, set_group). */
export interface SetInfo {
  /** The set division is usable (enable_set=Y with name, area, group, and no '*' name or area). */
  valid: boolean
  name: string
  area: string
  id: string
}

/** An endpoint string as parsed once per resolution, with its host read as a wildcard or not. */

/** An endpoint as expanded, with its server's set: what the query functions choose from. */
export interface Candidate {
  ep: ResolvedEndpoint
  set: SetInfo | null
}

// ---------------------------------------------------------------------------------------------------
// Query modes

interface Selection {
  endpoints: ResolvedEndpoint[]
  report: ModeReport
}

/** A set id as QueryImp::findObjectByIdInSameSet accepts it: three parts, name and area not '*'. */
export function parseSetId(setId: string): [string, string, string] {
  // TC_Common::sepstr drops empty parts, so "a..b" has two.
  const parts = setId.split('.').filter((p) => p !== '')
  if (parts.length !== 3 || parts[0] === '*' || parts[1] === '*') {
    throw new UserError(
      `invalid --set '${setId}': write name.area.group (group may be *, name and area may not); the registry answers such a set id with -1 and empty endpoint lists`,
      {code: 'invalid_set'},
    )
  }
  return [parts[0], parts[1], parts[2]]
}

export function select(candidates: Candidate[], mode: QueryMode, tables: GroupTables, warnings: ResolveWarning[]): Selection {
  const all = candidates.map((c) => c.ep)
  if (mode.kind === 'any') {
    return {
      endpoints: all,
      report: {function: 'findObjectById4Any', selected: SELECTED.any, note: SELECTED.anyNote},
    }
  }
  if (mode.kind === 'group') return byGroupPriority(all, mode.clientIp, tables, 'findObjectByIdInSameGroup')

  // findObjectByIdInSameSet (QueryImp + DbHandle).
  const [name, area, group] = parseSetId(mode.setId)
  const setArea = `${name}.${area}`
  const setId = `${setArea}.${group}`
  const inSets = candidates.filter((c) => c.set?.valid)
  const sameName = inSets.filter((c) => c.set!.name === name)
  const report = (selected: string): ModeReport => ({function: 'findObjectByIdInSameSet', setId, clientIp: mode.clientIp, selected})
  if (sameName.length === 0) {
    // The servant has no set (or not this set name): the registry falls back to IDC grouping.
    const fallback = mode.clientIp
      ? byGroupPriority(all, mode.clientIp, tables, 'findObjectByIdInSameSet')
      : {endpoints: all, report: {function: 'findObjectByIdInSameSet' as const, selected: ''}}
    const selected = SELECTED.noSet(inSets.length > 0, name, mode.clientIp, fallback.report.selected)
    return {endpoints: fallback.endpoints, report: {...fallback.report, function: 'findObjectByIdInSameSet', setId, clientIp: mode.clientIp, selected}}
  }
  let chosen: Candidate[]
  let selected: string
  if (group === '*') {
    chosen = sameName.filter((c) => c.set!.area === setArea)
    selected = SELECTED.everyGroupOf(setArea)
  } else {
    chosen = sameName.filter((c) => c.set!.id === setId)
    selected = SELECTED.set(setId)
    if (chosen.length === 0) {
      chosen = sameName.filter((c) => c.set!.id === `${setArea}.*`)
      selected = SELECTED.wildcardGroup(setId, setArea)
    }
  }
  if (chosen.length === 0) {
    warnings.push({code: 'set-empty', message: WARNING.setEmpty(setId)})
    selected = SELECTED.noServerInSet(setId, setArea, group === '*')
  }
  return {endpoints: chosen.map((c) => c.ep), report: report(selected)}
}

/** findObjectByIdInGroupPriority: same group → t_group_priority order → ungrouped → all. */
function byGroupPriority(all: ResolvedEndpoint[], clientIp: string, tables: GroupTables, fn: ModeReport['function']): Selection {
  const clientGroupId = groupIdOf(tables, clientIp)
  const report = (selected: string): ModeReport => ({function: fn, clientIp, clientGroupId, selected})
  if (clientGroupId === -1) {
    return {endpoints: all, report: report(SELECTED.noGroup(clientIp, parseIp(clientIp) !== null))}
  }
  const activeIn = (pred: (ep: ResolvedEndpoint) => boolean) => all.some((ep) => ep.active && pred(ep))

  let pred: (ep: ResolvedEndpoint) => boolean = (ep) => ep.groupWorkId === clientGroupId
  let selected = SELECTED.sameGroup(clientGroupId)
  if (!activeIn(pred)) {
    let found = false
    for (const p of tables.priorities) {
      if (!p.groups.has(clientGroupId)) continue
      const candidate = (ep: ResolvedEndpoint) => p.groups.has(ep.groupWorkId)
      // Each priority entry containing the client's group replaces the result until one has an active endpoint.
      pred = candidate
      selected = SELECTED.groupPriority(p.name, p.groups)
      if (activeIn(candidate)) {
        found = true
        break
      }
    }
    if (!found) {
      pred = (ep) => ep.groupWorkId === -1
      selected = SELECTED.ungrouped
      if (!activeIn(pred)) {
        pred = () => true
        selected = SELECTED.allFallback
      }
    }
  }
  return {endpoints: all.filter(pred), report: report(selected)}
}

