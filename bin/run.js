#!/usr/bin/env node
// Node 22+ caches compiled modules on disk: a faster start for every run after the first (no-op on Node 20).
import module from 'node:module'

module.enableCompileCache?.()

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
