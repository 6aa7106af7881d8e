// Package table is the triage table: every target a row, sortable by any
// column, filtered by the `/` query, with a selection. It renders only the
// rows that fit on screen, so ten thousand rows cost what a screenful does.
package table

import (
	"cmp"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/tui/common"
	"github.com/kubesurface/kubesurface/tui/filter"
)

// Model is the table's state. Rows are kept by ID; sorted holds every ID
// in the current order and view the ones the filter lets through.
type Model struct {
	common.Common
	rows     []*Row
	sorted   []int
	view     []int
	cursor   int // index into view
	offset   int // first visible index into view
	selected map[int]bool
	sortCol  int
	sortDesc bool
	query    filter.Query
	// orders caches the row order per column and direction until rows
	// change, so cycling through sort keys costs a filter pass, not a sort.
	orders map[sortOrder][]int
}

type sortOrder struct {
	col  int
	desc bool
}

// New returns an empty table sorted by urgency, most urgent first.
func New(c common.Common) *Model {
	return &Model{Common: c, selected: map[int]bool{}, sortCol: ColUrgency, sortDesc: true}
}

// SetRows replaces every row (a new scan).
func (m *Model) SetRows(rows []*Row) {
	m.rows = rows
	m.sorted = make([]int, len(rows))
	for i := range rows {
		m.sorted[i] = i
	}
	m.orders = nil
	m.resort()
}

// Update replaces some rows with newer results: one sort and one filter
// pass for the whole batch, and the cursor stays on the row it was on.
func (m *Model) Update(rows []*Row) {
	for _, r := range rows {
		if r.ID >= 0 && r.ID < len(m.rows) {
			m.rows[r.ID] = r
		}
	}
	m.orders = nil
	m.resort()
}

// Len is the number of rows; Visible the number the filter lets through.
func (m *Model) Len() int     { return len(m.rows) }
func (m *Model) Visible() int { return len(m.view) }

// Rows returns every row by ID.
func (m *Model) Rows() []*Row { return m.rows }

// EachVisible calls f with each row the filter lets through, in order:
// the fleet view sums what the table shows.
func (m *Model) EachVisible(f func(*Row)) {
	for _, id := range m.view {
		f(m.rows[id])
	}
}

// Current is the row under the cursor, nil when none is visible.
func (m *Model) Current() *Row {
	if m.cursor < 0 || m.cursor >= len(m.view) || m.view[m.cursor] >= len(m.rows) {
		// (The last case while SetRows replaces the rows with fewer.)
		return nil
	}
	return m.rows[m.view[m.cursor]]
}

// Selected returns the selected rows in the table's order.
func (m *Model) Selected() []*Row {
	var out []*Row
	for _, id := range m.sorted {
		if m.selected[id] {
			out = append(out, m.rows[id])
		}
	}
	return out
}

// SelectedCount is how many rows are selected.
func (m *Model) SelectedCount() int { return len(m.selected) }

// Toggle selects or deselects the current row and moves down, as in
// file managers.
func (m *Model) Toggle() {
	if row := m.Current(); row != nil {
		if m.selected[row.ID] {
			delete(m.selected, row.ID)
		} else {
			m.selected[row.ID] = true
		}
		m.Move(1)
	}
}

// SelectVisible selects every row the filter lets through.
func (m *Model) SelectVisible() {
	for _, id := range m.view {
		m.selected[id] = true
	}
}

// ClearSelection deselects everything.
func (m *Model) ClearSelection() { m.selected = map[int]bool{} }

// Sort orders by column col; choosing the current column again reverses.
func (m *Model) Sort(col int) {
	if col < 0 || col >= numCols {
		return
	}
	if col == m.sortCol {
		m.sortDesc = !m.sortDesc
	} else {
		m.sortCol, m.sortDesc = col, col == ColUrgency || col == ColExposure || col == ColCVEs || col == ColReady
	}
	m.resort()
}

// SortNext moves the sort to the next column.
func (m *Model) SortNext() { m.Sort((m.sortCol + 1) % numCols) }

// Reverse flips the sort direction.
func (m *Model) Reverse() { m.Sort(m.sortCol) }

// SortState is the column and direction, for the header.
func (m *Model) SortState() (col int, desc bool) { return m.sortCol, m.sortDesc }

// SetFilter applies a query. A query that only narrows the previous one
// filters the rows already shown, in their order, instead of all rows.
func (m *Model) SetFilter(q filter.Query) {
	from := m.sorted
	if q.Refines(m.query) {
		from = m.view
	}
	m.query = q
	m.apply(from)
}

// Filter is the query in force.
func (m *Model) Filter() filter.Query { return m.query }

func (m *Model) resort() {
	key := sortOrder{m.sortCol, m.sortDesc}
	if cached, ok := m.orders[key]; ok {
		m.sorted = cached
		m.apply(m.sorted)
		return
	}
	col, desc := m.sortCol, m.sortDesc
	rows := m.rows
	// A fresh slice: cached orders are shared and never sorted in place.
	// The tie-break on ID makes the order total: an unstable sort gives
	// the stable result, from any starting order.
	sorted := slices.Clone(m.sorted)
	slices.SortFunc(sorted, func(i, j int) int {
		a, b := &rows[i].keys[col], &rows[j].keys[col]
		c := cmp.Compare(a.n, b.n)
		if c == 0 {
			c = strings.Compare(a.s, b.s)
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(i, j)
		}
		return c
	})
	if m.orders == nil {
		m.orders = map[sortOrder][]int{}
	}
	m.orders[key] = sorted
	m.sorted = sorted
	m.apply(m.sorted)
}

