/** Sockets for tests: a port nothing listens on yet. */
import {createServer} from 'node:net'

/** A TCP port free on `host` now (the kernel picks it; closed again before it is returned). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const port = (server.address() as {port: number}).port
  await new Promise((resolve) => server.close(resolve))
  return port
}
