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
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// These tests point the scanner at servers that misbehave on purpose. A
// scanner is pointed at whatever answers on a port, so each kind of hostile
// or broken server must end as its own classified outcome in its own row,
// within the per-phase timeout, without holding the scan or leaking a
// goroutine (goleak in main_test.go checks the last part).

// hostileTimeout is short so stalling servers cost little; nothing here
// asserts on durations, only on how each outcome is classified.
const hostileTimeout = 400 * time.Millisecond

// hostileBodyLimit is small so the huge-body server is cut off quickly.
const hostileBodyLimit = 64 << 10

const goodGitVersion = "v1.30.5-gke.1014001"

func hostileScanner() *Scanner {
	return New(Options{Timeout: hostileTimeout, BodyLimit: hostileBodyLimit})
}

// ---- certificates ----

// testCA is a throwaway certificate authority. ECDSA P-256 keeps key
// generation fast enough to make one per test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// pem is the CA certificate in PEM, as a kubeconfig's
	// certificate-authority-data holds it.
	pem []byte
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// servingTemplate is an API-server-like leaf for 127.0.0.1 and ::1.
func servingTemplate(t testing.TB, notBefore, notAfter time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:     []string{"localhost", "kubernetes", "kubernetes.default"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

// leaf issues a serving certificate signed by ca, valid for a year, so it
// draws no expiry finding.
func (ca *testCA) leaf(t testing.TB) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := servingTemplate(t, time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// selfSigned makes a self-signed serving certificate with the given
// validity, so a test can serve one that has already expired.
func selfSigned(t testing.TB, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := servingTemplate(t, notBefore, notAfter)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// ---- servers ----

// quietLog swallows the TLS handshake errors the probes provoke on purpose.
var quietLog = log.New(io.Discard, "", 0)

// startTLS serves h over TLS with cert on 127.0.0.1 and closes it when the
// test ends.
func startTLS(t testing.TB, cert tls.Certificate, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// startPlain serves h over plain HTTP on 127.0.0.1.
func startPlain(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// rawServer accepts TCP on 127.0.0.1 and hands every connection to handle.
// When the test ends it closes the listener and every connection and waits
// for all its goroutines, so none is left for goleak to find.
func rawServer(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]bool{}
		closed bool
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// seenRequest is what a test server noticed about one request.
type seenRequest struct {
	Method, Path, Authorization string
	TLS                         bool
}

// recorder remembers every request a handler receives, so tests can assert
// on what actually reached a server rather than on what the scanner says.
type recorder struct {
	mu   sync.Mutex
	reqs []seenRequest
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, seenRequest{Method: r.Method, Path: r.URL.Path,
			Authorization: r.Header.Get("Authorization"), TLS: r.TLS != nil})
		rec.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (rec *recorder) requests() []seenRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.reqs)
}

func (rec *recorder) paths() []string {
	var out []string
	for _, r := range rec.requests() {
		out = append(out, r.Path)
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatus answers as kube-apiserver does when it refuses a request.
func writeStatus(w http.ResponseWriter, code int, message string) {
	writeJSON(w, code, map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": message,
		"reason": strings.ReplaceAll(http.StatusText(code), " ", ""), "code": code,
	})
}

var goodVersion = map[string]string{
	"major": "1", "minor": "30", "gitVersion": goodGitVersion,
	"gitCommit": "0123456789abcdef0123456789abcdef01234567", "gitTreeState": "clean",
	"buildDate": "2024-09-20T10:00:00Z", "goVersion": "go1.22.6", "compiler": "gc",
	"platform": "linux/amd64",
}

// fakeAPIServer mimics a kube-apiserver that shows /version and /healthz to
// anyone and refuses everything else with denial: 401 when anonymous
// authentication is off, 403 to system:anonymous when it is on.
func fakeAPIServer(denial int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/version":
			writeJSON(w, http.StatusOK, goodVersion)
		case "/healthz":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "ok")
		default:
			if denial == http.StatusForbidden {
				writeStatus(w, denial, fmt.Sprintf("forbidden: User \"system:anonymous\" cannot get path %q", r.URL.Path))
				return
			}
			writeStatus(w, http.StatusUnauthorized, "Unauthorized")
		}
	})
}

// ---- assertions ----

// request is the anonymous row for path; a missing row fails the test.
func request(t *testing.T, r Result, path string) Request {
	t.Helper()
	for _, q := range r.Anonymous {
		if q.Path == path {
			return q
		}
	}
	t.Fatalf("no anonymous request for %s in %+v", path, r.Anonymous)
	return Request{}
}

func hasReason(e Exposure, substr string) bool {
	return slices.ContainsFunc(e.Reasons, func(s string) bool { return strings.Contains(s, substr) })
}

// finished checks what every probed row shares: it ran to the end.
func finished(t *testing.T, r Result, state State) {
	t.Helper()
	if r.State != state {
		t.Errorf("state = %q, want %q (errors %v)", r.State, state, r.Errors)
	}
	if r.Phase != PhaseDone {
		t.Errorf("phase = %q, want %q", r.Phase, PhaseDone)
	}
	if r.FinishedAt.IsZero() {
		t.Errorf("no FinishedAt: the probe did not finish")
	}
}

// noHTTP checks that a target that never spoke TLS or HTTP was not sent
// any request, and is classed as unreachable past the TCP connection.
func noHTTP(t *testing.T, r Result) {
	t.Helper()
	if len(r.Anonymous) != 0 {
		t.Errorf("made %d anonymous requests to a port that did not speak TLS or HTTP", len(r.Anonymous))
	}
	if r.Connect == nil || r.Connect.Error != "" {
		t.Errorf("connect = %+v, want a connection", r.Connect)
	}
	if r.Exposure.Access != AccessUnreachable || !hasReason(r.Exposure, "no TLS or HTTP answer") {
		t.Errorf("exposure = %+v, want unreachable with no TLS or HTTP answer", r.Exposure)
	}
	if r.Version != nil {
		t.Errorf("version = %+v, want none", r.Version)
	}
}

func phaseError(t *testing.T, r Result, p Phase, want string) {
	t.Helper()
	if !slices.Contains(r.Errors, PhaseFailure{Phase: p, Error: want}) {
		t.Errorf("errors = %+v, want {%s %q}", r.Errors, p, want)
	}
}

// ---- the hostile servers ----

// hostileCase starts one server and returns the endpoint to scan and the
// check of its row. The same cases run alone and all together.
type hostileCase struct {
	name  string
	setup func(t *testing.T) (endpoint string, check func(t *testing.T, r Result))
}

var hostileCases = []hostileCase{
	{"good", setupGood},
	{"anonymous 403", setupAnonymousForbidden},
	{"never answers", setupNeverAnswers},
	{"trickles", setupTrickle},
	{"100 MB body", setupHugeBody},
	{"invalid version JSON", setupInvalidJSON},
	{"plain HTTP on https URL", setupPlainHTTP},
	{"plain HTTP on http URL", setupPlainHTTPURL},
	{"garbage instead of TLS", setupGarbage},
	{"expired certificate", setupExpired},
	{"redirect to another host", setupRedirect},
	{"connection refused", setupRefused},
}

// setupGood is the baseline the hostile cases are measured against: a
// kube-apiserver that discloses its version and refuses the rest with 401.
func setupGood(t *testing.T) (string, func(*testing.T, Result)) {
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), fakeAPIServer(http.StatusUnauthorized))
	return srv.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if len(r.Errors) != 0 {
			t.Errorf("errors = %+v, want none", r.Errors)
		}
		if r.TLS == nil || r.TLS.Error != "" || r.TLS.Plaintext || len(r.TLS.Chain) != 1 {
			t.Fatalf("tls = %+v, want one observed certificate", r.TLS)
		}
		if len(r.TLS.Findings) != 0 {
			t.Errorf("findings = %q on a sound certificate", r.TLS.Findings)
		}
		if len(r.Anonymous) != len(AnonymousPaths) {
			t.Errorf("%d anonymous requests, want %d", len(r.Anonymous), len(AnonymousPaths))
		}
		if r.Version == nil || r.Version.GitVersion != goodGitVersion || r.Version.Minor != "1.30" || r.Version.Source != "anonymous" {
			t.Errorf("version = %+v, want %s from /version", r.Version, goodGitVersion)
		}
		if r.Dist.Name != DistGKE {
			t.Errorf("distribution = %+v, want gke", r.Dist)
		}
		if got := request(t, r, "/healthz"); got.Status != http.StatusOK || got.Summary["body"] != "ok" {
			t.Errorf("/healthz = %+v, want 200 ok", got)
		}
		api := request(t, r, "/api")
		if api.Status != http.StatusUnauthorized || api.Summary["reason"] != "Unauthorized" || api.Summary["anonymousAuthenticated"] != "" {
			t.Errorf("/api = %+v, want 401 Unauthorized without anonymous authentication", api)
		}
		if r.Exposure.Access != AccessVersion || r.Exposure.Reach != ClassLoopback || r.Exposure.Level != LevelLow {
			t.Errorf("exposure = %+v, want loopback/version/low", r.Exposure)
		}
		if hasReason(r.Exposure, "anonymous authentication") {
			t.Errorf("exposure reasons %q claim anonymous authentication on a server that answers 401", r.Exposure.Reasons)
		}
	}
}

