/**
 * What --help says, from the built CLI (oclif renders help outside the command, so only a process shows
 * it): arguments as the operator types them, and the --db flag's racing of the hosts.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {runCli} from '../helpers/cli.js'

describe('nodes set-ips --help', () => {
  it('set-ips --help shows NODE [IP...], not NODE...', async () => {
    const r = await runCli(['nodes', 'set-ips', '--help'])
    assert.match(r.stdout, /\$ tarsnet nodes set-ips NODE \[IP\.\.\.\]/)
    assert.match(r.stdout, /^ {2}NODE {2,}Node name/m)
    assert.doesNotMatch(r.stdout, /NODE\.\.\./)
  })
})

describe('the help says the hosts are raced', () => {
  it('--db: raced, 250 ms, the first to answer; never "tried in order"', async () => {
    for (const command of [['nodes', 'list'], ['probe']]) {
      const r = await runCli([...command, '--help'])
      assert.equal(r.code, 0, r.stderr)
      const help = r.stdout.replace(/\s+/g, ' ')
      assert.match(help, /--db=<value>.* the hosts are raced \(the next starts when one has not answered within 250 ms\), the first to answer is used/)
      assert.doesNotMatch(help, /tried in order/i)
    }
  })
})
