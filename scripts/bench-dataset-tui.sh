#!/usr/bin/env bash
# bench-dataset-tui.sh [ROWS] [BASELINE] - `kubesurface view` of a generated
# Shodan download of ROWS banners (default 500,000) in a real terminal
# (tmux, 120x30): the time to the end of reading and the peak RSS; then the
# fleet view, its second bar selected, and the time and peak RSS of reading
# the file again for it. With BASELINE (a git ref), that ref's binary reads
# the same file first, in the same run. docs/scaling.md has the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export KUBESURFACE_OFFLINE=1
rows=${1:-500000}
baseline=${2:-}
tmp=$(mktemp -d)
sock="$tmp/tmux"
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; [ -n "$baseline" ] && git worktree remove --force "$tmp/base" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/kubesurface" ./cmd/kubesurface
if [ -n "$baseline" ]; then
  git worktree add -q --detach "$tmp/base" "$baseline"
  (cd "$tmp/base" && go build -o "$tmp/kubesurface-base" ./cmd/kubesurface)
fi
KUBESURFACE_BENCH_ROWS=$rows KUBESURFACE_BENCH_FILE="$tmp/shodan.json" go test -run TestWriteShodanBench -count=1 ./scan/report/ >/dev/null
export KUBECONFIG="$tmp/none" XDG_CACHE_HOME="$tmp/cache"

# until PATTERN: polls the screen every 0.2 s until it shows PATTERN.
until_screen() {
  while ! tmux -S "$sock" capture-pane -p -t bench | grep -q "$1"; do
    tmux -S "$sock" has-session -t bench 2>/dev/null || { echo "the program ended"; return 1; }
    sleep 0.2
  done
}
hwm() { awk '/VmHWM/{print $2/1024 " MiB"}' "/proc/$1/status"; }

run() { # run NAME BINARY: one measurement
  local name=$1 bin=$2 start pid t0
  tmux -S "$sock" new-session -d -s bench -x 120 -y 30 "$bin view --now 2026-11-30 $tmp/shodan.json 2>$tmp/stderr"
  start=$(date +%s.%N)
  pid=; while [ -z "$pid" ]; do pid=$(pgrep -n -f "^$bin view" || true); sleep 0.05; done
  until_screen 'the fleet view counts all\|rows  read [0-9]'
  echo "$name: read $rows rows in $(echo "$(date +%s.%N) - $start" | bc) s, peak RSS $(hwm "$pid")"
  if tmux -S "$sock" capture-pane -p -t bench | grep -q 'the fleet view counts all'; then
    tmux -S "$sock" send-keys -t bench c; until_screen 'enter: filter the table'
    tmux -S "$sock" send-keys -t bench j Enter; t0=$(date +%s.%N)
    until_screen 'loaded the first\|read every row'
    echo "$name: a bar's rows read again in $(echo "$(date +%s.%N) - $t0" | bc) s, peak RSS $(hwm "$pid")"
  fi
  tmux -S "$sock" send-keys -t bench q; sleep 1
  tmux -S "$sock" kill-server 2>/dev/null || true
}
[ -n "$baseline" ] && run "baseline $baseline" "$tmp/kubesurface-base"
run "this tree" "$tmp/kubesurface"