// setupAnonymousForbidden answers 403 to system:anonymous: anonymous
// authentication is on and only RBAC stands between a stranger and the API.
func setupAnonymousForbidden(t *testing.T) (string, func(*testing.T, Result)) {
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), fakeAPIServer(http.StatusForbidden))
	return srv.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		api := request(t, r, "/api")
		if api.Status != http.StatusForbidden || api.Summary["anonymousAuthenticated"] != "true" || api.Summary["reason"] != "Forbidden" {
			t.Errorf("/api = %+v, want 403 with anonymousAuthenticated", api)
		}
		if !strings.Contains(api.Summary["message"], `User "system:anonymous" cannot get path "/api"`) {
			t.Errorf("/api message = %q", api.Summary["message"])
		}
		if !hasReason(r.Exposure, "anonymous authentication is enabled") {
			t.Errorf("exposure reasons %q do not say anonymous authentication is enabled", r.Exposure.Reasons)
		}
		if r.Exposure.Access != AccessVersion {
			t.Errorf("access = %q, want version", r.Exposure.Access)
		}
	}
}

// setupNeverAnswers accepts TCP and then says nothing: the TLS handshake
// must give up at the timeout, and no HTTP request should follow it.
func setupNeverAnswers(t *testing.T) (string, func(*testing.T, Result)) {
	addr := rawServer(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	return "https://" + addr, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if r.TLS == nil || r.TLS.Error != "TLS handshake: timed out" {
			t.Fatalf("tls = %+v, want handshake timed out", r.TLS)
		}
		phaseError(t, r, PhaseTLS, "TLS handshake: timed out")
		if r.TLS.Plaintext || len(r.TLS.Chain) != 0 {
			t.Errorf("tls = %+v, want nothing observed", r.TLS)
		}
		noHTTP(t, r)
	}
}

