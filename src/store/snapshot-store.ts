/**
 * The snapshot backend: the same rows as the database, from a JSON file written by `tarsnet snapshot save`
 * (or the built-in demo). During an incident the database may be unreachable; yesterday's snapshot
 * still tells which IPs to try.
 */
import {readFileSync} from 'node:fs'

import {UserError} from '../core/errors.js'
import {serverKey} from '../core/resolve.js'
import {parseNetworksSpec} from '../core/networks.js'
import {clip} from '../core/text.js'
import type {AdapterRow, GroupPriorityRow, GroupRuleRow, NodeRow, ObjectRows, RegistryRow, ServerRow} from '../core/rows.js'
import type {ClientProfiles, Snapshot, Store, StoreInfo} from './types.js'
// Part of the code, not a file beside it: the single-file bundle and the executable carry it inside.
import demoSnapshotJson from './demo-snapshot.json' with {type: 'json'}

/** What a field of a snapshot row must hold. `null` in a string or number column reads as the database's NULL does. */
type FieldKind = 'text' | 'required-text' | 'int' | 'date' | 'ip-list'

type RowShape = Record<string, FieldKind>

const NODE: RowShape = {
  nodeName: 'required-text', nodeObj: 'text', endpointIp: 'text', endpointPort: 'int', presentState: 'text', settingState: 'text',
  lastHeartbeat: 'date', lastRegTime: 'date', tarsVersion: 'text', ipList: 'ip-list',
}
const SERVER: RowShape = {
  application: 'required-text', serverName: 'text', nodeName: 'required-text', settingState: 'text', presentState: 'text', flowState: 'text',
  bakFlag: 'int', enableGroup: 'text', enableSet: 'text', setName: 'text', setArea: 'text', setGroup: 'text', ipGroupName: 'text', serverType: 'text',
}
const ADAPTER: RowShape = {
  application: 'required-text', serverName: 'text', nodeName: 'required-text', adapterName: 'text', endpoint: 'text', servant: 'text', protocol: 'text',
}
// tarsVersion: snapshots saved before registry rows carried it read as '' (EndpointF.nodeName unknown).
const REGISTRY: RowShape = {locatorId: 'text', servant: 'text', endpoint: 'text', presentState: 'text', lastHeartbeat: 'date', enableGroup: 'text', tarsVersion: 'text'}
const GROUP_RULE: RowShape = {groupId: 'int', groupName: 'text', allowIpRule: 'text'}
const GROUP_PRIORITY: RowShape = {id: 'int', name: 'text', groupList: 'text', listOrder: 'int', station: 'text'}

const PROFILE_TEMPLATE: RowShape = {templateName: 'required-text', parentsName: 'text', profile: 'text'}
const SERVER_PROFILE: RowShape = {application: 'required-text', serverName: 'text', nodeName: 'required-text', serverType: 'text', tarsVersion: 'text', templateName: 'text', profile: 'text'}

const TABLES: Array<{key: 'nodes' | 'servers' | 'adapters' | 'registry' | 'groupRules' | 'groupPriorities' | 'profileTemplates' | 'serverProfiles'; shape: RowShape; optional?: boolean}> = [
  {key: 'nodes', shape: NODE},
  {key: 'servers', shape: SERVER},
  {key: 'adapters', shape: ADAPTER},
  {key: 'registry', shape: REGISTRY},
  {key: 'groupRules', shape: GROUP_RULE, optional: true},
  {key: 'groupPriorities', shape: GROUP_PRIORITY, optional: true},
  {key: 'profileTemplates', shape: PROFILE_TEMPLATE, optional: true},
  {key: 'serverProfiles', shape: SERVER_PROFILE, optional: true},
]

/** What a column defaults to when a hand-written row leaves it out (what MysqlStore makes of NULL). */
const DEFAULTS: Record<string, unknown> = {flowState: 'active', protocol: 'tars'}

function shown(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return clip(text, 60)
}

// ISO-8601 as snapshot save writes it (or as a person types it: a space for the T, no zone for UTC-less local time).
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/
const isDate = (v: unknown): v is string => typeof v === 'string' && ISO_DATE.test(v) && Number.isFinite(Date.parse(v))

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Checks one field and returns the value the row gets. Throws the reason (a few words) when it is wrong.
 * A JSON list of strings is accepted for ipList (the column may hold its JSON-array form) and kept in
 * that form, as the column would hold it.
 */
