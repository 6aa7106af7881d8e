package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui"
)

// loadDataset runs view's loading feed over a one-line Shodan export, its
// rows dated by the record (no --now) or not, judged at now otherwise.
func loadDataset(t *testing.T, line string, recordDate bool, now time.Time) []tui.Loaded {
	t.Helper()
	file := filepath.Join(t.TempDir(), "shodan.json")
	if err := os.WriteFile(file, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inputs, err := openSaved(t.Context(), nil, []string{file}, report.NewShared())
	if err != nil {
		t.Fatal(err)
	}
	defer closeSaved(inputs)
	inputs[0].recordDate = recordDate
	data, err := assess.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	feed := make(chan tui.Loaded, 16)
	loadSaved(t.Context(), inputs, feed, newNotices(new(strings.Builder)), assess.NewStage(data, now), rowCap{})
	close(feed)
	var out []tui.Loaded
	for l := range feed {
		out = append(out, l)
	}
	return out
}

// Without --now a dataset's row is judged at the date the service saw it:
// 1.24 seen on 2023-03-01 was months from its end of support (2023-07-28),
// not the critical case it is today. With --now it is judged at that
// date: 1.24 left all support on 2023-07-28, critical on 2026-11-30.
func TestViewDatasetDate(t *testing.T) {
	line := `{"ip_str":"192.0.2.5","port":6443,"timestamp":"2023-03-01T10:00:00.000000","kubernetes":{"version":"v1.24.10"},"ssl":{"cert":{"subject":{"CN":"kube-apiserver"},"issuer":{"CN":"kubernetes"}}}}`
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	got := loadDataset(t, line, true, today)
	if len(got) != 1 || got[0].Result == nil || got[0].Result.Urgency == nil {
		t.Fatalf("loaded %+v", got)
	}
	u := got[0].Result.Urgency
	if u.Level == "critical" || strings.Contains(u.Reason, "out of") {
		t.Fatalf("judged at today's date, not the record's: %s %q", u.Level, u.Reason)
	}
	got = loadDataset(t, line, false, today)
	if len(got) != 1 || got[0].Result == nil || got[0].Result.Urgency == nil || got[0].Result.Urgency.Level != "critical" {
		t.Fatalf("with --now 2026-11-30: %+v", got[0].Result)
	}
}

// view opens both datasets, and their rows reach the table.
func TestViewDatasets(t *testing.T) {
	tm, _, _ := viewSession(t, nil, []string{"../../scan/report/testdata/datasets/shodan.json", "../../scan/report/testdata/datasets/censys.json"}, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	waitScreen(t, tm, "203.0.113.10", "198.51.100.60", "k3s", "kubeadm")
}
