package charts

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/tui/common"
)

// glyphs tell a bar's segments apart where colour cannot (NO_COLOR, a
// monochrome terminal, a colour-blind reader): a segment's glyph is its
// name's place in the chart's legend.
var glyphs = []string{"█", "▓", "▒", "░", "▚", "▞", "▪", "·"}

func glyph(i int) string { return glyphs[min(i, len(glyphs)-1)] }

// wideWidth and wideHeight are the size from which all four charts are
// shown at once, two by two; below it, one at a time with a tab bar.
const wideWidth, wideHeight = 150, 34

// Model shows the charts and keeps, per chart, the selected bar and
// segment (-1: the whole bar) and the first bar shown.
type Model struct {
	common.Common
	charts  []Chart
	targets int
	focus   int
	bar     [4]int
	seg     [4]int
	offset  [4]int
}

// New returns the fleet view of an empty fleet.
func New(c common.Common) *Model {
	m := &Model{Common: c, seg: [4]int{-1, -1, -1, -1}}
	m.SetStats(fleet.New(time.Time{}, 0))
	return m
}

// SetStats redraws the charts from new numbers. Each chart's selection
// stays on the bar and segment of the same names when they still exist:
// results arriving while the admin looks must not move the cursor.
func (m *Model) SetStats(s *fleet.Stats) {
	old := m.charts
	m.charts, m.targets = Build(s), s.Targets
	for i := range m.charts {
		if i >= len(old) {
			continue
		}
		bar, seg := 0, -1
		if b, ok := pick(old[i], m.bar[i]); ok {
			for j, nb := range m.charts[i].Bars {
				if nb.Label == b.Label {
					bar = j
					if m.seg[i] >= 0 && m.seg[i] < len(b.Segments) {
						name := b.Segments[m.seg[i]].Name
						for k, s := range nb.Segments {
							if s.Name == name {
								seg = k
							}
						}
					}
				}
			}
		}
		m.bar[i], m.seg[i] = bar, seg
	}
}

func pick(c Chart, i int) (Bar, bool) {
	if i < 0 || i >= len(c.Bars) {
		return Bar{}, false
	}
	return c.Bars[i], true
}

// Targets is how many targets the charts count.
func (m *Model) Targets() int { return m.targets }

// Focus is the index of the chart keys act on.
func (m *Model) Focus() int { return m.focus }

// Selection is the filter terms of the selected bar or segment and the
// selection in words; terms is "" when no filter can name it.
func (m *Model) Selection() (terms, words string) {
	c := m.charts[m.focus]
	b, ok := pick(c, m.bar[m.focus])
	if !ok {
		return "", ""
	}
	words = describe(c, b, m.seg[m.focus])
	if s := m.seg[m.focus]; s >= 0 && s < len(b.Segments) {
		return b.Segments[s].Term, words
	}
	return b.Term, words
}

// Update moves the selection: up and down between bars, left and right
// between a bar's segments (and the whole bar), tab between charts.
func (m *Model) Update(k tea.KeyPressMsg) {
	km := m.KeyMap
	f := m.focus
	n := len(m.charts[f].Bars)
	switch {
	case key.Matches(k, km.NextChart):
		m.focus = (f + 1) % len(m.charts)
	case key.Matches(k, km.PrevChart):
		m.focus = (f + len(m.charts) - 1) % len(m.charts)
	case key.Matches(k, km.Up):
		m.moveBar(-1)
	case key.Matches(k, km.Down):
		m.moveBar(1)
	case key.Matches(k, km.PageUp):
		m.moveBar(-10)
	case key.Matches(k, km.PageDown):
		m.moveBar(10)
	case key.Matches(k, km.Top):
		m.moveBar(-n)
	case key.Matches(k, km.Bottom):
		m.moveBar(n)
	case key.Matches(k, km.NextSegment), key.Matches(k, km.PrevSegment):
		b, ok := pick(m.charts[f], m.bar[f])
		if !ok {
			return
		}
		// -1 (the whole bar) is one more stop in the cycle.
		stops := len(b.Segments) + 1
		d := 1
		if key.Matches(k, km.PrevSegment) {
			d = -1
		}
		m.seg[f] = (m.seg[f]+1+d+stops)%stops - 1
	}
}

