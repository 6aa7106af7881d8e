package tui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// TestHeldRowsLoadOnSelection: with more targets than the table may hold
// (Config.MaxRows), the fleet view counts every target from the numbers
// the feed sends, and a bar selected there reads the inputs again
// (Config.Reload) for exactly its rows, which then fill the table; esc
// clears the filter and reads the first rows again, once.
func TestHeldRowsLoadOnSelection(t *testing.T) {
	ts := targets(t)
	var all []scan.Result
	for _, tg := range ts {
		all = append(all, done(tg))
	}
	cfg := config(t, released(), nil)
	feed := make(chan Loaded, len(all)+1)
	whole := fleet.New(cfg.Now, 0)
	for i, r := range all {
		whole.Add(r) // unjudged here: the stage judges rows, not numbers
		if i < 2 {
			feed <- Loaded{Row: i, Target: ts[i], Result: &all[i]}
		}
	}
	feed <- Loaded{Row: -1, Fleet: whole}
	close(feed)
	cfg.Load, cfg.MaxRows = feed, 2
	var mu sync.Mutex
	var reloads []int // rows each reload matched
	cfg.Reload = func(ctx context.Context, match func(scan.Result) bool) <-chan Loaded {
		out := make(chan Loaded, len(all)+1)
		n := 0
		for i := range all {
			if n < 2 && (match == nil || match(all[i])) {
				out <- Loaded{Row: n, Target: ts[i], Result: &all[i]}
				n++
			}
		}
		out <- Loaded{Row: -1, Fleet: whole}
		close(out)
		mu.Lock()
		reloads = append(reloads, n)
		mu.Unlock()
		return out
	}
	s := start(t, cfg, 120, 30, colorprofile.Ascii)
	s.waitFor("the table holds 2 of 4 targets")
	s.press(char('c'))
	// Four bars, one target each: the numbers of every target, not the
	// two rows.
	s.waitFor("eks: 1 target")
	s.waitSeen("unknown")
	s.press(keyEnter)
	// The screen is drawn as changes: wait for text drawn whole (the row
	// that arrives), then check the state after quitting.
	s.waitSeen("filter: dist=eks")
	s.press(keyEsc)
	s.waitFor("edge-k3s.lan")
	// A filter opened and left empty is the one the rows were read for:
	// no second reading.
	s.press(char('/'), keyEsc)
	m := s.quit()
	mu.Lock()
	defer mu.Unlock()
	if len(reloads) != 2 || reloads[0] != 1 || reloads[1] != 2 {
		t.Errorf("reloads matched %v, want [1 2]", reloads)
	}
	if p := plain(m); !strings.Contains(p, "2/2 rows") {
		t.Errorf("after esc, want the first 2 rows again:\n%s", p)
	}
}
