/**
 * Reading `nodes import` files: CSV or JSON, node → IPs. Pure: text in, entries or reasons out.
 * CSV: one node per line, `node,ips`; the IPs may be one quoted field ("10.10.0.5,10.20.0.5") or several
 * fields, or separated by spaces, ";" or "|". A header line (node,…) and lines starting with # are skipped.
 * JSON: {"node": ["ip", …] | "ip,ip", …} or [{"node": "…", "ips": [ … ] | "…"}, …].
 */

import {clip} from './text.js'

export interface ImportEntry {
  node: string
  ips: string[]
  /** Where in the file: "line 3" or "[2]" / "\"node-a\"". */
  where: string
}

export type ImportFormat = 'csv' | 'json'

export function detectFormat(fileName: string, text: string): ImportFormat {
  if (/\.json$/i.test(fileName)) return 'json'
  if (/\.(csv|txt)$/i.test(fileName)) return 'csv'
  return /^\s*[[{]/.test(text) ? 'json' : 'csv'
}

const splitIps = (s: string) => s.split(/[,;|\s]+/).filter((t) => t !== '')

/** Splits one CSV line into fields (RFC 4180 quotes; "" inside quotes is a quote). Null when a quote is left open. */
export function csvFields(line: string): string[] | null {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  if (quoted) return null
  fields.push(field)
  return fields
}

export function parseCsv(text: string): {entries: ImportEntry[]; errors: string[]} {
  const entries: ImportEntry[] = []
  const errors: string[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`
    if (line.trim() === '' || line.trim().startsWith('#')) return
    const fields = csvFields(line)
    if (!fields) {
      errors.push(`${where}: a quote is not closed`)
      return
    }
    const node = fields[0].trim()
    if (entries.length === 0 && errors.length === 0 && /^(node|node_name|nodename|name)$/i.test(node)) return // header
    if (node === '') {
      errors.push(`${where}: no node name in the first field`)
      return
    }
    entries.push({node, ips: fields.slice(1).flatMap(splitIps), where})
  })
  return {entries, errors}
}

function ipsOf(value: unknown, where: string, errors: string[]): string[] | null {
  if (typeof value === 'string') return splitIps(value)
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[]
  if (value === null) return []
  errors.push(`${where}: the IPs must be a list of strings or a string`)
  return null
}

export function parseJson(text: string): {entries: ImportEntry[]; errors: string[]} {
  const entries: ImportEntry[] = []
  const errors: string[] = []
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    return {entries, errors: [`not valid JSON (${(error as Error).message})`]}
  }
  if (Array.isArray(data)) {
    data.forEach((item, i) => {
      const where = `[${i}]`
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        errors.push(`${where}: expected {"node": …, "ips": […]}`)
        return
      }
      const o = item as Record<string, unknown>
      const node = o.node ?? o.node_name ?? o.nodeName ?? o.name
      if (typeof node !== 'string' || node.trim() === '') {
        errors.push(`${where}: no "node"`)
        return
      }
      const key = ['ips', 'ip_list', 'ipList'].find((k) => k in o)
      if (!key) {
        errors.push(`${where}: no "ips" for node ${clip(node, 40)}`)
        return
      }
      const ips = ipsOf(o[key], `${where} (${clip(node, 40)})`, errors)
      if (ips) entries.push({node: node.trim(), ips, where})
    })
  } else if (typeof data === 'object' && data !== null) {
    for (const [node, value] of Object.entries(data)) {
      const where = clip(JSON.stringify(node), 60)
      const ips = ipsOf(value, where, errors)
      if (ips) entries.push({node: node.trim(), ips, where})
    }
  } else {
    errors.push('expected an object {"node": ["ip", …]} or a list [{"node": …, "ips": […]}]')
  }
  return {entries, errors}
}

export function parseImport(fileName: string, text: string): {format: ImportFormat; entries: ImportEntry[]; errors: string[]} {
  const format = detectFormat(fileName, text)
  return {format, ...(format === 'json' ? parseJson(text) : parseCsv(text))}
}