func (m *Model) moveBar(d int) {
	f := m.focus
	n := len(m.charts[f].Bars)
	if n == 0 {
		return
	}
	m.bar[f] = max(0, min(n-1, m.bar[f]+d))
	m.seg[f] = -1
}

// View draws the charts in the component's size: all four, two by two,
// on a large terminal, else the focused one under a tab bar. The last
// line names the selection.
func (m *Model) View() string {
	w, h := max(20, m.Width), max(6, m.Height)
	var body string
	if w >= wideWidth && h >= wideHeight {
		cw := (w - 3) / 2
		ch := (h - 2) / 2
		cell := func(i int) string {
			return lipgloss.NewStyle().Width(cw).Height(ch).MaxHeight(ch).Render(m.chart(i, cw, ch, true))
		}
		gap := strings.Repeat(" ", 3)
		top := lipgloss.JoinHorizontal(lipgloss.Top, cell(0), gap, cell(1))
		bottom := lipgloss.JoinHorizontal(lipgloss.Top, cell(2), gap, cell(3))
		body = top + "\n\n" + bottom
	} else {
		body = m.tabs(w) + "\n" + m.chart(m.focus, w, h-2, false)
	}
	return body + "\n" + m.selectionLine(w)
}

func (m *Model) tabs(w int) string {
	st := m.Styles
	short := []string{"Urgency", "Exposure", "Minors", "Timeline"}
	long := 0
	for _, c := range m.charts {
		long += ansi.StringWidth(c.Title) + 2
	}
	var out []string
	for i, c := range m.charts {
		label := c.Title
		if long > w {
			label = short[i]
		}
		if i == m.focus {
			out = append(out, st.ActiveTab.Render(label))
		} else {
			out = append(out, st.Tab.Render(label))
		}
	}
	return ansi.Truncate(strings.Join(out, ""), w, "…")
}

func (m *Model) selectionLine(w int) string {
	st := m.Styles
	terms, words := m.Selection()
	if words == "" {
		return st.Muted.Render("tab: next chart")
	}
	line := "▸ " + words
	if terms != "" {
		line += " · enter: filter the table (" + terms + ")"
	} else {
		line += " · no filter can name this bar"
	}
	return st.Muted.Render(ansi.Truncate(line, w, "…"))
}

// chart draws chart i in w by h cells: title (unless a tab bar names
// it), legend, bars (scrolled to keep the selected one shown), foot.
func (m *Model) chart(i, w, h int, titled bool) string {
	st := m.Styles
	c := m.charts[i]
	var lines []string
	if titled {
		title := c.Title
		if i == m.focus {
			title = "▶ " + title
		}
		lines = append(lines, st.Section.Render(ansi.Truncate(title, w, "…")))
	}
	lines = append(lines, m.legend(c, w))
	if len(c.Bars) == 0 {
		lines = append(lines, st.Muted.Render(ansi.Truncate(c.Empty, w, "…")))
		if c.Foot != "" {
			lines = append(lines, st.Muted.Render(ansi.Truncate(c.Foot, w, "…")))
		}
		return strings.Join(lines, "\n")
	}
	room := max(1, h-len(lines))
	if c.Foot != "" && room > 2 {
		room--
	}
	off := m.offset[i]
	sel := m.bar[i]
	if sel < off {
		off = sel
	}
	if sel >= off+room {
		off = sel - room + 1
	}
	off = max(0, min(off, len(c.Bars)-room))
	m.offset[i] = off

	labelW, countW, maxTotal := 0, 1, 1
	for _, b := range c.Bars {
		labelW = max(labelW, ansi.StringWidth(b.Label))
		countW = max(countW, len(strconv.Itoa(b.Total)))
		maxTotal = max(maxTotal, b.Total)
	}
	labelW = min(labelW, max(6, w/4))
	// cursor, mark, label, space, bar, space, count
	fixed := 2 + 1 + labelW + 1 + 1 + countW
	barW := max(4, w-fixed)
	if c.Bars[0].Note != "" || anyNote(c) {
		barW = max(4, min(barW, (w-fixed)/2))
	}
	for j := off; j < min(len(c.Bars), off+room); j++ {
		b := c.Bars[j]
		cur := "  "
		seg := -2
		if j == sel {
			cur = "▸ "
			seg = m.seg[i]
		}
		mark := b.Mark
		if mark == "" {
			mark = " "
		}
		if mark == "┃" {
			mark = st.Level["current"].Render(mark)
		}
		label := ansi.Truncate(b.Label, labelW, "…")
		label += strings.Repeat(" ", labelW-ansi.StringWidth(label))
		if j == sel && seg < 0 {
			label = st.Cursor.Render(label)
		}
		line := cur + mark + label + " " + m.drawBar(c, b, barW, maxTotal, seg) + " " + pad(strconv.Itoa(b.Total), countW)
		if b.Note != "" {
			if room := w - ansi.StringWidth(line) - 1; room > 3 {
				line += " " + st.Muted.Render(ansi.Truncate(b.Note, room, "…"))
			}
		}
		lines = append(lines, line)
	}
	if c.Foot != "" && len(lines) < h {
		more := ""
		if len(c.Bars) > room {
			more = strconv.Itoa(off+1) + "-" + strconv.Itoa(min(len(c.Bars), off+room)) + " of " + strconv.Itoa(len(c.Bars)) + " · "
		}
		lines = append(lines, st.Muted.Render(ansi.Truncate(more+c.Foot, w, "…")))
	}
	return strings.Join(lines, "\n")
}

