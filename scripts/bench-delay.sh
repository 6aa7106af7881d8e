#!/usr/bin/env bash
# bench-delay.sh [N] [RTT_MS] - full anonymous probes per second over a slow
# link: N (default 1000) TLS API-server stand-ins, each behind its own
# delaying proxy on 127.0.0.1 that holds every chunk RTT_MS/2 (default 25 ms)
# in each direction, served by another process (the scan test binary's
# TestServeDelayedFleet). The proxy accepts at once, so the TCP handshake is
# not delayed; every round trip after it (TLS, each request) is.
#
# It times, over the same fleet in the same run:
#   (a) `kubesurface scan --no-kubeconfig -f endpoints -o ndjson` with the
#       default flags, and
#   (b) a shell baseline: one `curl -Z --http2` per endpoint fetching every
#       path kubesurface fetches anonymously (scan.AnonymousPaths), with
#       xargs -P64 running 64 of them at a time,
# each after one untimed pass of both over the fleet (see "Warm-up" below),
# and prints targets/s for both and their ratio. Only 127.0.0.1 is dialled.
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure kubesurface, not a background data refresh over the network.
export KUBESURFACE_OFFLINE=1
n=${1:-1000}
rtt_ms=${2:-50}
tmp=$(mktemp -d)
# shellcheck source=scripts/fleet.sh
. scripts/fleet.sh
cleanup() {
  fleet_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# KS_BIN=PATH measures that kubesurface binary (an older tree, for a
# baseline) instead of one built from this tree.
if [ -n "${KS_BIN:-}" ]; then cp "$KS_BIN" "$tmp/ks"; else go build -o "$tmp/ks" ./cmd/kubesurface; fi
go test -c -o "$tmp/scan.test" ./scan

# The paths kubesurface requests anonymously, read from its source so the
# baseline follows it (oauthPath is a constant in the same package).
oauth=$(sed -n 's/.*oauthPath[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' scan/*.go | head -n1)
mapfile -t paths < <(sed -n '/^var AnonymousPaths = \[\]string{/,/^}/p' scan/anonymous.go |
  sed -n -e 's/^[[:space:]]*"\([^"]*\)",.*/\1/p' -e "s|^[[:space:]]*oauthPath,.*|$oauth|p")
[ "${#paths[@]}" -ge 5 ] && [ -n "$oauth" ] || { echo "could not read scan.AnonymousPaths" >&2; exit 1; }

fleet_start TestServeDelayedFleet KUBESURFACE_BENCH_FLEET_SIZE="$n" KUBESURFACE_BENCH_FLEET_RTT="${rtt_ms}ms"
echo "fleet: $(wc -l <"$tmp/endpoints") stand-ins, RTT ${rtt_ms} ms; ${#paths[@]} anonymous paths: ${paths[*]}"

# cpu_ticks PID: the process's user+system CPU so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)

# kubesurface, default flags.
ks=("$tmp/ks" scan --no-kubeconfig -f "$tmp/endpoints" -o ndjson --max-targets "$n" --now 2026-11-26)

# The curl baseline: one line of arguments per endpoint, every path
# written to /dev/null and its status, HTTP version and new connections
# printed.
while read -r url; do
  line=
  for p in "${paths[@]}"; do line+=" -o /dev/null $url$p"; done
  printf '%s\n' "$line"
done <"$tmp/endpoints" >"$tmp/curl-args"
# (--no-progress-meter: curl 7.88 draws the parallel meter despite -s.)
baseline() {
  xargs -P64 -L1 curl -Z --http2 -k -s --no-progress-meter --max-time 5 -w '%{http_code} %{http_version} %{num_connects}\n' <"$tmp/curl-args" >"$tmp/curl.out" || true
}

# Warm-up: one untimed pass of each over the fleet. A fleet's first pass
# costs it more than any later one (its process faults in the memory it
# grows to, and Go sizes new goroutine stacks from what it has seen), and
# that cost would fall on whichever tool ran first.
"${ks[@]}" >/dev/null 2>&1 || true
baseline

# (a) kubesurface.
f0=$(cpu_ticks "$fleet")
t0=$(now_ms)
rc=0
/usr/bin/time -o "$tmp/ks.time" -f '%U %S %M' "${ks[@]}" >"$tmp/results" 2>"$tmp/ks.err" || rc=$?
t1=$(now_ms)
f1=$(cpu_ticks "$fleet")
ks_ms=$((t1 - t0))
rows=$(grep -c . "$tmp/results" || true)
versions=$(grep -c '"access": *"version"' "$tmp/results" || true)
read -r usr sys maxrss < <(tail -n1 "$tmp/ks.time")
echo "kubesurface: exit $rc, $rows rows ($versions with version access) in $ks_ms ms" \
  "(CPU ${usr}s user + ${sys}s sys, peak RSS $((maxrss / 1024)) MiB; the fleet, on the same cores, used" \
  "$(awk -v t=$((f1 - f0)) -v h="$tick" 'BEGIN{printf "%.2f", t / h}')s CPU meanwhile)"
[ "$rc" -eq 0 ] || { tail -n 5 "$tmp/ks.err" >&2; }

# (b) the curl baseline.
t0=$(now_ms)
baseline
t1=$(now_ms)
curl_ms=$((t1 - t0))
read -r answered h2 conns < <(awk '$1 != "000" { a++ } $2 == "2" { h++ } { c += $3 } END { print a + 0, h + 0, c + 0 }' "$tmp/curl.out")
echo "curl baseline: $answered of $((n * ${#paths[@]})) requests answered ($h2 over HTTP/2, $conns connections) in $curl_ms ms"

awk -v n="$n" -v a="$ks_ms" -v b="$curl_ms" 'BEGIN {
  ka = n / (a / 1000); cb = n / (b / 1000)
  printf "kubesurface   %8.1f targets/s\n", ka
  printf "curl -Z xargs %8.1f targets/s\n", cb
  printf "ratio         %8.2fx\n", ka / cb
}'