// setupTrickle completes TLS, sends response headers at once and then one
// body byte every 50ms forever: every byte resets a naive idle timeout, so
// only a deadline on the whole request ends it. A server that stalls once
// stalls again, so the later paths must be skipped, not each waited for.
func setupTrickle(t *testing.T) (string, func(*testing.T, Result)) {
	stop := make(chan struct{})
	rec := &recorder{}
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), rec.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		}
	})))
	t.Cleanup(func() { close(stop) }) // runs before srv.Close, so no handler is waited for
	return srv.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if r.TLS == nil || r.TLS.Error != "" {
			t.Errorf("tls = %+v, want a completed handshake", r.TLS)
		}
		if len(r.Anonymous) != len(AnonymousPaths) {
			t.Fatalf("%d anonymous rows, want one per path (%d)", len(r.Anonymous), len(AnonymousPaths))
		}
		v := r.Anonymous[0]
		if v.Path != "/version" || v.Status != http.StatusOK || v.Error != "reading body of /version: timed out" {
			t.Errorf("/version = %+v, want 200 then body read timed out", v)
		}
		if v.Truncated || v.Bytes >= hostileBodyLimit {
			t.Errorf("/version = %+v: a trickle is not a large body", v)
		}
		for _, q := range r.Anonymous[1:] {
			if q.Error != "skipped: an earlier request timed out" || q.Status != 0 {
				t.Errorf("%s = %+v, want skipped after the timeout", q.Path, q)
			}
		}
		if got := rec.paths(); !slices.Equal(got, []string{"/version"}) {
			t.Errorf("server received %q, want only /version", got)
		}
		if r.Version != nil {
			t.Errorf("version = %+v from a body that never ended", r.Version)
		}
		if r.Exposure.Access != AccessTLS {
			t.Errorf("access = %q, want tls", r.Exposure.Access)
		}
	}
}

