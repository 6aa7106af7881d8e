package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
)

// tableOf writes results as -o format at width and returns the table's
// lines (header first), without the footer.
func tableOf(t *testing.T, format string, results []scan.Result, width int) []string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, results, fixtureAt, fixtureData, Options{Width: width}); err != nil {
		t.Fatal(err)
	}
	out, _, ok := strings.Cut(b.String(), "\n\ndata: ")
	if !ok {
		t.Fatalf("no footer:\n%s", b.String())
	}
	return strings.Split(out, "\n")
}

// TestTableFitsTheWidth: on a terminal of width columns -o table fits in
// it: long cells are cut with …, and the columns are dropped in the TUI's
// order (least important first), never the target or the urgency.
func TestTableFitsTheWidth(t *testing.T) {
	results := fixtures()
	full := tableOf(t, "table", results, 0)
	if ansi.StringWidth(full[1]) <= 120 {
		t.Fatalf("the fixtures' table is only %d wide: nothing to fit", ansi.StringWidth(full[1]))
	}
	drop := map[string]int{}
	for _, c := range tableColumns {
		drop[c.title] = c.drop
	}
	for _, width := range []int{30, 40, 60, 80, 100, 120, 160, 200} {
		lines := tableOf(t, "table", results, width)
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width {
				t.Errorf("width %d: a line of %d: %q", width, w, l)
			}
		}
		shown := strings.Fields(lines[0])
		if !slices.Contains(shown, "TARGET") || !slices.Contains(shown, "URGENCY") {
			t.Errorf("width %d: header %q lacks the target or the urgency", width, lines[0])
		}
		// Every column dropped is less important than every one shown.
		for _, c := range tableColumns {
			if slices.Contains(shown, c.title) {
				continue
			}
			for _, s := range shown {
				if drop[s] > c.drop {
					t.Errorf("width %d: %s dropped before %s", width, c.title, s)
				}
			}
		}
	}
	lines80 := tableOf(t, "table", results, 80)
	if !strings.HasPrefix(lines80[3], "dev <script>alert(1)</scri…  ") {
		t.Errorf("at 80 columns the long target is not cut with …: %q", lines80[3])
	}
	at80 := strings.Fields(lines80[0])
	if want := []string{"TARGET", "VERSION", "EXPOSURE", "ACCESS", "URGENCY"}; !slices.Equal(at80, want) {
		t.Errorf("at 80 columns: %q, want %q", at80, want)
	}
	// A terminal wide enough for it all gets the table as a pipe does.
	if got := tableOf(t, "table", results, 1000); !slices.Equal(got, full) {
		t.Errorf("at 1000 columns the table differs from the full one")
	}
}

// TestTableWideIsEveryColumnWhole: -o wide ignores the width: every column,
// no cell cut, as -o table writes to a pipe.
func TestTableWideIsEveryColumnWhole(t *testing.T) {
	results := fixtures()
	wide := tableOf(t, "wide", results, 40)
	if !slices.Equal(wide, tableOf(t, "table", results, 0)) {
		t.Errorf("-o wide at 40 columns differs from the table to a pipe")
	}
	var want []string
	for _, c := range tableColumns {
		want = append(want, c.title)
	}
	if got := strings.Fields(wide[0]); !slices.Equal(got, want) {
		t.Errorf("header %q, want %q", got, want)
	}
	all := strings.Join(wide, "\n")
	for _, whole := range []string{"1.29 is in EKS extended support until 2026-03-23", "connect 203.0.113.99:6443: connection refused", "v1.29.3-eks-adc7111"} {
		if !strings.Contains(all, whole) {
			t.Errorf("-o wide lacks %q whole:\n%s", whole, all)
		}
	}
	if strings.Contains(all, "…") {
		t.Errorf("-o wide cut a cell:\n%s", all)
	}
}

// TestTableSourceIsNamedAsInTheJSON: SOURCE says kubeconfig or endpoint,
// as target.source does, not "context".
func TestTableSourceIsNamedAsInTheJSON(t *testing.T) {
	lines := tableOf(t, "wide", fixtures(), 0)
	col := strings.Index(lines[0], "SOURCE")
	var got []string
	for _, l := range lines[1:] {
		got = append(got, strings.Fields(l[col:])[0])
	}
	if want := []string{scan.SourceKubeconfig, scan.SourceEndpoint, scan.SourceKubeconfig}; !slices.Equal(got, want) {
		t.Errorf("SOURCE %q, want %q", got, want)
	}
}

// TestTableCutsHostileTextSafely: cells cut to fit are cut after they are
// cleaned, so a cut never leaves a control or bidirectional character, and
// a value still cannot break its line.
func TestTableCutsHostileTextSafely(t *testing.T) {
	rs := poisoned(cleantest.Payload + cleantest.Invalid)
	for _, width := range []int{30, 60, 100} {
		lines := tableOf(t, "table", rs, width)
		cleantest.Check(t, "table", strings.Join(lines, "\n"))
		if len(lines) != len(rs)+1 {
			t.Errorf("width %d: %d lines for %d results", width, len(lines), len(rs))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width {
				t.Errorf("width %d: a line of %d: %q", width, w, l)
			}
		}
	}
}
