/**
 * One mesh, from what was asked to what to run: reads the rows from a store and plans the full mesh or
 * one object's mesh (plan.ts). Shared by `tarsnet mesh` and the exporter's mesh collector, which plans
 * again every round without going through the command (as probe/request.ts does for the probe).
 */
import {assertKnownNetwork, chooseNetworks, type Network, type Networks} from '../core/networks.js'
import {nodeAddresses} from '../core/nodes.js'
import {resolveObject} from '../core/resolve.js'
import {UserError} from '../core/errors.js'
import {loadObjectRows} from '../lib/object-loader.js'
import type {Store} from '../store/types.js'
import {planMesh, planMeshObject, probesFrom, type MeshPlan} from './plan.js'
import {MESH_EXIT} from './run.js'

export interface MeshRequest {
  /** App.Server.Obj (already checked to be well formed), or undefined for every node. */
  object?: string
  network?: string
  node?: string
  /** --port: these ports on every node IP instead of the servants' ports. */
  ports?: number[]
  /** The profile's probe ports: after the servant ports, and alone where a node has none. */
  fallbackPorts?: number[]
  /** The configured networks (flag, environment or profile); empty: the store's saved ones, else automatic. */
  configuredNetworks: Network[]
}

export interface PlannedMesh {
  plan: MeshPlan
  networks: Networks
  /** Things the operator should know: the plan's notes, and flags that do not apply. */
  notes: string[]
}

/** Reads the rows the request needs from `store` and plans the mesh. */
export async function planMeshRequest(store: Store, request: MeshRequest): Promise<PlannedMesh> {
  const networksOf = (nodes: Array<Parameters<typeof nodeAddresses>[0]>): Networks =>
    chooseNetworks(request.configuredNetworks, store.savedNetworks, () => nodes.flatMap((n) => nodeAddresses(n).ips))
  if (request.object === undefined) {
    const [nodes, {servers, adapters}] = await Promise.all([store.loadNodes(), store.loadAllAdapters()])
    const networks = networksOf(nodes)
    assertKnownNetwork(networks, request.network)
    const plan = planMesh({nodes, servers, adapters, networks, ports: request.ports, fallbackPorts: request.fallbackPorts, network: request.network, node: request.node})
    return {plan, networks, notes: plan.notes}
  }
  const {rows, nodes} = await loadObjectRows(store, request.object)
  const networks = networksOf(nodes)
  assertKnownNetwork(networks, request.network)
  const result = resolveObject({object: request.object, rows, nodes, networks, groups: await store.loadGroups(), filters: {}})
  const plan = planMeshObject(result, nodes, networks, {network: request.network, node: request.node})
  const notes = [...plan.notes]
  if (request.ports) notes.push('--port is ignored with an object: its endpoints carry their own ports')
  return {plan, networks, notes}
}

/** The error for a plan with nothing to run (exit 3), saying why; null when there is something to probe. */
export function nothingToMesh(plan: MeshPlan, filtered: boolean): UserError | null {
  if (plan.nodes.length >= 2 && plan.nodes.some((n) => probesFrom(plan, n).length > 0)) return null
  return new UserError(
    plan.nodes.length < 2
      ? `nothing to probe: a mesh needs two nodes, ${plan.nodes.length === 0 ? 'none' : `only ${plan.nodes[0].name}`} ${plan.mode === 'object' ? 'serves it' : 'matches'}${filtered ? ' --node/--network' : ''}`
      : 'nothing to probe: no node has a port to probe on a network another node shares (no active servants there): give --port N',
    {code: 'nothing_to_probe', exitCode: MESH_EXIT.cannotRun},
  )
}
