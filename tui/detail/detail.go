// Package detail is the drill-down view of one target: tabs for the
// verdicts, the anonymous requests, TLS, version and support, CVEs, advice
// and the raw result, each scrollable.
package detail

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui/common"
)

// Tabs, in order.
var Tabs = []string{"Overview", "Exposure", "TLS", "Version & support", "CVEs", "Advice", "Raw"}

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

// Update handles tab switching and scrolling.
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
	for i, t := range Tabs {
		label := fmt.Sprintf("%d %s", i+1, t)
		if i == m.tab {
			tabs = append(tabs, st.ActiveTab.Render(label))
		} else {
			tabs = append(tabs, st.Tab.Render(label))
		}
	}
	title := st.Title.Render(m.result.Target.Name) + st.Muted.Render("  "+m.result.Target.URL+"  ("+string(m.result.State)+")")
	return title + "\n" + strings.Join(tabs, "") + "\n" + m.vp.View()
}

func (m *Model) render() {
	var b strings.Builder
	w := &writer{b: &b, c: m.Common}
	r := m.result
	switch m.tab {
	case 0:
		overview(w, r)
	case 1:
		exposure(w, r)
	case 2:
		tlsTab(w, r)
	case 3:
		versionTab(w, r)
	case 4:
		cvesTab(w, r)
	case 5:
		adviceTab(w, r)
	case 6:
		raw, _ := json.MarshalIndent(r, "", "  ")
		b.Write(raw)
	}
	// Wrap at word boundaries (commands break at spaces, not inside a
	// flag), hard-breaking only words longer than the line.
	m.vp.SetContent(ansi.Wrap(b.String(), max(20, m.Width), " "))
}

// writer puts sections and key/value lines together with the styles.
type writer struct {
	b *strings.Builder
	c common.Common
}

func (w *writer) section(title string) {
	if w.b.Len() > 0 {
		w.b.WriteString("\n")
	}
	w.b.WriteString(w.c.Styles.Section.Render(title) + "\n")
}

func (w *writer) kv(k string, v any) {
	fmt.Fprintf(w.b, "  %-22s %v\n", k+":", v)
}

func (w *writer) line(format string, a ...any) {
	fmt.Fprintf(w.b, "  "+format+"\n", a...)
}

func (w *writer) level(l string) string { return w.c.Styles.LevelWord(l) }

func overview(w *writer, r scan.Result) {
	w.section("Verdicts")
	w.kv("state", r.State)
	w.kv("exposure", fmt.Sprintf("%s (%s reach, %s access)", w.level(r.Exposure.Level), r.Exposure.Reach, r.Exposure.Access))
	if u := r.Urgency; u != nil {
		w.kv("urgency", w.level(u.Level))
	}
	w.kv("distribution", r.Dist.Name)
	if r.Version != nil {
		w.kv("version", fmt.Sprintf("%s (%s)", r.Version.GitVersion, r.Version.Source))
	}
	if u := r.Urgency; u != nil {
		w.section("Why this urgency")
		for _, s := range u.Reasons {
			w.line("• %s", s)
		}
	}
	w.section("Why this exposure")
	for _, s := range r.Exposure.Reasons {
		w.line("• %s", s)
	}
	if t := r.TLS; t != nil && (len(t.Findings) > 0 || t.Error != "") {
		w.section("Certificate and TLS")
		if t.Error != "" {
			w.line("! %s", t.Error)
		}
		for _, f := range t.Findings {
			w.line("! %s", f)
		}
	}
	if len(r.Dist.Evidence) > 0 {
		w.section("Distribution evidence")
		for _, s := range r.Dist.Evidence {
			w.line("• %s", s)
		}
	}
	if a := r.Auth; a != nil {
		w.section("Authenticated view (kubeconfig)")
		if a.Error != "" {
			w.kv("error", w.c.Styles.Error.Render(a.Error)+" ["+a.ErrorKind+"]")
		}
		if a.User != "" {
			w.kv("user", a.User+" "+strings.Join(a.Groups, ","))
		}
		if a.ServerVersion != "" {
			w.kv("server version", a.ServerVersion)
		}
		for _, s := range a.Warnings {
			w.line("! %s", s)
		}
	}
	if len(r.Errors) > 0 {
		w.section("Errors")
		for _, e := range r.Errors {
			w.line("%s: %s", e.Phase, e.Error)
		}
	}
}

func exposure(w *writer, r scan.Result) {
	w.section("Addresses")
	for _, a := range r.Addresses {
		w.line("%-40s %s", a.IP, a.Class)
	}
	if r.Connect != nil {
		w.kv("connected to", fmt.Sprintf("%s in %dms %s", r.Connect.Address, r.Connect.LatencyMS, r.Connect.Error))
	}
	w.section("Anonymous requests (no credentials)")
	if len(r.Anonymous) == 0 {
		w.line("none made")
	}
	for _, q := range r.Anonymous {
		status := "-"
		if q.Status != 0 {
			status = fmt.Sprint(q.Status)
		}
		note := q.Error
		if note == "" {
			note = summary(q)
		}
		w.line("%-36s %4s %5dms %8dB  %s", q.Path, status, q.LatencyMS, q.Bytes, note)
	}
}

func summary(q scan.Request) string {
	if q.Location != "" {
		return "redirect to " + q.Location + " (not followed)"
	}
	for _, k := range []string{"gitVersion", "message", "body", "versions", "groups", "items", "issuer", "format", "parseError"} {
		if v := q.Summary[k]; v != "" {
			return k + ": " + v
		}
	}
	return ""
}

