// Package detail is the drill-down view of one target: tabs for the
// verdicts, the anonymous requests, TLS, version and support, CVEs, advice
// and the raw result, each scrollable.
package detail

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui/common"
)

// Tabs, in order.
var Tabs = []string{"Overview", "Exposure", "TLS", "Version & support", "CVEs", "Advice", "Upgrade", "Raw"}

// tabSections are the report sections each tab but Raw shows, by title and
// in this order. The sections are the reports' own, so the detail view
// shows what an exported report says; the tabs only split them up.
var tabSections = [][]string{
	{report.SectionVerdicts, report.SectionErrors},
	{report.SectionNetwork, report.SectionRequests},
	{report.SectionTLS},
	{report.SectionVersion},
	{report.SectionCVEs},
	{report.SectionAdvice},
	{report.SectionUpgrade},
}

// Model shows one result. It is refreshed in place when the target is
// rescanned, keeping the tab and scroll position.
type Model struct {
	common.Common
	tab    int
	vp     viewport.Model
	result scan.Result
}

// New returns an empty detail view.
func New(c common.Common) *Model {
	return &Model{Common: c, vp: viewport.New()}
}

// Show switches to a result (tab kept: comparing targets tab by tab is
// what people do).
func (m *Model) Show(r scan.Result) {
	same := r.Target.URL == m.result.Target.URL && r.Target.Name == m.result.Target.Name
	m.result = r
	m.render()
	if !same {
		m.vp.GotoTop()
	}
}

// Result is the result shown.
func (m *Model) Result() scan.Result { return m.result }

// Tab is the active tab's index.
func (m *Model) Tab() int { return m.tab }

// SetSize fits the view; the tab bar takes one line.
func (m *Model) SetSize(w, h int) {
	m.Common.SetSize(w, h)
	m.vp.SetWidth(w)
	m.vp.SetHeight(max(1, h-2))
	m.render()
}

// Update handles tab switching (tab, shift+tab, or a tab's number) and
// scrolling.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		km := m.KeyMap
		switch {
		case key.Matches(k, km.NextTab):
			m.tab = (m.tab + 1) % len(Tabs)
			m.render()
			m.vp.GotoTop()
			return nil
		case key.Matches(k, km.PrevTab):
			m.tab = (m.tab + len(Tabs) - 1) % len(Tabs)
			m.render()
			m.vp.GotoTop()
			return nil
		case key.Matches(k, km.GotoTab):
			// The numbers the tab bar labels its tabs with.
			if n := int(k.String()[0] - '1'); n >= 0 && n < len(Tabs) && n != m.tab {
				m.tab = n
				m.render()
				m.vp.GotoTop()
			}
			return nil
		case key.Matches(k, km.Top):
			m.vp.GotoTop()
			return nil
		case key.Matches(k, km.Bottom):
			m.vp.GotoBottom()
			return nil
		case key.Matches(k, km.Down):
			m.vp.ScrollDown(1)
			return nil
		case key.Matches(k, km.Up):
			m.vp.ScrollUp(1)
			return nil
		case key.Matches(k, km.PageDown):
			m.vp.PageDown()
			return nil
		case key.Matches(k, km.PageUp):
			m.vp.PageUp()
			return nil
		}
	}
	var cmd tea.Cmd
	m.vp, cmd = m.vp.Update(msg)
	return cmd
}

// View draws the tab bar and the scrolled content.
func (m *Model) View() string {
	st := m.Styles
	var tabs []string
	// A narrow terminal gets the other tabs as numbers: the one shown
	// keeps its name, and every tab stays on screen.
	short := len(strings.Join(Tabs, " "))+len(Tabs)*4 > m.Width
	for i, t := range Tabs {
		label := fmt.Sprintf("%d %s", i+1, t)
		if i == m.tab {
			tabs = append(tabs, st.ActiveTab.Render(label))
		} else {
			if short {
				label = fmt.Sprintf("%d", i+1)
			}
			tabs = append(tabs, st.Tab.Render(label))
		}
	}
	t := m.result.Target
	title := st.Title.Render(clean.Line(t.Name)) + st.Muted.Render("  "+clean.Line(t.URL)+"  ("+clean.Line(string(m.result.State))+")")
	return title + "\n" + strings.Join(tabs, "") + "\n" + m.vp.View()
}

func (m *Model) render() {
	r := m.result
	width := max(20, m.Width)
	var out string
	if m.tab == len(Tabs)-1 {
		// The JSON -o json writes: control and bidirectional characters
		// escaped, so the data is all there and none of it drives the
		// terminal.
		raw, _ := json.MarshalIndent(r, "", "  ")
		out = string(clean.JSON(raw))
	} else {
		t := &text{st: m.Styles, width: width}
		want := tabSections[m.tab]
		// The timeline is the view's own: a glance at where the judgement
		// date falls, above the dates the section spells out.
		if slices.Contains(want, report.SectionVersion) && r.Urgency != nil && r.Urgency.Lifecycle != nil {
			t.line(timeline(r.Urgency.Lifecycle, r.Urgency.JudgedAt))
		}
		all := report.Sections(r)
		for _, title := range want {
			if i := slices.IndexFunc(all, func(s report.Section) bool { return s.Title == title }); i >= 0 {
				sec := all[i]
				if title == report.SectionVerdicts && len(sec.Blocks) > 1 && sec.Blocks[0].Heading == "" {
					// The view's title line already names the target, its
					// URL and state: start with the verdicts.
					sec.Blocks = sec.Blocks[1:]
				}
				t.section(sec)
			}
		}
		out = t.String()
	}
	// Wrap at word boundaries (commands break at spaces, not inside a
	// flag), hard-breaking only words longer than the line.
	m.vp.SetContent(ansi.Wrap(out, width, " "))
}

// timeline draws release -> standard end -> extended end with a marker for
// the judgement date, in words as well as position.
func timeline(lc *scan.Lifecycle, at string) string {
	parts := []string{"released " + clean.Line(lc.ReleaseDate), "standard ends " + clean.Line(lc.EndOfStandardSupport)}
	if lc.EndOfExtendedSupport != "" {
		ext := "extended ends " + clean.Line(lc.EndOfExtendedSupport)
		if lc.ExtendedOptIn != "" {
			ext += " (only with " + clean.Line(lc.ExtendedOptIn) + ")"
		}
		parts = append(parts, ext)
	}
	mark := "▼ " + clean.Line(at)
	switch {
	case lc.Phase == "standard":
		parts = append(parts[:1], append([]string{mark}, parts[1:]...)...)
	// Past standard support but inside a window only an opt-in gives: the
	// date falls between the two ends, whatever the phase says.
	case lc.Phase == "extended" || len(parts) == 3 && lc.ExtendedOptIn != "" && at <= lc.EndOfExtendedSupport:
		parts = append(parts[:2], append([]string{mark}, parts[2:]...)...)
	default:
		parts = append(parts, mark)
	}
	return strings.Join(parts, " ── ")
}
