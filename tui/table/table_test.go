package table

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui/common"
	"github.com/kubesurface/kubesurface/tui/filter"
)

var (
	dists   = []string{"eks", "gke", "aks", "k3s", "kubeadm"}
	levels  = []string{"critical", "high", "medium", "low", "current", "unknown"}
	access  = []string{"tls", "health", "version", "discovery", "read"}
	reaches = []string{"public", "private", "loopback"}
)

// synthetic makes n finished results with varied verdicts, deterministic.
func synthetic(n int) []*Row {
	rng := rand.New(rand.NewSource(1))
	rows := make([]*Row, n)
	for i := range rows {
		minor := 24 + rng.Intn(13)
		lvl := levels[rng.Intn(len(levels))]
		r := scan.Result{
			Target:   scan.Ref{Name: fmt.Sprintf("cluster-%05d", i), Source: scan.SourceEndpoint, URL: fmt.Sprintf("https://10.%d.%d.%d:6443", i>>16&255, i>>8&255, i&255)},
			State:    scan.StateDone,
			Dist:     scan.Distribution{Name: dists[rng.Intn(len(dists))]},
			Version:  &scan.Version{GitVersion: fmt.Sprintf("v1.%d.%d", minor, rng.Intn(15))},
			Exposure: scan.Exposure{Level: levels[rng.Intn(4)], Access: access[rng.Intn(len(access))], Reach: reaches[rng.Intn(len(reaches))]},
			Connect:  &scan.Connect{Address: fmt.Sprintf("10.0.%d.%d:6443", i>>8&255, i&255), LatencyMS: int64(rng.Intn(300))},
			Urgency: &scan.Urgency{Level: lvl, Priority: rng.Intn(60), Reason: "synthetic",
				Lifecycle: &scan.Lifecycle{Phase: "standard", EndOfStandardSupport: "2027-01-01", DaysLeft: rng.Intn(400) - 100}},
		}
		rows[i] = NewRow(i, r)
	}
	return rows
}

func newTable(n, w, h int) *Model {
	m := New(common.New(true))
	m.SetSize(w, h)
	m.SetRows(synthetic(n))
	return m
}

func ids(m *Model) []int {
	out := make([]int, len(m.view))
	copy(out, m.view)
	return out
}

func TestSortBothDirectionsStable(t *testing.T) {
	m := newTable(500, 160, 40)
	for col := 0; col < numCols; col++ {
		m.Sort(col)
		_, desc := m.SortState()
		for i := 1; i < len(m.view); i++ {
			a, b := m.rows[m.view[i-1]].keys[col], m.rows[m.view[i]].keys[col]
			before := a.n < b.n || a.n == b.n && a.s < b.s
			if desc {
				before = a.n > b.n || a.n == b.n && a.s > b.s
			}
			equal := a == b
			if !before && !equal {
				t.Fatalf("col %d desc=%v: rows %d and %d out of order", col, desc, m.view[i-1], m.view[i])
			}
			if equal && m.view[i-1] > m.view[i] {
				t.Fatalf("col %d: equal keys not in original order (unstable)", col)
			}
		}
		first := ids(m)
		m.Reverse()
		if _, d := m.SortState(); d == desc {
			t.Fatalf("Reverse did not flip the direction")
		}
		allEqual := true
		for _, id := range m.view {
			allEqual = allEqual && m.rows[id].keys[col] == m.rows[m.view[0]].keys[col]
		}
		if !allEqual && fmt.Sprint(ids(m)) == fmt.Sprint(first) {
			t.Errorf("col %d: reversing changed nothing", col)
		}
	}
}

func TestCursorFollowsItsRowThroughSortAndUpdate(t *testing.T) {
	m := newTable(200, 160, 40)
	m.Move(17)
	id := m.Current().ID
	m.Sort(ColTarget)
	if m.Current().ID != id {
		t.Fatalf("after sort the cursor is on %d, want %d", m.Current().ID, id)
	}
	r := m.rows[id].Result
	r.Urgency = &scan.Urgency{Level: "critical", Priority: 9999}
	m.Update([]*Row{NewRow(id, r)})
	if m.Current().ID != id {
		t.Fatalf("after an update the cursor moved to %d", m.Current().ID)
	}
}

// TestNarrowingFilterEqualsFullFilter: typing character by character (the
// narrowing fast path) must give exactly what filtering from scratch gives.
func TestNarrowingFilterEqualsFullFilter(t *testing.T) {
	m := newTable(3000, 160, 40)
	full := func(q filter.Query) []int {
		var out []int
		for _, id := range m.sorted {
			if q.Match(m.rows[id]) {
				out = append(out, id)
			}
		}
		return out
	}
	for _, q := range []string{"urgency:critical dist:eks", "cluster-001", "exposure:high eks", "v1.3"} {
		m.SetFilter(filter.Parse(""))
		for i := 1; i <= len(q); i++ {
			m.SetFilter(filter.Parse(q[:i]))
			want := full(filter.Parse(q[:i]))
			if fmt.Sprint(ids(m)) != fmt.Sprint(want) && !(len(want) == 0 && len(m.view) == 0) {
				t.Fatalf("%q: narrowed view (%d rows) differs from full filter (%d rows)", q[:i], len(m.view), len(want))
			}
		}
		for i := len(q) - 1; i >= 0; i-- { // backspacing widens again
			m.SetFilter(filter.Parse(q[:i]))
		}
		if len(m.view) != 3000 {
			t.Fatalf("after clearing %q: %d rows visible", q, len(m.view))
		}
	}
}