function field(kind: FieldKind, value: unknown, name: string): unknown {
  switch (kind) {
    case 'required-text':
      if (typeof value !== 'string') throw new Error(value === undefined ? 'is missing' : 'is not a string')
      return value
    case 'text':
      if (value === undefined || value === null) return DEFAULTS[name] ?? ''
      if (typeof value !== 'string') throw new Error('is not a string')
      return value
    case 'int':
      if (value === undefined || value === null) return 0
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error('is not a whole number')
      return value === 0 ? 0 : value // -0 is 0 (JSON writes it as 0: a load → save → load must not change it)
    case 'date':
      if (value === undefined || value === null) return null
      if (!isDate(value)) throw new Error('is not a date')
      return new Date(Date.parse(value)).toISOString()
    case 'ip-list':
      if (value === undefined) return undefined
      if (value === null || typeof value === 'string') return value
      if (Array.isArray(value)) {
        const bad = value.findIndex((v) => typeof v !== 'string')
        if (bad >= 0) throw new Error(`is a list whose item [${bad}] is not a string`)
        return JSON.stringify(value)
      }
      throw new Error('is not a string, a list of strings or null')
  }
}

function checkRow(row: unknown, shape: RowShape, at: string, bad: (why: string) => UserError): Record<string, unknown> {
  if (!isObject(row)) throw bad(`${at} is not an object (it is ${shown(row)})`)
  const out: Record<string, unknown> = {}
  for (const [name, kind] of Object.entries(shape)) {
    const value = Object.hasOwn(row, name) ? row[name] : undefined
    try {
      const checked = field(kind, value, name)
      if (checked !== undefined) out[name] = checked
    } catch (error) {
      const why = (error as Error).message
      throw bad(`${at}.${name} ${why}${why === 'is missing' ? '' : ` (it is ${shown(value)})`}`)
    }
  }
  return out
}

/**
 * Checks a parsed snapshot field by field and returns a clean copy (known fields only, in the types the
 * store hands out). A hand-edited snapshot gets one line naming the first field that is wrong:
 * "snapshot FILE: nodes[0].lastHeartbeat is not a date (it is "yesterday")".
 */
export function validateSnapshot(data: unknown, where: string): Snapshot {
  const fix = 'fix it, or write a new one with `tarsnet snapshot save -o FILE`'
  const notSnapshot = (why: string) => new UserError(`snapshot ${where} is not a tarsnet snapshot: ${why}; write one with \`tarsnet snapshot save -o FILE\``, {code: 'invalid_snapshot'})
  const bad = (why: string) => new UserError(`snapshot ${where}: ${why}; ${fix}`, {code: 'invalid_snapshot'})
  if (!isObject(data)) throw notSnapshot('not a JSON object')
  if (data.format !== 'tarsnet-snapshot') throw notSnapshot('"format" is not "tarsnet-snapshot"')
  if (data.version !== 1) throw notSnapshot(`version ${shown(data.version)} is not supported (this tarsnet reads version 1)`)
  const out: Record<string, unknown> = {format: 'tarsnet-snapshot', version: 1}
  for (const {key, shape, optional} of TABLES) {
    const rows = data[key]
    if (rows === undefined && optional) {
      out[key] = []
      continue
    }
    if (!Array.isArray(rows)) throw notSnapshot(`"${key}" is not a list`)
    out[key] = rows.map((r, i) => checkRow(r, shape, `${key}[${i}]`, bad))
  }
  const takenAt = data.takenAt
  if (!isDate(takenAt)) throw bad(`takenAt is not a date (it is ${shown(takenAt)})`)
  out.takenAt = new Date(Date.parse(takenAt)).toISOString()
  if (data.source !== undefined && typeof data.source !== 'string') throw bad(`source is not a string (it is ${shown(data.source)})`)
  out.source = data.source ?? 'unknown'
  if (data.ipListColumn !== undefined && typeof data.ipListColumn !== 'string') throw bad(`ipListColumn is not a string (it is ${shown(data.ipListColumn)})`)
  out.ipListColumn = data.ipListColumn || 'ip_list'
  if (data.ipListColumnPresent !== undefined && typeof data.ipListColumnPresent !== 'boolean') {
    throw bad(`ipListColumnPresent is not true or false (it is ${shown(data.ipListColumnPresent)})`)
  }
  // A hand-written snapshot that leaves it out has the column when any node has a list.
  out.ipListColumnPresent = data.ipListColumnPresent ?? (out.nodes as NodeRow[]).some((n) => n.ipList !== undefined)
  if (data.networks !== undefined && data.networks !== null) {
    const networks = data.networks
    if (!Array.isArray(networks)) throw bad(`networks is not a list (it is ${shown(networks)})`)
    const list = networks.map((n, i) => {
      if (!isObject(n) || typeof n.name !== 'string' || !Array.isArray(n.cidrs) || !n.cidrs.every((c) => typeof c === 'string')) {
        throw bad(`networks[${i}] is not {"name": …, "cidrs": […]} (it is ${shown(n)})`)
      }
      return {name: n.name, cidrs: n.cidrs as string[]}
    })
    try {
      out.networks = parseNetworksSpec(list.map((n) => `${n.name.replace(/[;=]/g, '?')}=${n.cidrs.map((c) => c.replace(/[;,]/g, '?')).join(',')}`).join(';'), 'networks')
    } catch (error) {
      throw bad((error as Error).message)
    }
  }
  return out as unknown as Snapshot
}

