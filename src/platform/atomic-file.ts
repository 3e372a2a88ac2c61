/**
 * Writing a file that readers must never see half-written (node_exporter's textfile collector reads
 * whatever is there): a temporary file in the same directory (same file system, so the rename is
 * atomic), flushed, then renamed over the target. Nothing is left behind when anything fails.
 */
import {accessSync, closeSync, constants, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'

import {UserError} from '../core/errors.js'

const WHY: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  return WHY[e.code ?? ''] ?? e.code ?? e.message
}

function unwritable(file: string, flag: string, why: string): UserError {
  return new UserError(`cannot write ${flag} ${file}: ${why}; choose a file in a directory you can write`, {code: 'prom_file_unwritable'})
}

/** Checks, before any work, that `file` can be created in its directory (exists, is a directory, writable). */
export function checkWritableDirectory(file: string, flag: string): void {
  const dir = dirname(resolve(file))
  try {
    if (!statSync(dir).isDirectory()) throw unwritable(file, flag, `${dir} is not a directory`)
    accessSync(dir, constants.W_OK)
  } catch (error) {
    if (error instanceof UserError) throw error
    throw unwritable(file, flag, `${dir}: ${describe(error)}`)
  }
  try {
    if (statSync(file).isDirectory()) throw unwritable(file, flag, 'it is a directory')
  } catch (error) {
    if (error instanceof UserError) throw error // a missing file is fine: it is created
  }
}

/** Writes `text` to `file` atomically with mode 0644 (node_exporter usually runs as another user). */
export function writeFileAtomic(file: string, text: string, flag: string): void {
  const target = resolve(file)
  // A dot name without the .prom extension: the textfile collector never reads a temporary file.
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(tmp, 'w', 0o644)
    writeSync(fd, text)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(tmp, target)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    rmSync(tmp, {force: true})
    throw unwritable(file, flag, describe(error))
  }
}
