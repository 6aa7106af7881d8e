package tui

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
