/**
 * Shell completion, the shell-independent part: given the words of a command line (after `tarsnet`, the last
 * one being completed) and the manifest, what may come next. The scripts `tarsnet autocomplete bash|zsh`
 * prints call `tarsnet autocomplete --complete -- WORDS…` on every Tab and show what this returns.
 * Values that live outside the manifest (profile, node, object and network names) come from `sources`,
 * asked only when the cursor is where such a value goes.
 */

import {escapeControl} from './text.js'

export interface CompletionFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  options?: string[]
  multiple?: boolean
  hidden?: boolean
  allowNo?: boolean
  summary?: string
  description?: string
}

export interface CompletionCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  aliases?: string[]
  flags: Record<string, CompletionFlag>
  args: Record<string, {name: string; options?: string[]; description?: string}>
}

export interface CompletionSources {
  profiles(): string[]
  /** Node and object names for the source the line names (--demo, --snapshot FILE, --profile NAME). */
  nodes(line: LineSource): string[]
  objects(line: LineSource): string[]
  networks(line: LineSource): string[]
}

/** What the line already says about where data comes from. */
export interface LineSource {
  demo: boolean
  snapshot?: string
  profile?: string
  config?: string
}

export interface Candidate {
  value: string
  description: string
}

/** The answer: candidates, or "complete a file name here" (the shell does that best). */
export type Completion = {files: true} | {files: false; candidates: Candidate[]}

/** Kinds of value a flag or an argument takes, by its name (the same name means the same thing everywhere). */
const VALUE_KIND: Record<string, 'node' | 'object' | 'network' | 'profile' | 'file'> = {
  node: 'node',
  write: 'node',
  object: 'object',
  raft: 'object',
  network: 'network',
  missing: 'network',
  profile: 'profile',
  snapshot: 'file',
  config: 'file',
  output: 'file',
  file: 'file',
  'from-probe': 'file',
  'from-mesh': 'file',
}

const firstLine = (text: string | undefined): string => (text ?? '').split('\n')[0].trim()

export function completeLine(words: string[], commands: Record<string, CompletionCommand>, topics: Record<string, {description?: string}>, sources: CompletionSources): Completion {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  const visible = Object.values(commands).filter((c) => !c.hidden)

  // The command: the longest run of leading words that names one (ids use ':', the line uses spaces).
  let command: CompletionCommand | undefined
  let used = 0
  for (let n = 1; n <= before.length && !before[n - 1].startsWith('-'); n++) {
    const id = before.slice(0, n).join(':')
    const found = commands[id] ?? visible.find((c) => c.aliases?.includes(id))
    if (found) {
      command = found
      used = n
    }
  }

  if (!command) {
    const path = before.filter((w) => !w.startsWith('-'))
    if (current.startsWith('-')) return list([{value: '--help', description: 'Show help'}, {value: '--version', description: 'Show the version'}], current)
    // Next word of a command id under the topic typed so far: `nodes l` → list.
    const prefix = path.length > 0 ? `${path.join(':')}:` : ''
    const next = new Map<string, string>()
    for (const c of visible) {
      if (!c.id.startsWith(prefix)) continue
      const rest = c.id.slice(prefix.length).split(':')
      const word = rest[0]
      if (next.has(word)) continue
      const topicId = prefix + word
      next.set(word, rest.length > 1 ? firstLine(topics[topicId]?.description) || `${word} commands` : firstLine(c.summary ?? c.description))
    }
    return list([...next].map(([value, description]) => ({value, description})), current)
  }

  const flags = Object.values(command.flags).filter((f) => !f.hidden)
  const byName = (word: string): CompletionFlag | undefined => {
    if (word.startsWith('--')) return flags.find((f) => f.name === word.slice(2))
    if (/^-[^-]$/.test(word)) return flags.find((f) => f.char === word.slice(1))
    return undefined
  }
  const rest = before.slice(used)
  const line = lineSource(rest, byName)

  // --flag=value: the value, written back with its flag.
  const eq = /^(--[^=]+)=(.*)$/.exec(current)
  if (eq) {
    const flag = byName(eq[1])
    if (!flag || flag.type !== 'option') return {files: false, candidates: []}
    const values = flagValues(flag, sources, line)
    if (values === 'files') return {files: true}
    return list(values.map((v) => ({value: `${eq[1]}=${v.value}`, description: v.description})), current)
  }

  // After an option flag: its value.
  const previous = rest.at(-1)
  const previousFlag = previous !== undefined && !previous.includes('=') ? byName(previous) : undefined
  if (previousFlag?.type === 'option') {
    const values = flagValues(previousFlag, sources, line)
    return values === 'files' ? {files: true} : list(values, current)
  }

  if (current.startsWith('-')) {
    const given = new Set(rest.map((w) => byName(w.split('=')[0])).filter((f): f is CompletionFlag => f !== undefined))
    const out: Candidate[] = []
    for (const f of flags) {
      if (given.has(f) && !f.multiple) continue
      out.push({value: `--${f.name}`, description: firstLine(f.summary ?? f.description)})
      if (f.allowNo) out.push({value: `--no-${f.name}`, description: firstLine(f.summary ?? f.description)})
    }
    if (!given.size) out.push({value: '--help', description: 'Show help for this command'})
    return list(out, current)
  }

  // A positional argument: which one is the count of positional words so far.
  let position = 0
  for (let i = 0; i < rest.length; i++) {
    const flag = byName(rest[i].split('=')[0])
    if (flag) {
      if (flag.type === 'option' && !rest[i].includes('=')) i++
      continue
    }
    if (!rest[i].startsWith('-')) position++
  }
  const arg = Object.values(command.args)[position]
  if (!arg) return {files: false, candidates: []}
  if (arg.options) return list(arg.options.map((o) => ({value: o, description: ''})), current)
  const values = valuesOfKind(VALUE_KIND[arg.name], sources, line)
  return values === 'files' ? {files: true} : list(values, current)
}

