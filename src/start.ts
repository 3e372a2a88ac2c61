/**
 * oclif, started with tarsnet's command list (src/commands.ts) handed over rather than found on disk:
 * oclif's explicit discovery would import package.json's target by path and read oclif.manifest.json
 * beside it, and the single-file bundle and the executable have neither. Loaded by src/main.ts once it
 * knows a command is to run.
 */
import {Errors, execute, Plugin} from '@oclif/core'

import {loadAllCommands, loadCommand} from './commands.js'
import type {ManifestJson, PackageJson} from './main.js'

export async function startOclif(argv: string[], launch: {root: string; pjson: PackageJson; manifest?: ManifestJson}): Promise<void> {
  const pjson = launch.pjson as never
  const plugin = new Plugin({root: launch.root, pjson, isRoot: true})
  // oclif knows the commands from the manifest and loads a command's class when it runs it (or shows its
  // help): through findCommand, which here loads that one command's module alone. These are oclif Plugin
  // internals (findCommand, loadCommandsFromTarget, _manifest): if a new oclif changes them,
  // test/e2e/bundle.test.ts (the bundle alone in an empty directory) and every test through bin/run.cjs fail.
  Object.assign(plugin, {
    async findCommand(id: string, opts: {must?: boolean} = {}) {
      const cmd = await loadCommand(id)
      if (!cmd) return opts.must ? Errors.error(`command ${id} not found`) : undefined
      return Object.assign(cmd, {id, plugin})
    },
    // Every command at once: only without a manifest (oclif then builds one from the classes).
    loadCommandsFromTarget: loadAllCommands,
  })
  const carried = launch.manifest
  if (carried) {
    Object.assign(plugin, {_manifest: async () => Object.assign(plugin, {commandIDs: Object.keys(carried.commands), hasManifest: true}) && carried})
  }
  await withPlainLocaleCompare(() => plugin.load())
  await execute({args: argv, loadOptions: {root: launch.root, pjson, plugins: new Map([[plugin.name, plugin]])}})
}

/** A command id: lowercase words joined by ':' and '-', as every tarsnet id is. */
const PLAIN_ID = /^[a-z]+(?:[:-][a-z]+)*$/

/**
 * Runs `load` with String.prototype.localeCompare answering for two plain ids by code unit order. oclif's
 * Plugin.load sorts the commands with localeCompare, and the first call of it starts ICU's collator: about
 * 5 ms, a tenth of a short command's start. For such ids the order is the same (lowercase letters, then
 * '-' before ':' before letters, shorter first: test/e2e/startup.test.ts checks it against ICU); anything
 * else still goes to ICU.
 */
export async function withPlainLocaleCompare<T>(load: () => Promise<T>): Promise<T> {
  const native = String.prototype.localeCompare
  // eslint-disable-next-line no-extend-native
  String.prototype.localeCompare = function (this: string, that: string, ...rest: unknown[]): number {
    if (rest.length === 0 && typeof that === 'string' && PLAIN_ID.test(this) && PLAIN_ID.test(that)) return this < that ? -1 : this > that ? 1 : 0
    return native.call(this, that, ...(rest as [])) // eslint-disable-line @typescript-eslint/no-unsafe-argument
  } as typeof native
  try {
    return await load()
  } finally {
    String.prototype.localeCompare = native // eslint-disable-line no-extend-native
  }
}
