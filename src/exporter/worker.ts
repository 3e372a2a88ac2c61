/**
 * The exporter's round worker (a worker thread): it owns the collectors, the last round and the
 * prom-client registry, runs a round when asked, and answers with the rendered metrics. Probing
 * thousands of sockets and rendering thousands of series take the CPU for a while; here they never
 * delay a scrape, which the main thread answers from the last text alone.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {bindMap, bindSpecs, type ProfileBind, type ProbeRequest} from '../probe/request.js'
import type {ProbeOptions} from '../probe/engine.js'
import {openStoreFrom, type StoreSource} from '../store/open.js'
import type {Store} from '../store/types.js'
import type {MeshRequest} from '../mesh/request.js'
import type {SshConfig} from '../ssh/fanout.js'
import {MeshCollector} from './mesh-collector.js'
import {buildRegistry, ConnectHistogram, promClient} from './metrics.js'
import {CheckCollector} from './check-collector.js'
import {ProbeCollector} from './probe-collector.js'
import {roundForLog, runRound, type Collector, type Round} from './round.js'

export interface WorkerConfig {
  source: StoreSource
  request: ProbeRequest
  timing: Omit<ProbeOptions, 'bind' | 'signal' | 'onProgress'>
  /** Source addresses per network: the profile's probe.bind and the --bind flags. */
  bind: {profile?: ProfileBind; flags?: string[]}
  /** --mesh: every round also runs the mesh over SSH (checked settings: the binary and config file exist). */
  mesh?: {request: MeshRequest; ssh: Omit<SshConfig, 'controlDir' | 'controlPersistS'>; timeoutMs: number; retries: number; samples?: number; adaptive?: {maxMs: number}; intervalSeconds: number}
  /** Also run the readiness check each round (exporter --findings), within this scope. */
  check?: {nodes?: string[]; network?: string}
}

export type ToWorker = {type: 'round'} | {type: 'stop'}
export type FromWorker =
  | {type: 'ready'; text: string; contentType: string}
  | {type: 'round'; round: Round; text: string}
  | {type: 'note'; message: string}
  | {type: 'stopped'}

/** The collectors of a round: the probe from this host, with --mesh the mesh over SSH, with --findings the readiness check. */
export function collectorsFor(config: WorkerConfig, note: (message: string) => void): Collector[] {
  let firstOpen = true
  const openStore = async (): Promise<Store> => {
    const store = await openStoreFrom(config.source)
    if (firstOpen) {
      firstOpen = false
      if (config.source.kind === 'snapshot') note(`reading snapshot ${config.source.path} taken ${store.info.takenAt}: not live data`)
      if (!(await store.ipListColumnPresent().catch(() => true))) {
        note(`t_node_info has no ${store.ipListColumn} column: every node falls back to endpoint_ip or node_name (one network). Add it with \`tarsnet db migrate\``)
      }
    }
    return store
  }
  const collectors: Collector[] = [
    new ProbeCollector({
      request: config.request,
      openStore,
      timing: config.timing,
      bind: (networks) => bindMap(networks, bindSpecs(config.bind.profile, config.bind.flags)),
      onNotes: (notes) => notes.forEach(note),
    }),
  ]
  if (config.mesh) {
    collectors.push(new MeshCollector({...config.mesh, openStore, onNotes: (notes) => notes.forEach(note)}))
  }
  if (config.check) collectors.push(new CheckCollector({openStore, configuredNetworks: config.request.configuredNetworks, scope: config.check}))
  return collectors
}

/** The worker thread's entry (started through platform/runtime.ts startProgramWorker). */
export async function workerMain(): Promise<void> {
  const port = parentPort!
  const config = workerData as WorkerConfig
  const said = new Set<string>()
  const send = (message: FromWorker) => port.postMessage(message)
  const note = (message: string): void => {
    if (said.has(message)) return
    said.add(message)
    send({type: 'note', message})
  }
  const prom = await promClient()
  const collectors = collectorsFor(config, note)
  const stop = new AbortController()
  let last: Round | null = null
  const initial = buildRegistry(prom, null)
  const histogram = new ConnectHistogram(prom)
  send({type: 'ready', text: await initial.metrics(), contentType: initial.contentType})
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stop') {
      stop.abort()
      // The mesh's SSH connections end before the thread does (a killed exporter leaves them to ControlPersist).
      void Promise.all(collectors.map((c) => c.close?.().catch(() => {}))).then(() => {
        send({type: 'stopped'})
        port.close()
      })
      return
    }
    void (async () => {
      const round = await runRound(collectors, last, stop.signal)
      if (stop.signal.aborted) return
      last = round
      histogram.add(round)
      const text = await buildRegistry(prom, round, histogram).metrics()
      send({type: 'round', round: roundForLog(round), text})
    })()
  })
}

