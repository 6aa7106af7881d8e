#!/usr/bin/env bash
# clusters.sh - start (or stop) the three real kube-apiservers the integration
# tests probe, one per anonymous-auth mode, all on 127.0.0.1.
#
#   env=$(bash test/e2e/clusters.sh up) || exit 1; eval "$env"
#   go test ./...                        # the e2e tests read the variables below
#   bash test/e2e/clusters.sh down       # stops exactly what up started
#
# stdout carries only `export` lines:
#   KS_E2E_<MODE>_URL, _TOKEN, _USER_TOKEN, _CA, _KUBECONFIG, _VERSION, _DIR
# for MODE in ANON (anonymous auth on), HEALTH (anonymous only for /healthz,
# /livez, /readyz) and OFF (anonymous auth off), plus KS_E2E_DIRS.
# Binaries are built once and cached by realcluster/up.sh (see its README).
#
# Every cluster also serves two deprecated beta APIs that v1.37 still has but
# keeps off by default, so that the upgrade-readiness tests can request them
# and read what the server's /metrics says (realcluster/README.md: "Deprecated
# APIs"): resource.k8s.io/v1beta1 (removed in 1.38) and coordination.k8s.io/v1beta1
# (LeaseCandidate, removed in 1.39). Serving them changes nothing until a
# client calls them. APISERVER_ARGS, if set, is added after this flag.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEPRECATED_APIS=--runtime-config=resource.k8s.io/v1beta1=true,coordination.k8s.io/v1beta1=true

case "${1:-}" in
up)
  dirs=()
  for pair in ANON:true HEALTH:health OFF:false; do
    name=${pair%%:*} mode=${pair#*:}
    if ! env=$(ANONYMOUS=$mode APISERVER_ARGS="$DEPRECATED_APIS ${APISERVER_ARGS:-}" bash "$HERE/realcluster/up.sh"); then
      for d in "${dirs[@]}"; do bash "$HERE/realcluster/down.sh" "$d" || true; done
      echo "clusters.sh: starting the $name cluster failed" >&2
      exit 1
    fi
    dir=$(eval "$env"; printf '%s' "$REALCLUSTER_DIR")
    dirs+=("$dir")
    printf '%s\n' "$env" | sed -n \
      -e "s/^export KUBE_APISERVER_\(URL\|TOKEN\|USER_TOKEN\|CA\|VERSION\)=/export KS_E2E_${name}_\1=/p" \
      -e "s/^export REALCLUSTER_KUBECONFIG=/export KS_E2E_${name}_KUBECONFIG=/p" \
      -e "s/^export REALCLUSTER_DIR=/export KS_E2E_${name}_DIR=/p"
  done
  printf 'export KS_E2E_DIRS=%q\n' "${dirs[*]}"
  ;;
down)
  for d in ${KS_E2E_DIRS:-}; do bash "$HERE/realcluster/down.sh" "$d" || true; done
  ;;
*)
  echo "usage: clusters.sh up|down" >&2
  exit 2
  ;;
esac
