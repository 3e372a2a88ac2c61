/**
 * A TCP proxy on loopback in front of a MySQL server that goes silent at a chosen statement, as a server
 * does whose network is cut (or that freezes) at exactly that moment. It reads the client's MySQL packets
 * (3-byte length, sequence id, payload); when a COM_QUERY's SQL matches `freezeOn`, it forwards that
 * statement to the server (or not) and from then on passes nothing on that connection in either direction,
 * holding the sockets open (each new connection is passed through until it, too, reaches the statement).
 * The server is never stopped: only what reaches the client is.
 */
import net from 'node:net'

const COM_QUERY = 0x03

export class FreezingProxy {
  /** The SQL that froze a connection last (null: none did yet). */
  frozeAt: string | null = null
  private readonly sockets = new Set<net.Socket>()

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(target: {host: string; port: number}, freezeOn: RegExp, options: {forwardMatch: boolean}): Promise<FreezingProxy> {
    let proxy: FreezingProxy | undefined
    const server = net.createServer((client) => {
      const upstream = net.connect(target)
      const p = proxy!
      for (const s of [client, upstream]) {
        p.sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => p.sockets.delete(s))
      }
      let pending = Buffer.alloc(0)
      let frozen = false
      client.on('data', (chunk: Buffer) => {
        if (frozen) return
        pending = Buffer.concat([pending, chunk])
        // Forward whole packets, looking at each.
        while (pending.length >= 4) {
          const length = pending.readUIntLE(0, 3)
          if (pending.length < 4 + length) break
          const packet = pending.subarray(0, 4 + length)
          pending = pending.subarray(4 + length)
          const sql = packet[4] === COM_QUERY ? packet.subarray(5).toString('utf8') : null
          if (sql !== null && freezeOn.test(sql)) {
            if (options.forwardMatch) upstream.write(packet)
            p.frozeAt = sql
            frozen = true
            return
          }
          upstream.write(packet)
        }
      })
      upstream.on('data', (chunk: Buffer) => {
        if (!frozen) client.write(chunk)
      })
      client.on('close', () => {
        // The client gave up: let the server see its connection go (it then rolls back what it had not committed).
        upstream.destroy()
      })
      upstream.on('close', () => {
        if (!frozen) client.destroy()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    proxy = new FreezingProxy(server, (server.address() as net.AddressInfo).port)
    return proxy
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((r) => this.server.close(() => r()))
  }
}
