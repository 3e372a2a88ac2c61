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

import {helpToMarkdown, pageName, renderAll, renderPage} from '../../scripts/docs.mjs'
import {ROOT} from '../helpers/cli.js'

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

  it('renders a command as its --help does: usage, arguments, flags by group, description, examples', () => {
    const page = renderPage('things:frob', {
      summary: 'Frob the things.',
      description: 'One paragraph.\nAnother, see docs/guides/monitoring.md.\n  term   its meaning\n  - a list item\n  - another',
      args: {thing: {name: 'thing', description: 'The thing.', required: true}},
      flags: {
        mode: {name: 'mode', type: 'option', char: 'm', options: ['a', 'b'], default: 'a', summary: 'How | why.', env: 'FROB_MODE'},
        watch: {name: 'watch', type: 'boolean', allowNo: true, summary: 'Keep going.'},
        json: {name: 'json', type: 'boolean', helpGroup: 'GLOBAL', description: 'JSON.'},
        secret: {name: 'secret', type: 'boolean', hidden: true, summary: 'Not shown.'},
      },
      examples: [{description: 'Once', command: '<%= config.bin %> <%= command.id %> x'}, '<%= config.bin %> <%= command.id %> y --watch'],
    })
    assert.equal(pageName('things:frob'), 'things-frob.md')
    assert.match(page, /^# tarsnet things frob$/m)
    assert.match(page, /```sh\ntarsnet things frob THING \[FLAGS\]\n```/)
    assert.match(page, /^\| `THING` \(required\) \| The thing\. \|$/m)
    assert.match(page, /^\| `-m, --mode=a\\\|b` \| How \\\| why\. \(default `a`; env `FROB_MODE`\) \|$/m)
    assert.match(page, /^\| `--\[no-\]watch` \| Keep going\. \|$/m)
    assert.ok(page.indexOf('## Flags') < page.indexOf('## Global flags'), 'the command\'s own flags first')
    assert.doesNotMatch(page, /secret/)
    assert.match(page, /One paragraph\.\n\nAnother, see \[docs\/guides\/monitoring\.md\]\(\.\.\/guides\/monitoring\.md\)\.\n\n- term   its meaning\n  - a list item\n  - another/)
    assert.match(page, /Once:\n\n```sh\ntarsnet things frob x\n```/)
    assert.match(page, /```sh\ntarsnet things frob y --watch\n```/)
    assert.equal(helpToMarkdown('a\nb'), 'a\n\nb')
  })
})
