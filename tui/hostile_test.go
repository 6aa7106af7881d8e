package tui

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/tui/detail"
)

// sgrSeq is the only kind of escape sequence the TUI's own styling writes
// into a rendered view (colours, bold, reverse).
var sgrSeq = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// unstyled is a rendered view without the TUI's own styling: what is left
// must be text, with no escape sequence of any kind.
func unstyled(view string) string { return sgrSeq.ReplaceAllString(view, "") }

// hostileConfig is the session `view` opens on a results file whose every
// field (names, versions, subjects, errors, reasons, dates, advice) carries
// the hostile payload, with a data note that carries it too.
func hostileConfig(t *testing.T) Config {
	data := baseData(t)
	targets := targets(t)
	results := make([]scan.Result, len(targets))
	for i, tg := range targets {
		r := done(tg)
		assess.Judge(&r, data, judgeAt)
		cleantest.Poison(&r, cleantest.Payload+cleantest.Invalid)
		results[i] = r
	}
	cfg := config(t, released(), targets)
	cfg.Data, cfg.Results = data, results
	cfg.DataNotes = []string{"note " + cleantest.Payload}
	return cfg
}

// Every screen of a session on hostile results shows no control,
// bidirectional or invalid text: the table, header and status line, every
// detail tab (Raw included), the help and the export dialog.
func TestHostileResultsAreShownClean(t *testing.T) {
	m := New(t.Context(), hostileConfig(t))
	// Tall enough that every tab fits without scrolling.
	m.Update(tea.WindowSizeMsg{Width: 300, Height: 1000})
	press := func(keys ...tea.KeyPressMsg) {
		for _, k := range keys {
			m.Update(k)
		}
	}
	screens := map[string]string{"table": m.render()}
	press(keyEnter)
	for i, tab := range detail.Tabs {
		if m.mode != modeDetail || m.detail.Tab() != i {
			t.Fatalf("not on detail tab %d (mode %d, tab %d)", i, m.mode, m.detail.Tab())
		}
		screens["detail "+tab] = m.render()
		press(keyTab)
	}
	press(keyEsc, char('?'))
	screens["help"] = m.render()
	press(char('x'), char('e'))
	screens["export dialog"] = m.render()
	m.dialog.AskOverwrite()
	screens["export overwrite"] = m.render()
	press(keyEsc, keyEsc)
	m.setStatus("export failed: "+cleantest.Payload, true)
	screens["status"] = m.render()

	for name, s := range screens {
		// unstyled cannot tell the server's colour and blink from the
		// TUI's: look for the payload's own first.
		if strings.Contains(s, "\x1b[5;31mblink") {
			t.Errorf("%s passes the server's blinking colour", name)
		}
		text := unstyled(s)
		cleantest.Check(t, name, text)
		if name != "help" && !strings.Contains(text, "evil") {
			t.Errorf("%s does not show the hostile values at all:\n%s", name, text)
		}
	}
	// The header counts the rows' own data dates; the status line shows
	// the note; the detail view's raw tab keeps every character, escaped.
	if !strings.Contains(unstyled(screens["table"]), "note evil") {
		t.Errorf("the status line lacks the data note:\n%s", unstyled(screens["table"]))
	}
	if raw := screens["detail Raw"]; !strings.Contains(raw, `\u001b]8;;https://evil.example/`) || !strings.Contains(raw, `\u202e`) {
		t.Errorf("the raw tab does not show the escaped payload:\n%s", unstyled(raw))
	}
}

// What the running program writes to the terminal for hostile results: no
// hyperlink, title, DCS or blink of the server's, no C1 control and no
// bidirectional override; only the program's own sequences.
func TestHostileResultsNeverReachTheTerminal(t *testing.T) {
	s := start(t, hostileConfig(t), 300, 40, colorprofile.TrueColor)
	s.waitFor("note evil") // every row came with its result: nothing is scanned
	s.press(keyEnter)
	s.waitFor("Target and verdicts")
	for range detail.Tabs {
		s.press(keyTab)
	}
	s.press(keyEsc, char('?'))
	s.waitFor("any other key closes this help")
	s.quit()
	out := s.out.Bytes()
	var rest bytes.Buffer
	rest.ReadFrom(s.tm.FinalOutput(t, teatest.WithFinalTimeout(10*time.Second)))
	out = append(out, rest.Bytes()...)
	for _, bad := range []string{"\x1b]8;;https://evil", "\x1b]0;pwned", "\x1bP1$r", "\x1b[5;31mblink", "\x1b[2J\x1b[H\x1b[5", "\r\nforged"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("the terminal got the server's %q", bad)
		}
	}
	for _, r := range string(out) {
		if r >= 0x80 && r < 0xa0 || r == 0x7f || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' || r == '\u061c' {
			t.Fatalf("the terminal got %U", r)
		}
	}
	if !bytes.Contains(out, []byte("evil")) {
		t.Errorf("the hostile rows were never drawn")
	}
}
