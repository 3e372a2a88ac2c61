/**
 * The layers point one way (docs/design.md §6): the pure core imports nothing of ours from outside src/core and
 * no module that does I/O, so it can be read, tested and reused alone.
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

const CORE = join(import.meta.dirname, '..', 'src', 'core')
const IO_MODULES = /^(node:)?(fs|net|dgram|child_process|http|https|tls|dns|os|worker_threads)(\/|$)|^mysql2|^@oclif|^@inquirer/

function importsOf(source: string): string[] {
  const specs: string[] = []
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1] ?? m[2])
  return specs
}

describe('layering', () => {
  it('src/core imports only src/core and no I/O module', () => {
    const offenders: string[] = []
    for (const file of readdirSync(CORE).filter((f) => f.endsWith('.ts'))) {
      for (const spec of importsOf(readFileSync(join(CORE, file), 'utf8'))) {
        if (spec.startsWith('.') ? !spec.startsWith('./') : IO_MODULES.test(spec)) offenders.push(`${file} → ${spec}`)
      }
    }
    assert.deepEqual(offenders, [])
  })
})
