/**
 * The exporter's HTTP side: /metrics (the last complete round, rendered once per round and then served
 * from memory, so a scrape costs no probing and almost no CPU), /healthz, and a small index page. It owns
 * the registry of the round it serves; the round loop publishes a new one when a round ends.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Registry} from 'prom-client'

import {formatListenAddress, type ListenAddress} from '../core/listen.js'
import {UserError} from '../core/errors.js'

export interface Health {
  healthy: boolean
  /** Shown as the JSON body of /healthz. */
  detail: Record<string, unknown>
}

export interface MetricsServerOptions {
  /** The registry served before any round has finished. */
  initial: Registry
  health: () => Health
}

/** Why listening failed, for the operator. */
function listenError(address: ListenAddress, error: NodeJS.ErrnoException): UserError {
  const where = formatListenAddress(address)
  const why: Record<string, string> = {
    EADDRINUSE: 'the address is already in use (another exporter running?): choose another --listen port',
    EADDRNOTAVAIL: `${address.host} is not an address of this machine: choose one of its own addresses in --listen`,
    EACCES: 'permission denied (ports below 1024 need privileges): choose a port above 1023',
    ENOTFOUND: `the host name ${address.host} is not known: give an IP address in --listen`,
    EAI_AGAIN: `the host name ${address.host} could not be looked up: give an IP address in --listen`,
  }
  return new UserError(`cannot listen on ${where}: ${why[error.code ?? ''] ?? error.message}`, {code: 'listen_failed'})
}

export class MetricsServer {
  private registry: Registry
  /** The served registry's text, rendered on its first scrape and kept until the next round. */
  private text: Promise<string> | null = null
  private readonly server: http.Server

  constructor(private readonly options: MetricsServerOptions) {
    this.registry = options.initial
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain; charset=utf-8'})
        res.end(`error: ${(error as Error).message}\n`)
      })
    })
    // Scrapes are short: do not let an idle keep-alive connection hold a stopping exporter.
    this.server.keepAliveTimeout = 5000
  }

  /** Serves `registry` from now on (the round loop calls this when a round ends). */
  publish(registry: Registry): void {
    this.registry = registry
    this.text = null
  }

  /** Starts listening; resolves with the address actually bound (port 0 takes a free port). */
  async listen(address: ListenAddress): Promise<{host: string; port: number; url: string}> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(listenError(address, error))
      this.server.once('error', onError)
      this.server.listen({host: address.host === '' ? undefined : address.host, port: address.port}, () => {
        this.server.off('error', onError)
        resolve()
      })
    })
    const bound = this.server.address() as AddressInfo
    const shown = formatListenAddress({host: bound.address, port: bound.port})
    return {host: bound.address, port: bound.port, url: `http://${shown}/metrics`}
  }

  /** Stops accepting, ends open connections, resolves when closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, {allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8'})
      res.end('only GET and HEAD\n')
      return
    }
    if (path === '/metrics') {
      const registry = this.registry
      this.text ??= registry.metrics()
      const text = await this.text
      res.writeHead(200, {'content-type': registry.contentType, 'content-length': Buffer.byteLength(text)})
      res.end(req.method === 'HEAD' ? undefined : text)
      return
    }
    if (path === '/healthz') {
      const health = this.options.health()
      const body = JSON.stringify({status: health.healthy ? 'ok' : 'unhealthy', ...health.detail}) + '\n'
      res.writeHead(health.healthy ? 200 : 503, {'content-type': 'application/json'})
      res.end(req.method === 'HEAD' ? undefined : body)
      return
    }
    if (path === '/') {
      res.writeHead(200, {'content-type': 'text/html; charset=utf-8'})
      res.end('<html><head><title>tarsnet exporter</title></head><body><h1>tarsnet exporter</h1><p><a href="/metrics">/metrics</a> (the last complete probe round) · <a href="/healthz">/healthz</a></p></body></html>\n')
      return
    }
    res.writeHead(404, {'content-type': 'text/plain; charset=utf-8'})
    res.end('not found: try /metrics or /healthz\n')
  }
}
