/** Small text helpers shared by every command: natural order, globs, "did you mean". */

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/** Where the run of digits (or of non-digits) starting at `from` ends. */
function chunkEnd(s: string, from: number): number {
  const digits = isDigit(s.charCodeAt(from))
  let i = from + 1
  while (i < s.length && isDigit(s.charCodeAt(i)) === digits) i++
  return i
}

function chunkCount(s: string, from: number): number {
  let n = 0
  for (let i = from; i < s.length; i = chunkEnd(s, i)) n++
  return n
}

/**
 * Natural order: "10.10.0.9" before "10.10.0.10", "node2" before "node10". Runs of digits compare as
 * numbers (equal numbers: the shorter spelling first), other runs as strings, then the one with fewer runs
 * first. Walked in place, without splitting: sorting a whole cluster's names calls it millions of times.
 */
export function naturalCompare(a: string, b: string): number {
  if (a === b) return 0
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const ea = chunkEnd(a, i)
    const eb = chunkEnd(b, j)
    let same = ea - i === eb - j
    for (let k = 0; same && k < ea - i; k++) same = a.charCodeAt(i + k) === b.charCodeAt(j + k)
    if (!same) {
      const x = a.slice(i, ea)
      const y = b.slice(j, eb)
      if (isDigit(x.charCodeAt(0)) && isDigit(y.charCodeAt(0))) {
        const d = Number(x) - Number(y)
        if (d !== 0) return d
        return x.length - y.length
      }
      return x < y ? -1 : 1
    }
    i = ea
    j = eb
  }
  return chunkCount(a, i) - chunkCount(b, j)
}

/** A shell-style glob (`*`, `?`, `[abc]`) as an anchored, case-insensitive RegExp. */
export function globToRegExp(glob: string): RegExp {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1)
      if (end < 0) out += '\\['
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\')
        out += body.startsWith('!') ? `[^${body.slice(1)}]` : `[${body}]`
        i = end
      }
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&')
  }
  return new RegExp(`^${out}$`, 'i')
}

/** A pattern matcher: a glob when it has wildcards, else an exact (case-insensitive) match. */
export function matcher(pattern: string | undefined): (name: string) => boolean {
  if (!pattern) return () => true
  const re = globToRegExp(pattern)
  return (name) => re.test(name)
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]
    prev[0] = i
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1))
      diag = up
    }
  }
  return prev[b.length]
}

/** The names closest to `wanted` (substring matches first, then by edit distance), at most `limit`. */
export function closestNames(wanted: string, names: Iterable<string>, limit = 3): string[] {
  const w = wanted.toLowerCase()
  const scored: Array<{name: string; score: number}> = []
  for (const name of names) {
    const n = name.toLowerCase()
    const distance = editDistance(w, n)
    const score = n.includes(w) || w.includes(n) ? distance - 1000 : distance
    // Far-off names are noise, not suggestions.
    if (score < 0 || distance <= Math.max(2, Math.floor(Math.max(w.length, n.length) / 2))) scored.push({name, score})
  }
  return scored.sort((a, b) => a.score - b.score || naturalCompare(a.name, b.name)).slice(0, limit).map((s) => s.name)
}

/** "12 s ago", "4 min ago", "3 h ago", "2 d ago". */
export function formatAge(seconds: number): string {
  if (seconds < 0) return 'in the future'
  if (seconds < 120) return `${Math.round(seconds)} s ago`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h ago`
  return `${Math.round(seconds / 86_400)} d ago`
}

/**
 * A value as a message may show it: at most `max` characters, the cut said with its full length, so a
 * 50 MB field in a file is named, not echoed. Control characters are shown escaped (JSON-style).
 */
export function clip(text: string, max = 80): string {
  const s = String(text)
  const head = s.length > max ? s.slice(0, max) : s
  // eslint-disable-next-line no-control-regex
  const shown = head.replace(/[\u0000-\u001F\u007F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return s.length > max ? `${shown}… (${s.length} characters)` : shown
}

/**
 * Characters that must never reach a terminal as they are: C0 controls (ESC starts a sequence that can
 * clear the screen or recolour the table, NUL, BEL…), DEL, C1 controls (U+009B is another CSI), and the
 * bidirectional controls (U+202E turns the rest of a line around) and line separators.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g

/** How a control character is shown: `\x1b`, `\0`… for controls, `\u202e` for the others. */
function escapeOne(c: string): string {
  const code = c.codePointAt(0)!
  if (c === '\n') return '\\n'
  if (c === '\r') return '\\r'
  if (c === '\t') return '\\t'
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** A value from outside (the database, a file) made safe to print: every control character escaped, visibly. */
export function escapeControl(text: string): string {
  CONTROL.lastIndex = 0
  return CONTROL.test(text) ? text.replace(CONTROL, escapeOne) : text
}

/**
 * Text about to be printed, made safe: every control character escaped except line breaks (tarsnet's own
 * colour is not made of control characters until the very end: see platform/paint.ts, forTerminal).
 */
export function escapeControlForOutput(text: string): string {
  CONTROL.lastIndex = 0
  return CONTROL.test(text) ? text.replace(CONTROL, (c) => (c === '\n' ? c : escapeOne(c))) : text
}
