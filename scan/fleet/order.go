package fleet

import (
	"maps"
	"slices"
	"strings"

	"github.com/kubesurface/kubesurface/scan"
)

// Severity orders the words of the urgency and exposure scales, most
// severe highest: critical 5 … low 2, unknown 1, anything else (current,
// none, unjudged, a word from a hostile file) 0.
func Severity(level string) int {
	switch level {
	case scan.LevelCritical:
		return 5
	case scan.LevelHigh:
		return 4
	case scan.LevelMedium:
		return 3
	case scan.LevelLow:
		return 2
	case "unknown":
		return 1
	}
	return 0
}

// Levels are the levels counted anywhere in counts, most severe first,
// then by name: the columns, segments and legend every view of a
// breakdown shows, in one order.
func Levels(counts map[string]map[string]int) []string {
	var levels []string
	for _, m := range counts {
		for l := range m {
			if !slices.Contains(levels, l) {
				levels = append(levels, l)
			}
		}
	}
	slices.SortFunc(levels, func(a, b string) int {
		if d := Severity(b) - Severity(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return levels
}

// Total is the sum of a breakdown's row.
func Total(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// ByTotal orders a breakdown's rows largest first, then by name.
func ByTotal(counts map[string]map[string]int) []string {
	return sortedRows(counts, func(a, b string) int { return Total(counts[b]) - Total(counts[a]) })
}

// reachOrder is widest first: the order exposure grows in.
var reachOrder = []string{"public", "cgnat", "private", "link-local", "loopback", "other", "unknown"}

// ByReach orders a breakdown's rows widest reach first; names outside
// the known classes come last, by name.
func ByReach(counts map[string]map[string]int) []string {
	rank := func(r string) int {
		if i := slices.Index(reachOrder, r); i >= 0 {
			return i
		}
		return len(reachOrder)
	}
	return sortedRows(counts, func(a, b string) int { return rank(a) - rank(b) })
}

// sortedRows is the breakdown's row names by order, then by name.
func sortedRows(counts map[string]map[string]int, order func(a, b string) int) []string {
	rows := slices.Collect(maps.Keys(counts))
	slices.SortFunc(rows, func(a, b string) int {
		if d := order(a, b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return rows
}

// KindNames are the timeline's kinds of event in the words a reader knows
// them by, in the order of Kinds.
var KindNames = [3]string{"End of standard support", "End of all support", "Forced upgrade"}
