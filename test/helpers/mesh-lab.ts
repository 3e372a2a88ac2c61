/**
 * A lab of real hosts for `tarsnet mesh` (Linux, root): one network namespace per node, one bridge per
 * network (in a namespace of its own), a veth from each node to each bridge, sshd running inside every
 * node with a host key and an authorized key this lab generates, and a servant listening on 0.0.0.0 in
 * each node. The operator is the test runner's own (root) namespace, with a veth leg on each bridge, so
 * the built CLI reaches MariaDB on 127.0.0.1 and the nodes over the legs.
 *
 * Addresses come from 198.19.0.0/16 (RFC 2544's benchmarking range, which exists only inside these
 * namespaces): network k (x, y, …) is 198.19.k.0/24, node i is .i, the operator .254.
 *
 * The node side runs with a PATH of symlinks (sh, coreutils, and bash and/or nc, or python3): no node,
 * python or perl unless asked, which proves the remote script needs nothing else. Each sshd runs in a
 * private mount namespace where the root user's ~/.bashrc is an empty file, so the operator machine's
 * shell start-up files cannot put anything back on that PATH, and where /etc/passwd also has `alice`, a
 * second name for root (LAB_USER: a named login the tests can ask for with ssh -l; the machine's own
 * /etc/passwd is untouched). What each sshd logs (-e, LogLevel INFO: "Accepted publickey for alice …")
 * is kept, see sshdLog().
 *
 * Labs use fixed names (tn-mesh-…) in the root namespace, so they are serialised across processes with
 * flock(1) on /tmp/tarsnet-mesh-lab.lock; leftovers of a killed run are removed by name prefix at start,
 * and close() tears everything down (call it from after(), it never throws).
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

export const LAB_PREFIX = 'tn-mesh-'
export const LAB_LOCK = '/tmp/tarsnet-mesh-lab.lock'
export const BRIDGE_NS = `${LAB_PREFIX}br`
export type NodeTool = 'bash' | 'nc' | 'python3'
/** A second login name for root in every node's sshd (its private /etc/passwd), for ssh -l tests. */
export const LAB_USER = 'alice'
/** sshd output kept per node (the tail). */
const MAX_SSHD_LOG = 64 * 1024

export interface MeshLabOptions {
  nodes: number
  /** Network names, in order: network k is 198.19.(k+1).0/24. Default x, y. */
  networks?: string[]
  /** The servant port every node listens on (0.0.0.0). Default 7000. */
  port?: number
  /** Which probing tool a node's PATH offers (default bash, with nc too). */
  tools?: Record<number, NodeTool>
  /**
   * The operator's KexAlgorithms (ssh_config), e.g. curve25519-sha256; default: OpenSSH's own, whose
   * post-quantum sntrup761x25519 costs ~130 ms of CPU per session on each side on a small machine.
   */
  kex?: string
}

export interface LabNode {
  index: number
  ns: string
  sshd: ChildProcess
  servant: ChildProcess
  /** What its sshd wrote on stderr (the tail). */
  log: string
}

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, {encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], input})
}

function tryRun(cmd: string, args: string[]): void {
  try {
    run(cmd, args)
  } catch {
    // already gone
  }
}

/** True when this machine can host the lab: Linux, root, iproute2 netns, sshd, iptables. */
export function meshLabSupported(): true | string {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs Linux and root'
  for (const [bin, pkg] of [['ip', 'iproute2'], ['/usr/sbin/sshd', 'openssh-server'], ['ssh', 'openssh-client'], ['ssh-keygen', 'openssh-client'], ['iptables', 'iptables'], ['flock', 'util-linux'], ['unshare', 'util-linux'], ['nc', 'netcat-openbsd']]) {
    try {
      run('sh', ['-c', `command -v ${bin}`])
    } catch {
      return `needs ${bin} (${pkg})`
    }
  }
  return true
}

/** Holds /tmp/tarsnet-mesh-lab.lock, or another lab's `lockFile` (through flock(1), which drops it if this process dies); resolves once held. */
export function acquireLabLock(timeoutS = 900, lockFile = LAB_LOCK): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', '-w', String(timeoutS), lockFile, '-c', 'echo locked; exec cat >/dev/null'], {stdio: ['pipe', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => {
      if (!out.includes('locked')) reject(new Error(`could not take ${lockFile} (flock exited ${code}): ${err.trim()}`))
    })
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('locked')) {
        resolve(() => new Promise<void>((done) => {
          if (child.exitCode !== null) return done()
          child.once('exit', () => done())
          child.stdin.end()
        }))
      }
    })
  })
}

