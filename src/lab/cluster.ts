/**
 * A lab cluster on loopback: the listeners a snapshot's servants would have, with some links cut, and
 * optionally its registry (answering QueryF from the same rows: store-registry.ts).
 * Used by `tarsnet demo`, the probe tests and the benchmark.
 */
import {namedNetworks} from '../core/networks.js'
import {servantPorts} from '../probe/plan.js'
import type {Snapshot, Store} from '../store/types.js'
import {DroppingListeners, UpListeners} from './listeners.js'
import type {RegistryReplica} from './registry-server.js'
import {startStoreRegistry, type StoreRegistryOptions} from './store-registry.js'
import {startBuiltinServant, startTarsJsServant, type RunningServant} from './tars-server.js'

export type Behaviour = 'up' | 'tars' | 'refused' | 'drop'

export interface LabEntry {
  node: string
  network: string | null
  host: string
  port: number
  behaviour: Behaviour
  /** For 'tars': the servant the listener hosts (the built-in, TarsCpp-like server answers -4 to another). */
  servant?: string
  /** For 'tars': which server hosts it, overriding the lab's `tarsImpl` (Tars.js answers any servant name). */
  impl?: 'tars.js' | 'builtin'
}

export interface LabCut {
  /** Links matching this are cut: their SYNs are dropped (or refused, with `how: 'refused'`). */
  network: string
  nodes: string[]
  how?: 'drop' | 'refused'
}

/** The listeners of every active servant of the snapshot, on each node IP; `cuts` say which links are cut. */
export function labEntries(snapshot: Snapshot & {networks?: Array<{name: string; cidrs: string[]}>}, cuts: LabCut[] = []): LabEntry[] {
  const networks = namedNetworks(snapshot.networks ?? [])
  const ports = servantPorts({nodes: snapshot.nodes, servers: snapshot.servers, adapters: snapshot.adapters})
  const out: LabEntry[] = []
  for (const [node, hosts] of ports) {
    for (const [host, list] of hosts) {
      const network = networks.classify(host)
      const cut = cuts.find((c) => c.network === network && c.nodes.includes(node))
      for (const p of list) {
        const behaviour: Behaviour = cut ? (cut.how ?? 'drop') : p.servant ? 'tars' : 'up'
        out.push({node, network, host, port: p.port, behaviour, servant: p.servant ?? undefined})
      }
    }
  }
  return out
}

/** A registry replica answering from `store`'s rows (see store-registry.ts for the options). */
export interface LabRegistry extends StoreRegistryOptions {
  store: Store
}

export class Lab {
  private readonly up = new UpListeners()
  private readonly drop = new DroppingListeners()
  private readonly servants: RunningServant[] = []
  /** The registry replicas started with `registries`, in order. */
  readonly registries: RegistryReplica[] = []

  private constructor(readonly entries: LabEntry[]) {}

  /**
   * Starts every entry's listener, then each registry. `tarsImpl`: Tars.js (tests) or the built-in responder
   * (demo). On any failure (a port in use: EADDRINUSE) everything started is closed again.
   */
  static async start(entries: LabEntry[], options: {tarsImpl?: 'tars.js' | 'builtin'; registries?: LabRegistry[]} = {}): Promise<Lab> {
    const lab = new Lab(entries)
    try {
      for (const e of entries) {
        const start = (e.impl ?? options.tarsImpl) === 'tars.js' ? startTarsJsServant : startBuiltinServant
        if (e.behaviour === 'up') await lab.up.add(e.host, e.port)
        else if (e.behaviour === 'tars') lab.servants.push(await start(e.servant!, e.host, e.port))
      }
      const dropped = entries.filter((e) => e.behaviour === 'drop')
      if (dropped.length > 0) await lab.drop.add(dropped.map((e) => ({host: e.host, port: e.port})))
      for (const {store, ...registry} of options.registries ?? []) lab.registries.push(...(await startStoreRegistry(store, registry)))
    } catch (error) {
      await lab.close()
      throw error
    }
    return lab
  }

  async close(): Promise<void> {
    await Promise.all([this.up.close(), this.drop.close(), ...this.servants.splice(0).map((s) => s.close()), ...this.registries.splice(0).map((r) => r.close())])
  }
}
