/**
 * The exit codes of the commands that judge (probe, mesh, registry check, check, impact, traffic,
 * failover), after the monitoring-plugin convention (docs/design.md §6): one set for all of them.
 */
export const EXIT = {
  /** Everything is as it should be. */
  ok: 0,
  /** Something is wrong, and every target can still be reached some way (a link down, a lossy NIC). */
  degraded: 1,
  /** Something cannot be reached at all. */
  outage: 2,
  /** Could not tell: the command could not measure or read what it judges (bad input, no database). */
  unknown: 3,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]
