/** Waiting in tests: for a condition, a value, or a line of output, with a deadline that names what was awaited. */

/**
 * Calls `get` every `everyMs` until it gives a value other than undefined (a throw counts as not yet),
 * and returns it; past `timeoutMs`, fails saying what it waited for.
 */
export async function poll<T>(what: string, get: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await Promise.resolve().then(get).catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Waits until `ok()` is true. */
export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  await poll(what, async () => ((await ok()) ? true : undefined), timeoutMs, everyMs)
}

/** Waits until `text()` (output gathered so far) matches `pattern`. */
export async function untilOutput(text: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  await until(`${pattern} in:\n${text().slice(-2000)}`, () => pattern.test(text()), timeoutMs, 100)
}
