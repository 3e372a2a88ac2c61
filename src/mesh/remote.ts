/**
 * What runs on a node (docs/design.md §8): a POSIX sh script, sent on ssh's stdin to `sh -s`, that probes a list
 * of IP:port targets in parallel and prints one line per probe. It needs a POSIX shell and coreutils,
 * plus one of bash (/dev/tcp, bounded by timeout(1)), nc or python3 — detected on the node in that
 * order. It installs nothing and writes no file: the target list lives in a shell variable, results go to
 * stdout.
 *
 * Why stdin and not the command line: ssh joins its command arguments into one string that the user's
 * login shell (bash, csh, fish…) parses; `sh -s` is understood by all of them, and the script after it
 * is then read by a POSIX sh whatever the login shell is. No quoting survives two shells to get wrong,
 * no command-line length limit applies, and the target list does not show in the node's process list.
 *
 * Only validated IPs (canonical, as core/ip.ts writes them) and integers enter the script: node names
 * never do. The output is parsed as hostile input (bounded, never throws).
 */
import {normalizeIp} from '../core/ip.js'

/** One probe: a TCP connect to host:port from the node. Its index in the list is its id. */
export interface RemoteProbe {
  host: string
  port: number
  /** Its network's index in `adaptive.initialMs` (0 when not adaptive). */
  net?: number
}

export type RemoteTool = 'bash' | 'nc' | 'python3'
export type RemoteStatus = 'up' | 'refused' | 'timeout' | 'unreachable' | 'error'

export interface RemoteScriptOptions {
  timeoutMs: number
  retries: number
  /** Measurements per probe (default 1): sample s of every probe starts s × spacingMs after the first. */
  samples?: number
  spacingMs?: number
  /**
   * --timeout auto on the node (bash and python3; nc's -w is whole seconds, so nc keeps `timeoutMs`): per
   * network, RFC 6298's SRTT + 4·RTTVAR from the answers (connected or refused) as they arrive; a pending
   * probe is given up at launch + its network's timeout, boxed between the floor (raised to the time the
   * batch took to launch, so a probe forked but not yet run on a busy node is not read as loss) and maxMs.
   * Until a network has answers its probes wait `initialMs[net]`. The node prints `W net ms answers`.
   */
  adaptive?: {initialMs: number[]; floorMs: number; maxMs: number}
}

/** Default time between the starts of two samples of a probe on the node. */
export const REMOTE_SPACING_MS = 100

/** Probes started at once on a node; more are run in successive batches (a node has process limits). */
export const REMOTE_BATCH = 512
/** timeout(1) around a batch is a safety net only (the probers bound themselves): this much past the timeout. */
const BATCH_SLACK_MS = 2000

export const HEADER = 'TARSNET-MESH 1'
export const FOOTER = 'TARSNET-MESH-END'

// The three probers, each started once per batch with the timeout and the batch ("id,host,port ..."). Each
// prints `R id status [microseconds | detail]` for every probe that finishes; a probe still hanging when
// timeout(1) stops the batch prints nothing, and the driver below calls it a timeout.

/**
 * bash: a subshell per probe (no exec per probe), /dev/tcp, latency from EPOCHREALTIME (bash ≥ 5). A
 * watchdog started once every probe is launched gives the last one its full timeout, then stops the
 * batch's process group (timeout(1) made it one); it waits with `read -t` on a pipe nobody writes to,
 * so it costs no process. A probe that finished but took longer than the timeout says timeout itself.
 *
 * Adaptive ($4 = 1; $5 "net:initialMs …", $6 the floor, $1 the ceiling): each probe writes to that pipe
 * `P net id pid start` as its connect begins and `D net id µs|-` when it ends (µs for a connect or a
 * refusal: one round trip). The watchdog keeps SRTT/RTTVAR per network (integer µs, as core/rtt.ts) and,
 * once launch + a network's RTO has passed, stops that network's pending connects (their probes then say
 * timeout); the floor is raised to the launch time. It prints `W net ms answers` per network at the end.
 */
