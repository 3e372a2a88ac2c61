import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {renderTable} from '../src/lib/table.js'
import {visibleLength} from '../src/lib/terminal.js'

describe('tables', () => {
  const head = ['NODE', 'X', 'Y', 'PROBLEMS']
  const rows = [['10.10.0.1', '10.10.0.1', '10.20.0.1', 'IP list has entries that are not IPs: garbage, more-garbage, even-more']]
  it('keeps the natural width when it fits', () => {
    const out = renderTable(head, rows, {width: 200})
    assert.equal(out.split('\n').length, 2)
    assert.match(out, /^NODE\s+X\s+Y\s+PROBLEMS$/m)
  })
  it('wraps the widest column to fit a narrow terminal', () => {
    const out = renderTable(head, rows, {width: 60})
    for (const line of out.split('\n')) assert.ok(visibleLength(line) <= 60, `${visibleLength(line)}: ${line}`)
    assert.ok(out.split('\n').length > 2)
    assert.match(out, /10\.20\.0\.1/) // short columns are not cut
  })
})
