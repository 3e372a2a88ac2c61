#!/usr/bin/env bash
# What the test suite needs from the machine, made true before any test runs: the one list of it.
# Run by scripts/run-tests.mjs (so by `npm test`) and by .ci/run. Idempotent: a machine that has it all
# costs a few checks.
#
#   1. Debian packages: every command the tests run. As root with apt-get, the missing ones are installed
#      (one `apt-get update`, one install, no daemon started system-wide); otherwise one line naming them
#      and the command that installs them, exit 1. A missing package never becomes a skipped test.
#   2. MariaDB at 127.0.0.1:3306: started when installed and down; where root may log in through the
#      socket only (a fresh Debian install), a TCP user of the tests' own is created.
#   3. Every scripts/peers/build-*.sh, in name order, in the background: the C++ test peers (each cached
#      outside the clone; the tests that need one wait for its build).
#
# stdout carries only KEY=VALUE lines for the tests' environment (TARSNET_TEST_DB when the tests must use
# the user made here); everything said goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 3>&1 1>&2

say() { printf 'test setup: %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*"; exit 1; }

# One setup at a time on this machine (apt and MariaDB are shared); released when this script exits.
if command -v flock >/dev/null 2>&1; then
  exec 9>"/tmp/tarsnet-test-setup-$(id -u).lock"
  flock 9
fi

# package | a check that passes when what the tests use from it is here | why
NEEDS=(
  "mariadb-client|command -v mariadb|the test database is reached and prepared with it"
  "iproute2|command -v ip|network namespaces for probes and the mesh lab"
  "util-linux|command -v script && command -v flock && command -v unshare|the pseudo-terminal the interactive tests drive, the mesh lab"
  "openssl|command -v openssl|the TLS test makes a self-signed certificate"
  "zsh|command -v zsh|shell completion is tested in real bash and zsh"
  "prometheus|command -v promtool && command -v prometheus|the exporter tests: a real Prometheus, promtool"
  "openssh-server|test -x /usr/sbin/sshd|sshd in every mesh-lab node"
  "openssh-client|command -v ssh && command -v ssh-keygen|the mesh lab's operator"
  "netcat-openbsd|command -v nc|nc on the mesh-lab nodes"
  "iptables|command -v iptables|cutting links in the labs"
  "cmake|command -v cmake|the C++ test peers (TarsCpp)"
  "g++|command -v g++|the C++ test peers"
  "make|command -v make|the C++ test peers"
  "flex|command -v flex|the C++ test peers (tars2cpp)"
  "bison|command -v bison|the C++ test peers (tars2cpp)"
  "libmariadb-dev|test -e /usr/include/mariadb/mysql.h|the C++ test peers (TarsFramework's registry)"
  "nmap|command -v nmap|the probe benchmark's reference"
)
# The shared server: installed here unless the tests are pointed at another one.
if [ -z "${TARSNET_TEST_DB:-}" ]; then
  NEEDS=("mariadb-server|command -v mariadbd || command -v mysqld|the test database, and a throwaway server of the tests' own" "${NEEDS[@]}")
fi

missing=()
for need in "${NEEDS[@]}"; do
  IFS='|' read -r pkg check _why <<<"$need"
  sh -c "$check" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then how="sudo apt-get install -y ${missing[*]}"; else how="install the equivalents of these Debian packages with your package manager"; fi
    fail "the tests need ${missing[*]} (not installed): $how, then run the tests again"
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Install without starting anything (sshd, prometheus, node_exporter would otherwise start system-wide
  # daemons): the tests start their own, in their own namespaces and on free ports.
  policy=/usr/sbin/policy-rc.d own_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1; fi
  trap '[ -n "$own_policy" ] && rm -f "$policy"' EXIT
  apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
  apt_get update -qq || fail "apt-get update failed (see above): the tests need ${missing[*]}"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed (see above)"
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
  trap - EXIT
  still=()
  for need in "${NEEDS[@]}"; do
    IFS='|' read -r pkg check _why <<<"$need"
    sh -c "$check" >/dev/null 2>&1 || still+=("$pkg")
  done
  [ ${#still[@]} -eq 0 ] || fail "installed ${missing[*]}, yet ${still[*]} still lacks what the tests use: check the package contents"
fi

if [ -z "${TARSNET_TEST_DB:-}" ]; then
  tcp_root() { mariadb -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; }
  alive() { mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1 || mariadb-admin -h 127.0.0.1 --connect-timeout=2 ping >/dev/null 2>&1; }
  if ! tcp_root && ! alive; then
    [ "$(id -u)" = 0 ] || fail "MariaDB does not answer at 127.0.0.1:3306: start it (sudo service mariadb start), or set TARSNET_TEST_DB=mysql://USER:PASSWORD@HOST:PORT"
    say "starting MariaDB"
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
    [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    start-stop-daemon --start --oknodo --background --exec "$(command -v mariadbd || command -v mysqld)" -- --user=mysql
    for _ in $(seq 1 60); do alive && break; sleep 1; done
    alive || fail "MariaDB did not start within 60 s: see its log (/var/log/mysql/ or journalctl), or set TARSNET_TEST_DB"
  fi
  if ! tcp_root; then
    # A fresh Debian install lets root in only through the socket: give the tests a TCP user of their own.
    [ "$(id -u)" = 0 ] || fail "root cannot log in to MariaDB over TCP without a password: set TARSNET_TEST_DB=mysql://USER:PASSWORD@127.0.0.1:3306 (a user that may create databases and users)"
    mariadb -u root -e "CREATE USER IF NOT EXISTS 'tarsnet_ci'@'127.0.0.1' IDENTIFIED BY 'tarsnet_ci';
      CREATE USER IF NOT EXISTS 'tarsnet_ci'@'localhost' IDENTIFIED BY 'tarsnet_ci';
      GRANT ALL PRIVILEGES ON *.* TO 'tarsnet_ci'@'127.0.0.1' WITH GRANT OPTION;
      GRANT ALL PRIVILEGES ON *.* TO 'tarsnet_ci'@'localhost' WITH GRANT OPTION;" \
      || fail "could not create the tests' MariaDB user through the socket: set TARSNET_TEST_DB=mysql://USER:PASSWORD@127.0.0.1:3306"
    echo 'TARSNET_TEST_DB=mysql://tarsnet_ci:tarsnet_ci@127.0.0.1:3306' >&3
  fi
fi

# The C++ test peers: each script is idempotent, keeps its build outside the clone and takes a lock while it
# builds. They build in the background (about 7 minutes on a fresh machine), one after the other, while the
# suite runs: a test that needs a peer runs its script too, which waits on that lock and then finds it built
# (scripts/run-tests.mjs runs those files last). A failed build is in its log, and the test that needs it fails.
shopt -s nullglob
peers=(scripts/peers/build-*.sh)
if [ ${#peers[@]} -gt 0 ]; then
  mapfile -t peers < <(printf '%s\n' "${peers[@]}" | LC_ALL=C sort)
  logs=${TARSNET_PEER_CACHE:-/var/cache/tarsnet-peers}
  mkdir -p "$logs" 2>/dev/null || logs=${TMPDIR:-/tmp}
  say "building the C++ test peers in the background: ${peers[*]} (logs: $logs/build-*.log)"
  (
    for peer in "${peers[@]}"; do
      name=$(basename "$peer" .sh)
      nice -n 10 bash "$peer" >"$logs/$name.log" 2>&1 || true
    done
  ) </dev/null >/dev/null 2>&1 3>&- &
  disown
fi
