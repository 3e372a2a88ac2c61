/**
 * V8's heap, kept lean for work that holds thousands of sockets at once (a probe of 10,000 links). By
 * default V8 doubles its young generation (up to 32 MB) as soon as much of what it allocates survives, and
 * lets the old one grow to several times what was live at its last full collection: a probe round's
 * sockets, each dead a second later, then filled 50 MB more than the run ever used. Here the young
 * generation keeps the size it has and the old one grows by half of what survived: about 5 % more CPU time, and
 * peak memory at 10,000 links from about 165 MB to about 115 MB (docs/benchmarks/probe-memory.md).
 *
 * Both are V8 flags read when the heap next grows, so they can be set while running. They are put back
 * (V8's defaults) before the process exits: src/boot.ts writes its code cache at exit, and V8 accepts a
 * cache only under the flags it was written with.
 */
import v8 from 'node:v8'

const LEAN = ['--semi-space-growth-factor=1', '--heap-growing-percent=50']
const DEFAULT = ['--semi-space-growth-factor=2', '--heap-growing-percent=0']

let lean = false

/** From now until exit (or until the returned function is called), a lean heap. */
export function leanHeap(): () => void {
  if (!lean) {
    lean = true
    for (const flag of LEAN) v8.setFlagsFromString(flag)
    // Before src/boot.ts's own exit listener, which may write the code cache.
    process.prependOnceListener('exit', restore)
  }
  return restore
}

function restore(): void {
  if (!lean) return
  lean = false
  for (const flag of DEFAULT) v8.setFlagsFromString(flag)
  process.removeListener('exit', restore)
}
