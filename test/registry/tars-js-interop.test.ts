/**
 * Our QueryF against code written by others: Tars.js's @tars/registry client (QueryFProxy.js over
 * @tars/rpc) decodes what the lab's replica (our codec) sends, and our client decodes answers encoded
 * by @tars/stream — nodeName (tag 14) included, which @tars/registry's own EndpointF lacks — even when
 * they come back in another order than asked.
 */
import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import net from 'node:net'
import {after, before, describe, it} from 'node:test'

import {RegistryReplica} from '../../src/lab/registry-server.js'
import {askAddress} from '../../src/registry/client.js'
import {endpointF, REGISTRY_QUERY_OBJ, type EndpointF} from '../../src/tars/queryf.js'
import {onRequests} from '../helpers/frames.js'

const require = createRequire(import.meta.url)
/* eslint-disable @typescript-eslint/no-explicit-any */
const rpc = require('@tars/rpc') as any
const QueryF = require('@tars/registry/QueryFProxy.js').tars as any
const registryClient = require('@tars/registry') as any
const TarsStream = require('@tars/stream') as any
const TarsPacket = require('@tars/rpc/core/rpc-tars/RequestF.js').tars as any
/* eslint-enable @typescript-eslint/no-explicit-any */

const HOST = '127.0.55.1'
const N1: EndpointF = endpointF({host: '127.0.55.11', port: 7001, timeout: 60000, groupworkid: 2, grouprealid: 2, setId: 'app.sz.1', weight: 50, weightType: 1, authType: 1, nodeName: 'n1'})
const N2: EndpointF = endpointF({host: 'fd00:20::12', port: 7001, timeout: 60000, istcp: 0, nodeName: 'n2'})
/** What @tars/registry's EndpointF (tags 0–12) holds of ours. */
const theirView = (ep: EndpointF) => ({host: ep.host, port: ep.port, timeout: ep.timeout, istcp: ep.istcp, grid: ep.grid, groupworkid: ep.groupworkid, grouprealid: ep.grouprealid, setId: ep.setId, qos: ep.qos, bakFlag: ep.bakFlag, weight: ep.weight, weightType: ep.weightType})

describe('@tars/registry (Tars.js) asks our replica', () => {
  let replica: RegistryReplica
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let comm: any
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let proxy: any
  before(async () => {
    replica = await RegistryReplica.start({hosts: [HOST], objects: {'Lab.Svc.Obj': {active: [N1], inactive: [N2]}}})
    comm = rpc.Communicator.New()
    proxy = comm.stringToProxy(QueryF.QueryFProxy, replica.locator())
  })
  after(async () => {
    comm.disconnect()
    await replica.close()
  })

  it('findObjectById4Any: the return value and both lists, every field its EndpointF knows', async () => {
    const r = await proxy.findObjectById4Any('Lab.Svc.Obj')
    assert.equal(r.response.return, 0)
    assert.deepEqual(r.response.arguments.activeEp.toObject(), [theirView(N1)])
    assert.deepEqual(r.response.arguments.inactiveEp.toObject(), [theirView(N2)])
  })

  it('findObjectById, findObjectByIdInSameGroup, findObjectByIdInSameSet, findObjectByIdInSameStation; -1 for an unknown object', async () => {
    const plain = await proxy.findObjectById('Lab.Svc.Obj')
    assert.deepEqual(plain.response.return.toObject(), [theirView(N1)])
    const group = await proxy.findObjectByIdInSameGroup('Lab.Svc.Obj')
    assert.deepEqual([group.response.return, group.response.arguments.activeEp.toObject().length, group.response.arguments.inactiveEp.toObject().length], [0, 1, 1])
    const set = await proxy.findObjectByIdInSameSet('Lab.Svc.Obj', 'app.sz.1')
    assert.deepEqual(set.response.arguments.activeEp.toObject(), [theirView(N1)])
    const station = await proxy.findObjectByIdInSameStation('Lab.Svc.Obj', 'south')
    assert.equal(station.response.arguments.inactiveEp.toObject()[0].host, 'fd00:20::12')
    const unknown = await proxy.findObjectById4Any('Lab.Nobody.Obj')
    assert.deepEqual([unknown.response.return, unknown.response.arguments.activeEp.toObject()], [-1, []])
    // The replica read Tars.js's requests with our decoder: every parameter in place.
    const seen = replica.requests.slice(-5).map((q) => [q.fn, q.args])
    assert.deepEqual(seen, [
      ['findObjectById', {id: 'Lab.Svc.Obj'}],
      ['findObjectByIdInSameGroup', {id: 'Lab.Svc.Obj'}],
      ['findObjectByIdInSameSet', {id: 'Lab.Svc.Obj', setId: 'app.sz.1'}],
      ['findObjectByIdInSameStation', {id: 'Lab.Svc.Obj', station: 'south'}],
      ['findObjectById4Any', {id: 'Lab.Nobody.Obj'}],
    ])
  })

  it('through @tars/registry\'s own client object (setLocator), which sends its node_name in the context', async () => {
    const client = registryClient.New()
    client.setLocator(replica.locator())
    const r = await client.findObjectById4Any('Lab.Svc.Obj')
    assert.equal(r.response.arguments.activeEp.toObject()[0].host, '127.0.55.11')
    assert.ok('node_name' in replica.requests.at(-1)!.context)
  })
})

