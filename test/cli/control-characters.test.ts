/**
 * On a colour terminal, control characters from the database (a hand-edited snapshot here), from a
 * registry's answer and from the audit log are shown escaped in every human output, colour codes
 * included, while tarsnet's own colours stay; JSON keeps the bytes. Colour is forced (FORCE_COLOR), where
 * a colour code stored in a node name used to reach the screen live (on a real pty: test/e2e/terminal.test.ts).
 */
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {closedPort} from '../../src/lab/listeners.js'
import {RegistryReplica} from '../../src/lab/registry-server.js'
import type {EndpointF} from '../../src/tars/queryf.js'
import type {CliResult} from '../helpers/cli.js'
import {assertSafe, ENDPOINT, ENDPOINT_SHOWN, ESC, IP_JUNK, IP_JUNK_SHOWN, NODE, NODE_SHOWN, OBJECT, OBJECT_SHOWN, VERSION, VERSION_SHOWN, withoutOwnColour, writeHostileSnapshot} from '../helpers/hostile-snapshot.js'
import {runCommand} from '../helpers/run.js'

const now = new Date().toISOString()

/** Colour forced on, as on a terminal. */
const COLOUR = {NO_COLOR: undefined, FORCE_COLOR: '1'}

function assertColoured(r: CliResult, what: string): void {
  assert.ok(r.stdout.includes(`${ESC}[`), `${what}: colour is on (our own codes are there): ${JSON.stringify(r.stdout.slice(0, 300))}`)
}

