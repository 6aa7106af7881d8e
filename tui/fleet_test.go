package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/tui/charts"
	"github.com/kubesurface/kubesurface/tui/table"
)

// fleetVersions are the servers of a fleet of eleven: the four fixture
// hosts on several ports, each port another version of the same
// distribution (the dead host has none), so the charts have several
// bars, segments and weeks to draw.
var fleetVersions = map[string]string{
	eksHost + ":443":   "v1.32.9-eks-1a2b3c4",
	eksHost + ":1443":  "v1.31.13-eks-5d6e7f8",
	eksHost + ":2443":  "v1.34.2-eks-9a8b7c6",
	eksHost + ":3443":  "v1.29.15-eks-0f1e2d3",
	k3sHost + ":6443":  "v1.36.4+k3s1",
	k3sHost + ":7443":  "v1.35.1+k3s1",
	k3sHost + ":8443":  "v1.33.5+k3s1",
	ocpHost + ":6443":  "v1.28.9+2f7b992",
	ocpHost + ":7443":  "v1.31.6+6c4f2a1",
	deadHost + ":6443": "",
	deadHost + ":7443": "",
}

// bigFleet is the eleven targets, in a fixed order, and a runner whose
// results carry their versions.
func bigFleet(t testing.TB) ([]scan.Target, *fakeRunner) {
	t.Helper()
	var inputs []string
	for _, h := range []string{eksHost, k3sHost, ocpHost, deadHost} {
		for _, p := range []string{"443", "1443", "2443", "3443", "6443", "7443", "8443"} {
			if _, ok := fleetVersions[h+":"+p]; ok {
				inputs = append(inputs, h+":"+p)
			}
		}
	}
	ts, err := scan.ParseEndpoints(inputs, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := released()
	r.final = func(res *scan.Result) {
		git := fleetVersions[res.Target.Host+":"+fmt.Sprint(res.Target.Port)]
		if git == "" || res.Version == nil {
			return
		}
		res.Version = version(git, res.Version.BuildDate, res.Version.GoVersion)
		res.Anonymous = anonymousOn(res.Version)
	}
	return ts, r
}

// TestFleetGolden pins the fleet view: one chart at a time under a tab bar
// on an 80x24 terminal (the first chart and the timeline), all four at once
// on a large one. Every line fits, and the Ascii screen (what NO_COLOR
// gets) holds no colour: the segments differ by glyph.
func TestFleetGolden(t *testing.T) {
	ascii := colorprofile.Ascii
	open := func(t *testing.T, w, h int, tabs int) *Model {
		ts, r := bigFleet(t)
		s := start(t, config(t, r, ts), w, h, ascii)
		s.waitFor("scan finished")
		s.press(char('c'))
		s.waitFor("Urgency by distribution")
		for range tabs {
			s.press(keyTab)
		}
		if tabs > 0 {
			s.waitFor("already past")
		}
		return s.quit()
	}
	fits := func(t *testing.T, m *Model, w, h int) {
		t.Helper()
		p := plain(m)
		for i, l := range strings.Split(p, "\n") {
			if lw := ansi.StringWidth(l); lw > w {
				t.Errorf("line %d is %d cells wide on a %d-column terminal: %q", i+1, lw, w, l)
			}
		}
		if n := strings.Count(p, "\n") + 1; n != h {
			t.Errorf("%d lines on a %d-line terminal", n, h)
		}
	}
	t.Run("fleet-narrow", func(t *testing.T) {
		m := open(t, 80, 24, 0)
		golden(t, m)
		fits(t, m, 80, 24)
		p := plain(m)
		for _, w := range []string{"▸ ", "eks", "k3s", "openshift", "enter: filter the table (dist=eks)", "█ critical", "▓ high"} {
			if !strings.Contains(p, w) {
				t.Errorf("the urgency chart lacks %q:\n%s", w, p)
			}
		}
	})
	t.Run("fleet-narrow-timeline", func(t *testing.T) {
		m := open(t, 80, 24, 3)
		golden(t, m)
		fits(t, m, 80, 24)
		if p := plain(m); !strings.Contains(p, "already past") || !strings.Contains(p, "By ISO week, 2026-11-26 to 2027-05-26") {
			t.Errorf("the timeline lacks its overdue bar or its range:\n%s", p)
		}
	})
	t.Run("fleet-wide", func(t *testing.T) {
		m := open(t, 170, 44, 0)
		golden(t, m)
		fits(t, m, 170, 44)
		p := plain(m)
		for _, w := range []string{"▶ Urgency by distribution", "Exposure by reach", "Minors in use", "Support timeline", "┃"} {
			if !strings.Contains(p, w) {
				t.Errorf("the wide fleet view lacks %q:\n%s", w, p)
			}
		}
	})
}

// TestFleetSelectionFiltersToWhatItCounted walks every bar and every
// segment of every chart, presses enter on each, and checks the table
// then shows exactly the rows the bar or segment counted (a timeline
// week's bar counts events, so its rows are at most that many, and at
// least its largest segment).
func TestFleetSelectionFiltersToWhatItCounted(t *testing.T) {
	ts, r := bigFleet(t)
	s := start(t, config(t, r, ts), 120, 30, colorprofile.Ascii)
	s.waitFor("scan finished")
	m := s.quit()
	m.key(char('c'))
	m.sumCharts()
	built := charts.Build(statsOf(m))
	checked := 0
	for ci, c := range built {
		for bi, b := range c.Bars {
			for seg := -1; seg < len(b.Segments); seg++ {
				// Reach the selection with the keys a person presses.
				m.mode = modeFleet
				for m.charts.Focus() != ci {
					m.key(keyTab)
				}
				m.key(char('g'))
				for range bi {
					m.key(char('j'))
				}
				for range seg + 1 {
					m.key(char('l'))
				}
				_, words := m.charts.Selection()
				want, label := b.Total, b.Label
				if seg >= 0 {
					want, label = b.Segments[seg].Count, b.Label+" · "+b.Segments[seg].Name
				}
				if !strings.HasPrefix(words, label+":") {
					t.Fatalf("chart %d bar %d segment %d: the keys selected %q, want %q", ci, bi, seg, words, label)
				}
				m.key(keyEnter)
				if m.mode != modeTable {
					t.Fatalf("%s: enter left the mode at %d, want the table", words, m.mode)
				}
				got := m.table.Visible()
				switch {
				case c.Events && seg < 0:
					most := 0
					for _, sg := range b.Segments {
						most = max(most, sg.Count)
					}
					if got > want || got < most {
						t.Errorf("%s (filter %q): %d rows, want %d to %d", words, m.table.Filter().Raw, got, most, want)
					}
				case got != want:
					t.Errorf("%s (filter %q): %d rows, want %d", words, m.table.Filter().Raw, got, want)
				}
				checked++
				m.key(keyEsc) // clears the filter
				if !m.table.Filter().Empty() {
					t.Fatalf("esc left the filter %q", m.table.Filter().Raw)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d selections checked: the fleet is too small to mean much", checked)
	}
}

// statsOf sums the rows the table shows, as the fleet view does.
func statsOf(m *Model) *fleet.Stats {
	s := fleet.New(m.cfg.Now, 0)
	m.table.EachVisible(func(r *table.Row) { s.AddEntry(r.Entry) })
	return s
}

// TestFleetFollowsFilterAndResults opens the fleet view while the scan
// runs: every target is counted unjudged, then, with no key pressed, the
// charts take the results as they arrive. A table filter set before
// opening the view narrows what the charts count, and a filter typed in
// the view returns to it.
func TestFleetFollowsFilterAndResults(t *testing.T) {
	ts, r := bigFleet(t)
	gate := r.hold(0)
	r.parallel = 2
	s := start(t, config(t, r, ts), 120, 30, colorprofile.Ascii)
	s.waitFor("2 probing")
	s.press(char('c'))
	// Nothing judged yet: one bar, every target unknown and unjudged.
	s.waitFor("unknown: 11 targets")
	close(gate)
	s.waitFor("openshift")
	s.press(char('/'))
	s.tm.Type("dist:k3s")
	s.press(keyEnter)
	s.waitFor("filter: dist:k3s")
	m := s.quit()
	if m.mode != modeFleet {
		t.Errorf("the filter line returned to mode %d, want the fleet view", m.mode)
	}
	p := plain(m)
	if strings.Contains(p, "openshift") || !strings.Contains(p, "k3s") {
		t.Errorf("the charts do not follow the filter dist:k3s:\n%s", p)
	}
	if got := m.charts.Targets(); got != 3 {
		t.Errorf("the charts count %d targets under dist:k3s, want 3", got)
	}
}

// TestFleetViewHelp: ? in the fleet view shows the fleet view's keys and
// what enter does there, not the table's, and any key returns to the
// charts.
func TestFleetViewHelp(t *testing.T) {
	m := finished(t, 80, 24)
	m.press(t, char('c'))
	m.press(t, char('?'))
	p := plain(m)
	if m.mode != modeHelp || !strings.Contains(p, "Keys in the fleet view") || strings.Contains(p, "select all visible") {
		t.Fatalf("? in the fleet view does not show its keys:\n%s", p)
	}
	all := helpText(t, m)
	words := strings.Join(strings.Fields(all), " ") // as wrapped
	for _, w := range []string{"next chart", "segment", "filter to selection", "back to the table", "exactly the rows the bar or segment counted"} {
		if !strings.Contains(words, w) {
			t.Errorf("the fleet view's help lacks %q:\n%s", w, all)
		}
	}
	m.press(t, char('x'))
	if m.mode != modeFleet {
		t.Errorf("a key closed the help into mode %d, want the fleet view", m.mode)
	}
}
