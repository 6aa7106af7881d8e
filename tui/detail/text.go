package detail

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui/styles"
)

// text renders report sections for a terminal of a given width. The
// sections are the ones the Markdown and HTML reports render, so the
// detail view and an exported report never disagree; this only lays them
// out. Their strings are cleaned of control characters already, which is
// what keeps a hostile server's values from driving the terminal.
type text struct {
	b     strings.Builder
	st    *styles.Styles
	width int
	// label is the width of the widest "Label:" in the current section:
	// aligning a whole section reads better than block by block.
	label int
}

const (
	// indent puts a section's content under its title.
	indent = "  "
	// gap separates table columns.
	gap = 2
	// minWrap is the narrowest column worth wrapping a value into; below
	// it, hanging indents would make a tall sliver, so a line is left to
	// the view's own wrapping instead.
	minWrap = 16
	// minLast is the narrowest last table column a table is still drawn
	// as columns for; narrower, its rows are drawn as labelled records.
	minLast = 24
)

// line writes one free-standing line, such as the lifecycle timeline.
func (t *text) line(s string) {
	t.b.WriteString(indent + s + "\n")
}

// section writes s: its title, then its blocks a blank line apart, their
// fields aligned across the section.
func (t *text) section(s report.Section) {
	if t.b.Len() > 0 {
		t.b.WriteString("\n")
	}
	t.b.WriteString(t.st.Section.Render(s.Title) + "\n")
	t.label = 0
	for _, b := range s.Blocks {
		for _, f := range b.Fields {
			t.label = max(t.label, ansi.StringWidth(f.Label)+1)
		}
	}
	for i, b := range s.Blocks {
		if i > 0 {
			t.b.WriteString("\n")
		}
		t.block(b)
	}
}

// block writes the parts of b in the order the report formats use.
func (t *text) block(b report.Block) {
	if b.Heading != "" {
		t.b.WriteString(indent + t.st.Heading.Render(b.Heading) + "\n")
	}
	if b.Text != "" {
		t.hang(indent, len(indent), b.Text, nil)
	}
	t.fields(b.Fields)
	for _, it := range b.Items {
		t.hang(indent+"• ", len(indent)+2, it, nil)
	}
	if b.Table != nil {
		t.grid(b.Table)
	}
	for _, c := range b.Code {
		// Continuation lines sit deeper than the command's start, so a
		// wrapped command does not read as two.
		t.hang(indent+"  ", len(indent)+4, c, func(s string) string { return t.st.Code.Render(s) })
	}
}

// fields writes aligned "Label: value" lines.
func (t *text) fields(fs []report.Field) {
	w := t.label
	for _, f := range fs {
		w = max(w, ansi.StringWidth(f.Label)+1)
	}
	for _, f := range fs {
		l := f.Label + ":"
		prefix := indent + l + strings.Repeat(" ", w-ansi.StringWidth(l)+1)
		t.hang(prefix, ansi.StringWidth(prefix), t.level(f.Value, f.Level), nil)
	}
}

// level colours the rating word a value starts with. The word itself is
// always printed; the colour only repeats it.
func (t *text) level(value, level string) string {
	if level == "" || !strings.HasPrefix(value, level) {
		return value
	}
	return t.st.LevelWord(level) + value[len(level):]
}

// hang writes s after prefix, wrapped at word boundaries to the width, its
// continuation lines indented by cont cells. style, when set, is applied to
// each line of s on its own, so padding and indents stay unstyled.
func (t *text) hang(prefix string, cont int, s string, style func(string) string) {
	lines := []string{s}
	if avail := t.width - max(ansi.StringWidth(prefix), cont); avail >= minWrap {
		lines = strings.Split(ansi.Wrap(s, avail, " "), "\n")
	}
	for i, l := range lines {
		if style != nil {
			l = style(l)
		}
		if i == 0 {
			t.b.WriteString(prefix + l + "\n")
		} else {
			t.b.WriteString(strings.Repeat(" ", cont) + l + "\n")
		}
	}
}

// grid writes a table as columns as wide as their content, the last one
// wrapped under itself; a link goes on a line of its own under its row. A
// table whose other columns leave the last too little room is written as
// one labelled record per row instead.
func (t *text) grid(g *report.Grid) {
	n := len(g.Head)
	if n == 0 {
		return
	}
	w := make([]int, n)
	for i, h := range g.Head {
		w[i] = ansi.StringWidth(h)
	}
	for _, row := range g.Rows {
		for i, c := range row[:min(n, len(row))] {
			w[i] = max(w[i], ansi.StringWidth(cellText(c)))
		}
	}
	lead := len(indent)
	for _, cw := range w[:n-1] {
		lead += cw + gap
	}
	if t.width-lead < min(w[n-1], minLast) {
		t.records(g)
		return
	}
	var head strings.Builder
	for i, h := range g.Head {
		head.WriteString(h)
		if i < n-1 {
			head.WriteString(strings.Repeat(" ", w[i]-ansi.StringWidth(h)+gap))
		}
	}
	t.b.WriteString(indent + t.st.ColumnHead.Render(head.String()) + "\n")
	for _, row := range g.Rows {
		var line strings.Builder
		line.WriteString(indent)
		last := ""
		for i, c := range row[:min(n, len(row))] {
			s := t.level(cellText(c), c.Level)
			if i == n-1 {
				last = s
				break
			}
			line.WriteString(s + strings.Repeat(" ", w[i]-ansi.StringWidth(cellText(c))+gap))
		}
		t.hang(line.String(), lead, last, nil)
		for _, c := range row {
			if c.Link != "" && c.Link != c.Text {
				t.hang(indent+"  ", len(indent)+2, c.Link, func(s string) string { return t.st.Muted.Render(s) })
			}
		}
	}
}

// records writes each row of a table as "Head: value" lines, rows apart.
func (t *text) records(g *report.Grid) {
	for r, row := range g.Rows {
		if r > 0 {
			t.b.WriteString("\n")
		}
		fs := make([]report.Field, 0, len(row))
		for i, c := range row[:min(len(g.Head), len(row))] {
			v := cellText(c)
			if c.Link != "" && c.Link != c.Text {
				v += " " + c.Link
			}
			fs = append(fs, report.Field{Label: g.Head[i], Value: v, Level: c.Level})
		}
		t.fields(fs)
	}
}

// cellText is what an empty cell shows, as in the report formats.
func cellText(c report.Cell) string {
	if c.Text == "" {
		return "-"
	}
	return c.Text
}

func (t *text) String() string { return t.b.String() }
