package detail

import (
	"testing"

	"github.com/kubesurface/kubesurface/scan"
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