/** An EndpointF written by @tars/stream with every tag, 14 (nodeName) included. */
function theirEndpoint(ep: EndpointF) {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    _writeTo(os: any) {
      os.writeString(0, ep.host); os.writeInt32(1, ep.port); os.writeInt32(2, ep.timeout); os.writeInt32(3, ep.istcp); os.writeInt32(4, ep.grid)
      os.writeInt32(5, ep.groupworkid); os.writeInt32(6, ep.grouprealid); os.writeString(7, ep.setId); os.writeInt32(8, ep.qos); os.writeInt32(9, ep.bakFlag)
      os.writeInt32(11, ep.weight); os.writeInt32(12, ep.weightType); os.writeInt32(13, ep.authType); os.writeString(14, ep.nodeName)
    },
  }
}

/** A whole response frame, by @tars/stream: ResponsePacket (RequestF.tars) around a findObjectById4Any answer. */
function theirResponse(requestId: number, ret: number, active: EndpointF[], inactive: EndpointF[]): Buffer {
  const body = new TarsStream.TarsOutputStream()
  body.writeInt32(0, ret)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const proto = {_write: (os: any, tag: number, v: any) => os.writeStruct(tag, v), _classname: 'EndpointF'}
  for (const [tag, eps] of [[2, active], [3, inactive]] as const) {
    const list = new TarsStream.List(proto)
    for (const ep of eps) list.push(theirEndpoint(ep))
    body.writeList(tag, list)
  }
  const rsp = new TarsPacket.ResponsePacket()
  rsp.iVersion = 1
  rsp.iRequestId = requestId
  rsp.iRet = 0
  rsp.sBuffer = body.getBinBuffer()
  const os = new TarsStream.TarsOutputStream()
  os.setHeaderLength(0)
  rsp._writeTo(os)
  os.setHeaderLength(os.getBinBuffer().length)
  return os.getBinBuffer().toNodeBuffer()
}

describe('our client reads answers @tars/stream encoded', () => {
  let server: net.Server
  let port = 0
  before(async () => {
    // Holds every question until both are in, then answers them in reverse order, in one write.
    server = net.createServer((socket) => {
      const held: Array<{id: number; object: string}> = []
      socket.on('error', () => {})
      onRequests(socket, (req) => {
        const params = new TarsStream.TarsInputStream(new TarsStream.BinBuffer(Buffer.from(req.sBuffer)))
        held.push({id: req.iRequestId, object: params.readString(1, true)})
        if (held.length < 2) return
        socket.write(Buffer.concat(held.reverse().map((q) => q.object === 'Lab.One.Obj' ? theirResponse(q.id, 0, [N1], [N2]) : theirResponse(q.id, -1, [], []))))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()))
    port = (server.address() as net.AddressInfo).port
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('every field, nodeName (tag 14) included, matched to its question by request id', async () => {
    const o = await askAddress(HOST, port, REGISTRY_QUERY_OBJ, [
      {fn: 'findObjectById4Any', args: {id: 'Lab.One.Obj'}},
      {fn: 'findObjectById4Any', args: {id: 'Lab.Two.Obj'}},
    ], {timeoutMs: 3000})
    assert.equal(o.status, 'ok')
    assert.deepEqual(o.outcomes[0].answer, {ret: 0, active: [N1], inactive: [N2]})
    assert.equal(o.outcomes[0].answer!.active[0].nodeName, 'n1')
    assert.deepEqual(o.outcomes[1].answer, {ret: -1, active: [], inactive: []})
  })
})