export function readSnapshotFile(path: string): Snapshot {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new UserError(`cannot read snapshot ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {code: 'invalid_snapshot'})
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new UserError(`snapshot ${path} is not valid JSON (${(error as Error).message}); write one with \`tarsnet snapshot save -o FILE\``, {code: 'invalid_snapshot'})
  }
  return validateSnapshot(data, path)
}

/** The built-in demo cluster, with its clock moved to now so heartbeat ages read as when it was made. */
export function demoSnapshot(nowMs = Date.now()): Snapshot {
  const snap = validateSnapshot(structuredClone(demoSnapshotJson as unknown), 'built-in demo')
  const shift = nowMs - Date.parse(snap.takenAt)
  const move = (t: string | null) => (t ? new Date(Date.parse(t) + shift).toISOString() : t)
  for (const n of snap.nodes) {
    n.lastHeartbeat = move(n.lastHeartbeat)
    n.lastRegTime = move(n.lastRegTime)
  }
  for (const r of snap.registry) r.lastHeartbeat = move(r.lastHeartbeat)
  snap.takenAt = new Date(nowMs).toISOString()
  return snap
}

export class SnapshotStore implements Store {
  readonly info: StoreInfo
  readonly ipListColumn: string
  readonly data: Snapshot

  constructor(data: Snapshot, info: StoreInfo) {
    this.data = data
    this.info = info
    this.ipListColumn = data.ipListColumn || 'ip_list'
  }

  static fromFile(path: string): SnapshotStore {
    const data = readSnapshotFile(path)
    return new SnapshotStore(data, {kind: 'snapshot', source: `${path} (taken ${data.takenAt} from ${data.source})`, takenAt: data.takenAt})
  }

  static demo(): SnapshotStore {
    const data = demoSnapshot()
    return new SnapshotStore(data, {kind: 'demo', source: 'built-in demo cluster', takenAt: data.takenAt})
  }

  get savedNetworks(): Snapshot['networks'] {
    return this.data.networks
  }

  async ipListColumnPresent(): Promise<boolean> {
    return this.data.ipListColumnPresent
  }

  async loadNodes(names?: string[]): Promise<NodeRow[]> {
    const wanted = names === undefined ? undefined : new Set(names)
    const nodes = wanted === undefined ? this.data.nodes : this.data.nodes.filter((n) => wanted.has(n.nodeName.trim()))
    return nodes.map((n) => {
      const row = {...n}
      if (!this.data.ipListColumnPresent) delete row.ipList
      else if (row.ipList === undefined) row.ipList = null
      return row
    })
  }

  async loadNodeServers(nodeName: string): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}> {
    const servers = this.data.servers.filter((s) => s.nodeName === nodeName)
    const keys = new Set(servers.map((s) => `${s.application}\u0000${s.serverName}`))
    const adapters = this.data.adapters.filter((a) => a.nodeName === nodeName && keys.has(`${a.application}\u0000${a.serverName}`))
    return {servers, adapters}
  }

  async loadObject(application: string, serverName: string, servant: string): Promise<ObjectRows> {
    // What MysqlStore.loadObject reads: the adapters by servant alone (MySQL's comparison: case and
    // trailing spaces ignored; the core keeps the exact servant), their own server rows, App.Server's rows.
    const loose = (s: string) => s.toLowerCase().replace(/ +$/, '')
    const adapters = this.data.adapters.filter((a) => loose(a.servant ?? '') === loose(servant))
    const keys = new Set(adapters.map((a) => serverKey(a.application, a.serverName, a.nodeName)))
    const own = serverKey(application, serverName, '')
    return {
      servers: this.data.servers.filter((s) => keys.has(serverKey(s.application, s.serverName, s.nodeName)) || serverKey(s.application, s.serverName, '') === own),
      adapters,
      registry: this.data.registry.filter((r) => loose(r.servant ?? '') === loose(servant)),
    }
  }

  async listServants(): Promise<string[]> {
    const names = new Set<string>()
    for (const a of this.data.adapters) if (a.servant) names.add(a.servant)
    for (const r of this.data.registry) if (r.servant) names.add(r.servant)
    return [...names].sort()
  }

  async loadAllAdapters(): Promise<{servers: ServerRow[]; adapters: AdapterRow[]}> {
    return {servers: this.data.servers, adapters: this.data.adapters}
  }

  async loadRegistry(): Promise<RegistryRow[]> {
    return this.data.registry
  }

  async loadGroups(): Promise<{rules: GroupRuleRow[]; priorities: GroupPriorityRow[]}> {
    return {rules: this.data.groupRules, priorities: this.data.groupPriorities}
  }

  async loadClientProfiles(): Promise<ClientProfiles> {
    return {templates: this.data.profileTemplates ?? [], servers: this.data.serverProfiles ?? []}
  }

  async recentChanges(): Promise<null> {
    // A snapshot keeps no change times: nothing can be said about the registry's reload window.
    return null
  }

  async snapshot(): Promise<Snapshot> {
    return this.data
  }

  async close(): Promise<void> {}
}
