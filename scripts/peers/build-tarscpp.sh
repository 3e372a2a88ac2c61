#!/usr/bin/env bash
# Builds the vendored TarsCpp (libraries and tars2cpp only, offline) and our failover test peers (a servant
# and a fixed-rate client, test/peers/tarscpp/) into a cache outside the clone. Idempotent: one line when
# everything is already built from the same sources.
# Needs: cmake g++ make flex bison.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vendor=${TARSNET_VENDOR_DIR:-$repo/../shared/vendor}
tarball=$vendor/TarsCpp-622165c.tar.gz
cache=${TARSNET_PEER_CACHE:-/var/cache/tarsnet-peers}/tarscpp-622165c
peers=$repo/test/peers/tarscpp

for bin in cmake g++ make flex bison; do
  command -v "$bin" >/dev/null || { echo "build-tarscpp: $bin is missing: apt-get install cmake g++ make flex bison" >&2; exit 1; }
done
[[ -f $tarball ]] || { echo "build-tarscpp: $tarball not found: set TARSNET_VENDOR_DIR to the directory holding it" >&2; exit 1; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

peer_hash=$( (cat "$peers"/*.tars "$peers"/*.cpp 2>/dev/null || true) | sha256sum | cut -c1-16)
if [[ -f $cache/lib.done && -x $cache/bin/failover-servant && -x $cache/bin/failover-client && "$(cat "$cache/peers.hash" 2>/dev/null)" == "$peer_hash" ]]; then
  echo "tarscpp-622165c: already built in $cache"
  exit 0
fi

if [[ ! -f $cache/lib.done ]]; then
  echo "tarscpp-622165c: building the libraries and tars2cpp (about 2.5 minutes on 2 cores)"
  rm -rf "$cache/src" "$cache/build"
  mkdir -p "$cache/src" "$cache/build"
  tar xzf "$tarball" -C "$cache/src" --strip-components=1
  # The gtest download is only for upstream's unit tests: drop the dependency so nothing is fetched.
  sed -i '/add_dependencies(tarsutil\(_shared\)\? thirdparty)/d' "$cache/src/util/src/CMakeLists.txt"
  (cd "$cache/build" && cmake ../src -DCMAKE_BUILD_TYPE=Release -DONLY_LIB=ON -DTARS_MYSQL=OFF -DTARS_GZIP=OFF \
      -DTARS_SSL=OFF -DTARS_HTTP2=OFF -DTARS_PROTOBUF=OFF -DENABLE_SHARED=OFF >cmake.log 2>&1 \
    || { tail -30 cmake.log >&2; exit 1; })
  (cd "$cache/build" && make -j"$(nproc)" tarsutil tarsparse tars2cpp tarsservant >make.log 2>&1 \
    || { tail -40 make.log >&2; exit 1; })
  touch "$cache/lib.done"
fi

echo "tarscpp-622165c: compiling the failover test peers"
b=$cache/build
out=$cache/peers
rm -rf "$out" && mkdir -p "$out" "$cache/bin"
cp "$peers"/*.tars "$peers"/*.cpp "$out"/
tars2cpp=$(find "$b" -name tars2cpp -type f -perm -u+x | head -1)
(cd "$out" && "$tars2cpp" Failover.tars >/dev/null)
inc=(-I"$out" -I"$cache/src/servant" -I"$cache/src/util/include" -I"$b/servant/servant" -I"$b/servant")
while IFS= read -r d; do inc+=(-I"$d"); done < <(find "$b" -name 'EndpointF.h' -printf '%h\n' | sort -u)
libs=("$(find "$b" -name libtarsservant.a | head -1)" "$(find "$b" -name libtarsutil.a | head -1)" -lpthread -ldl)
g++ -std=c++11 -O1 "${inc[@]}" -o "$cache/bin/failover-servant" "$out/servant.cpp" "${libs[@]}"
g++ -std=c++11 -O1 "${inc[@]}" -o "$cache/bin/failover-client" "$out/client.cpp" "${libs[@]}"
echo "$peer_hash" >"$cache/peers.hash"
echo "tarscpp-622165c: built in $cache (bin/failover-servant, bin/failover-client)"
