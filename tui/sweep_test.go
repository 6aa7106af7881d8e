package tui

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"

	"github.com/kubesurface/kubesurface/scan"
)

// apiServer is a TLS server on 127.0.0.1 that answers /version as an API
// server would; versions counts the requests for it, and the second waits
// until release is called (or the test ends).
func apiServer(t *testing.T) (port string, versions *atomic.Int64, release func()) {
	t.Helper()
	versions = new(atomic.Int64)
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if versions.Add(1) == 2 {
			<-gate
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"gitVersion":"v1.34.2","gitCommit":"abc","buildDate":"2026-01-01T00:00:00Z","goVersion":"go1.24.9","platform":"linux/amd64"}`)
	}))
	// The sweep's connects hang up before the handshake: not errors here.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(release)
	_, port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return port, versions, release
}

// closedPort is a loopback port nothing listens on (any more).
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

// sweepConfig is a session scanning inputs with the real scanner: only
// loopback addresses, which answer a connect at once.
func sweepConfig(t *testing.T, inputs []string, openOnly bool) Config {
	t.Helper()
	p := scan.NewPlan()
	if err := p.AddEndpoints(t.Context(), inputs, 0); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, nil, nil)
	cfg.Plan = p
	cfg.Options = scan.Options{Timeout: 10 * time.Second, Sweep: true, OpenOnly: openOnly}
	return cfg
}

// rowStates is each row's state by target name.
func rowStates(m *Model) map[string]scan.State {
	out := map[string]scan.State{}
	for _, r := range m.Results() {
		out[r.Target.Name] = r.State
	}
	return out
}

// TestLargeRangeShowsOnlyAnsweredRows: a block of 1,024 loopback targets
// with one server in it gets a row for that one and for the listed target
// (closed, but listed: shown, after the block though it comes), and the
// rest only counted; a rescan of the answered row probes it again.
func TestLargeRangeShowsOnlyAnsweredRows(t *testing.T) {
	port, versions, release := apiServer(t)
	closed := closedPort(t)
	cfg := sweepConfig(t, []string{"127.0.0.0/22:" + port, "127.0.0.1:" + closed}, false)
	s := start(t, cfg, 200, 12, colorprofile.Ascii)
	s.waitFor("scan finished")
	s.press(char('R'))
	s.waitFor("rescanning 2 targets") // held by the server
	release()
	s.waitFor("scan finished")
	m := s.quit()

	open, listed := "127.0.0.1:"+port, "127.0.0.1:"+closed
	states := rowStates(m)
	if len(states) != 2 || states[open] != scan.StateDone || states[listed] != scan.StateFailed {
		t.Errorf("want the answered row done and the listed one failed, and no other: %v", states)
	}
	for _, row := range m.table.Rows() {
		if got := m.cfg.Targets[row.ID].Ref; got != row.Result.Target {
			t.Errorf("row %d is %s but rescans %s", row.ID, row.Result.Target.Name, got.Name)
		}
	}
	if n := versions.Load(); n != 2 {
		t.Errorf("the server was asked for /version %d times, want 2 (scan and rescan)", n)
	}
	p := plain(m)
	for _, w := range []string{"sweep 1,024/1,024: 1 open, ", "2/2 rows · 1,023 closed targets not shown", "2/2 done"} {
		if !strings.Contains(p, w) {
			t.Errorf("screen lacks %q:\n%s", w, p)
		}
	}
	pr := m.progress
	if got := pr.Refused.Load() + pr.Filtered.Load() + pr.Unreachable.Load(); got != 1023 {
		t.Errorf("%d closed targets counted, want 1023 (%s)", got, pr)
	}
}

// TestSmallRangeShowsEveryRow: a block of 4 gets a row per target, the
// refused ones failed, unless --open-only asks for answered rows only.
func TestSmallRangeShowsEveryRow(t *testing.T) {
	// Each run has its own server: the second /version would wait.
	t.Run("all", func(t *testing.T) {
		port, _, _ := apiServer(t)
		block, open := "127.0.0.0/30:"+port, "127.0.0.1:"+port
		s := start(t, sweepConfig(t, []string{block}, false), 200, 12, colorprofile.Ascii)
		s.waitFor("scan finished")
		m := s.quit()
		states := rowStates(m)
		if len(states) != 4 || states[open] != scan.StateDone {
			t.Fatalf("want 4 rows, %s done: %v", open, states)
		}
		for _, a := range []string{"127.0.0.0", "127.0.0.2", "127.0.0.3"} {
			if st := states[a+":"+port]; st != scan.StateFailed {
				t.Errorf("%s: state %s, want failed (refused)", a, st)
			}
		}
		p := plain(m)
		if !strings.Contains(p, "sweep 4/4: 1 open, 3 refused, 0 filtered") || strings.Contains(p, "not shown") {
			t.Errorf("want the sweep's counts and nothing left out:\n%s", p)
		}
	})
	t.Run("open-only", func(t *testing.T) {
		port, _, _ := apiServer(t)
		block, open := "127.0.0.0/30:"+port, "127.0.0.1:"+port
		s := start(t, sweepConfig(t, []string{block}, true), 200, 12, colorprofile.Ascii)
		s.waitFor("scan finished")
		m := s.quit()
		if states := rowStates(m); len(states) != 1 || states[open] != scan.StateDone {
			t.Errorf("want only %s, done: %v", open, states)
		}
		if p := plain(m); !strings.Contains(p, "1/1 rows · 3 closed targets not shown") {
			t.Errorf("screen lacks the closed count:\n%s", p)
		}
	})
}
