/**
 * `tarsnet autocomplete --complete -- WORDS…`: what the shell scripts call on every Tab. Runs before oclif
 * is loaded (src/main.ts), so it finds tarsnet's config and cache dirs the way oclif does, by itself.
 * Names come from the source the line names: `--demo` (the built-in cluster), `--snapshot FILE`, or the
 * profile's names cache (store/names-cache.ts), never from a database.
 */
import {readFileSync} from 'node:fs'

import {completeLine, formatCompletion, type CompletionCommand, type CompletionSources, type LineSource} from '../core/completion.js'
import demoSnapshotJson from '../store/demo-snapshot.json' with {type: 'json'}
import {namesCachePath, readNamesCache, snapshotNames} from '../store/names-cache.js'
import type {Snapshot} from '../store/types.js'
import {readConfigFile, defaultConfigPath, type ConfigFile} from './config/file.js'
import {tarsnetDirs} from '../platform/dirs.js'

export interface CompletionContext {
  manifest: {commands: Record<string, unknown>}
  pjson: {oclif: Record<string, unknown>}
  env: NodeJS.ProcessEnv
}

/** The completion lines for `words` (the words after `tarsnet`, the last one being completed). */
export function complete(words: string[], context: CompletionContext): string {
  const {env} = context
  const oclif = context.pjson.oclif as {bin?: string; dirname?: string; topics?: Record<string, {description?: string}>}
  const {configDir, cacheDir} = tarsnetDirs(oclif.dirname ?? oclif.bin ?? 'tarsnet', env)
  const args = words[0] === '--' ? words.slice(1) : words

  const configFile = (line: LineSource): {path: string; file: ConfigFile} => {
    const path = line.config ?? env.TARSNET_CONFIG ?? defaultConfigPath(configDir)
    try {
      return {path, file: readConfigFile(path)}
    } catch {
      return {path, file: {profiles: {}}}
    }
  }
  const profileOf = (line: LineSource): string => line.profile ?? env.TARSNET_PROFILE ?? configFile(line).file.defaultProfile ?? 'default'
  const snapshotOf = (line: LineSource): Pick<Snapshot, 'nodes' | 'adapters' | 'registry' | 'networks'> | undefined => {
    if (line.demo) return demoSnapshotJson as unknown as Snapshot
    if (!line.snapshot) return undefined
    try {
      return JSON.parse(readFileSync(line.snapshot, 'utf8')) as Snapshot
    } catch {
      return undefined
    }
  }
  const names = (line: LineSource): {nodes: string[]; objects: string[]} => {
    const snap = snapshotOf(line)
    if (snap) {
      try {
        return snapshotNames(snap)
      } catch {
        return {nodes: [], objects: []}
      }
    }
    return readNamesCache(namesCachePath(cacheDir, profileOf(line))) ?? {nodes: [], objects: []}
  }

  const sources: CompletionSources = {
    profiles: () => Object.keys(configFile({demo: false}).file.profiles ?? {}).sort(),
    nodes: (line) => names(line).nodes,
    objects: (line) => names(line).objects,
    networks: (line) => {
      const snap = snapshotOf(line)
      if (snap?.networks) return snap.networks.map((n) => n.name)
      const profile = configFile(line).file.profiles?.[profileOf(line)]
      const spec = profile?.networks
      if (Array.isArray(spec)) return spec.map((n) => n.name)
      if (typeof spec === 'string') return spec.split(';').map((part) => part.split('=')[0].trim()).filter(Boolean)
      return []
    },
  }
  const commands = context.manifest.commands as Record<string, CompletionCommand>
  return formatCompletion(completeLine(args, commands, oclif.topics ?? {}, sources))
}
