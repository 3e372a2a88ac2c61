/**
 * Lab listeners on loopback for tests, the demo and the benchmark: ports that accept (up), that are
 * closed (refused), and whose SYNs are dropped (timeout). Only loopback addresses (127.0.0.0/8, ::1)
 * or addresses inside namespaces the lab itself creates are ever used.
 */
import type {ChildProcess} from 'node:child_process'
import net from 'node:net'
import {createInterface} from 'node:readline'

import {ipKind, parseIp} from '../core/ip.js'
import {spawnNodeScript} from '../platform/runtime.js'

export interface Listening {
  host: string
  port: number
}

/** Refuses anything that is not a loopback address: the lab never touches a real network. */
export function assertLoopback(host: string): void {
  const ip = parseIp(host)
  if (ip && ipKind(ip) === 'loopback') return
  throw new Error(`lab: ${host} is not a loopback address`)
}

/** A listener that accepts every connection and closes it at once. */
export class UpListeners {
  private readonly servers: net.Server[] = []

  /** Listens on host:port (port 0: any free port). A large backlog so a burst of probes is never dropped. */
  async add(host: string, port = 0): Promise<Listening> {
    assertLoopback(host)
    const server = net.createServer({noDelay: true}, (socket) => {
      socket.on('error', () => {})
      socket.destroy()
    })
    server.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({host, port, backlog: 65535, exclusive: true}, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.servers.push(server)
    const addr = server.address() as net.AddressInfo
    return {host, port: addr.port}
  }

  get count(): number {
    return this.servers.length
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}

/** A port on `host` that nothing listens on (refused): bound, read, released. */
export async function closedPort(host: string): Promise<number> {
  assertLoopback(host)
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({host, port: 0}, () => resolve())
  })
  const {port} = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

// The child that holds the dropping listeners: it listens with backlog 1, prints the ports, then is
// stopped (SIGSTOP) so it never accepts. Plain JS with Node's built-ins only, run with `node -e` (or by the
// single executable as itself: platform/runtime.ts), so it needs no file on disk in any way tarsnet is shipped.
export const DROP_CHILD_NAME = 'lab-drop-listeners'
export const DROP_CHILD = `
const net = require('net');
const rl = require('readline').createInterface({input: process.stdin});
rl.on('line', (line) => {
  const req = JSON.parse(line);
  let left = req.hosts.length; const out = new Array(left);
  if (left === 0) { process.stdout.write(JSON.stringify({ports: []}) + '\\n'); return; }
  req.hosts.forEach((h, i) => {
    const s = net.createServer();
    s.on('connection', (c) => c.destroy());
    s.once('error', (e) => { process.stdout.write(JSON.stringify({error: h + ': ' + e.message}) + '\\n'); process.exit(1); });
    s.listen({host: h.host, port: h.port || 0, backlog: 1, exclusive: true}, () => {
      out[i] = s.address().port;
      if (--left === 0) process.stdout.write(JSON.stringify({ports: out}) + '\\n');
    });
  });
});
`

/**
 * Listeners whose SYNs are dropped: each has a full accept queue (backlog 1, two connections queued,
 * never accepted), so Linux drops further SYNs and a connect times out. The listening sockets live in
 * a stopped child process; the queue-filling connections are held here.
 */
export class DroppingListeners {
  private child: ChildProcess | null = null
  private readonly fillers: net.Socket[] = []
  private readonly lines: string[] = []
  private waiting: ((line: string) => void) | null = null

  /** Kills the (stopped) child when this process exits by any path, so it never outlives us holding ports. */
  private readonly killOnExit = (): void => {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    try {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }

  private async start(): Promise<ChildProcess> {
    if (this.child) return this.child
    const child = spawnNodeScript(DROP_CHILD_NAME, DROP_CHILD, {stdio: ['pipe', 'pipe', 'inherit']})
    this.child = child
    process.on('exit', this.killOnExit)
    createInterface({input: child.stdout!}).on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting
        this.waiting = null
        w(line)
      } else this.lines.push(line)
    })
    return child
  }

  private nextLine(): Promise<string> {
    const queued = this.lines.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve) => {
      this.waiting = resolve
    })
  }

  /** Adds dropping listeners on `hosts` (port 0: any free port). */
  async add(hosts: Array<{host: string; port?: number}>): Promise<Listening[]> {
    for (const h of hosts) assertLoopback(h.host)
    const child = await this.start()
    child.kill('SIGCONT') // it may be stopped from an earlier add
    child.stdin!.write(JSON.stringify({hosts}) + '\n')
    const reply = JSON.parse(await this.nextLine()) as {ports?: number[]; error?: string}
    if (!reply.ports) throw new Error(`lab: could not listen: ${reply.error}`)
    child.kill('SIGSTOP')
    const out = hosts.map((h, i) => ({host: h.host, port: reply.ports![i]}))
    // Fill each accept queue: backlog 1 holds two completed connections; later SYNs are dropped.
    const batch = 512
    for (let i = 0; i < out.length; i += batch) {
      await Promise.all(out.slice(i, i + batch).flatMap((l) => [this.fill(l), this.fill(l)]))
    }
    return out
  }

  private fill(l: Listening): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({host: l.host, port: l.port})
      s.on('error', () => {})
      const timer = setTimeout(() => reject(new Error(`lab: could not fill the accept queue of ${l.host}:${l.port}`)), 3000)
      s.once('connect', () => {
        clearTimeout(timer)
        this.fillers.push(s)
        resolve()
      })
    })
  }

  async close(): Promise<void> {
    for (const s of this.fillers.splice(0)) s.destroy()
    const child = this.child
    this.child = null
    process.off('exit', this.killOnExit)
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGCONT')
        child.kill('SIGKILL')
      })
    }
  }
}
