/**
 * Object (servant) names, `App.Server.Obj`: the grammar every command that takes one checks before it
 * reads anything.
 */
import {UserError} from './errors.js'

export interface ObjectName {
  application: string
  serverName: string
  servant: string
}

const PART = /^[A-Za-z0-9_-]+$/

/** Splits `App.Server.Obj`; null when the name is not three dot-separated non-empty words. */
export function parseObjectName(name: string): ObjectName | null {
  const parts = name.split('.')
  if (parts.length !== 3 || !parts.every((p) => PART.test(p))) return null
  return {application: parts[0], serverName: parts[1], servant: name}
}

/** parseObjectName, or the error that names the rule (resolve and registry check say it alike). */
export function requireObjectName(name: string): ObjectName {
  const parsed = parseObjectName(name)
  if (!parsed) {
    throw new UserError(`malformed object name '${name}': expected App.Server.Obj (three dot-separated names of letters, digits, _ or -)`, {code: 'invalid_object'})
  }
  return parsed
}
