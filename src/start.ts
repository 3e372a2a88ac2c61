/**
 * oclif, started with tarsnet's command list (src/commands.ts) handed over rather than found on disk:
 * oclif's explicit discovery would import package.json's target by path and read oclif.manifest.json
 * beside it, and the single-file bundle and the executable have neither. Loaded by src/main.ts once it
 * knows a command is to run.
 */
import {execute, Plugin} from '@oclif/core'

import {commands} from './commands.js'
import type {ManifestJson, PackageJson} from './main.js'

export async function startOclif(argv: string[], launch: {root: string; pjson: PackageJson; manifest?: ManifestJson}): Promise<void> {
  const pjson = launch.pjson as never
  const plugin = new Plugin({root: launch.root, pjson, isRoot: true})
  // Private fields of oclif's Plugin: if a new oclif renames them, test/bundle.test.ts (the bundle alone in
  // an empty directory) and every test through bin/run.js fail at once.
  ;(plugin as unknown as {commandCache: unknown}).commandCache = commands
  const carried = launch.manifest
  if (carried) {
    Object.assign(plugin, {_manifest: async () => Object.assign(plugin, {commandIDs: Object.keys(carried.commands), hasManifest: true}) && carried})
  }
  await plugin.load()
  await execute({args: argv, loadOptions: {root: launch.root, pjson, plugins: new Map([[plugin.name, plugin]])}})
}