describe('control characters from the data never reach a colour terminal', () => {
  let dir: string
  let snap: string
  const run = (args: string[], env: Record<string, string | undefined> = {}) => runCommand([...args, '--snapshot', snap], {env: {...COLOUR, ...env}})

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tarsnet-escape-'))
    snap = writeHostileSnapshot()
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  it('nodes list and nodes show: names, IP lists, versions and endpoints escaped; our colours kept; JSON exact', async () => {
    const list = await run(['nodes', 'list'])
    assert.equal(list.code, 0, list.stderr)
    assertSafe(list, 'nodes list')
    assertColoured(list, 'nodes list')
    for (const shown of [NODE_SHOWN, VERSION_SHOWN]) assert.ok(list.stdout.includes(shown), `nodes list shows ${shown}:\n${list.stdout}`)

    const show = await run(['nodes', 'show', NODE])
    assert.equal(show.code, 0, show.stderr)
    assertSafe(show, 'nodes show')
    assertColoured(show, 'nodes show')
    for (const shown of [NODE_SHOWN, VERSION_SHOWN, IP_JUNK_SHOWN, OBJECT_SHOWN, ENDPOINT_SHOWN, String.raw`Bad\x1b[31m.Srv\u202e`]) {
      assert.ok(show.stdout.includes(shown), `nodes show shows ${shown}:\n${show.stdout}`)
    }
    const json = (await runCommand(['nodes', 'show', NODE, '--snapshot', snap, '--json'], {env: COLOUR})).json()
    assert.equal(json.node.name, NODE)
    assert.equal(json.node.tarsVersion, VERSION)
    const adapters = json.servers.flatMap((s: {adapters: Array<{servant: string; endpoint: string}>}) => s.adapters)
    assert.ok(adapters.some((a: {servant: string}) => a.servant === OBJECT), 'the object name is exact in JSON')
    assert.ok(adapters.some((a: {endpoint: string}) => a.endpoint === ENDPOINT), 'the endpoint is exact in JSON')

    // A one-line error quoting a name (the closest names, from the database) is escaped too.
    const unknown = await run(['nodes', 'show', 'h\u001B[31mred'])
    assert.equal(unknown.code, 1)
    assertSafe(unknown, 'nodes show (unknown)')
    assert.match(unknown.stderr, /error:.*unknown node "h\\x1b\[31mred".*did you mean .*h\\x1b\[31mred\\x1b\[2J\\u202eevil/)
  })

  it('resolve, probe --plan and probe', async () => {
    const resolve = await run(['resolve', 'Lab.GoodServer.GoodObj'])
    assert.equal(resolve.code, 0, resolve.stderr)
    assertSafe(resolve, 'resolve')
    assertColoured(resolve, 'resolve')
    assert.ok(resolve.stdout.includes(NODE_SHOWN), resolve.stdout)

    const plan = await run(['probe', '--plan'])
    assert.equal(plan.code, 0, plan.stderr)
    assertSafe(plan, 'probe --plan')
    for (const shown of [NODE_SHOWN, OBJECT_SHOWN]) assert.ok(plan.stdout.includes(shown), `probe --plan shows ${shown}:\n${plan.stdout}`)

    const probe = await run(['probe', '--port', String(await closedPort('127.0.51.1')), '--timeout', '300', '--retries', '0'])
    assert.equal(probe.code, 2, probe.stdout + probe.stderr)
    assertSafe(probe, 'probe')
    assertColoured(probe, 'probe')
    assert.ok(probe.stdout.includes(NODE_SHOWN), probe.stdout)
  })

  it('check and impact: findings, objects and cuts', async () => {
    const check = await run(['check'])
    assert.equal(check.code, 1, check.stdout + check.stderr)
    assertSafe(check, 'check')
    assertColoured(check, 'check')
    for (const shown of [NODE_SHOWN, OBJECT_SHOWN, String.raw`-t 60000\u202e`]) assert.ok(check.stdout.includes(shown), `check shows ${shown}:\n${check.stdout}`)
    assert.ok(check.stdout.includes(`${OBJECT_SHOWN} is served by one node`), 'a finding\'s message names the object escaped')

    const impact = await run(['impact', '--cut', 'y'])
    assert.equal(impact.code, 1, impact.stdout + impact.stderr)
    assertSafe(impact, 'impact --cut y')
    assertColoured(impact, 'impact --cut y')
    assert.ok(impact.stdout.includes(OBJECT_SHOWN), impact.stdout)
    const byNode = await run(['impact', '--cut', NODE])
    assertSafe(byNode, 'impact --cut NODE')
    assert.ok(withoutOwnColour(byNode.stdout).includes(`Cut: ${NODE_SHOWN}`), byNode.stdout)

    const json = (await runCommand(['impact', '--cut', 'y', '--snapshot', snap, '--json'], {env: COLOUR})).json()
    assert.ok(json.objects.some((o: {object: string}) => o.object === OBJECT), 'the object name is exact in JSON')
  })

  it('registry check: a refused address, and a registry answering with hostile endpoints', async () => {
    const hostileEndpoint: EndpointF = {
      host: '127.0.51.1\u001B[2J', port: 20002, timeout: 60000, istcp: 1, grid: 0, groupworkid: 0, grouprealid: 0, setId: '\u202E',
      qos: 0, bakFlag: 0, weight: 0, weightType: 0, authType: 0, nodeName: NODE,
    }
    const replica = await RegistryReplica.start({hosts: ['127.0.51.9'], objects: {[OBJECT]: {active: [hostileEndpoint], inactive: []}}})
    try {
      const refused = await closedPort('127.0.52.9')
      const r = await run(['registry', 'check', '--all', '--timeout', '2000', '--locator', `${replica.locator()}:tcp -h 127.0.52.9 -p ${refused}`])
      assert.equal(r.code, 1, r.stdout + r.stderr)
      assertSafe(r, 'registry check')
      assertColoured(r, 'registry check')
      assert.match(r.stdout, /refused/)
      assert.ok(r.stdout.includes(OBJECT_SHOWN), `the object from the database:\n${r.stdout}`)
      assert.ok(r.stdout.includes(String.raw`127.0.51.1\x1b[2J`), `the registry's host:\n${r.stdout}`)
    } finally {
      await replica.close()
    }
  })

  it('mesh: the one-line error naming the nodes that did not answer over SSH', {skip: !process.env.PATH?.split(':').some((d) => existsSyncSafe(join(d, 'ssh'))) && 'no ssh client'}, async () => {
    const port = await closedPort('127.0.51.1')
    const r = await run(['mesh', '--port', '1', '--ssh-option', `Port=${port}`, '--timeout', '300'])
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assertSafe(r, 'mesh')
    assert.ok(r.stderr.includes(`${NODE_SHOWN}: `), r.stderr)
  })

  it('nodes history: node names and lists from the audit log', async () => {
    const data = join(dir, 'data')
    mkdirSync(join(data, 'tarsnet'), {recursive: true})
    const entry = {
      time: now, kind: 'ip-list', osUser: 'op\u001B[31m', dbUser: 'tars', dbHost: '127.0.0.1:3306', database: 'db_tars',
      node: NODE, before: `127.0.51.1,${IP_JUNK}`, after: '127.0.51.1\u001B[2J', command: 'tarsnet nodes set-ips \u202E',
    }
    writeFileSync(join(data, 'tarsnet', 'audit.jsonl'), JSON.stringify(entry) + '\n')
    const r = await runCommand(['nodes', 'history'], {env: {...COLOUR, XDG_DATA_HOME: data}})
    assert.equal(r.code, 0, r.stderr)
    assertSafe(r, 'nodes history')
    for (const shown of [NODE_SHOWN, IP_JUNK_SHOWN, String.raw`127.0.51.1\x1b[2J`, String.raw`op\x1b[31m`]) assert.ok(r.stdout.includes(shown), `nodes history shows ${shown}:\n${r.stdout}`)
  })
})

function existsSyncSafe(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