func TestSelection(t *testing.T) {
	m := newTable(50, 160, 40)
	m.Toggle()
	m.Toggle()
	if m.SelectedCount() != 2 || len(m.Selected()) != 2 {
		t.Fatalf("selected %d", m.SelectedCount())
	}
	m.SetFilter(filter.Parse("dist:eks"))
	m.SelectVisible()
	if m.SelectedCount() < m.Visible() {
		t.Fatalf("select visible: %d selected, %d visible", m.SelectedCount(), m.Visible())
	}
	m.ClearSelection()
	if m.SelectedCount() != 0 {
		t.Fatal("clear selection left rows selected")
	}
}

// TestRendersOnlyTheWindowAndFitsTheWidth: 10,000 rows draw a screenful,
// and a narrow terminal drops columns instead of wrapping.
func TestRendersOnlyTheWindowAndFitsTheWidth(t *testing.T) {
	for _, w := range []int{160, 100, 80, 60} {
		m := newTable(10000, w, 24)
		m.Bottom()
		lines := strings.Split(m.View(), "\n")
		if len(lines) != 24 {
			t.Fatalf("width %d: %d lines, want 24", w, len(lines))
		}
		for i, l := range lines {
			if got := len([]rune(stripANSI(l))); got > w {
				t.Fatalf("width %d: line %d is %d cells", w, i, got)
			}
		}
		if !strings.Contains(lines[len(lines)-1], m.Current().Cells[ColTarget]) {
			t.Errorf("width %d: the last visible line is not the cursor row after G", w)
		}
		head := stripANSI(lines[0])
		if w == 80 && strings.Contains(head, "ADDRESS") {
			t.Errorf("80 columns still shows ADDRESS: %q", head)
		}
		if !strings.Contains(head, "URGENCY") || !strings.Contains(head, "TARGET") {
			t.Errorf("width %d lost an essential column: %q", w, head)
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	esc := false
	for _, r := range s {
		switch {
		case r == 0x1b:
			esc = true
		case esc && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'):
			esc = false
		case !esc:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// The READY column: its cell, the ready: filter values (none for a
// cluster with no hop to take) and a sort that puts blocked rows first,
// those blocked by more APIs before the others.
func TestReadyColumn(t *testing.T) {
	hops := func(verdict string, apis int) *scan.Readiness {
		h := scan.HopReadiness{From: "1.35", To: "1.36", Verdict: verdict}
		for range apis {
			h.APIs = append(h.APIs, scan.APIInUse{Version: "v1beta1", Resource: "things", Source: "metric"})
		}
		return &scan.Readiness{Verdict: verdict, Hops: []scan.HopReadiness{h}}
	}
	cases := []struct {
		name   string
		rd     *scan.Readiness
		cell   string
		values []string
	}{
		{"two-apis", hops("blocked", 2), "blocked: 2 APIs", []string{"blocked", "blocked: 2 apis"}},
		{"skew", hops("blocked", 0), "blocked: skew", []string{"blocked", "blocked: skew"}},
		{"unknown", hops("unknown", 0), "unknown", []string{"unknown", "unknown"}},
		{"ready", hops("ready", 0), "ready", []string{"ready", "ready"}},
		{"newest", &scan.Readiness{Reason: "no hop to take"}, "-", []string{"none", "-"}},
		{"not-judged", nil, "-", nil},
	}
	var rows []*Row
	for i, c := range cases {
		row := NewRow(i, scan.Result{Target: scan.Ref{Name: c.name}, State: scan.StateDone, Readiness: c.rd})
		if row.Cells[ColReady] != c.cell || fmt.Sprint(row.Field("ready")) != fmt.Sprint(c.values) {
			t.Errorf("%s: cell %q, ready: %q", c.name, row.Cells[ColReady], row.Field("ready"))
		}
		rows = append(rows, row)
	}
	m := New(common.New(true))
	m.SetSize(200, 20)
	m.SetRows(rows)
	m.Sort(ColReady)
	var order []string
	for _, id := range m.view {
		order = append(order, m.rows[id].Result.Target.Name)
	}
	if want := "[two-apis skew unknown ready newest not-judged]"; fmt.Sprint(order) != want {
		t.Errorf("sorted by READY: %v, want %s", order, want)
	}
	m.SetFilter(filter.Parse("ready:blocked"))
	if m.Visible() != 2 {
		t.Errorf("ready:blocked lets %d rows through", m.Visible())
	}
}

// TestFuzzyWordsMatchWithinOneCell: a fuzzy word is looked for in each
// cell, not in the row's cells run together, where a few letters are found
// in order in almost every row.
func TestFuzzyWordsMatchWithinOneCell(t *testing.T) {
	row := func(name, dist string) *Row {
		return NewRow(0, scan.Result{Target: scan.Ref{Name: name, Source: scan.SourceEndpoint}, State: scan.StateDone,
			Dist: scan.Distribution{Name: dist}, Version: &scan.Version{GitVersion: "v1.33.2"}})
	}
	demoEKS, demoK3s := row("demo-eks", "eks"), row("demo-k3s", "k3s")
	for _, c := range []struct {
		query    string
		eks, k3s bool
	}{
		{"dmeks", true, false}, // the name, not d and m there and eks in DIST
		{"demo", true, true},
		{"dmk3", false, true},
		{"dm k3s", false, true},
		{"k3s", false, true},
		{"v133", true, true},
	} {
		q := filter.Parse(c.query)
		if got := q.Match(demoEKS); got != c.eks {
			t.Errorf("%q on demo-eks = %v, want %v", c.query, got, c.eks)
		}
		if got := q.Match(demoK3s); got != c.k3s {
			t.Errorf("%q on demo-k3s = %v, want %v", c.query, got, c.k3s)
		}
	}
}
