/**
 * `tarsnet registry check`: reads what the database says about the objects (when it can be read), finds
 * the registry addresses (the locator, else the registry's own rows), and asks them all (check.ts).
 */
import {UserError} from '../core/errors.js'
import type {Locator} from '../core/locator.js'
import {assertKnownNetwork, chooseNetworks, type Network} from '../core/networks.js'
import {clientOnNode} from '../core/resolve.js'
import {loadClientNode} from '../store/object-loader.js'
import type {Store} from '../store/types.js'
import {queryFunction, runRegistryCheck, type CheckQuery, type CheckReport, type RegistryAddress} from './check.js'
import {loadCheckDatabase, registryAddressesFromDatabase, type LoadedCheckDatabase} from './database.js'

/** Milliseconds for each question and each connect, unless --timeout says otherwise. */
export const DEFAULT_CHECK_TIMEOUT_MS = 1000

export interface RegistryCheckOptions {
  /** The objects to ask about, each already checked to be App.Server.Obj; empty with `all`. */
  objects: string[]
  /** Every object in the database. */
  all: boolean
  /** The registries to ask; undefined: the registry's own rows in the database. */
  locator?: Locator
  /** --set: findObjectByIdInSameSet for this set id (already checked). */
  setId?: string
  /** --group: findObjectByIdInSameGroup. */
  group: boolean
  /** --client-node as typed: ask with node_name = that node's name. */
  clientNode?: string
  timeoutMs: number
  /** Questions in flight per address. */
  window?: number
  /** Only the addresses on this network. */
  network?: string
  /** undefined: the database could not be read, and a locator names the registries. */
  store?: Store
  configuredNetworks: Network[]
  notice(message: string): void
  verbose(message: string): void
  /** Called once the objects' rows are read (the frame notes a missing IP-list column there). */
  rowsRead?(store: Store): Promise<void>
  /** Wraps the asking (a progress line on a terminal); it hands the work its progress callback. */
  progress?<T>(work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T>
}

export interface RegistryCheckRun {
  report: CheckReport
  query: CheckQuery
  /** The node_name sent (--client-node: the node's name); null when none was. */
  callerNodeName: string | null
}

export async function runCheck(options: RegistryCheckOptions): Promise<RegistryCheckRun> {
  const {store, locator} = options
  let loaded: LoadedCheckDatabase | undefined
  if (store) {
    loaded = await loadCheckDatabase(store, options.all ? 'all' : options.objects)
    await options.rowsRead?.(store)
    if (!loaded.changeTimes) options.verbose('this source keeps no change times: no reload-window hints')
    if (loaded.objects.length === 0) throw new UserError('no objects in the database: nothing to ask', {code: 'no_servants'})
  }
  const names = loaded?.objects ?? options.objects
  let callerNodeName: string | null = null
  if (options.clientNode !== undefined) {
    if (!store) throw new UserError('--client-node needs the database (to find the node), which could not be read', {code: 'no_database'})
    callerNodeName = clientOnNode(await loadClientNode(store, options.clientNode)).callerNodeName
  }

  const networks = chooseNetworks(options.configuredNetworks, store?.savedNetworks, () => [...(loaded?.nodeIps ?? []), ...(locator?.addresses.map((a) => a.host) ?? [])])
  assertKnownNetwork(networks, options.network)
  let servant: string
  let addresses: RegistryAddress[]
  if (locator) {
    servant = locator.servant
    addresses = locator.addresses.map((a) => ({...a, network: networks.classify(a.host)}))
  } else {
    const fromDb = await registryAddressesFromDatabase(store!, networks)
    servant = fromDb.servant
    addresses = fromDb.addresses
    for (const note of fromDb.notes) options.notice(note)
  }
  if (options.network !== undefined) {
    addresses = addresses.filter((a) => a.network === options.network)
    if (addresses.length === 0) throw new UserError(`no registry address on network ${options.network}`, {code: 'no_locator'})
  }

  let query: CheckQuery = {kind: 'any'}
  if (options.setId !== undefined) query = {kind: 'set', setId: options.setId}
  else if (options.group) query = {kind: 'group'}
  if (query.kind !== 'any' && callerNodeName === null) {
    options.notice(`${queryFunction(query)} asked without node_name: each answer is for this machine's address on that connection (the caller column), which no real client gets (they send node_name): use --client-node`)
  }

  const progress = options.progress ?? ((work) => work(() => {}))
  const report = await progress((onProgress) => runRegistryCheck({
    servant, addresses, objects: names, query, callerNodeName, timeoutMs: options.timeoutMs, window: options.window, networks,
    database: loaded?.database ?? null, onProgress,
  }))
  return {report, query, callerNodeName}
}
