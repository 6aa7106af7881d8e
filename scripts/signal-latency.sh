#!/usr/bin/env bash
# signal-latency.sh - how long kubesurface takes to exit after SIGINT or
# SIGTERM while it waits on each input that used to ignore them (docs/security.md:
# "Security"). The tests assert the exit code (130), never a duration; this
# measures the duration. Only 127.0.0.1 is dialled (and 127.0.0.0/8 inside a
# private network namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/ks" ./cmd/kubesurface
cd "$tmp"
# KUBESURFACE_OFFLINE: no background data refresh; only 127.0.0.1 is dialled.
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache" KUBECONFIG="$tmp/none" KUBESURFACE_OFFLINE=1
mkfifo endpoints kubeconfig results token stdin
cat >kc <<YAML
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: piped, context: {cluster: c, user: u}}]
users: [{name: u, user: {tokenFile: $tmp/token}}]
YAML
# A server that accepts connections and never answers.
python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64); print(s.getsockname()[1], flush=True)
held = []
while True: held.append(s.accept()[0])' >port &
while [ ! -s port ]; do sleep 0.05; done
silent=127.0.0.1:$(cat port)
sleep 600 >stdin & # a writer that never writes or closes

# measure NAME SIGNAL COMMAND...: start it, let it reach its wait, signal it.
measure() {
  name=$1 sig=$2; shift 2
  "$@" >/dev/null 2>err & pid=$!
  sleep 1
  t0=$(date +%s%N); kill -"$sig" "$pid"; rc=0; wait "$pid" || rc=$?; t1=$(date +%s%N)
  printf '%-40s %-4s exit %s after %d ms\n' "$name" "$sig" "$rc" $(((t1 - t0) / 1000000))
}
measure "stdin that never closes" INT sh -c 'exec ./ks scan --no-kubeconfig - <stdin'
measure "FIFO as -f" TERM ./ks scan --no-kubeconfig -f endpoints
measure "FIFO as --kubeconfig" INT ./ks scan --kubeconfig kubeconfig
measure "tokenFile that is a FIFO" TERM ./ks scan --kubeconfig kc
measure "view of a FIFO" INT ./ks view results
measure "--from-results of a FIFO" TERM ./ks scan --no-kubeconfig --from-results results
# A huge range, scanned in a private network namespace where only loopback
# is up, so its connects reach nothing else.
measure "scanning 127.0.0.0/8 (own netns)" INT unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' \
  ./ks scan --no-kubeconfig --max-targets 100000000 -o ndjson 127.0.0.0/8:6443
measure "probing a server that never answers" TERM ./ks scan --no-kubeconfig --timeout 30s -o json "$silent"
# The background data refresh (on here, and only here) waiting on sources
# that never answer, while a scan waits for it at the end.
measure "data refresh, sources never answer" INT env KUBESURFACE_OFFLINE= \
  KUBESURFACE_ENDOFLIFE_URL="http://$silent" KUBESURFACE_OSV_URL="http://$silent" \
  KUBESURFACE_CVE_FEED_URL="http://$silent/feed" ./ks scan --no-kubeconfig -o json 127.0.0.1:1
