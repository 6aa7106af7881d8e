package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui"
)

// apiServer is a TLS server answering /version with the version held in v
// (changeable between scans) and 401 to everything else; hits counts
// /version requests.
func apiServer(t *testing.T, version string) (srv *httptest.Server, v *atomic.Value, hits *atomic.Int64) {
	t.Helper()
	v, hits = new(atomic.Value), new(atomic.Int64)
	v.Store(version)
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			hits.Add(1)
			json.NewEncoder(w).Encode(map[string]string{"major": "1", "gitVersion": v.Load().(string)})
			return
		}
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv, v, hits
}

// streamed decodes `scan -o ndjson` output and checks what every line must
// be for `view`: a finished result, judged, carrying the date of its data.
func streamed(t *testing.T, stdout string) []scan.Result {
	t.Helper()
	var out []scan.Result
	for i, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r scan.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		if r.Phase != scan.PhaseDone || r.Urgency == nil || r.Urgency.DataAsOf == "" || r.Advice == nil {
			t.Fatalf("line %d is not a finished, judged result: phase %s, urgency %+v", i+1, r.Phase, r.Urgency)
		}
		out = append(out, r)
	}
	return out
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func ndjson(t *testing.T, results ...scan.Result) string {
	t.Helper()
	var b strings.Builder
	for _, r := range results {
		if err := report.Line(&b, r); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// recorder is a Runner that records what it is asked to probe and probes
// nothing.
type recorder struct {
	mu    sync.Mutex
	calls [][]scan.Target
}

func (r *recorder) RunSeq(_ context.Context, targets iter.Seq[scan.Target]) <-chan scan.Update {
	r.mu.Lock()
	r.calls = append(r.calls, slices.Collect(targets))
	r.mu.Unlock()
	ch := make(chan scan.Update)
	close(ch)
	return ch
}

func (r *recorder) Calls() [][]scan.Target {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// viewSession runs view's TUI under teatest as view runs it: the files
// opened and primed, the loading feed read by the TUI, a recording runner
// instead of the scanner, a fixed clock and size. stderr gets what view
// prints when the TUI ends.
func viewSession(t *testing.T, stdin io.Reader, files []string, now time.Time) (tm *teatest.TestModel, rec *recorder, stderr *bytes.Buffer) {
	t.Helper()
	tm, rec, stderr, _ = viewSessionWithWarnings(t, stdin, files, now)
	return tm, rec, stderr
}

// viewSessionWithWarnings is viewSession with the warnings view prints on
// stderr (into stderr) when flushed.
func viewSessionWithWarnings(t *testing.T, stdin io.Reader, files []string, now time.Time) (tm *teatest.TestModel, rec *recorder, stderr *bytes.Buffer, warnings *notices) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	inputs, err := openSaved(t.Context(), stdin, files, report.NewShared())
	if err != nil {
		t.Fatal(err)
	}
	stderr = new(bytes.Buffer)
	warnings = newNotices(stderr)
	cfg, wait := viewConfig(t.Context(), inputs, nil, now, scan.Options{}, warnings, 0)
	rec = &recorder{}
	cfg.Scanner = rec
	cfg.Clock = func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }
	cfg.Dir = t.TempDir()
	tm = teatest.NewTestModel(t, tui.New(t.Context(), cfg), teatest.WithInitialTermSize(220, 24),
		teatest.WithProgramOptions(tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		wait()
		closeSaved(inputs)
	})
	return tm, rec, stderr, warnings
}

// waitScreen waits (a safety deadline, not a measure) until the program
// has drawn every one of want. The program draws only what changed: want
// must be text that appears whole, such as a new status line.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	var seen []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		seen = append(seen, b...)
		s := ansi.Strip(string(seen))
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// finalModel stops the program and returns its model, every message sent
// before handled.
func finalModel(t *testing.T, tm *teatest.TestModel) *tui.Model {
	t.Helper()
	tm.Quit()
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*tui.Model)
}

