package tui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui/common"
	"github.com/kubesurface/kubesurface/tui/detail"
)

// The fixed moments every test runs at: the clock never moves, so the
// elapsed time shown is always 0s, and judgements are for --now 2026-11-26.
var (
	clockAt = time.Date(2026, 11, 26, 9, 30, 5, 0, time.UTC)
	judgeAt = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
)

// The fleet, as the user would type it.
const (
	eksHost   = "a1b2c3d4e5f6.gr7.us-east-1.eks.amazonaws.com"
	k3sHost   = "edge-k3s.lan"
	deadHost  = "203.0.113.99"
	ocpHost   = "api.ocp-prod.example.com"
	eksInput  = eksHost + ":443"
	k3sInput  = k3sHost + ":6443"
	deadInput = deadHost + ":6443"
	ocpInput  = ocpHost + ":6443"
)

func targets(t testing.TB) []scan.Target {
	t.Helper()
	ts, err := scan.ParseEndpoints([]string{eksInput, k3sInput, deadInput, ocpInput}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// version is what the scanner records from an open anonymous /version.
func version(git, build, goVersion string) *scan.Version {
	pv, err := scan.ParseVersion(git)
	if err != nil {
		panic(err)
	}
	return &scan.Version{GitVersion: git, GitCommit: strings.Repeat("ab12", 10), BuildDate: build, GoVersion: goVersion,
		Platform: "linux/amd64", Semver: pv.Semver, Minor: pv.Minor, Source: "anonymous"}
}

// anonymousOn is the anonymous requests of a server that keeps the default
// system:public-info-viewer role: /version and health open, the rest 403
// to system:anonymous.
func anonymousOn(v *scan.Version) []scan.Request {
	forbidden := func(p string) scan.Request {
		return scan.Request{Path: p, Status: 403, LatencyMS: 3, Bytes: 280, ContentType: "application/json",
			Summary: map[string]string{"reason": "Forbidden", "anonymousAuthenticated": "true",
				"message": fmt.Sprintf("forbidden: User \"system:anonymous\" cannot get path %q", p)}}
	}
	ok := func(p string) scan.Request {
		return scan.Request{Path: p, Status: 200, LatencyMS: 2, Bytes: 2, ContentType: "text/plain", Summary: map[string]string{"body": "ok", "recognised": "true"}}
	}
	reqs := []scan.Request{{Path: "/version", Status: 200, LatencyMS: 4, Bytes: 263, ContentType: "application/json",
		Summary: map[string]string{"gitVersion": v.GitVersion, "gitCommit": v.GitCommit, "buildDate": v.BuildDate,
			"goVersion": v.GoVersion, "platform": v.Platform, "recognised": "true"}},
		ok("/healthz"), ok("/livez"), ok("/readyz")}
	for _, p := range scan.AnonymousPaths[4:] {
		reqs = append(reqs, forbidden(p))
	}
	return reqs
}

func cert(subject, issuer string, dns, ips []string, ca bool) scan.Certificate {
	return scan.Certificate{Subject: subject, Issuer: issuer, DNSNames: dns, IPAddresses: ips, KeyType: "RSA", KeyBits: 2048, IsCA: ca,
		NotBefore: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
		SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(subject)))}
}

