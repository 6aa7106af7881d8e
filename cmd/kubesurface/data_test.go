package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// samples are the recorded source answers the assess package tests with.
const samples = "../../scan/assess/testdata"

// startSources serves the samples as endoflife.date, OSV and the CVE feed
// do, on 127.0.0.1, and returns the flags that point `data update` at it.
// override answers the request named by its key instead: "eol/<product>",
// "osv/<package>/<page>" or "feed". OSV's k8s.io/kubernetes answer comes in
// two pages.
func startSources(t *testing.T, override map[string]http.HandlerFunc) []string {
	t.Helper()
	_, srv := sourcetest.Start(t, samples, func(key string, w http.ResponseWriter, r *http.Request) bool {
		if h := override[key]; h != nil {
			h(w, r)
			return true
		}
		return false
	})
	return []string{"--endoflife-url", srv.URL, "--osv-url", srv.URL, "--cve-feed-url", srv.URL + sourcetest.FeedPath}
}

// cacheHome points the XDG cache (and HOME) at fresh directories and
// returns where the data cache goes.
func cacheHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	t.Setenv("HOME", t.TempDir())
	return filepath.Join(dir, "kubesurface", "data.json")
}

// runData runs the command as main would, keeping the cache directory
// cacheHome set (invoke gives every call a fresh one).
func runData(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func showJSON(t *testing.T, args ...string) dataReport {
	t.Helper()
	code, stdout, stderr := runData(t, append([]string{"data", "show", "-o", "json"}, args...)...)
	if code != exitOK {
		t.Fatalf("data show: exit %d: %s", code, stderr)
	}
	var rep dataReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("data show -o json: %v\n%s", err, stdout)
	}
	return rep
}

func calendar(rep dataReport, key string) calendarInfo {
	for _, c := range rep.Calendars {
		if c.Key == key {
			return c
		}
	}
	return calendarInfo{}
}

func TestDataShowThenUpdateThenShow(t *testing.T) {
	cache := cacheHome(t)
	emb, err := assess.Base()
	if err != nil {
		t.Fatal(err)
	}

	before := showJSON(t)
	if before.InUse != "embedded" || before.Origin != emb.Origin || before.CacheFile != cache || before.DataAsOf != emb.DataAsOf ||
		before.CVEs != len(emb.CVEs) || calendar(before, "kubernetes").Releases != len(emb.Lifecycle["kubernetes"].Releases) {
		t.Errorf("before the update: %+v", before)
	}
	if !strings.Contains(strings.Join(before.Notes, "\n"), "no cache yet") {
		t.Errorf("notes %q: want the missing cache said", before.Notes)
	}
	code, text, _ := runData(t, "data", "show")
	if code != exitOK || !strings.Contains(text, "Data in use:") || !strings.Contains(text, "embedded snapshot") {
		t.Errorf("text before the update:\n%s", text)
	}

	flags := startSources(t, nil)
	code, stdout, stderr := runData(t, append([]string{"data", "update"}, flags...)...)
	if code != exitOK || stderr != "" {
		t.Fatalf("data update: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	for _, w := range []string{"lifecycle from endoflife.date: kubernetes 1.36 (5 releases)", "CVEs from OSV",
		"CVE-2023-2878", "removed APIs: no online source", "wrote " + cache + ": data as of 2026-08-22"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("update output lacks %q:\n%s", w, stdout)
		}
	}

	b, err := assess.ReadCache(context.Background(), cache)
	if err != nil || b == nil {
		t.Fatalf("cache: %v", err)
	}
	var k136 assess.Release
	for _, r := range b.Lifecycle["kubernetes"].Releases {
		if r.Minor == "1.36" {
			k136 = r
		}
	}
	if k136.EndOfStandard != "2027-06-28" || k136.LatestPatch != "1.36.4" {
		t.Errorf("cached kubernetes 1.36: %+v, want the sample's eol 2027-06-28 and latest 1.36.4", k136)
	}
	for _, c := range b.CVEs {
		if c.ID == "CVE-2025-5187" {
			want := []assess.Range{{Introduced: "0.0.0", Fixed: "1.31.12"}, {Introduced: "1.32.0-alpha.0", Fixed: "1.32.8"}, {Introduced: "1.33.0-alpha.0", Fixed: "1.33.4"}}
			if !reflect.DeepEqual(c.Affected, want) || c.Score != 6.7 {
				t.Errorf("cached CVE-2025-5187: %+v", c)
			}
		}
	}

	after := showJSON(t)
	if after.InUse != "cache" || after.Origin != cache || after.DataAsOf != "2026-08-22" ||
		calendar(after, "kubernetes").Releases != 5 || calendar(after, "openshift").NewestMinor != "4.22" ||
		after.CVEs != len(emb.CVEs) || len(after.RemovalMinors) != len(emb.Removals) {
		t.Errorf("after the update: %+v", after)
	}
	if !strings.Contains(strings.Join(after.Sources, "\n"), sourcetest.FeedPath) {
		t.Errorf("sources %q: want the feed fetched", after.Sources)
	}
	code, text, _ = runData(t, "data", "show")
	if code != exitOK || !strings.Contains(text, "cache "+cache) || !strings.Contains(text, "newest 4.22") {
		t.Errorf("text after the update:\n%s", text)
	}
}

