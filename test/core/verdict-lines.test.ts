import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {summariseVerdicts, type SummaryLink} from '../../src/core/verdict-summary.js'

/** 10,000 nodes, each with an x and a y link (20,000 targets); `downY(i)` says which y links are down. */
function plant(downY: (third: number, fourth: number) => boolean, downX: (third: number, fourth: number) => boolean = () => false) {
  const links: SummaryLink[] = []
  const lines: string[] = []
  let degraded = 0
  let outage = 0
  for (let c = 0; c < 40; c++) {
    for (let d = 1; d <= 250; d++) {
      const node = `10.10.${c}.${d}`
      const x = downX(c, d)
      const y = downY(c, d)
      links.push({network: 'x', host: node, row: node, down: x, status: x ? 'timeout' : 'up'})
      links.push({network: 'y', host: `10.20.${c}.${d}`, row: node, down: y, status: y ? 'timeout' : 'up'})
      if (x && y) {
        outage++
        lines.push(`OUTAGE: ${node} unreachable on every network`)
      } else if (x || y) {
        degraded++
        lines.push(`DEGRADED: ${node} reachable only on ${x ? 'y' : 'x'} (down on ${x ? 'x' : 'y'})`)
      }
    }
  }
  return {lines, links, counts: {outage, service: 0, degraded}, noun: 'node'}
}

describe('verdict lines at scale', () => {
  it('a few lines stay as they are', () => {
    const input = plant((c, d) => c === 0 && d <= 3)
    assert.deepEqual(summariseVerdicts(input), input.lines)
  })

  it('a whole network down is one line, not 10,000', () => {
    const out = summariseVerdicts(plant(() => true))
    assert.deepEqual(out, ['DEGRADED: 10,000 nodes reachable only on some networks', 'all of y down (10,000 links)'])
  })

  it('whole /24s down are one line each; the rest link by link, capped, with how many more', () => {
    const out = summariseVerdicts(plant((c, d) => c === 3 || c === 7 || (c === 9 && d <= 30), (c, d) => c === 20 && d === 5))
    assert.equal(out[0], 'DEGRADED: 531 nodes reachable only on some networks')
    assert.ok(out.includes('all of 10.20.3.0/24 down on y (250 links)'), out.join('\n'))
    assert.ok(out.includes('all of 10.20.7.0/24 down on y (250 links)'))
    assert.ok(out.includes('10.10.20.5 down on x (10.10.20.5: timeout)'))
    assert.equal(out.filter((l) => / down on y \(10\.20\.9\.\d+: timeout\)$/.test(l)).length, 19)
    assert.equal(out.at(-1), '… and 11 more links down (--json lists every one)')
    assert.ok(out.length <= 25, `${out.length} lines`)
  })
})
