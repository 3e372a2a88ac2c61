/**
 * The rooms of src/ import one way (docs/design.md §6). THE table of what each room may import is below;
 * an import outside it fails naming the file and the import, and no two rooms may reach each other,
 * directly or around a circle. The pure core imports nothing of ours and no module that does I/O.
 */
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, it} from 'node:test'

const SRC = join(import.meta.dirname, '..', '..', 'src')
const IO_MODULES = /^(node:)?(fs|net|dgram|child_process|http|https|tls|dns|os|worker_threads)(\/|$)|^mysql2|^@oclif|^@inquirer/

const LOW = ['core', 'platform']
const ENGINES = ['tars', 'ssh', 'probe']
const FEATURES = ['stat', 'mesh', 'registry', 'resolve', 'traffic', 'failover', 'exporter', 'lab', 'edit', 'nodes', 'check', 'impact']

/**
 * What each room may import. core: the pure rules. platform: low-level utilities (files, dirs, sleeps,
 * how tarsnet runs, text painting, tables). store: the rows (MySQL, snapshots, the demo) and their loaders.
 * Engines: the Tars protocol, the SSH fan-out, the prober. Features: one job each, built on the engines.
 * cli: the command frame (base command, IO, config, terminal, progress); it opens the store every command
 * reads, and knows no feature. options: flag groups several commands share, binding flags to a feature's
 * options. commands: one file per command. The entry files (src/*.ts) start everything.
 */
const ALLOWED: Record<string, string[]> = {
  core: [],
  platform: ['core'],
  store: [...LOW],
  tars: [...LOW],
  ssh: [...LOW],
  probe: [...LOW, 'store', 'tars'],
  stat: [...LOW, 'store'],
  mesh: [...LOW, 'store', 'probe', 'ssh'],
  registry: [...LOW, 'store', 'probe', 'tars'],
  resolve: [...LOW, 'store', 'registry'],
  traffic: [...LOW, 'store', 'stat'],
  failover: [...LOW, 'store', 'stat'],
  exporter: [...LOW, 'store', ...ENGINES, 'mesh', 'registry'],
  lab: [...LOW, 'store', ...ENGINES, 'registry'],
  edit: [...LOW, 'store'],
  nodes: [...LOW, 'store'],
  check: [...LOW, 'store', 'stat', 'traffic', 'failover'],
  impact: [...LOW, 'store', 'stat', 'failover'],
  cli: [...LOW, 'store'],
  options: [...LOW, 'store', 'cli', ...ENGINES, ...FEATURES],
  commands: [...LOW, 'store', 'cli', 'options', ...ENGINES, ...FEATURES],
  entry: [...LOW, 'store', 'cli', 'commands', ...ENGINES, ...FEATURES],
}

function walk(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

function importsOf(source: string): string[] {
  const specs: string[] = []
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1] ?? m[2])
  return specs
}

/** The room of a file under src/: its first folder, or 'entry' for the start-up files at the top. */
function roomOf(file: string): string {
  const rel = relative(SRC, file)
  return rel.includes('/') ? rel.split('/')[0] : 'entry'
}

/** Every import between two rooms: [from file, to file, from room, to room], paths relative to src/. */
function crossings(): Array<[string, string, string, string]> {
  const out: Array<[string, string, string, string]> = []
  for (const file of walk(SRC)) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts')
      const [from, to] = [roomOf(file), roomOf(target)]
      if (from !== to) out.push([relative(SRC, file), relative(SRC, target), from, to])
    }
  }
  return out
}

describe('layering', () => {
  it('every room of src/ is in the table', () => {
    const rooms = readdirSync(SRC, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name)
    assert.deepEqual(rooms.filter((r) => !(r in ALLOWED)), [])
  })

  it('every import between rooms is one the table allows', () => {
    const offenders = crossings()
      .filter(([, , from, to]) => !ALLOWED[from]?.includes(to))
      .map(([file, target]) => `${file} → ${target}`)
    assert.deepEqual(offenders, [], 'imports the table does not allow')
  })

  it('no two rooms reach each other, directly or around a circle', () => {
    const edges = new Map<string, Set<string>>()
    for (const [, , from, to] of crossings()) {
      if (!edges.has(from)) edges.set(from, new Set())
      edges.get(from)!.add(to)
    }
    const circles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (room: string, path: string[]): void => {
      if (state.get(room) === 'done') return
      if (state.get(room) === 'open') {
        circles.push([...path.slice(path.indexOf(room)), room].join(' → '))
        return
      }
      state.set(room, 'open')
      for (const next of edges.get(room) ?? []) visit(next, [...path, room])
      state.set(room, 'done')
    }
    for (const room of edges.keys()) visit(room, [])
    assert.deepEqual(circles, [])
  })

  it('src/core imports only src/core and no I/O module', () => {
    const offenders: string[] = []
    const core = join(SRC, 'core')
    for (const file of walk(core)) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.') ? roomOf(resolve(dirname(file), spec)) !== 'core' : IO_MODULES.test(spec)) offenders.push(`${relative(SRC, file)} → ${spec}`)
      }
    }
    assert.deepEqual(offenders, [])
  })
})