func TestDataShowFlagsStaleData(t *testing.T) {
	cacheHome(t)
	fresh := showJSON(t, "--now", "2026-09-01")
	if fresh.Stale != "" || fresh.AgeDays != 10 {
		t.Errorf("10 days after the data: stale %q, age %d", fresh.Stale, fresh.AgeDays)
	}
	old := showJSON(t, "--now", "2026-12-31")
	if !strings.Contains(old.Stale, "131 days old (over 90)") || old.AgeDays != 131 {
		t.Errorf("131 days after the data: stale %q, age %d", old.Stale, old.AgeDays)
	}
	for _, n := range old.Notes {
		if n == old.Stale {
			t.Error("staleness repeated in the notes")
		}
	}
	_, text, _ := runData(t, "data", "show", "--now", "2026-12-31")
	if !strings.Contains(text, "YES: data as of 2026-08-22 is 131 days old") {
		t.Errorf("text does not flag the stale data:\n%s", text)
	}
}

// TestDataUpdateFailureKeepsTheCache: a source failing in any way leaves
// the previous cache byte for byte, and says so.
func TestDataUpdateFailureKeepsTheCache(t *testing.T) {
	replaced := func(name, old, new string) http.HandlerFunc {
		raw, err := os.ReadFile(filepath.Join(samples, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(old)) {
			t.Fatalf("%s lacks %q", name, old)
		}
		raw = bytes.Replace(raw, []byte(old), []byte(new), 1)
		return func(w http.ResponseWriter, _ *http.Request) { w.Write(raw) }
	}
	cases := []struct {
		name, key string
		answer    http.HandlerFunc
		want      []string
	}{
		{"OSV fails on the second page", "osv/k8s.io/kubernetes/2",
			func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "backend unavailable", 500) },
			[]string{"OSV k8s.io/kubernetes", "page 2", "HTTP 500"}},
		{"feed cut mid-body", "feed", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "5721")
			w.Write([]byte(`{"_kubernetes_io": {"updated_at": "2026-08-22T04:01:37Z"}, "items": [{"id": "CVE-2023-2431", `))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, []string{"official CVE feed", "unexpected EOF"}},
		{"endoflife.date invalid JSON", "eol/azure-kubernetes-service",
			func(w http.ResponseWriter, _ *http.Request) {
				w.Write([]byte(`{"result": {"releases": [{"name": "1.36",`))
			},
			[]string{"endoflife.date azure-kubernetes-service", "malformed JSON"}},
		{"endoflife.date date that is no date", "eol/kubernetes",
			replaced("endoflife-v1-product-kubernetes.json", `"eolFrom": "2027-06-28"`, `"eolFrom": "28/06/2027"`),
			[]string{"endoflife.date kubernetes", `eolFrom "28/06/2027": not a date`}},
		{"OSV version that is no version", "osv/k8s.io/apiserver/1",
			replaced("osv-query-apiserver.json", `"fixed": "0.17.3"`, `"fixed": "0.17.three"`),
			[]string{"OSV", "GHSA-82hx-w2r5-c2wq", `"0.17.three"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cache := cacheHome(t)
			emb, _ := assess.Base()
			if err := assess.WriteCache(cache, emb); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(cache)
			flags := startSources(t, map[string]http.HandlerFunc{c.key: c.answer})
			code, stdout, stderr := runData(t, append([]string{"data", "update"}, flags...)...)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			if stdout != "" {
				t.Errorf("stdout on failure: %q", stdout)
			}
			for _, w := range append(c.want, "data update failed", "nothing was written", "the previous cache "+cache+" (data as of 2026-08-22) stays in use") {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			after, _ := os.ReadFile(cache)
			if !bytes.Equal(before, after) {
				t.Error("the cache changed")
			}
			entries, _ := os.ReadDir(filepath.Dir(cache))
			if len(entries) != 1 {
				t.Errorf("cache directory holds %d entries, want the cache alone", len(entries))
			}
		})
	}

	t.Run("no cache yet", func(t *testing.T) {
		cache := cacheHome(t)
		flags := startSources(t, map[string]http.HandlerFunc{"feed": func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("not json")) }})
		code, _, stderr := runData(t, append([]string{"data", "update"}, flags...)...)
		if code != exitFailure || !strings.Contains(stderr, "the embedded snapshot (data as of 2026-08-22) stays in use") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if _, err := os.Stat(cache); !os.IsNotExist(err) {
			t.Errorf("a cache was written: %v", err)
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		cacheHome(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		flags := startSources(t, map[string]http.HandlerFunc{"osv/k8s.io/kubernetes/1": func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		}})
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"data", "update"}, flags...), strings.NewReader(""), &out, &errb)
		if code != exitInterrupted || !strings.Contains(errb.String(), "nothing was written") {
			t.Errorf("exit %d, stderr %q", code, errb.String())
		}
	})
}

func TestDataUsageErrors(t *testing.T) {
	cacheHome(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"data", "update", "--osv-url", "ftp://osv.example"}, `--osv-url "ftp://osv.example": want an http:// or https:// URL`},
		{[]string{"data", "update", "--endoflife-url", "endoflife.date"}, `--endoflife-url "endoflife.date"`},
		{[]string{"data", "update", "--cve-feed-url", "https://"}, `--cve-feed-url "https://"`},
		{[]string{"data", "update", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"data", "update", "now"}, `unknown command "now"`},
		{[]string{"data", "show", "-o", "yaml"}, `unknown output format "yaml" (want text or json)`},
		{[]string{"data", "show", "--now", "2026-13-01"}, `--now "2026-13-01"`},
		{[]string{"data", "refresh"}, `unknown command "refresh"`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, stdout, stderr := runData(t, c.args...)
			wantUsageError(t, code, stdout, stderr, c.want)
		})
	}
}

// TestDataUpdateSnapshot is the release step: the fetched data goes into
// a snapshot directory, not the cache, and a directory that is not one is
// a usage error before anything is fetched.
func TestDataUpdateSnapshot(t *testing.T) {
	cache := cacheHome(t)
	dir := t.TempDir()
	for _, name := range []string{"lifecycle.json", "cves.json", "versions-eol-notes.json", "SOURCES.md"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "scan", "assess", "data", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	flags := startSources(t, nil)
	code, stdout, stderr := runData(t, append([]string{"data", "update", "--snapshot", dir}, flags...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+filepath.Join(dir, assess.RefreshedFile)) {
		t.Errorf("stdout %q: want the snapshot file named", stdout)
	}
	b, err := assess.LoadSnapshot(os.DirFS(dir))
	if err != nil || len(b.Sources) == 0 || !strings.Contains(b.Sources[0], "endoflife.date API") {
		t.Fatalf("the snapshot loads as %v, %v: want the fetched data", b, err)
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Errorf("the cache was written too: %v", err)
	}
	code, stdout, stderr = runData(t, append([]string{"data", "update", "--snapshot", t.TempDir()}, flags...)...)
	wantUsageError(t, code, stdout, stderr, "not a snapshot directory")
}
