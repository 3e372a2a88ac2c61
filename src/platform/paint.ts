/**
 * Colour that text cannot forge, and the width of text on a screen: paint() marks, forTerminal() escapes
 * then colours, visibleLength() measures. Pure text work: whether colour is on is the IO's decision.
 */
import {closeSync, openSync, readSync} from 'node:fs'

import {escapeControlForOutput} from '../core/text.js'

const CODES = {red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22], cyan: [36, 39]} as const
export type Style = keyof typeof CODES

/*
 * Colour without trusting the text. Text from the database or a file may hold any
 * character, colour codes included, and reaches the screen inside tarsnet's own lines and table cells: at
 * print time a colour code of ours and one from a node name look the same. So paint() does not write colour
 * codes: it writes marks, private-use characters around a number chosen at random when the process starts
 * (data written before cannot hold it), and forTerminal(), the one way to the screen, escapes every control
 * character of the text (data cannot colour, move, clear or reverse anything) and only then turns the marks
 * into colour codes, or drops them when colour is off.
 */
const NONCE = Array.from(randomWords(), (n) => n.toString(16).padStart(8, '0')).join('')
/**
 * Two random words from the kernel's generator: /dev/urandom is three system calls, where Web Crypto
 * (globalThis.crypto) loads modules worth a few ms of every start. Web Crypto where there is no such file.
 */
function randomWords(): Uint32Array {
  const words = new Uint32Array(2)
  let fd: number | undefined
  try {
    fd = openSync('/dev/urandom', 'r')
    if (readSync(fd, words) === words.byteLength) return words
  } catch {
    // no /dev/urandom (Windows): below
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return globalThis.crypto.getRandomValues(words)
}
const mark = (code: number): string => `\uE000${NONCE}${code}\uE001`
/** One paint mark (the SGR number in group 1), as a RegExp source: the table finds them around its cells. */
export const PAINT_MARK = `\uE000${NONCE}(\\d{1,2})\uE001`
const MARKS = new RegExp(PAINT_MARK, 'g')

/** `text` in a style, when `enabled`: marked, turned into colour by forTerminal. */
export function paint(enabled: boolean, style: Style, text: string): string {
  if (!enabled || text === '') return text
  const [open, close] = CODES[style]
  return `${mark(open)}${text}${mark(close)}`
}

/**
 * Text for the terminal: control characters shown escaped (`\x1b[2J`, `\x00`, `\u202e`), never obeyed,
 * line breaks kept; then paint()'s marks become colour codes (`color`) or nothing. Every line a person sees
 * goes through here (the commands' log, notices, errors); JSON never does: it stays exact.
 */
export function forTerminal(text: string, color: boolean): string {
  const escaped = escapeControlForOutput(text)
  if (!escaped.includes('\uE000')) return escaped
  MARKS.lastIndex = 0
  return escaped.replace(MARKS, (_m, code: string) => (color ? `\u001B[${code}m` : ''))
}

const NOT_PLAIN = /[\uE000\uD800-\uDFFF]/
/** The width of text on the screen: paint marks take none; a character outside the BMP takes one. */
export function visibleLength(text: string): number {
  // Most cells are plain (no colour, no surrogate pairs): their length is their width. Tables measure every cell.
  if (!NOT_PLAIN.test(text)) return text.length
  MARKS.lastIndex = 0
  return [...text.replace(MARKS, '')].length
}

/** Text in a style (paint() with the colour decision already taken). */
export type Paint = (style: Style, text: string) => string

/** What a view needs to know of the screen it draws for: colour, Unicode, width (decided by the IO). */
export interface Screen {
  paint: Paint
  unicode: boolean
  width: number
}
