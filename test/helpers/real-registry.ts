/**
 * TarsFramework's real tarsregistry (fe8e741, built by scripts/peers/build-tarsregistry.sh into the peer
 * cache) on loopback, against a throwaway database made from TarsFramework's own db_tars.sql (kept next to the
 * binary by the build), with the `<db>`, `<objname>` and `<reap>` config it needs. Nodes' last_heartbeat is
 * kept fresh as tarsnode would (else the registry marks them inactive after 250 s). stop() ends the registry
 * (and anything it started: its own process group) and drops the database, whatever the test did.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Connection, RowDataPacket} from 'mysql2/promise'

import {closedPort} from '../../src/lab/listeners.js'
import {REGISTRY_QUERY_OBJ} from '../../src/tars/queryf.js'
import {ROOT} from './cli.js'
import {adminConnection, serverOptions, TEST_SERVER} from './db.js'
import {until} from './wait.js'

export const PEER_DIR = join(process.env.TARSNET_PEER_CACHE ?? '/var/cache/tarsnet-peers', 'tarsregistry-fe8e741')
const BINARY = join(PEER_DIR, 'bin', 'tarsregistry')
const SCHEMA = join(PEER_DIR, 'db_tars.sql')

/** The cached binary, built now (about 4 minutes, once per machine) when it is not there yet. */
export function ensureTarsregistry(): string {
  if (!existsSync(BINARY) || !existsSync(SCHEMA)) {
    const build = spawnSync('bash', [join(ROOT, 'scripts/peers/build-tarsregistry.sh')], {stdio: ['ignore', 'inherit', 'inherit']})
    if (build.status !== 0 || !existsSync(BINARY)) {
      throw new Error(`the real tarsregistry is not built and scripts/peers/build-tarsregistry.sh failed (it needs: apt-get install -y cmake g++ make flex bison libmariadb-dev, and ../shared/vendor or TARSNET_VENDOR_DIR)`)
    }
  }
  return BINARY
}

export interface RealRegistryOptions {
  /** Loopback address the registry's adapters bind (default: a random one in 127.93.0.0/16). */
  host?: string
  /** SQL run on the fresh db_tars before the registry starts (nodes, servers, adapters, groups). */
  seed?: string
}

export class RealRegistry {
  private heartbeat: NodeJS.Timeout | undefined
  private stopped = false
  output = ''

  private constructor(
    readonly host: string,
    readonly queryPort: number,
    readonly registryPort: number,
    readonly dbName: string,
    readonly conn: Connection,
    private readonly dir: string,
    private child: ChildProcess | null,
  ) {}

  /** The locator a client would be given. */
  get locator(): string {
    return `${REGISTRY_QUERY_OBJ}@tcp -h ${this.host} -p ${this.queryPort}`
  }

  /** The URL tarsnet is given for the registry's database. */
  get dbUrl(): string {
    const u = new URL(TEST_SERVER)
    u.pathname = `/${this.dbName}`
    return u.toString()
  }

  async query<T = RowDataPacket[]>(sql: string, values: unknown[] = []): Promise<T> {
    const [rows] = await this.conn.query(sql, values)
    return rows as T
  }

