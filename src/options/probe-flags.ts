/**
 * The probe's flags (what to probe, how, from where), shared by `tarsnet probe` and `tarsnet exporter`
 * so both take exactly the same options.
 */
import {Flags} from '@oclif/core'

import {DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, MAX_SAMPLES} from '../probe/engine.js'
import {DEFAULT_TIMEOUT_MAX_MS} from '../core/rtt.js'

/** --timeout: milliseconds (1 to 600000), or "auto"; checked by timeoutChoice (probe/request.ts), to say it in one line. */
export const timeoutFlag = (summary: string) => Flags.string({summary, helpValue: 'MS|auto'})

/** The flags of a measurement's shape, shared by probe, mesh and the exporter. */
export const samplingFlags = {
  samples: Flags.integer({summary: 'Measure each link N times, spaced 100 ms apart (all links still in parallel): loss per link (lossy when some samples fail) and latency min/p50/p90/max. With N > 1 each sample is one connect (--retries does not apply).', min: 1, max: MAX_SAMPLES, helpValue: 'N'}),
  'timeout-max': Flags.integer({summary: `With --timeout auto: the longest wait, ms (default ${DEFAULT_TIMEOUT_MAX_MS}, or the profile's probe.timeoutMaxMs).`, min: 1, max: 600_000}),
}

export const probeFlags = {
  check: Flags.string({summary: 'tcp: TCP connect; tars: tars_ping where a Tars servant is known; auto: tars_ping for Tars adapters, else TCP.', options: ['tcp', 'tars', 'auto'], default: 'auto'}),
  network: Flags.string({summary: 'Only links on this network.'}),
  node: Flags.string({summary: 'Only nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
  port: Flags.integer({summary: 'Probe this port on every node IP (repeatable) instead of the servants\' ports.', multiple: true, min: 1, max: 65535}),
  timeout: timeoutFlag(`Milliseconds per probe (default ${DEFAULT_TIMEOUT_MS}, or the profile's), or auto: per network, wait what the round trips answered so far say (RFC 6298: SRTT + 4·RTTVAR, at least 100 ms, at most --timeout-max).`),
  retries: Flags.integer({summary: `Extra tries after a timeout or unreachable (default ${DEFAULT_RETRIES}, or the profile's); never after refused.`, min: 0, max: 10}),
  concurrency: Flags.integer({summary: 'Probes in flight at once (default: the open-file limit less headroom).', min: 1}),
  ...samplingFlags,
  bind: Flags.string({summary: 'NETWORK=IP: source address for probes to that network (repeatable). Routing still follows the destination: this picks the source address, not the interface.', multiple: true}),
}

/**
 * Flags of `tarsnet probe` that do not go together, as one line saying what to do (null: none). Checked
 * before anything is read, as oclif's own checks would be, but in tarsnet's words rather than oclif's two-part ones.
 */
export function flagConflict(flags: {watch?: string; plan?: boolean; 'prom-file'?: string; 'every-round'?: boolean; reload?: number}, json: boolean): string | null {
  const watch = flags.watch !== undefined
  if (flags.plan && watch) return '--plan and --watch do not go together: --plan shows the targets once without probing; drop --watch to see the plan, or --plan to watch'
  if (flags.plan && flags['prom-file'] !== undefined) return '--plan and --prom-file do not go together: --plan probes nothing, so there are no metrics to write; drop one of them'
  if (watch && flags['prom-file'] !== undefined) return '--watch and --prom-file do not go together: --prom-file writes one probe\'s metrics; drop --watch (and run the probe from a timer), or serve them continuously with `tarsnet exporter`'
  if (flags['every-round'] && !(watch && json)) return `--every-round applies only with --watch --json (one JSON line per round): add ${watch ? '--json' : json ? '--watch' : '--watch --json'}, or leave it out`
  if (flags.reload !== undefined && !watch) return '--reload applies only with --watch (the node list is re-read every N rounds of the watch): add --watch, or leave it out'
  return null
}
