/** What the terminal allows, read from the IO: prompts, colour, Unicode, width. */
import {openSync} from 'node:fs'
import tty from 'node:tty'

import {forTerminal, paint, type Style} from '../platform/paint.js'
import {processIO, type IO} from './io.js'

/** Prompt only where a person is: stdin and stdout are TTYs and CI is unset (Shopify cli-kit's rule). */
export function canPrompt(io: IO): boolean {
  return io.stdinIsTTY && io.stdoutIsTTY && !io.env.CI
}

/**
 * A person is at the keyboard: stdin is a terminal and CI is unset, whatever stdout is (`nodes list | less`
 * still has a person typing). Enough for a question that needs no screen of its own, such as a password.
 */
export function personAtKeyboard(io: IO): boolean {
  return io.stdinIsTTY && !io.env.CI
}

/**
 * Where a prompt is drawn: stdout when it is the terminal, else the terminal itself (/dev/tty, as ssh and
 * sudo ask), so a piped stdout carries only the command's output. Null when there is no terminal.
 */
export function promptOutput(io: IO): {stream: NodeJS.WritableStream; close(): void} | null {
  if (!io.terminal) return null
  if (io.stdoutIsTTY) return {stream: io.terminal.stdout, close() {}}
  try {
    const stream = new tty.WriteStream(openSync('/dev/tty', 'w'))
    return {stream, close: () => stream.destroy()}
  } catch {
    return null
  }
}

/** Colour only on a TTY, never with NO_COLOR (https://no-color.org), and never in JSON mode. */
export function useColor(io: IO, stream: 'out' | 'err' = 'out'): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true
  return stream === 'out' ? io.stdoutIsTTY : io.stderrIsTTY
}

/** True when the locale says UTF-8 (check marks and box lines), else ASCII. */
export function unicodeTerminal(env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'win32') return Boolean(env.WT_SESSION)
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || ''
  if (env.TERM === 'linux' && !/utf-?8/i.test(locale)) return false
  return /utf-?8/i.test(locale)
}

export function terminalWidth(io: IO = processIO()): number {
  const fromEnv = Number(io.env.COLUMNS)
  if (Number.isFinite(fromEnv) && fromEnv > 20) return fromEnv
  return io.stdoutIsTTY && io.columns ? io.columns : 160
}

/** A line on stderr for a person: `prefix` in `style` (when stderr takes colour), then `message`, made safe. */
export function stderrLine(io: IO, style: Style, prefix: string, message: string): void {
  const color = useColor(io, 'err')
  io.err.write(`${forTerminal(`${paint(color, style, prefix)}${prefix && message ? ' ' : ''}${message}`, color)}\n`)
}
