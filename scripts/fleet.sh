# fleet.sh - sourced by the bench scripts: a fleet of API-server stand-ins
# served by the scan test binary ($tmp/scan.test) in another process, which
# writes their URLs to $tmp/endpoints and serves until that file is gone.

fleet=

# fleet_start TEST [VAR=VALUE...]: run the scan test binary's TEST (one of
# the TestServe*Fleet* entries) with those variables and wait for its list.
fleet_start() {
  local test=$1
  shift
  env KUBESURFACE_BENCH_FLEET_FILE="$tmp/endpoints" "$@" \
    "$tmp/scan.test" -test.run "^$test\$" -test.timeout 20m >"$tmp/fleet.log" 2>&1 &
  fleet=$!
  for _ in $(seq 1 1200); do [ -s "$tmp/endpoints" ] && return; sleep 0.1; done
  echo "fleet did not start" >&2
  cat "$tmp/fleet.log" >&2
  exit 1
}

# fleet_stop: remove the list, which ends the fleet; kill it if it lingers
# (it polls every 200 ms).
fleet_stop() {
  rm -f "$tmp/endpoints"
  if [ -n "$fleet" ]; then
    for _ in $(seq 1 50); do kill -0 "$fleet" 2>/dev/null || break; sleep 0.1; done
    kill "$fleet" 2>/dev/null || true
    wait "$fleet" 2>/dev/null || true
  fi
}
