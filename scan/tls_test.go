package scan

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestObservingHandshakeOffersClassicalGroups: the anonymous probe's
// ClientHello offers no post-quantum hybrid key share (nothing it carries
// is secret, and the share is the costliest part of its handshake), and
// still completes with a server that accepts only P-384.
func TestObservingHandshakeOffersClassicalGroups(t *testing.T) {
	var (
		mu      sync.Mutex
		offered []tls.CurveID
	)
	cert := newTestCA(t, "kubernetes").leaf(t)
	srv := httptest.NewUnstartedServer(fakeAPIServer(http.StatusForbidden))
	srv.Config.ErrorLog = quietLog
	srv.TLS = &tls.Config{
		Certificates:     []tls.Certificate{cert},
		CurvePreferences: []tls.CurveID{tls.CurveP384},
		GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			mu.Lock()
			defer mu.Unlock()
			offered = append(offered, h.SupportedCurves...)
			return nil, nil
		},
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	targets, err := ParseEndpoints([]string{srv.URL}, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{Timeout: 5 * time.Second}).Scan(t.Context(), targets)[0]
	if r.TLS == nil || r.TLS.Error != "" || r.Version == nil {
		t.Fatalf("no handshake with a P-384-only server: tls %+v, errors %v", r.TLS, r.Errors)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(offered) == 0 {
		t.Fatal("the server saw no ClientHello")
	}
	for _, c := range offered {
		if c == tls.X25519MLKEM768 || c == tls.SecP256r1MLKEM768 || c == tls.SecP384r1MLKEM1024 {
			t.Errorf("the observing ClientHello offers %v", c)
		}
	}
	if !slices.Contains(offered, tls.X25519) {
		t.Errorf("offered %v: want X25519 among them", offered)
	}
}