const BASH_PROBER = `set -f
T=$1; A=$4
pids=
if [ "$A" = 1 ]; then exec 9<> <(:); fi
L0=\${EPOCHREALTIME//[.,]/}
for j in $2; do
  k=\${j%%,*}; r=\${j#*,}; n=\${r%%,*}; r=\${r#*,}; h=\${r%,*}; p=\${r##*,}
  (
    a=$EPOCHREALTIME
    e=$(exec 2>&1; s=$EPOCHREALTIME; if [ "$A" = 1 ]; then printf "P %s %s %s %s\\n" "$n" "$k" "$BASHPID" "\${s//[.,]/}" >&9; fi; exec 3<>"/dev/tcp/$h/$p" && printf "@ok %s %s" "$s" "$EPOCHREALTIME")
    b=$EPOCHREALTIME; v=-
    case $e in
      *"@ok "*)
        set -- \${e##*@ok }
        s=\${1//[.,]/}; t=\${2//[.,]/}
        if [ -n "$s" ] && [ -n "$t" ]; then
          u=$((10#$t - 10#$s)); v=$u
          if [ "$u" -gt $((T * 1000)) ]; then printf "R %s timeout\\n" "$k"; else printf "R %s up %s\\n" "$k" "$u"; fi
        else printf "R %s up\\n" "$k"; fi ;;
      *refused*) printf "R %s refused\\n" "$k"; a=\${a//[.,]/}; b=\${b//[.,]/}; v=$((10#$b - 10#$a)) ;;
      *"No route"*|*nreachable*|*"is down"*) printf "R %s unreachable\\n" "$k" ;;
      *"timed out"*|"") printf "R %s timeout\\n" "$k" ;;
      *) e=\${e##*: }; e=\${e//[!A-Za-z0-9 ._-]/}; printf "R %s error %s\\n" "$k" "\${e:0:80}" ;;
    esac
    if [ "$A" = 1 ]; then printf "D %s %s %s\\n" "$n" "$k" "$v" >&9; fi
  ) &
  pids="$pids $!"
done
if [ "$A" = 1 ]; then
  (
    L=\${EPOCHREALTIME//[.,]/}
    C=$((T * 1000)); F=$(($6 * 1000)); d=$((L - L0))
    if [ "$d" -gt "$F" ]; then F=$d; fi
    if [ "$F" -gt "$C" ]; then F=$C; fi
    nets=
    for x in $5; do
      n=\${x%%:*}; o=$((\${x#*:} * 1000))
      if [ "$o" -lt "$F" ]; then o=$F; fi
      if [ "$o" -gt "$C" ]; then o=$C; fi
      nets="$nets $n"; rto[n]=$o; pend[n]=" "; c[n]=0; w[n]=; m[n]=0
    done
    while :; do
      now=\${EPOCHREALTIME//[.,]/}
      nx=$((now + 60000000))
      # Lines still unread may say a probe ended: read them all before stopping any (its pid could be reused).
      if read -t 0 -u 9; then bz=1; else bz=; fi
      for n in $nets; do
        dl=$((L + rto[n]))
        if [ "$dl" -le "$now" ] && [ -n "$bz" ]; then nx=$now
        elif [ "$dl" -le "$now" ]; then
          if [ -z "\${w[n]}" ]; then w[n]=\${rto[n]}; fi
          kept=" "; z=
          for k in \${pend[n]}; do
            q=\${st[k]}; if [ "$q" -lt "$L" ]; then q=$L; fi
            q=$((q + rto[n]))
            if [ "$q" -le "$now" ]; then z="$z \${pid[k]}"; else kept="$kept$k "; if [ "$q" -lt "$nx" ]; then nx=$q; fi; fi
          done
          pend[n]=$kept
          if [ -n "$z" ]; then kill -TERM $z 2>/dev/null; fi
        elif [ "$dl" -lt "$nx" ]; then nx=$dl
        fi
      done
      r=$((nx - now)); if [ "$r" -lt 1000 ]; then r=1000; fi
      IFS=" " read -r -t "$((r / 1000000)).$(printf "%06d" $((r % 1000000)))" -u 9 y f g i q
      if [ $? -gt 128 ]; then continue; fi
      case $y in
        P) pid[g]=$i; st[g]=$q; pend[f]="\${pend[f]}$g "; m[f]=1 ;;
        D) pend[f]=\${pend[f]/ $g / }
           if [ "$i" != - ] && [ "$i" -lt 8000000 ] && [ -n "\${rto[f]}" ]; then
             if [ "\${c[f]}" = 0 ]; then s[f]=$i; v[f]=$i; if [ "\${v[f]}" -lt 5000 ]; then v[f]=5000; fi
             else
               e=$((s[f] - i)); if [ "$e" -lt 0 ]; then e=$((-e)); fi
               v[f]=$(((3 * v[f] + e) / 4)); s[f]=$(((7 * s[f] + i) / 8))
             fi
             c[f]=$((c[f] + 1)); o=$((s[f] + 4 * v[f]))
             if [ "$o" -lt "$F" ]; then o=$F; fi
             if [ "$o" -gt "$C" ]; then o=$C; fi
             rto[f]=$o
           fi ;;
        E) break ;;
      esac
    done
    for n in $nets; do if [ "\${m[n]}" = 1 ]; then printf "W %s %s %s\\n" "$n" "$(((\${w[n]:-\${rto[n]}} + 999) / 1000))" "\${c[n]}"; fi; done
  ) &
  w=$!
  wait $pids
  printf "E\\n" >&9
  wait "$w"
else
  exec 9<> <(:)
  ( read -t "$3" -u 9; [ $? -gt 128 ] || sleep "$3"; kill -TERM 0 ) 2>/dev/null &
  w=$!
  wait $pids
  kill "$w" 2>/dev/null
fi
exit 0`