// TestViewShowsWhatScanWrote: `scan -o ndjson` output, loaded as `view`
// loads it, gives back every result as written, and the TUI shows them as
// rows without probing anything until r or R.
func TestViewShowsWhatScanWrote(t *testing.T) {
	a, _, hitsA := apiServer(t, "v1.35.8")
	b, _, _ := apiServer(t, "v1.31.4+k3s1")
	refused := closedPort(t)
	code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "--now", "2026-11-26", "-o", "ndjson", a.URL, b.URL, refused)
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	wrote := streamed(t, stdout)
	if len(wrote) != 3 {
		t.Fatalf("want 3 lines, got %d:\n%s", len(wrote), stdout)
	}
	file := writeFile(t, "results.ndjson", stdout)

	before := hitsA.Load()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tm, rec, _ := viewSession(t, strings.NewReader(""), []string{file}, now)
	waitScreen(t, tm, "read 3 rows")
	m := finalModel(t, tm)
	if got := m.Results(); !reflect.DeepEqual(got, wrote) {
		g, _ := json.Marshal(got)
		t.Fatalf("view loaded\n%s\nscan wrote\n%s", g, stdout)
	}
	s := ansi.Strip(m.View().Content)
	for _, want := range []string{"3/3 done", "data as of 2026-08-22", "v1.35.8", "v1.31.4+k3s1", "3/3 rows", "unreachable"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	for _, never := range []string{"waiting", "probing", "reading"} {
		if strings.Contains(s, never) {
			t.Errorf("screen shows %q:\n%s", never, s)
		}
	}
	if calls := rec.Calls(); len(calls) != 0 {
		t.Fatalf("view probed on start: %v", calls)
	}

	// r rescans the current row, R all of them, with the saved targets.
	tm, rec, _ = viewSession(t, strings.NewReader(""), []string{file}, now)
	waitScreen(t, tm, "read 3 rows")
	tm.Send(keyPress('r'))
	tm.Send(keyPress('R'))
	finalModel(t, tm)
	calls := rec.Calls()
	if len(calls) != 2 || len(calls[0]) != 1 || len(calls[1]) != 3 {
		t.Fatalf("runner calls after r and R: %v", calls)
	}
	for i, tg := range calls[1] {
		if tg.Ref != wrote[i].Target || tg.Source != scan.SourceEndpoint {
			t.Errorf("R rescanned %+v, want the saved %+v", tg.Ref, wrote[i].Target)
		}
	}
	if !slices.ContainsFunc(calls[1], func(tg scan.Target) bool { return tg == calls[0][0] }) {
		t.Errorf("r rescanned %+v, not a saved target", calls[0][0])
	}
	if hitsA.Load() != before {
		t.Error("the TUI model probed a server itself")
	}
}

// TestViewMergesFilesAndJudgesWhatWasNot: documents, NDJSON and stdin
// merge into one row per target, the newest result of each; a result
// saved unjudged is judged at --now; the header names the dates of the
// data the rows were judged with.
func TestViewMergesFilesAndJudgesWhatWasNot(t *testing.T) {
	a, _, _ := apiServer(t, "v1.35.8")
	b, _, _ := apiServer(t, "v1.31.4+k3s1")
	code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "--now", "2026-11-26", "-o", "json", a.URL, b.URL)
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Results) != 2 {
		t.Fatalf("decode: %v\n%s", err, stdout)
	}
	byURL := map[string]scan.Result{}
	for _, r := range doc.Results {
		byURL[r.Target.URL] = r
	}
	savedA, savedB := byURL[a.URL], byURL[b.URL]
	// B was judged months ago, with older data.
	savedB.Urgency.DataAsOf = "2026-05-01"
	doc.Results = []scan.Result{savedA, savedB}
	docFile := writeFile(t, "monday.json", func() string {
		var w strings.Builder
		report.Write(&w, "json", doc.Results, doc.GeneratedAt, doc.Data, report.Options{})
		return w.String()
	}())

	newerA := savedA
	newerA.FinishedAt = savedA.FinishedAt.Add(time.Hour)
	newerA.Urgency, newerA.Advice = nil, nil // as a tool that does not judge would save it
	olderB := savedB
	olderB.FinishedAt = savedB.FinishedAt.Add(-time.Hour)
	olderB.Exposure.Reasons = []string{"the stale copy"}
	lines := writeFile(t, "tuesday.ndjson", ndjson(t, newerA, olderB))

	refused := closedPort(t)
	code, piped, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", refused)
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}

	tm, rec, _ := viewSession(t, strings.NewReader(piped), []string{docFile, lines, "-"}, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
	waitScreen(t, tm, "read 3 rows")
	if len(rec.Calls()) != 0 {
		t.Fatalf("view probed on start: %v", rec.Calls())
	}
	m := finalModel(t, tm)
	if s := ansi.Strip(m.View().Content); !strings.Contains(s, "data as of 2026-05-01, 2026-08-22") || !strings.Contains(s, "3/3 done") {
		t.Errorf("header does not name both data dates:\n%s", s)
	}
	got := m.Results()
	if len(got) != 3 {
		t.Fatalf("want 3 rows (a, b, the refused port), got %d", len(got))
	}
	gotA, gotB, gotC := got[0], got[1], got[2]
	if gotA.Target != savedA.Target || !gotA.FinishedAt.Equal(newerA.FinishedAt) {
		t.Errorf("a: kept the result finished at %s, want the newer %s", gotA.FinishedAt, newerA.FinishedAt)
	}
	if u := gotA.Urgency; u == nil || u.JudgedAt != "2027-03-01" || u.Level != "critical" || gotA.Advice == nil {
		t.Errorf("a was saved unjudged: want it judged at --now 2027-03-01 (past support: critical), got %+v", u)
	}
	if gotB.Target != savedB.Target || !reflect.DeepEqual(gotB.Exposure, savedB.Exposure) || gotB.Urgency.JudgedAt != "2026-11-26" {
		t.Errorf("b: want the newer, judged result kept as saved; got reasons %v, judged %s", gotB.Exposure.Reasons, gotB.Urgency.JudgedAt)
	}
	if gotC.Target.URL != "https://"+refused || gotC.State != scan.StateFailed {
		t.Errorf("the result from stdin: %+v", gotC.Target)
	}
}

