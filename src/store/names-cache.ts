/**
 * The names a profile has seen, for shell completion: node names and object (servant) names, kept in
 * tarsnet's cache dir per profile (`~/.cache/tarsnet/names/PROFILE.json`). Completion must answer in a
 * blink and never reach for a database, so it reads this file (or the snapshot/demo the line names).
 *
 * Written as a side effect of normal work: whenever a command read the whole node list or the whole
 * servant list (nodes list, probe, snapshot save, resolve's picker…) from a database or a snapshot file,
 * those names replace the cached ones. Never the demo's; never a reason for a command to fail.
 */
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {ensureDirectory} from '../platform/safe-fs.js'

import type {Snapshot, Store} from './types.js'

export interface NamesCache {
  /** When each list was last replaced (ISO-8601), and from where. */
  updatedAt: string
  source: string
  nodes: string[]
  objects: string[]
}

export function namesCachePath(cacheDir: string, profile: string): string {
  return join(cacheDir, 'names', `${profile.replace(/[^A-Za-z0-9._-]/g, '_')}.json`)
}

export function readNamesCache(path: string): NamesCache | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as NamesCache
    return Array.isArray(data.nodes) && Array.isArray(data.objects) ? data : undefined
  } catch {
    return undefined
  }
}

/** Node and object names of a snapshot (file or demo). */
export function snapshotNames(snap: Pick<Snapshot, 'nodes' | 'adapters' | 'registry'>): {nodes: string[]; objects: string[]} {
  const objects = new Set<string>()
  for (const a of snap.adapters) if (a.servant) objects.add(a.servant)
  for (const r of snap.registry) if (r.servant) objects.add(r.servant)
  return {nodes: [...new Set(snap.nodes.map((n) => n.nodeName.trim()))].sort(), objects: [...objects].sort()}
}

/** Names seen by one run, to be merged into the cache when it ends. */
export class NamesSeen {
  nodes?: string[]
  objects?: string[]

  get any(): boolean {
    return this.nodes !== undefined || this.objects !== undefined
  }

  /**
   * The same store, noting the full lists it returns. A Proxy rather than a wrapper class, so a method
   * added to Store later passes straight through.
   */
  watch(store: Store): Store {
    return new Proxy(store, {
      get: (target, key) => {
        // Getters and methods run on the store itself (its private fields are not reachable through a proxy).
        const value = Reflect.get(target, key)
        if (typeof value !== 'function') return value
        const call = (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args)
        switch (key) {
          case 'loadNodes':
            return async (names?: string[]) => {
              const rows = (await call(names)) as Awaited<ReturnType<Store['loadNodes']>>
              if (names === undefined) this.nodes = rows.map((n) => n.nodeName.trim())
              return rows
            }
          case 'listServants':
            return async () => {
              const list = (await call()) as string[]
              this.objects = list
              return list
            }
          case 'snapshot':
            return async () => {
              const snap = (await call()) as Snapshot
              Object.assign(this, snapshotNames(snap))
              return snap
            }
          default:
            return call
        }
      },
    })
  }

  /** Merges what was seen into the cache file (temp file + rename); errors are swallowed: this is a cache. */
  save(path: string, source: string): void {
    if (!this.any) return
    try {
      const old = readNamesCache(path)
      const cache: NamesCache = {
        updatedAt: new Date().toISOString(),
        source,
        nodes: [...new Set(this.nodes ?? old?.nodes ?? [])].sort(),
        objects: [...new Set(this.objects ?? old?.objects ?? [])].sort(),
      }
      ensureDirectory(dirname(path))
      const tmp = `${path}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify(cache) + '\n', {mode: 0o600})
      renameSync(tmp, path)
    } catch {
      // A cache that cannot be written only makes completion poorer.
    }
  }
}
