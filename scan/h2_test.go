package scan

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTLSProto serves h over TLS on 127.0.0.1, offering h2 or not.
func startTLSProto(t testing.TB, cert tls.Certificate, h http.Handler, h2 bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog
	srv.EnableHTTP2 = h2
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func scanOne(t *testing.T, s *Scanner, url string) Result {
	t.Helper()
	eps, err := ParseEndpoints([]string{url}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s.Scan(t.Context(), eps)[0]
}

// scanH2 scans url, which must offer h2, and checks the probe ended and
// took it.
func scanH2(t *testing.T, url string, timeout time.Duration) Result {
	t.Helper()
	r := scanOne(t, New(Options{Timeout: timeout}), url)
	finished(t, r, StateDone)
	if r.TLS.ALPN != "h2" {
		t.Fatalf("ALPN %q, want h2", r.TLS.ALPN)
	}
	return r
}

// wantVersion checks the anonymous /version's answer was kept.
func wantVersion(t *testing.T, r Result) {
	t.Helper()
	if r.Version == nil || r.Version.GitVersion != goodGitVersion {
		t.Errorf("version = %+v, want %s", r.Version, goodGitVersion)
	}
}

// comparable is r as JSON without what differs between two servers that
// answer alike: timings, ports, and the protocol negotiated.
func comparable(t *testing.T, r Result) string {
	t.Helper()
	r.StartedAt, r.FinishedAt, r.DurationMS = time.Time{}, time.Time{}, 0
	r.Target = Ref{}
	if r.Connect != nil {
		c := *r.Connect
		c.LatencyMS, c.Address = 0, ""
		r.Connect = &c
	}
	if r.TLS != nil {
		c := *r.TLS
		c.LatencyMS, c.ALPN = 0, ""
		r.TLS = &c
	}
	r.Anonymous = append([]Request(nil), r.Anonymous...)
	for i := range r.Anonymous {
		r.Anonymous[i].LatencyMS = 0
	}
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestHTTP2AndHTTP1ProbeAlike scans the same server offering h2 and not:
// the results must be the same but for the protocol TLS.ALPN records.
func TestHTTP2AndHTTP1ProbeAlike(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	cert := ca.leaf(t)
	big := strings.Repeat("x", 2*hostileBodyLimit)
	cases := map[string]http.Handler{
		"anonymous forbidden": fakeAPIServer(http.StatusForbidden),
		"anonymous refused":   fakeAPIServer(http.StatusUnauthorized),
		"redirects": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://127.0.0.1:1"+r.URL.Path, http.StatusFound)
		}),
		"huge bodies": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/version" {
				writeJSON(w, http.StatusOK, goodVersion)
				return
			}
			_, _ = w.Write([]byte(big))
		}),
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			s := New(Options{Timeout: 10 * time.Second, BodyLimit: hostileBodyLimit})
			r1 := scanOne(t, s, startTLSProto(t, cert, h, false).URL)
			r2 := scanOne(t, s, startTLSProto(t, cert, h, true).URL)
			finished(t, r1, StateDone)
			finished(t, r2, StateDone)
			if r1.TLS.ALPN != "http/1.1" || r2.TLS.ALPN != "h2" {
				t.Fatalf("ALPN %q and %q, want http/1.1 and h2", r1.TLS.ALPN, r2.TLS.ALPN)
			}
			if len(r2.Anonymous) != len(AnonymousPaths) {
				t.Fatalf("%d anonymous rows over h2, want %d", len(r2.Anonymous), len(AnonymousPaths))
			}
			for i, q := range r2.Anonymous {
				if q.Path != AnonymousPaths[i] || q.Status == 0 {
					t.Errorf("h2 row %d: %s status %d error %q, want %s answered", i, q.Path, q.Status, q.Error, AnonymousPaths[i])
				}
			}
			if a, b := comparable(t, r1), comparable(t, r2); a != b {
				t.Errorf("HTTP/1.1 and h2 results differ:\n--- http/1.1\n%s\n--- h2\n%s", a, b)
			}
		})
	}
}

