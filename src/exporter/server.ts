/**
 * The exporter's HTTP side: /metrics (the last complete round, rendered once when the round ends and then
 * served from memory, so a scrape costs no probing and almost no CPU), /healthz, and a small index page. The
 * round worker owns the prom-client registry and renders it; the round loop publishes the text here.
 */
import http from 'node:http'
import type {AddressInfo} from 'node:net'

import {formatListenAddress, type ListenAddress} from '../core/listen.js'
import {UserError} from '../core/errors.js'

export interface Health {
  healthy: boolean
  /** Shown as the JSON body of /healthz. */
  detail: Record<string, unknown>
}

export interface MetricsServerOptions {
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
  /** The metrics served, rendered (in the round worker) before they are published: a scrape only sends a string. */
  private text = ''
  private contentType = 'text/plain; version=0.0.4; charset=utf-8'
  private readonly server: http.Server

  constructor(private readonly options: MetricsServerOptions) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain; charset=utf-8'})
        res.end(`error: ${(error as Error).message}\n`)
      })
    })
    // Scrapes are short: do not let an idle keep-alive connection hold a stopping exporter.
    this.server.keepAliveTimeout = 5000
  }

  /** Serves these metrics from now on (the round loop calls this when a round ends). */
  publish(metrics: {text: string; contentType?: string}): void {
    this.text = metrics.text
    if (metrics.contentType) this.contentType = metrics.contentType
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
      const text = this.text
      res.writeHead(200, {'content-type': this.contentType, 'content-length': Buffer.byteLength(text)})
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