// setupHugeBody answers every path with a declared and streamed 100 MB
// body (one reused buffer, nothing allocated per byte). Only BodyLimit may
// be read, and cutting one body off must not cost the next path its
// answer.
func setupHugeBody(t *testing.T) (string, func(*testing.T, Result)) {
	const size = 100 << 20
	chunk := []byte(strings.Repeat(`{"a":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},`, 512))
	rec := &recorder{}
	var mu sync.Mutex
	var maxSent int // the most any one response got out before the client hung up
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), rec.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(http.StatusOK)
		sent := 0
		defer func() {
			mu.Lock()
			maxSent = max(maxSent, sent)
			mu.Unlock()
		}()
		for sent < size {
			n := min(len(chunk), size-sent)
			if _, err := w.Write(chunk[:n]); err != nil {
				return // the scanner hung up, as it should
			}
			sent += n
		}
	})))
	return srv.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		srv.Close() // waits for every handler, so maxSent is final
		mu.Lock()
		// Socket buffers let a few MB through before writes fail; all of
		// it means the scanner read the whole body and only then cut it.
		if maxSent >= size {
			t.Errorf("the server delivered a whole %d-byte body: the scanner read past its limit", size)
		}
		mu.Unlock()
		if len(r.Anonymous) != len(AnonymousPaths) {
			t.Fatalf("%d anonymous rows, want %d", len(r.Anonymous), len(AnonymousPaths))
		}
		for _, q := range r.Anonymous {
			if q.Status != http.StatusOK || !q.Truncated || q.Bytes != hostileBodyLimit || q.Error != "" {
				t.Errorf("%s = status %d truncated %v bytes %d error %q, want 200 truncated at %d bytes",
					q.Path, q.Status, q.Truncated, q.Bytes, q.Error, hostileBodyLimit)
			}
		}
		if got := rec.paths(); !slices.Equal(got, AnonymousPaths) {
			t.Errorf("server received %q, want every path once", got)
		}
		if r.Version != nil {
			t.Errorf("version = %+v from a truncated body", r.Version)
		}
	}
}

