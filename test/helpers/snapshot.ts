/**
 * Snapshot files for tests, written once here: a node row with sensible defaults, and a whole snapshot
 * (tarsnet snapshot save's format) of the given rows on the given networks.
 */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Snapshot} from '../../src/store/types.js'
import type {AdapterRow, NodeRow, ServerRow} from '../../src/core/rows.js'

const now = () => new Date().toISOString()

/** A t_node_info row: active, heartbeat now, TarsCpp 3.0.19, with `ipList` as its IP-list column. */
export function nodeRow(name: string, ipList: string, extra: Partial<Record<keyof NodeRow, unknown>> = {}): NodeRow {
  const at = now()
  return {nodeName: name, nodeObj: '', endpointIp: '', endpointPort: 0, presentState: 'active', settingState: 'active', lastHeartbeat: at, lastRegTime: at, tarsVersion: '3.0.19', ipList, ...extra} as unknown as NodeRow
}

/** A t_server_conf row of `application`.`serverName` on `nodeName`: active, no IDC group, no set. */
export function serverRow(application: string, serverName: string, nodeName: string, extra: Partial<ServerRow> = {}): ServerRow {
  return {application, serverName, nodeName, settingState: 'active', presentState: 'active', flowState: 'active', bakFlag: 0, enableGroup: 'N', enableSet: 'N', setName: '', setArea: '', setGroup: '', ipGroupName: '', serverType: 'tars_node', ...extra}
}

/** A t_adapter_conf row: `servant` of that server on `nodeName` at `endpoint`, adapter `<servant>Adapter`, protocol tars. */
export function adapterRow(application: string, serverName: string, nodeName: string, servant: string, endpoint: string, extra: Partial<AdapterRow> = {}): AdapterRow {
  return {application, serverName, nodeName, adapterName: `${servant}Adapter`, endpoint, servant, protocol: 'tars', ...extra}
}

/** A snapshot of `rows` (nodes and the rest; every table empty unless given), networks given as name → CIDRs. */
export function snapshotOf(rows: Partial<Record<keyof Snapshot, unknown>> & {networks?: Snapshot['networks']} = {}, source = 'test'): Snapshot {
  return {
    format: 'tarsnet-snapshot', version: 1, takenAt: now(), source, ipListColumn: 'ip_list', ipListColumnPresent: true,
    nodes: [], servers: [], adapters: [], registry: [], groupRules: [], groupPriorities: [],
    ...rows,
  } as Snapshot
}

/** Two networks as a snapshot saves them: x and y on the given CIDRs. */
export function networksXY(x: string, y: string): Snapshot['networks'] {
  return [{name: 'x', cidrs: [x]}, {name: 'y', cidrs: [y]}]
}

let scratch: string | undefined

/** Writes `snapshot` (or any JSON a test wants read as one) to a new file and returns its path. */
export function writeSnapshot(snapshot: unknown, dir?: string): string {
  dir ??= scratch ??= mkdtempSync(join(tmpdir(), 'tarsnet-test-snapshots-'))
  const file = join(dir, `snap-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(snapshot))
  return file
}
