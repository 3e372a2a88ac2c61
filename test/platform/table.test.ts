import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {renderTable} from '../../src/platform/table.js'
import {forTerminal, paint, visibleLength} from '../../src/platform/paint.js'

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

describe('tables never cut a value, and render in linear time', () => {
  const head = ['NODE', 'X', 'Y', 'STATE', 'HEARTBEAT', 'VERSION', 'PROBLEMS']
  const squeeze = ['STATE', 'HEARTBEAT', 'VERSION', 'PROBLEMS']
  const rows = [
    ['127.10.0.100 (endpoint_ip)', '127.10.0.100', '127.20.0.100', 'inactive', '60 min ago STALE', '3.0.19', 'fallback, malformed-ip-list, duplicate-ip'],
    ['10.10.0.7', '10.10.0.7', '10.20.0.7', 'active', '8 s ago', '3.0.19', ''],
  ]

  it('at 80 columns: state, heartbeat and problems wrap first; every IP and node name is whole', () => {
    const out = renderTable(head, rows, {width: 80, squeeze})
    for (const line of out.split('\n')) assert.ok(visibleLength(line) <= 80, `${visibleLength(line)}: ${line}`)
    for (const value of ['127.10.0.100', '127.20.0.100', '10.10.0.7', '10.20.0.7', '(endpoint_ip)', '3.0.19']) {
      assert.ok(out.split(/\s+/).includes(value), `${value} is cut:\n${out}`)
    }
    assert.match(out, /^10\.10\.0\.7\s+10\.10\.0\.7\s+10\.20\.0\.7\s+active\s+8 s ago\s+3\.0\.19$/m)
  })

  it('narrower than the names: the row wraps between words and grows wider than asked rather than cut an IP', () => {
    const out = renderTable(['NODE', 'X'], [['fd00:10::1234:5678 (endpoint_ip)', 'fd00:10::1234:5678']], {width: 30})
    assert.ok(out.split(/\s+/).filter((w) => w === 'fd00:10::1234:5678').length === 2, out)
  })

  it('keeps colour codes around every wrapped piece', () => {
    const red = (text: string) => paint(true, 'red', text)
    const out = forTerminal(renderTable(['NODE', 'PROBLEMS'], [['n1', red('one two three four five six')]], {width: 20, squeeze: ['PROBLEMS']}), true)
    const pieces = out.split('\n').slice(1)
    assert.ok(pieces.length > 1)
    for (const p of pieces) if (p.includes('\u001B')) assert.match(p, /\u001B\[31m[^\u001B]+\u001B\[39m$/)
    for (const p of out.split('\n')) assert.ok(visibleLength(p.replace(/\u001B\[\d+m/g, '')) <= 20, p)
  })

  it('a painted word broken in a squeezed column keeps its colour whole and its width right', () => {
    const cell = `${paint(true, 'yellow', 'abc')}${'d'.repeat(20)}${paint(true, 'red', 'efg')}`
    const out = renderTable(['NODE', 'PROBLEMS'], [['n1', cell]], {width: 16, squeeze: ['PROBLEMS']})
    for (const line of out.split('\n')) assert.ok(visibleLength(line) <= 16, line)
    const shown = forTerminal(out, true)
    assert.equal(shown.replace(/\u001B\[\d+m/g, '').replace(/\s+/g, '').replace(/^NODEPROBLEMSn1/, ''), `abc${'d'.repeat(20)}efg`)
    assert.doesNotMatch(shown, /\uE000|\uE001/, 'no mark is cut in two')
  })
  it('50,000 rows fitted to 80 columns render at once (cli-table3 needed minutes: quadratic)', {timeout: 20_000}, () => {
    const many = Array.from({length: 50_000}, (_, i) => [`10.10.${i >> 8}.${i & 255}`, `10.10.${i >> 8}.${i & 255}`, `10.20.${i >> 8}.${i & 255}`, 'active', `${i % 60} s ago`, '3.0.19', i % 7 === 0 ? 'fallback, no-network' : ''])
    const out = renderTable(head, many, {width: 80, squeeze})
    assert.equal(out.split('\n').filter((l) => /^10\.10\./.test(l)).length, 50_000)
  })
})

describe('control characters in cells: escaped, measured escaped, and only paint() colours', () => {
  const hostile = 'h\u001B[31mred\u001B[2J\u0000\u202Eevil\u009B1m'
  const escaped = 'h\\x1b[31mred\\x1b[2J\\x00\\u202eevil\\x9b1m'

  for (const color of [true, false]) {
    it(`colour ${color ? 'on' : 'off'}: a cell's colour codes are shown, not obeyed; ours are`, () => {
      const out = forTerminal(renderTable(['NODE', 'STATE'], [[hostile, paint(color, 'green', 'active')], ['n2', 'x']], {width: 200}), color)
      assert.ok(out.includes(escaped), out)
      const ours = out.replace(color ? /\u001B\[32mactive\u001B\[39m/ : /active/, 'active')
      assert.doesNotMatch(ours, /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/, JSON.stringify(out))
      // Measured as shown: the next row's second column starts where the first's does.
      const [, first, second] = out.split('\n')
      assert.equal(first.replace(/\u001B\[\d+m/g, '').indexOf('active'), second.indexOf('x'))
    })
  }

  it('forTerminal: text that looks like a mark or a colour code from outside stays inert', () => {
    const fake = '\uE000' + '0'.repeat(16) + '31\uE001 and \u001B[31m'
    const out = forTerminal(`${paint(true, 'bold', 'Node')} ${fake}`, true)
    assert.equal(out, `\u001B[1mNode\u001B[22m \uE000${'0'.repeat(16)}31\uE001 and \\x1b[31m`)
    assert.equal(forTerminal(paint(true, 'red', 'x\u001B[2J'), false), 'x\\x1b[2J', 'colour off: marks dropped, controls escaped')
  })
})