// setupInvalidJSON serves a broken /version: the parse error is recorded
// and no version (and so no version exposure) is invented from it.
func setupInvalidJSON(t *testing.T) (string, func(*testing.T, Result)) {
	good := fakeAPIServer(http.StatusUnauthorized)
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"major": "1", "gitVersion": "v1.30.5`)
			return
		}
		good.ServeHTTP(w, r)
	}))
	return srv.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		v := request(t, r, "/version")
		if v.Status != http.StatusOK || !strings.HasPrefix(v.Summary["parseError"], "invalid JSON") || v.Summary["gitVersion"] != "" {
			t.Errorf("/version = %+v, want 200 with an invalid JSON parse error", v)
		}
		if r.Version != nil {
			t.Errorf("version = %+v, want none", r.Version)
		}
		if r.Exposure.Access == AccessVersion || r.Exposure.Access != AccessHealth {
			t.Errorf("access = %q, want health (not version)", r.Exposure.Access)
		}
	}
}

// plainHTTPCheck is shared by the two ways a plain HTTP API server is met:
// given as https:// and found out by the handshake, or given as http://.
func plainHTTPCheck(rec *recorder, wantTLSError string) func(*testing.T, Result) {
	return func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if r.TLS == nil || !r.TLS.Plaintext || r.TLS.Error != wantTLSError {
			t.Errorf("tls = %+v, want plaintext with error %q", r.TLS, wantTLSError)
		}
		if wantTLSError != "" {
			phaseError(t, r, PhaseTLS, wantTLSError)
		}
		for _, q := range r.Anonymous {
			if q.Error != "" {
				t.Errorf("%s failed over plain HTTP: %s", q.Path, q.Error)
			}
		}
		reqs := rec.requests()
		if len(reqs) != len(AnonymousPaths) {
			t.Errorf("server received %d requests, want %d", len(reqs), len(AnonymousPaths))
		}
		for _, q := range reqs {
			if q.TLS {
				t.Errorf("%s arrived over TLS on a plain HTTP server", q.Path)
			}
		}
		if r.Version == nil || r.Version.GitVersion != goodGitVersion {
			t.Errorf("version = %+v, want it read over plain HTTP", r.Version)
		}
		if !hasReason(r.Exposure, "plain HTTP") {
			t.Errorf("exposure reasons %q do not mention plain HTTP", r.Exposure.Reasons)
		}
		// loopback+version is low; plain HTTP raises it one level.
		if r.Exposure.Access != AccessVersion || r.Exposure.Level != LevelMedium {
			t.Errorf("exposure = %+v, want version access raised to medium", r.Exposure)
		}
	}
}

// setupPlainHTTP is the old insecure port given as https://: the handshake
// meets an HTTP answer, and the probes carry on over plain HTTP.
func setupPlainHTTP(t *testing.T) (string, func(*testing.T, Result)) {
	rec := &recorder{}
	srv := startPlain(t, rec.wrap(fakeAPIServer(http.StatusUnauthorized)))
	return strings.Replace(srv.URL, "http://", "https://", 1), plainHTTPCheck(rec, "port answers plain HTTP, not TLS")
}

// setupPlainHTTPURL is the same server named as http://: no handshake is
// tried, and the exposure is the same.
func setupPlainHTTPURL(t *testing.T) (string, func(*testing.T, Result)) {
	rec := &recorder{}
	srv := startPlain(t, rec.wrap(fakeAPIServer(http.StatusUnauthorized)))
	return srv.URL, plainHTTPCheck(rec, "")
}

// setupGarbage is a port speaking something else (an SSH banner followed
// by random bytes): "not TLS", not a timeout, and no HTTP attempted.
func setupGarbage(t *testing.T) (string, func(*testing.T, Result)) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	banner := append([]byte("SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n"), junk...)
	addr := rawServer(t, func(c net.Conn) {
		if _, err := c.Write(banner); err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c) // keep reading so closing sends no reset
	})
	return "https://" + addr, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if r.TLS == nil || !strings.HasPrefix(r.TLS.Error, "not TLS") || r.TLS.Error != `not TLS: first bytes "SSH-2"` {
			t.Fatalf("tls = %+v, want not TLS with the first bytes shown", r.TLS)
		}
		if r.TLS.Plaintext {
			t.Errorf("garbage classed as plain HTTP")
		}
		phaseError(t, r, PhaseTLS, r.TLS.Error)
		noHTTP(t, r)
	}
}

