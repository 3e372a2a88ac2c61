/**
 * One exporter round: every collector measures once, and the result is plain data (no Prometheus
 * types), which metrics.ts turns into the text format. A collector is one kind of measurement — the
 * probe from this host now; the node-to-node mesh and the readiness check plug in as more collectors.
 * A collector that fails keeps serving its last good measurement, and the round is marked failed.
 */

/** `source` of links probed from the exporter's own host. */
export const LOCAL_SOURCE = 'local'

/** One link: a node's IP (on one port), as seen from `source`. */
export interface LinkSample {
  /** 'local' for probes from the exporter's host; the source node for mesh probes. */
  source: string
  node: string
  /** The network's name; '(none)' for an IP in no named network. */
  network: string
  ip: string
  port: number
  up: boolean
  /** Connect time or tars_ping round trip of a link that answered, in seconds; null otherwise. */
  latencySeconds: number | null
  /** Share of this round's samples that did not connect, 0–1 (absent: not measured that way). */
  loss?: number
  /** Every connected sample's latency, ms (for the connect-latency histogram). */
  latencySamplesMs?: ArrayLike<number>
}

/** A node's redundancy: the networks it was probed on, and those it answered on. */
export interface NodeSample {
  node: string
  networks: number
  networksUp: number
}

/** A mesh source node: whether the mesh could run on it (reached over SSH, and probed its peers). */
export interface MeshSourceSample {
  source: string
  up: boolean
}

/** One culprit of the mesh (core/mesh-culprits): the broken thing, and how many failed links it explains. */
export interface CulpritSample {
  kind: string
  /** '' where the kind has none: a network has no node; a node cut off has no network. */
  node: string
  network: string
  /** The second node of a one-link culprit; '' otherwise. */
  peer: string
  failedLinks: number
}

/** What one collector measured in one round. */
export interface Measurement {
  /** Targets probed (the links below, or the checks made). */
  targets: number
  links: LinkSample[]
  nodes: NodeSample[]
  /** The mesh's source nodes (the mesh collector and `mesh --prom-file`). */
  meshSources?: MeshSourceSample[]
  /** The mesh's culprits. */
  culprits?: CulpritSample[]
  /**
   * Set when the collector measured, but its round still failed (the mesh reached no node over SSH): the
   * measurement is served (it says what is down), and the round is marked failed with this reason.
   */
  failed?: string
  /** Findings per severity, for a collector that checks (tarsnet check). */
  findings?: Record<string, number>
  /** One line for people, for the round's log line: "8 links, 5 up (x 3/4, y 2/4); outage: n3". */
  summary: string
  /** Fields for the round's JSON log line. */
  details: Record<string, unknown>
}

export interface Collector {
  /** Short name, in log lines: probe, mesh, check. */
  readonly name: string
  /** Measures once; throws when it cannot (the database is gone, nothing to probe). */
  collect(signal: AbortSignal): Promise<Measurement>
  /** Releases what it keeps between rounds (the mesh's SSH connections); called once when the exporter stops. */
  close?(): Promise<void>
}

export interface CollectorState {
  name: string
  /** Whether this round's measurement succeeded. */
  ok: boolean
  /** Why it failed, one line; null when ok. */
  error: string | null
  durationMs: number
  /** The measurement served: this round's, or after a failure the last good one (null when none yet). */
  measurement: Measurement | null
  /** When the served measurement was taken (Unix ms, at its end), null when none yet. */
  measuredAtMs: number | null
}

export interface Round {
  /** 1 for the first round. */
  number: number
  /** When the round started and ended (Unix ms). */
  startedAtMs: number
  endedAtMs: number
  /** Every collector succeeded. */
  success: boolean
  collectors: CollectorState[]
}

/** One line for an error, whatever was thrown. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ') || 'unknown error'
}

/**
 * Runs every collector once, all at once, and returns the round. `previous` supplies the last good
 * measurement of a collector that fails this time.
 */
