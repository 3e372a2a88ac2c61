/**
 * One mesh, from what was asked to what to run: reads the rows from a store and plans the full mesh or
 * one object's mesh (plan.ts). Shared by `tarsnet mesh` and the exporter's mesh collector, which plans
 * again every round without going through the command (as probe/request.ts does for the probe).
 */
import type {Network, Networks} from '../core/networks.js'
import {UserError} from '../core/errors.js'
import {loadRunScope} from '../store/object-loader.js'
import type {Store} from '../store/types.js'
import {planMesh, planMeshObject, probesFrom, type MeshPlan} from './plan.js'
import {EXIT} from '../core/exit-codes.js'

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
  // An object's endpoints are resolved unfiltered: --node/--network pick the mesh's pairs, not the endpoints.
  const scope = await loadRunScope(store, request, {})
  const {networks} = scope
  if (scope.kind === 'matrix') {
    const plan = planMesh({...scope, ports: request.ports, fallbackPorts: request.fallbackPorts, network: request.network, node: request.node})
    return {plan, networks, notes: plan.notes}
  }
  const plan = planMeshObject(scope.result, scope.nodes, networks, {network: request.network, node: request.node})
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
    {code: 'nothing_to_probe', exitCode: EXIT.unknown},
  )
}
