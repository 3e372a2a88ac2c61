/**
 * A link measured several times (pure): loss and latency percentiles from a handful of numbers, the
 * status that follows (up, lossy, or the failure every sample met), and which links are slow against
 * their own network. Shared by the probe (one host to every node) and the mesh (every node to every
 * other), so both say the same thing about the same samples (DESIGN §10).
 */

/** Connect latency over the samples that connected, in ms; nearest-rank percentiles. */
export interface LatencyStats {
  min: number
  p50: number
  p90: number
  max: number
}

/** What a link's samples add up to. */
export interface SampleStats {
  samples: number
  /** Samples that did not connect (timeout, refused, unreachable, error). */
  lost: number
  /** lost / samples, 0–1 (rounded to 3 decimals). */
  loss: number
  /** Null when no sample connected. */
  latency: LatencyStats | null
}

/**
 * Where a link's connected samples' latencies (ms) ride along for the exporter's histogram: a symbol key,
 * so JSON output never shows them, and a typed array, so 10,000 links × 10 samples stay small.
 */
export const SAMPLE_LATENCIES: unique symbol = Symbol('tarsnet.sampleLatencies')
export interface WithSampleLatencies {
  [SAMPLE_LATENCIES]?: Float32Array
}

/** A link slow against its network: its p50 at least this many times the network's median… */
export const SLOW_FACTOR = 5
/** …and at least this many ms (a 0.1 ms LAN's 0.5 ms link is not slow). */
export const SLOW_MIN_MS = 20

const round3 = (x: number): number => Math.round(x * 1000) / 1000

/** The p-th percentile (0 < p ≤ 1) of sorted values, nearest rank: always one of the values measured. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]
}

/** min, p50, p90, max of `latencies` (ms); null when there are none. Does not keep `latencies`. */
export function latencyStats(latencies: ArrayLike<number>): LatencyStats | null {
  const values = Float64Array.from(latencies).filter((x) => Number.isFinite(x)).sort()
  if (values.length === 0) return null
  return {min: round3(values[0]), p50: round3(percentile(values, 0.5)), p90: round3(percentile(values, 0.9)), max: round3(values[values.length - 1])}
}

/** lost / samples, 0–1, to 3 decimals (0 for no samples): a link's loss as JSON and the metrics give it. */
export function lossRatio(lost: number, samples: number): number {
  return samples > 0 ? round3(lost / samples) : 0
}

/** The stats of `samples` measurements of which `latencies` connected (the rest were lost). */
export function sampleStats(samples: number, latencies: ArrayLike<number>): SampleStats {
  const connected = Math.min(samples, latencies.length)
  const lost = Math.max(0, samples - connected)
  return {samples, lost, loss: lossRatio(lost, samples), latency: latencyStats(latencies)}
}

/**
 * A link's status from its samples: `up` when every sample connected, `lossy` when some did and some
 * did not (a gray failure: the link works, now and then it does not), else `failed` (the caller keeps
 * the status the failing samples had: timeout, refused…).
 */
export function sampledStatus(samples: number, lost: number): 'up' | 'lossy' | 'failed' {
  if (lost <= 0) return 'up'
  return lost >= samples ? 'failed' : 'lossy'
}

/** "30 %" for a loss ratio; "<1 %" for a loss above zero that rounds to nothing. */
export function lossPercent(loss: number): string {
  const pct = Math.round(loss * 100)
  return pct === 0 && loss > 0 ? '<1 %' : `${pct} %`
}

/** The median of numbers (the middle one, or the mean of the two middle ones); NaN for none. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const n = s.length
  if (n === 0) return Number.NaN
  return n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

/** A link's p50 set against its network's median p50. */
export interface SlowLink<T> {
  link: T
  p50: number
  networkMedian: number
}

/**
 * Links whose p50 is at least SLOW_FACTOR × their network's median p50 and at least SLOW_MIN_MS: a
 * congested uplink, a duplex mismatch, a path that retransmits. Networks with fewer than 3 measured
 * links have no median to speak of and name none.
 */
export function slowLinks<T>(links: readonly T[], networkOf: (l: T) => string, p50Of: (l: T) => number | null): Array<SlowLink<T>> {
  const byNet = new Map<string, Array<{link: T; p50: number}>>()
  for (const link of links) {
    const p50 = p50Of(link)
    if (p50 === null || !Number.isFinite(p50)) continue
    const k = networkOf(link)
    const list = byNet.get(k)
    if (list) list.push({link, p50})
    else byNet.set(k, [{link, p50}])
  }
  const out: Array<SlowLink<T>> = []
  for (const list of byNet.values()) {
    if (list.length < 3) continue
    const m = median(list.map((x) => x.p50))
    for (const x of list) if (x.p50 >= SLOW_MIN_MS && x.p50 >= SLOW_FACTOR * m) out.push({link: x.link, p50: x.p50, networkMedian: round3(m)})
  }
  return out
}
