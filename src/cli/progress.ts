import type {Output} from './io.js'

export interface ProgressOptions {
  /** The total before the work first reports (`probing 0/400…`); 0 when not given. */
  total?: number
  /** How often the line is redrawn once shown, ms (default 200). */
  everyMs?: number
}

/**
 * The one progress line on stderr while a command waits on many answers ("probing 120/400…", "asking
 * 1200/4000…"): only when `show` (a terminal, not --json), only once the work has taken a second, redrawn
 * every 200 ms, wiped at the end. `text` is a verb (`${verb} ${done}/${total}…`) or the whole line.
 */
export async function withProgress<T>(
  err: Output,
  text: string | ((done: number, total: number) => string),
  show: boolean,
  work: (onProgress: (done: number, total: number) => void) => Promise<T>,
  options: ProgressOptions = {},
): Promise<T> {
  if (!show) return work(() => {})
  const line = typeof text === 'string' ? (d: number, t: number) => `${text} ${d}/${t}…` : text
  let done = 0
  let total = options.total ?? 0
  let shown = false
  const draw = () => {
    shown = true
    err.write(`\r\u001B[2K${line(done, total)}`)
  }
  let interval: NodeJS.Timeout | undefined
  const timer = setTimeout(() => {
    draw()
    interval = setInterval(draw, options.everyMs ?? 200)
  }, 1000)
  try {
    return await work((d, t) => {
      done = d
      total = t
    })
  } finally {
    clearTimeout(timer)
    if (interval) clearInterval(interval)
    if (shown) err.write('\r\u001B[2K')
  }
}
