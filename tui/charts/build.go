// Package charts is the fleet view: the numbers scan/fleet sums, drawn as
// bar charts in the terminal (urgency by distribution, exposure by reach,
// minors in use, the support timeline by week), each bar and each of its
// segments a selection that filters the table to the rows it counted.
package charts

import (
	"slices"
	"strings"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/scan/report"
)

// Segment is one part of a bar: the targets of one level, phase or kind
// of event.
type Segment struct {
	// Name is the legend's word for it ("critical", "extended").
	Name  string
	Count int
	// Term is the filter that finds its rows; "" when no filter can (a
	// name past the cap, or one with a space in it).
	Term string
}

// Bar is one line of a chart.
type Bar struct {
	Label string
	// Mark is one cell before the label: the supported minors' band.
	Mark     string
	Term     string
	Segments []Segment
	Total    int
	// Note follows the count where there is room: a timeline week's
	// first few targets.
	Note string
}

// Chart is one of the fleet view's charts.
type Chart struct {
	Title string
	// Legend is every segment name the chart uses, in drawing order; a
	// segment's glyph is its place here.
	Legend []string
	// Tones are the level words whose colours the legend's names take.
	Tones map[string]string
	Bars  []Bar
	// Empty is said when there is no bar; Foot under the bars.
	Empty, Foot string
	// Events is true when a bar's total counts events, not targets: a
	// timeline week in which one target loses both kinds of support.
	Events bool
}

// Build lays out the four charts of s. Every name in them comes from the
// results and is cleaned here.
func Build(s *fleet.Stats) []Chart {
	return []Chart{
		cross(report.FleetUrgency, "dist", "urgency", s.Urgency, fleet.ByTotal(s.Urgency), "No target yet."),
		cross(report.FleetExposure, "reach", "exposure", s.Exposure, fleet.ByReach(s.Exposure), "No target yet."),
		minors(s),
		timeline(s),
	}
}

// term is key=value for the filter, or "" when value cannot be one term.
func term(key, value string) string {
	if value == "" || value == fleet.Other || strings.ContainsFunc(value, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return ""
	}
	return key + "=" + value
}

// and joins two terms, "" when either is.
func and(a, b string) string {
	if a == "" || b == "" {
		return ""
	}
	return a + " " + b
}

func cross(title, rowKey, segKey string, counts map[string]map[string]int, rows []string, empty string) Chart {
	c := Chart{Title: title, Legend: fleet.Levels(counts), Empty: empty}
	for _, r := range rows {
		b := Bar{Label: clean.Line(r), Term: term(rowKey, r), Total: fleet.Total(counts[r])}
		for _, l := range c.Legend {
			if n := counts[r][l]; n > 0 {
				b.Segments = append(b.Segments, Segment{Name: l, Count: n, Term: and(b.Term, term(segKey, l))})
			}
		}
		c.Bars = append(c.Bars, b)
	}
	c.Legend = clean.All(c.Legend)
	for i := range c.Bars {
		for j := range c.Bars[i].Segments {
			c.Bars[i].Segments[j].Name = clean.Line(c.Bars[i].Segments[j].Name)
		}
	}
	return c
}

// phaseOrder is the support phases from the best off to the worst.
var phaseOrder = []string{"standard", "extended", "unsupported", "unknown"}

// phaseTones colour the phases as the table colours urgency.
var phaseTones = map[string]string{"standard": "current", "extended": "medium", "unsupported": "critical", "unknown": "unknown"}

func minors(s *fleet.Stats) Chart {
	c := Chart{Title: report.FleetMinors, Tones: phaseTones, Empty: "No version seen yet.",
		Foot: "┃ still supported for at least one of its targets on the judging date"}
	var phases []string
	for _, m := range s.Minors {
		for p := range m.Phases {
			if !slices.Contains(phases, p) {
				phases = append(phases, p)
			}
		}
	}
	rank := func(p string) int {
		if i := slices.Index(phaseOrder, p); i >= 0 {
			return i
		}
		return len(phaseOrder)
	}
	slices.SortFunc(phases, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, m := range s.Minors {
		b := Bar{Label: clean.Line(m.Minor), Mark: " ", Term: term("minor", m.Minor), Total: m.Count}
		if m.Supported {
			b.Mark = "┃"
		}
		for _, p := range phases {
			if n := m.Phases[p]; n > 0 {
				b.Segments = append(b.Segments, Segment{Name: clean.Line(p), Count: n, Term: and(b.Term, term("support", p))})
			}
		}
		c.Bars = append(c.Bars, b)
	}
	c.Legend = clean.All(phases)
	return c
}

// kindWords are the timeline's kinds of event as its legend names them,
// and kindKeys the filter fields of their dates, both in fleet.Kinds order.
var (
	kindWords = [3]string{"standard ends", "all support ends", "forced upgrade"}
	kindKeys  = [3]string{"eos", "eol", "forced"}
)

func timeline(s *fleet.Stats) Chart {
	c := Chart{Title: report.FleetTimeline, Legend: kindWords[:], Empty: "No judged target yet: no timeline.", Events: true,
		Tones: map[string]string{kindWords[0]: "medium", kindWords[1]: "critical", kindWords[2]: "high"}}
	t := s.Timeline
	if t.From == "" {
		return c
	}
	c.Foot = "By ISO week, " + t.From + " to " + t.Until + "."
	if len(t.Weeks) == 0 {
		c.Foot += " No support ends and no upgrade is forced in these weeks."
	}
	bar := func(label, value string, counts func(kind string) (int, []string)) {
		b := Bar{Label: label, Term: term("week", value)}
		var names []string
		more := false
		for i, kind := range fleet.Kinds {
			n, samples := counts(kind)
			if n == 0 {
				continue
			}
			b.Total += n
			b.Segments = append(b.Segments, Segment{Name: kindWords[i], Count: n, Term: term(kindKeys[i], value)})
			for _, x := range samples {
				if !slices.Contains(names, x) {
					names = append(names, x)
				}
			}
			more = more || n > len(samples)
		}
		if b.Total == 0 {
			return
		}
		if len(names) > 0 {
			b.Note = strings.Join(clean.All(names), ", ")
			if more {
				b.Note += ", …"
			}
		}
		c.Bars = append(c.Bars, b)
	}
	bar("already past", "overdue", func(kind string) (int, []string) { return t.Overdue[kind], nil })
	for _, w := range t.Weeks {
		label := w.Week
		if d, err := time.Parse(time.DateOnly, w.Start); err == nil {
			label += " " + d.Format("Jan _2")
		}
		bar(label, strings.ToLower(w.Week), func(kind string) (int, []string) {
			if e := w.Events[kind]; e != nil {
				return e.Count, e.Samples
			}
			return 0, nil
		})
	}
	return c
}

// describe is a selection in words: "eks · high: 12 targets".
func describe(c Chart, b Bar, seg int) string {
	if seg < 0 || seg >= len(b.Segments) {
		if c.Events {
			return b.Label + ": " + scan.Plural(b.Total, "event")
		}
		return b.Label + ": " + scan.Plural(b.Total, "target")
	}
	s := b.Segments[seg]
	return b.Label + " · " + s.Name + ": " + scan.Plural(s.Count, "target")
}