// TestScanFromResultsRescansSavedTargets: --from-results probes the saved
// targets again under the same identity; a kubeconfig context comes back
// anonymous only, saying why.
func TestScanFromResultsRescansSavedTargets(t *testing.T) {
	srv, version, hits := apiServer(t, "v1.35.8")
	refused := closedPort(t)
	code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", srv.URL, refused)
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, stderr)
	}
	saved := streamed(t, stdout)
	var live scan.Result
	for _, r := range saved {
		if r.Target.URL == srv.URL {
			live = r
		}
	}
	ctxResult := live
	ctxResult.Target.Name, ctxResult.Target.Source, ctxResult.Target.Context = "prod", scan.SourceKubeconfig, "prod"
	file := writeFile(t, "saved.ndjson", stdout+ndjson(t, ctxResult))

	version.Store("v1.36.4")
	before := hits.Load()
	code, stdout, stderr = invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", "--from-results", file)
	if code != exitOK {
		t.Fatalf("rescan: exit %d: %s", code, stderr)
	}
	again := map[scan.Ref]scan.Result{}
	for _, r := range streamed(t, stdout) {
		again[r.Target] = r
	}
	if len(again) != 3 {
		t.Fatalf("want the 3 saved targets rescanned, got %d:\n%s", len(again), stdout)
	}
	if hits.Load() != before+2 {
		t.Errorf("the server was asked /version %d times, want 2 (endpoint and context)", hits.Load()-before)
	}
	for _, s := range append(saved, ctxResult) {
		r, ok := again[s.Target]
		if !ok {
			t.Errorf("%+v was not rescanned under its identity", s.Target)
			continue
		}
		if s.Target.URL == srv.URL && (r.Version == nil || r.Version.GitVersion != "v1.36.4") {
			t.Errorf("%s: version %+v, want the server's new v1.36.4", s.Target.Name, r.Version)
		}
	}
	if a := again[ctxResult.Target].Auth; a == nil || a.ErrorKind != scan.AuthConfig || a.Error != scan.NoKubeconfig {
		t.Errorf("context rebuilt from a result: auth %+v, want the config error saying there are no credentials", a)
	}
}

