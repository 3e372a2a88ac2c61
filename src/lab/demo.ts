/**
 * The demo cluster (`tarsnet demo`): the built-in snapshot's servants on loopback addresses with its
 * incident (node 127.10.0.2 has lost network y), its registry, and an old open-source registry replica.
 */
import {UserError} from '../core/errors.js'
import {SnapshotStore} from '../store/snapshot-store.js'
import {REGISTRY_QUERY_OBJ} from '../tars/queryf.js'
import {Lab, labEntries, type LabCut, type LabEntry, type LabRegistry} from './cluster.js'

/** The demo's incident: node 127.10.0.2 has lost network y (its SYNs there are dropped). */
export const DEMO_CUTS: LabCut[] = [{network: 'y', nodes: ['127.10.0.2']}]
export const DEMO_OBJECT = 'Plant.ControlServer.ControlObj'

/**
 * An old open-source registry replica the demo also runs: no longer in t_registry_info (so `registry check
 * --demo` does not ask it), but still in some clients' locators. It hands out 0.0.0.0 as stored.
 */
export const DEMO_OLD_REGISTRY = {host: '127.10.0.3', port: 17890}
/** A client's locator naming the demo's registry and the old one: `registry check --demo --locator …` sees the difference. */
export const DEMO_OLD_LOCATOR = `${REGISTRY_QUERY_OBJ}@tcp -h 127.10.0.1 -p 17890:tcp -h ${DEMO_OLD_REGISTRY.host} -p ${DEMO_OLD_REGISTRY.port}`

/**
 * The demo's registries: a multi-network one on the addresses of its own t_registry_info row
 * (127.10.0.1:17890, network x only, as the row says), answering from the demo's rows as resolve computes
 * them; and the old open-source replica.
 */
export function demoRegistries(store: SnapshotStore): LabRegistry[] {
  return [{store}, {store, hosts: [DEMO_OLD_REGISTRY.host], port: DEMO_OLD_REGISTRY.port, expansion: 'stored'}]
}

/** The demo cluster's listeners, the cut ones included. */
export function demoEntries(): {store: SnapshotStore; entries: LabEntry[]} {
  const store = SnapshotStore.demo()
  return {store, entries: labEntries(store.data, DEMO_CUTS)}
}

/** Starts the demo cluster; ports already taken (another demo running) are one line saying so. */
export async function startDemo(store: SnapshotStore, entries: LabEntry[]): Promise<Lab> {
  try {
    return await Lab.start(entries, {tarsImpl: 'builtin', registries: demoRegistries(store)})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    const ports = `20001-20003, 20080 on 127.10.x/127.20.x, the registry's 17890 on 127.10.0.1 and ${DEMO_OLD_REGISTRY.host}`
    throw new UserError(`could not start the demo cluster: ${e.code === 'EADDRINUSE' ? `its ports (${ports}) are in use: is another \`tarsnet demo\` running?` : e.message}`, {code: 'demo_failed'})
  }
}

/** The tour's first line: what is up, where the registry answers, and what is cut. */
export function demoUpText(lab: Lab, entries: LabEntry[]): string {
  const cut = entries.filter((e) => e.behaviour === 'drop')
  const registry = lab.registries[0].addresses.map((a) => `${a.host}:${a.port}`).join(', ')
  return `Demo cluster up: ${entries.length - cut.length} servant listener(s) on 127.10.x.x (network x) and 127.20.x.x (network y), the registry on ${registry}; cut: ${[...new Set(cut.map((e) => `${e.node} on ${e.network}`))].join(', ')}.`
}
