/**
 * Every tarsnet command, by id: THE list (oclif's explicit command discovery, package.json
 * `oclif.commands`). The install, the manifest (scripts/manifest.mjs), the single-file bundle and the
 * executable all read this one list; nothing scans src/commands/. A new command is a file under
 * src/commands/ AND a line here (test/cli/command-list.test.ts fails on a file that is not listed).
 * Ids are the file's path under src/commands/ with ':' for '/', so `tarsnet nodes list` is 'nodes:list'.
 *
 * Each entry loads its module when called: a command run loads that command's code alone (src/start.ts),
 * not every command's (the exporter's HTTP server, the probe engine, the editors...) at every start.
 */
import type {Command} from '@oclif/core'

export const commands: Record<string, () => Promise<{default: Command.Class}>> = {
  autocomplete: () => import('./commands/autocomplete.js'),
  check: () => import('./commands/check.js'),
  'config:show': () => import('./commands/config/show.js'),
  'db:migrate': () => import('./commands/db/migrate.js'),
  demo: () => import('./commands/demo.js'),
  exporter: () => import('./commands/exporter.js'),
  failover: () => import('./commands/failover.js'),
  impact: () => import('./commands/impact.js'),
  init: () => import('./commands/init.js'),
  mesh: () => import('./commands/mesh.js'),
  'nodes:add-ip': () => import('./commands/nodes/add-ip.js'),
  'nodes:detect': () => import('./commands/nodes/detect.js'),
  'nodes:edit': () => import('./commands/nodes/edit.js'),
  'nodes:history': () => import('./commands/nodes/history.js'),
  'nodes:import': () => import('./commands/nodes/import.js'),
  'nodes:list': () => import('./commands/nodes/list.js'),
  'nodes:remove-ip': () => import('./commands/nodes/remove-ip.js'),
  'nodes:set-ips': () => import('./commands/nodes/set-ips.js'),
  'nodes:show': () => import('./commands/nodes/show.js'),
  probe: () => import('./commands/probe.js'),
  'registry:check': () => import('./commands/registry/check.js'),
  resolve: () => import('./commands/resolve.js'),
  'snapshot:save': () => import('./commands/snapshot/save.js'),
  traffic: () => import('./commands/traffic.js'),
}

/** The command class of `id`, loaded; undefined when there is no such command. */
export async function loadCommand(id: string): Promise<Command.Class | undefined> {
  return Object.hasOwn(commands, id) ? (await commands[id]()).default : undefined
}

/** Every command class, by id (the manifest build and the tests). */
export async function loadAllCommands(): Promise<Record<string, Command.Class>> {
  return Object.fromEntries(await Promise.all(Object.keys(commands).map(async (id) => [id, (await loadCommand(id))!] as const)))
}