// apply filters from (already in sort order) and keeps the cursor on the
// same row when it is still visible.
func (m *Model) apply(from []int) {
	current := -1
	if row := m.Current(); row != nil {
		current = row.ID
	}
	view := make([]int, 0, len(from))
	for _, id := range from {
		if m.query.Empty() || m.query.Match(m.rows[id]) {
			view = append(view, id)
		}
	}
	m.view = view
	m.cursor = 0
	if current >= 0 {
		for i, id := range view {
			if id == current {
				m.cursor = i
				break
			}
		}
	}
	m.clamp()
}

// Move moves the cursor by n rows.
func (m *Model) Move(n int) {
	m.cursor += n
	m.clamp()
}

// Top and Bottom jump to the ends.
func (m *Model) Top()    { m.cursor = 0; m.clamp() }
func (m *Model) Bottom() { m.cursor = len(m.view) - 1; m.clamp() }

// Page moves by a screenful.
func (m *Model) Page(dir int) { m.Move(dir * max(1, m.bodyHeight()-1)) }

func (m *Model) bodyHeight() int { return max(1, m.Height-1) }

func (m *Model) clamp() {
	if m.cursor >= len(m.view) {
		m.cursor = len(m.view) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	h := m.bodyHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	if m.offset > max(0, len(m.view)-h) {
		m.offset = max(0, len(m.view)-h)
	}
	if m.offset < 0 {
		m.offset = 0
	}
}

// SetSize fits the table to w x h (header line included).
func (m *Model) SetSize(w, h int) {
	m.Common.SetSize(w, h)
	m.clamp()
}

// layout picks the columns that fit in the width, dropping the least
// important first, and gives the target column what is left.
func (m *Model) layout() ([]int, []int) {
	cols := make([]int, 0, numCols)
	for i := range Columns {
		cols = append(cols, i)
	}
	width := func(cs []int) int {
		w := 2 // selection mark
		for _, c := range cs {
			w += Columns[c].Width + 1
		}
		return w
	}
	for width(cols) > m.Width && len(cols) > 2 {
		worst := 0
		for i, c := range cols {
			if Columns[c].Drop > Columns[cols[worst]].Drop {
				worst = i
			}
		}
		cols = append(cols[:worst], cols[worst+1:]...)
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = Columns[c].Width
	}
	if extra := m.Width - width(cols); extra > 0 {
		widths[0] += extra // the target name gets the room
	} else if extra < 0 {
		widths[0] = max(8, widths[0]+extra)
	}
	return cols, widths
}

// View renders the header and the visible window of rows.
func (m *Model) View() string {
	st := m.Styles
	cols, widths := m.layout()
	var b strings.Builder
	b.WriteString("  ")
	for i, c := range cols {
		title := Columns[c].Title
		if c == m.sortCol {
			if m.sortDesc {
				title += "▼"
			} else {
				title += "▲"
			}
		}
		b.WriteString(st.ColumnHead.Render(fit(title, widths[i])))
		b.WriteByte(' ')
	}
	b.WriteByte('\n')
	if len(m.view) == 0 {
		return b.String()
	}
	end := min(len(m.view), m.offset+m.bodyHeight())
	for vi := m.offset; vi < end; vi++ {
		row := m.rows[m.view[vi]]
		var line strings.Builder
		if m.selected[row.ID] {
			line.WriteString("● ")
		} else {
			line.WriteString("  ")
		}
		for i, c := range cols {
			cell := fit(row.Cells[c], widths[i])
			if vi != m.cursor {
				cell = m.colour(c, row, cell)
			}
			line.WriteString(cell)
			line.WriteByte(' ')
		}
		text := line.String()
		switch {
		case vi == m.cursor:
			text = st.Cursor.Render(text)
		case m.selected[row.ID]:
			text = st.Selected.Render(text)
		}
		b.WriteString(text)
		if vi < end-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// colour paints level words; the words themselves are always printed.
func (m *Model) colour(col int, row *Row, cell string) string {
	switch col {
	case ColUrgency:
		if u := row.Result.Urgency; u != nil {
			if s, ok := m.Styles.Level[u.Level]; ok {
				return s.Render(cell)
			}
		}
	case ColExposure:
		if s, ok := m.Styles.Level[row.Result.Exposure.Level]; ok && row.Cells[ColExposure] != "-" {
			return s.Render(cell)
		}
	case ColReady:
		if rd := row.Result.Readiness; rd != nil {
			if s, ok := m.Styles.Level[rd.Verdict]; ok {
				return s.Render(cell)
			}
		}
	case ColState:
		if row.Result.State == "failed" {
			return m.Styles.Error.Render(cell)
		}
	}
	return cell
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}
