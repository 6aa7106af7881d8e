package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui"
)

// writeBanners writes a Shodan download of the given versions, one
// banner (and address) each, in order.
func writeBanners(t *testing.T, versions ...string) string {
	t.Helper()
	var b strings.Builder
	for i, v := range versions {
		line, err := json.Marshal(map[string]any{
			"ip_str": fmt.Sprintf("198.51.100.%d", i+1), "port": 6443, "timestamp": "2026-11-20T08:15:30.000000",
			"ssl": map[string]any{"cert": map[string]any{"subject": map[string]string{"CN": "kube-apiserver"},
				"issuer": map[string]string{"CN": "kubernetes"}, "issued": "20260101000000Z", "expires": "20270101000000Z"}},
			"kubernetes": map[string]string{"version": v},
		})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "shodan.json")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// drained reads a feed to its end: the rows it gave (by row number) and
// its last numbers of every target.
func drained(t *testing.T, feed <-chan tui.Loaded) (rows map[int]scan.Result, last tui.Loaded) {
	t.Helper()
	rows = map[int]scan.Result{}
	timeout := time.After(30 * time.Second) // a safety deadline, not a measure
	for {
		select {
		case l, ok := <-feed:
			if !ok {
				return rows, last
			}
			if l.Result != nil {
				rows[l.Row] = *l.Result
			}
			if l.Fleet != nil {
				last = l
			}
		case <-timeout:
			t.Fatal("the feed never ended")
		}
	}
}

// TestViewHoldsRowsBackAndReloads: with --max-rows 3, view's feed gives
// the table the first three targets of ten and the numbers of all ten;
// reading again for a filter gives exactly the rows it takes, at most
// three, and says when more match.
func TestViewHoldsRowsBackAndReloads(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	path := writeBanners(t, "v1.31.2-eks-7f9249a", "v1.30.14+k3s1", "v1.31.2-eks-7f9249a", "v1.33.1", "v1.31.2-eks-7f9249a",
		"v1.30.14+k3s1", "v1.31.2-eks-7f9249a", "v1.31.2-eks-7f9249a", "v1.33.1", "v1.31.2-eks-7f9249a")
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	inputs, err := openSaved(t.Context(), nil, []string{path}, report.NewShared())
	if err != nil {
		t.Fatal(err)
	}
	defer closeSaved(inputs)
	cfg, wait := viewConfig(t.Context(), inputs, []string{path}, now, scan.Options{}, newNotices(new(strings.Builder)), 3)
	defer wait()

	rows, last := drained(t, cfg.Load)
	if len(rows) != 3 || last.Fleet == nil || last.Fleet.Targets != 10 {
		t.Fatalf("first reading: %d rows, numbers %+v; want 3 rows and the numbers of 10 targets", len(rows), last.Fleet)
	}
	for i := range 3 {
		if want := fmt.Sprintf("https://198.51.100.%d:6443", i+1); rows[i].Target.Name != want {
			t.Errorf("row %d is %s, want %s (the first targets, in order)", i, rows[i].Target.Name, want)
		}
	}
	if cfg.Reload == nil {
		t.Fatal("a file can be read again, yet view offers no reload")
	}
	dist := func(name string) func(scan.Result) bool {
		return func(r scan.Result) bool { return r.Dist.Name == name }
	}
	rows, last = drained(t, cfg.Reload(t.Context(), dist("k3s")))
	if len(rows) != 2 || last.More {
		t.Errorf("k3s: %d rows (more: %v), want the 2 k3s rows and no more", len(rows), last.More)
	}
	for _, r := range rows {
		if r.Dist.Name != "k3s" || r.Urgency == nil {
			t.Errorf("k3s reload gave %s (%s), judged %v", r.Target.Name, r.Dist.Name, r.Urgency != nil)
		}
	}
	rows, last = drained(t, cfg.Reload(t.Context(), dist("eks-d")))
	if len(rows) != 3 || !last.More || last.Fleet.Targets != 10 {
		t.Errorf("eks-d: %d rows (more: %v) of %d targets, want 3 rows of 6 matching, more, of 10", len(rows), last.More, last.Fleet.Targets)
	}

	// Stdin cannot be read again: no reload is offered.
	in2, err := openSaved(t.Context(), strings.NewReader(""), []string{"-"}, report.NewShared())
	if err != nil {
		t.Fatal(err)
	}
	defer closeSaved(in2)
	cfg2, wait2 := viewConfig(t.Context(), in2, []string{"-"}, now, scan.Options{}, newNotices(new(strings.Builder)), 3)
	defer wait2()
	if cfg2.Reload != nil {
		t.Error("stdin cannot be read again, yet view offers a reload")
	}
}
