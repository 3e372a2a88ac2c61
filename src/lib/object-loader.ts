/**
 * Loading one object's rows for `resolve` and `probe OBJECT`: its adapter, server and registry rows, a
 * clear error (with the closest names) for an unknown object, and only the object's own nodes — through
 * node_name's unique key, since a cluster has thousands.
 */
import {locatorHost, parseObjectName} from '../core/resolve.js'
import {closestNames} from '../core/text.js'
import type {NodeRow, ObjectRows} from '../core/rows.js'
import type {Store} from '../store/types.js'
import {UserError} from '../core/errors.js'

export interface LoadedObject {
  rows: ObjectRows
  /** t_node_info rows of the nodes that serve the object (adapters, servers, registry locators). */
  nodes: NodeRow[]
}

/** The node names an object's rows refer to: server/adapter node_name (trimmed), registry locator hosts. */
export function objectNodeNames(rows: ObjectRows): Set<string> {
  const wanted = new Set([...rows.servers, ...rows.adapters].map((r) => r.nodeName.trim()))
  for (const r of rows.registry) wanted.add(locatorHost(r))
  return wanted
}

/** Loads `objectName` (already checked to be App.Server.Obj) and its nodes; an unknown object is a UserError. */
export async function loadObjectRows(store: Store, objectName: string): Promise<LoadedObject> {
  const name = parseObjectName(objectName)
  if (!name) throw new UserError(`invalid object name '${objectName}': write it as App.Server.Obj`, {code: 'invalid_object'})
  const rows = await store.loadObject(name.application, name.serverName, name.servant)
  if (!rows.adapters.some((a) => a.servant === objectName) && !rows.registry.some((r) => r.servant === objectName)) {
    const close = closestNames(objectName, await store.listServants(), 5)
    throw new UserError(
      `unknown object '${objectName}': no adapter or registry servant has that name${close.length > 0 ? `; closest: ${close.join(', ')}` : ''}`,
      {code: 'unknown_object'},
    )
  }
  const nodes = await store.loadNodes([...objectNodeNames(rows)])
  return {rows, nodes}
}
