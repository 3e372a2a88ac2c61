/**
 * The profile's `ssh` keys through the commands (in-process): checked with one clear line (naming
 * profile, key and value), shown by `config show`, and flags win over them. No SSH session is needed.
 */
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, describe, it} from 'node:test'

import {runCommand} from '../helpers/run.js'

describe('mesh: the profile\'s ssh settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tarsnet-mesh-config-'))
  after(() => rmSync(dir, {recursive: true, force: true}))
  const config = (ssh: unknown) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, JSON.stringify({defaultProfile: 'plant1', profiles: {plant1: {ssh}}}))
    return file
  }

  it('a bad value is one line naming the profile, the key and the value; exit 3', async () => {
    const r = await runCommand(['mesh', '--demo', '--config', config({timeout: 'abc'})])
    assert.equal(r.code, 3)
    assert.match(r.stderr, /^error: profile "plant1" in \/.*\.json: ssh\.timeout is "abc" \(a string\): expected a whole number from 1 to 600 \(seconds\)\n$/)
    const option = await runCommand(['mesh', '--demo', '--config', config({options: ['StrictHostKeyChecking=no']}), '--json'])
    assert.equal(option.code, 3)
    assert.match(option.json().error.message, /^invalid profile plant1 ssh\.options 'StrictHostKeyChecking=no': tarsnet never turns host-key checking off/)
    const notText = await runCommand(['mesh', '--demo', '--config', config({options: {ServerAliveInterval: true}})])
    assert.equal(notText.code, 3)
    assert.match(notText.stderr, /^error: profile "plant1" in \/.*\.json: ssh\.options\.ServerAliveInterval is true: expected a string or a number\n$/)
  })

  it('a missing ssh config file from the profile names where it came from; the flag wins over the profile', async () => {
    const missing = join(dir, 'no-such-ssh-config')
    const file = config({configFile: missing})
    const r = await runCommand(['mesh', '--demo', '--config', file])
    assert.equal(r.code, 3)
    assert.equal(r.stderr, `error: ssh config file ${missing} (profile plant1 ssh.configFile) does not exist or is not a file: give the path of an ssh_config file\n`)
    const flag = await runCommand(['mesh', '--demo', '--config', file, '--ssh-config', join(dir, 'other')])
    assert.match(flag.stderr, /\(--ssh-config\) does not exist/)
  })

  it('ssh.options as an object may give a value as a JSON number ({"ServerAliveInterval": 30}), as a string', async () => {
    const r = await runCommand(['config', 'show', '--config', config({options: {ServerAliveInterval: 30, ProxyJump: 'bastion'}}), '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json().settings.find((s: any) => s.name === 'ssh (mesh)').value, '{"options":{"ServerAliveInterval":30,"ProxyJump":"bastion"}}')
  })

  it('config show lists them', async () => {
    const r = await runCommand(['config', 'show', '--config', config({user: 'tars', fanout: 8}), '--json'])
    assert.equal(r.code, 0, r.stderr)
    const row = r.json().settings.find((s: any) => s.name === 'ssh (mesh)')
    assert.deepEqual(row, {name: 'ssh (mesh)', value: '{"user":"tars","fanout":8}', origin: 'profile plant1'})
  })
})
