/**
 * `--json` output, written in pieces: byte for byte what `JSON.stringify(value, null, 2)` gives, without
 * ever holding all of it. A probe of 10,000 links is 5 MB of JSON; as one string, then flattened and copied
 * into the write's buffer, it was the largest thing alive at the end of the run.
 */

/** Pieces are gathered up to about this many characters per write. */
const CHUNK = 64 * 1024

/** Writes `value` as `JSON.stringify(value, null, 2)` and a newline, through `write` (in order, a chunk at a time). */
export function writeJson(value: unknown, write: (text: string) => void): void {
  let pending = ''
  const emit = (text: string) => {
    pending += text
    if (pending.length >= CHUNK) {
      write(pending)
      pending = ''
    }
  }
  emitValue(value, '', emit)
  write(`${pending}\n`)
}

/** A value JSON.stringify would write as an object or array of its own (no toJSON to ask first). */
function container(value: unknown): value is object {
  return typeof value === 'object' && value !== null && typeof (value as {toJSON?: unknown}).toJSON !== 'function' && !isBoxed(value)
}

/** Number, String, Boolean and BigInt objects: JSON.stringify writes their primitive value. */
function isBoxed(value: object): boolean {
  return value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt
}

/**
 * One value at `indent`: arrays and plain objects element by element (so a long list goes out a piece at a
 * time), anything else as JSON.stringify writes it, its inner lines indented to where it stands.
 */
function emitValue(value: unknown, indent: string, emit: (text: string) => void): void {
  if (!container(value)) {
    const text = JSON.stringify(value, null, 2)
    emit(indent === '' ? text : text.replaceAll('\n', `\n${indent}`))
    return
  }
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return emit('[]')
    emit('[')
    for (let i = 0; i < value.length; i++) {
      emit(`${i === 0 ? '' : ','}\n${inner}`)
      const element = value[i]
      // As JSON.stringify: what it cannot write stands as null in a list.
      if (!container(element) && JSON.stringify(element) === undefined) emit('null')
      else emitValue(element, inner, emit)
    }
    return emit(`\n${indent}]`)
  }
  let first = true
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key]
    if (!container(v) && JSON.stringify(v) === undefined) continue // undefined, a function, a symbol: left out
    emit(`${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `)
    first = false
    emitValue(v, inner, emit)
  }
  emit(first ? '{}' : `\n${indent}}`)
}
