/**
 * A TCP proxy on loopback in front of a real server (the test MariaDB): stopping it makes the server
 * "go away" for whoever connects through it (open connections are cut, new ones refused) without
 * touching the shared server; starting it again on the same port brings it back.
 */
import net from 'node:net'

export class TcpProxy {
  private server: net.Server | null = null
  private readonly sockets = new Set<net.Socket>()
  port = 0

  constructor(private readonly target: {host: string; port: number}) {}

  /** Listens on 127.0.0.1 (the same port as before after a stop; any free port the first time). */
  async start(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('close', () => this.sockets.delete(s))
        s.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream)
      upstream.pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({host: '127.0.0.1', port: this.port}, () => resolve())
    })
    this.server = server
    this.port = (server.address() as net.AddressInfo).port
    return this.port
  }

  /** Closes the listener and cuts every connection through it. */
  async stop(): Promise<void> {
    const server = this.server
    this.server = null
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