/** nc (OpenBSD, busybox or ncat): -z -v -w whole seconds bounds each probe; latency from date +%s%N where it has %N. */
const NC_PROBER = `set -f
T=$1; W=$2
for j in $3; do
  k=\${j%%,*}; r=\${j#*,}; r=\${r#*,}; h=\${r%,*}; p=\${r##*,}
  (
    s=$(date +%s%N 2>/dev/null)
    if e=$(nc -v -z -w "$W" "$h" "$p" 2>&1 </dev/null); then
      t=$(date +%s%N 2>/dev/null)
      case "$s$t" in
        ""|*[!0-9]*) printf "R %s up\\n" "$k" ;;
        *) u=$(( (t - s) / 1000 ))
           if [ "$u" -gt $((T * 1000)) ]; then printf "R %s timeout\\n" "$k"; else printf "R %s up %s\\n" "$k" "$u"; fi ;;
      esac
    else
      case $e in
        *refused*) printf "R %s refused\\n" "$k" ;;
        *"No route"*|*nreachable*|*"is down"*) printf "R %s unreachable\\n" "$k" ;;
        *"timed out"*|*imeout*|*"in progress"*) printf "R %s timeout\\n" "$k" ;;
        *) e=\${e##*: }; e=$(printf "%s" "$e" | tr -cd "A-Za-z0-9 ._-" | cut -c1-80); printf "R %s error %s\\n" "$k" "$e" ;;
      esac
    fi
  ) &
done
wait`