// setupExpired serves a self-signed certificate that expired a month ago.
// Observation does not verify, so the handshake is still seen and the
// expiry becomes a finding rather than an error.
func setupExpired(t *testing.T) (string, func(*testing.T, Result)) {
	notAfter := time.Now().Add(-30 * 24 * time.Hour)
	srv := startTLS(t, selfSigned(t, notAfter.Add(-365*24*time.Hour), notAfter), fakeAPIServer(http.StatusUnauthorized))
	return srv.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if r.TLS == nil || r.TLS.Error != "" || len(r.TLS.Chain) != 1 || r.TLS.Version == "" {
			t.Fatalf("tls = %+v, want the handshake observed", r.TLS)
		}
		if !r.TLS.Chain[0].NotAfter.Before(time.Now()) {
			t.Errorf("chain[0].NotAfter = %s, want the expired date", r.TLS.Chain[0].NotAfter)
		}
		if !slices.ContainsFunc(r.TLS.Findings, func(f string) bool { return strings.Contains(f, "expired") }) {
			t.Errorf("findings = %q, want one saying expired", r.TLS.Findings)
		}
		if len(r.Errors) != 0 {
			t.Errorf("errors = %+v: an expired certificate is a finding, not a failure", r.Errors)
		}
		if r.Version == nil || r.Exposure.Access != AccessVersion {
			t.Errorf("version %+v access %q: the probes should carry on past an expired certificate", r.Version, r.Exposure.Access)
		}
	}
}

// setupRedirect answers every path with 302 to another server on
// 127.0.0.1. The redirect is recorded, never followed: the other server
// must not receive a single request. (The anonymous dialer is also pinned
// to the first server's address, so the 302 rows, not only the other
// server's silence, are what show no redirect was followed.)
func setupRedirect(t *testing.T) (string, func(*testing.T, Result)) {
	ca := newTestCA(t, "kubernetes")
	other := &recorder{}
	b := startTLS(t, ca.leaf(t), other.wrap(fakeAPIServer(http.StatusForbidden)))
	a := startTLS(t, ca.leaf(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, b.URL+r.URL.Path, http.StatusFound)
	}))
	return a.URL, func(t *testing.T, r Result) {
		finished(t, r, StateDone)
		if len(r.Anonymous) != len(AnonymousPaths) {
			t.Fatalf("%d anonymous rows, want %d", len(r.Anonymous), len(AnonymousPaths))
		}
		for _, q := range r.Anonymous {
			if q.Status != http.StatusFound || q.Location != b.URL+q.Path || q.Error != "" {
				t.Errorf("%s = status %d location %q error %q, want 302 to %s", q.Path, q.Status, q.Location, q.Error, b.URL+q.Path)
			}
		}
		if got := other.requests(); len(got) != 0 {
			t.Errorf("redirect target received %d requests (%+v), want none", len(got), got)
		}
		if r.Version != nil || r.Exposure.Access != AccessTLS {
			t.Errorf("version %+v access %q: a redirect discloses nothing", r.Version, r.Exposure.Access)
		}
	}
}

// setupRefused names a port nobody listens on (one just released): the
// row fails at connect and nothing later is attempted.
func setupRefused(t *testing.T) (string, func(*testing.T, Result)) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "https://" + addr, func(t *testing.T, r Result) {
		finished(t, r, StateFailed)
		if r.Connect == nil || r.Connect.Error != "connect: connection refused" {
			t.Fatalf("connect = %+v, want connection refused", r.Connect)
		}
		phaseError(t, r, PhaseConnect, "connect: connection refused")
		if r.TLS != nil || len(r.Anonymous) != 0 {
			t.Errorf("tls %+v, %d requests after a refused connection", r.TLS, len(r.Anonymous))
		}
		if r.Exposure.Access != AccessUnreachable {
			t.Errorf("access = %q, want unreachable", r.Exposure.Access)
		}
	}
}