func anyNote(c Chart) bool {
	for _, b := range c.Bars {
		if b.Note != "" {
			return true
		}
	}
	return false
}

func pad(s string, w int) string {
	return strings.Repeat(" ", max(0, w-len(s))) + s
}

// drawBar draws b's segments in width cells scaled to the chart's largest
// bar: each segment at least one cell, the selected one (sel) reversed.
func (m *Model) drawBar(c Chart, b Bar, width, maxTotal, sel int) string {
	st := m.Styles
	cells := width * b.Total / maxTotal
	cells = max(cells, len(b.Segments))
	widths := apportion(b.Segments, cells)
	var sb strings.Builder
	used := 0
	for k, s := range b.Segments {
		g := glyph(legendIndex(c, s.Name))
		text := strings.Repeat(g, widths[k])
		style := st.Row
		if t, ok := st.Level[tone(c, s.Name)]; ok {
			style = t
		}
		if k == sel {
			style = style.Reverse(true)
		}
		sb.WriteString(style.Render(text))
		used += widths[k]
	}
	sb.WriteString(strings.Repeat(" ", max(0, width-used)))
	return sb.String()
}

// apportion splits cells between the segments by count, largest
// remainders first, each segment at least one cell.
func apportion(segs []Segment, cells int) []int {
	out := make([]int, len(segs))
	total := 0
	for _, s := range segs {
		total += s.Count
	}
	if total == 0 || len(segs) == 0 {
		return out
	}
	left := cells - len(segs)
	rem := make([]int, len(segs))
	given := 0
	for i, s := range segs {
		out[i] = 1 + left*s.Count/total
		rem[i] = left * s.Count % total
		given += out[i]
	}
	for given < cells {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
		given++
	}
	return out
}

func legendIndex(c Chart, name string) int {
	for i, l := range c.Legend {
		if l == name {
			return i
		}
	}
	return len(glyphs) - 1
}

// tone is the level word whose colour a segment takes: its own name on
// the urgency and exposure scales, the chart's mapping otherwise.
func tone(c Chart, name string) string {
	if t, ok := c.Tones[name]; ok {
		return t
	}
	return name
}

func (m *Model) legend(c Chart, w int) string {
	st := m.Styles
	var parts []string
	for i, l := range c.Legend {
		g := glyph(i)
		if t, ok := st.Level[tone(c, l)]; ok {
			g = t.Render(g)
		}
		parts = append(parts, g+" "+l)
	}
	if len(parts) == 0 {
		return ""
	}
	return ansi.Truncate(strings.Join(parts, "  "), w, "…")
}
