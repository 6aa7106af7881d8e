#!/usr/bin/env bash
# bench-first-row.sh [RUNS] - time from launching the TUI to the first fully
# probed row of a real kube-apiserver on screen: `kubesurface --kubeconfig KC`
# in a detached tmux session (160x40, on a tmux server of its own) whose pane
# is captured every ~10 ms until it shows the server's version and "1/1 done".
# Median of RUNS (default 5) launches; as a reference, the median wall time
# of `kubectl --kubeconfig KC get --raw /version`.
#
# The API server is one real etcd + kube-apiserver on 127.0.0.1 with
# anonymous auth on, started by test/e2e/realcluster/up.sh (binaries cached
# in ~/.cache/realcluster; the first build takes minutes) and stopped at the
# end by its down.sh. Only 127.0.0.1 is dialled.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-5}
tmp=$(mktemp -d)
cluster=
cleanup() {
  tmux -S "$tmp/tmux.sock" kill-server 2>/dev/null || true
  [ -n "$cluster" ] && bash "$root/test/e2e/realcluster/down.sh" "$cluster" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# KS_BIN=PATH measures that kubesurface binary (an older tree, for a
# baseline) instead of one built from this tree.
if [ -n "${KS_BIN:-}" ]; then cp "$KS_BIN" "$tmp/ks"; else go build -o "$tmp/ks" ./cmd/kubesurface; fi

t0=$(now_ms)
env=$(ANONYMOUS=true bash test/e2e/realcluster/up.sh 2>"$tmp/up.log") || { cat "$tmp/up.log" >&2; exit 1; }
eval "$env"
cluster=$REALCLUSTER_DIR
echo "kube-apiserver $KUBE_APISERVER_VERSION at $KUBE_APISERVER_URL, up in $(($(now_ms) - t0)) ms"
kc=$REALCLUSTER_KUBECONFIG

# kubesurface's own state (logs, cache) in the temporary directory; no data
# refresh over the network.
mkdir -p "$tmp/home"
tm() { tmux -S "$tmp/tmux.sock" -f /dev/null "$@"; }
# A session that holds the tmux server up between runs: killing the last
# session ends the server, racing the next run's new-session. Cleanup's
# kill-server ends it.
tm new-session -d -s holder -x 160 -y 40 cat
times=()
for i in $(seq 1 "$runs"); do
  session=first-row-$i
  t0=$(now_ms)
  tm new-session -d -s "$session" -x 160 -y 40 -c "$tmp" \
    env HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home/cache" KUBECONFIG=/nonexistent KUBESURFACE_OFFLINE=1 \
    "$tmp/ks" --kubeconfig "$kc" --now 2026-11-26
  shown=
  while [ $(($(now_ms) - t0)) -lt 30000 ]; do
    screen=$(tm capture-pane -p -t "$session" 2>/dev/null) || screen=
    case "$screen" in *"$KUBE_APISERVER_VERSION"*"1/1 done"* | *"1/1 done"*"$KUBE_APISERVER_VERSION"*)
      shown=$(now_ms)
      break
      ;;
    esac
    sleep 0.01
  done
  [ -n "$shown" ] || { echo "run $i: the row never showed $KUBE_APISERVER_VERSION and 1/1 done; screen:" >&2; printf '%s\n' "$screen" >&2; exit 1; }
  times+=($((shown - t0)))
  echo "run $i: first probed row on screen after $((shown - t0)) ms"
  [ "$i" -eq 1 ] && printf '  the row: %s\n' "$(printf '%s\n' "$screen" | grep -m1 -F "$KUBE_APISERVER_VERSION" | sed 's/[[:space:]]*$//')"
  tm kill-session -t "$session" 2>/dev/null || true
done
echo "TUI first row: median $(printf '%s\n' "${times[@]}" | median) ms of $runs (${times[*]})"

kt=()
for _ in $(seq 1 "$runs"); do
  t0=$(now_ms)
  kubectl --kubeconfig "$kc" get --raw /version >/dev/null
  kt+=($(($(now_ms) - t0)))
done
echo "reference, kubectl get --raw /version: median $(printf '%s\n' "${kt[@]}" | median) ms of $runs (${kt[*]})"
