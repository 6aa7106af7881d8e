package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// tableColumn is one column of -o table: its title, the width it is cut
// to before any column is dropped (squeeze), and how soon it is dropped
// when the terminal is too narrow (higher drops first). The drop order is
// the TUI's (tui/table Columns): the target and urgency stay, then
// exposure, state (here the access), version, distribution, support,
// readiness, CVEs, source, address, latency. The reason, which the TUI
// shows in its detail pane, goes after the readiness, before the support.
type tableColumn struct {
	title   string
	squeeze int
	drop    int
}

// tableColumns are -o table's columns, in display order.
var tableColumns = []tableColumn{
	{"TARGET", 20, 0},
	{"SOURCE", 10, 80},
	{"ADDRESS", 21, 90},
	{"DIST", 9, 40},
	{"VERSION", 20, 30},
	{"EXPOSURE", 8, 10},
	{"ACCESS", 12, 20},
	{"URGENCY", 8, 0},
	{"SUPPORT", 18, 50},
	{"CVES", 12, 70},
	{"READY", 15, 60},
	{"LATENCY", 7, 100},
	{"REASON", 40, 55},
}

// tableGap is the space between two columns.
const tableGap = 2

// minTarget is the narrowest the target column is cut to when nothing
// else is left to drop.
const minTarget = 8

// Table writes one aligned line per target for a terminal, every column
// whole (width 0: a pipe or -o wide). Every cell is cleaned (clean.Line):
// a value cannot drive the terminal, and a tab or line break in it cannot
// shift a column or forge a row.
func Table(w io.Writer, results []scan.Result) error {
	return TableWidth(w, results, 0)
}

// TableWidth is Table fitted to width columns of a terminal: the cells
// that do not fit are cut with "…", first the long ones to their squeeze
// width, then whole columns are dropped, least important first, as the
// TUI drops them. Width 0 or less is no limit.
func TableWidth(w io.Writer, results []scan.Result, width int) error {
	rows := make([][]string, 0, len(results)+1)
	head := make([]string, len(tableColumns))
	for i, c := range tableColumns {
		head[i] = c.title
	}
	rows = append(rows, head)
	for _, r := range results {
		cells := []string{r.Target.Name, source(r), r.Address(), r.Dist.Name, version(r),
			r.Exposure.Level, r.Exposure.Access, urgency(r), support(r), cves(r), assess.ReadyCell(r.Readiness), latency(r), note(r)}
		for i, c := range cells {
			cells[i] = clean.Line(c)
		}
		rows = append(rows, cells)
	}
	cols, widths := tableLayout(rows, width)
	var b strings.Builder
	for _, row := range rows {
		b.Reset()
		for k, c := range cols {
			cell := row[c]
			if ansi.StringWidth(cell) > widths[k] {
				cell = ansi.Truncate(cell, widths[k], "…")
			}
			b.WriteString(cell)
			if k < len(cols)-1 {
				b.WriteString(strings.Repeat(" ", widths[k]-ansi.StringWidth(cell)+tableGap))
			}
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// tableLayout picks the columns shown and their widths: every column at
// its widest cell when that fits in width (or width is no limit); else the
// long cells are cut, the reason first, then the target, then the others,
// each no shorter than its squeeze width; while that is still too wide,
// the least important columns are dropped, and what room that leaves goes
// back to the cut columns in the same order.
func tableLayout(rows [][]string, width int) (cols, widths []int) {
	natural := make([]int, len(tableColumns))
	for _, row := range rows {
		for i, c := range row {
			natural[i] = max(natural[i], ansi.StringWidth(c))
		}
	}
	cols = make([]int, len(tableColumns))
	widths = make([]int, len(tableColumns))
	for i := range cols {
		cols[i], widths[i] = i, natural[i]
	}
	total := func() int {
		t := tableGap * (len(widths) - 1)
		for _, w := range widths {
			t += w
		}
		return t
	}
	if width <= 0 || total() <= width {
		return cols, widths
	}
	// order is the reason, the target, then the rest in display order:
	// the columns cut first and given room back first.
	reason := len(tableColumns) - 1
	order := func() []int {
		var o []int
		for k, c := range cols {
			if c == reason {
				o = append(o, k)
			}
		}
		if cols[0] == 0 {
			o = append(o, 0)
		}
		for k, c := range cols {
			if c != 0 && c != reason {
				o = append(o, k)
			}
		}
		return o
	}
	for _, k := range order() {
		if over := total() - width; over > 0 {
			c := cols[k]
			widths[k] = max(min(widths[k], max(tableColumns[c].squeeze, len(tableColumns[c].title))), widths[k]-over)
		}
	}
	for total() > width {
		worst := -1
		for k, c := range cols {
			if tableColumns[c].drop > 0 && (worst < 0 || tableColumns[c].drop > tableColumns[cols[worst]].drop) {
				worst = k
			}
		}
		if worst < 0 {
			break
		}
		cols = append(cols[:worst], cols[worst+1:]...)
		widths = append(widths[:worst], widths[worst+1:]...)
	}
	if over := total() - width; over > 0 {
		// Only the target and urgency are left: the target gives way.
		widths[0] = max(minTarget, widths[0]-over)
	}
	for _, k := range order() {
		if room := width - total(); room > 0 {
			widths[k] += min(room, natural[cols[k]]-widths[k])
		}
	}
	return cols, widths
}

// tableFooter is the lines under -o table: the data the rows were judged
// with, and what the refresh did.
func tableFooter(w io.Writer, data DataInfo) error {
	_, err := fmt.Fprintf(w, "\ndata: %s, as of %s\n", clean.Line(data.Origin), clean.Line(data.DataAsOf))
	if err == nil && data.Refresh != "" {
		_, err = fmt.Fprintf(w, "%s\n", clean.Line(data.Refresh))
	}
	return err
}