/** Removes what a killed lab left: processes in tn-mesh-* namespaces, the namespaces, root-namespace legs. */
export function cleanupLeftovers(): void {
  let list = ''
  try {
    list = run('ip', ['netns', 'list'])
  } catch {
    return
  }
  for (const line of list.split('\n')) {
    const ns = line.split(' ')[0]
    if (!ns.startsWith(LAB_PREFIX)) continue
    let pids = ''
    try {
      pids = run('ip', ['netns', 'pids', ns])
    } catch {
      // none
    }
    for (const pid of pids.split(/\s+/).filter(Boolean)) tryRun('kill', ['-9', pid])
    tryRun('ip', ['netns', 'del', ns])
  }
  const links = run('ip', ['-o', 'link', 'show'])
  for (const m of links.matchAll(/^\d+: ([^:@\s]+)/gm)) if (m[1].startsWith(LAB_PREFIX)) tryRun('ip', ['link', 'del', m[1]])
}

function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs} ms: ${text.trim()}`)), timeoutMs)
    child[stream]!.on('data', (d) => {
      text += d
      if (pattern.test(text)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited ${code}: ${text.trim()}`))
    })
  })
}

/** A python3 the python3 node can have on its PATH (a real binary, not a pyenv shim). */
export function pythonAvailable(): boolean {
  return existsSync('/usr/bin/python3')
}

const COREUTILS = ['cat', 'date', 'timeout', 'tr', 'cut', 'sleep', 'printf', 'env', 'id', 'ls', 'rm', 'mkdir', 'touch', 'true', 'false', 'uname', 'head', 'wc']

export class MeshLab {
  readonly dir: string
  readonly networks: string[]
  readonly port: number
  readonly sshConfig: string
  readonly nodes: LabNode[] = []
  private releaseLock: (() => Promise<void>) | null = null
  private closed = false

  private constructor(readonly count: number, options: MeshLabOptions) {
    this.networks = options.networks ?? ['x', 'y']
    this.port = options.port ?? 7000
    this.dir = mkdtempSync(join(tmpdir(), 'tarsnet-mesh-lab-'))
    this.sshConfig = join(this.dir, 'ssh_config')
  }

  /** Builds the lab (taking the lock first); on any failure everything built so far is torn down. */
  static async start(options: MeshLabOptions): Promise<MeshLab> {
    if (options.nodes < 1 || options.nodes > 250) throw new Error('1 to 250 nodes')
    const lab = new MeshLab(options.nodes, options)
    try {
      lab.releaseLock = await acquireLabLock()
      cleanupLeftovers()
      await lab.build(options)
    } catch (error) {
      await lab.close()
      throw error
    }
    return lab
  }

  /** The namespace of node i (1-based). */
  ns(i: number): string {
    return `${LAB_PREFIX}n${i}`
  }

  /** Node i's address on a network. */
  ip(i: number, network: string): string {
    return `198.19.${this.networks.indexOf(network) + 1}.${i}`
  }

  cidr(network: string): string {
    return `198.19.${this.networks.indexOf(network) + 1}.0/24`
  }

  operatorIp(network: string): string {
    return this.ip(254, network)
  }

  /** The networks as tarsnet's --networks spec: 'x=198.19.1.0/24;y=198.19.2.0/24'. */
  networksSpec(): string {
    return this.networks.map((n) => `${n}=${this.cidr(n)}`).join(';')
  }

  /** Node i's IP list, in network order. */
  ipList(i: number): string {
    return this.networks.map((n) => this.ip(i, n)).join(',')
  }

