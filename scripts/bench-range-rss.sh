#!/usr/bin/env bash
# bench-range-rss.sh [SECONDS] - memory and interrupt latency of a scan of a
# huge range: `kubesurface scan --no-kubeconfig -o ndjson 127.0.0.0/8` (both
# default ports, 33.5 M targets, all refused since nothing listens) run for
# SECONDS (default 60) in a private network namespace where only loopback is
# up (the script re-executes itself under `unshare -n`, so it needs root).
#
# While it runs, VmRSS is read from /proc/PID/status every 0.5 s (the peak
# is printed, with the kernel's own VmHWM read just before the signal); then
# SIGTERM is sent and the time to exit and the exit code (130 expected) are
# measured. The ndjson goes through a FIFO to awk, which counts the rows
# (so targets/s = rows / seconds run) and keeps the last one, checked to be
# one complete JSON object.
set -euo pipefail
cd "$(dirname "$0")/.."
# Measure kubesurface, not a background data refresh over the network.
export KUBESURFACE_OFFLINE=1
secs=${1:-60}

if [ -z "${KS_BENCH_INNER:-}" ]; then
  # Outside: build here, then measure in a new network namespace.
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # KS_BIN=PATH measures that kubesurface binary (an older tree, for a
  # baseline) instead of one built from this tree.
  if [ -n "${KS_BIN:-}" ]; then cp "$KS_BIN" "$tmp/ks"; else go build -o "$tmp/ks" ./cmd/kubesurface; fi
  rc=0
  KS_BENCH_INNER=$tmp unshare -n bash "$0" "$@" || rc=$?
  exit "$rc"
fi

# Inside the namespace: only loopback, so every connect is refused locally.
tmp=$KS_BENCH_INNER
pid= counter=
cleanup() {
  [ -n "$pid" ] && { kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  [ -n "$counter" ] && { kill "$counter" 2>/dev/null || true; wait "$counter" 2>/dev/null || true; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip link set lo up

now_ms() { date +%s%3N; }
rss_kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status" 2>/dev/null || true; }

mkfifo "$tmp/out"
awk '{ last = $0 } END { print NR >"'"$tmp/count"'"; print last >"'"$tmp/last"'" }' <"$tmp/out" &
counter=$!
t_start=$(now_ms)
"$tmp/ks" scan --no-kubeconfig --max-targets 40000000 -o ndjson --now 2026-11-26 127.0.0.0/8 \
  >"$tmp/out" 2>"$tmp/err" &
pid=$!
peak=0
end=$((t_start + secs * 1000))
while [ "$(now_ms)" -lt "$end" ]; do
  kill -0 "$pid" 2>/dev/null || { echo "kubesurface exited early" >&2; cat "$tmp/err" >&2; exit 1; }
  r=$(rss_kb VmRSS)
  [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.5
done
hwm=$(rss_kb VmHWM)
t0=$(now_ms)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
t1=$(now_ms)
pid=
wait "$counter" || true
counter=
rows=$(cat "$tmp/count")
ran_ms=$((t0 - t_start))
echo "ran ${ran_ms} ms over 127.0.0.0/8 (33,554,432 targets), $rows rows"
echo "peak VmRSS (sampled every 0.5 s): $((peak / 1024)) MiB; VmHWM before SIGTERM: $((${hwm:-0} / 1024)) MiB"
awk -v r="$rows" -v ms="$ran_ms" 'BEGIN { printf "targets/s: %.0f\n", r / (ms / 1000) }'
echo "SIGTERM -> exit: $((t1 - t0)) ms, exit code $rc (130 expected)"
if [ "$rows" -gt 0 ] && jq -e 'type == "object"' "$tmp/last" >/dev/null 2>&1; then
  echo "last line: a complete JSON object ($(jq -r '.target.name + " " + .state' "$tmp/last"))"
else
  echo "last line: NOT a complete JSON object: $(head -c 200 "$tmp/last")"
fi