/** python3: every probe a non-blocking connect in one process, each with its own deadline. */
const PYTHON_PROBER = `import errno, select, socket, sys, time
T = int(sys.argv[1]) / 1000.0
ADAPT = sys.argv[3] == "1"
FLOOR = min(T, int(sys.argv[5]) / 1000.0)
WORD = {errno.ECONNREFUSED: "refused", errno.EHOSTUNREACH: "unreachable", errno.ENETUNREACH: "unreachable",
        errno.EHOSTDOWN: "unreachable", errno.ENETDOWN: "unreachable", errno.ETIMEDOUT: "timeout"}
def box(x):
    return min(T, max(FLOOR, x))
rto, est, waited, probed = {}, {}, {}, set()
for item in sys.argv[4].split():
    n, ms = item.split(":")
    rto[n] = box(int(ms) / 1000.0)
def learn(n, r):
    if not ADAPT or n not in rto or r >= 8.0:
        return
    if n not in est:
        est[n] = [r, max(0.005, r), 0]
    else:
        e = est[n]
        e[1] = 0.75 * e[1] + 0.25 * abs(e[0] - r)
        e[0] = 0.875 * e[0] + 0.125 * r
    est[n][2] += 1
    rto[n] = box(est[n][0] + 4 * est[n][1])
def limit(n):
    return rto.get(n, T) if ADAPT else T
def say(k, status, extra=""):
    sys.stdout.write("R %s %s%s\\n" % (k, status, (" " + extra) if extra else ""))
def failed(k, n, code, took):
    say(k, WORD.get(code, "error"), "" if code in WORD else errno.errorcode.get(code, "E%d" % code))
    if code == errno.ECONNREFUSED:
        learn(n, took)
poll = select.poll()
live = {}
for job in sys.argv[2].split():
    k, n, rest = job.split(",", 2)
    probed.add(n)
    host, port = rest.rsplit(",", 1)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    start = time.monotonic()
    try:
        code = s.connect_ex((host, int(port)))
    except OSError as e:
        code = e.errno or errno.EIO
    if code == 0:
        say(k, "up", str(int((time.monotonic() - start) * 1e6)))
        learn(n, time.monotonic() - start)
        s.close()
    elif code in (errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK):
        poll.register(s.fileno(), select.POLLOUT)
        live[s.fileno()] = (k, n, s, start)
    else:
        failed(k, n, code, time.monotonic() - start)
        s.close()
while live:
    first = min(start + limit(n) for k, n, s, start in live.values())
    for fd, _ in poll.poll(max(0.0, first - time.monotonic()) * 1000):
        k, n, s, start = live.pop(fd)
        poll.unregister(fd)
        code = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        took = time.monotonic() - start
        if code == 0:
            say(k, "timeout" if took > T else "up", "" if took > T else str(int(took * 1e6)))
            learn(n, took)
        else:
            failed(k, n, code, took)
        s.close()
    now = time.monotonic()
    for fd, (k, n, s, start) in list(live.items()):
        if now - start >= limit(n):
            waited.setdefault(n, limit(n))
            say(k, "timeout")
            poll.unregister(fd)
            del live[fd]
            s.close()
if ADAPT:
    for n in (x for x in rto if x in probed):
        sys.stdout.write("W %s %d %d\\n" % (n, int(waited.get(n, rto[n]) * 1000 + 0.999), est.get(n, [0, 0, 0])[2]))
sys.stdout.flush()`

/**
 * The driver, POSIX sh: detects the tool, runs the probes in batches, retries timeouts and unreachables
 * (never refusals) `R` more times, and prints each probe's final line once, between a header naming the
 * tool and a footer. Everything is inside { }: sh parses the whole script before running any of it, so
 * nothing a probe does can read the rest of the script from stdin.
 *
 * With samples (M > 1), the list holds every probe M times (id = probe × M + sample) and there are no
 * retries: sample s of every probe is started G seconds after sample s-1 (each sample's batches in a
 * background subshell of their own, so all samples of a probe are spaced, not back to back), and a
 * probe's sample that said nothing is a timeout.
 */
