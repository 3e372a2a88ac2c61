/**
 * Making directories and choosing files without the traps of a Linux box: Node's recursive mkdir loops
 * forever under /proc (mkdir fails with ENOENT there, and it retries), and files on kernel pseudo
 * filesystems look regular but are no place for a log or a config.
 */
import {existsSync, mkdirSync, realpathSync, statSync, statfsSync} from 'node:fs'
import {dirname} from 'node:path'

/**
 * Kernel pseudo filesystems (statfs f_type, linux/magic.h): their files look regular and may even open for
 * writing, but they are not logs (a write to /proc/self/status fails after the fact).
 */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'], [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'], [0x73636673, 'securityfs'], [0x62656570, 'configfs'], [0xcafe4a11, 'bpf'], [0x1cd1, 'devpts'],
  [0x6165676c, 'pstore'], [0xde5e81e4, 'efivarfs'],
])

export function refusePseudoFilesystem(dir: string): void {
  const real = realpathSync(dir)
  let type: string | undefined
  try {
    type = PSEUDO_FILESYSTEMS.get(Number(statfsSync(real).type))
  } catch {
    // statfs unsupported here: the path test below still applies
  }
  if (!type && /^\/(proc|sys)(\/|$)/.test(real)) type = real.split('/')[1]
  if (type) throw new Error(`${real} is on the kernel's ${type} filesystem, not a disk`)
}

/**
 * Creates the missing directories of `dir` one level at a time. (Node's recursive mkdir loops forever
 * under /proc, where mkdir fails with ENOENT; one level at a time fails once, clearly.) Refuses a
 * directory on a kernel pseudo filesystem.
 */
export function ensureDirectory(dir: string): void {
  const missing: string[] = []
  let at = dir
  while (!existsSync(at)) {
    missing.push(at)
    const parent = dirname(at)
    if (parent === at) break
    at = parent
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new Error(`${at} is not a directory`)
  if (existsSync(at)) refusePseudoFilesystem(at)
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, {mode: 0o700})
    } catch (error) {
      // Another tarsnet made it since we looked (two edits at once both creating the audit log's directory).
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && isDirectory(d)) continue
      throw new Error(`cannot create the directory ${d}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