// done is the final result of a target, as the scanner sends it: verdicts
// on reach and access filled, urgency and advice left to the TUI.
func done(t scan.Target) scan.Result {
	r := scan.Pending(t)
	r.State, r.Phase = scan.StateDone, scan.PhaseDone
	r.StartedAt, r.FinishedAt, r.DurationMS = clockAt.Add(-2*time.Second), clockAt, 2000
	switch t.Host {
	case eksHost:
		// EKS 1.32, in extended support on 2026-11-26, endpoint public.
		r.Addresses = []scan.Address{{IP: "54.210.33.7", Class: scan.ClassPublic}, {IP: "3.226.14.90", Class: scan.ClassPublic}}
		r.Connect = &scan.Connect{Address: "54.210.33.7:443", LatencyMS: 38}
		leaked := []string{"ip-192-168-77-14.ec2.internal", "192.168.77.14"}
		r.TLS = &scan.TLS{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ALPN: "h2", ClientCertRequested: true, LatencyMS: 41,
			Chain: []scan.Certificate{
				cert("CN=kube-apiserver", "CN=kubernetes", []string{eksHost, "ip-192-168-77-14.ec2.internal", "kubernetes", "kubernetes.default.svc"}, []string{"10.100.0.1", "192.168.77.14"}, false),
				cert("CN=kubernetes", "CN=kubernetes", nil, nil, true),
			},
			LeakedSANs: leaked, Kubernetes: true, Flavour: "eks",
			Findings: []string{"certificate names 2 internal hosts or addresses"}}
		r.Version = version("v1.32.9-eks-1a2b3c4", "2025-09-10T18:01:12Z", "go1.24.6")
		r.Anonymous = anonymousOn(r.Version)
		r.Dist = scan.Distribution{Name: scan.DistEKS, Evidence: []string{
			"version v1.32.9-eks-1a2b3c4 has the -eks- suffix", "host " + eksHost + " ends in .eks.amazonaws.com", "certificate is shaped like eks's"}}
		r.Exposure = scan.Exposure{Reach: scan.ClassPublic, Access: scan.AccessVersion, Level: scan.LevelHigh, Reasons: []string{
			"public reach, version access", "anonymous /version discloses v1.32.9-eks-1a2b3c4", "anonymous authentication is enabled (403 to system:anonymous)"}}
	case k3sHost:
		// k3s on the newest patch of the newest minor the data knows: low,
		// as the data (2026-08-22) is over a week old and 1.36 over a
		// release cycle, so a newer minor is probably out.
		r.Addresses = []scan.Address{{IP: "192.168.1.50", Class: scan.ClassPrivate}}
		r.Connect = &scan.Connect{Address: "192.168.1.50:6443", LatencyMS: 2}
		r.TLS = &scan.TLS{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ALPN: "h2", ClientCertRequested: true, LatencyMS: 3,
			Chain: []scan.Certificate{
				cert("CN=k3s,O=k3s", "CN=k3s-server-ca@1700000000", []string{"edge-k3s.lan", "kubernetes", "localhost"}, []string{"10.43.0.1", "127.0.0.1", "192.168.1.50"}, false),
			},
			Kubernetes: true, Flavour: "k3s"}
		r.Version = version("v1.36.4+k3s1", "2026-08-21T10:00:00Z", "go1.26.5")
		r.Anonymous = anonymousOn(r.Version)
		r.Dist = scan.Distribution{Name: scan.DistK3s, Evidence: []string{"version v1.36.4+k3s1 has the +k3s suffix", "certificate is shaped like k3s's"}}
		r.Exposure = scan.Exposure{Reach: scan.ClassPrivate, Access: scan.AccessVersion, Level: scan.LevelMedium, Reasons: []string{
			"private reach, version access", "anonymous /version discloses v1.36.4+k3s1", "anonymous authentication is enabled (403 to system:anonymous)"}}
	case deadHost:
		// Nothing listens: the scanner gives up after connect.
		r.State = scan.StateFailed
		r.Addresses = []scan.Address{{IP: deadHost, Class: scan.ClassPublic}}
		refused := "connect: connection refused"
		r.Connect = &scan.Connect{LatencyMS: 1, Error: refused}
		r.Errors = []scan.PhaseFailure{{Phase: scan.PhaseConnect, Error: refused}}
		r.Exposure = scan.Exposure{Reach: scan.ClassPublic, Access: scan.AccessUnreachable, Level: scan.LevelNone, Reasons: []string{
			"public reach, unreachable access", "no TCP connection"}}
	case ocpHost:
		// OpenShift 4.15 (Kubernetes 1.28): past the end of all support.
		r.Addresses = []scan.Address{{IP: "10.0.42.10", Class: scan.ClassPrivate}}
		r.Connect = &scan.Connect{Address: "10.0.42.10:6443", LatencyMS: 5}
		r.TLS = &scan.TLS{Version: "TLS 1.2", CipherSuite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ClientCertRequested: true, LatencyMS: 7,
			Chain: []scan.Certificate{
				cert("CN=api.ocp-prod.example.com", "OU=openshift,CN=kube-apiserver-lb-signer", []string{ocpHost}, nil, false),
			},
			Kubernetes: true, Flavour: "openshift"}
		r.Version = version("v1.28.9+2f7b992", "2024-06-26T15:21:56Z", "go1.20.12 X:strictfipsruntime")
		r.Anonymous = anonymousOn(r.Version)
		r.Dist = scan.Distribution{Name: scan.DistOpenShift, Evidence: []string{
			"version v1.28.9+2f7b992 carries a commit as build metadata, as OpenShift builds do", "certificate is shaped like openshift's"}}
		r.Exposure = scan.Exposure{Reach: scan.ClassPrivate, Access: scan.AccessVersion, Level: scan.LevelMedium, Reasons: []string{
			"private reach, version access", "anonymous /version discloses v1.28.9+2f7b992", "anonymous authentication is enabled (403 to system:anonymous)"}}
	default:
		panic("no fixture for " + t.Host)
	}
	return r
}

// probing is the row of a target the scanner has just resolved.
func probing(t scan.Target) scan.Result {
	r := scan.Pending(t)
	r.State, r.Phase, r.StartedAt = scan.StateProbing, scan.PhaseResolve, clockAt.Add(-2*time.Second)
	r.Addresses = done(t).Addresses
	return r
}

