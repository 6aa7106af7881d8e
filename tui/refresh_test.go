package tui

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// TestRefreshedDataJudgesTheRowsAgain: data refreshed while the TUI runs
// (a real refresh, from local servers serving the sources' formats) is
// said in the header, and every row already judged is judged again with
// it, so the table rests on one data set.
func TestRefreshedDataJudgesTheRowsAgain(t *testing.T) {
	release := make(chan struct{})
	src, srv := sourcetest.Start(t, filepath.Join("..", "scan", "assess", "testdata"), func(key string, _ http.ResponseWriter, r *http.Request) bool {
		if key == "feed" {
			// Held until every row has been judged with the old data.
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return false
	})
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	src.Stamp(yesterday)
	old := baseData(t)
	cfg := config(t, released(), targets(t))
	cfg.Stage = assess.NewStage(old, judgeAt)
	cfg.Refresh = cfg.Stage.StartRefresh(t.Context(), assess.RefreshOptions{
		Sources:   assess.UpdateOptions{EndOfLife: srv.URL, OSV: srv.URL, CVEFeed: srv.URL + sourcetest.FeedPath},
		CachePath: filepath.Join(t.TempDir(), "data.json"),
	})
	if cfg.Refresh == nil {
		t.Fatal("no refresh of data as of " + old.DataAsOf)
	}
	s := start(t, cfg, 160, 30, colorprofile.Ascii)
	// Said once every row has arrived, judged.
	s.waitFor("scan finished")
	if !strings.Contains(s.out.String(), "refreshing data") {
		t.Errorf("the header never said the data was being refreshed:\n%s", s.out.String())
	}
	close(release)
	s.waitFor("judged again with it")
	m := s.quit()

	want := yesterday.Format(time.DateOnly)
	judged := 0
	for _, r := range m.Results() {
		if r.Urgency == nil {
			continue
		}
		judged++
		if r.Urgency.DataAsOf != want {
			t.Errorf("%s judged with data as of %s, want %s", r.Target.Name, r.Urgency.DataAsOf, want)
		}
	}
	if judged == 0 {
		t.Fatal("no row judged")
	}
	if wantStatus := scan.Plural(judged, "row") + " judged again with it"; !strings.Contains(plain(m), wantStatus) {
		t.Errorf("status line lacks %q:\n%s", wantStatus, plain(m))
	}
	if !strings.Contains(plain(m), "data as of "+want+" (refreshed)") {
		t.Errorf("header lacks the refreshed data:\n%s", plain(m))
	}
}

// staleConfig is config with the data notes a command's start gives for
// data 96 days old at judgeAt (2026-08-22 at 2026-11-26), and a refresh
// from sources at url when url is not "".
func staleConfig(t *testing.T, url string) (Config, string) {
	t.Helper()
	old := baseData(t)
	cfg := config(t, released(), targets(t))
	stale := assess.Staleness(old, judgeAt)
	if !strings.Contains(stale, "96 days old") {
		t.Fatalf("the fixture data is not stale at %s: %q", judgeAt, stale)
	}
	cfg.DataNotes = []string{"ignoring the data cache (bad); using the embedded snapshot", stale}
	cfg.Stage = assess.NewStage(old, judgeAt)
	if url != "" {
		cfg.Refresh = cfg.Stage.StartRefresh(t.Context(), assess.RefreshOptions{
			Sources:   assess.UpdateOptions{EndOfLife: url, OSV: url, CVEFeed: url + sourcetest.FeedPath},
			CachePath: filepath.Join(t.TempDir(), "data.json"),
		})
		if cfg.Refresh == nil {
			t.Fatal("no refresh of data as of " + old.DataAsOf)
		}
	}
	return cfg, stale
}

// TestStaleDataIsTheRefreshsToSay: with a refresh under way the stale
// warning is not shown, the header says the data is being refreshed, and
// then that it was; the other notes stay.
func TestStaleDataIsTheRefreshsToSay(t *testing.T) {
	src, srv := sourcetest.Start(t, filepath.Join("..", "scan", "assess", "testdata"), nil)
	src.Stamp(time.Now().UTC().AddDate(0, 0, -1))
	cfg, _ := staleConfig(t, srv.URL)
	m := New(t.Context(), cfg)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	p := plain(m)
	if strings.Contains(p, "days old") || !strings.Contains(p, "data as of 2026-08-22 · refreshing data") || !strings.Contains(p, "ignoring the data cache") {
		t.Errorf("while refreshing: want the header to say so, the other note, and no stale warning:\n%s", p)
	}
	m.Update(refreshMsg{cfg.Refresh.Wait()})
	p = plain(m)
	if strings.Contains(p, "days old") || !strings.Contains(p, " (refreshed)") || m.isError {
		t.Errorf("refreshed: want the header to say so and no stale warning:\n%s", p)
	}
}

// TestStaleDataWithoutRefresh: when the data cannot be refreshed, the
// stale warning stays, said once and short; a refresh that fails says it
// with the failure.
func TestStaleDataWithoutRefresh(t *testing.T) {
	t.Run("offline", func(t *testing.T) {
		cfg, stale := staleConfig(t, "")
		m := New(t.Context(), cfg)
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
		want := "ignoring the data cache (bad); using the embedded snapshot; data is 96 days old: run `kubesurface data update`"
		if p := plain(m); m.status != want || !strings.Contains(p, want) || strings.Contains(p, stale) {
			t.Errorf("offline: status %q, want %q:\n%s", m.status, want, p)
		}
	})
	t.Run("failed", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		}))
		t.Cleanup(srv.Close)
		cfg, _ := staleConfig(t, srv.URL)
		m := New(t.Context(), cfg)
		m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
		if p := plain(m); strings.Contains(p, "days old") {
			t.Errorf("the stale warning is shown while the refresh runs:\n%s", p)
		}
		out := cfg.Refresh.Wait()
		if out.Refreshed {
			t.Fatal("a refresh from a server that answers 503 landed")
		}
		m.Update(refreshMsg{out})
		p := plain(m)
		if n := strings.Count(m.status, "days old"); n != 1 || !strings.HasPrefix(m.status, "data is 96 days old; data refresh failed (") ||
			!strings.Contains(p, "data is 96 days old; data refresh failed (") || !m.isError {
			t.Errorf("failed: want the data's age and the failure, once (%d): %q\n%s", n, m.status, p)
		}
	})
}