const DRIVER = `if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then tool=bash
elif command -v nc >/dev/null 2>&1; then tool=nc
elif command -v python3 >/dev/null 2>&1; then tool=python3
else tool=none
fi
printf "%s %s\\n" "${HEADER}" "$tool"
if [ "$tool" != none ]; then
  TO=
  if command -v timeout >/dev/null 2>&1; then
    if timeout "$TS" true >/dev/null 2>&1; then TO=$TS; else TO=$TI; fi
  fi
  run() {
    case $tool in
      bash) timeout "$TO" bash -c "$B" tarsnet "$K" "$1" "$S" "$A" "$I" "$F" ;;
      nc) if [ -n "$TO" ]; then timeout "$TO" sh -c "$N" tarsnet "$T" "$W" "$1"; else sh -c "$N" tarsnet "$T" "$W" "$1"; fi ;;
      python3) python3 -c "$Y" "$K" "$1" "$A" "$I" "$F" ;;
    esac
  }
  NL='
'
  try=0; nw=
  if [ "$M" -gt 1 ]; then
    out=$(
      s=0
      while [ "$s" -lt "$M" ]; do
        c=; n=0
        for j in $P; do
          k=\${j%%,*}
          if [ $((k % M)) -eq "$s" ]; then c="$c $j"; n=$((n + 1)); fi
        done
        (
          b=; m=0
          for j in $c; do
            b="$b $j"; m=$((m + 1))
            if [ "$m" -ge ${REMOTE_BATCH} ]; then run "$b" 2>/dev/null </dev/null; b=; m=0; fi
          done
          if [ -n "$b" ]; then run "$b" 2>/dev/null </dev/null; fi
        ) &
        s=$((s + 1))
        if [ "$s" -lt "$M" ]; then sleep "$G" 2>/dev/null || sleep 1; fi
      done
      wait
    )
    seen=" "
    IFS=$NL
    for line in $out; do
      IFS=" "
      set -- $line
      if [ "$1" = W ] && [ -n "$3" ]; then printf "%s\\n" "$line"; fi
      if [ "$1" = R ] && [ -n "$3" ]; then
        case $seen in
          *" $2 "*) ;;
          *) seen="$seen$2 "; printf "%s\\n" "$line" ;;
        esac
      fi
      IFS=$NL
    done
    IFS=" "
    for j in $P; do
      k=\${j%%,*}
      case $seen in *" $k "*) ;; *) printf "R %s timeout\\n" "$k" ;; esac
    done
    P=
  fi
  while [ -n "$P" ]; do
    out=; c=; n=0
    for j in $P; do
      c="$c $j"; n=$((n + 1))
      if [ "$n" -ge ${REMOTE_BATCH} ]; then out="$out$NL$(run "$c" 2>/dev/null </dev/null)"; c=; n=0; fi
    done
    if [ -n "$c" ]; then out="$out$NL$(run "$c" 2>/dev/null </dev/null)"; fi
    seen=" "; again=" "
    IFS=$NL
    for line in $out; do
      IFS=" "
      set -- $line
      if [ "$1" = W ] && [ -n "$3" ]; then
        printf "%s\\n" "$line"
        if [ -n "$4" ] && [ "$4" != 0 ]; then nw="$nw $2:$3"; fi
      fi
      if [ "$1" = R ] && [ -n "$3" ]; then
        case $seen in
          *" $2 "*) ;;
          *) seen="$seen$2 "
             case $3 in
               timeout|unreachable) if [ "$try" -lt "$R" ]; then again="$again$2 "; else printf "%s\\n" "$line"; fi ;;
               *) printf "%s\\n" "$line" ;;
             esac ;;
        esac
      fi
      IFS=$NL
    done
    IFS=" "
    next=
    for j in $P; do
      k=\${j%%,*}
      case $seen in
        *" $k "*) case $again in *" $k "*) next="$next $j" ;; esac ;;
        *) if [ "$try" -lt "$R" ]; then next="$next $j"; else printf "R %s timeout\\n" "$k"; fi ;;
      esac
    done
    P=$next
    try=$((try + 1))
    # A retry starts from the waits this pass learned (a network that answered is not waited for from scratch).
    if [ -n "$nw" ]; then
      ni=
      for x in $I; do
        y=$x
        for z in $nw; do if [ "\${z%%:*}" = "\${x%%:*}" ]; then y=$z; fi; done
        ni="$ni $y"
      done
      I=$ni; nw=
    fi
  done
fi
printf "%s\\n" "${FOOTER}"
exit 0`

for (const [name, text] of Object.entries({BASH_PROBER, NC_PROBER, PYTHON_PROBER})) {
  // They are embedded in single quotes below.
  if (text.includes("'")) throw new Error(`${name} must not contain a single quote`)
}

