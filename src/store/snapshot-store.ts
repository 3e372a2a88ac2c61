/**
 * The snapshot backend: the same rows as the database, from a JSON file written by `tarsnet snapshot save`
 * (or the built-in demo). During an incident the database may be unreachable; yesterday's snapshot
 * still tells which IPs to try.
 */
import {readFileSync} from 'node:fs'

import {UserError} from '../core/errors.js'
import {serverKey} from '../core/resolve.js'
import type {AdapterRow, GroupPriorityRow, GroupRuleRow, NodeRow, ObjectRows, RegistryRow, ServerRow} from '../core/rows.js'
import type {Snapshot, Store, StoreInfo} from './types.js'
// Part of the code, not a file beside it: the single-file bundle and the executable carry it inside.
import demoSnapshotJson from './demo-snapshot.json' with {type: 'json'}

const ARRAYS = ['nodes', 'servers', 'adapters', 'registry', 'groupRules', 'groupPriorities'] as const

/** Checks the shape of a parsed snapshot; throws a UserError naming the first thing wrong. */
export function validateSnapshot(data: unknown, where: string): Snapshot {
  const bad = (why: string) => new UserError(`snapshot ${where} is not a tarsnet snapshot: ${why}; write one with \`tarsnet snapshot save -o FILE\``, {code: 'invalid_snapshot'})
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('not a JSON object')
  const s = data as Record<string, unknown>
  if (s.format !== 'tarsnet-snapshot') throw bad('"format" is not "tarsnet-snapshot"')
  if (s.version !== 1) throw bad(`version ${JSON.stringify(s.version)} is not supported (this tarsnet reads version 1)`)
  for (const key of ARRAYS) {
    if (s[key] === undefined && (key === 'groupRules' || key === 'groupPriorities')) s[key] = []
    if (!Array.isArray(s[key])) throw bad(`"${key}" is not a list`)
  }
  const nodes = s.nodes as unknown[]
  nodes.forEach((n, i) => {
    if (typeof n !== 'object' || n === null || typeof (n as NodeRow).nodeName !== 'string') throw bad(`nodes[${i}] has no "nodeName"`)
  })
  // Snapshots saved before registry rows carried tars_version: their EndpointF.nodeName is unknown ('').
  for (const r of s.registry as Array<Record<string, unknown>>) {
    if (typeof r === 'object' && r !== null && typeof r.tarsVersion !== 'string') r.tarsVersion = ''
  }
  for (const key of ['servers', 'adapters'] as const) {
    ;(s[key] as unknown[]).forEach((r, i) => {
      if (typeof r !== 'object' || r === null || typeof (r as ServerRow).application !== 'string' || typeof (r as ServerRow).nodeName !== 'string') {
        throw bad(`${key}[${i}] has no "application" or "nodeName"`)
      }
    })
  }
  return s as unknown as Snapshot
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

  async recentChanges(): Promise<null> {
    // A snapshot keeps no change times: nothing can be said about the registry's reload window.
    return null
  }

  async snapshot(): Promise<Snapshot> {
    return this.data
  }

  async close(): Promise<void> {}
}