func tlsTab(w *writer, r scan.Result) {
	t := r.TLS
	if t == nil {
		w.section("TLS")
		w.line("no TLS handshake was made")
		return
	}
	w.section("Handshake")
	if t.Error != "" {
		w.kv("error", t.Error)
	}
	w.kv("plain HTTP", t.Plaintext)
	w.kv("version", t.Version)
	w.kv("cipher", t.CipherSuite)
	w.kv("client cert requested", t.ClientCertRequested)
	w.kv("looks like Kubernetes", fmt.Sprintf("%v %s", t.Kubernetes, t.Flavour))
	if len(t.Findings) > 0 {
		w.section("Findings")
		for _, f := range t.Findings {
			w.line("! %s", f)
		}
	}
	if len(t.LeakedSANs) > 0 {
		w.section("SANs that name internal hosts")
		for _, s := range t.LeakedSANs {
			w.line("%s", s)
		}
	}
	for i, c := range t.Chain {
		w.section(fmt.Sprintf("Certificate %d", i))
		w.kv("subject", c.Subject)
		w.kv("issuer", c.Issuer)
		w.kv("key", fmt.Sprintf("%s %d", c.KeyType, c.KeyBits))
		w.kv("valid", fmt.Sprintf("%s to %s", c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02")))
		w.kv("SHA-256", c.SHA256)
		if len(c.DNSNames) > 0 {
			w.kv("DNS SANs", strings.Join(c.DNSNames, ", "))
		}
		if len(c.IPAddresses) > 0 {
			w.kv("IP SANs", strings.Join(c.IPAddresses, ", "))
		}
	}
}

func versionTab(w *writer, r scan.Result) {
	w.section("Version")
	if r.Version == nil {
		w.line("not visible")
	} else {
		w.kv("gitVersion", r.Version.GitVersion)
		w.kv("from", r.Version.Source)
		w.kv("build date", r.Version.BuildDate)
		w.kv("go", r.Version.GoVersion)
	}
	u := r.Urgency
	if u == nil {
		return
	}
	if lc := u.Lifecycle; lc != nil {
		w.section("Support (" + lc.Calendar + " calendar, minor " + lc.Minor + ")")
		w.line("%s", timeline(lc, u.JudgedAt))
		w.kv("phase", lc.Phase)
		w.kv("released", lc.ReleaseDate)
		w.kv("end of standard", lc.EndOfStandardSupport)
		w.kv("end of extended", orDash(lc.EndOfExtendedSupport))
		w.kv("days left", lc.DaysLeft)
		w.kv("at end of support", lc.Provider)
	}
	w.section("Behind")
	w.kv("newest minor", fmt.Sprintf("%s (%d minors behind)", orDash(u.NewestMinor), u.MinorsBehind))
	if u.LatestPatch != "" {
		w.kv("newest patch", fmt.Sprintf("%s (%d patches behind)", u.LatestPatch, u.PatchesBehind))
	}
	w.kv("judged at", u.JudgedAt+", data as of "+u.DataAsOf)
	if a := r.Auth; a != nil && len(a.Nodes) > 0 {
		w.section("Kubelets")
		for _, n := range a.Nodes {
			w.line("%-30s %-20s %d minors behind", n.Name, n.KubeletVersion, n.MinorsBehind)
		}
		if a.Skew != nil {
			for _, v := range a.Skew.Violations {
				w.line("! %s", v)
			}
		}
	}
}

// timeline draws release -> standard end -> extended end with a marker for
// the judgement date, in words as well as position.
func timeline(lc *scan.Lifecycle, at string) string {
	parts := []string{"released " + lc.ReleaseDate, "standard ends " + lc.EndOfStandardSupport}
	if lc.EndOfExtendedSupport != "" {
		parts = append(parts, "extended ends "+lc.EndOfExtendedSupport)
	}
	mark := "▼ " + at
	switch lc.Phase {
	case "standard":
		parts = append(parts[:1], append([]string{mark}, parts[1:]...)...)
	case "extended":
		parts = append(parts[:2], append([]string{mark}, parts[2:]...)...)
	default:
		parts = append(parts, mark)
	}
	return strings.Join(parts, " ── ")
}

func cvesTab(w *writer, r scan.Result) {
	w.section("CVEs affecting this version")
	u := r.Urgency
	if u == nil || len(u.CVEs) == 0 {
		w.line("none known (for the data as of %s)", dataDate(u))
		return
	}
	for _, c := range u.CVEs {
		fixed := "fixed in " + strings.Join(c.FixedIn, ", ")
		if c.Unfixed {
			fixed = "no fixed release: mitigate"
		}
		w.line("%-16s %-8s %4.1f  %s", c.ID, w.level(c.Severity), c.Score, fixed)
		w.line("    %s %s", c.Title, c.URL)
	}
}

func dataDate(u *scan.Urgency) string {
	if u == nil {
		return "?"
	}
	return u.DataAsOf
}

func adviceTab(w *writer, r scan.Result) {
	a := r.Advice
	if a == nil {
		w.section("Advice")
		w.line("not judged yet")
		return
	}
	w.section("Upgrade path (one minor at a time)")
	if len(a.Path) == 0 {
		w.line("no minor upgrade needed (or the version is not known)")
	}
	for _, h := range a.Path {
		w.line("%s → %s", h.From, h.To)
		for _, rm := range h.Removes {
			w.line("    removes %s", rm)
		}
	}
	if len(a.Restrict) > 0 {
		w.section("Restrict the API endpoint")
		for _, s := range a.Restrict {
			w.line("%s", s.Title)
			for _, c := range s.Commands {
				w.line("    %s", w.c.Styles.Code.Render(c))
			}
		}
	}
	w.section("Cadence")
	w.line("%s", a.Cadence)
	for _, n := range a.Notes {
		w.line("note: %s", n)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
