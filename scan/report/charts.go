package report

import (
	"strconv"
	"strings"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// chart is one of the HTML report's Fleet charts: horizontal bars, one row
// each, laid out here in the units of a 400-wide viewBox so the template
// only places them. Bars run sideways so that a phone's narrow screen
// costs rows, not legibility: the SVG scales to the page's width and no
// label grows it. Every string is cleaned; html/template escapes them.
type chart struct {
	Title, Label string
	Height       int
	Legend       []swatch
	Rows         []chartRow
	// Note says in words what colour marks (the supported minors).
	Note string
	// Table is the same numbers as the Markdown report has them, for a
	// reader who wants them exact.
	Table *Grid
	Text  string
}

type swatch struct {
	X, Y, TX, TY      int
	Class, Text, Full string
}

type chartRow struct {
	// Top is where the row's band starts, Y its bar's top, TY its text's
	// baseline.
	Top, Y, TY int
	Label      string
	Full       string
	Band       bool
	Segs       []seg
	CountX     int
	Count      string
}

type seg struct {
	X, Y, W      int
	Class, Title string
}

// The geometry of every chart, in viewBox units.
const (
	chartWidth  = 400
	labelRight  = 116
	barLeft     = 120
	barSpan     = 220
	rowHeight   = 20
	legendWidth = 133
)

// labelRunes and legendRunes are how much of a name a row and a legend
// entry show, so that no name runs past the chart; the whole name is in
// their titles.
const (
	labelRunes  = 17
	legendRunes = 16
)

func fleetCharts(s *fleet.Stats, secs []Section) []chart {
	urg := crossChart(FleetUrgency, s.Urgency, fleet.ByTotal(s.Urgency))
	exp := crossChart(FleetExposure, s.Exposure, fleet.ByReach(s.Exposure))
	charts := []chart{urg, exp, minorsChart(s), timelineChart(s)}
	for i := range charts {
		for _, b := range secs[i].Blocks {
			charts[i].Table, charts[i].Text = b.Table, b.Text
		}
	}
	return charts
}

// layout places the legend and the rows, each row's segments scaled to
// the largest row total.
func layout(c *chart, legend [][2]string, rows []chartRow, totals []int) {
	y := 0
	for i, l := range legend {
		x, ly := (i%3)*legendWidth, (i/3)*16
		c.Legend = append(c.Legend, swatch{X: x, Y: ly + 2, TX: x + 14, TY: ly + 11, Class: l[0], Text: shortLabel(l[1], legendRunes), Full: l[1]})
		y = ly + 20
	}
	most := 1
	for _, t := range totals {
		most = max(most, t)
	}
	for i := range rows {
		r := &rows[i]
		r.Top, r.Y, r.TY = y, y+3, y+14
		x := barLeft
		for j := range r.Segs {
			n := r.Segs[j].W // the count, until scaled
			w := n * barSpan / most
			if n > 0 {
				w = max(w, 2)
			}
			r.Segs[j].X, r.Segs[j].Y, r.Segs[j].W = x, r.Y, w
			x += w
		}
		r.CountX = x + 4
		y += rowHeight
	}
	c.Rows, c.Height = rows, y+4
}

func shortLabel(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

func crossChart(title string, counts map[string]map[string]int, names []string) chart {
	c := chart{Title: title, Label: title}
	levels := fleet.Levels(counts)
	var legend [][2]string
	for _, l := range levels {
		legend = append(legend, [2]string{fillClass(l), clean.Line(l)})
	}
	var rows []chartRow
	var totals []int
	for _, n := range names {
		name := clean.Line(n)
		r := chartRow{Label: shortLabel(name, labelRunes), Full: name}
		for _, l := range levels {
			if k := counts[n][l]; k > 0 {
				r.Segs = append(r.Segs, seg{W: k, Class: fillClass(l), Title: name + ": " + strconv.Itoa(k) + " " + clean.Line(l)})
			}
		}
		t := fleet.Total(counts[n])
		r.Count = strconv.Itoa(t)
		rows, totals = append(rows, r), append(totals, t)
	}
	layout(&c, legend, rows, totals)
	return c
}

// fillClass is a level's colour in the charts; the level is also in the
// legend and in each bar's title, so colour never carries it alone.
func fillClass(level string) string {
	switch level {
	case "critical", "high", "medium", "low":
		return "f-" + level
	case "none", "current":
		return "f-ok"
	}
	return "f-other"
}

func minorsChart(s *fleet.Stats) chart {
	c := chart{Title: FleetMinors, Label: FleetMinors + ", supported ones marked"}
	var rows []chartRow
	var supported []string
	var counts []int
	for _, m := range s.Minors {
		minor := clean.Line(m.Minor)
		class, word := "f-unsup", "out of support"
		if m.Supported {
			class, word = "f-sup", "supported"
			supported = append(supported, minor)
		}
		title := minor + ": " + strconv.Itoa(m.Count) + " " + word
		rows = append(rows, chartRow{Label: shortLabel(minor, labelRunes), Full: minor, Band: m.Supported,
			Segs: []seg{{W: m.Count, Class: class, Title: title}}, Count: strconv.Itoa(m.Count)})
		counts = append(counts, m.Count)
	}
	c.Note = "No minor in use is supported."
	if len(supported) > 0 {
		c.Note = "Supported on the judging date (green, on a shaded band): " + strings.Join(supported, ", ") + "."
	}
	layout(&c, [][2]string{{"f-sup", "supported"}, {"f-unsup", "out of support"}}, rows, counts)
	return c
}

func timelineChart(s *fleet.Stats) chart {
	c := chart{Title: FleetTimeline, Label: FleetTimeline + " by week"}
	var legend [][2]string
	classes := map[string]string{fleet.EndOfStandardSupport: "f-eoss", fleet.EndOfSupport: "f-eos", fleet.ForcedUpgrade: "f-forced"}
	// Shorter than the table's headings: a legend entry has a third of
	// the width.
	short := map[string]string{fleet.EndOfStandardSupport: "standard ends", fleet.EndOfSupport: "all support ends", fleet.ForcedUpgrade: "forced upgrade"}
	for _, kind := range fleet.Kinds {
		legend = append(legend, [2]string{classes[kind], short[kind]})
	}
	var rows []chartRow
	var totals []int
	for _, w := range s.Timeline.Weeks {
		r := chartRow{Label: w.Week, Full: w.Week + ", from " + w.Start}
		t := 0
		for i, kind := range fleet.Kinds {
			ev := w.Events[kind]
			if ev == nil || ev.Count == 0 {
				continue
			}
			t += ev.Count
			r.Segs = append(r.Segs, seg{W: ev.Count, Class: classes[kind], Title: r.Full + ": " + strings.ToLower(fleet.KindNames[i]) + " " + eventText(ev)})
		}
		r.Count = strconv.Itoa(t)
		rows, totals = append(rows, r), append(totals, t)
	}
	layout(&c, legend, rows, totals)
	return c
}
