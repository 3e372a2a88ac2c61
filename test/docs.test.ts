/**
 * The generated docs are never stale: scripts/docs.mjs renders every command page (docs/commands/) and the
 * index (docs/README.md) in memory from the committed manifest, which the build writes from the commands and
 * messages/, and each must be on disk exactly so. A command, flag or help text changed without `npm run docs`
 * fails here, naming the page.
 */
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, it} from 'node:test'

import {pageName, renderAll} from '../scripts/docs.mjs'
import {ROOT} from './helpers/cli.js'

const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {description?: string; hidden?: boolean}>}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [])
}

describe('generated docs', () => {
  const files = renderAll(ROOT)

  it('every page is what `npm run docs` writes', () => {
    const stale: string[] = []
    for (const [path, text] of files) {
      const onDisk = existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : undefined
      if (onDisk !== text) stale.push(`${path} is ${onDisk === undefined ? 'missing' : 'stale'}`)
    }
    assert.deepEqual(stale, [], `run \`npm run docs\` and commit the result:\n  ${stale.join('\n  ')}`)
  })

  it('has a page for every command and none for a command that is gone', () => {
    const visible = Object.entries(manifest.commands).filter(([, c]) => !c.hidden).map(([id]) => pageName(id)).sort()
    assert.ok(visible.length >= 20)
    const pages = readdirSync(join(ROOT, 'docs', 'commands')).sort()
    assert.deepEqual(pages, visible, 'docs/commands/ does not match the commands: run `npm run docs`')
  })

  it('every messages/ file is the long help of a command, and is in its --help (the manifest)', () => {
    const dir = join(ROOT, 'messages')
    const orphans: string[] = []
    for (const file of markdownFiles(dir)) {
      const id = relative(dir, file).replace(/\.md$/, '').split(/[\\/]/).join(':')
      const command = manifest.commands[id]
      if (!command) orphans.push(`${relative(ROOT, file)}: no command ${id}`)
      else if (!command.description?.includes(readFileSync(file, 'utf8').trim())) orphans.push(`${relative(ROOT, file)}: not in the manifest (run \`npm run build\`)`)
    }
    assert.deepEqual(orphans, [])
  })

  it('the index lists every guide, reference page and benchmark', () => {
    const index = files.get('docs/README.md') ?? ''
    for (const dir of ['guides', 'reference', 'benchmarks']) {
      if (!existsSync(join(ROOT, 'docs', dir))) continue
      for (const f of readdirSync(join(ROOT, 'docs', dir)).filter((n) => n.endsWith('.md'))) assert.ok(index.includes(`](${dir}/${f})`), `docs/README.md does not list docs/${dir}/${f}`)
    }
  })
})