// fakeRunner is a deterministic scanner. Each Run first reports its first
// `parallel` targets as probing; a held run then waits until its gate is
// closed (or its context ends) before it sends every target's final
// result. It records what it was asked for and when its context ended.
type fakeRunner struct {
	parallel int
	// final, when set, changes each final result before it is sent.
	final func(*scan.Result)

	mu    sync.Mutex
	gates map[int]chan struct{}
	calls [][]string
	ended []chan struct{}
}

// newRunner holds the first scan back until the returned gate is closed.
func newRunner(parallel int) (*fakeRunner, chan struct{}) {
	f := released()
	f.parallel = parallel
	return f, f.hold(0)
}

// released returns a runner that sends every result at once.
func released() *fakeRunner { return &fakeRunner{gates: map[int]chan struct{}{}} }

// hold makes the n-th Run (from 0) wait for the returned gate.
func (f *fakeRunner) hold(n int) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := make(chan struct{})
	f.gates[n] = g
	return g
}

func (f *fakeRunner) RunSeq(ctx context.Context, seq iter.Seq[scan.Target]) <-chan scan.Update {
	targets := slices.Collect(seq)
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name
	}
	ended := make(chan struct{})
	f.mu.Lock()
	gate := f.gates[len(f.calls)]
	f.calls = append(f.calls, names)
	f.ended = append(f.ended, ended)
	f.mu.Unlock()
	go func() {
		<-ctx.Done()
		close(ended)
	}()

	out := make(chan scan.Update)
	go func() {
		defer close(out)
		send := func(u scan.Update) bool {
			select {
			case out <- u:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for i, t := range targets[:min(f.parallel, len(targets))] {
			if !send(scan.Update{Index: i, Result: probing(t)}) {
				return
			}
		}
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done():
				return
			}
		}
		for i, t := range targets {
			r := done(t)
			if f.final != nil {
				f.final(&r)
			}
			if !send(scan.Update{Index: i, Result: r}) {
				return
			}
		}
	}()
	return out
}

// Calls returns the target names of every Run so far.
func (f *fakeRunner) Calls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.calls...)
}