function lineSource(rest: string[], byName: (w: string) => CompletionFlag | undefined): LineSource {
  const line: LineSource = {demo: false}
  for (let i = 0; i < rest.length; i++) {
    const [word, inline] = rest[i].includes('=') ? [rest[i].slice(0, rest[i].indexOf('=')), rest[i].slice(rest[i].indexOf('=') + 1)] : [rest[i], undefined]
    const flag = byName(word)
    if (!flag) continue
    if (flag.name === 'demo') line.demo = true
    if (flag.type !== 'option') continue
    const value = inline ?? rest[i + 1]
    if (inline === undefined) i++
    if (value === undefined) continue
    if (flag.name === 'snapshot') line.snapshot = value
    if (flag.name === 'profile') line.profile = value
    if (flag.name === 'config') line.config = value
  }
  return line
}

function flagValues(flag: CompletionFlag, sources: CompletionSources, line: LineSource): Candidate[] | 'files' {
  if (flag.options) return flag.options.map((o) => ({value: o, description: ''}))
  return valuesOfKind(VALUE_KIND[flag.name], sources, line)
}

function valuesOfKind(kind: (typeof VALUE_KIND)[string] | undefined, sources: CompletionSources, line: LineSource): Candidate[] | 'files' {
  // A name holding a control character is no completion (the shell would print it as it is, and it cannot be typed).
  const plain = (names: string[], description: string) => names.filter((value) => escapeControl(value) === value).map((value) => ({value, description}))
  switch (kind) {
    case 'file': return 'files'
    case 'profile': return plain(sources.profiles(), 'profile')
    case 'node': return plain(sources.nodes(line), 'node')
    case 'object': return plain(sources.objects(line), 'object')
    case 'network': return plain(sources.networks(line), 'network')
    default: return []
  }
}

function list(candidates: Candidate[], current: string): Completion {
  const seen = new Set<string>()
  return {
    files: false,
    candidates: candidates.filter((c) => c.value.startsWith(current) && !seen.has(c.value) && seen.add(c.value)),
  }
}

/** The lines `autocomplete --complete` prints: `__files__`, or one `value<TAB>description` per candidate. */
export function formatCompletion(result: Completion): string {
  if (result.files) return '__files__\n'
  return result.candidates.map((c) => `${c.value}\t${c.description.replace(/[\t\n]/g, ' ')}\n`).join('')
}
