/**
 * Tables, kubectl-style (no boxes, two spaces between columns), fitted to the terminal width, in time
 * linear in the size of the table: every cell is measured once and wrapped once. (cli-table3, used
 * before, was quadratic: 312 s for `nodes list` at 50,000 nodes.)
 *
 * Fitting never cuts a value: when the natural width does not fit, the columns named in `squeeze`
 * (states, ages, problems: words) give up space first and wrap, breaking a word only when it is longer
 * than the column; then the other columns wrap between words, never inside one, so an IP, a port, a node
 * or an object name is never cut. A table that still does not fit is left wider than the terminal (the
 * terminal wraps the line) rather than lose a character.
 */
import {escapeControlForOutput} from '../core/text.js'
import {PAINT_MARK, visibleLength} from './paint.js'

export interface TableOptions {
  /** The width to fit: the screen's (Screen.width), decided by the IO. */
  width: number
  /** Headings of the columns that shrink first and may break their words (prose, not names). */
  squeeze?: string[]
}

const GAP = '  '
/** A squeezed column keeps at least this many characters (or its heading's width, if narrower). */
const MIN_SQUEEZED = 6

/** paint()'s marks (zero width): around a cell, kept on every wrapped piece; inside a word, never split. */
const LEADING_MARKS = new RegExp(`^(?:${PAINT_MARK})+`)
const TRAILING_MARKS = new RegExp(`(?:${PAINT_MARK})+$`)
const MARK_OR_CHAR = new RegExp(`${PAINT_MARK}|[\\s\\S]`, 'gu')

interface Column {
  natural: number
  /** The widest word (never broken, unless the column is squeezed). */
  longestWord: number
  squeeze: boolean
}

/** Renders rows under a header, fitted to the width. */
export function renderTable(head: string[], rows: string[][], options: TableOptions): string {
  const width = options.width
  const squeezed = new Set(options.squeeze ?? [])
  const columns: Column[] = head.map((h) => ({natural: visibleLength(h), longestWord: longestWord(h), squeeze: squeezed.has(h)}))
  const cells: string[][][] = rows.map((r) => head.map((_, i) => {
    // Control characters in a cell are shown escaped (they would move the cursor or recolour the table),
    // before it is measured: `\x1b[31m` takes eight columns. Only paint()'s marks are colour.
    const lines = escapeControlForOutput(String(r[i] ?? '')).split('\n')
    const c = columns[i]
    for (const line of lines) {
      const n = visibleLength(line)
      if (n > c.natural) c.natural = n
      if (n > c.longestWord) {
        const w = longestWord(line)
        if (w > c.longestWord) c.longestWord = w
      }
    }
    return lines
  }))
  const widths = fit(columns, head, width - GAP.length * (head.length - 1))
  const out: string[] = []
  const emit = (lines: string[][]) => {
    const wrapped = lines.map((cell, i) => (columns[i].natural <= widths[i] ? cell : cell.flatMap((l) => wrapLine(l, widths[i], columns[i].squeeze))))
    const height = Math.max(...wrapped.map((c) => c.length))
    const last = wrapped.length - 1
    for (let k = 0; k < height; k++) {
      let line = ''
      for (let i = 0; i <= last; i++) {
        const text = wrapped[i][k] ?? ''
        line += i === last ? text : text + ' '.repeat(Math.max(0, widths[i] - visibleLength(text))) + GAP
      }
      out.push(line.trimEnd())
    }
  }
  emit(head.map((h) => [h]))
  for (const row of cells) emit(row)
  return out.join('\n')
}

/** Column widths: natural when the table fits; else squeezed columns first, then the others down to their widest word. */
function fit(columns: Column[], head: string[], room: number): number[] {
  const widths = columns.map((c) => c.natural)
  let excess = widths.reduce((a, b) => a + b, 0) - room
  if (excess <= 0) return widths
  // Three passes: squeezed columns down to their widest word, then the others down to theirs (no word
  // is ever cut there), then squeezed columns further, breaking their words.
  const wordFloors = columns.map((c, i) => Math.min(c.natural, Math.max(c.longestWord, c.squeeze ? 0 : longestWord(head[i]))))
  const passes: Array<{squeeze: boolean; floors: number[]}> = [
    {squeeze: true, floors: wordFloors},
    {squeeze: false, floors: wordFloors},
    {squeeze: true, floors: columns.map((c, i) => Math.min(c.natural, Math.max(MIN_SQUEEZED, longestWord(head[i]))))},
  ]
  for (const pass of passes) {
    const floorOf = (i: number) => pass.floors[i]
    const candidates = columns.map((c, i) => i).filter((i) => columns[i].squeeze === pass.squeeze)
    // Water-filling: the widest candidate comes down to the next widest (or its floor), a level at a
    // time, so the work is bounded by the number of columns, not by the excess.
    while (excess > 0) {
      const open = candidates.filter((i) => widths[i] > floorOf(i))
      if (open.length === 0) break
      const top = Math.max(...open.map((i) => widths[i]))
      const atTop = open.filter((i) => widths[i] === top)
      const next = Math.max(0, ...open.filter((i) => widths[i] < top).map((i) => widths[i]), ...atTop.map(floorOf))
      const step = Math.max(1, Math.min(top - next, Math.ceil(excess / atTop.length)))
      for (const i of atTop) {
        if (excess <= 0) break
        const cut = Math.min(step, widths[i] - floorOf(i), excess)
        widths[i] -= cut
        excess -= cut
      }
    }
  }
  return widths
}

/** The widest run of characters without a space. */
function longestWord(text: string): number {
  let longest = 0
  for (const word of text.split(' ')) {
    const n = visibleLength(word)
    if (n > longest) longest = n
  }
  return longest
}

/**
 * One line of a cell wrapped to `width`: between words; a word longer than the width is broken only
 * where `breakWords` (squeezed columns), else kept whole. Colour marks around the line are kept on
 * every piece.
 */
function wrapLine(line: string, width: number, breakWords: boolean): string[] {
  if (visibleLength(line) <= width) return [line]
  const open = LEADING_MARKS.exec(line)?.[0] ?? ''
  const rest = line.slice(open.length)
  const close = TRAILING_MARKS.exec(rest)?.[0] ?? ''
  const inner = rest.slice(0, rest.length - close.length)
  const pieces: string[] = []
  let current = ''
  let currentLength = 0
  const push = () => {
    if (current !== '') pieces.push(current)
    current = ''
    currentLength = 0
  }
  for (const word of inner.split(' ')) {
    if (word === '') continue
    const length = visibleLength(word)
    if (currentLength > 0 && currentLength + 1 + length <= width) {
      current += ' ' + word
      currentLength += 1 + length
      continue
    }
    push()
    if (!breakWords || length <= width) {
      current = word
      currentLength = length
      continue
    }
    // Broken every `width` characters; a mark inside the word (zero width) is never cut.
    let piece = ''
    let pieceLength = 0
    for (const atom of word.includes('\uE000') ? word.match(MARK_OR_CHAR)! : [...word]) {
      const w = atom.length > 2 ? 0 : 1 // a mark is longer than any one character
      if (pieceLength + w > width) {
        pieces.push(piece)
        piece = ''
        pieceLength = 0
      }
      piece += atom
      pieceLength += w
    }
    current = piece
    currentLength = pieceLength
  }
  push()
  return pieces.length === 0 ? [line] : pieces.map((p) => open + p + close)
}
