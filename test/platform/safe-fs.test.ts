/**
 * lib/safe-fs: directories made one level at a time (never Node's recursive mkdir), by several tarsnet
 * processes at once: two edits started together both create the audit log's directory.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {describe, it} from 'node:test'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

describe('ensureDirectory', () => {
  it('several threads making the same nested directories at once all succeed (one of them made each)', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tarsnet-safe-fs-'))
    const threads = 4
    const rounds = 200
    try {
      // Each thread waits for the others, then makes base/r<N>/a/b/c for every round: the same paths at once.
      const ready = new Int32Array(new SharedArrayBuffer(4))
      // tsx's require hook, registered in the thread itself (Node 20 does not pass --import hooks to workers).
      const code = `
        const {workerData: {tsx, module, base, rounds, ready, threads}, parentPort} = require('node:worker_threads')
        require(tsx).register()
        const {ensureDirectory} = require(module)
        Atomics.add(ready, 0, 1)
        while (Atomics.load(ready, 0) < threads) {}
        const failures = []
        for (let r = 0; r < rounds; r++) {
          try { ensureDirectory(base + '/r' + r + '/a/b/c') } catch (error) { failures.push(error.message) }
        }
        parentPort.postMessage(failures)`
      const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api')
      const module = fileURLToPath(new URL('../../src/platform/safe-fs.ts', import.meta.url))
      const failures = (await Promise.all(Array.from({length: threads}, () => new Promise<string[]>((resolve, reject) => {
        const worker = new Worker(code, {eval: true, workerData: {tsx, module, base, rounds, ready, threads}})
        worker.once('message', resolve)
        worker.once('error', reject)
      })))).flat()
      assert.deepEqual(failures, [])
      for (let r = 0; r < rounds; r++) assert.ok(statSync(join(base, `r${r}`, 'a', 'b', 'c')).isDirectory())
    } finally {
      rmSync(base, {recursive: true, force: true})
    }
  })

  it('something else already there under the name (a dangling symlink) is still an error naming it', async () => {
    const {ensureDirectory} = await import('../../src/platform/safe-fs.js')
    const base = mkdtempSync(join(tmpdir(), 'tarsnet-safe-fs-'))
    try {
      symlinkSync(join(base, 'nowhere'), join(base, 'link'))
      assert.throws(() => ensureDirectory(join(base, 'link', 'sub')), {message: `cannot create the directory ${join(base, 'link')}: EEXIST`})
    } finally {
      rmSync(base, {recursive: true, force: true})
    }
  })
})
