/**
 * Tars servers for the lab: a servant that answers tars_ping, on a loopback port.
 *
 * `startTarsJsServant` runs a real, unmodified Tars.js server (@tars/rpc, a devDependency: tests only),
 * with a servant in the shape tars2node generates: it dispatches by function name only. Tars.js hands
 * every request on the port to that servant whatever sServantName says, so it answers tars_ping for any
 * name (docs/design.md §4) — which is what `probe` must cope with.
 * `startBuiltinServant` is a TarsCpp-like responder built on our own codec: like TarsCpp's ServantHandle
 * (and TarsGo), it answers -4 (TARSSERVERNOSERVANTERR) to a request for another servant. The demo uses
 * it, since it must run where devDependencies are not installed.
 */
import {createRequire} from 'node:module'
import net from 'node:net'
import {decodeRequestBody, encodeResponseFrame, frameStatus, PING_FUNCTION} from '../tars/ping.js'
import {assertLoopback, closedPort, type Listening} from './listeners.js'

export interface RunningServant extends Listening {
  servant: string
  /** 'tars.js' or 'builtin' */
  kind: string
  close(): Promise<void>
}

const NO_SERVANT = -4
const NO_FUNCTION = -3

/** Starts a Tars.js (@tars/rpc) server hosting `servant` on host:port (0: a free port). */
export async function startTarsJsServant(servant: string, host = '127.0.0.1', port = 0): Promise<RunningServant> {
  assertLoopback(host)
  const require = createRequire(import.meta.url)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const rpc = require('@tars/rpc') as any
  const TarsStream = require('@tars/stream')
  const chosen = port === 0 ? await closedPort(host) : port

  // A servant implementation in Tars.js's shape: initialize() and onDispatch(current, func, buffer), which
  // looks at the function name only (no servant check: Tars.js has none).
  function PingImp(this: unknown) {}
  PingImp.prototype.initialize = function () {}
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  PingImp.prototype.onDispatch = function (current: any, funcName: string) {
    if (funcName !== PING_FUNCTION) return NO_FUNCTION
    const os = new TarsStream.TarsOutputStream()
    os.writeInt32(0, 0) // tars_ping returns nothing; Tars.js writes the int return value at tag 0
    current.doResponse(os.getBinBuffer())
    return 0
  }

  const server = rpc.server.createServer(PingImp)
  await server.start({endpoint: `tcp -h ${host} -p ${chosen} -t 60000`, servant, protocol: 'tars', handleImp: PingImp})
  // Wait until the listener is bound (Tars.js listens asynchronously).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const listener: net.Server = (server as any)._server._adapters[0]._netthread._listener
  if (!listener.listening) await new Promise<void>((resolve, reject) => {
    listener.once('listening', () => resolve())
    listener.once('error', reject)
  })
  return {
    host,
    port: chosen,
    servant,
    kind: 'tars.js',
    close: async () => {
      server.stop()
      if (listener.listening) await new Promise<void>((resolve) => listener.close(() => resolve()))
    },
  }
}

/** A TarsCpp-like responder (our codec): answers tars_ping for `servant`, -4 for any other servant. */
export async function startBuiltinServant(servant: string, host = '127.0.0.1', port = 0): Promise<RunningServant> {
  assertLoopback(host)
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let rx = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      rx = Buffer.concat([rx, chunk])
      try {
        for (;;) {
          const st = frameStatus(rx)
          if (!st.complete) return
          const req = decodeRequestBody(rx.subarray(4, st.length))
          rx = rx.subarray(st.length)
          let iRet = 0
          if (req.sServantName !== servant) iRet = NO_SERVANT
          else if (req.sFuncName !== PING_FUNCTION) iRet = NO_FUNCTION
          if (req.cPacketType === 1) continue // one-way: no reply
          socket.write(encodeResponseFrame({iVersion: req.iVersion, iRequestId: req.iRequestId, iMessageType: req.iMessageType, iRet}))
        }
      } catch {
        socket.destroy()
      }
    })
  })
  server.on('error', () => {})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({host, port, backlog: 4096}, () => resolve())
  })
  const addr = server.address() as net.AddressInfo
  return {
    host,
    port: addr.port,
    servant,
    kind: 'builtin',
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