// TestScanShardSplitsTheTargets runs every shard of a list given in two
// orders: each target is scanned by exactly the worker scan.Shard names,
// whatever the order, and an empty shard is a successful, empty scan.
func TestScanShardSplitsTheTargets(t *testing.T) {
	srv, _, _ := apiServer(t, "v1.35.8")
	inputs := []string{srv.URL}
	for range 7 {
		inputs = append(inputs, closedPort(t))
	}
	inputs = append(inputs, inputs[1]) // a duplicate: one row, one shard
	reversed := slices.Clone(inputs)
	slices.Reverse(reversed)
	forward := writeFile(t, "forward.txt", strings.Join(inputs, "\n"))
	backward := writeFile(t, "backward.txt", strings.Join(reversed, "\n"))
	all, err := scan.ParseEndpoints(inputs, 0)
	if err != nil {
		t.Fatal(err)
	}

	const n = 3
	seen := map[string]int{}
	for i := range n {
		var got [2][]string
		for j, list := range []string{forward, backward} {
			code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", "-f", list, "--shard", strconv.Itoa(i)+"/"+strconv.Itoa(n))
			if code != exitOK {
				t.Fatalf("shard %d/%d: exit %d: %s", i, n, code, stderr)
			}
			for _, r := range streamed(t, stdout) {
				got[j] = append(got[j], r.Target.URL)
			}
			slices.Sort(got[j])
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("shard %d/%d depends on the input order: %v vs %v", i, n, got[0], got[1])
		}
		var want []string
		for _, tg := range scan.Shard(all, i, n) {
			want = append(want, tg.URL)
		}
		slices.Sort(want)
		if !slices.Equal(got[0], want) {
			t.Errorf("shard %d/%d scanned %v, want %v", i, n, got[0], want)
		}
		for _, u := range got[0] {
			seen[u]++
		}
	}
	if len(seen) != len(all) {
		t.Errorf("the shards scanned %d of %d targets", len(seen), len(all))
	}
	for u, c := range seen {
		if c != 1 {
			t.Errorf("%s scanned by %d shards", u, c)
		}
	}

	// With more shards than targets some hold nothing: that worker succeeds.
	for i := range 100 {
		if len(scan.Shard(all, i, 100)) == 0 {
			code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "-o", "ndjson", "-f", forward, "--shard", strconv.Itoa(i)+"/100")
			if code != exitOK || stdout != "" {
				t.Errorf("empty shard %d/100: exit %d, stdout %q, stderr %q", i, code, stdout, stderr)
			}
			break
		}
	}
}

