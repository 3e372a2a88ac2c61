/**
 * Naming many nodes in one human line, ClusterShell-style (`NodeSet.fold`): `n1 n2 n3 n5` → `n[1-3,5]`,
 * `10.10.0.1 … 10.10.0.20` → `10.10.0.[1-20]`. Names are grouped by what surrounds their last run of
 * digits; zero-padded numbers keep their width (`n[01-03]`). Pure: strings in, a string out.
 */
import {naturalCompare} from './text.js'

interface Parsed {
  prefix: string
  digits: string
  suffix: string
}

function lastNumber(name: string): Parsed | null {
  const m = /^(.*?)(\d+)(\D*)$/s.exec(name)
  return m ? {prefix: m[1], digits: m[2], suffix: m[3]} : null
}

/** "1-3,5,7-9" from sorted distinct numbers (as their digit strings, widths kept). */
function ranges(items: Array<{value: number; text: string}>): string {
  const out: string[] = []
  let start = 0
  for (let i = 1; i <= items.length; i++) {
    if (i < items.length && items[i].value === items[i - 1].value + 1) continue
    out.push(i - 1 === start ? items[start].text : `${items[start].text}-${items[i - 1].text}`)
    start = i
  }
  return out.join(',')
}

/** Folds node names into ClusterShell's node-set notation, in natural order. */
export function foldNodeSet(names: Iterable<string>): string {
  const groups = new Map<string, {prefix: string; suffix: string; items: Array<{value: number; text: string}>}>()
  const plain: string[] = []
  for (const name of new Set(names)) {
    const p = lastNumber(name)
    // Very long digit runs are ids, not counters: keep them as they are.
    if (!p || p.digits.length > 12) {
      plain.push(name)
      continue
    }
    const padded = p.digits.length > 1 && p.digits.startsWith('0')
    const key = `${p.prefix}\u0000${p.suffix}\u0000${padded ? p.digits.length : 0}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = {prefix: p.prefix, suffix: p.suffix, items: []}))
    g.items.push({value: Number(p.digits), text: p.digits})
  }
  const parts: Array<{sortKey: string; text: string}> = plain.map((n) => ({sortKey: n, text: n}))
  for (const g of groups.values()) {
    g.items.sort((a, b) => a.value - b.value)
    const text = g.items.length === 1 ? `${g.prefix}${g.items[0].text}${g.suffix}` : `${g.prefix}[${ranges(g.items)}]${g.suffix}`
    parts.push({sortKey: `${g.prefix}${g.items[0].text}${g.suffix}`, text})
  }
  return parts.sort((a, b) => naturalCompare(a.sortKey, b.sortKey)).map((p) => p.text).join(',')
}
