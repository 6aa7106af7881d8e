package scan

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// TestPhasesRunInParallel scans a kubeconfig context whose server holds
// every anonymous request until an authenticated one has arrived: probed
// one phase after the other, the anonymous side would wait out its timeout
// and the authenticated side would never start in time. Every update must
// stay whole as the two sides finish: once a side's part appears, no later
// update loses it.
func TestPhasesRunInParallel(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	authed := make(chan struct{})
	var once sync.Once
	api := authedAPIServer()
	srv := startTLS(t, ca.leaf(t), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			once.Do(func() { close(authed) })
			api.ServeHTTP(w, r)
			return
		}
		select {
		case <-authed:
		case <-r.Context().Done():
			return
		}
		api.ServeHTTP(w, r)
	}))
	// Generous: only a probe that never overlaps the phases waits it out.
	s := New(Options{Timeout: 20 * time.Second})
	target := contextTarget(t, "prod", srv.URL, bearer(srv.URL, rest.TLSClientConfig{CAData: ca.pem}))

	var last Result
	sawAuth, sawHTTP := false, false
	for u := range s.Run(t.Context(), []Target{target}) {
		r := u.Result
		if r.Phase == PhaseAuth && r.Auth == nil {
			t.Errorf("update of phase auth carries no authenticated view")
		}
		if sawAuth && r.Auth == nil {
			t.Errorf("update of phase %s lost the authenticated view an earlier update had", r.Phase)
		}
		if sawHTTP && len(r.Anonymous) != len(AnonymousPaths) {
			t.Errorf("update of phase %s has %d anonymous requests after an update had all %d", r.Phase, len(r.Anonymous), len(AnonymousPaths))
		}
		sawAuth = sawAuth || r.Auth != nil
		sawHTTP = sawHTTP || r.Phase == PhaseHTTP
		last = r
	}
	if last.Phase != PhaseDone || last.State != StateDone {
		t.Fatalf("final update: phase %s, state %s, want done", last.Phase, last.State)
	}
	if last.Auth == nil || last.Auth.Error != "" || last.Auth.User != "alice" {
		t.Errorf("auth = %+v, want alice", last.Auth)
	}
	if len(last.Anonymous) != len(AnonymousPaths) {
		t.Fatalf("%d anonymous requests, want %d", len(last.Anonymous), len(AnonymousPaths))
	}
	for _, q := range last.Anonymous {
		if q.Error != "" || q.Status == 0 {
			t.Errorf("anonymous %s: status %d, error %q; want an answer (the authenticated side should have released it)", q.Path, q.Status, q.Error)
		}
	}
	if last.Version == nil || last.Version.Source != "anonymous" {
		t.Errorf("version = %+v, want the anonymous /version's", last.Version)
	}
}
