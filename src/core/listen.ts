/**
 * The exporter's listen address, HOST:PORT (pure): an IPv4 address, a bracketed IPv6 address or a
 * host name, then a port. An empty host (`:9731`) listens on every interface; port 0 takes any free
 * port (the exporter says which).
 */
import {parseIp} from './ip.js'

export interface ListenAddress {
  /** The host to bind; '' for every interface. IPv6 without brackets. */
  host: string
  port: number
}

export const DEFAULT_LISTEN = '127.0.0.1:9731'

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** Parses HOST:PORT; returns why not as a string. */
export function parseListenAddress(text: string): ListenAddress | string {
  const value = text.trim()
  let host: string
  let portText: string
  if (value.startsWith('[')) {
    const close = value.indexOf(']')
    if (close < 0 || value[close + 1] !== ':') return 'an IPv6 address goes in brackets, followed by :PORT'
    host = value.slice(1, close)
    portText = value.slice(close + 2)
    const ip = parseIp(host)
    if (!ip || ip.family !== 6) return `"${host}" is not an IPv6 address`
    host = ip.text
  } else {
    const colon = value.lastIndexOf(':')
    if (colon < 0) return 'no port'
    host = value.slice(0, colon)
    portText = value.slice(colon + 1)
    if (host.includes(':')) return 'an IPv6 address goes in brackets ([::1]:9731)'
    if (host !== '') {
      const ip = parseIp(host)
      if (ip) host = ip.text
      else if (/^[\d.]+$/.test(host) || !HOST_NAME.test(host)) return `"${host}" is not an IP address or host name`
    }
  }
  if (!/^\d{1,5}$/.test(portText)) return portText === '' ? 'no port' : `"${portText}" is not a port number`
  const port = Number(portText)
  if (port > 65535) return `port ${port} is over 65535`
  return {host, port}
}

/** host:port for messages and URLs (IPv6 in brackets; every interface shown as 0.0.0.0). */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host === '' ? '0.0.0.0' : address.host
  return host.includes(':') ? `[${host}]:${address.port}` : `${host}:${address.port}`
}
