package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/rand"
)

// tmuxPane drives one program in a detached tmux session on a tmux server
// of its own (its socket in a temporary directory), so no user's tmux is
// touched and cleaning up is killing that server.
type tmuxPane struct {
	t       *testing.T
	socket  string
	session string
	// last is the most recent capture, shown when a wait fails; stderr is
	// the file the program's stderr goes to, shown when it is gone.
	last, stderr string
}

func (p *tmuxPane) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", p.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	return string(out), err
}

// capture is the visible screen as text.
func (p *tmuxPane) capture() string {
	p.t.Helper()
	out, err := p.tmux("capture-pane", "-p", "-t", p.session)
	if err != nil {
		errs, _ := os.ReadFile(p.stderr)
		p.t.Fatalf("capture-pane (has the program ended?): %v: %s\nlast screen:\n%s\nstderr: %s", err, out, p.last, errs)
	}
	p.last = out
	return out
}

// waitFor polls the screen (for at most 30 s) until it holds every string
// in want, and returns that screen.
func (p *tmuxPane) waitFor(what string, want ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := p.capture()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: the screen never showed %q; it shows:\n%s", what, want, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// keys sends tmux key names (Enter, Escape) or, with literal, text as typed.
func (p *tmuxPane) keys(literal bool, keys ...string) {
	p.t.Helper()
	args := []string{"send-keys", "-t", p.session}
	if literal {
		args = append(args, "-l")
	}
	if out, err := p.tmux(append(args, keys...)...); err != nil {
		p.t.Fatalf("send-keys %q: %v: %s", keys, err, out)
	}
}

// TestTUIInTmux runs the bare command (the TUI) against the anonymous-on
// API server in a real terminal: the row fills in, the filter and the
// detail view work, e exports the shown target as Markdown into the
// working directory, and q ends the program.
func TestTUIInTmux(t *testing.T) {
	c := need(t, "ANON")
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	work, tmp := t.TempDir(), t.TempDir()
	stderr, status := filepath.Join(tmp, "stderr"), filepath.Join(tmp, "status")
	p := &tmuxPane{t: t, socket: filepath.Join(tmp, "tmux.sock"), session: "kubesurface-e2e-" + rand.String(6), stderr: stderr}
	t.Cleanup(func() { p.tmux("kill-server") })

	// The program is the session's only command: when it ends, so does the
	// session. Its stderr and exit status go to files, to be checked after.
	script := `"$@" 2>"$KS_STDERR"; echo $? >"$KS_STATUS"`
	cmd := []string{"env", "KUBECONFIG=/nonexistent", "XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"),
		"KS_STDERR=" + stderr, "KS_STATUS=" + status,
		"sh", "-c", script, "sh", binary, "--no-kubeconfig", "--now", "2026-11-26", c.URL}
	if out, err := p.tmux(append([]string{"new-session", "-d", "-s", p.session, "-x", "160", "-y", "40", "-c", work}, cmd...)...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}

	done := p.waitFor("scan", c.Version, "1/1 done")
	if !strings.Contains(done, "urgency: unknown 1") || !strings.Contains(done, "127.0.0.1") {
		t.Errorf("the finished row is not the server's, judged unknown:\n%s", done)
	}

	p.keys(true, "/", "v1.37")
	p.keys(false, "Enter")
	filtered := p.waitFor("filter", "filter: v1.37", "1/1 rows")
	if !strings.Contains(filtered, c.Version) {
		t.Errorf("the filter v1.37 hid the v1.37.2 row:\n%s", filtered)
	}

	p.keys(false, "Enter")
	detail := p.waitFor("detail view", "Overview", "Urgency reasons", "newer than the data")
	if !strings.Contains(detail, c.URL) || !strings.Contains(detail, "anonymous /version discloses "+c.Version) {
		t.Errorf("the detail view does not show the server, its version and why its urgency is unknown:\n%s", detail)
	}

	p.keys(true, "e")
	p.waitFor("export dialog", "Export the current row", "(•) markdown")
	p.keys(false, "Enter")
	exported := p.waitFor("export", "exported 1 row to /")

	p.keys(false, "Escape")
	p.waitFor("back to the table", "TARGET", "URGENCY")
	p.keys(true, "q")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := p.tmux("has-session", "-t", p.session); err != nil {
			break // the program ended, and its session with it
		}
		if time.Now().After(deadline) {
			t.Fatalf("q did not end the program; the screen shows:\n%s", p.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
	code, _ := os.ReadFile(status)
	errs, _ := os.ReadFile(stderr)
	if strings.TrimSpace(string(code)) != "0" || len(bytes.TrimSpace(errs)) > 0 {
		t.Errorf("exit status %q, stderr %q", strings.TrimSpace(string(code)), errs)
	}

	reports, _ := filepath.Glob(filepath.Join(work, "kubesurface-report-*.md"))
	if len(reports) != 1 {
		entries, _ := os.ReadDir(work)
		t.Fatalf("want one Markdown report in the working directory, got %v (directory: %v)", reports, entries)
	}
	// The status line names the file, unless a long temporary path cut it.
	if line := lineWith(exported, "exported 1 row to "); !strings.Contains(line, reports[0]) && !strings.HasSuffix(strings.TrimSpace(line), "…") {
		t.Errorf("the status line does not name %s: %q", reports[0], line)
	}
	fi, err := os.Stat(reports[0])
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, want 0600", fi.Mode().Perm())
	}
	b, err := os.ReadFile(reports[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{c.URL, c.Version, "newer than the data"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("the report lacks %q", w)
		}
	}
	if !regexp.MustCompile(`(?m)Urgency\b.*\bunknown\b`).Match(b) {
		t.Errorf("the report does not give the urgency as unknown")
	}
	if t.Failed() {
		t.Logf("report:\n%s", b)
		for i, s := range []string{done, filtered, detail, exported} {
			t.Logf("screen %d:\n%s", i+1, s)
		}
	}
}

func lineWith(screen, s string) string {
	for l := range strings.SplitSeq(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestTUISignalFromOutsideExits130: SIGTERM or SIGINT sent to the TUI by
// another process (a supervisor, `kill`, `timeout`) ends it with 130, as
// it ends every other command, while q and ctrl+c typed in the TUI quit
// with 0.
func TestTUISignalFromOutsideExits130(t *testing.T) {
	c := need(t, "ANON")
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			stderr, status, pidFile := filepath.Join(tmp, "stderr"), filepath.Join(tmp, "status"), filepath.Join(tmp, "pid")
			p := &tmuxPane{t: t, socket: filepath.Join(tmp, "tmux.sock"), session: "kubesurface-e2e-" + rand.String(6), stderr: stderr}
			t.Cleanup(func() { p.tmux("kill-server") })
			// Started as a job so the shell knows its pid; its input is the
			// terminal all the same.
			script := `"$@" </dev/tty 2>"$KS_STDERR" & echo $! >"$KS_PID"; wait $!; echo $? >"$KS_STATUS"`
			cmd := []string{"env", "KUBECONFIG=/nonexistent", "XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"),
				"KS_STDERR=" + stderr, "KS_STATUS=" + status, "KS_PID=" + pidFile,
				"sh", "-c", script, "sh", binary, "--no-kubeconfig", "--now", "2026-11-26", c.URL}
			if out, err := p.tmux(append([]string{"new-session", "-d", "-s", p.session, "-x", "160", "-y", "40", "-c", tmp}, cmd...)...); err != nil {
				t.Fatalf("tmux new-session: %v: %s", err, out)
			}
			p.waitFor("scan", c.Version, "1/1 done")
			raw, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if code, err := os.ReadFile(status); err == nil && len(code) > 0 {
					if got := strings.TrimSpace(string(code)); got != "130" {
						errs, _ := os.ReadFile(stderr)
						t.Fatalf("exit status %s after %v, want 130; stderr %q", got, sig, errs)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%v did not end the TUI; the screen shows:\n%s", sig, p.capture())
				}
				time.Sleep(100 * time.Millisecond)
			}
			if errs, _ := os.ReadFile(stderr); !strings.Contains(string(errs), "kubesurface: interrupted") {
				t.Errorf("stderr %q, want it to say the TUI was interrupted", errs)
			}
		})
	}
}
