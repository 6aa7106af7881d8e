#!/usr/bin/env bash
# bench-view.sh [MB] - peak RSS and timings of `kubesurface view` loading a
# results file of about MB megabytes (default 200) of distinct, judged
# targets, in a real terminal (tmux). README: "Speed and memory".
#
# The rows are made from a real scan of the demo fleet (lifelike EKS, GKE,
# AKS, k3s, OpenShift, kubeadm and RKE2 servers on 127.0.0.1), each copy
# under its own target URL so that none merges with another.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
tmp=$(mktemp -d)
sock="$tmp/tmux"

trap 'tmux -S "$sock" kill-server 2>/dev/null || true; [ -n "${demo:-}" ] && kill "$demo" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/kubesurface" ./cmd/kubesurface
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

start=$(date +%s.%N)
tmux -S "$sock" -f /dev/null new-session -d -x 200 -y 50 \
  "/usr/bin/time -v -o '$tmp/time' '$tmp/kubesurface' view '$tmp/big.ndjson'; touch '$tmp/exited'"
first=
for _ in $(seq 1 6000); do
  screen=$(tmux -S "$sock" capture-pane -p 2>/dev/null || true)
  if [ -z "$first" ] && grep -q 'reading .*big.ndjson' <<<"$screen" && grep -Eq '10\.[0-9]+\.[0-9]+\.[0-9]+:6443' <<<"$screen"; then
    first=$(date +%s.%N)
  fi
  grep -q "read $rows rows" <<<"$screen" && break
  sleep 0.05
done
loaded=$(date +%s.%N)
tmux -S "$sock" send-keys q
for _ in $(seq 1 600); do [ -e "$tmp/exited" ] && break; sleep 0.1; done
echo "first rows on screen after: $(echo "${first:-$loaded} - $start" | bc) s"
echo "all $rows rows loaded after: $(echo "$loaded - $start" | bc) s"
grep -E 'Maximum resident set size' "$tmp/time"
