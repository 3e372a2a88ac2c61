/**
 * A second, throwaway MariaDB server of a test's own (its own data dir, port and socket), for tests that
 * must do to a server what may never be done to the shared one: stop it (SIGSTOP), cut it, kill it.
 * Skipped by callers where no mariadbd binary is installed.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import mysql from 'mysql2/promise'

import {freePort} from './net.js'
import {poll} from './wait.js'
import {DB_TARS_TABLES} from './schema.js'

function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], {encoding: 'utf8'}).trim() || null
  } catch {
    return null
  }
}

const mariadbd = which('mariadbd') ?? which('mysqld')
const installDb = which('mariadb-install-db') ?? which('mysql_install_db')

/** Why a second server cannot be started here, or false when it can. */
export const noSecondServer: string | false = !mariadbd || !installDb ? 'no mariadbd binary on this machine to start a second server' : false

export class MariaDbInstance {
  private constructor(readonly dir: string, readonly port: number, private readonly server: ChildProcess) {}

  /**
   * Starts a server with a db_tars database (tables of test/helpers/schema.ts and the IP-list column).
   * With `tls`, it offers TLS with a self-signed certificate for 127.0.0.1 (`caFile` verifies it).
   */
  static async start(tag: string, options: {tls?: boolean} = {}): Promise<MariaDbInstance> {
    const dir = mkdtempSync(join(tmpdir(), `tarsnet-${tag}-`))
    execFileSync(installDb!, ['--no-defaults', `--datadir=${dir}/data`, '--user=root', '--auth-root-authentication-method=normal'], {stdio: 'ignore'})
    const tls: string[] = []
    if (options.tls) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '2',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'})
      tls.push(`--ssl-cert=${dir}/cert.pem`, `--ssl-key=${dir}/key.pem`, `--ssl-ca=${dir}/cert.pem`)
    }
    const port = await freePort()
    const server = spawn(mariadbd!, ['--no-defaults', `--datadir=${dir}/data`, '--user=root', `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${dir}/sock`,
      ...tls, `--pid-file=${dir}/pid`, `--log-error=${dir}/err.log`, '--skip-log-bin', '--innodb-buffer-pool-size=16M'], {stdio: 'ignore'})
    const instance = new MariaDbInstance(dir, port, server)
    const conn = await poll('the second MariaDB server to accept connections', () => mysql.createConnection({host: '127.0.0.1', port, user: 'root', multipleStatements: true}), 60_000)
      .catch((error: Error) => {
        instance.stop()
        throw error
      })
    await conn.query('CREATE DATABASE db_tars CHARACTER SET utf8')
    await conn.query('USE db_tars')
    for (const ddl of DB_TARS_TABLES) await conn.query(ddl)
    await conn.query('ALTER TABLE t_node_info ADD COLUMN ip_list varchar(512) DEFAULT NULL')
    await conn.end()
    return instance
  }

  /** mysql://root@127.0.0.1:PORT/db_tars */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/db_tars`
  }

  /** The certificate a TLS server was started with, which is also the CA that verifies it. */
  get caFile(): string {
    return `${this.dir}/cert.pem`
  }

  /** A connection of the test's own to db_tars (not through anything the test cuts). */
  connect(options: {multipleStatements?: boolean} = {}): Promise<mysql.Connection> {
    return mysql.createConnection({host: '127.0.0.1', port: this.port, user: 'root', database: 'db_tars', ...options})
  }

  /** Freezes the server (SIGSTOP): it keeps its sockets, and the kernel still accepts connections, but it says nothing. */
  freeze(): void {
    this.server.kill('SIGSTOP')
  }

  thaw(): void {
    this.server.kill('SIGCONT')
  }

  stop(): void {
    try {
      this.server.kill('SIGCONT')
      this.server.kill('SIGKILL')
    } catch {
      // already gone
    }
    rmSync(this.dir, {recursive: true, force: true})
  }
}
