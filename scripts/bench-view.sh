#!/usr/bin/env bash
# bench-view.sh [MB] [BASELINE] - peak RSS and timings of `kubesurface view`
# loading a results file of about MB megabytes (default 200) of distinct,
# judged targets, in a real terminal (tmux). docs/speed.md.
# With BASELINE (a git ref, e.g. 63e5d2b, the last commit before view read
# files as a stream), that ref's binary loads the same file in the same run,
# first, for a side-by-side figure.
#
# The rows are made from a real scan of the demo fleet (lifelike EKS, GKE,
# AKS, k3s, OpenShift, kubeadm and RKE2 servers on 127.0.0.1), each copy
# under its own target URL so that none merges with another.
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure kubesurface, not a background data refresh over the network.
export KUBESURFACE_OFFLINE=1
mb=${1:-200}
baseline=${2:-}
tmp=$(mktemp -d)
sock="$tmp/tmux"

trap 'tmux -S "$sock" kill-server 2>/dev/null || true; [ -n "${demo:-}" ] && kill "$demo" 2>/dev/null; [ -n "$baseline" ] && git worktree remove --force "$tmp/base" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/kubesurface" ./cmd/kubesurface
if [ -n "$baseline" ]; then
  git worktree add -q --detach "$tmp/base" "$baseline"
  (cd "$tmp/base" && go build -o "$tmp/kubesurface-base" ./cmd/kubesurface)
fi
mkdir "$tmp/cache"
export KUBECONFIG="$tmp/none" XDG_CACHE_HOME="$tmp/cache"

"$tmp/kubesurface" demo --serve >"$tmp/endpoints" 2>/dev/null &
demo=$!
for _ in $(seq 1 300); do [ -s "$tmp/endpoints" ] && break; sleep 0.1; done
"$tmp/kubesurface" scan --no-kubeconfig -f "$tmp/endpoints" --now 2026-11-26 -o ndjson >"$tmp/sample.ndjson"
kill "$demo"; demo=

python3 - "$tmp/sample.ndjson" "$tmp/big.ndjson" "$mb" <<'EOF'
import json, sys
sample = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = int(sys.argv[3]) << 20
n = size = 0
with open(sys.argv[2], "w") as out:
    while size < want:
        r = dict(sample[n % len(sample)])
        host = "10.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255)
        r["target"] = {"name": "%s:6443" % host, "source": "endpoint", "url": "https://%s:6443" % host, "host": host, "port": 6443}
        line = json.dumps(r, separators=(",", ":")) + "\n"
        out.write(line)
        size += len(line)
        n += 1
print("results file: %d rows, %d bytes" % (n, size))
EOF
rows=$(wc -l <"$tmp/big.ndjson")

# measure BINARY LABEL: the time to the first rows on screen, to every row
# loaded (the status line's "read N rows"; a binary that reads the whole
# file first shows every row at once), and the peak RSS.
measure() {
  rm -f "$tmp/exited" "$tmp/time"
  start=$(date +%s.%N)
  tmux -S "$sock" -f /dev/null new-session -d -x 200 -y 50 \
    "/usr/bin/time -v -o '$tmp/time' '$1' view '$tmp/big.ndjson'; touch '$tmp/exited'"
  first=
  for _ in $(seq 1 12000); do
    screen=$(tmux -S "$sock" capture-pane -p 2>/dev/null || true)
    if [ -z "$first" ] && grep -Eq '10\.[0-9]+\.[0-9]+\.[0-9]+:6443' <<<"$screen"; then
      first=$(date +%s.%N)
    fi
    grep -q "read $rows rows" <<<"$screen" && break
    [ -n "$first" ] && ! grep -q 'reading ' <<<"$screen" && [ "$1" = "$tmp/kubesurface-base" ] && break
    sleep 0.05
  done
  loaded=$(date +%s.%N)
  tmux -S "$sock" send-keys q
  for _ in $(seq 1 600); do [ -e "$tmp/exited" ] && break; sleep 0.1; done
  echo "$2: first rows on screen after $(echo "${first:-$loaded} - $start" | bc) s," \
    "all $rows rows loaded after $(echo "$loaded - $start" | bc) s," \
    "peak RSS $(awk -F': ' '/Maximum resident set size/ {printf "%d MiB", $2/1024}' "$tmp/time")"
}
[ -n "$baseline" ] && measure "$tmp/kubesurface-base" "baseline $baseline"
measure "$tmp/kubesurface" "this tree"
