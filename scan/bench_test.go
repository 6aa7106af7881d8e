//go:build linux

// The scan benchmarks open thousands of loopback listeners and read peak RSS
// from getrusage, whose unit (KiB) and fd limits are Linux's; elsewhere they
// would measure something else, so they are not built.

package scan

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchCert is the one server certificate of every benchmark listener:
// ECDSA P-256 as kubeadm issues, generated once so key generation is not
// measured.
var benchCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:     []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
})

// benchHandler answers like a kube-apiserver with anonymous auth on and the
// default RBAC: system:public-info-viewer lets system:anonymous read
// /version and the health checks, and everything else is a 403 Status
// naming system:anonymous. /api and /apis are 403 too, as by default: were
// they 200 the access would be "discovery", not the "version" every
// benchmark result is checked for. The OIDC discovery document is served
// to give the summariser a JSON 200 besides /version. Bodies are built once
// so the servers, which share the process, cost as little as they can.
func benchHandler() http.Handler {
	version, _ := json.Marshal(map[string]string{
		"major": "1", "minor": "31", "gitVersion": "v1.31.4",
		"gitCommit": "a78aa47129b8539636eb86a9d00e31b2720fe06b", "gitTreeState": "clean",
		"buildDate": "2024-12-10T18:36:07Z", "goVersion": "go1.22.9", "compiler": "gc", "platform": "linux/amd64",
	})
	oidc, _ := json.Marshal(map[string]any{
		"issuer":                                "https://kubernetes.default.svc.cluster.local",
		"jwks_uri":                              "https://10.0.0.1:6443/openid/v1/jwks",
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
	forbidden := map[string][]byte{}
	for _, p := range AnonymousPaths {
		msg := fmt.Sprintf("forbidden: User \"system:anonymous\" cannot get path %q", p)
		if p == "/api/v1/namespaces" {
			msg = `namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope`
		}
		forbidden[p], _ = json.Marshal(map[string]any{
			"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{}, "status": "Failure",
			"message": msg, "reason": "Forbidden", "details": map[string]any{}, "code": 403,
		})
	}
	reply := func(w http.ResponseWriter, status int, ctype string, body []byte) {
		h := w.Header()
		h["Content-Type"] = []string{ctype}
		h["Cache-Control"] = []string{"no-cache, private"}
		h["X-Content-Type-Options"] = []string{"nosniff"}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
	ok := []byte("ok")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; p {
		case "/version":
			reply(w, http.StatusOK, "application/json", version)
		case "/healthz", "/livez", "/readyz":
			reply(w, http.StatusOK, "text/plain; charset=utf-8", ok)
		case "/.well-known/openid-configuration":
			reply(w, http.StatusOK, "application/json", oidc)
		default:
			body, known := forbidden[p]
			if !known {
				body = forbidden["/metrics"]
			}
			reply(w, http.StatusForbidden, "application/json", body)
		}
	})
}

// benchFleet starts n TLS listeners on 127.0.0.1 served by one http.Server
// and returns one endpoint target per listener. The server and every serve
// goroutine are gone when the benchmark ends, so TestMain's goleak check
// holds for benchmarks too.
func benchFleet(b testing.TB, n int) []Target {
	b.Helper()
	listen := make([]string, n)
	for i := range listen {
		listen[i] = "127.0.0.1:0"
	}
	targets, err := ParseEndpoints(serveBenchHandler(b, listen), n)
	if err != nil {
		b.Fatal(err)
	}
	if len(targets) != n {
		b.Fatalf("%d listeners gave %d targets", n, len(targets))
	}
	return targets
}

// serveBenchHandler serves benchHandler over TLS on each of the listen
// addresses (host:port, port 0 for any) with one http.Server, until the
// test ends, and returns the addresses it listens on.
func serveBenchHandler(b testing.TB, listen []string) []string {
	b.Helper()
	cert, err := benchCert()
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{
		Handler:           benchHandler(),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	var serving sync.WaitGroup
	b.Cleanup(func() {
		_ = srv.Close()
		serving.Wait()
	})
	addrs := make([]string, 0, len(listen))
	for _, a := range listen {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			b.Fatalf("listener %d of %d (%s): %v", len(addrs)+1, len(listen), a, err)
		}
		addrs = append(addrs, ln.Addr().String())
		serving.Go(func() { _ = srv.ServeTLS(ln, "", "") })
	}
	return addrs
}

// benchScan scans every target once per iteration and reports targets per
// second. Every result must have reached anonymous /version: a fleet that
// refused or timed out would make the figure fast and meaningless.
func benchScan(b *testing.B, s *Scanner, targets []Target) {
	b.Helper()
	scans := 0
	for b.Loop() {
		for _, r := range s.Scan(context.Background(), targets) {
			if r.State != StateDone || r.Exposure.Access != AccessVersion {
				b.Fatalf("%s: state %s, access %q, errors %v; want done with version access",
					r.Target.Name, r.State, r.Exposure.Access, r.Errors)
			}
		}
		scans++
	}
	b.ReportMetric(float64(scans*len(targets))/b.Elapsed().Seconds(), "targets/s")
}

// BenchmarkScan1000 measures full anonymous probes (connect, TLS handshake,
// every AnonymousPaths request) of 1,000 loopback API servers at the old
// default concurrency (64) and today's. The servers share the process and its two cores' worth of
// CPU with the scanner, so the figure is a floor, not a network's ceiling.
//
//	go test ./scan -run '^$' -bench '^BenchmarkScan1000$' -benchtime 3x
func BenchmarkScan1000(b *testing.B) {
	targets := benchFleet(b, 1000)
	for _, c := range []int{64, DefaultConcurrency} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			benchScan(b, New(Options{Concurrency: c, Timeout: 5 * time.Second}), targets)
		})
	}
}

