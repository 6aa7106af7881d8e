package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
)

// sourcesAt points the refresh at base (the three sources served there)
// and lets it run: TestMain keeps every other test offline.
func sourcesAt(t *testing.T, base string) {
	t.Setenv(offlineEnv, "")
	t.Setenv(eolEnv, base)
	t.Setenv(osvEnv, base)
	t.Setenv(feedEnv, base+sourcetest.FeedPath)
}

// countingListener counts the connections made to it and closes each at
// once: a refresh aimed at it fails, after the count went up.
func countingListener(t *testing.T) (addr string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return "http://" + ln.Addr().String(), accepted
}

func scanDocument(t *testing.T, stdout string) report.Document {
	t.Helper()
	var doc report.Document
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("scan -o json: %v\n%s", err, stdout)
	}
	return doc
}

// TestOfflineMakesNoConnection: with --offline or KUBESURFACE_OFFLINE the
// sources are never dialled; without, the stale data is refreshed (here
// from a listener that hangs up, so the refresh fails, says why once, and
// changes nothing).
func TestOfflineMakesNoConnection(t *testing.T) {
	target := versionServer(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	for _, c := range []struct {
		name    string
		flags   []string
		env     string
		offline bool
	}{
		{"--offline", []string{"--offline"}, "", true},
		{offlineEnv + "=1", nil, "1", true},
		{"online", nil, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, accepted := countingListener(t)
			sourcesAt(t, base)
			t.Setenv(offlineEnv, c.env)
			args := append([]string{"scan", "--no-kubeconfig", "-o", "json", target.URL}, c.flags...)
			code, stdout, stderr := invoke(t, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			doc := scanDocument(t, stdout)
			n := accepted.Load()
			if c.offline {
				if n != 0 || doc.Data.Refresh != "" || strings.Contains(stderr, "refresh") {
					t.Errorf("%d connections, refresh %q, stderr %q: want none offline", n, doc.Data.Refresh, stderr)
				}
				return
			}
			if n == 0 {
				t.Error("no connection: the stale data was not refreshed")
			}
			// Failed before the output (said in it too) or after it (the
			// output says it was still running): stderr says it once.
			failedFirst := strings.Contains(doc.Data.Refresh, "data refresh failed")
			if !failedFirst && !strings.Contains(doc.Data.Refresh, "still running") || strings.Count(stderr, "data refresh failed") != 1 {
				t.Errorf("refresh %q, stderr %q: want the failure said once", doc.Data.Refresh, stderr)
			}
			if doc.Data.Origin != "embedded snapshot" || doc.Results[0].Urgency.DataAsOf != doc.Data.DataAsOf {
				t.Errorf("data %+v: want the embedded snapshot still in use", doc.Data)
			}
		})
	}
}

// TestScanRefreshesStaleData: a scan refreshes week-old data from the
// sources (local servers in the sources' formats) and judges every result
// of a document with it, saying so in the data block.
func TestScanRefreshesStaleData(t *testing.T) {
	src, srv := sourcetest.Start(t, samples, nil)
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	src.Stamp(time.Now().UTC().AddDate(0, 0, -1))
	sourcesAt(t, srv.URL)
	cache := t.TempDir()
	// The target answers once the refresh has ended: the refresh lands
	// while the scan runs, as it does when the scan is not quicker than
	// the sources.
	target := versionServerAfterRefresh(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	code, stdout, stderr := invokeWithCache(t, cache, "scan", "--no-kubeconfig", "-o", "json", target.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := scanDocument(t, stdout)
	if doc.Data.DataAsOf != yesterday || !strings.HasSuffix(doc.Data.Origin, "data.json") {
		t.Errorf("data %+v: want the refreshed cache, as of %s", doc.Data, yesterday)
	}
	if !strings.Contains(doc.Data.Refresh, "data refreshed: data as of "+yesterday) || !strings.Contains(doc.Data.Refresh, "every result is judged with it") {
		t.Errorf("refresh %q: want the new data and how results were judged", doc.Data.Refresh)
	}
	if got := doc.Results[0].Urgency.DataAsOf; got != yesterday {
		t.Errorf("result judged with data as of %s, want %s", got, yesterday)
	}
	if !strings.Contains(stderr, "kubesurface: data refreshed") {
		t.Errorf("stderr %q: want the refresh said", stderr)
	}
}

// versionServerAfterRefresh is versionServer answering /version only once
// the background refresh of the command run next has ended (or the request
// ends): the refresh has then landed, if it was going to, before the scan
// can finish.
func versionServerAfterRefresh(t *testing.T, body string) *httptest.Server {
	t.Helper()
	started := make(chan (<-chan struct{}), 1)
	prev := refreshStarted
	refreshStarted = func(r *assess.Refresh) {
		select {
		case started <- r.Done():
		default:
		}
	}
	t.Cleanup(func() { refreshStarted = prev })
	var (
		once sync.Once
		done <-chan struct{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			select {
			case done = <-started:
			case <-r.Context().Done():
			}
		})
		if done != nil {
			select {
			case <-done:
			case <-r.Context().Done():
			}
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// invokeWithCache is invoke with the data cache under cache.
func invokeWithCache(t *testing.T, cache string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", cache)
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestRefreshNeverDelaysTheScan: a refresh that has not landed when the
// probes end does not hold the output back: it is written at once, with
// the data in use, and the refresh gets refreshGrace after it for the
// cache, then is abandoned; stderr says once which happened.
func TestRefreshNeverDelaysTheScan(t *testing.T) {
	for _, c := range []struct {
		name  string
		lands bool // the feed answers once the output is out
		want  string
	}{
		{"lands after the output", true, "after the output, which is judged with data as of 2026-08-22; the next run uses it"},
		{"abandoned", false, "data refresh abandoned: not done 2s after the output; data as of 2026-08-22 stays in use"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := &firstLine{written: make(chan struct{})}
			src, srv := sourcetest.Start(t, samples, func(key string, _ http.ResponseWriter, r *http.Request) bool {
				if key != "feed" {
					return false
				}
				if c.lands {
					select {
					case <-out.written:
					case <-r.Context().Done():
					}
					return false
				}
				<-r.Context().Done() // a source that never answers
				return true
			})
			src.Stamp(time.Now().UTC().AddDate(0, 0, -1))
			sourcesAt(t, srv.URL)
			t.Setenv("HOME", t.TempDir())
			cache := t.TempDir()
			t.Setenv("XDG_CACHE_HOME", cache)
			target := versionServer(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
			var errb bytes.Buffer
			start := time.Now()
			code := run(context.Background(), []string{"scan", "--no-kubeconfig", "-o", "json", target.URL}, strings.NewReader(""), out, &errb)
			took := time.Since(start)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if took > refreshGrace+3*time.Second {
				t.Errorf("the scan took %s: the refresh held it up", took)
			}
			doc := scanDocument(t, out.buf.String())
			if doc.Results[0].Urgency.DataAsOf != "2026-08-22" || !strings.Contains(doc.Data.Refresh, "still running when the scan ended: every result is judged with data as of 2026-08-22") {
				t.Errorf("judged with %s, data.refresh %q: want the data in use, and the refresh said to be running", doc.Results[0].Urgency.DataAsOf, doc.Data.Refresh)
			}
			if n := strings.Count(errb.String(), "data refresh"); n != 1 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("stderr %q: want %q, once", errb.String(), c.want)
			}
			_, err := os.Stat(filepath.Join(cache, "kubesurface", "data.json"))
			if landed := err == nil; landed != c.lands {
				t.Errorf("cache written %v, want %v", landed, c.lands)
			}
		})
	}
}

// firstLine is a stdout that says when the first line has been written.
type firstLine struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{}
	once    sync.Once
}

func (f *firstLine) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.buf.Write(p)
	if bytes.Contains(f.buf.Bytes(), []byte("\n")) {
		f.once.Do(func() { close(f.written) })
	}
	return n, err
}

// TestStreamedLinesKeepTheirData: a line printed before refreshed data
// lands cannot change, a line after it uses it; stderr says which data
// judged which lines.
func TestStreamedLinesKeepTheirData(t *testing.T) {
	out := &firstLine{written: make(chan struct{})}
	src, srv := sourcetest.Start(t, samples, func(key string, _ http.ResponseWriter, r *http.Request) bool {
		if key == "feed" {
			// The refresh cannot land before the line is out.
			select {
			case <-out.written:
			case <-r.Context().Done():
			}
		}
		return false
	})
	src.Stamp(time.Now().UTC().AddDate(0, 0, -1))
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	sourcesAt(t, srv.URL)
	t.Setenv("HOME", t.TempDir())
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	target := versionServer(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	later := versionServerAfterRefresh(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	var errb bytes.Buffer
	code := run(context.Background(), []string{"scan", "--no-kubeconfig", "-o", "ndjson", target.URL, later.URL}, strings.NewReader(""), out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var line struct {
		Urgency struct{ DataAsOf string }
	}
	lines := strings.Split(strings.TrimSpace(out.buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), out.buf.String())
	}
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line.Urgency.DataAsOf == yesterday {
		t.Errorf("the first line says data as of %s: it was judged before the refresh landed", yesterday)
	}
	old := line.Urgency.DataAsOf
	if err := json.Unmarshal([]byte(lines[1]), &line); err != nil || line.Urgency.DataAsOf != yesterday {
		t.Errorf("the second line says data as of %s (%v): want the refreshed %s", line.Urgency.DataAsOf, err, yesterday)
	}
	want := "1 result printed before it landed was judged with data as of " + old + " (printed lines do not change), the 1 after with data as of " + yesterday
	if !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q lacks %q", errb.String(), want)
	}
}

// TestInterruptEndsTheRefresh: Ctrl-C while a source never answers ends
// the scan and its refresh (exit 130), writes no cache, and the results
// already finished are still written.
func TestInterruptEndsTheRefresh(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, srv := sourcetest.Start(t, samples, func(key string, _ http.ResponseWriter, r *http.Request) bool {
		if key != "feed" {
			return false
		}
		cancel() // the user's Ctrl-C, while the feed is awaited
		<-r.Context().Done()
		return true
	})
	sourcesAt(t, srv.URL)
	t.Setenv("HOME", t.TempDir())
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	target := versionServer(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	var out, errb bytes.Buffer
	code := run(ctx, []string{"scan", "--no-kubeconfig", "-o", "json", target.URL}, strings.NewReader(""), &out, &errb)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d: %s", code, exitInterrupted, errb.String())
	}
	if _, err := os.Stat(filepath.Join(cache, "kubesurface", "data.json")); !os.IsNotExist(err) {
		t.Errorf("a cache was written: %v", err)
	}
	doc := scanDocument(t, out.String())
	if doc.Data.Origin != "embedded snapshot" {
		t.Errorf("data %+v: want the embedded snapshot", doc.Data)
	}
}
