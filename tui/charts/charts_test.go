package charts

import (
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/tui/common"
)

// TestHostileNames feeds names a results file may carry (escape
// sequences, a bidi override, spaces, more names than the cap) and checks
// the view shows none of it raw, stays in its width, and offers no filter
// for a bar a filter cannot name.
func TestHostileNames(t *testing.T) {
	s := fleet.New(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 0)
	evil := "ek\x1b]52;c;aGk=\x07s\u202e\x1b[31m"
	s.AddEntry(fleet.Entry{Name: "a\x1b[2J", Dist: evil, Urgency: "high", Reach: "public", Exposure: "high", JudgedAt: "2026-11-30",
		Minor: "1.2\x1b[5m9", Phase: "standard", Events: [3]string{"2026-12-01", "2026-12-01", ""}})
	s.AddEntry(fleet.Entry{Name: "b", Dist: "two words", Urgency: "low", Reach: "private", Exposure: "low", JudgedAt: "2026-11-30"})
	for i := range fleet.MaxKeys + 5 {
		s.AddEntry(fleet.Entry{Name: "n", Dist: "d" + strconv.Itoa(i), Urgency: "low", Reach: "private", Exposure: "low", JudgedAt: "2026-11-30"})
	}
	m := New(common.New(true))
	m.SetStats(s)
	for _, size := range [][2]int{{80, 20}, {170, 44}} {
		m.SetSize(size[0], size[1])
		for range 4 {
			out := m.View()
			plain := ansi.Strip(out)
			if strings.ContainsAny(plain, "\x1b\x07\u202e") {
				t.Errorf("the view at %v holds raw control text: %q", size, plain)
			}
			for i, l := range strings.Split(out, "\n") {
				if w := lipgloss.Width(l); w > size[0] {
					t.Errorf("line %d is %d wide at %v: %q", i+1, w, size, ansi.Strip(l))
				}
			}
			m.Update(tabKey)
		}
	}
	terms := map[string]string{}
	for _, b := range Build(s)[0].Bars {
		terms[b.Label] = b.Term
	}
	if terms["two words"] != "" || terms[fleet.Other] != "" {
		t.Errorf("a name with a space or the overflow bucket got a filter: %q, %q", terms["two words"], terms[fleet.Other])
	}
	if terms["d0"] != "dist=d0" {
		t.Errorf("a plain name's filter is %q, want dist=d0", terms["d0"])
	}
}

// TestApportion checks a bar's cells: every segment at least one, the
// total kept, larger counts never narrower.
func TestApportion(t *testing.T) {
	for _, c := range []struct {
		counts []int
		cells  int
	}{{[]int{1, 1000}, 10}, {[]int{3, 3, 3}, 10}, {[]int{5, 1, 0}, 3}, {[]int{7}, 40}, {[]int{2, 9, 4, 1}, 33}} {
		var segs []Segment
		for _, n := range c.counts {
			if n > 0 {
				segs = append(segs, Segment{Count: n})
			}
		}
		w := apportion(segs, max(c.cells, len(segs)))
		sum := 0
		for i, x := range w {
			sum += x
			if x < 1 {
				t.Errorf("%v in %d: segment %d gets %d cells", c.counts, c.cells, i, x)
			}
			for j := range w {
				if segs[i].Count > segs[j].Count && w[i] < w[j] {
					t.Errorf("%v in %d: %d cells for %d but %d for %d", c.counts, c.cells, w[i], segs[i].Count, w[j], segs[j].Count)
				}
			}
		}
		if sum != max(c.cells, len(segs)) {
			t.Errorf("%v in %d: %d cells in all", c.counts, c.cells, sum)
		}
	}
}

var tabKey = tea.KeyPressMsg{Code: tea.KeyTab}
