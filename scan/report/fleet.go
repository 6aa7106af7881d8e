package report

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// The titles of the Fleet sections, in the order fleetSections returns
// them; the HTML report draws a chart under each.
const (
	FleetUrgency  = "Urgency by distribution"
	FleetExposure = "Exposure by reach"
	FleetMinors   = "Minors in use"
	FleetTimeline = "Support timeline"
)

// fleetSections are the numbers of `-o stats` as a person reads them: a
// few small tables that say the shape of the fleet before its rows do.
// Every name in them comes from the results and is cleaned here, as in
// the rest of the page.
func fleetSections(s *fleet.Stats) []Section {
	return []Section{
		{Title: FleetUrgency, Blocks: []Block{{Table: crossTable("Distribution", s.Urgency, fleet.ByTotal(s.Urgency))}}},
		{Title: FleetExposure, Blocks: []Block{{Table: crossTable("Reach", s.Exposure, fleet.ByReach(s.Exposure))}}},
		{Title: FleetMinors, Blocks: []Block{minorsBlock(s)}},
		{Title: FleetTimeline, Blocks: []Block{timelineBlock(s)}},
	}
}

// crossTable is counts per row name, then per level: one column per level
// seen, most severe first, and the row's total.
func crossTable(name string, counts map[string]map[string]int, rows []string) *Grid {
	levels := fleet.Levels(counts)
	g := &Grid{Head: append(append([]string{name}, cleanAll(levels)...), "Total")}
	for _, r := range rows {
		row := []Cell{{Text: clean.Line(r)}}
		for _, l := range levels {
			row = append(row, Cell{Text: strconv.Itoa(counts[r][l])})
		}
		g.Rows = append(g.Rows, append(row, Cell{Text: strconv.Itoa(fleet.Total(counts[r]))}))
	}
	return g
}

func minorsBlock(s *fleet.Stats) Block {
	if len(s.Minors) == 0 {
		return Block{Text: "No version seen."}
	}
	g := &Grid{Head: []string{"Minor", "Targets", "Support phase", "Supported"}}
	for _, m := range s.Minors {
		phases := make([]string, 0, len(m.Phases))
		for _, p := range slices.Sorted(maps.Keys(m.Phases)) {
			phases = append(phases, strconv.Itoa(m.Phases[p])+" "+clean.Line(p))
		}
		supported := "no"
		if m.Supported {
			supported = "yes"
		}
		g.Rows = append(g.Rows, []Cell{{Text: clean.Line(m.Minor)}, {Text: strconv.Itoa(m.Count)}, {Text: strings.Join(phases, ", ")}, {Text: supported}})
	}
	return Block{Text: "Supported: still in standard or extended support on the judging date for at least one of its targets.", Table: g}
}

func timelineBlock(s *fleet.Stats) Block {
	if s.Timeline.From == "" {
		return Block{Text: "No judged target: no timeline."}
	}
	o := s.Timeline.Overdue
	text := "From " + s.Timeline.From + " to " + s.Timeline.Until + ", by ISO week. Already past: " +
		strconv.Itoa(o[fleet.EndOfStandardSupport]) + " out of standard support, " +
		strconv.Itoa(o[fleet.EndOfSupport]) + " out of all support, " +
		scan.Plural(o[fleet.ForcedUpgrade], "forced upgrade") + " due."
	if len(s.Timeline.Weeks) == 0 {
		return Block{Text: text + " No support ends and no upgrade is forced in these weeks."}
	}
	g := &Grid{Head: []string{"Week", "Monday"}}
	g.Head = append(g.Head, fleet.KindNames[:]...)
	for _, w := range s.Timeline.Weeks {
		row := []Cell{{Text: w.Week}, {Text: w.Start}}
		for _, kind := range fleet.Kinds {
			row = append(row, Cell{Text: eventText(w.Events[kind])})
		}
		g.Rows = append(g.Rows, row)
	}
	return Block{Text: text, Table: g}
}

// eventText is the count and the names kept: "5: a, b, c, …".
func eventText(e *fleet.Event) string {
	if e == nil || e.Count == 0 {
		return "0"
	}
	names := cleanAll(e.Samples)
	if e.Count > len(names) {
		names = append(names, "…")
	}
	return strconv.Itoa(e.Count) + ": " + strings.Join(names, ", ")
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean.Line(s)
	}
	return out
}
