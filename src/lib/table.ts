/**
 * Tables with cli-table3, fitted to the terminal width: when the natural width does not fit,
 * the widest columns give up space first and their cells wrap.
 * cli-table3 is imported like any module: compiled into the program, it costs a --json run about 0.3 ms
 * (measured), and a require by name at run time would be a file the single-file bundle does not carry.
 */
import Table from 'cli-table3'

import {terminalWidth, visibleLength} from './terminal.js'

const ASCII_CHARS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
}

/** Renders rows under a header, kubectl-style (no boxes), fitted to `width`. */
export function renderTable(head: string[], rows: string[][], options: {width?: number} = {}): string {
  const width = options.width ?? terminalWidth()
  const gap = 2
  const natural = head.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => Math.max(...String(r[i] ?? '').split('\n').map(visibleLength)))))
  const total = () => natural.reduce((a, b) => a + b, 0) + gap * (head.length - 1)
  const widths = [...natural]
  // Shrink the widest column one step at a time until the table fits (never below 6 characters).
  while (widths.reduce((a, b) => a + b, 0) + gap * (head.length - 1) > width) {
    let widest = 0
    for (let i = 1; i < widths.length; i++) if (widths[i] > widths[widest]) widest = i
    if (widths[widest] <= 6) break
    widths[widest]--
  }
  const fits = total() <= width
  const table = new Table({
    head,
    chars: ASCII_CHARS,
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true},
    wordWrap: !fits,
    wrapOnWordBoundary: true,
    ...(fits ? {} : {colWidths: widths}),
  })
  for (const r of rows) table.push(r.map((c) => c ?? ''))
  // cli-table3 pads every line to the full width: trim the trailing spaces.
  return table.toString().split('\n').map((l) => l.replace(/\s+$/, '')).join('\n')
}

