#!/usr/bin/env bash
# Builds TarsFramework's real tarsregistry (fe8e741, with TarsCpp 622165c in its tarscpp/ place) offline, once per
# machine, into a cache outside the clone. Test peer only: no line of it goes into tarsnet.
# Needs: cmake g++ make flex bison libmariadb-dev. Idempotent: prints one line when the binary is already cached.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
vendor="${TARSNET_VENDOR_DIR:-$repo/../shared/vendor}"
cache="${TARSNET_PEER_CACHE:-/var/cache/tarsnet-peers}/tarsregistry-fe8e741"
framework_tgz="$vendor/TarsFramework-fe8e741.tar.gz"
tarscpp_tgz="$vendor/TarsCpp-622165c.tar.gz"
binary="$cache/bin/tarsregistry"
# The stamp names the inputs and this recipe's version: a changed recipe rebuilds.
stamp_text="tarsregistry fe8e741 tarscpp 622165c mariadb-connector-c recipe 1"

cached() { [[ -x "$binary" && -f "$cache/STAMP" && "$(cat "$cache/STAMP")" == "$stamp_text" ]]; }
if cached; then
  echo "tarsregistry-fe8e741: cached at $binary"
  exit 0
fi

# One build at a time per machine (two test runs may both find it missing); the second then finds it cached.
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if cached; then
  echo "tarsregistry-fe8e741: cached at $binary"
  exit 0
fi

for tool in cmake g++ make flex bison; do
  command -v "$tool" >/dev/null || { echo "build-tarsregistry: '$tool' is missing; install: apt-get install -y cmake g++ make flex bison libmariadb-dev" >&2; exit 1; }
done
[[ -f /usr/include/mariadb/mysql.h ]] || { echo "build-tarsregistry: MariaDB Connector/C headers are missing; install: apt-get install -y libmariadb-dev" >&2; exit 1; }
for f in "$framework_tgz" "$tarscpp_tgz"; do
  [[ -f "$f" ]] || { echo "build-tarsregistry: $f not found; set TARSNET_VENDOR_DIR to the directory holding the vendored tarballs" >&2; exit 1; }
done

mkdir -p "$cache"
work="$cache/work"
rm -rf "$work" "$cache/bin" "$cache/STAMP"
mkdir -p "$work"
tar -xzf "$framework_tgz" -C "$work"
tar -xzf "$tarscpp_tgz" -C "$work"
src="$work/TarsFramework"
rm -rf "$src/tarscpp"
mv "$work/TarsCpp" "$src/tarscpp"

# Offline: tarsutil must not wait for the downloaded third-party libraries (gtest, mysql-connector-c).
sed -i '/add_dependencies(tarsutil thirdparty)/d' "$src/tarscpp/util/src/CMakeLists.txt"
grep -q 'add_dependencies(tarsutil thirdparty)' "$src/tarscpp/util/src/CMakeLists.txt" && { echo "build-tarsregistry: could not drop the thirdparty dependency" >&2; exit 1; }

# Debian's MariaDB Connector/C instead of the downloaded mysql connector. MYSQL_OPT_SSL_MODE is Oracle-only; map it
# to an option with no effect for tc_mysql (it uses no prepared statements).
mariadb_block='find_path(MARIADB_INCLUDE_DIR mysql.h PATH_SUFFIXES mariadb REQUIRED)\nfind_library(MARIADB_LIBRARY mariadb REQUIRED)\ninclude_directories(${MARIADB_INCLUDE_DIR})\nadd_definitions(-DMYSQL_OPT_SSL_MODE=MYSQL_REPORT_DATA_TRUNCATION)'
sed -i "s|^include(\"\${PROJECT_SOURCE_DIR}/tarscpp/cmake/Thirdparty.cmake\")|&\n$mariadb_block|" "$src/CMakeLists.txt"
sed -i 's|${CMAKE_BINARY_DIR}/src/mysql/lib/libmysqlclient.a|${MARIADB_LIBRARY}|' "$src/CMakeLists.txt"
grep -q 'MARIADB_LIBRARY})' "$src/CMakeLists.txt" && grep -q 'find_library(MARIADB_LIBRARY' "$src/CMakeLists.txt" \
  || { echo "build-tarsregistry: could not point the framework at MariaDB Connector/C" >&2; exit 1; }

build="$work/build"
mkdir -p "$build"
(
  cd "$build"
  cmake "$src" -DCMAKE_BUILD_TYPE=Release -DTARS_MYSQL=ON -DTARS_GZIP=OFF -DTARS_SSL=OFF -DTARS_HTTP2=OFF \
    -DTARS_PROTOBUF=OFF -DENABLE_SHARED=OFF >"$cache/cmake.log" 2>&1 \
    || { echo "build-tarsregistry: cmake failed; see $cache/cmake.log" >&2; exit 1; }
  make -j"$(nproc)" tarsregistry >"$cache/make.log" 2>&1 \
    || { echo "build-tarsregistry: make failed; see $cache/make.log" >&2; exit 1; }
)

mkdir -p "$cache/bin"
cp "$build/servers/tarsregistry/bin/tarsregistry" "$binary"
# The schema travels with the binary so tests need not unpack the tarball again.
cp "$src/deploy/framework/sql/db_tars.sql" "$cache/db_tars.sql"
rm -rf "$work"
echo "$stamp_text" >"$cache/STAMP"
echo "tarsregistry-fe8e741: built at $binary"
