// Runs every test/**/*.test.ts with Node's own test runner (Node 20 has no glob support in --test).
import {spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'

function find(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [])
}

const only = process.argv.slice(2)
const files = only.length > 0 ? only : find('test').sort()
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {stdio: 'inherit'})
process.exit(result.status ?? 1)