  private async build(options: MeshLabOptions): Promise<void> {
    const dir = this.dir
    mkdirSync('/run/sshd', {recursive: true, mode: 0o755}) // sshd's privilege-separation directory
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tarsnet-mesh-lab', '-f', join(dir, 'id_ed25519')])
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')))
    writeFileSync(join(dir, 'empty'), '')
    // The nodes' /etc/passwd (bind-mounted in each sshd's own mount namespace): the machine's, plus LAB_USER as uid 0.
    const passwd = readFileSync('/etc/passwd', 'utf8')
    writeFileSync(join(dir, 'passwd'), `${passwd}${passwd.endsWith('\n') ? '' : '\n'}${LAB_USER}:x:0:0:tarsnet mesh lab login:/root:/bin/sh\n`)
    // The node side's PATH: a directory of symlinks per tool set.
    const resolveBin = (b: string) => run('sh', ['-c', `command -v ${b}`]).trim()
    const binDir = (tool: NodeTool): string => {
      const d = this.binDir(tool)
      if (existsSync(d)) return d
      mkdirSync(d)
      const bins = ['sh', ...COREUTILS, ...(tool === 'bash' ? ['bash', 'nc'] : tool === 'nc' ? ['nc'] : [])]
      for (const b of bins) symlinkSync(resolveBin(b), join(d, b))
      if (tool === 'python3') symlinkSync('/usr/bin/python3', join(d, 'python3'))
      return d
    }

    binDir('bash')
    binDir('nc')
    if (pythonAvailable()) binDir('python3')

    run('ip', ['netns', 'add', BRIDGE_NS])
    run('ip', ['-n', BRIDGE_NS, 'link', 'set', 'lo', 'up'])
    for (const net of this.networks) {
      run('ip', ['-n', BRIDGE_NS, 'link', 'add', `br-${net}`, 'type', 'bridge'])
      run('ip', ['-n', BRIDGE_NS, 'link', 'set', `br-${net}`, 'up'])
      // The operator's leg: this (root) namespace ↔ the bridge.
      const leg = `${LAB_PREFIX}${net}`.slice(0, 15)
      run('ip', ['link', 'add', leg, 'type', 'veth', 'peer', 'name', `op-${net}`, 'netns', BRIDGE_NS])
      run('ip', ['-n', BRIDGE_NS, 'link', 'set', `op-${net}`, 'master', `br-${net}`, 'up'])
      run('ip', ['addr', 'add', `${this.operatorIp(net)}/24`, 'dev', leg])
      run('ip', ['link', 'set', leg, 'up'])
    }

    const knownHosts: string[] = []
    const home = userInfo().homedir
    for (let i = 1; i <= this.count; i++) {
      const ns = this.ns(i)
      run('ip', ['netns', 'add', ns])
      run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
      for (const net of this.networks) {
        run('ip', ['link', 'add', `eth-${net}`, 'netns', ns, 'type', 'veth', 'peer', 'name', `n${i}-${net}`, 'netns', BRIDGE_NS])
        run('ip', ['-n', ns, 'addr', 'add', `${this.ip(i, net)}/24`, 'dev', `eth-${net}`])
        run('ip', ['-n', ns, 'link', 'set', `eth-${net}`, 'up'])
        run('ip', ['-n', BRIDGE_NS, 'link', 'set', `n${i}-${net}`, 'master', `br-${net}`, 'up'])
      }
      const hostKey = join(dir, `host_${i}`)
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `node${i}`, '-f', hostKey])
      const pub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')
      knownHosts.push(`${this.networks.map((n) => this.ip(i, n)).join(',')} ${pub}`)
      const tool = options.tools?.[i] ?? 'bash'
      const config = join(dir, `sshd_${i}.conf`)
      writeFileSync(config, [
        'Port 22', 'ListenAddress 0.0.0.0', `HostKey ${hostKey}`, `PidFile ${join(dir, `sshd_${i}.pid`)}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'UsePAM no', 'StrictModes no',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin prohibit-password',
        'PrintMotd no', 'PrintLastLog no', 'UseDNS no', 'MaxStartups 200', 'MaxSessions 50', 'LogLevel INFO',
        `SetEnv PATH=${binDir(tool)}`,
      ].join('\n') + '\n')
      // A private mount namespace in which ~/.bashrc is empty (bash, the login shell, reads it when run by
      // sshd) and /etc/passwd knows LAB_USER.
      const hide = existsSync(join(home, '.bashrc')) ? `mount --bind ${join(dir, 'empty')} ${join(home, '.bashrc')} && ` : ''
      const users = `mount --bind ${join(dir, 'passwd')} /etc/passwd && `
      const sshd = spawn('ip', ['netns', 'exec', ns, 'unshare', '-m', 'sh', '-c', `${hide}${users}exec /usr/sbin/sshd -D -e -f ${config}`], {stdio: ['ignore', 'ignore', 'pipe']})
      const sshdReady = waitForLine(sshd, 'stderr', /Server listening on 0\.0\.0\.0 port 22/, `sshd in ${ns}`)
      const servant = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e',
        `require('net').createServer((s) => { s.on('error', () => {}); s.destroy() }).listen(${this.port}, '0.0.0.0', () => console.log('ready'))`],
      {stdio: ['ignore', 'pipe', 'pipe']})
      const servantReady = waitForLine(servant, 'stdout', /ready/, `servant in ${ns}`)
      const node: LabNode = {index: i, ns, sshd, servant, log: ''}
      this.nodes.push(node)
      sshd.stderr!.setEncoding('utf8')
      sshd.stderr!.on('data', (d: string) => {
        node.log = (node.log + d).slice(-MAX_SSHD_LOG)
      })
      await Promise.all([sshdReady, servantReady])
      servant.stdout!.resume()
      servant.stderr!.resume()
    }
    writeFileSync(join(dir, 'known_hosts'), knownHosts.join('\n') + '\n')
    chmodSync(join(dir, 'id_ed25519'), 0o600)
    writeFileSync(this.sshConfig, [
      'Host *',
      '  User root',
      `  IdentityFile ${join(dir, 'id_ed25519')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      ...(options.kex ? [`  KexAlgorithms ${options.kex}`] : []),
    ].join('\n') + '\n')
  }