export async function runRound(collectors: readonly Collector[], previous: Round | null, signal: AbortSignal, now: () => number = Date.now): Promise<Round> {
  const startedAtMs = now()
  const states = await Promise.all(collectors.map(async (c): Promise<CollectorState> => {
    const started = now()
    try {
      const measurement = await c.collect(signal)
      const ended = now()
      const failed = measurement.failed ?? null
      return {name: c.name, ok: failed === null, error: failed, durationMs: ended - started, measurement, measuredAtMs: ended}
    } catch (error) {
      const last = previous?.collectors.find((p) => p.name === c.name)
      return {name: c.name, ok: false, error: errorLine(error), durationMs: now() - started, measurement: last?.measurement ?? null, measuredAtMs: last?.measuredAtMs ?? null}
    }
  }))
  return {
    number: (previous?.number ?? 0) + 1,
    startedAtMs,
    endedAtMs: now(),
    success: states.every((c) => c.ok),
    collectors: states,
  }
}

/** A round made of one measurement (or its failure): `probe --prom-file` writes one. */
export function singleRound(name: string, outcome: {measurement: Measurement} | {error: unknown}, startedAtMs: number, endedAtMs: number): Round {
  const measurement = 'measurement' in outcome ? outcome.measurement : null
  const error = measurement ? measurement.failed ?? null : errorLine((outcome as {error: unknown}).error)
  return {
    number: 1,
    startedAtMs,
    endedAtMs,
    success: error === null,
    collectors: [{
      name,
      ok: error === null,
      error,
      durationMs: endedAtMs - startedAtMs,
      measurement,
      measuredAtMs: measurement ? endedAtMs : null,
    }],
  }
}

/** The round without its samples (only what the log lines need), to hand to another thread cheaply. */
export function roundForLog(round: Round): Round {
  return {
    ...round,
    collectors: round.collectors.map((c) => ({...c, measurement: c.measurement && {...c.measurement, links: [], nodes: [], meshSources: undefined, culprits: undefined, findings: undefined}})),
  }
}

/** Whether the collector's measurement was taken in this round (not one served from an earlier round). */
function measuredIn(round: Round, c: CollectorState): boolean {
  return c.measurement !== null && c.measuredAtMs !== null && c.measuredAtMs >= round.startedAtMs
}

/** The round's log line for people: "round 3 ok in 1.2 s: probe: 8 links, 5 up …". */
export function roundLogLine(round: Round): string {
  const duration = `${((round.endedAtMs - round.startedAtMs) / 1000).toFixed(1)} s`
  const parts = round.collectors.map((c) => {
    if (c.ok) return `${c.name}: ${c.measurement!.summary}`
    // Measured this round, and failed all the same (the mesh reached no node): the reason says it all.
    if (measuredIn(round, c)) return `${c.name} FAILED: ${c.error}`
    const served = c.measuredAtMs === null ? 'nothing to serve yet' : `serving the links of ${Math.round((round.endedAtMs - c.measuredAtMs) / 1000)} s ago`
    return `${c.name} FAILED: ${c.error} (${served})`
  })
  return `${new Date(round.endedAtMs).toISOString()} round ${round.number} ${round.success ? 'ok' : 'failed'} in ${duration}; ${parts.join('; ')}`
}

/** The round's JSON log line (one object per line). */
export function roundLogJson(round: Round): Record<string, unknown> {
  return {
    time: new Date(round.endedAtMs).toISOString(),
    round: round.number,
    success: round.success,
    durationSeconds: (round.endedAtMs - round.startedAtMs) / 1000,
    collectors: round.collectors.map((c) => ({
      name: c.name,
      ok: c.ok,
      error: c.error,
      durationSeconds: c.durationMs / 1000,
      measuredAt: c.measuredAtMs === null ? null : new Date(c.measuredAtMs).toISOString(),
      ...(c.ok || measuredIn(round, c) ? c.measurement!.details : {}),
    })),
  }
}
