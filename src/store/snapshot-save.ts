/**
 * `snapshot save`: the rows tarsnet reads, with the networks configured when it was taken, as the text a
 * snapshot file holds; and that text written so an interrupted save never leaves half a file in place.
 */
import {renameSync, rmSync, writeFileSync} from 'node:fs'

import {UserError} from '../core/errors.js'
import type {Network} from '../core/networks.js'
import type {Snapshot, Store} from './types.js'

export interface TakenSnapshot {
  snapshot: Snapshot
  /** The file's text: the snapshot as JSON. */
  text: string
  counts: {nodes: number; servers: number; adapters: number; registry: number}
}

export async function takeSnapshot(store: Store, configuredNetworks: Network[]): Promise<TakenSnapshot> {
  const snapshot = await store.snapshot()
  if (configuredNetworks.length > 0) snapshot.networks = configuredNetworks
  const text = JSON.stringify(snapshot, null, 1) + '\n'
  return {snapshot, text, counts: {nodes: snapshot.nodes.length, servers: snapshot.servers.length, adapters: snapshot.adapters.length, registry: snapshot.registry.length}}
}

/** Writes then renames, readable by the owner only; a file that cannot be written is one line naming it. */
export function writeSnapshotFile(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, text, {mode: 0o600})
    renameSync(tmp, path)
  } catch (error) {
    try {
      rmSync(tmp, {force: true})
    } catch {
      // nothing was written there
    }
    throw new UserError(`cannot write snapshot ${path}: ${(error as {code?: string}).code ?? (error as Error).message}; choose another -o path`, {code: 'write_failed'})
  }
}
