package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// invoke runs the command as main would, with no kubeconfig unless the
// test names one.
func invoke(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the embedded data, not a user's cache
	t.Setenv("COLUMNS", "")                 // -o table to a buffer: every column, whatever the test's terminal
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// wantUsageError checks the contract for bad input: exit 2, one line on
// stderr naming the problem, nothing on stdout.
func wantUsageError(t *testing.T, code int, stdout, stderr, want string) {
	t.Helper()
	if code != exitUsage {
		t.Errorf("exit code %d, want %d (stderr %q)", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("stderr %q: want one line containing %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout not empty on error: %q", stdout)
	}
}

// closedPort is a 127.0.0.1 port that refuses connections.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestBadInputIsAUsageErrorNamingIt(t *testing.T) {
	dir := t.TempDir()
	malformed := filepath.Join(dir, "broken-kubeconfig")
	os.WriteFile(malformed, []byte("apiVersion: v1\nclusters: [\n"), 0o600)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("# nothing here\n\n"), 0o600)
	good := filepath.Join(dir, "kubeconfig")
	os.WriteFile(good, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: dev, context: {cluster: c, user: u}}]
`), 0o600)

	cases := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"unknown flag", "", []string{"scan", "--bogus"}, "unknown flag: --bogus"},
		{"bad output", "", []string{"scan", "-o", "xml", "127.0.0.1:1"}, `unknown output format "xml"`},
		{"bad endpoint", "", []string{"scan", "--no-kubeconfig", "host:99999"}, `endpoint "host:99999": invalid port`},
		{"cidr too large", "", []string{"scan", "--no-kubeconfig", "--max-targets", "10", "10.0.0.0/24"}, "--max-targets"},
		{"malformed kubeconfig", "", []string{"scan", "--kubeconfig", malformed}, "broken-kubeconfig"},
		{"missing kubeconfig", "", []string{"scan", "--kubeconfig", filepath.Join(dir, "nope")}, "nope"},
		{"unknown context", "", []string{"scan", "--kubeconfig", good, "--context", "prod"}, `context "prod" not found (contexts: dev)`},
		{"empty file", "", []string{"scan", "--no-kubeconfig", "-f", empty}, "empty.txt holds no endpoints"},
		{"missing file", "", []string{"scan", "--no-kubeconfig", "-f", filepath.Join(dir, "absent.txt")}, "absent.txt"},
		{"empty stdin", "\n", []string{"scan", "--no-kubeconfig", "-"}, "stdin holds no endpoints"},
		{"nothing to scan", "", []string{"scan"}, "nothing to scan"},
		{"bad timeout", "", []string{"scan", "--timeout", "0s", "127.0.0.1:1"}, "--timeout must be positive"},
		{"unknown command", "", []string{"scna"}, `unknown command "scna"`},
		{"bad --now", "", []string{"scan", "--now", "26/11/2026", "127.0.0.1:1"}, `--now "26/11/2026": want a date as YYYY-MM-DD`},
		{"bad --fail-on level", "", []string{"scan", "--fail-on", "severe", "127.0.0.1:1"}, "level must be critical, high, medium or low"},
		{"bad --fail-on scale", "", []string{"scan", "--fail-on", "risk:high", "127.0.0.1:1"}, "scale must be urgency, exposure or readiness"},
		{"bad --fail-on readiness level", "", []string{"scan", "--fail-on", "readiness:high", "127.0.0.1:1"}, "readiness takes only blocked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := invoke(t, c.stdin, c.args...)
			wantUsageError(t, code, stdout, stderr, c.want)
		})
	}
}

// TestMistypedCommandSuggestsTheNearest: a typo names the subcommand it is
// near, not every subcommand; a word near none points at the help instead.
func TestMistypedCommandSuggestsTheNearest(t *testing.T) {
	code, stdout, stderr := invoke(t, "", "scna")
	wantUsageError(t, code, stdout, stderr, `unknown command "scna" (did you mean: scan?)`)
	for _, other := range []string{"serve", "view", "data", "demo", "version", "completion"} {
		if strings.Contains(stderr, other) {
			t.Errorf("scna suggests %s too: %q", other, stderr)
		}
	}
	code, stdout, stderr = invoke(t, "", "veiw")
	wantUsageError(t, code, stdout, stderr, "(did you mean: view?)")

	code, stdout, stderr = invoke(t, "", "xylophone")
	wantUsageError(t, code, stdout, stderr, `unknown command "xylophone" (see 'kubesurface --help' for the commands)`)
	if strings.Contains(stderr, "did you mean") || strings.Contains(stderr, "scan") {
		t.Errorf("a word near no command is given suggestions: %q", stderr)
	}
}

// TestOutputsCarryEveryTarget scans a refusing port and a live TLS server
// from arguments, -f and stdin, in every format.
func TestOutputsCarryEveryTarget(t *testing.T) {
	srv := versionServer(t, `{"major":"1","minor":"31","gitVersion":"v1.31.4+k3s1"}`)
	refused := closedPort(t)
	list := filepath.Join(t.TempDir(), "endpoints.txt")
	os.WriteFile(list, []byte("# from a file\n"+refused+"\n"), 0o600)
	args := []string{"scan", "--no-kubeconfig", "--timeout", "2s", "-f", list, "-", srv.URL}

	check := func(t *testing.T, results []scan.Result) {
		t.Helper()
		if len(results) != 2 {
			t.Fatalf("want 2 results, got %d", len(results))
		}
		byURL := map[string]scan.Result{}
		for _, r := range results {
			byURL[r.Target.URL] = r
			if r.APIVersion != scan.APIVersion {
				t.Errorf("apiVersion %q", r.APIVersion)
			}
		}
		live := byURL[srv.URL]
		if live.Version == nil || live.Version.GitVersion != "v1.31.4+k3s1" || live.Dist.Name != scan.DistK3s {
			t.Errorf("live server: version %+v dist %+v", live.Version, live.Dist)
		}
		dead := byURL["https://"+refused]
		if dead.State != scan.StateFailed || dead.Exposure.Access != scan.AccessUnreachable {
			t.Errorf("refused port: %+v", dead)
		}
	}

	t.Run("json", func(t *testing.T) {
		code, stdout, stderr := invoke(t, refused+"\n", append(args, "-o", "json")...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var doc report.Document
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.APIVersion != scan.APIVersion || doc.Kind != report.Kind {
			t.Errorf("envelope %s %s", doc.APIVersion, doc.Kind)
		}
		check(t, doc.Results)
	})
	t.Run("yaml", func(t *testing.T) {
		code, stdout, stderr := invoke(t, refused+"\n", append(args, "-o", "yaml")...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var doc report.Document
		if err := yaml.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		check(t, doc.Results)
	})
	t.Run("ndjson", func(t *testing.T) {
		code, stdout, stderr := invoke(t, refused+"\n", append(args, "-o", "ndjson")...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var results []scan.Result
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var r scan.Result
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			if r.Phase != scan.PhaseDone {
				t.Errorf("ndjson line before the target finished: phase %s", r.Phase)
			}
			results = append(results, r)
		}
		check(t, results)
	})
	t.Run("table", func(t *testing.T) {
		code, stdout, stderr := invoke(t, refused+"\n", append(args, "-o", "table")...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "TARGET") || !strings.HasPrefix(lines[4], "data: embedded snapshot, as of ") {
			t.Fatalf("table:\n%s", stdout)
		}
		if !strings.Contains(stdout, "v1.31.4+k3s1") || !strings.Contains(stdout, "connection refused") {
			t.Errorf("table lacks the version or the refusal:\n%s", stdout)
		}
	})
}

// TestTableFitsColumnsAndWideDoesNot: -o table to a pipe is every column
// whole, as kubectl's get; with COLUMNS (or on a terminal) it fits the
// width; -o wide never cuts. view prints the same tables of saved results,
// and the shell completes wide for both.
func TestTableFitsColumnsAndWideDoesNot(t *testing.T) {
	monday := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	long := savedAt("203.0.113.10", monday)
	long.Target.Name = "a-very-long-target-name-for-a-cluster-in-eu-west-1:6443"
	ctx := savedAt("10.0.0.5", monday)
	ctx.Target.Source, ctx.Target.Context, ctx.Target.Name = scan.SourceKubeconfig, "prod", "prod"
	file := writeFile(t, "saved.ndjson", ndjson(t, long, ctx))
	srv := versionServer(t, `{"major":"1","minor":"31","gitVersion":"v1.31.4+k3s1"}`)

	lines := func(out string) []string {
		table, _, _ := strings.Cut(out, "\n\ndata: ")
		return strings.Split(table, "\n")
	}
	widest := func(ls []string) int {
		w := 0
		for _, l := range ls {
			w = max(w, len([]rune(l)))
		}
		return w
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"scan", []string{"scan", "--no-kubeconfig", "--timeout", "2s", srv.URL}},
		{"view", []string{"view", "--now", "2026-11-26", file}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, pipe, stderr := invoke(t, "", append(c.args, "-o", "table")...)
			if code != exitOK {
				t.Fatalf("-o table: exit %d: %s", code, stderr)
			}
			if widest(lines(pipe)) <= 60 || strings.Contains(pipe, "…") || !strings.Contains(pipe, "LATENCY") {
				t.Errorf("-o table to a pipe is not whole:\n%s", pipe)
			}
			code, wide, stderr := invoke(t, "", append(c.args, "-o", "wide")...)
			if code != exitOK || lines(wide)[0] != lines(pipe)[0] {
				t.Errorf("-o wide: exit %d, %s\n%s", code, stderr, wide)
			}
			t.Setenv("COLUMNS", "60")
			code, fitted, _ := invoke2(t, append(c.args, "-o", "table")...)
			if code != exitOK || widest(lines(fitted)) > 60 || strings.Contains(lines(fitted)[0], "LATENCY") {
				t.Errorf("-o table at COLUMNS=60:\n%s", fitted)
			}
			code, wide60, _ := invoke2(t, append(c.args, "-o", "wide")...)
			if code != exitOK || lines(wide60)[0] != lines(pipe)[0] || strings.Contains(wide60, "…") {
				t.Errorf("-o wide at COLUMNS=60 is not whole:\n%s", wide60)
			}
		})
	}
	_, out, _ := invoke(t, "", "view", "--now", "2026-11-26", "-o", "wide", file)
	if !strings.Contains(out, "a-very-long-target-name-for-a-cluster-in-eu-west-1:6443  endpoint") || !strings.Contains(out, "prod  ") || !strings.Contains(out, " kubeconfig ") || strings.Contains(out, "context") {
		t.Errorf("SOURCE is not named as in the JSON:\n%s", out)
	}
	for _, cmd := range []string{"scan", "view"} {
		words, _ := complete(t, cmd, "-o", "")
		if !slices.Contains(words, "wide") || !slices.Contains(words, "table") {
			t.Errorf("%s -o completes %q", cmd, words)
		}
	}
}

// invoke2 is invoke keeping the COLUMNS the test set.
func invoke2(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestJudgementAndGate: --now fixes the date the judgement is for, and
// --fail-on turns a level into exit code 3 after the output is written.
func TestJudgementAndGate(t *testing.T) {
	srv := versionServer(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	base := []string{"scan", "--no-kubeconfig", "--timeout", "2s", "-o", "json", srv.URL}

	decode := func(t *testing.T, stdout string) scan.Result {
		t.Helper()
		var doc report.Document
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Results) != 1 {
			t.Fatalf("decode: %v\n%s", err, stdout)
		}
		if doc.Data.Origin != "embedded snapshot" || doc.Data.DataAsOf != "2026-08-22" {
			t.Errorf("data info %+v", doc.Data)
		}
		return doc.Results[0]
	}
	code, stdout, stderr := invoke(t, "", append(base, "--now", "2026-11-26")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if u := decode(t, stdout).Urgency; u == nil || u.Level != "low" || u.JudgedAt != "2026-11-26" || u.Lifecycle.DaysLeft != 94 {
		t.Fatalf("urgency at 2026-11-26: %+v", u)
	}
	if !strings.Contains(stderr, "96 days old") {
		t.Errorf("stale data not flagged: %q", stderr)
	}
	code, stdout, stderr = invoke(t, "", append(base, "--now", "2027-03-01", "--fail-on", "urgency:critical")...)
	if code != exitGate || !strings.Contains(stderr, "urgency critical") {
		t.Fatalf("past support with --fail-on urgency:critical: exit %d, stderr %q", code, stderr)
	}
	if u := decode(t, stdout).Urgency; u.Level != "critical" {
		t.Errorf("urgency at 2027-03-01: %+v", u)
	}
	code, _, stderr = invoke(t, "", append(base, "--now", "2026-11-26", "--fail-on", "medium")...)
	if code != exitOK {
		t.Errorf("low urgency, low exposure with --fail-on medium: exit %d (%s)", code, stderr)
	}
	code, _, stderr = invoke(t, "", append(base, "--now", "2026-11-26", "--fail-on", "exposure:low")...)
	if code != exitGate || !strings.Contains(stderr, "exposure low") {
		t.Errorf("--fail-on exposure:low on a version-disclosing loopback server: exit %d, stderr %q", code, stderr)
	}
}

// versionServer is an API server as a stranger sees it with anonymous
// /version open: body at /version, 401 everywhere else. It stops with t.
func versionServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			w.Write([]byte(body))
			return
		}
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv
}
