/**
 * The probe's flags (what to probe, how, from where), shared by `tarsnet probe` and `tarsnet exporter`
 * so both take exactly the same options.
 */
import {Flags} from '@oclif/core'

import {DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS} from '../probe/engine.js'

export const probeFlags = {
  check: Flags.string({summary: 'tcp: TCP connect; tars: tars_ping where a Tars servant is known; auto: tars_ping for Tars adapters, else TCP.', options: ['tcp', 'tars', 'auto'], default: 'auto'}),
  network: Flags.string({summary: 'Only links on this network.'}),
  node: Flags.string({summary: 'Only nodes whose name matches this glob (e.g. \'10.10.1.*\').'}),
  port: Flags.integer({summary: 'Probe this port on every node IP (repeatable) instead of the servants\' ports.', multiple: true, min: 1, max: 65535}),
  timeout: Flags.integer({summary: `Milliseconds per probe (default ${DEFAULT_TIMEOUT_MS}, or the profile's).`, min: 1, max: 600_000}),
  retries: Flags.integer({summary: `Extra tries after a timeout or unreachable (default ${DEFAULT_RETRIES}, or the profile's); never after refused.`, min: 0, max: 10}),
  concurrency: Flags.integer({summary: 'Probes in flight at once (default: the open-file limit less headroom).', min: 1}),
  bind: Flags.string({summary: 'NETWORK=IP: source address for probes to that network (repeatable). Routing still follows the destination: this picks the source address, not the interface.', multiple: true}),
}
