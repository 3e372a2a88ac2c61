/**
 * The value checkers the profile is read with: each turns a raw JSON value into a typed one or throws
 * BadValue saying what was expected. They know nothing of profiles; profile-checks.ts puts them together.
 */
import {clip} from '../../core/text.js'

/** A value that is not what its key needs; `resolveSettings` turns it into the operator's one line. */
export class BadValue extends Error {
  constructor(readonly key: string, readonly value: unknown, readonly expected: string) {
    super(`${key}: expected ${expected}`)
  }
}

/** Checks one value found at `key` (a dotted path such as "probe.timeoutMs"); `warn` notes what is ignored. */
export type Check<T> = (value: unknown, key: string, warn: (message: string) => void) => T

/** A whole number from min to max (the same bounds as the flag). */
export function integer(min: number, max: number, unit = ''): Check<number> {
  const expected = `a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}`
  return (value, key) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new BadValue(key, value, expected)
    return value
  }
}

/** A string; non-empty unless told, at most `max` characters. */
export function text(options: {allowEmpty?: boolean; max?: number; pattern?: RegExp; expected?: string} = {}): Check<string> {
  const max = options.max ?? 4096
  const expected = options.expected ?? `${options.allowEmpty ? 'a string' : 'a non-empty string'} of at most ${max} characters`
  return (value, key) => {
    if (typeof value !== 'string' || value.length > max || (!options.allowEmpty && value.trim() === '')) throw new BadValue(key, value, expected)
    if (options.pattern && !options.pattern.test(value)) throw new BadValue(key, value, expected)
    return value
  }
}

/** A list of values each passing `item`, at most `max` of them. */
export function listOf<T>(item: Check<T>, what: string, max = 1000): Check<T[]> {
  return (value, key, warn) => {
    if (!Array.isArray(value) || value.length > max) throw new BadValue(key, value, `a list of at most ${max} ${what}`)
    return value.map((v, i) => item(v, `${key}[${i}]`, warn))
  }
}

/** An object of name → value, names matching `name`. */
export function record<T>(name: RegExp, item: Check<T>, what: string, max = 1000): Check<Record<string, T>> {
  return (value, key, warn) => {
    if (!isPlainObject(value) || Object.keys(value).length > max) throw new BadValue(key, value, `an object of ${what}`)
    const out: Record<string, T> = {}
    for (const [k, v] of Object.entries(value)) {
      if (!name.test(k)) throw new BadValue(`${key}`, k, `${what}; "${clip(k, 40)}" is not a valid name`)
      out[k] = item(v, `${key}.${k}`, warn)
    }
    return out
  }
}

export type Checks<T> = {[K in keyof T]-?: Check<Exclude<T[K], undefined>>}

/** An object with known keys, each checked; an unknown key is ignored with a warning (a typo must not pass silently). */
export function section<T extends object>(checks: Checks<T>): Check<T> {
  return (value, key, warn) => {
    if (!isPlainObject(value)) throw new BadValue(key, value, 'an object')
    return checkKeys(value, checks, `${key}.`, warn)
  }
}

/** Checks every key of `value` against `checks`, each under `prefix`; unknown keys are warned about and left out. */
export function checkKeys<T extends object>(value: Record<string, unknown>, checks: Checks<T>, prefix: string, warn: (message: string) => void): T {
  const out: Record<string, unknown> = {}
  const known = Object.keys(checks)
  for (const [k, v] of Object.entries(value)) {
    if (!Object.hasOwn(checks, k)) {
      warn(`unknown key ${prefix}${clip(k, 40)} ignored (known: ${known.map((x) => `${prefix}${x}`).join(', ')})`)
      continue
    }
    // null means "not set", as if the key were absent.
    if (v === null || v === undefined) continue
    out[k] = (checks as Record<string, Check<unknown>>)[k](v, `${prefix}${k}`, warn)
  }
  return out as T
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A flag's on/off as a profile value: JSON true or false, nothing else ("yes", 1 and "true" are mistakes). */
export function yesNo(value: unknown, key: string): boolean {
  if (typeof value !== 'boolean') throw new BadValue(key, value, 'true or false')
  return value
}

/** A value as it appears in a message (the one wording, in core's errors). */
export {describeValue} from '../../core/errors.js'