func baseData(t testing.TB) *assess.Bundle {
	t.Helper()
	b, err := assess.Base()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func config(t testing.TB, r Runner, targets []scan.Target) Config {
	return Config{Targets: targets, Scanner: r, Data: baseData(t), Now: judgeAt,
		Clock: func() time.Time { return clockAt }, Dir: t.TempDir(), Dark: true}
}

// Keys as the terminal sends them.
var (
	keyEnter = tea.KeyPressMsg{Code: tea.KeyEnter}
	keyTab   = tea.KeyPressMsg{Code: tea.KeyTab}
	keyEsc   = tea.KeyPressMsg{Code: tea.KeyEscape}
	keySpace = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
)

// session is one program run under teatest.
type session struct {
	t  *testing.T
	tm *teatest.TestModel
	// out is everything the program wrote that a wait has read.
	out bytes.Buffer
}

func start(t *testing.T, cfg Config, w, h int, profile colorprofile.Profile) *session {
	t.Helper()
	s := &session{t: t}
	s.tm = teatest.NewTestModel(t, New(t.Context(), cfg), teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(profile),
			// The renderer writes what changed in the terminal's own
			// terms: fix the terminal so the output does not follow $TERM.
			tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	t.Cleanup(func() {
		// A test that failed half way leaves the program running.
		s.tm.Quit()
		s.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	})
	return s
}

// waitFor waits (at most 20 s) until the program has written want. The
// program writes only what changed on screen, so want must be text that
// appears whole: a new word in a place that held something else.
func (s *session) waitFor(want string) {
	s.t.Helper()
	teatest.WaitFor(s.t, io.TeeReader(s.tm.Output(), &s.out), func(b []byte) bool {
		return bytes.Contains(b, []byte(want))
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func (s *session) press(keys ...tea.KeyPressMsg) {
	for _, k := range keys {
		s.tm.Send(k)
	}
}

// quit stops the program from outside, as the terminal closing would, and
// returns the model as it was: every key sent before was handled first.
// (The program's own quit keys cancel the scan, whose last updates could
// then still arrive; this keeps the screen as it was.)
func (s *session) quit() *Model {
	s.t.Helper()
	s.tm.Quit()
	return s.tm.FinalModel(s.t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
}

// waitTable waits for the table to be drawn again after a dialog, which
// covers the whole body.
func (s *session) waitTable() { s.t.Helper(); s.waitFor(k3sInput) }

// screen is the model's view as a terminal with the given profile gets it.
func screen(m *Model, profile colorprofile.Profile) []byte {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: profile}
	if _, err := w.Write([]byte(m.render())); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// plain is the view without any escape sequence, for assertions.
func plain(m *Model) string { return ansi.Strip(m.render()) }

var sgr = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)

// colourCodes lists the SGR sequences in b that set a colour.
func colourCodes(b []byte) []string {
	var out []string
	for _, m := range sgr.FindAllSubmatch(b, -1) {
		for p := range strings.SplitSeq(string(m[1]), ";") {
			n, err := strconv.Atoi(strings.Split(p, ":")[0])
			if err == nil && (n >= 30 && n <= 49 || n >= 90 && n <= 107) {
				out = append(out, strconv.Quote(string(m[0])))
				break
			}
		}
	}
	return out
}

// golden compares the final screen, in the Ascii profile, with
// testdata/<test name>.golden (go test ./tui -update rewrites them).
func golden(t *testing.T, m *Model) {
	t.Helper()
	out := screen(m, colorprofile.Ascii)
	if cc := colourCodes(out); len(cc) > 0 {
		t.Errorf("the Ascii screen holds colour codes: %v", cc)
	}
	if !strings.Contains(plain(m), " · 0s · ") {
		t.Errorf("elapsed time is not the fixed clock's 0s:\n%s", plain(m))
	}
	teatest.RequireEqualOutput(t, out)
}

// firstRunHint stands in for the command's: what a newcomer sees.
const firstRunHint = `No kubeconfig contexts were found and no endpoints were given, so there is nothing to scan.

  kubesurface demo                     open this view on local endpoints
  kubesurface https://HOST:6443        scan an API server

Press q to quit.`

// TestGolden pins the main screens, each at the end of its own program run:
// the final model's view, as an Ascii terminal gets it, against
// testdata/TestGolden/<name>.golden. Regenerate with go test ./tui -update
// and review the diff (cat shows them as a terminal would).
func TestGolden(t *testing.T) {
	ascii := colorprofile.Ascii
	t.Run("scanning", func(t *testing.T) {
		r, _ := newRunner(1) // one probe under way, never finishing
		s := start(t, config(t, r, targets(t)), 120, 30, ascii)
		s.waitFor("1 probing")
		m := s.quit()
		golden(t, m)
		p := plain(m)
		if strings.Count(p, "probing") != 2 || strings.Count(p, "waiting") != 3 || !strings.Contains(p, "0/4 done") {
			t.Errorf("want 1 row probing and 3 waiting:\n%s", p)
		}
	})
	t.Run("done", func(t *testing.T) {
		s := start(t, config(t, released(), targets(t)), 120, 30, ascii)
		s.waitFor("scan finished")
		m := s.quit()
		golden(t, m)
		p := plain(m)
		for _, w := range []string{"4/4 done", "urgency: critical 1 · high 1 · low 1 · unknown 1", "exposure: high 1 · medium 2 · none 1"} {
			if !strings.Contains(p, w) {
				t.Errorf("screen lacks %q:\n%s", w, p)
			}
		}
	})
	t.Run("filtered", func(t *testing.T) {
		s := start(t, config(t, released(), targets(t)), 120, 30, ascii)
		s.waitFor("scan finished")
		s.tm.Type("/urgency:critical")
		s.press(keyEnter)
		s.waitFor("filter: urgency:critical")
		m := s.quit()
		golden(t, m)
		p := plain(m)
		if !strings.Contains(p, "1/4 rows") || !strings.Contains(p, ocpHost[:18]) || strings.Contains(p, eksHost[:18]) {
			t.Errorf("want only the OpenShift row:\n%s", p)
		}
	})
	t.Run("sorted", func(t *testing.T) {
		// Column 4 is ADDRESS, which a 120-column terminal has no room
		// for: the rows move, the header shows no arrow.
		s := start(t, config(t, released(), targets(t)), 120, 30, ascii)
		s.waitFor("scan finished")
		s.tm.Type("44")
		m := s.quit()
		golden(t, m)
		rowOrder(t, plain(m), eksInput[:18], deadInput, k3sInput, ocpHost[:18])
	})
	detailTabs := []struct{ name, marker string }{
		{"detail-overview", "Target and verdicts"},
		{"detail-exposure", "Addresses and connection"},
		{"detail-tls", "Cipher suite"},
		{"detail-version", "Version and support"},
		{"detail-cves", "Worst fixed by an upgrade"},
		{"detail-advice", "Upgrade path, one minor at a time"},
	}
	for n, tab := range detailTabs {
		t.Run(tab.name, func(t *testing.T) {
			s := start(t, config(t, released(), targets(t)), 120, 30, ascii)
			s.waitFor("scan finished")
			s.press(keyEnter)
			s.waitFor(detailTabs[0].marker)
			for i := 1; i <= n; i++ {
				s.press(keyTab)
				s.waitFor(detailTabs[i].marker)
			}
			m := s.quit()
			golden(t, m)
			if m.mode != modeDetail || m.detail.Tab() != n || m.detail.Result().Target.Host != eksHost {
				t.Errorf("mode %d tab %d of %s, want the detail view's tab %d of the EKS row", m.mode, m.detail.Tab(), m.detail.Result().Target.Host, n)
			}
		})
	}
	t.Run("export-dialog", func(t *testing.T) {
		cfg := config(t, released(), targets(t))
		cfg.Dir = "/srv/reports" // a fixed path for the screen; nothing is written
		s := start(t, cfg, 120, 30, ascii)
		s.waitFor("scan finished")
		s.press(char('e'))
		s.waitFor("Export the current row")
		m := s.quit()
		golden(t, m)
		if p := plain(m); !strings.Contains(p, "/srv/reports/kubesurface-report-20261126-093005.md") {
			t.Errorf("the dialog does not offer the default path:\n%s", p)
		}
	})
	t.Run("help", func(t *testing.T) {
		s := start(t, config(t, released(), targets(t)), 120, 30, ascii)
		s.waitFor("scan finished")
		s.press(char('?'))
		s.waitFor("any other key closes this help.")
		golden(t, s.quit())
	})
	t.Run("help-narrow", func(t *testing.T) {
		// Taller than the terminal: the help's last page, reached by G.
		s := start(t, config(t, released(), targets(t)), 80, 24, ascii)
		s.waitFor("scan finished")
		s.press(char('?'), char('G'))
		s.waitFor("go to its tabs.")
		golden(t, s.quit())
	})
	t.Run("detail-help", func(t *testing.T) {
		s := start(t, config(t, released(), targets(t)), 120, 30, ascii)
		s.waitFor("scan finished")
		s.press(keyEnter)
		s.waitFor(detailTabs[0].marker)
		s.press(char('3'), char('?'))
		s.waitFor("Keys in the detail view")
		m := s.quit()
		golden(t, m)
		if m.mode != modeHelp || m.ret != modeDetail || m.detail.Tab() != 2 {
			t.Errorf("mode %d (from %d), tab %d: want the detail view's help over its third tab", m.mode, m.ret, m.detail.Tab())
		}
	})
	t.Run("narrow", func(t *testing.T) {
		s := start(t, config(t, released(), targets(t)), 80, 24, ascii)
		s.waitFor("scan finished")
		m := s.quit()
		golden(t, m)
		for i, l := range strings.Split(plain(m), "\n") {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("line %d is %d cells wide on an 80-column terminal: %q", i+1, w, l)
			}
		}
		if n := strings.Count(plain(m), "\n") + 1; n != 24 {
			t.Errorf("%d lines on a 24-line terminal", n)
		}
	})
	t.Run("first-run", func(t *testing.T) {
		r := released()
		cfg := config(t, r, nil)
		cfg.Hint = firstRunHint
		s := start(t, cfg, 120, 30, ascii)
		s.waitFor("Press q to quit.")
		m := s.quit()
		golden(t, m)
		if calls := r.Calls(); len(calls) != 0 {
			t.Errorf("nothing to scan, yet the runner was asked for %v", calls)
		}
	})
}

func char(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// rowOrder checks that the rows appear on screen in this order.
func rowOrder(t *testing.T, screen string, names ...string) {
	t.Helper()
	last := -1
	for _, n := range names {
		i := strings.Index(screen, n)
		if i < 0 || i < last {
			t.Errorf("rows are not in the order %q:\n%s", names, screen)
			return
		}
		last = i
	}
}

// The header's elapsed time comes from Config.Clock only.
func TestElapsedTimeFollowsClock(t *testing.T) {
	now := clockAt
	cfg := config(t, released(), targets(t))
	cfg.Clock = func() time.Time { return now }
	m := New(t.Context(), cfg)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	if h := ansi.Strip(m.header()); !strings.Contains(h, " · 0s · ") {
		t.Fatalf("header at start: %q", h)
	}
	m.Update(tickMsg{})
	if h := ansi.Strip(m.header()); !strings.Contains(h, " · 0s · ") {
		t.Fatalf("a tick without the clock moving changed the elapsed time: %q", h)
	}
	now = now.Add(65*time.Second + 400*time.Millisecond)
	if h := ansi.Strip(m.header()); !strings.Contains(h, " · 1m5s · ") {
		t.Fatalf("header 65.4 s later: %q", h)
	}
}

// Each detail tab carries every fact it is about, whole screen and scrolled
// part alike: the goldens pin only the first screen. The view is wide so
// that no fact is split by wrapping; the facts come from the results.
func TestDetailTabsCarryEveryFact(t *testing.T) {
	data := baseData(t)
	var results []scan.Result
	for _, tg := range targets(t) {
		r := done(tg)
		if tg.Host == k3sHost {
			// The owner's view, with one kubelet outside the skew policy.
			r.Auth = &scan.Auth{User: "admin", Groups: []string{"system:masters"}, ServerVersion: "v1.36.4+k3s1",
				Nodes: []scan.Node{{Name: "node-a", KubeletVersion: "v1.36.4+k3s1"}, {Name: "node-b", KubeletVersion: "v1.32.1+k3s1", MinorsBehind: 4}},
				Skew:  &scan.Skew{OldestKubelet: "v1.32.1+k3s1", NewestKubelet: "v1.36.4+k3s1", MaxBehind: 4, Violations: []string{"node-b is 4 minors behind"}}}
		}
		assess.Judge(&r, data, judgeAt)
		results = append(results, r)
	}
	for _, r := range results {
		d := detail.New(common.New(true))
		d.SetSize(400, 1000)
		d.Show(r)
		tabs := make([]string, len(detail.Tabs))
		for i := range tabs {
			tabs[i] = ansi.Strip(d.View())
			d.Update(keyTab)
		}
		has := func(tab int, facts ...string) {
			t.Helper()
			for _, f := range facts {
				if !strings.Contains(tabs[tab], f) {
					t.Errorf("%s: the %s tab lacks %q:\n%s", r.Target.Host, detail.Tabs[tab], f, tabs[tab])
				}
			}
		}
		u, a := r.Urgency, r.Advice
		has(0, u.Level, r.Exposure.Level)
		has(0, r.Exposure.Reasons...)
		has(0, u.Reasons...)
		has(0, r.Dist.Evidence...)
		for _, e := range r.Errors {
			has(0, e.Error)
		}
		for _, ad := range r.Addresses {
			has(1, ad.IP)
		}
		for _, q := range r.Anonymous {
			line := lineWith(tabs[1], "  "+q.Path+" ")
			for _, w := range []string{strconv.Itoa(q.Status), fmt.Sprintf("%d ms", q.LatencyMS)} {
				if !strings.Contains(line, w) {
					t.Errorf("%s: the request line of %s lacks %q: %q", r.Target.Host, q.Path, w, line)
				}
			}
		}
		if tl := r.TLS; tl != nil {
			has(2, tl.Version, tl.CipherSuite)
			has(2, tl.Findings...)
			has(2, tl.LeakedSANs...)
			for _, c := range tl.Chain {
				has(2, c.Subject, c.Issuer, c.SHA256)
				has(2, c.DNSNames...)
				has(2, c.IPAddresses...)
			}
		}
		if lc := u.Lifecycle; lc != nil {
			has(3, "▼ "+u.JudgedAt, lc.Phase, lc.ReleaseDate, lc.EndOfStandardSupport, lc.EndOfExtendedSupport, strconv.Itoa(max(lc.DaysLeft, -lc.DaysLeft))+" days")
			has(3, "Minors behind:", strconv.Itoa(u.MinorsBehind))
		}
		if au := r.Auth; au != nil {
			for _, n := range au.Nodes {
				has(3, n.Name, n.KubeletVersion)
			}
			has(3, au.Skew.Violations...)
		}
		for _, c := range u.CVEs {
			has(4, c.ID, c.Severity, c.URL)
			has(4, c.FixedIn...)
		}
		for _, h := range a.Path {
			has(5, h.From+" → "+h.To)
			has(5, h.Removes...)
		}
		for _, st := range a.Restrict {
			has(5, st.Title)
			has(5, st.Commands...)
		}
		has(5, a.Cadence)
		has(5, a.Notes...)
	}
}

// lineWith is the first line of s that contains sub.
func lineWith(s, sub string) string {
	for l := range strings.SplitSeq(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// Colours are an addition: with a 256-colour terminal the level words are
// still printed, coloured in that palette and never in 24-bit colour.
func TestANSI256KeepsLevelWords(t *testing.T) {
	s := start(t, config(t, released(), targets(t)), 120, 30, colorprofile.ANSI256)
	s.waitFor("scan finished")
	m := s.quit()
	s.out.ReadFrom(s.tm.Output())
	out := s.out.Bytes()
	stripped := ansi.Strip(string(out))
	for _, w := range []string{"critical", "high", "medium", "low", "unknown", "none"} {
		if !strings.Contains(stripped, w) {
			t.Errorf("the program never printed %q", w)
		}
	}
	if !bytes.Contains(out, []byte("38;5;")) {
		t.Errorf("no 256-colour sequence in the output")
	}
	if bytes.Contains(out, []byte("38;2;")) {
		t.Errorf("24-bit colour written to a 256-colour terminal")
	}
	// The same screen in that profile: words intact next to their colour.
	scr := screen(m, colorprofile.ANSI256)
	if !regexp.MustCompile(`\x1b\[[0-9;]*38;5;[0-9]+m(critical|high|low)`).Match(scr) {
		t.Errorf("no level word in a 256-colour span:\n%q", scr)
	}
	if p := plain(m); !strings.Contains(p, "urgency: critical 1 · high 1 · low 1 · unknown 1") {
		t.Errorf("screen:\n%s", p)
	}
}

const defaultReport = "kubesurface-report-20261126-093005"

func TestExportWritesPrivateFileAndAsksBeforeOverwriting(t *testing.T) {
	cfg := config(t, released(), targets(t))
	s := start(t, cfg, 120, 30, colorprofile.Ascii)
	s.waitFor("scan finished")
	s.press(char('e'))
	s.waitFor("Export the current row")
	s.press(keyEnter)
	s.waitFor("exported 1 row to")
	path := filepath.Join(cfg.Dir, defaultReport+".md")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no report in Config.Dir: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), "https://"+eksInput) || strings.Contains(string(b), k3sHost) {
		t.Errorf("the report is not of the current (EKS) row:\n%s", b)
	}

	// Mark the file so a replacement would show.
	const kept = "the user's own edits\n"
	if err := os.WriteFile(path, []byte(kept), 0o600); err != nil {
		t.Fatal(err)
	}
	s.press(char('e'))
	s.waitFor("Export the current row")
	s.press(keyEnter)
	s.waitFor("overwrite?") // "<path> exists: overwrite? y/n", wrapped as the path needs
	s.press(char('n'), keyEsc)
	s.waitTable() // n and esc were handled: the dialog is closed
	if b, _ := os.ReadFile(path); string(b) != kept {
		t.Fatalf("answering n replaced the file:\n%s", b)
	}
	// Asked again, y replaces it, still private.
	s.press(char('e'))
	s.waitFor("Export the current row")
	s.press(keyEnter)
	s.waitFor("overwrite?")
	s.press(char('y'))
	s.waitTable()
	if b, _ := os.ReadFile(path); string(b) == kept || !strings.Contains(string(b), "https://"+eksInput) {
		t.Errorf("answering y did not replace the file:\n%s", b)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced report: %v, %v", fi, err)
	}
	m := s.quit()
	if m.mode != modeTable {
		t.Errorf("after the export the mode is %d, want the table", m.mode)
	}
	if entries, _ := os.ReadDir(cfg.Dir); len(entries) != 1 {
		t.Errorf("want only the report in %s, got %v", cfg.Dir, entries)
	}
}

// The dialog offers every export format: tab moves to SARIF, JUnit, the
// fleet's stats, and round to Markdown; the path follows with the
// format's extension (".stats.json" becomes ".md", not ".stats.md"), and
// the file written is that format, naming the binary's version as the
// tool's.
func TestExportDialogWritesSARIFAndJUnit(t *testing.T) {
	cfg := config(t, released(), targets(t))
	cfg.Version = "v9.8.7"
	s := start(t, cfg, 120, 30, colorprofile.Ascii)
	s.waitFor("scan finished")
	for _, f := range []struct {
		tabs      int
		ext, want string
	}{
		{4, ".sarif", `"version": "v9.8.7"`},
		{5, ".xml", "<testsuites"},
		{6, ".stats.json", `"kind": "FleetStats"`},
		{7, ".md", "## Summary"},
	} {
		// Keys are handled in order, and a redraw writes only what
		// changed: the dialog's title is not written again.
		s.press(char('e'))
		for range f.tabs {
			s.press(keyTab)
		}
		s.press(keyEnter)
		waitFile(t, filepath.Join(cfg.Dir, defaultReport+f.ext))
		b, err := os.ReadFile(filepath.Join(cfg.Dir, defaultReport+f.ext))
		if err != nil {
			t.Fatalf("no %s report: %v", f.ext, err)
		}
		of := eksInput
		if f.ext == ".stats.json" {
			of = "\"eks\": {" // the numbers name no target outside the timeline
		}
		if !strings.Contains(string(b), f.want) || !strings.Contains(string(b), of) {
			t.Errorf("the %s report is not of the EKS row in its format:\n%s", f.ext, b)
		}
	}
	s.quit()
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s was not written", path)
}

func TestExportFailureIsReportedAndTheProgramGoesOn(t *testing.T) {
	cfg := config(t, released(), targets(t))
	file := filepath.Join(cfg.Dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Dir = filepath.Join(file, "reports") // under a regular file: cannot exist
	s := start(t, cfg, 120, 30, colorprofile.Ascii)
	s.waitFor("scan finished")
	s.press(char('e'))
	s.waitFor("Export the current row")
	s.press(keyEnter)
	s.waitFor("export failed:")
	s.press(char('?'))
	s.waitFor("any other key closes this help.")
	s.press(char('x')) // any key but q closes the help
	s.press(char('j'))
	m := s.quit()
	if p := plain(m); !strings.Contains(p, "4/4 rows  export failed: create ") {
		t.Errorf("status line:\n%s", p)
	}
	if !m.isError || !strings.Contains(m.status, cfg.Dir) || !strings.Contains(m.status, "not a directory") {
		t.Errorf("status %q (error %v)", m.status, m.isError)
	}
	if m.mode != modeTable || m.table.Current() == nil || m.table.Current().Result.Target.Host != ocpHost {
		t.Errorf("after the failure the table does not take keys (mode %d)", m.mode)
	}
}

func TestSelectionDecidesWhatIsExported(t *testing.T) {
	cfg := config(t, released(), targets(t))
	s := start(t, cfg, 120, 30, colorprofile.Ascii)
	s.waitFor("scan finished")
	// The first two rows (EKS, then OpenShift) are selected; the cursor
	// moves down with each, to the third (k3s).
	s.press(keySpace, keySpace, char('e'))
	s.waitFor("Export 2 selected rows")
	s.press(keyTab, keyTab, keyEnter) // json
	s.waitFor("exported 2 rows to")
	if got := exportedTargets(t, filepath.Join(cfg.Dir, defaultReport+".json")); !slices.Equal(got, []string{eksInput, ocpInput}) {
		t.Errorf("exported %v, want the two selected rows", got)
	}

	s.press(char('a'), char('e'))
	s.waitFor("Export 4 selected rows")
	s.press(keyTab, keyTab, keyTab, keyEnter) // csv
	s.waitTable()
	b, err := os.ReadFile(filepath.Join(cfg.Dir, defaultReport+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{eksHost, ocpHost, k3sHost, deadHost} {
		if !strings.Contains(string(b), h) {
			t.Errorf("the csv of all visible rows lacks %s:\n%s", h, b)
		}
	}

	// Cleared: only the row under the cursor goes.
	s.press(char('A'), char('e'))
	s.waitFor("Export the current row")
	s.press(keyEnter) // markdown
	s.waitTable()
	b, err = os.ReadFile(filepath.Join(cfg.Dir, defaultReport+".md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), k3sInput) || strings.Contains(string(b), eksHost) || strings.Contains(string(b), ocpHost) {
		t.Errorf("with the selection cleared the report is not of the current (k3s) row only:\n%s", b)
	}
	m := s.quit()
	if m.table.SelectedCount() != 0 {
		t.Errorf("%d rows still selected after A", m.table.SelectedCount())
	}
	if p := plain(m); !strings.Contains(p, "exported 1 row to") {
		t.Errorf("status after the last export:\n%s", p)
	}
}

func exportedTargets(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc report.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var names []string
	for _, r := range doc.Results {
		names = append(names, r.Target.Name)
	}
	return names
}

func TestRescanAsksForCurrentRowOrAll(t *testing.T) {
	r := released()
	one, all := r.hold(1), r.hold(2)
	s := start(t, config(t, r, targets(t)), 120, 30, colorprofile.Ascii)
	s.waitFor("scan finished")
	s.press(char('j'), char('r')) // the second row: OpenShift
	s.waitFor("rescanning 1 target")
	close(one)
	s.waitFor("scan finished") // and the progress message is gone
	s.press(char('R'))
	s.waitFor("rescanning 4 targets")
	close(all)
	s.waitFor("scan finished")
	m := s.quit()
	every := []string{eksInput, k3sInput, deadInput, ocpInput}
	want := [][]string{every, {ocpInput}, every}
	if got := r.Calls(); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("runner was asked for %q, want %q", got, want)
	}
	if p := plain(m); !strings.Contains(p, "4/4 done") || !strings.Contains(p, "scan finished") {
		t.Errorf("after the rescans:\n%s", p)
	}
}

func TestQuitCancelsTheScan(t *testing.T) {
	r, _ := newRunner(2) // never released: probes in flight when q comes
	s := start(t, config(t, r, targets(t)), 120, 30, colorprofile.Ascii)
	s.waitFor("probing")
	s.press(char('q'))
	m := s.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
	r.mu.Lock()
	ended := r.ended
	r.mu.Unlock()
	if len(ended) != 1 {
		t.Fatalf("%d runs, want 1", len(ended))
	}
	select {
	case <-ended[0]:
	case <-time.After(10 * time.Second):
		t.Fatal("q did not cancel the context given to the runner")
	}
	if m.ctx.Err() == nil {
		t.Error("the model's context is still live")
	}
}