// TestHostile scans each hostile server on its own and checks its row is
// classified as that server's own outcome.
func TestHostile(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			endpoint, check := c.setup(t)
			targets, err := ParseEndpoints([]string{endpoint}, 0)
			if err != nil {
				t.Fatal(err)
			}
			results := hostileScanner().Scan(t.Context(), targets)
			if len(results) != 1 {
				t.Fatalf("%d results for one target", len(results))
			}
			if results[0].Target.URL != targets[0].URL {
				t.Errorf("result is for %s, want %s", results[0].Target.URL, targets[0].URL)
			}
			check(t, results[0])
		})
	}
}

// TestHostileScanTogether scans every hostile server and the good ones in
// one call: one bad target must never spoil or stop another's row. The
// elapsed time is logged, not asserted; a scanner that hangs on one of them
// would hit the test's own deadline instead.
func TestHostileScanTogether(t *testing.T) {
	var endpoints []string
	var checks []func(*testing.T, Result)
	for _, c := range hostileCases {
		e, check := c.setup(t)
		endpoints = append(endpoints, e)
		checks = append(checks, check)
	}
	targets, err := ParseEndpoints(endpoints, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != len(hostileCases) {
		t.Fatalf("%d targets for %d servers", len(targets), len(hostileCases))
	}
	start := time.Now()
	results := hostileScanner().Scan(t.Context(), targets)
	t.Logf("scanned %d hostile and good servers in %s (timeout %s)", len(results), time.Since(start).Round(time.Millisecond), hostileTimeout)
	if len(results) != len(targets) {
		t.Fatalf("%d results for %d targets", len(results), len(targets))
	}
	for i, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			if results[i].Target.URL != targets[i].URL {
				t.Fatalf("row %d is for %s, want %s", i, results[i].Target.URL, targets[i].URL)
			}
			checks[i](t, results[i])
		})
	}
}

// TestHostileCancelAfterHandshakeClosesConnection cancels the scan in the
// gap between the TLS phase and the first HTTP request. No request is made,
// so the HTTP transport never takes the connection the handshake was
// observed on; the scanner must still close it, not leave it open (one per
// target, up to Concurrency of them) until the garbage collector happens
// to finalize it.
func TestHostileCancelAfterHandshakeClosesConnection(t *testing.T) {
	// A finalizer would close the abandoned socket and hide the leak, so
	// no garbage collection while this test waits.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))

	cert := newTestCA(t, "kubernetes").leaf(t)
	type ended struct{ read int64 }
	closed := make(chan ended, 4)
	addr := rawServer(t, func(c net.Conn) {
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		if tc.Handshake() != nil {
			return
		}
		n, _ := io.Copy(io.Discard, tc) // ends when the client closes
		closed <- ended{read: n}
	})
	targets, err := ParseEndpoints([]string{"https://" + addr}, 0)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var calls atomic.Int32
	s := New(Options{Timeout: hostileTimeout, Now: func() time.Time {
		// The probe reads the clock when it starts and again to judge
		// the certificate once the handshake is done: cancel there.
		if calls.Add(1) == 2 {
			cancel()
		}
		return time.Now()
	}})
	s.Scan(ctx, targets)

	// No time limit of our own: a connection that is never closed runs
	// into the test binary's deadline (close to it, so the failure says
	// what was waited for).
	var giveUp <-chan time.Time
	if d, ok := t.Deadline(); ok {
		giveUp = time.After(time.Until(d) * 9 / 10)
	}
	select {
	case e := <-closed:
		if e.read != 0 {
			t.Fatalf("the server received %d bytes after the handshake: the cancellation came too late to test the gap", e.read)
		}
	case <-giveUp:
		t.Fatal("the TLS connection observed before the cancellation was never closed")
	}
}
