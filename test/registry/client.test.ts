/**
 * The QueryF client (src/registry/client.ts) on real loopback sockets, against the lab's registry
 * replica and the ways a registry address fails: refused, SYNs dropped, silence, malformed bytes, a huge
 * length prefix, a hang-up, the wrong servant. One connection per address, questions pipelined.
 */
import assert from 'node:assert/strict'
import {after, describe, it} from 'node:test'

import {closedPort, DroppingListeners} from '../../src/lab/listeners.js'
import {RegistryReplica} from '../../src/lab/registry-server.js'
import {askAddress, askRegistries, type Question} from '../../src/registry/client.js'
import {endpointF, REGISTRY_QUERY_OBJ} from '../../src/tars/queryf.js'

const HOST = '127.0.53.1'
const objects = (n: number) => Array.from({length: n}, (_, i) => `Lab.S${i}.Obj`)
const data = (names: string[]) => Object.fromEntries(names.map((name, i) => [name, {
  active: [endpointF({host: '127.0.53.100', port: 7000 + i, timeout: 3000, nodeName: 'n1'})],
  inactive: i % 2 === 0 ? [endpointF({host: '127.0.54.100', port: 7000 + i, nodeName: 'n1'})] : [],
}]))
const ask = (names: string[]): Question[] => names.map((id) => ({fn: 'findObjectById4Any', args: {id}}))

describe('the QueryF client', () => {
  const replicas: RegistryReplica[] = []
  const dropping = new DroppingListeners()
  const start = async (options: Partial<Parameters<typeof RegistryReplica.start>[0]> = {}) => {
    const r = await RegistryReplica.start({hosts: [HOST], ...options})
    replicas.push(r)
    return r
  }
  after(async () => {
    await Promise.all(replicas.map((r) => r.close()))
    await dropping.close()
  })

  it('asks 300 questions on one connection, pipelined by request id within the window, and decodes every answer', async () => {
    const names = objects(300)
    const replica = await start({objects: data(names)})
    const o = await askAddress(HOST, replica.port, REGISTRY_QUERY_OBJ, ask(names), {timeoutMs: 5000, window: 64})
    assert.equal(o.status, 'ok')
    assert.equal(replica.connectionCount, 1)
    assert.equal(replica.requests.length, 300)
    assert.equal(new Set(replica.requests.map((r) => r.requestId)).size, 300)
    assert.equal(o.clientIp, '127.0.0.1')
    assert.equal(typeof o.latencyMs, 'number')
    o.outcomes.forEach((q, i) => {
      assert.equal(q.status, 'ok')
      assert.equal(q.answer!.active[0].port, 7000 + i)
      assert.equal(q.answer!.active[0].nodeName, 'n1')
      assert.equal(q.answer!.inactive.length, i % 2 === 0 ? 1 : 0)
    })
  })

  it('an object the replica does not know is answered -1 with no endpoint (still an answer)', async () => {
    const replica = await start({objects: data(['Lab.Known.Obj'])})
    const o = await askAddress(HOST, replica.port, REGISTRY_QUERY_OBJ, ask(['Lab.Unknown.Obj']), {timeoutMs: 3000})
    assert.equal(o.status, 'ok')
    assert.deepEqual(o.outcomes[0].answer, {ret: -1, active: [], inactive: []})
  })

  it('refused, and SYNs dropped (timeout), are told apart; every address is asked at once', async () => {
    const drops = await dropping.add([2, 4, 5, 6, 7, 8].map((i) => ({host: `127.0.53.${i}`})))
    const refusedPort = await closedPort('127.0.53.3')
    const replica = await start({objects: data(['Lab.S0.Obj'])})
    const t0 = Date.now()
    const [ok, timeout, refused, ...others] = await askRegistries(
      [{host: HOST, port: replica.port}, drops[0], {host: '127.0.53.3', port: refusedPort}, ...drops.slice(1)],
      REGISTRY_QUERY_OBJ, ask(['Lab.S0.Obj', 'Lab.S1.Obj']), {timeoutMs: 500},
    )
    const wall = Date.now() - t0
    assert.equal(ok.status, 'ok')
    assert.equal(timeout.status, 'timeout')
    assert.equal(timeout.error?.code, 'ETIMEDOUT')
    assert.deepEqual(timeout.outcomes.map((q) => q.status), ['timeout', 'timeout'])
    assert.equal(timeout.clientIp, null)
    assert.equal(refused.status, 'refused')
    assert.equal(refused.error?.code, 'ECONNREFUSED')
    assert.ok(others.every((o) => o.status === 'timeout'))
    // Concurrency, not speed (the benchmark measures that): one address after another, the six dropped
    // ones alone would take 6 × 500 ms; half of that is a wide margin for a loaded machine.
    assert.ok(wall < (6 * 500) / 2, `took ${wall} ms`)
  })

  it('a registry that never answers: every question ends after one timeout, not one per window', async () => {
    const replica = await start({behaviour: 'silent'})
    const o = await askAddress(HOST, replica.port, REGISTRY_QUERY_OBJ, ask(objects(50)), {timeoutMs: 500, window: 5})
    assert.equal(o.status, 'error')
    assert.equal(o.error?.code, 'ETARSNOREPLY')
    assert.match(o.error!.message, /connected, but no answer within 500 ms/)
    assert.ok(o.outcomes.every((q) => q.error?.code === 'ETARSNOREPLY'))
    // Given up after the first window's timeout: the nine windows after it were never sent.
    assert.equal(replica.requests.length, 5)
  })

  it('a malformed answer fails its own question only; a malformed frame, a huge length prefix or a hang-up fail the connection', async () => {
    const names = objects(3)
    const one = await start({objects: data(names), objectBehaviour: {[names[1]]: 'malformed-answer'}})
    const o = await askAddress(HOST, one.port, REGISTRY_QUERY_OBJ, ask(names), {timeoutMs: 3000})
    assert.equal(o.status, 'ok')
    assert.deepEqual(o.outcomes.map((q) => q.status), ['ok', 'error', 'ok'])
    assert.equal(o.outcomes[1].error?.code, 'ETARSDECODE')
    assert.match(o.outcomes[1].error!.message, /^not a findObjectById4Any answer: a list of 1000000 element/)

    const cases: Array<[Parameters<typeof RegistryReplica.start>[0]['behaviour'], string, RegExp]> = [
      ['malformed-frame', 'ETARSDECODE', /^not a Tars answer: /],
      ['huge-length', 'ETARSDECODE', /frame length 2147483647 is not a Tars frame/],
      ['close', 'ETARSCLOSED', /closed the connection/],
    ]
    for (const [behaviour, code, message] of cases) {
      const r = await start({behaviour})
      const x = await askAddress(HOST, r.port, REGISTRY_QUERY_OBJ, ask(names), {timeoutMs: 3000})
      assert.equal(x.status, 'error', behaviour)
      assert.equal(x.error?.code, code, behaviour)
      assert.match(x.error!.message, message)
      assert.ok(x.outcomes.every((q) => q.error?.code === code), behaviour)
    }
  })

  it('the wrong servant on the port: -4, said in words', async () => {
    const replica = await start({servant: 'Other.Server.Obj'})
    const o = await askAddress(HOST, replica.port, REGISTRY_QUERY_OBJ, ask(['Lab.S0.Obj']), {timeoutMs: 3000})
    assert.equal(o.status, 'error')
    assert.equal(o.error?.code, 'TARS-4')
    assert.equal(o.error?.message, 'port answers but hosts another servant')
  })

})
