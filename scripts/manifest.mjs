// Writes oclif.manifest.json from the command list (src/commands.ts, built as dist/commands.js: package.json's
// explicit discovery target), so help and completion never load the commands, and the single-file bundle
// carries every command's flags inside it.
// (The `oclif` packaging CLI would do the same but drags in a large dependency tree and needs Node 22.)
//
// A command's long help may go on in messages/<command path>.md (messages/nodes/list.md for `nodes list`):
// its text is appended to the command's description here, so `--help` (which reads the manifest) and the
// command's page (scripts/docs.mjs, also from the manifest) show the same words, written once, and no
// command loads them when it runs.
import {Config} from '@oclif/core'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// The old manifest would be read back instead of the commands: remove it first.
rmSync(new URL('../oclif.manifest.json', import.meta.url), {force: true})
const config = await Config.load({root, ignoreManifest: true})
const plugin = config.plugins.get(config.pjson.name)
/** The long help of a command id, from messages/ (or undefined). */
function longHelp(id) {
  const file = `${root}messages/${id.split(':').join('/')}.md`
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined
}
// Commands in name order: the file is committed, and discovery order varies from build to build.
const commands = Object.fromEntries(Object.entries(plugin.manifest.commands).sort(([a], [b]) => a.localeCompare(b)).map(([id, command]) => {
  const more = longHelp(id)
  if (more === undefined) return [id, command]
  return [id, {...command, description: [command.description?.trim(), more].filter(Boolean).join('\n\n')}]
}))
const manifest = {...plugin.manifest, commands, version: config.version}
// The single-file bundle carries the manifest inside a /* comment */ (scripts/build.mjs): help text must not end it.
for (const [id, command] of Object.entries(commands)) {
  if (JSON.stringify(command).includes('*/')) throw new Error(`the help of ${id} contains "*/", which would end the comment the single-file bundle carries the manifest in: reword it (messages/ or the command)`)
}
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`)