/** Checks a probe list: canonical IP text and integer ports only (the only values that reach the node). */
function assertSafe(probes: readonly RemoteProbe[], options: RemoteScriptOptions): void {
  for (const p of probes) {
    if (typeof p.host !== 'string' || normalizeIp(p.host) !== p.host) throw new Error(`not a canonical IP address: ${JSON.stringify(p.host)}`)
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`not a TCP port: ${JSON.stringify(p.port)}`)
  }
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1 || options.timeoutMs > 600_000) throw new Error(`bad timeout ${options.timeoutMs}`)
  if (!Number.isInteger(options.retries) || options.retries < 0 || options.retries > 10) throw new Error(`bad retries ${options.retries}`)
  const samples = options.samples ?? 1
  if (!Number.isInteger(samples) || samples < 1 || samples > 100) throw new Error(`bad samples ${samples}`)
  const spacing = options.spacingMs ?? REMOTE_SPACING_MS
  if (!Number.isInteger(spacing) || spacing < 0 || spacing > 60_000) throw new Error(`bad spacing ${spacing}`)
  const a = options.adaptive
  const ms = (x: number) => Number.isInteger(x) && x >= 1 && x <= 600_000
  if (a && (!ms(a.maxMs) || !ms(a.floorMs) || a.initialMs.length === 0 || a.initialMs.length > 64 || !a.initialMs.every(ms))) throw new Error('bad adaptive timing')
  const nets = a ? a.initialMs.length : 1
  for (const p of probes) if (!Number.isInteger(p.net ?? 0) || (p.net ?? 0) < 0 || (p.net ?? 0) >= nets) throw new Error(`bad network index ${p.net}`)
}

/**
 * The whole script for one node: its probes, the timeout and retries, the three probers and the driver.
 * With samples, output ids are probe × samples + sample (see parseSampledOutput).
 */
export function buildRemoteScript(probes: readonly RemoteProbe[], options: RemoteScriptOptions): string {
  assertSafe(probes, options)
  const samples = options.samples ?? 1
  const a = options.adaptive
  const batchMs = Math.max(options.timeoutMs, a?.maxMs ?? 0) + BATCH_SLACK_MS
  const list = samples === 1
    ? probes.map((p, i) => `${i},${p.net ?? 0},${p.host},${p.port}`)
    : probes.flatMap((p, i) => Array.from({length: samples}, (_, s) => `${i * samples + s},${p.net ?? 0},${p.host},${p.port}`))
  const vars = [
    `T=${options.timeoutMs}`,
    // bash and python3: the longest wait (the ceiling when adaptive), adaptive or not, initial wait per network, floor.
    `K=${a ? a.maxMs : options.timeoutMs}`,
    `A=${a ? 1 : 0}`,
    `I='${a ? a.initialMs.map((ms, i) => `${i}:${ms}`).join(' ') : ''}'`,
    `F=${a ? a.floorMs : options.timeoutMs}`,
    `S=${(options.timeoutMs / 1000).toFixed(3)}`,
    // A retry would hide the loss that several samples measure.
    `R=${samples > 1 ? 0 : options.retries}`,
    `M=${samples}`,
    `G=${((options.spacingMs ?? REMOTE_SPACING_MS) / 1000).toFixed(3)}`,
    // timeout(1), the safety net around a batch: fractional seconds where it takes them (GNU), else whole.
    `TS=${(batchMs / 1000).toFixed(3)}`,
    `TI=${Math.ceil(batchMs / 1000)}`,
    // nc -w takes whole seconds.
    `W=${Math.max(1, Math.ceil(options.timeoutMs / 1000))}`,
    `P='${list.join(' ')}'`,
    `B='${BASH_PROBER}'`,
    `N='${NC_PROBER}'`,
    `Y='${PYTHON_PROBER}'`,
  ]
  return `{\nset -f\n${vars.join('\n')}\n${DRIVER}\n}\n`
}

