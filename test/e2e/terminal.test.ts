/**
 * The searchable picker, driven through a real pseudo-terminal (util-linux `script`): with no object and a
 * person at a terminal, `tarsnet resolve` lists the servants, filters as one types, resolves the choice.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {describe, it} from 'node:test'

import {BIN} from '../helpers/cli.js'

function runInPty(args: string[], steps: Array<{waitFor: RegExp; send: string}>, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI' && !k.startsWith('TARSNET_')) env[k] = v
    Object.assign(env, {NO_COLOR: '1', COLUMNS: '140', TERM: 'xterm'})
    const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    let step = 0
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out at step ${step}; output so far:\n${out}`))
    }, timeoutMs)
    const advance = () => {
      while (step < steps.length && steps[step].waitFor.test(out)) {
        child.stdin.write(steps[step].send)
        step++
      }
    }
    child.stdout.on('data', (d) => {
      out += d
      advance()
    })
    child.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
  })
}

describe('resolve picker (a person at a terminal)', () => {
  it('offers the servants, filters by what is typed, and resolves the choice', async () => {
    const out = await runInPty(['resolve', '--demo'], [
      {waitFor: /Object to resolve/, send: 'Hist'},
      {waitFor: /❯ Plant\.HistoryServer\.HistoryObj/, send: '\r'},
    ])
    // eslint-disable-next-line no-control-regex
    const text = out.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, '')
    assert.match(text, /Plant\.HistoryServer\.HistoryObj\s+findObjectById4Any/)
    assert.match(text, /127\.10\.0\.2:20002/)
  })
})
