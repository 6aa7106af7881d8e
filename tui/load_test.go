package tui

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
)

// TestLoadShowsRowsAsTheyAreRead: view's feed of saved results fills the
// table while it is still being read, with the progress in the header;
// a row read again is replaced, unless the user has rescanned it since;
// warnings and a stopped input reach the status line; the end says how
// many rows were read.
func TestLoadShowsRowsAsTheyAreRead(t *testing.T) {
	feed := make(chan Loaded)
	r := released()
	rescan := r.hold(0) // no scan before the user's rescan: it is the first
	cfg := config(t, r, nil)
	cfg.Load = feed
	s := start(t, cfg, 200, 30, colorprofile.Ascii)
	ts := targets(t)
	at := func(i int) LoadProgress {
		return LoadProgress{Name: "shard-0.ndjson", File: 1, Files: 2, Read: int64(i+1) << 20, Size: 4 << 20}
	}
	row := func(i, place int) Loaded {
		res := done(ts[i])
		return Loaded{Row: place, Target: ts[i], Result: &res, Progress: at(place)}
	}

	feed <- row(0, 0)
	feed <- row(1, 1)
	// Nothing more comes for now: the first rows are on screen while the
	// file is still being read.
	s.waitSeen("(1/2) shard-0.ndjson")
	s.waitSeen(k3sInput)

	// The user rescans every row so far before the k3s row's saved result
	// is read again.
	s.press(char('R'))
	s.waitFor("rescanning 2 targets")

	older := done(ts[1])
	older.FinishedAt = older.FinishedAt.Add(-time.Hour)
	feed <- Loaded{Row: 1, Target: ts[1], Result: &older, Progress: at(2)}
	feed <- Loaded{Row: -1, Warning: "shard-0.ndjson:7: invalid character 'x' (skipped)", Progress: at(2)}
	feed <- row(2, 2)
	feed <- Loaded{Row: -1, Error: "stopped reading shard-1.ndjson: read shard-1.ndjson: input/output error", Progress: LoadProgress{Name: "shard-1.ndjson", File: 2, Files: 2}}
	s.waitSeen("stopped reading shard-1.ndjson")
	feed <- row(3, 3)
	close(feed)
	s.waitSeen(ocpInput)
	close(rescan)
	m := s.quit()

	got := m.Results()
	if len(got) != 4 {
		t.Fatalf("%d rows, want 4", len(got))
	}
	for i, r := range got {
		if r.Target != ts[i].Ref {
			t.Errorf("row %d is %s, want %s", i, r.Target.Name, ts[i].Name)
		}
	}
	if got[1].FinishedAt.Equal(older.FinishedAt) {
		t.Error("a saved result replaced a row the user had rescanned")
	}
	if calls := r.Calls(); len(calls) != 1 || !slices.Equal(calls[0], []string{eksInput, k3sInput}) {
		t.Errorf("R rescanned %q, want the two rows loaded by then", calls)
	}
	p := plain(m)
	if strings.Contains(p, "· reading") {
		t.Errorf("progress outlived the loading:\n%s", p)
	}
	if !strings.Contains(p, "stopped reading shard-1.ndjson") {
		t.Errorf("the error of the input that stopped is not in the status line:\n%s", p)
	}
}

// TestLoadEndsWithWhatWasRead: when every input is read, the status line
// says how many rows and how many warnings (listed on stderr at the end).
func TestLoadEndsWithWhatWasRead(t *testing.T) {
	feed := make(chan Loaded, 8)
	ts := targets(t)
	for i := range ts {
		res := done(ts[i])
		feed <- Loaded{Row: i, Target: ts[i], Result: &res}
	}
	feed <- Loaded{Row: -1, Warning: "r.ndjson:5: unexpected end of JSON input (skipped)"}
	feed <- Loaded{Row: 0, Warning: `"x": the newer result (failed) did not reach the server and replaces one that did`}
	close(feed)
	cfg := config(t, released(), nil)
	cfg.Load = feed
	s := start(t, cfg, 200, 30, colorprofile.Ascii)
	s.waitFor("read 4 rows; 2 warnings, listed on stderr when you quit")
	m := s.quit()
	if p := plain(m); !strings.Contains(p, "4/4 done") {
		t.Errorf("header:\n%s", p)
	}
}

// TestLoadProgressSaysWhereReadingIs: the header's progress names the
// input, its place among the inputs, and the bytes read of its size when
// it has one (a pipe has none).
func TestLoadProgressSaysWhereReadingIs(t *testing.T) {
	for _, c := range []struct {
		p    LoadProgress
		want string
	}{
		{LoadProgress{Name: "shard-0.ndjson", File: 1, Files: 2, Read: 2 << 20, Size: 4 << 20}, "reading (1/2) shard-0.ndjson · 2.0 MiB of 4.0 MiB (50%)"},
		{LoadProgress{Name: "results.json", File: 1, Files: 1, Read: 200 << 20, Size: 200 << 20}, "reading results.json · 200.0 MiB of 200.0 MiB (100%)"},
		{LoadProgress{Name: "stdin", File: 3, Files: 3, Read: 1536}, "reading (3/3) stdin · 1 KiB"},
		{LoadProgress{Name: "grew.ndjson", File: 1, Files: 1, Read: 3 << 30, Size: 1 << 30}, "reading grew.ndjson · 3.0 GiB of 1.0 GiB (100%)"},
		{LoadProgress{}, "reading · 0 B"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
}

// waitSeen is waitFor for text that may have been drawn in the output an
// earlier wait read.
func (s *session) waitSeen(want string) {
	s.t.Helper()
	if !bytes.Contains(s.out.Bytes(), []byte(want)) {
		s.waitFor(want)
	}
}
