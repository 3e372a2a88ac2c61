/**
 * Network namespaces for the lab (Linux, root): a probe namespace A joined by a veth pair to a peer
 * namespace B, addressed from 198.18.0.0/15 (RFC 2544's benchmarking range) — addresses that exist only
 * inside these namespaces. From A:
 *   - 198.18.0.2 (B's own address): refused (nothing listens) or up (if something listens in B);
 *   - 198.18.1.0/24 is routed via B, which does not forward: SYNs are dropped silently (timeout);
 *   - 198.18.2.0/24 has an `unreachable` route: connect fails with EHOSTUNREACH (unreachable).
 * Probes run inside A (`exec`); nothing outside the namespaces is touched.
 */
import {execFileSync, spawn, type SpawnOptions} from 'node:child_process'

export const NS_LOCAL = '198.18.0.1'
export const NS_PEER = '198.18.0.2'
export const NS_DROPPED = '198.18.1.1'
export const NS_UNREACHABLE = '198.18.2.1'

function ip(args: string[]): void {
  execFileSync('ip', args, {stdio: ['ignore', 'ignore', 'pipe']})
}

/** True when this process may create namespaces (root, iproute2 with netns and veth support). */
export function netnsSupported(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false
  try {
    execFileSync('ip', ['netns', 'list'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

export class LabNamespaces {
  private closed = false

  private constructor(
    readonly probeNs: string,
    readonly peerNs: string,
  ) {}

  /** Creates the pair; throws (after cleaning up) when the machine does not allow it. */
  static create(tag = 'lab'): LabNamespaces {
    const id = `${process.pid % 100000}${tag.slice(0, 3)}`
    const a = `tarsnet-${id}-a`
    const b = `tarsnet-${id}-b`
    const va = `tn${id}a`.slice(0, 15)
    const vb = `tn${id}b`.slice(0, 15)
    const lab = new LabNamespaces(a, b)
    try {
      ip(['netns', 'add', a])
      ip(['netns', 'add', b])
      ip(['link', 'add', va, 'type', 'veth', 'peer', 'name', vb])
      ip(['link', 'set', va, 'netns', a])
      ip(['link', 'set', vb, 'netns', b])
      for (const [ns, dev, addr] of [[a, va, `${NS_LOCAL}/24`], [b, vb, `${NS_PEER}/24`]]) {
        ip(['-n', ns, 'link', 'set', 'lo', 'up'])
        ip(['-n', ns, 'addr', 'add', addr, 'dev', dev])
        ip(['-n', ns, 'link', 'set', dev, 'up'])
      }
      ip(['-n', a, 'route', 'add', '198.18.1.0/24', 'via', NS_PEER])
      ip(['-n', a, 'route', 'add', 'unreachable', '198.18.2.0/24'])
      // B must not forward (the default in a new namespace): it then drops what is not its own, silently.
      execFileSync('ip', ['netns', 'exec', b, 'sysctl', '-qw', 'net.ipv4.ip_forward=0'], {stdio: 'ignore'})
    } catch (error) {
      lab.close()
      throw error
    }
    return lab
  }

  /** Runs a command inside the probe namespace. */
  spawnInProbeNs(command: string, args: string[], options: SpawnOptions = {}) {
    return spawn('ip', ['netns', 'exec', this.probeNs, command, ...args], options)
  }

  /** Runs a command inside the peer namespace (e.g. a listener on NS_PEER). */
  spawnInPeerNs(command: string, args: string[], options: SpawnOptions = {}) {
    return spawn('ip', ['netns', 'exec', this.peerNs, command, ...args], options)
  }

  /** Deletes both namespaces (the veth pair goes with them). Safe to call twice. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const ns of [this.probeNs, this.peerNs]) {
      try {
        ip(['netns', 'del', ns])
      } catch {
        // already gone
      }
    }
  }
}