// TestHTTP2RequestsAreConcurrent holds every request until all of them are
// in flight at once, which only concurrent streams can achieve: requests
// sent one after another would each wait out the (generous) timeout.
func TestHTTP2RequestsAreConcurrent(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	var (
		mu      sync.Mutex
		waiting int
		all     = make(chan struct{})
	)
	api := fakeAPIServer(http.StatusForbidden)
	srv := startTLSProto(t, ca.leaf(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if waiting++; waiting == len(AnonymousPaths) {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-r.Context().Done():
			return
		}
		api.ServeHTTP(w, r)
	}), true)
	r := scanH2(t, srv.URL, 20*time.Second)
	for _, q := range r.Anonymous {
		if q.Error != "" || q.Status == 0 {
			t.Errorf("%s: status %d error %q, want an answer once all requests were in flight", q.Path, q.Status, q.Error)
		}
	}
	wantVersion(t, r)
}

// TestHTTP2StalledServer answers /version and holds every other request
// forever: the probe must end anyway, each unanswered request saying it
// timed out and the answered one kept.
func TestHTTP2StalledServer(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	api := fakeAPIServer(http.StatusForbidden)
	srv := startTLSProto(t, ca.leaf(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			api.ServeHTTP(w, r)
			return
		}
		<-r.Context().Done()
	}), true)
	r := scanH2(t, srv.URL, time.Second)
	if len(r.Anonymous) != len(AnonymousPaths) {
		t.Fatalf("%d anonymous rows, want %d", len(r.Anonymous), len(AnonymousPaths))
	}
	for i, q := range r.Anonymous {
		if q.Path != AnonymousPaths[i] {
			t.Errorf("row %d is %s, want %s", i, q.Path, AnonymousPaths[i])
		}
		if q.Path == "/version" {
			if q.Status != http.StatusOK || q.Error != "" {
				t.Errorf("/version: status %d error %q, want 200", q.Status, q.Error)
			}
			continue
		}
		if q.Status != 0 || !strings.HasSuffix(q.Error, "timed out") {
			t.Errorf("%s: status %d error %q, want a timeout", q.Path, q.Status, q.Error)
		}
	}
	wantVersion(t, r)
}

// TestHTTP2LostRequestsAreAskedAgain serves h2 but resets every stream,
// as a connection lost to a GOAWAY loses the requests it had not
// processed: each is asked again over HTTP/1.1 on a new connection, and
// every row ends up answered, in order.
func TestHTTP2LostRequestsAreAskedAgain(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	api := fakeAPIServer(http.StatusForbidden)
	var mu sync.Mutex
	reset := 0
	srv := startTLSProto(t, ca.leaf(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			mu.Lock()
			reset++
			mu.Unlock()
			panic(http.ErrAbortHandler)
		}
		api.ServeHTTP(w, r)
	}), true)
	r := scanH2(t, srv.URL, 10*time.Second)
	mu.Lock()
	if reset == 0 {
		t.Errorf("no request reached the server over h2; the test proves nothing")
	}
	mu.Unlock()
	for i, q := range r.Anonymous {
		if q.Path != AnonymousPaths[i] || q.Status == 0 || q.Error != "" {
			t.Errorf("row %d: %s status %d error %q, want %s answered over HTTP/1.1", i, q.Path, q.Status, q.Error, AnonymousPaths[i])
		}
	}
	wantVersion(t, r)
}

// TestHTTP2ConnectionsAreNotKept: a scan's finished h2 connections do
// not stay in memory after it. net/http holds a closed connection that was
// never reused for five seconds unless told otherwise, which kept every
// target's connection and buffers (tens of KB) for that long: 60 MB of
// heap at a few hundred targets a second. The bound here is a third of
// what 400 probes would keep.
func TestHTTP2ConnectionsAreNotKept(t *testing.T) {
	srv := startTLSProto(t, newTestCA(t, "kubernetes").leaf(t), fakeAPIServer(http.StatusForbidden), true)
	eps, err := ParseEndpoints([]string{srv.URL}, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	targets := make([]Target, n)
	for i := range targets {
		targets[i] = eps[0]
	}
	heap := func() uint64 {
		// The linger is a second: wait it out, then collect.
		time.Sleep(1500 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	start := time.Now()
	for _, r := range New(Options{Concurrency: 32}).Scan(t.Context(), targets) {
		if r.TLS == nil || r.TLS.ALPN != "h2" || r.Version == nil {
			t.Fatalf("not probed over h2: tls %+v, errors %v", r.TLS, r.Errors)
		}
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Skipf("the scan took %s: connections kept five seconds would be gone too; nothing to tell apart", took)
	}
	after := heap()
	const kept = 10 << 10 // a third of what one probe's connection keeps
	if after > before+n*kept {
		t.Errorf("heap grew by %d KiB after %d h2 probes (at most %d KiB): their connections are kept", (after-before)>>10, n, n*kept>>10)
	}
}
