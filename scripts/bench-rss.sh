#!/usr/bin/env bash
# bench-rss.sh [N] [FORMAT] [FLAG...] - peak RSS and wall time of `kubesurface
# scan` over N (default 10000) TLS API-server stand-ins on 127.0.0.1, served by
# another process so the figure is the scanner's alone; FLAGs go to the scan
# (e.g. --concurrency 64: the difference in RSS between two concurrencies is
# the memory of the probes in flight). docs/speed.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure kubesurface, not a background data refresh over the network.
export KUBESURFACE_OFFLINE=1
n=${1:-10000}
format=${2:-ndjson}
shift $(($# < 2 ? $# : 2))
tmp=$(mktemp -d)
trap 'rm -f "$tmp/endpoints"; [ -n "${fleet:-}" ] && wait "$fleet" 2>/dev/null; rm -rf "$tmp"' EXIT
# KS_BIN=PATH measures that kubesurface binary (an older tree, for a
# baseline) instead of one built from this tree.
if [ -n "${KS_BIN:-}" ]; then cp "$KS_BIN" "$tmp/kubesurface"; else go build -o "$tmp/kubesurface" ./cmd/kubesurface; fi
go test -c -o "$tmp/scan.test" ./scan
KUBESURFACE_BENCH_FLEET_FILE="$tmp/endpoints" KUBESURFACE_BENCH_FLEET_SIZE=$n \
  "$tmp/scan.test" -test.run '^TestServeBenchFleet$' -test.timeout 20m >/dev/null 2>&1 &
fleet=$!
for _ in $(seq 1 600); do [ -s "$tmp/endpoints" ] && break; sleep 0.1; done
[ -s "$tmp/endpoints" ] || { echo "fleet did not start" >&2; exit 1; }
echo "scanning $(wc -l < "$tmp/endpoints") targets"
/usr/bin/time -v "$tmp/kubesurface" scan --no-kubeconfig --max-targets "$n" -f "$tmp/endpoints" \
  --now 2026-11-26 -o "$format" "$@" 2>"$tmp/time" >"$tmp/results"
grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$tmp/time"
echo "output ($format): $(wc -c < "$tmp/results") bytes, version disclosed on $(grep -c '"access": *"version"' "$tmp/results") targets"
