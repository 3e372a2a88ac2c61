// A hand-edited snapshot is validated on load, naming the field that is wrong; the
// IP-list column's JSON-array form is accepted for ipList.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'

import type {CliResult} from '../helpers/cli.js'
import {runCommand} from '../helpers/run.js'

const dir = mkdtempSync(join(tmpdir(), 'tarsnet-hsnap-'))
const saved = join(dir, 'saved.json')

/** A copy of the demo snapshot with `edit` applied, written to a file of its own. */
function edited(name: string, edit: (s: any) => void): string {
  const snapshot = JSON.parse(readFileSync(saved, 'utf8'))
  edit(snapshot)
  const path = join(dir, `${name}.json`)
  writeFileSync(path, JSON.stringify(snapshot))
  return path
}

function refused(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stdout + r.stderr)
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'))
  assert.equal(errors.length, 1, r.stderr)
  assert.match(errors[0], pattern)
  assert.doesNotMatch(r.stderr, /TypeError|is not a function|unexpected error|\n\s+at /)
}

before(async () => {
  const r = await runCommand(['snapshot', 'save', '--demo', '-o', saved])
  assert.equal(r.code, 0, r.stderr)
})

describe('a hand-edited snapshot', () => {
  it('a heartbeat that is not a date: named, never "NaN d ago"', async () => {
    const path = edited('yesterday', (s) => (s.nodes[0].lastHeartbeat = 'yesterday'))
    const r = await runCommand(['nodes', 'list', '--snapshot', path])
    refused(r, new RegExp(`snapshot ${path}: nodes\\[0\\]\\.lastHeartbeat is not a date \\(it is "yesterday"\\)`))
    assert.doesNotMatch(r.stdout, /NaN/)
  })

  it('ipList as a JSON array (the column\'s JSON-array form) is read as the list', async () => {
    const path = edited('array', (s) => (s.nodes[1].ipList = ['127.10.0.2', '127.20.0.2']))
    const r = await runCommand(['nodes', 'list', '--snapshot', path, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const node = r.json().nodes.find((n: {name: string}) => n.name === '127.10.0.2')
    assert.deepEqual(node.ips.map((i: {ip: string}) => i.ip), ['127.10.0.2', '127.20.0.2'])
    assert.deepEqual(node.problems, [])
    refused(await runCommand(['nodes', 'list', '--snapshot', edited('array-bad', (s) => (s.nodes[1].ipList = ['127.10.0.2', 7]))]),
      /nodes\[1\]\.ipList is a list whose item \[1\] is not a string/)
  })

  it('a null endpoint reads as the database\'s NULL (an empty string), and resolve says so instead of crashing', async () => {
    const path = edited('null-endpoint', (s) => (s.adapters[0].endpoint = null))
    const r = await runCommand(['resolve', 'Plant.ControlServer.ControlObj', '--snapshot', path, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.json().skipped.some((x: {reason: string}) => /empty endpoint/.test(x.reason)), r.stdout)
  })

  it('wrong types anywhere are named with the row and field', async () => {
    const cases: Array<[string, (s: any) => void, RegExp]> = [
      ['endpoint-number', (s) => (s.adapters[2].endpoint = 42), /adapters\[2\]\.endpoint is not a string \(it is 42\)/],
      ['node-string', (s) => (s.nodes[3] = 'node'), /nodes\[3\] is not an object \(it is "node"\)/],
      ['no-name', (s) => delete s.nodes[0].nodeName, /nodes\[0\]\.nodeName is missing;/],
      ['port', (s) => (s.nodes[0].endpointPort = '19386'), /nodes\[0\]\.endpointPort is not a whole number \(it is "19386"\)/],
      ['bak-flag', (s) => (s.servers[1].bakFlag = 0.5), /servers\[1\]\.bakFlag is not a whole number/],
      ['registry-heartbeat', (s) => (s.registry[0].lastHeartbeat = 12), /registry\[0\]\.lastHeartbeat is not a date \(it is 12\)/],
      ['taken-at', (s) => (s.takenAt = 'monday'), /takenAt is not a date \(it is "monday"\)/],
      ['networks', (s) => (s.networks = [{name: 'x', cidrs: ['127.10.0.0/99']}]), /"127\.10\.0\.0\/99" in network "x" is not a CIDR/],
      ['list-present', (s) => (s.ipListColumnPresent = 'yes'), /ipListColumnPresent is not true or false/],
      ['huge', (s) => (s.nodes[0].tarsVersion = {v: 'x'.repeat(1_000_000)}), /nodes\[0\]\.tarsVersion is not a string \(it is \{"v":"x+… \(1000008 characters\)\)/],
    ]
    for (const [name, edit, pattern] of cases) {
      const r = await runCommand(['nodes', 'list', '--snapshot', edited(name, edit)])
      refused(r, pattern)
      assert.ok(r.stderr.length < 600, `${name}: the message is clipped`)
    }
  })

  it('an untouched snapshot still loads, and a saved one round-trips', async () => {
    const r = await runCommand(['nodes', 'list', '--snapshot', saved, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().nodes.length, 6)
    const again = join(dir, 'again.json')
    assert.equal((await runCommand(['snapshot', 'save', '--snapshot', saved, '-o', again])).code, 0)
    const a = JSON.parse(readFileSync(saved, 'utf8'))
    const b = JSON.parse(readFileSync(again, 'utf8'))
    for (const key of ['nodes', 'servers', 'adapters', 'registry', 'groupRules', 'groupPriorities', 'networks', 'ipListColumn', 'ipListColumnPresent']) assert.deepEqual(b[key], a[key], key)
  })
})
