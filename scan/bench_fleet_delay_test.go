//go:build linux

// Fleets served for the benchmark scripts, which scan them from another
// process: scripts/bench-delay.sh (a fleet behind delaying proxies) and
// scripts/bench-filtered.sh (stand-ins on given addresses). Both run only
// when asked to, like TestServeBenchFleet.

package scan

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestServeDelayedFleet serves KUBESURFACE_BENCH_FLEET_SIZE API-server
// stand-ins, each behind its own delayProxy adding half of
// KUBESURFACE_BENCH_FLEET_RTT (a Go duration such as 50ms) each way, and
// writes the proxies' URLs to KUBESURFACE_BENCH_FLEET_FILE
// (scripts/bench-delay.sh). The proxy accepts a connection at once, so the
// TCP handshake itself is not delayed: every round trip after it is.
func TestServeDelayedFleet(t *testing.T) {
	out := os.Getenv("KUBESURFACE_BENCH_FLEET_FILE")
	rttEnv := os.Getenv("KUBESURFACE_BENCH_FLEET_RTT")
	if out == "" || rttEnv == "" {
		t.Skip("serves a fleet for scripts/bench-delay.sh; set KUBESURFACE_BENCH_FLEET_FILE and KUBESURFACE_BENCH_FLEET_RTT")
	}
	n, err := strconv.Atoi(os.Getenv("KUBESURFACE_BENCH_FLEET_SIZE"))
	if err != nil || n < 1 {
		t.Fatalf("KUBESURFACE_BENCH_FLEET_SIZE: %v", err)
	}
	rtt, err := time.ParseDuration(rttEnv)
	if err != nil || rtt < 0 {
		t.Fatalf("KUBESURFACE_BENCH_FLEET_RTT: %q: %v", rttEnv, err)
	}
	fleet := benchFleet(t, n)
	addrs := make([]string, n)
	for i, tg := range fleet {
		addrs[i] = delayProxy(t, net.JoinHostPort(tg.Host, strconv.Itoa(tg.Port)), rtt/2)
	}
	serveFleetFile(t, out, addrs)
}

// TestServeFleetAt serves an API-server stand-in on each address of
// KUBESURFACE_BENCH_FLEET_ADDRS (comma-separated host:port) and writes
// their URLs to KUBESURFACE_BENCH_FLEET_FILE (scripts/bench-filtered.sh,
// which listens on addresses kept local inside a black-holed block).
func TestServeFleetAt(t *testing.T) {
	out, list := os.Getenv("KUBESURFACE_BENCH_FLEET_FILE"), os.Getenv("KUBESURFACE_BENCH_FLEET_ADDRS")
	if out == "" || list == "" {
		t.Skip("serves a fleet for scripts/bench-filtered.sh; set KUBESURFACE_BENCH_FLEET_FILE and KUBESURFACE_BENCH_FLEET_ADDRS")
	}
	var listen []string
	for _, a := range strings.Split(list, ",") {
		listen = append(listen, strings.TrimSpace(a))
	}
	addrs := serveBenchHandler(t, listen)
	serveFleetFile(t, out, addrs)
}