  static async start(options: RealRegistryOptions = {}): Promise<RealRegistry> {
    const binary = ensureTarsregistry()
    const host = options.host ?? `127.93.${1 + (randomBytes(1)[0] % 250)}.${1 + (randomBytes(1)[0] % 250)}`
    const dbName = `tarsnet_realreg_${randomBytes(5).toString('hex')}`
    const conn = await adminConnection()
    const dir = mkdtempSync(join(tmpdir(), 'tarsnet-realreg-'))
    let registry: RealRegistry | undefined
    try {
      await conn.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8`)
      await conn.query(`USE \`${dbName}\``)
      await conn.query(readFileSync(SCHEMA, 'utf8'))
      // tarsnet's own column for the nodes' IP lists (DESIGN §1); the registry never reads it.
      await conn.query('ALTER TABLE t_node_info ADD COLUMN ip_list varchar(512) DEFAULT NULL')
      if (options.seed) await conn.query(options.seed)
      await conn.query('UPDATE t_node_info SET last_heartbeat = NOW(), last_reg_time = NOW()')

      const [queryPort, registryPort, adminPort] = [await closedPort(host), await closedPort(host), await closedPort(host)]
      const config = join(dir, 'tarsregistry.conf')
      writeFileSync(config, configText({host, queryPort, registryPort, adminPort, dir, dbName}))
      // Its own process group: stop() ends it and anything it started.
      const child = spawn(binary, [`--config=${config}`], {cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
      registry = new RealRegistry(host, queryPort, registryPort, dbName, conn, dir, child)
      const r = registry
      child.stdout!.on('data', (b: Buffer) => { r.output = (r.output + b.toString()).slice(-20_000) })
      child.stderr!.on('data', (b: Buffer) => { r.output = (r.output + b.toString()).slice(-20_000) })
      child.on('exit', () => { r.child = null })
      // Nodes keep beating, as tarsnode does every 10 s or so.
      registry.heartbeat = setInterval(() => {
        conn.query('UPDATE t_node_info SET last_heartbeat = NOW()').catch(() => {})
      }, 20_000)
      registry.heartbeat.unref()
      await registry.ready()
      return registry
    } catch (error) {
      if (registry) await registry.stop()
      else {
        await conn.query(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => {})
        await conn.end().catch(() => {})
        rmSync(dir, {recursive: true, force: true})
      }
      throw error
    }
  }

  /** Until QueryObj accepts connections and the registry has written its own t_registry_info rows. */
  private async ready(): Promise<void> {
    const deadline = Date.now() + 60_000
    for (;;) {
      if (this.child === null) throw new Error(`tarsregistry exited before it was ready:\n${this.output.slice(-3000)}`)
      const up = await new Promise<boolean>((done) => {
        const s = net.connect({host: this.host, port: this.queryPort}, () => { s.destroy(); done(true) })
        s.on('error', () => done(false))
      })
      if (up) {
        const rows = await this.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM t_registry_info WHERE servant = ?', [REGISTRY_QUERY_OBJ])
        if (Number(rows[0].n) > 0) return
      }
      if (Date.now() > deadline) throw new Error(`tarsregistry did not come up on ${this.host}:${this.queryPort} within 60 s:\n${this.output.slice(-3000)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  /**
   * Waits until `probe` returns true, for a change the registry takes on its own schedule (its incremental
   * reload every 10 s); a bound, not a timed assertion.
   */
  async until(probe: () => Promise<boolean>, what: string, boundMs = 60_000): Promise<void> {
    await until(`the real registry: ${what}`, probe, boundMs, 500)
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.heartbeat)
    const child = this.child
    if (child?.pid) {
      const exited = new Promise<void>((done) => child.once('exit', () => done()))
      try { process.kill(-child.pid, 'SIGTERM') } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL') } catch { /* gone */ } }, 3000)
      await exited
      clearTimeout(timer)
    }
    await this.conn.query(`DROP DATABASE IF EXISTS \`${this.dbName}\``).catch(() => {})
    await this.conn.end().catch(() => {})
    rmSync(this.dir, {recursive: true, force: true})
  }
}

function configText(c: {host: string; queryPort: number; registryPort: number; adminPort: number; dir: string; dbName: string}): string {
  const db = serverOptions()
  // Standalone: no locator, node, stat, property, log, config or notify to report to.
  return `<tars>
  <application>
    <client>
      locator =
      sync-invoke-timeout = 3000
      async-invoke-timeout = 5000
      refresh-endpoint-interval = 60000
      asyncthread = 1
      modulename = tars.tarsregistry
    </client>
    <server>
      app = tars
      server = tarsregistry
      localip = ${c.host}
      basepath = ${c.dir}
      datapath = ${c.dir}/data
      logpath = ${c.dir}/log
      logLevel = ERROR
      netthread = 1
      local = tcp -h ${c.host} -p ${c.adminPort} -t 3000
      <tars.tarsregistry.QueryObjAdapter>
        endpoint = tcp -h ${c.host} -p ${c.queryPort} -t 10000
        allow =
        maxconns = 1000
        threads = 2
        queuecap = 10000
        queuetimeout = 6000
        servant = ${REGISTRY_QUERY_OBJ}
      </tars.tarsregistry.QueryObjAdapter>
      <tars.tarsregistry.RegistryObjAdapter>
        endpoint = tcp -h ${c.host} -p ${c.registryPort} -t 30000
        allow =
        maxconns = 1000
        threads = 1
        queuecap = 10000
        queuetimeout = 6000
        servant = tars.tarsregistry.RegistryObj
      </tars.tarsregistry.RegistryObjAdapter>
    </server>
  </application>
  <db>
    dbhost = ${db.host}
    dbname = ${c.dbName}
    dbuser = ${db.user}
    dbpass = ${db.password}
    dbport = ${db.port}
    charset = utf8
    dbflag = CLIENT_MULTI_STATEMENTS
  </db>
  <reap>
    loadObjectsInterval1 = 10
    LeastChangedTime1 = 150
    loadObjectsInterval2 = 300
    nodeTimeout = 250
    registryTimeout = 150
    asyncthread = 2
  </reap>
  <objname>
    patchServerObj = tars.tarspatch.PatchObj
    QueryObjName = ${REGISTRY_QUERY_OBJ}
    RegistryObjName = tars.tarsregistry.RegistryObj
  </objname>
  <nodeinfo>
    defaultTemplate = tars.tarsnode
  </nodeinfo>
</tars>
`
}
