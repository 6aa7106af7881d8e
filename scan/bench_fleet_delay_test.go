//go:build linux

// Fleets served for the benchmark scripts, which scan them from another
// process: scripts/bench-delay.sh (a fleet behind delaying proxies) and
// scripts/bench-filtered.sh (stand-ins on given addresses). Both run only
// when asked to, like TestServeBenchFleet.

package scan

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveFleetFile writes one https URL per address to out (atomically, so a
// script polling for the file never reads half of it), then serves until
// the script removes the file, for at most 15 minutes.
func serveFleetFile(t *testing.T, out string, addrs []string) {
	t.Helper()
	var b strings.Builder
	for _, a := range addrs {
		b.WriteString("https://" + a + "\n")
	}
	if err := os.WriteFile(out+".tmp", []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(15 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(out); err != nil {
			return
		}
	}
}

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
	cert, err := benchCert()
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           benchHandler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	var serving sync.WaitGroup
	t.Cleanup(func() {
		_ = srv.Close()
		serving.Wait()
	})
	var addrs []string
	for _, a := range strings.Split(list, ",") {
		ln, err := net.Listen("tcp", strings.TrimSpace(a))
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, ln.Addr().String())
		serving.Go(func() { _ = srv.ServeTLS(ln, "", "") })
	}
	serveFleetFile(t, out, addrs)
}
