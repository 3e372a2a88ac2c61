/** An import file (CSV or JSON of node → IPs), read and parsed; anything wrong with it is one line, before the database is opened. */
import {readFileSync} from 'node:fs'

import {UserError} from '../core/errors.js'
import {parseImport, type ImportEntry, type ImportFormat} from '../core/ip-list-import.js'
import {clip} from '../core/text.js'
import {firstFew} from './run.js'

export function readImport(file: string): {format: ImportFormat; entries: ImportEntry[]} {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as {code?: string}).code
    throw new UserError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {code: 'invalid_import'})
  }
  const parsed = parseImport(file, text)
  if (parsed.errors.length > 0) {
    throw new UserError(`${file} is not a valid ${parsed.format.toUpperCase()} import, nothing written: ${firstFew(parsed.errors.map((e) => clip(e, 200)))}`, {code: 'invalid_import'})
  }
  if (parsed.entries.length === 0) throw new UserError(`${file} lists no nodes: nothing to import`, {code: 'invalid_import'})
  return {format: parsed.format, entries: parsed.entries}
}
