import type {Output} from './io.js'

/**
 * A progress line on stderr ("asking 1200/4000…") while a command waits on many answers: only when `show`
 * (a terminal, not --json), only once the work has taken a second, redrawn every 200 ms, wiped at the end.
 */
export async function withProgress<T>(
  err: Output,
  verb: string,
  show: boolean,
  work: (onProgress: (done: number, total: number) => void) => Promise<T>,
): Promise<T> {
  if (!show) return work(() => {})
  let done = 0
  let total = 0
  let shown = false
  const draw = () => {
    shown = true
    err.write(`\r\u001B[2K${verb} ${done}/${total}…`)
  }
  let interval: NodeJS.Timeout | undefined
  const timer = setTimeout(() => {
    draw()
    interval = setInterval(draw, 200)
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
