/** What the terminal allows: prompts, colour, Unicode, width. */
import {openSync} from 'node:fs'
import tty from 'node:tty'

import {escapeControlForOutput} from '../core/text.js'

/** Prompt only where a person is: stdin and stdout are TTYs and CI is unset (Shopify cli-kit's rule). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI
}

/**
 * A person is at the keyboard: stdin is a terminal and CI is unset, whatever stdout is (`nodes list | less`
 * still has a person typing). Enough for a question that needs no screen of its own, such as a password.
 */
export function personAtKeyboard(): boolean {
  return Boolean(process.stdin.isTTY) && !process.env.CI
}

/**
 * Where a prompt is drawn: stdout when it is the terminal, else the terminal itself (/dev/tty, as ssh and
 * sudo ask), so a piped stdout carries only the command's output. Null when there is no terminal.
 */
export function promptOutput(): {stream: NodeJS.WritableStream; close(): void} | null {
  if (process.stdout.isTTY) return {stream: process.stdout, close() {}}
  try {
    const stream = new tty.WriteStream(openSync('/dev/tty', 'w'))
    return {stream, close: () => stream.destroy()}
  } catch {
    return null
  }
}

/** Colour only on a TTY, never with NO_COLOR (https://no-color.org), and never in JSON mode. */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY)
}

/** True when the locale says UTF-8 (check marks and box lines), else ASCII. */
export function unicodeTerminal(): boolean {
  if (process.platform === 'win32') return Boolean(process.env.WT_SESSION)
  const locale = process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || ''
  if (process.env.TERM === 'linux' && !/utf-?8/i.test(locale)) return false
  return /utf-?8/i.test(locale)
}

export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  const fromEnv = Number(process.env.COLUMNS)
  if (Number.isFinite(fromEnv) && fromEnv > 20) return fromEnv
  return stream.isTTY && stream.columns ? stream.columns : 160
}

const CODES = {red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22], cyan: [36, 39]} as const
export type Style = keyof typeof CODES

/** The colour sequences paint() writes, and no others: what may pass to the terminal from tarsnet's own text. */
// eslint-disable-next-line no-control-regex
export const OWN_SGR = /\u001B\[(?:31|32|33|36|39|2|1|22)m/g
// eslint-disable-next-line no-control-regex
export const ANY_SGR = /\u001B\[[0-9;]*m/g

/**
 * Text for the terminal (issue 9, defect 9): control characters from the database or a file are shown
 * escaped (`\x1b[2J`, `\u202e`), never obeyed; line breaks stay, and so do tarsnet's own colours when
 * colour is on. JSON is never passed through this: it stays exact.
 */
export function safeForTerminal(text: string, color: boolean): string {
  return escapeControlForOutput(text, color ? OWN_SGR : null)
}

export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled || text === '') return text
  const [open, close] = CODES[style]
  return `\u001B[${open}m${text}\u001B[${close}m`
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/g
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[\u001B\uD800-\uDFFF]/
export function visibleLength(text: string): number {
  // Most cells are plain (no colour, no surrogate pairs): their length is their width. Tables measure every cell.
  if (!NOT_PLAIN.test(text)) return text.length
  return [...text.replace(ANSI, '')].length
}
