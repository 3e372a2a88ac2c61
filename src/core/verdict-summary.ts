/**
 * Verdict lines at scale (pure): 20,000 links with a switch down gave ~10,000 lines, one per node.
 * Past a limit, the lines become one headline per kind, then the fewest lines that explain the down
 * links — a whole network, then whole /16s (/48s), then whole /24s (/64s), then single links — capped,
 * with how many more.
 */
import {parseCidr} from './ip.js'
import {NO_NETWORK} from './names.js'

export interface SummaryLink {
  network: string | null
  host: string
  /** The matrix row (node, or node :port). */
  row: string
  /** Down: not answering (refused, timeout…). A link that answers wrongly (SERVICE) or is up is not. */
  down: boolean
  /** What the cell says, e.g. "timeout". */
  status: string
}

export interface SummaryInput {
  /** The full verdict lines, one per row ("OUTAGE: n7 unreachable on every network"). */
  lines: string[]
  /** Every active link probed. */
  links: SummaryLink[]
  /** Row counts per kind, for the headlines. */
  counts: {outage: number; service: number; degraded: number}
  /** "node" or "endpoint". */
  noun: string
}

/** Lines above which the verdict is summarised. */
export const VERDICT_LINE_LIMIT = 20


/** The lines as they are when few, else summarised to at most about `limit` lines. */
export function summariseVerdicts(input: SummaryInput, limit = VERDICT_LINE_LIMIT): string[] {
  if (input.lines.length <= limit) return input.lines
  const out: string[] = []
  const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`
  const {outage, service, degraded} = input.counts
  if (outage > 0) out.push(`OUTAGE: ${plural(outage, input.noun)} unreachable on every network`)
  if (service > 0) out.push(`SERVICE: ${plural(service, input.noun)} answering, but not as the servant asked for`)
  if (degraded > 0) out.push(`DEGRADED: ${plural(degraded, input.noun)} reachable only on some networks`)
  // Lines that are not about rows (an object with no active endpoint) are kept as they are.
  for (const line of input.lines) if (!/^(OUTAGE|SERVICE|DEGRADED): /.test(line) || line.startsWith('OUTAGE: the registry')) out.push(line)

  // Explain the down links: per network, the widest prefixes wholly down first.
  const byNetwork = new Map<string, SummaryLink[]>()
  for (const l of input.links) {
    const key = l.network ?? NO_NETWORK
    const list = byNetwork.get(key)
    if (list) list.push(l)
    else byNetwork.set(key, [l])
  }
  const singles: string[] = []
  let singleCount = 0
  for (const [network, links] of byNetwork) {
    const down = links.filter((l) => l.down)
    if (down.length === 0) continue
    if (down.length === links.length) {
      out.push(`all of ${network} down (${plural(down.length, 'link')})`)
      continue
    }
    let rest = down
    for (const level of [0, 1]) {
      const prefixOf = (host: string) => {
        const v6 = host.includes(':')
        return parseCidr(`${host}/${v6 ? [48, 64][level] : [16, 24][level]}`)?.text ?? host
      }
      const total = countBy(links, (l) => prefixOf(l.host))
      const downBy = countBy(rest, (l) => prefixOf(l.host))
      const whole = new Set<string>()
      for (const [prefix, n] of downBy) {
        if (n >= 2 && n === total.get(prefix)) {
          whole.add(prefix)
          out.push(`all of ${prefix} down on ${network} (${plural(n, 'link')})`)
        }
      }
      rest = rest.filter((l) => !whole.has(prefixOf(l.host)))
    }
    singleCount += rest.length
    for (const l of rest) if (singles.length < limit) singles.push(`${l.row} down on ${network} (${l.host}: ${l.status})`)
  }
  out.push(...singles)
  if (singleCount > singles.length) out.push(`… and ${plural(singleCount - singles.length, 'more link')} down (--json lists every one)`)
  // SERVICE rows are few and each different: their own lines, capped.
  const serviceLines = input.lines.filter((l) => l.startsWith('SERVICE: '))
  out.push(...serviceLines.slice(0, limit))
  if (serviceLines.length > limit) out.push(`… and ${serviceLines.length - limit} more SERVICE lines (--json lists every one)`)
  return out
}

function countBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, number> {
  const out = new Map<string, number>()
  for (const x of xs) {
    const k = key(x)
    out.set(k, (out.get(k) ?? 0) + 1)
  }
  return out
}