// TestViewAndShardInputErrors: bad input is a usage error (exit 2) on one
// line naming the file and line, before any TUI opens.
func TestViewAndShardInputErrors(t *testing.T) {
	srv, _, _ := apiServer(t, "v1.35.8")
	_, stdout, _ := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", srv.URL)
	broken := writeFile(t, "broken.ndjson", `{"apiVersion":"kubesurface/v1","target":{"name":"x","source":"endpoint","url":"https://10.0.0.1:6443"}`+"\n")
	dir := t.TempDir()
	cases := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"view without files", "", []string{"view"}, "view needs at least one FILE"},
		{"view missing file", "", []string{"view", filepath.Join(dir, "absent.ndjson")}, "absent.ndjson: no such file"},
		{"view of a file of no results", "", []string{"view", broken}, "broken.ndjson holds no results (first unreadable row: "},
		{"view of an endpoint list", "", []string{"view", writeFile(t, "targets.txt", "10.0.0.1:6443\n")}, "targets.txt:1: invalid character '.' after top-level value)"},
		{"view of stdin twice", "", []string{"view", "-", "-"}, "'-' (stdin) can be read only once"},
		{"view of a YAML report", "", []string{"view", writeFile(t, "r.yaml", "apiVersion: kubesurface/v1\nkind: ScanReport\n")}, "r.yaml holds no results"},
		{"view bad --now", "", []string{"view", "--now", "tomorrow", broken}, `--now "tomorrow"`},
		{"view bad --timeout", "", []string{"view", "--timeout", "0s", broken}, "--timeout must be positive"},
		{"scan --from-results of no results", "", []string{"scan", "--no-kubeconfig", "--from-results", broken}, "broken.ndjson holds no results"},
		{"scan --from-results past --max-targets", "", []string{"scan", "--no-kubeconfig", "--max-targets", "1", "--from-results", writeFile(t, "two.ndjson", stdout+strings.ReplaceAll(stdout, srv.URL, "https://10.0.0.1:6443"))}, "--from-results: more than 1 target (--max-targets 1); stopped reading "},
		{"shard index too large", "", []string{"scan", "--no-kubeconfig", "--shard", "3/3", "127.0.0.1:1"}, `--shard "3/3": want I/N with 0 <= I < N`},
		{"shard of none", "", []string{"scan", "--no-kubeconfig", "--shard", "0/0", "127.0.0.1:1"}, `--shard "0/0"`},
		{"shard not I/N", "", []string{"scan", "--no-kubeconfig", "--shard", "2", "127.0.0.1:1"}, `--shard "2"`},
		{"shard negative", "", []string{"scan", "--no-kubeconfig", "--shard", "-1/2", "127.0.0.1:1"}, `--shard "-1/2"`},
		{"shard on the TUI", "", []string{"--no-kubeconfig", "--shard", "5/2", "127.0.0.1:1"}, `--shard "5/2"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := invoke(t, c.stdin, c.args...)
			wantUsageError(t, code, stdout, stderr, c.want)
		})
	}
}

// TestEmptyResultsFilesAreEmptyShards: a shard given no targets writes an
// empty file (-o ndjson) or a document of no results (-o json); view,
// view -o stats and scan --from-results read it as no results, with a
// note, instead of refusing the whole set. Malformed files are still
// refused (TestViewAndShardInputErrors).
func TestEmptyResultsFilesAreEmptyShards(t *testing.T) {
	monday := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	a := writeFile(t, "a.ndjson", ndjson(t, savedAt("203.0.113.10", monday)))
	empty := writeFile(t, "empty.ndjson", "")
	blank := writeFile(t, "blank.ndjson", "\n  \n\t\n")
	_, doc, _ := invoke(t, "", "scan", "--no-kubeconfig", "--from-results", empty, "-o", "json")
	emptyDoc := writeFile(t, "empty.json", doc)
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

	t.Run("view with an empty shard", func(t *testing.T) {
		tm, _, _, warnings := viewSessionWithWarnings(t, strings.NewReader(""), []string{a, empty, blank, emptyDoc}, now)
		waitScreen(t, tm, "read 1 row; 3 warnings")
		m := finalModel(t, tm)
		if len(m.Results()) != 1 {
			t.Errorf("rows %d, want 1", len(m.Results()))
		}
		var out bytes.Buffer
		warnings.w = &out
		warnings.flush()
		for _, f := range []string{empty, blank, emptyDoc} {
			if !strings.Contains(out.String(), f+" holds no results (empty)") {
				t.Errorf("stderr does not name %s as empty: %q", f, out.String())
			}
		}
	})

	t.Run("view with only empty inputs", func(t *testing.T) {
		tm, rec, _ := viewSession(t, strings.NewReader("\n"), []string{empty, "-"}, now)
		waitScreen(t, tm, "No results to show: all 2 inputs are empty", "read 0 rows")
		m := finalModel(t, tm)
		if len(m.Results()) != 0 || len(rec.Calls()) != 0 {
			t.Errorf("rows %d, scans %v", len(m.Results()), rec.Calls())
		}
	})

	t.Run("view -o stats", func(t *testing.T) {
		for _, c := range []struct {
			files   []string
			targets float64
		}{{[]string{a, empty, blank}, 1}, {[]string{empty, blank, emptyDoc}, 0}} {
			code, stdout, stderr := invoke(t, "", append([]string{"view", "-o", "stats", "--now", "2026-11-26"}, c.files...)...)
			if code != exitOK {
				t.Fatalf("%v: exit %d: %s", c.files, code, stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%v:\n%s", err, stdout)
			}
			if got["targets"] != c.targets {
				t.Errorf("%v: targets %v, want %v", c.files, got["targets"], c.targets)
			}
			if !strings.Contains(stderr, empty+" holds no results (empty)") {
				t.Errorf("no note of the empty file: %q", stderr)
			}
		}
	})

	t.Run("scan --from-results of empty shards", func(t *testing.T) {
		code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "-o", "ndjson", "--from-results", empty, "--from-results", blank)
		if code != exitOK || stdout != "" {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if !strings.Contains(stderr, "--from-results: no results in "+empty+", "+blank+"; nothing to scan") {
			t.Errorf("stderr %q", stderr)
		}
	})
}

func keyPress(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }
