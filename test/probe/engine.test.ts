import assert from 'node:assert/strict'
import net from 'node:net'
import {fileURLToPath} from 'node:url'
import {after, before, describe, it} from 'node:test'
import {closedPort, DroppingListeners, UpListeners, type Listening} from '../../src/lab/listeners.js'
import {LabNamespaces, netnsSupported, NS_DROPPED, NS_LOCAL, NS_PEER, NS_UNREACHABLE} from '../../src/lab/netns.js'
import {classifyError, defaultConcurrency, openFileLimit, probeTargets, type ProbeResult, type ProbeTarget} from '../../src/probe/engine.js'
import {encodeResponseFrame} from '../../src/tars/ping.js'
import {onRequests} from '../helpers/frames.js'

const t = (id: string, host: string, ports: number[], extra: Partial<ProbeTarget> = {}): ProbeTarget =>
  ({id, node: id, network: 'x', host, ports, check: 'tcp', ...extra})

describe('probe engine on loopback', () => {
  const up = new UpListeners()
  const drop = new DroppingListeners()
  let upA: Listening, upV6: Listening, dropped: Listening[], refusedPort: number

  before(async () => {
    upA = await up.add('127.0.10.1')
    upV6 = await up.add('::1')
    dropped = await drop.add([{host: '127.0.10.2'}, {host: '127.0.20.2'}, {host: '127.0.20.3'}, {host: '127.0.20.4'}, {host: '127.0.20.5'}, {host: '127.0.20.6'}])
    refusedPort = await closedPort('127.0.10.3')
  })
  after(async () => {
    await up.close()
    await drop.close()
  })

  it('reports up, refused and timeout (full accept queue), with latency and source address', async () => {
    const [a, b, c, d] = await probeTargets([
      t('up', upA.host, [upA.port]),
      t('refused', '127.0.10.3', [refusedPort]),
      t('timeout', dropped[0].host, [dropped[0].port]),
      t('up6', '::1', [upV6.port], {network: 'y'}),
    ], {timeoutMs: 400, retries: 0})
    assert.equal(a.status, 'up')
    assert.ok(a.latencyMs !== null && a.latencyMs >= 0 && a.latencyMs < 400)
    assert.equal(a.sourceIp, '127.0.0.1')
    assert.equal(a.error, null)
    assert.equal(b.status, 'refused')
    assert.equal(b.error?.code, 'ECONNREFUSED')
    assert.equal(b.latencyMs, null)
    assert.equal(c.status, 'timeout')
    assert.equal(c.error?.code, 'ETIMEDOUT')
    assert.equal(c.sourceIp, '127.0.0.1', 'the source of a probe that got no answer is known too')
    assert.equal(d.status, 'up')
    assert.equal(d.sourceIp, '::1')
    assert.equal(d.network, 'y')
    // No wall-time bound here: speed is measured by `npm run bench`; concurrency is tested below.
  })

  it('binds the source address per network', async () => {
    const [r, other] = await probeTargets([
      t('bound', upA.host, [upA.port]),
      t('unbound', upA.host, [upA.port], {network: 'z'}),
    ], {timeoutMs: 1000, bind: new Map([['x', '127.0.10.99']])})
    assert.equal(r.status, 'up')
    assert.equal(r.sourceIp, '127.0.10.99')
    assert.equal(other.sourceIp, '127.0.0.1')
  })

  it('a bind address the host does not have is an error, not a down link', async () => {
    const [r] = await probeTargets([t('bad', upA.host, [upA.port])], {timeoutMs: 500, bind: new Map([['x', '198.18.9.9']])})
    assert.equal(r.status, 'error')
    assert.equal(r.error?.code, 'EADDRNOTAVAIL')
  })

  it('tries ports until one answers and says which one did', async () => {
    const [r, none] = await probeTargets([
      t('multi', '127.0.10.1', [refusedPort, upA.port]),
      t('none', '127.0.10.3', [refusedPort, refusedPort + 0]),
    ], {timeoutMs: 500})
    assert.equal(r.status, 'up')
    assert.equal(r.port, upA.port)
    assert.equal(none.status, 'refused')
    assert.equal(none.port, refusedPort)
  })

  it('retries only after a timeout or unreachable', async () => {
    const rs = await probeTargets([
      t('up', upA.host, [upA.port]),
      t('refused', '127.0.10.3', [refusedPort]),
      t('timeout', dropped[1].host, [dropped[1].port]),
    ], {timeoutMs: 200, retries: 2})
    const byId = new Map(rs.map((r) => [r.id, r]))
    assert.equal(byId.get('up')!.attempts, 1)
    assert.equal(byId.get('refused')!.attempts, 1)
    assert.equal(byId.get('timeout')!.attempts, 3)
    assert.equal(byId.get('timeout')!.status, 'timeout')
  })

  it('honours the concurrency bound', async () => {
    // Ten targets whose SYNs are dropped (a dropping listener can be probed many times over).
    const targets = Array.from({length: 10}, (_, i) => dropped[1 + (i % 5)]).map((d, i) => t(`d${i}`, d.host, [d.port]))
    let started = Date.now()
    await probeTargets(targets, {timeoutMs: 200, retries: 0, concurrency: 1})
    const serial = Date.now() - started
    started = Date.now()
    const progress: number[] = []
    await probeTargets(targets, {timeoutMs: 200, retries: 0, onProgress: (done) => progress.push(done)})
    const parallel = Date.now() - started
    // A timer never fires early, so ten timeouts one after another take at least 10 × 200 ms.
    assert.ok(serial >= 10 * 200 - 20, `concurrency 1: ten timeouts in a row, took ${serial} ms`)
    // The property checked is "the probes run at once, not one after another", not their speed: the
    // bound is a third of the serial time (ideal: a tenth), wide enough for a loaded 2-core machine.
    assert.ok(parallel < serial / 3, `default concurrency: about one timeout, took ${parallel} ms (serial: ${serial} ms)`)
    assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('runs hundreds of targets at once, not one after another', async () => {
    const targets: ProbeTarget[] = []
    for (let i = 0; i < 600; i++) {
      const kind = i % 3
      if (kind === 0) targets.push(t(`u${i}`, upA.host, [upA.port]))
      else if (kind === 1) targets.push(t(`r${i}`, '127.0.10.3', [refusedPort]))
      else targets.push(t(`d${i}`, dropped[i % dropped.length].host, [dropped[i % dropped.length].port]))
    }
    const started = Date.now()
    const rs = await probeTargets(targets, {timeoutMs: 500, retries: 0})
    const wall = Date.now() - started
    const count = (s: ProbeResult['status']) => rs.filter((r) => r.status === s).length
    assert.deepEqual([count('up'), count('refused'), count('timeout')], [200, 200, 200])
    // Concurrency, not speed (the benchmark measures that): one after another, the 200 timeouts alone
    // would take 200 × 500 ms = 100 s; a tenth of that is a wide margin for a loaded machine.
    assert.ok(wall < (200 * 500) / 10, `took ${wall} ms`)
  })

  it('matches a tars_ping reply to its request: another iRequestId is an error, not an answer', async () => {
    // A peer that answers every ping with iRet 0, but for a request id it was not sent.
    const server = net.createServer((socket) => {
      socket.on('error', () => {})
      onRequests(socket, (req) => socket.write(encodeResponseFrame({iRequestId: req.iRequestId + 1, iRet: 0})))
    })
    await new Promise<void>((resolve) => server.listen({host: '127.0.10.5', port: 0}, () => resolve()))
    const {port} = server.address() as net.AddressInfo
    try {
      const [r] = await probeTargets([t('wrong-id', '127.0.10.5', [port], {check: 'tars', servant: 'App.Server.Obj'})], {timeoutMs: 2000, retries: 0})
      assert.equal(r.status, 'error')
      assert.equal(r.error?.code, 'ETARSREQID')
      assert.match(r.error!.message, /request \d+, not for the ping sent \(request \d+\)/)
      assert.equal(r.tarsRet, null)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('a target with no port is "nothing to probe", without I/O', async () => {
    const [r] = await probeTargets([t('empty', '127.0.10.1', [])])
    assert.equal(r.status, 'error')
    assert.equal(r.error?.code, 'ENOPORT')
    assert.equal(r.attempts, 0)
  })

  it('stops launching when aborted', async () => {
    const ac = new AbortController()
    const p = probeTargets(dropped.map((d, i) => t(`a${i}`, d.host, [d.port])), {timeoutMs: 300, retries: 0, concurrency: 1, signal: ac.signal})
    setTimeout(() => ac.abort(), 50)
    const rs = await p
    assert.equal(rs.filter((r) => r.error?.code === 'EABORTED').length, dropped.length - 1)
  })
})

describe('probe engine helpers', () => {
  it('classifies socket errors', () => {
    assert.equal(classifyError('ECONNREFUSED'), 'refused')
    assert.equal(classifyError('EHOSTUNREACH'), 'unreachable')
    assert.equal(classifyError('ENETUNREACH'), 'unreachable')
    assert.equal(classifyError('ETIMEDOUT'), 'timeout')
    assert.equal(classifyError('EADDRNOTAVAIL'), 'error')
  })

  it('derives concurrency from the open-file limit', () => {
    assert.equal(openFileLimit('Limit  Soft Limit Hard Limit Units\nMax open files            1024                 524288               files\n'), 1024)
    assert.equal(openFileLimit('Max open files            unlimited            unlimited            files\n'), Number.MAX_SAFE_INTEGER)
    assert.equal(openFileLimit('nothing'), null)
    assert.equal(defaultConcurrency(1024), 896)
    assert.equal(defaultConcurrency(20000), 19872)
    assert.equal(defaultConcurrency(64), 16)
    assert.equal(defaultConcurrency(null), 896)
    assert.ok(defaultConcurrency() >= 16)
  })
})

const fixture = fileURLToPath(new URL('../fixtures/probe-in-ns.ts', import.meta.url))

describe('probe engine in lab network namespaces', {skip: netnsSupported() ? false : 'needs root and ip netns'}, () => {
  let lab: LabNamespaces
  before(() => {
    lab = LabNamespaces.create('eng')
  })
  after(() => lab.close())

  const runInNs = (req: unknown): Promise<{results: ProbeResult[]; wallMs: number}> =>
    new Promise((resolve, reject) => {
      const child = lab.spawnInProbeNs(process.execPath, ['--import', 'tsx', fixture], {stdio: ['pipe', 'pipe', 'inherit']})
      let out = ''
      child.stdout!.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`fixture exited ${code}`))))
      child.stdin!.end(JSON.stringify(req))
    })

  it('reports a dropped SYN as timeout and no route as unreachable, retrying both', async () => {
    const {results} = await runInNs({
      targets: [
        t('up', NS_LOCAL, [0]),
        t('refused', NS_PEER, [7]),
        t('dropped', NS_DROPPED, [80]),
        t('unreachable', NS_UNREACHABLE, [80]),
      ],
      options: {timeoutMs: 300, retries: 1},
      listen: NS_LOCAL,
    })
    const byId = new Map(results.map((r) => [r.id, r]))
    assert.equal(byId.get('up')!.status, 'up')
    assert.equal(byId.get('refused')!.status, 'refused')
    assert.equal(byId.get('refused')!.sourceIp, NS_LOCAL)
    assert.equal(byId.get('dropped')!.status, 'timeout')
    assert.equal(byId.get('dropped')!.attempts, 2)
    assert.equal(byId.get('dropped')!.sourceIp, NS_LOCAL)
    assert.equal(byId.get('unreachable')!.status, 'unreachable')
    assert.equal(byId.get('unreachable')!.error?.code, 'EHOSTUNREACH')
    assert.equal(byId.get('unreachable')!.attempts, 2)
    // No wall-time bound: speed is the benchmark's business.
  })
})
