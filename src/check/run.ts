/**
 * `check`: the cluster read once and judged by the rules of core/check.ts, with what tarsstat's record
 * says the clients did (--traffic, as `traffic` reads it) and what a cut of each network would cost the
 * callers (--failover, as `failover` models it). Notices are said as they arise, through `io`.
 */
import {runCheck, type CheckResult, type CheckScope} from '../core/check.js'
import {UserError} from '../core/errors.js'
import type {FailoverFinding} from '../core/failover.js'
import {assertKnownNetwork, type Network} from '../core/networks.js'
import {runFailoverCommand} from '../failover/run.js'
import type {StatSource} from '../stat/db.js'
import {loadCluster, type LoadedCluster} from '../store/cluster-loader.js'
import type {Store} from '../store/types.js'
import {runTraffic} from '../traffic/run.js'

/** Calls/s per caller for `--failover` when tarsstat cannot say: the findings depend on settings, hardly on rates. */
export const NOMINAL_RATE = 10

type Window = {sinceSeconds: number; untilSeconds: number}

export interface CheckOptions {
  configuredNetworks: Network[]
  scope: CheckScope
  /** --traffic: the record's window and database, checked before anything was opened. */
  record?: {window: Window; stat: StatSource}
  /** --failover: where the callers' rates come from (each read only when needed). */
  failover?: {statWindow: () => Window; statSource: () => StatSource}
}

export interface CheckIO {
  notice(message: string): void
}

export async function runCheckCommand(store: Store, options: CheckOptions, io: CheckIO): Promise<CheckResult> {
  const {view, networks, nowMs, rows} = await loadCluster(store, options.configuredNetworks)
  assertKnownNetwork(networks, options.scope.network)
  const traffic = options.record && await runTraffic({...options.record, objects: [], store, configuredNetworks: options.configuredNetworks, cluster: {rows, networks}})
  for (const n of traffic?.notices ?? []) io.notice(n)
  const failover = options.failover ? (await failoverFindings(store, {view, networks, rows}, options.failover, io)) : undefined
  return runCheck(view, nowMs, options.scope, {traffic, failover})
}

/** Failover findings: callers and rates from tarsstat when readable, else every client at a nominal rate. */
async function failoverFindings(store: Store, loaded: Omit<LoadedCluster, 'nowMs'>, from: NonNullable<CheckOptions['failover']>, io: CheckIO): Promise<FailoverFinding[]> {
  const options = {objects: [], cuts: [], call: 'async' as const, mode: 'blackhole' as const, statWindow: from.statWindow(), statSource: from.statSource}
  try {
    return (await runFailoverCommand(store, loaded, options)).findings
  } catch (error) {
    if (!(error instanceof UserError) || error.code !== 'no_rates') throw error
    io.notice(`--failover: ${error.message.replace(/; give --rate.*$/, '')}: every client modelled at ${NOMINAL_RATE} calls/s`)
    return (await runFailoverCommand(store, loaded, {...options, rate: NOMINAL_RATE})).findings
  }
}
