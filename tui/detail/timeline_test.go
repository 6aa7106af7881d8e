package detail

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui/common"
)

// TestTimelinePlacesTheDateInOptInWindows: an AKS minor past community
// support is "unsupported" unless the cluster opted into LTS; the marker
// still falls where the date is, and the LTS end says what it needs.
func TestTimelinePlacesTheDateInOptInWindows(t *testing.T) {
	lc := &scan.Lifecycle{Phase: "unsupported", ReleaseDate: "2024-10-25", EndOfStandardSupport: "2025-11-01",
		EndOfExtendedSupport: "2026-11-30", ExtendedOptIn: "the Premium tier with LTS"}
	for at, want := range map[string]string{
		"2026-06-01": "released 2024-10-25 ── standard ends 2025-11-01 ── ▼ 2026-06-01 ── extended ends 2026-11-30 (only with the Premium tier with LTS)",
		"2026-12-05": "released 2024-10-25 ── standard ends 2025-11-01 ── extended ends 2026-11-30 (only with the Premium tier with LTS) ── ▼ 2026-12-05",
	} {
		if got := timeline(lc, at); got != want {
			t.Errorf("at %s:\n got %s\nwant %s", at, got, want)
		}
	}
}

// On a narrow terminal every tab stays on the bar: the others as their
// numbers, the one shown with its name.
func TestNarrowTabBarKeepsEveryTab(t *testing.T) {
	for _, w := range []int{80, 200} {
		d := New(common.New(true))
		d.SetSize(w, 20)
		for range 6 {
			d.Update(tea.KeyPressMsg{Code: tea.KeyTab})
		}
		bar := strings.Split(ansi.Strip(d.View()), "\n")[1]
		if ansi.StringWidth(bar) > w || !strings.Contains(bar, "7 Upgrade") || !strings.Contains(bar, "8") || !strings.Contains(bar, "1") {
			t.Errorf("width %d: tab bar %q", w, bar)
		}
		if full := strings.Contains(bar, "Overview"); full != (w == 200) {
			t.Errorf("width %d: names of the other tabs shown %v: %q", w, full, bar)
		}
	}
}