/** How long a node's run may take at most: its batches, each try, plus start-up. */
export function remoteBudgetMs(probeCount: number, options: RemoteScriptOptions): number {
  const batches = Math.max(1, Math.ceil(probeCount / REMOTE_BATCH))
  const samples = options.samples ?? 1
  const timeoutMs = Math.max(options.timeoutMs, options.adaptive?.maxMs ?? 0)
  // Samples run side by side, each started a spacing later (a whole second where sleep takes no fraction).
  if (samples > 1) return batches * (timeoutMs + BATCH_SLACK_MS + 1000) + (samples - 1) * Math.max(1000, options.spacingMs ?? REMOTE_SPACING_MS) + 3000
  return batches * (options.retries + 1) * (timeoutMs + BATCH_SLACK_MS + 1000) + 3000
}

export interface RemoteResult {
  status: RemoteStatus
  /** Connect time in microseconds, when the tool could measure it. */
  latencyUs: number | null
  /** The node's word for an error (sanitised), or null. */
  detail: string | null
}

export interface RemoteOutput {
  /** The tool the node used; null when the header never came (the script did not run). */
  tool: RemoteTool | null
  /** The node had none of bash+timeout, nc, python3. */
  noTool: boolean
  /** The footer came: the script ran to its end. */
  complete: boolean
  /** Per probe id, its result (undefined when the node said nothing about it). */
  results: Array<RemoteResult | undefined>
  /** Lines that were not understood (counted, never echoed in full). */
  ignoredLines: number
  /** Adaptive (bash, python3): per network index, the longest wait a batch gave it and the answers it learned from. */
  waits: Array<{ms: number; answers: number} | undefined>
}

const MAX_LINE = 512
const STATUSES = new Set<RemoteStatus>(['up', 'refused', 'timeout', 'unreachable', 'error'])

/**
 * Parses a node's output. The node is not trusted: anything it prints is bounded and checked (ids in
 * range, known words only, latency digits only, details reduced to printable ASCII), and nothing throws.
 */
export function parseRemoteOutput(output: unknown, probeCount: number): RemoteOutput {
  const text = typeof output === 'string' ? output : Buffer.isBuffer(output) ? output.toString('latin1') : ''
  const count = Number.isInteger(probeCount) && probeCount > 0 ? probeCount : 0
  const out: RemoteOutput = {tool: null, noTool: false, complete: false, results: new Array(count).fill(undefined), ignoredLines: 0, waits: []}
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const line = end - start > MAX_LINE ? null : text.slice(start, end).replace(/\r$/, '')
    start = end + 1
    if (line === null) {
      out.ignoredLines++
      continue
    }
    if (line === '') continue
    if (line.startsWith(`${HEADER} `)) {
      const tool = line.slice(HEADER.length + 1)
      if (out.tool === null && !out.noTool) {
        if (tool === 'bash' || tool === 'nc' || tool === 'python3') out.tool = tool
        else if (tool === 'none') out.noTool = true
        else out.ignoredLines++
      }
      continue
    }
    if (line === FOOTER) {
      out.complete = true
      continue
    }
    const w = /^W (\d{1,2}) (\d{1,7}) (\d{1,9})$/.exec(line)
    if (w) {
      const net = Number(w[1])
      const seen = out.waits[net]
      if (net < 64) out.waits[net] = {ms: Math.max(seen?.ms ?? 0, Number(w[2])), answers: (seen?.answers ?? 0) + Number(w[3])}
      else out.ignoredLines++
      continue
    }
    const m = /^R (\d{1,9}) ([a-z]{2,11})(?: (.*))?$/.exec(line)
    if (!m) {
      out.ignoredLines++
      continue
    }
    const id = Number(m[1])
    const status = m[2] as RemoteStatus
    if (id >= count || !STATUSES.has(status) || out.results[id] !== undefined) {
      out.ignoredLines++
      continue
    }
    const extra = m[3] ?? ''
    let latencyUs: number | null = null
    let detail: string | null = null
    if (status === 'up' && /^\d{1,12}$/.test(extra)) latencyUs = Number(extra)
    if (status === 'error') detail = extra.replace(/[^\x20-\x7e]/g, '').slice(0, 120).trim() || null
    out.results[id] = {status, latencyUs, detail}
  }
  return out
}
