package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// TestFromResultsSkipsBadRowsWithAWarning: one unreadable row costs only
// itself: --from-results warns on stderr naming the file and line, and
// probes every other saved target, a context saved with no server among
// them.
func TestFromResultsSkipsBadRowsWithAWarning(t *testing.T) {
	srv, _, hits := apiServer(t, "v1.35.8")
	_, stdout, _ := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", srv.URL)
	good := streamed(t, stdout)[0]
	noServer := scan.Pending(scan.Target{Ref: scan.Ref{Name: "broken", Source: scan.SourceKubeconfig, Context: "broken"}})
	noServer.State, noServer.Phase = scan.StateFailed, scan.PhaseDone
	otherSchema := strings.Replace(ndjson(t, good), scan.APIVersion, "kubesurface/v2", 1)
	file := writeFile(t, "saved.ndjson", ndjson(t, good)+
		"kubesurface: data as of 2026-08-22 is 96 days old\n"+
		`{"apiVersion":"kubesurface/v1","target":{"name":"x","source":"endpoint","url":"gopher://10.0.0.1"}}`+"\n"+
		otherSchema+
		ndjson(t, noServer))

	before := hits.Load()
	code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", "--from-results", file)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"saved.ndjson:2: invalid character 'k' looking for beginning of value (skipped)",
		`saved.ndjson:3: target "x": endpoint "gopher://10.0.0.1": scheme "gopher"`,
		`saved.ndjson:4: not a kubesurface result: apiVersion "kubesurface/v2"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "saved.ndjson:"); n != 3 {
		t.Errorf("%d warnings on stderr, want one per skipped row:\n%s", n, stderr)
	}
	again := streamed(t, stdout)
	if len(again) != 2 || hits.Load() == before {
		t.Fatalf("want the saved server and the context rescanned, got %d rows:\n%s", len(again), stdout)
	}
	for _, r := range again {
		if r.Target.Name == "broken" && (r.State != scan.StateFailed || r.Auth == nil || r.Auth.Error != scan.NoServer) {
			t.Errorf("the context without a server: state %s, auth %+v", r.State, r.Auth)
		}
	}
}

// TestFromResultsSaysWhenAFailedRowReplacesAGoodOne: merging runs keeps
// the newest result of each target, but a newer one that did not reach
// the server does not replace one that did silently.
func TestFromResultsSaysWhenAFailedRowReplacesAGoodOne(t *testing.T) {
	srv, _, _ := apiServer(t, "v1.35.8")
	_, stdout, _ := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", srv.URL)
	good := streamed(t, stdout)[0]
	down := good
	down.State, down.FinishedAt = scan.StateFailed, good.FinishedAt.Add(time.Hour)
	down.Exposure.Access = scan.AccessUnreachable
	down.Errors = []scan.PhaseFailure{{Phase: scan.PhaseConnect, Error: "connect: connection refused"}}
	monday, tuesday := writeFile(t, "monday.ndjson", ndjson(t, good)), writeFile(t, "tuesday.ndjson", ndjson(t, down))
	code, _, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", "--from-results", monday, "--from-results", tuesday)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "did not reach the server and replaces one that did"; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q: want a note containing %q", stderr, want)
	}
}

// TestFromResultsStopsAtMaxTargetsWhileReading: the count is checked as
// each result is read, so an input that never ends is refused as soon as
// it passes --max-targets, not at its end.
func TestFromResultsStopsAtMaxTargetsWhileReading(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		for i := 0; ; i++ {
			r := scan.Pending(scan.Target{Ref: scan.Ref{Name: "x", Source: scan.SourceEndpoint, URL: fmt.Sprintf("https://10.0.%d.%d:6443", i>>8&255, i&255)}})
			if report.Line(pw, r) != nil {
				return
			}
			if i == 5 {
				select {} // and the writer keeps it open: a stdin that never closes
			}
		}
	}()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(context.Background(), []string{"scan", "--no-kubeconfig", "--max-targets", "3", "--from-results", "-"}, pr, io.Discard, &stderr)
	}()
	select {
	case code := <-done:
		if code != exitUsage || !strings.Contains(stderr.String(), "--from-results: more than 3 targets (--max-targets 3); stopped reading stdin") {
			t.Errorf("exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(time.Minute): // a safety deadline, not a measure
		t.Fatal("--from-results waited for the end of an input already past --max-targets")
	}
}

// TestViewListsSkippedRowsOnStderrWhenItEnds: the status line says rows
// were skipped; which ones, and why, are on stderr once the screen is the
// terminal's again.
func TestViewListsSkippedRowsOnStderrWhenItEnds(t *testing.T) {
	srv, _, _ := apiServer(t, "v1.35.8")
	_, stdout, _ := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", srv.URL)
	var lines strings.Builder
	lines.WriteString(stdout)
	for i := range noticeLimit + 5 {
		fmt.Fprintf(&lines, "garbage %d\n", i)
	}
	file := writeFile(t, "logs.ndjson", lines.String())
	tm, _, stderr, warnings := viewSessionWithWarnings(t, strings.NewReader(""), []string{file}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	waitScreen(t, tm, "read 1 row; 25 warnings, listed on stderr when you quit")
	finalModel(t, tm)
	warnings.flush()
	got := stderr.String()
	if !strings.Contains(got, "logs.ndjson:2: invalid character 'g'") || !strings.Contains(got, "logs.ndjson: 5 more rows skipped") {
		t.Errorf("stderr:\n%s", got)
	}
	if n := strings.Count(got, "\n"); n != noticeLimit+1 {
		t.Errorf("%d lines on stderr, want %d and a count of the rest", n, noticeLimit+1)
	}
}

// TestSavedResultsReadsEndAtASignal: view and --from-results read a FIFO
// no one writes to, or a stdin that never closes, through bounded: SIGINT
// or SIGTERM ends the process with 130, and /dev/zero is refused at the
// line cap with a usage error rather than read until memory runs out.
func TestSavedResultsReadsEndAtASignal(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "results.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	var line bytes.Buffer
	report.Line(&line, scan.Pending(scan.Target{Ref: scan.Ref{Name: "x", Source: scan.SourceEndpoint, URL: "https://10.0.0.1:6443"}}))

	for _, c := range []struct {
		name string
		args []string
		// stdin, when set, is written to a pipe the test keeps open: the
		// process is reading once it has taken it.
		stdin []byte
		sig   syscall.Signal
	}{
		{"view of a FIFO without a writer", []string{"view", fifo}, nil, syscall.SIGINT},
		{"--from-results of a FIFO without a writer", []string{"scan", "--no-kubeconfig", "--from-results", fifo}, nil, syscall.SIGTERM},
		{"view of a stdin that never closes", []string{"view", "-"}, []byte("\n"), syscall.SIGTERM},
		{"--from-results of a stdin that gave a result and never closes", []string{"scan", "--no-kubeconfig", "--from-results", "-"}, line.Bytes(), syscall.SIGINT},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Let it reach the read: a signal before main's handler is set
			// would kill it by default, which proves nothing. The handler
			// is set before anything is read.
			var ready func() bool
			var stdin io.Reader
			if c.stdin != nil {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { r.Close(); w.Close() })
				w.Write(c.stdin)
				stdin, ready = r, func() bool { return unread(t, r) == 0 }
			}
			p := startBinary(t, stdin, c.args...)
			if ready == nil {
				ready = func() bool { return blockedIn(p.cmd.Process.Pid, "wait_for_partner") }
			}
			waitUntil(t, "read under way", ready)
			p.cmd.Process.Signal(c.sig)
			if code := p.wait(t); code != exitInterrupted || !strings.Contains(p.stderr.String(), "kubesurface: interrupted") {
				t.Errorf("exit %d, stderr %q; want %d and interrupted", code, p.stderr.String(), exitInterrupted)
			}
		})
	}

	for _, args := range [][]string{{"view", "/dev/zero"}, {"scan", "--no-kubeconfig", "--from-results", "/dev/zero"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			p := startBinary(t, nil, args...)
			code := p.wait(t)
			if code != exitUsage || !strings.Contains(p.stderr.String(), "/dev/zero:1: line longer than 16 MiB, the most kubesurface reads of one result") {
				t.Errorf("exit %d, stderr %q", code, p.stderr.String())
			}
		})
	}
}

// unread is how many bytes wait in pipe r, unread by anyone.
func unread(t *testing.T, r *os.File) int {
	t.Helper()
	rc, err := r.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	var errno syscall.Errno
	rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	})
	if errno != 0 {
		t.Fatal(errno)
	}
	return int(n)
}

// TestStoppedScanWritesCancelledRows: SIGTERM in the middle of a scan
// writes the target that finished as it was, the one in flight as
// cancelled (not "unreachable"), in every machine format; and a merge with
// an earlier complete run keeps the complete row, silently.
func TestStoppedScanWritesCancelledRows(t *testing.T) {
	var hang sync.Map // the paths that hang until the client goes
	entered := make(chan string, 16)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := hang.Load(r.Host); ok && r.URL.Path == "/version" {
			entered <- r.Host
			<-r.Context().Done()
			return
		}
		if r.URL.Path == "/version" {
			json.NewEncoder(w).Encode(map[string]string{"major": "1", "gitVersion": "v1.33.2"})
			return
		}
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	fast, _, _ := apiServer(t, "v1.35.8")
	// The slow target is the same server under its other name: the
	// handler tells them apart by Host.
	slow := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	slowHost := strings.TrimPrefix(slow, "https://")

	// Monday: the slow target answers.
	code, monday, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "2s", "-o", "ndjson", slow)
	if code != exitOK {
		t.Fatalf("monday: exit %d: %s", code, stderr)
	}
	mondayFile := writeFile(t, "monday.ndjson", monday)
	hang.Store(slowHost, true)

	for _, format := range []string{"ndjson", "json"} {
		t.Run(format, func(t *testing.T) {
			// One at a time, the fast one first: it has finished when the
			// slow one hangs.
			p := startBinary(t, nil, "scan", "--no-kubeconfig", "--concurrency", "1", "--timeout", "5m", "-o", format, fast.URL, slow)
			select {
			case <-entered:
			case <-time.After(time.Minute):
				t.Fatalf("the slow target was never asked /version; stderr: %s", p.stderr.String())
			}
			p.cmd.Process.Signal(syscall.SIGTERM)
			if code := p.wait(t); code != exitInterrupted {
				t.Fatalf("exit %d, want %d; stderr %s", code, exitInterrupted, p.stderr.String())
			}
			out := p.stdout.String()
			var rows []scan.Result
			if format == "json" {
				var doc report.Document
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Fatalf("%v:\n%s", err, out)
				}
				rows = doc.Results
			} else {
				got, skipped, err := report.Read(strings.NewReader(out), "stdout")
				if err != nil || len(skipped) > 0 {
					t.Fatalf("%v %v:\n%s", err, skipped, out)
				}
				rows = got
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want the finished one and the cancelled one:\n%s", len(rows), out)
			}
			byURL := map[string]scan.Result{}
			for _, r := range rows {
				byURL[r.Target.URL] = r
			}
			if r := byURL[fast.URL]; r.State != scan.StateDone || r.Version == nil {
				t.Errorf("the finished target: state %s, version %+v", r.State, r.Version)
			}
			stopped := byURL[slow]
			if stopped.State != scan.StateCancelled || stopped.Exposure.Access == scan.AccessUnreachable {
				t.Errorf("the target in flight: state %s, access %s: want cancelled, never unreachable", stopped.State, stopped.Exposure.Access)
			}
			if stopped.Urgency != nil {
				t.Errorf("the target in flight saw no version, yet was judged: %+v", stopped.Urgency)
			}
			file := writeFile(t, "tuesday."+format, out)

			// view merges Monday's complete row with Tuesday's cancelled one.
			tm, _, _, warnings := viewSessionWithWarnings(t, strings.NewReader(""), []string{mondayFile, file}, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
			waitScreen(t, tm, "read 2 rows")
			got := finalModel(t, tm).Results()
			for _, r := range got {
				if r.Target.URL == slow && (r.State != scan.StateDone || r.Version == nil || r.Version.GitVersion != "v1.33.2") {
					t.Errorf("view kept the %s row of the slow target over Monday's complete one", r.State)
				}
			}
			var notes bytes.Buffer
			warnings.w = &notes
			warnings.flush()
			if notes.Len() > 0 {
				t.Errorf("notes on a merge that kept the complete row: %s", notes.String())
			}
		})
	}
}
