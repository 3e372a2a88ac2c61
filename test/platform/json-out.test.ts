/**
 * `--json` output is written a piece at a time (src/platform/json-out.ts) and must be, byte for byte, what
 * `JSON.stringify(value, null, 2)` and a newline give: for any JSON-like value (and the odd things
 * JSON.stringify meets: undefined, functions, toJSON, boxed primitives, non-finite numbers), however the
 * pieces fall.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import fc from 'fast-check'

import {writeJson} from '../../src/platform/json-out.js'

function written(value: unknown): {text: string; pieces: number} {
  const pieces: string[] = []
  writeJson(value, (t) => pieces.push(t))
  return {text: pieces.join(''), pieces: pieces.length}
}

describe('JSON output in pieces', () => {
  it('is JSON.stringify(value, null, 2) for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => written(v).text === `${JSON.stringify(v, null, 2)}\n`), {numRuns: Number(process.env.FC_RUNS ?? 300)})
  })

  it('and for what JSON.stringify leaves out or turns into something else', () => {
    fc.assert(fc.property(fc.anything({withBoxedValues: true, withNullPrototype: true, withDate: true, withSparseArray: true, withTypedArray: true, withMap: true, withSet: true}), (v) => {
      const expected = JSON.stringify(v, null, 2)
      return written(v).text === `${expected}\n`
    }), {numRuns: Number(process.env.FC_RUNS ?? 300)})
    const odd = {a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 1, Symbol('t'), Number.NaN, -0, Infinity], e: new Date(0), f: {toJSON: () => ({x: [1, {y: 2}]})}, g: Object(7), h: Object('s'), i: {}, j: [], k: [[], {}], l: {only: undefined}}
    assert.equal(written(odd).text, `${JSON.stringify(odd, null, 2)}\n`)
  })

  it('writes a long list in many pieces, none much over 64 KB', () => {
    const results = Array.from({length: 10_000}, (_, i) => ({node: `10.0.${i >> 8}.${i & 255}`, status: i % 3 ? 'up' : 'timeout', error: i % 3 ? null : {code: 'ETIMEDOUT', message: 'no answer within 1000 ms'}}))
    const value = {object: null, results, summary: {n: results.length}}
    const pieces: string[] = []
    writeJson(value, (t) => pieces.push(t))
    assert.equal(pieces.join(''), `${JSON.stringify(value, null, 2)}\n`)
    assert.ok(pieces.length > 10, `${pieces.length} pieces`)
    assert.ok(pieces.every((p) => p.length < 80 * 1024))
  })
})