  /** The directory of symlinks that is a node's PATH when it offers `tool`. */
  binDir(tool: NodeTool): string {
    return join(this.dir, `bin-${tool}`)
  }

  /** Runs a script with `sh -s` inside node i, with the PATH a node offering `tool` has: what sshd would run. */
  runScript(i: number, tool: NodeTool, script: string): string {
    return run('ip', ['netns', 'exec', this.ns(i), 'env', '-i', `PATH=${this.binDir(tool)}`, 'sh', '-s'], script)
  }

  /** Runs a command inside node i. */
  exec(i: number, cmd: string, args: string[]): string {
    return run('ip', ['netns', 'exec', this.ns(i), cmd, ...args])
  }

  /** A NIC fails: node i's interface on `network` goes down. */
  nicDown(i: number, network: string): void {
    run('ip', ['-n', this.ns(i), 'link', 'set', `eth-${network}`, 'down'])
  }

  nicUp(i: number, network: string): void {
    run('ip', ['-n', this.ns(i), 'link', 'set', `eth-${network}`, 'up'])
  }

  /** A switch fails: the bridge of `network` goes down. */
  bridgeDown(network: string): void {
    run('ip', ['-n', BRIDGE_NS, 'link', 'set', `br-${network}`, 'down'])
  }

  bridgeUp(network: string): void {
    run('ip', ['-n', BRIDGE_NS, 'link', 'set', `br-${network}`, 'up'])
  }

  private iptables(i: number, rule: string[]): void {
    this.exec(i, 'iptables', rule)
  }

  /** One pair fails on a network: each node drops what the other sends it there (an ACL between them). */
  dropPair(a: number, b: number, network: string): void {
    this.iptables(a, ['-A', 'INPUT', '-s', this.ip(b, network), '-j', 'DROP'])
    this.iptables(b, ['-A', 'INPUT', '-s', this.ip(a, network), '-j', 'DROP'])
  }

  /** One direction only: `to` drops what `from` sends it on the servant port. */
  dropOneWay(from: number, to: number, network: string): void {
    this.iptables(to, ['-A', 'INPUT', '-p', 'tcp', '--dport', String(this.port), '-s', this.ip(from, network), '-j', 'DROP'])
  }

  /** Many one-way drops at once (one iptables-restore per node): each `to` drops `from`'s probes on the servant port. */
  dropLinks(links: ReadonlyArray<{from: number; to: number; network: string}>): void {
    const byNode = new Map<number, string[]>()
    for (const l of links) {
      const rules = byNode.get(l.to) ?? []
      rules.push(`-A INPUT -p tcp --dport ${this.port} -s ${this.ip(l.from, l.network)} -j DROP`)
      byNode.set(l.to, rules)
    }
    for (const [i, rules] of byNode) run('ip', ['netns', 'exec', this.ns(i), 'iptables-restore', '--noflush'], `*filter\n${rules.join('\n')}\nCOMMIT\n`)
  }

  /** Node i cannot reach out on a network: its own new connections there are dropped; incoming ones still work. */
  blockOutbound(i: number, network: string): void {
    this.iptables(i, ['-A', 'OUTPUT', '-p', 'tcp', '--syn', '-d', this.cidr(network), '-j', 'DROP'])
  }

  /** Node i's sshd cannot be reached on any network (its servant still can). */
  blockSsh(i: number): void {
    this.iptables(i, ['-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'DROP'])
  }

  /** What node i's sshd logged since the last reset(): "Accepted publickey for root from 198.19.1.254 …". */
  sshdLog(i: number): string {
    return this.nodes.find((n) => n.index === i)?.log ?? ''
  }

  /** Every fault undone: NICs and bridges up, firewalls flushed; the sshd logs start again. */
  reset(): void {
    for (const n of this.nodes) n.log = ''
    for (const net of this.networks) this.bridgeUp(net)
    for (const n of this.nodes) {
      for (const net of this.networks) this.nicUp(n.index, net)
      this.iptables(n.index, ['-F'])
    }
  }

  /** Tears everything down (processes, namespaces, legs, files) and releases the lock. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const n of this.nodes) {
      n.sshd.kill('SIGKILL')
      n.servant.kill('SIGKILL')
    }
    try {
      cleanupLeftovers()
    } catch {
      // best effort; the next lab cleans up by prefix
    }
    rmSync(this.dir, {recursive: true, force: true})
    if (this.releaseLock) await this.releaseLock()
  }
}
