#!/usr/bin/env node
// The same start as bin/run.cjs (the command package.json installs), for callers of this file.
import {createRequire} from 'node:module'

createRequire(import.meta.url)('./run.cjs')
