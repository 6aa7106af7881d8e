package tui

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/tui/detail"
	"github.com/kubesurface/kubesurface/tui/keys"
)

// finished is a model of the four fixture targets, their results in,
// laid out at w x h: no program runs, keys go straight to Update.
func finished(t *testing.T, w, h int) *Model {
	t.Helper()
	ts := targets(t)
	cfg := config(t, released(), ts)
	for _, tg := range ts {
		cfg.Results = append(cfg.Results, done(tg))
	}
	m := New(t.Context(), cfg)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func (m *Model) press(t *testing.T, ks ...tea.KeyPressMsg) tea.Cmd {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range ks {
		_, cmd = m.Update(k)
	}
	return cmd
}

// helpText is the whole help, as the screen shows it page by page from
// the top (j moves it a line at a time); each screen must fit the width.
func helpText(t *testing.T, m *Model) string {
	t.Helper()
	var seen []string
	for range 200 {
		lines := strings.Split(plain(m), "\n")
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > m.common.Width {
				t.Errorf("help line %d is %d cells wide at %d columns: %q", i+1, w, m.common.Width, l)
			}
		}
		body := lines[5 : len(lines)-2] // below the header, title and its line; above the status and key bar
		if len(seen) == 0 {
			for _, l := range body {
				seen = append(seen, strings.TrimRight(l, " "))
			}
		} else {
			seen = append(seen, strings.TrimRight(body[len(body)-1], " "))
		}
		if m.helpTop == max(0, len(m.helpLines())-m.helpPage()) {
			break
		}
		m.press(t, char('j'))
	}
	if m.mode != modeHelp {
		t.Fatalf("scrolling closed the help (mode %d)", m.mode)
	}
	return strings.Join(seen, "\n")
}

// TestHelpShowsEveryKeyOfEveryBinding: whatever the width, the `?` page
// holds every binding of the key map, each with every key it answers to,
// and its text is wrapped, never cut.
func TestHelpShowsEveryKeyOfEveryBinding(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 40}, {100, 12}} {
		m := finished(t, size[0], size[1])
		m.press(t, char('?'))
		if m.mode != modeHelp || !strings.Contains(plain(m), "q quits; ↑/↓, pgup/pgdn, g/G scroll; any other key closes this help.") {
			t.Fatalf("%dx%d: ? does not show the help:\n%s", size[0], size[1], plain(m))
		}
		all := helpText(t, m)
		for _, b := range keys.Default().Bindings() {
			if u := keys.Unnamed(b.Binding); len(u) > 0 {
				t.Errorf("the help of %s does not name its keys %q", b.Field, u)
			}
			h := b.Help()
			if !regexp.MustCompile(`(?m)(^|\s)` + regexp.QuoteMeta(h.Key) + ` +` + regexp.QuoteMeta(h.Desc) + `( |$)`).MatchString(all) {
				t.Errorf("%dx%d: the help does not show %s (%q %q):\n%s", size[0], size[1], b.Field, h.Key, h.Desc, all)
			}
		}
		// The prose, whole: wrapped lines joined again.
		prose := strings.Join(strings.Fields(all), " ")
		for _, w := range []string{"All terms must match; the rows keep their sort.", "Columns 1-0: 1 target,", "0 cves.",
			"In the detail view (enter), 1-8 go to its tabs.", "forced, week, target."} {
			if !strings.Contains(prose, w) {
				t.Errorf("%dx%d: the help lacks %q:\n%s", size[0], size[1], w, all)
			}
		}
		m.press(t, char('x'))
		if m.mode != modeTable {
			t.Errorf("%dx%d: x did not close the help", size[0], size[1])
		}
	}
}

// TestQuitQuitsFromHelp: as the help says, q quits there (as in every
// view) and any other key closes it.
func TestQuitQuitsFromHelp(t *testing.T) {
	m := finished(t, 120, 30)
	m.press(t, char('?'))
	cmd := m.press(t, char('q'))
	if cmd == nil || m.ctx.Err() == nil {
		t.Fatal("q in the help did not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q in the help did not ask the program to quit")
	}
	m = finished(t, 120, 30)
	m.press(t, char('?'), keyEsc)
	if m.mode != modeTable || m.ctx.Err() != nil {
		t.Errorf("esc in the help: mode %d, quit %v", m.mode, m.ctx.Err())
	}
}

// TestDetailViewKeys: in the detail view the numbers its tab bar shows go
// to those tabs (the table's sort stays as it was), ? shows the view's own
// keys and returns to it, and the bar under it names its keys, not the
// table's.
func TestDetailViewKeys(t *testing.T) {
	m := finished(t, 80, 24)
	col, desc := m.table.SortState()
	m.press(t, keyEnter)
	if m.mode != modeDetail {
		t.Fatalf("enter did not open the detail view")
	}
	p := plain(m)
	bar := p[strings.LastIndex(p, "\n")+1:]
	for _, w := range []string{"tab N", "rescan", "back", "? help", "q quit"} {
		if !strings.Contains(bar, w) {
			t.Errorf("the detail view's bar lacks %q: %q", w, bar)
		}
	}
	for _, w := range []string{"filter", "select", "sort"} {
		if strings.Contains(bar, w) {
			t.Errorf("the detail view's bar names the table's %q: %q", w, bar)
		}
	}
	for _, c := range []struct {
		key rune
		tab int
	}{{'3', 2}, {'8', 7}, {'9', 7}, {'0', 7}, {'1', 0}, {'5', 4}} {
		m.press(t, char(c.key))
		if m.mode != modeDetail || m.detail.Tab() != c.tab {
			t.Errorf("%c: mode %d tab %d, want the detail view's tab %d", c.key, m.mode, m.detail.Tab(), c.tab)
		}
		if c.tab < len(detail.Tabs) && !strings.Contains(plain(m), detail.Tabs[c.tab]) {
			t.Errorf("%c: tab %q is not shown", c.key, detail.Tabs[c.tab])
		}
	}
	if c, d := m.table.SortState(); c != col || d != desc {
		t.Errorf("number keys in the detail view sorted the table: column %d %v, was %d %v", c, d, col, desc)
	}

	m.press(t, char('?'))
	p = plain(m)
	if m.mode != modeHelp || !strings.Contains(p, "Keys in the detail view") || !strings.Contains(p, "tab N") || strings.Contains(p, "select all visible") {
		t.Fatalf("? in the detail view does not show its keys:\n%s", p)
	}
	all := helpText(t, m)
	for _, w := range []string{"1 Overview", "8 Raw", "back to the table"} {
		if !strings.Contains(all, w) {
			t.Errorf("the detail view's help lacks %q:\n%s", w, all)
		}
	}
	m.press(t, char('x'))
	if m.mode != modeDetail || m.detail.Tab() != 4 {
		t.Errorf("closing the help left mode %d tab %d, want the detail view's tab 4", m.mode, m.detail.Tab())
	}

	// The table's number keys still sort.
	m.press(t, keyEsc, char('2'))
	if c, _ := m.table.SortState(); c != 1 || m.mode != modeTable {
		t.Errorf("2 in the table: mode %d, sort column %d, want 1", m.mode, c)
	}
	if n := len(keys.Default().GotoTab.Keys()); n != len(detail.Tabs) || !slices.Equal(keys.Default().GotoTab.Keys(), keys.Default().SortColumn.Keys()[:n]) {
		t.Errorf("GotoTab has %d keys for %d tabs", n, len(detail.Tabs))
	}
}
