/**
 * Adaptive timeouts (pure): a per-network round-trip estimate in the manner of RFC 6298 (SRTT, RTTVAR,
 * RTO = SRTT + 4·RTTVAR), as nmap keeps one per host group. Facts taken from nmap's timing.cc: before any
 * answer the timeout is the initial one (1000 ms, nmap's --initial-rtt-timeout), the first answer sets
 * SRTT = R and RTTVAR = R with a floor of 5 ms, an answer of 8 s or more is not believed, and the result
 * is boxed between a floor (nmap's --min-rtt-timeout, 100 ms) and a ceiling (--max-rtt-timeout; ours is
 * --timeout-max, 3000 ms by default).
 */

export const AUTO_FLOOR_MS = 100
export const AUTO_INITIAL_MS = 1000
export const DEFAULT_TIMEOUT_MAX_MS = 3000
/** RTTVAR is never below this after the first answer (nmap): one lucky fast answer does not make the timeout tiny. */
const MIN_RTTVAR_MS = 5
/** Answers slower than this are not believed as round trips (nmap ignores them too). */
const IMPLAUSIBLE_MS = 8000

export interface RttOptions {
  floorMs?: number
  ceilingMs?: number
  initialMs?: number
}

export class RttEstimator {
  srtt: number | null = null
  rttvar = 0
  samples = 0
  readonly floorMs: number
  readonly ceilingMs: number
  private readonly initialMs: number
  private current: number

  constructor(options: RttOptions = {}) {
    this.ceilingMs = Math.max(1, options.ceilingMs ?? DEFAULT_TIMEOUT_MAX_MS)
    this.floorMs = Math.min(this.ceilingMs, options.floorMs ?? AUTO_FLOOR_MS)
    this.initialMs = options.initialMs ?? AUTO_INITIAL_MS
    this.current = this.box(this.initialMs)
  }

  /** The timeout to wait now, in ms. */
  get timeoutMs(): number {
    return this.current
  }

  /** One measured round trip (a connect that answered, or was refused: both are one SYN and its reply). */
  observe(rttMs: number): void {
    if (!(rttMs >= 0) || rttMs >= IMPLAUSIBLE_MS) return
    if (this.srtt === null) {
      this.srtt = rttMs
      this.rttvar = Math.max(MIN_RTTVAR_MS, rttMs)
    } else {
      // RFC 6298 §2.3, alpha 1/8 and beta 1/4; RTTVAR first, with the SRTT from before this answer.
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs)
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs
    }
    this.samples++
    this.current = this.box(this.srtt + 4 * this.rttvar)
  }

  /**
   * No answer where answers were expected (RFC 6298 §5.5: back the timer off): the timeout doubles, up to
   * the ceiling, until answers teach it again. Without this an estimate learned on a fast network would
   * never see the round trips of a network that became slow: every probe would time out first.
   */
  backoff(): void {
    this.current = this.box(this.current * 2)
  }

  private box(ms: number): number {
    return Math.min(this.ceilingMs, Math.max(this.floorMs, ms))
  }
}
