/**
 * Waits `ms`, or less when `signal` aborts. The abort listener is removed when the time is up: one left
 * behind per round was `probe --watch`'s and `mesh --watch`'s leak (MaxListenersExceededWarning after 11
 * rounds).
 */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
  })
}