// BenchmarkScan10000 scans 10,000 targets at the default concurrency and
// reports the process's peak RSS. 10,000 listeners need 10,000 fds plus two
// per connection in flight, well inside a 20,000 limit; spreading them over
// 127.0.0.x would not save any, since each address:port is its own socket.
//
// The servers live in the same process, so peak-RSS-MB includes them (10,000
// accept goroutines, the server side of each connection); fleet-RSS-MB is
// the peak before the scan starts, which bounds what the fleet alone costs.
//
//	go test ./scan -run '^$' -bench '^BenchmarkScan10000$' -benchtime 1x
func BenchmarkScan10000(b *testing.B) {
	targets := benchFleet(b, 10000)
	fleet := benchMaxRSS(b)
	benchScan(b, New(Options{Concurrency: DefaultConcurrency, Timeout: 5 * time.Second}), targets)
	b.ReportMetric(fleet, "fleet-RSS-MB")
	b.ReportMetric(benchMaxRSS(b), "peak-RSS-MB")
}

// benchMaxRSS is the process's peak resident set so far, in MiB (Linux
// reports ru_maxrss in KiB).
func benchMaxRSS(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Maxrss) / 1024
}

// TestServeBenchFleet serves a benchmark fleet for a scan run by another
// process, so the scanner's own peak RSS can be measured apart from the
// servers' (scripts/bench-rss.sh). It runs only when asked to.
func TestServeBenchFleet(t *testing.T) {
	out := os.Getenv("KUBESURFACE_BENCH_FLEET_FILE")
	if out == "" {
		t.Skip("serves a fleet for scripts/bench-rss.sh; set KUBESURFACE_BENCH_FLEET_FILE")
	}
	n, err := strconv.Atoi(os.Getenv("KUBESURFACE_BENCH_FLEET_SIZE"))
	if err != nil || n < 1 {
		t.Fatalf("KUBESURFACE_BENCH_FLEET_SIZE: %v", err)
	}
	targets := benchFleet(t, n)
	addrs := make([]string, n)
	for i, tg := range targets {
		addrs[i] = net.JoinHostPort(tg.Host, strconv.Itoa(tg.Port))
	}
	serveFleetFile(t, out, addrs)
}

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
