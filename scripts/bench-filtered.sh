#!/usr/bin/env bash
# bench-filtered.sh - wall time, rows by outcome and peak RSS of
# `kubesurface scan --no-kubeconfig -o ndjson 127.1.0.0/20` (4,096
# addresses x the two default ports = 8,192 targets) with the default flags,
# where almost every address is filtered: SYNs to it vanish, as behind a
# firewall that drops them. A few addresses stay local with TLS API-server
# stand-ins on 443 and 6443 (the scan test binary's TestServeFleetAt), so
# the run must also probe those in full. Then the same with --open-only,
# which leaves the closed targets out (they are only counted).
#
# It runs in a private network namespace (re-executing itself under
# `unshare -n`, so it needs root), where 127.1.0.0/20 is routed to a veth
# peer whose neighbour entry points nowhere, 127.1.0.5, 127.1.3.7 and
# 127.1.8.9 are kept local (stand-ins listen there) and so is 127.1.12.1
# (nothing listens: refused); nothing outside the namespace is dialled.
#
# BLOCK=CIDR scans another block of 127.1.0.0/20 (say /24, to time an old
# tree that takes minutes on the /20); KS_BIN=PATH measures that kubesurface
# binary instead of one built from this tree, for a baseline:
#   git worktree add /tmp/old c1835dd && (cd /tmp/old && go build -o /tmp/ks-old ./cmd/kubesurface)
#   KS_BIN=/tmp/ks-old bash scripts/bench-filtered.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure kubesurface, not a background data refresh over the network.
export KUBESURFACE_OFFLINE=1
open_hosts=(127.1.0.5 127.1.3.7 127.1.8.9)
refused_hosts=(127.1.12.1) # local, nothing listens: refused
block=${BLOCK:-127.1.0.0/20}

if [ -z "${KS_BENCH_INNER:-}" ]; then
  # Outside: build here (the module cache and proxy are reachable), then run
  # the measurement in a new network namespace.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if [ -n "${KS_BIN:-}" ]; then
    cp "$KS_BIN" "$tmp/ks"
  else
    go build -o "$tmp/ks" ./cmd/kubesurface
  fi
  go test -c -o "$tmp/scan.test" ./scan
  rc=0
  KS_BENCH_INNER=$tmp unshare -n bash "$0" "$@" || rc=$?
  exit "$rc"
fi

# Inside the namespace.
tmp=$KS_BENCH_INNER
# shellcheck source=scripts/fleet.sh
. scripts/fleet.sh
trap fleet_stop EXIT
trap 'exit 130' INT TERM

ip link set lo up
ip link add ks0 type veth peer name ks1
ip addr add 10.255.0.1/30 dev ks0
ip link set ks0 up
ip link set ks1 up
ip neigh add 10.255.0.2 lladdr 02:00:00:00:00:01 dev ks0 nud permanent
echo 1 >/proc/sys/net/ipv4/conf/all/route_localnet
echo 1 >/proc/sys/net/ipv4/conf/ks0/route_localnet
ip route del local 127.0.0.0/8 dev lo table local
ip route add local 127.0.0.0/16 dev lo table local
ip route add 127.1.0.0/20 via 10.255.0.2 dev ks0 src 127.0.0.1 # SYNs there vanish
addrs=
for h in "${open_hosts[@]}"; do
  ip route add local "$h/32" dev lo table local # kept local
  addrs+="${addrs:+,}$h:443,$h:6443"
done
for h in "${refused_hosts[@]}"; do ip route add local "$h/32" dev lo table local; done

fleet_start TestServeFleetAt KUBESURFACE_BENCH_FLEET_ADDRS="$addrs"
echo "block $block, default ports; stand-ins on: $(tr '\n' ' ' <"$tmp/endpoints")"

# scan NAME FLAGS...: run the scan under /usr/bin/time -v and summarise it.
scan() {
  local name=$1 rc=0
  shift
  /usr/bin/time -v "$tmp/ks" scan --no-kubeconfig -o ndjson --max-targets 10000 --now 2026-11-26 "$@" "$block" \
    >"$tmp/results" 2>"$tmp/time" || rc=$?
  echo "== $name: exit $rc"
  grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$tmp/time" | sed 's/^[[:space:]]*/  /'
  # Rows by outcome: open and probed in full with a version, other open
  # rows, refused, filtered (no answer to the sweep's connects), and the rest.
  jq -r '
    (.connect.error // "") as $e |
    if .version.gitVersion? then "open, version " + .version.gitVersion
    elif ($e | test("refused")) then "refused"
    elif ($e | test("filtered|timed out")) then "filtered"
    elif .state == "done" and $e == "" then "open, no version"
    else "other: " + .state + " " + $e end' "$tmp/results" | sort | uniq -c | sed 's/^/  /'
  echo "  rows: $(grep -c . "$tmp/results" || true)"
  [ "$rc" -eq 0 ] || tail -n 5 "$tmp/time" >&2
}
scan "default flags"
if "$tmp/ks" scan --help | grep -q -- --open-only; then
  scan "--open-only" --open-only
fi
