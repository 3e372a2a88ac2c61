/**
 * The real-peer check: a Tars.js client (@tars/rpc, written by others) is given our `--format proxy`
 * string and calls Tars.js servers through it, on 127.0.x.y (IPv4: Tars.js splits endpoint lists on ':').
 */
import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {after, before, describe, it} from 'node:test'

import {startTarsJsServant, type RunningServant} from '../../src/lab/tars-server.js'
import {freePort} from '../helpers/net.js'
import {runCommand} from '../helpers/run.js'
import {adapterRow, nodeRow, serverRow, snapshotOf, writeSnapshot} from '../helpers/snapshot.js'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const rpc = require('@tars/rpc') as any
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const TarsStream = require('@tars/stream') as any

const OBJ = 'Peer.PingServer.PingObj'
const NODES = [
  {name: '127.0.1.1', ips: ['127.0.1.1', '127.0.2.1']},
  {name: '127.0.1.2', ips: ['127.0.1.2', '127.0.2.2']},
]

/** A client proxy class in the shape tars2node generates, with one method: tars_ping. */
function PingProxy(this: {_name?: string; _worker?: unknown}) {
  this._name = undefined
  this._worker = undefined
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
PingProxy.prototype.setTimeout = function (this: any, ms: number) {
  this._worker.timeout = ms
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
PingProxy.prototype.getTimeout = function (this: any) {
  return this._worker.timeout
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
PingProxy.prototype.tars_ping = function (this: any) {
  const os = new TarsStream.TarsOutputStream()
  return this._worker.tars_invoke('tars_ping', os.getBinBuffer()).then(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (data: any) => ({endpoint: String(data.request.RemoteEndpoint.toString()), ret: new TarsStream.TarsInputStream(data.response.sBuffer).readInt32(0, false, 0)}),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (data: any) => {
      throw new Error(`tars_ping failed: ${JSON.stringify(data.error ?? data.response?.error ?? data)}`)
    },
  )
}

let servants: RunningServant[] = []
let snapshotFile = ''
let port = 0

before(async () => {
  port = await freePort('127.0.1.1')
  // Every node binds 0.0.0.0 in the database; here each of its IPs gets a real Tars.js server.
  for (const n of NODES) for (const ip of n.ips) servants.push(await startTarsJsServant(OBJ, ip, port))
  snapshotFile = writeSnapshot(snapshotOf({
    nodes: NODES.map((n) => nodeRow(n.name, n.ips.join(','), {lastRegTime: null})),
    servers: NODES.map((n) => serverRow('Peer', 'PingServer', n.name)),
    adapters: NODES.map((n) => adapterRow('Peer', 'PingServer', n.name, OBJ, `tcp -h 0.0.0.0 -p ${port} -t 60000`)),
  }, 'resolve-peer test'))
})

after(async () => {
  for (const s of servants) await s.close()
  servants = []
})

describe('a Tars.js client accepts our --format proxy string', () => {
  it('calls tars_ping through every endpoint of the string', async () => {
    const r = await runCommand(['resolve', OBJ, '--format', 'proxy', '--snapshot', snapshotFile, '--networks', 'x=127.0.1.0/24;y=127.0.2.0/24'])
    assert.equal(r.code, 0, r.stderr)
    const proxyString = r.stdout.trim()
    const expected = NODES.flatMap((n) => n.ips).map((ip) => `tcp -h ${ip} -p ${port} -t 60000`)
    assert.equal(proxyString, `${OBJ}@${expected.join(':')}`)

    const communicator = rpc.Communicator.New()
    try {
      const prx = communicator.stringToProxy(PingProxy, proxyString)
      prx.setTimeout(3000)
      const seen = new Set<string>()
      for (let i = 0; i < 40; i++) {
        const answer = await prx.tars_ping()
        assert.equal(answer.ret, 0)
        seen.add(answer.endpoint)
      }
      // The client spread its calls over the endpoints it read from our string, and only those.
      const hosts = [...seen].map((e) => /-h (\S+)/.exec(e)?.[1])
      assert.ok(hosts.length >= 2, `calls went to ${[...seen].join(', ')}`)
      for (const h of hosts) assert.ok(NODES.some((n) => n.ips.includes(h!)), `unexpected endpoint ${h}`)
    } finally {
      communicator.destroy()
    }
  })

  it('still reaches every node over network y when network x is down', async () => {
    const r = await runCommand(['resolve', OBJ, '--format', 'proxy', '--snapshot', snapshotFile, '--networks', 'x=127.0.1.0/24;y=127.0.2.0/24'])
    const proxyString = r.stdout.trim()
    // Network x goes away: its servers stop.
    for (const s of servants.filter((x) => x.host.startsWith('127.0.1.'))) await s.close()
    servants = servants.filter((x) => !x.host.startsWith('127.0.1.'))
    const communicator = rpc.Communicator.New()
    try {
      const prx = communicator.stringToProxy(PingProxy, proxyString)
      prx.setTimeout(1000)
      let ok = 0
      for (let i = 0; i < 12; i++) {
        try {
          const answer = await prx.tars_ping()
          assert.match(answer.endpoint, /127\.0\.2\./)
          ok++
        } catch {
          // A call may land on a dead endpoint before the client marks it down.
        }
      }
      // Tars.js keeps round-robining onto the dead IPs (about half the calls fail): what matters here is
      // that the y endpoints it read from our string answer.
      assert.ok(ok >= 3, `only ${ok} of 12 calls succeeded over network y`)
    } finally {
      communicator.destroy()
    }
  })
})
