/**
 * A stand-in for the OpenSSH client in tests of `tarsnet mesh`: an executable named `ssh`, put first on
 * the CLI's PATH, that records what tarsnet passes it (argv, environment, and in `run` mode the script on
 * its stdin) and never opens a connection.
 *
 * - `fail` (default): sleeps a little, prints an ssh-like "connect … Connection refused" line and exits
 *   255, so every IP of every node fails and the run ends with exit 3 (no node answered).
 * - `run`: sleeps a little, then runs the remote command with `sh -c` here, on its own stdin, as sshd
 *   would on the node. Only for loopback hosts (127.0.0.0/8): the script then probes the snapshot's
 *   loopback targets, and the mesh completes with real results.
 *
 * Each call appends "start" and "end" lines to one events file (O_APPEND writes of one short line are
 * atomic, so the file's order is the order things happened): counting them gives the largest number of
 * sessions that were running at once. The "end" line is written before the process exits, so the count
 * never exceeds the real number of ssh processes alive at once.
 */
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {networksXY, nodeRow, snapshotOf, writeSnapshot} from './snapshot.js'

export type FakeSshMode = 'fail' | 'run'

export interface FakeSshCall {
  argv: string[]
  env: Record<string, string>
  /** In run mode: what tarsnet sent on stdin (the remote script). */
  stdin: string | null
  /** The host: the argument after `--`. */
  host: string
}

const SCRIPT = (log: string) => `#!/bin/sh
# tarsnet test stand-in for ssh: records its argv and never connects anywhere.
log='${log}'
call=$(mktemp "$log/call.XXXXXXXX") || exit 254
printf '%s\\0' "$@" > "$call.argv"
env -0 > "$call.env"
echo "start $call" >> "$log/events"
host=
cmd=
for a in "$@"; do host=$cmd; cmd=$a; done
# FAKE_SSH_HOLD=N: wait (at most 10 s) until N calls have started, so that N at once is reached for sure.
i=0
while [ "$(grep -c '^start' "$log/events")" -lt "\${FAKE_SSH_HOLD:-0}" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
sleep "\${FAKE_SSH_SLEEP:-0.2}"
case "\${FAKE_SSH_MODE:-fail}:$host" in
  run:127.*)
    tee "$call.stdin" | sh -c "$cmd"
    rc=$?
    ;;
  *)
    echo "ssh: connect to host $host port 22: Connection refused" >&2
    rc=255
    ;;
esac
echo "end $call" >> "$log/events"
exit $rc
`

export class FakeSsh {
  readonly dir: string
  readonly binDir: string
  readonly logDir: string

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'tarsnet-fake-ssh-'))
    this.binDir = join(this.dir, 'bin')
    this.logDir = join(this.dir, 'log')
    mkdirSync(this.binDir)
    mkdirSync(this.logDir)
    writeFileSync(join(this.binDir, 'ssh'), SCRIPT(this.logDir))
    chmodSync(join(this.binDir, 'ssh'), 0o755)
  }

  /**
   * The CLI's environment: this ssh first on PATH, the mode, how long each call takes, and `hold`: each
   * call waits (at most 10 s) until that many calls have started, so a window of `hold` sessions is
   * surely filled however slow the machine is (a window smaller than `hold` costs the 10 s and fails).
   */
  env(mode: FakeSshMode = 'fail', {sleepS = 0.05, hold = 0, extra = {}}: {sleepS?: number; hold?: number; extra?: Record<string, string>} = {}): Record<string, string> {
    return {PATH: `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_SSH_MODE: mode, FAKE_SSH_SLEEP: String(sleepS), FAKE_SSH_HOLD: String(hold), ...extra}
  }

  /** Forgets every recorded call (between runs). */
  clear(): void {
    rmSync(this.logDir, {recursive: true, force: true})
    mkdirSync(this.logDir)
  }

  private events(): Array<{kind: 'start' | 'end'; call: string}> {
    let text = ''
    try {
      text = readFileSync(join(this.logDir, 'events'), 'utf8')
    } catch {
      return []
    }
    return text.split('\n').filter(Boolean).map((line) => {
      const [kind, call] = line.split(' ')
      return {kind: kind as 'start' | 'end', call}
    })
  }

  /** Every call, in the order they started. */
  calls(): FakeSshCall[] {
    const files = new Set(readdirSync(this.logDir))
    return this.events().filter((e) => e.kind === 'start').map(({call}) => {
      const argv = readFileSync(`${call}.argv`, 'latin1').split('\0').slice(0, -1)
      const env = Object.fromEntries(readFileSync(`${call}.env`, 'latin1').split('\0').filter(Boolean).map((kv) => {
        const i = kv.indexOf('=')
        return [kv.slice(0, i), kv.slice(i + 1)]
      }))
      const stdinName = `${call.slice(this.logDir.length + 1)}.stdin`
      const stdin = files.has(stdinName) ? readFileSync(`${call}.stdin`, 'utf8') : null
      return {argv, env, stdin, host: argv[argv.indexOf('--') + 1]}
    })
  }

  /** The most calls running at once, and whether every call that started also ended. */
  concurrency(): {max: number; started: number; ended: number} {
    let now = 0
    let max = 0
    let started = 0
    let ended = 0
    for (const e of this.events()) {
      if (e.kind === 'start') {
        started++
        max = Math.max(max, ++now)
      } else {
        ended++
        now--
      }
    }
    return {max, started, ended}
  }

  close(): void {
    rmSync(this.dir, {recursive: true, force: true})
  }
}

/**
 * A snapshot file of `count` nodes m01, m02, … on two loopback networks: x = 127.0.61.0/24 (node i is
 * 127.0.61.i) and y = 127.0.62.0/24 (only x with `xOnly`); no servers (give the mesh --port).
 */
export function writeMeshSnapshot(dir: string, count: number, {xOnly = false} = {}): string {
  const name = (i: number) => `m${String(i).padStart(2, '0')}`
  const nodes = Array.from({length: count}, (_, k) => k + 1).map((i) => nodeRow(name(i), xOnly ? `127.0.61.${i}` : `127.0.61.${i},127.0.62.${i}`))
  return writeSnapshot(snapshotOf({networks: networksXY('127.0.61.0/24', '127.0.62.0/24'), nodes}, 'mesh fake-ssh test'), dir)
}
