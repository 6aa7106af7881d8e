// Package export is the small dialog behind `e`: pick a format, edit the
// path, confirm an overwrite. It decides nothing about files itself; the
// program writes the report and tells it whether to ask about overwriting.
package export

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui/common"
)

// Formats offered, in order: every format Export writes, so the dialog
// offers a new one without a change here.
var Formats = report.ExportFormats

// Request is what the user asked for when pressing enter (or y to
// overwrite).
type Request struct {
	Path, Format string
	Overwrite    bool
}

// Model is the dialog.
type Model struct {
	common.Common
	choice    int
	input     textinput.Model
	confirm   bool
	count     int
	name      func(format string) string
	userTyped bool
}

// New opens the dialog for count rows; name gives the default path for a
// format.
func New(c common.Common, count int, name func(format string) string) *Model {
	in := textinput.New()
	in.Prompt = "path: "
	in.SetValue(name(Formats[0]))
	in.CursorEnd()
	in.Focus()
	return &Model{Common: c, input: in, count: count, name: name}
}

// AskOverwrite switches to the "file exists" question.
func (m *Model) AskOverwrite() { m.confirm = true }

// Update returns a Request when the user confirms, and done when the
// dialog should close (esc).
func (m *Model) Update(msg tea.Msg) (req *Request, done bool, cmd tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		m.input, cmd = m.input.Update(msg)
		return nil, false, cmd
	}
	if m.confirm {
		switch strings.ToLower(k.String()) {
		case "y":
			return &Request{Path: m.input.Value(), Format: Formats[m.choice], Overwrite: true}, false, nil
		case "n", "esc":
			m.confirm = false
		}
		return nil, false, nil
	}
	switch {
	case key.Matches(k, m.KeyMap.Back):
		return nil, true, nil
	case k.String() == "enter":
		return &Request{Path: strings.TrimSpace(m.input.Value()), Format: Formats[m.choice]}, false, nil
	case k.String() == "tab" || k.String() == "shift+tab" || k.String() == "up" || k.String() == "down":
		step := 1
		if k.String() == "shift+tab" || k.String() == "up" {
			step = len(Formats) - 1
		}
		m.choice = (m.choice + step) % len(Formats)
		if !m.userTyped {
			m.input.SetValue(m.name(Formats[m.choice]))
			m.input.CursorEnd()
		} else {
			m.input.SetValue(swapExt(m.input.Value(), Formats[m.choice]))
		}
		return nil, false, nil
	}
	before := m.input.Value()
	m.input, cmd = m.input.Update(msg)
	m.userTyped = m.userTyped || m.input.Value() != before
	return nil, false, cmd
}

// View draws the dialog box.
func (m *Model) View() string {
	st := m.Styles
	var b strings.Builder
	what := "the current row"
	if m.count > 1 {
		what = fmt.Sprintf("%d selected rows", m.count)
	}
	b.WriteString(st.Title.Render("Export "+what) + "\n\n")
	for i, f := range Formats {
		mark := "( )"
		if i == m.choice {
			mark = "(•)"
		}
		b.WriteString(fmt.Sprintf("  %s %s\n", mark, f))
	}
	m.input.SetWidth(m.boxWidth() - 4 - len(m.input.Prompt))
	b.WriteString("\n" + m.input.View() + "\n\n")
	if m.confirm {
		b.WriteString(st.Error.Render(clean.Line(m.input.Value()) + " exists: overwrite? y/n"))
	} else {
		b.WriteString(st.Muted.Render("tab/↑↓ format · enter export · esc cancel"))
	}
	return st.Dialog.Width(m.boxWidth()).Render(b.String())
}

// boxWidth keeps the dialog inside the terminal; the path scrolls within
// the input instead of wrapping the box.
func (m *Model) boxWidth() int {
	return max(30, min(m.Width-4, 90))
}

// swapExt changes a path's extension, when it is one of the formats', to
// the format's. The longest match wins: ".stats.json" ends in ".json" too.
func swapExt(path, format string) string {
	ext := ""
	for _, f := range Formats {
		if e := "." + report.Extension(f); strings.HasSuffix(path, e) && len(e) > len(ext) {
			ext = e
		}
	}
	if ext == "" {
		return path
	}
	return strings.TrimSuffix(path, ext) + "." + report.Extension(format)
}
