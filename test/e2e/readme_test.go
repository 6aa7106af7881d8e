package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/rand"
)

// readmePath is the README whose sample output the test keeps honest
// (docs/tui.md has two more).
const readmePath = "../../README.md"

// The parts of a sample that change from run to run: the demo's ports,
// latencies, elapsed time. Both the README and the fresh capture are
// compared with them replaced.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`\b\d+ms\b`), "Nms"},
	{regexp.MustCompile(`· \d+s ·`), "· Ns ·"},
	{regexp.MustCompile(`(?m)[ \t]+$`), ""},
	// The README shows a run of empty screen lines as one.
	{regexp.MustCompile(`\n{3,}`), "\n\n"},
}

func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return strings.TrimRight(s, "\n")
}

// sample is the text of the README's block named name: the fenced block
// between <!-- sample: name --> and <!-- /sample -->.
func sample(t *testing.T, readme, name string) (start, end int) {
	t.Helper()
	open := "<!-- sample: " + name + " -->\n```\n"
	start = strings.Index(readme, open)
	if start < 0 {
		t.Fatalf("README has no %q block", open)
	}
	start += len(open)
	end = strings.Index(readme[start:], "```\n<!-- /sample -->")
	if end < 0 {
		t.Fatalf("README's %q block has no end", name)
	}
	return start, start + end
}

// demoEndpoints starts `demo --serve` and returns the endpoints file it
// printed; the servers stop with the test.
func demoEndpoints(t *testing.T) (string, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, "demo", "--serve")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	// The endpoints come at once, then the servers wait: a second with no
	// new line ends the list.
	ch := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	var lines []string
	deadline := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case l, ok := <-ch:
			if !ok {
				done = true
			} else {
				lines = append(lines, l)
			}
		case <-time.After(time.Second):
			done = len(lines) > 0
		case <-deadline:
			done = true
		}
	}
	if len(lines) == 0 {
		t.Fatal("demo --serve printed no endpoints")
	}
	go func() {
		for range ch {
		}
	}()
	path := filepath.Join(t.TempDir(), "endpoints")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, len(lines)
}

// TestREADMESamples keeps the README's sample output honest: it runs the
// commands the quick start shows (`demo`, and `scan -o table` on the demo
// fleet's endpoints) at the README's date,
// and compares what they print (the TUI as a 100x30 terminal shows it, in
// tmux) with the README's blocks, ports, latencies and the elapsed time
// aside. KS_UPDATE_README=1 writes the fresh captures into the README
// instead.
func TestREADMESamples(t *testing.T) {
	need(t, "ANON") // the binary is built when the clusters are up
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	endpoints, n := demoEndpoints(t)
	tmp := t.TempDir()
	env := append(os.Environ(), "KUBECONFIG=/nonexistent", "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"), "COLUMNS=100")

	scan := exec.Command(binary, "scan", "--no-kubeconfig", "-f", endpoints, "--now", "2026-11-30", "-o", "table")
	scan.Env = env
	var stderr bytes.Buffer
	scan.Stderr = &stderr
	table, err := scan.Output()
	if err != nil {
		t.Fatalf("scan: %v\n%s", err, stderr.Bytes())
	}

	p := &tmuxPane{t: t, socket: filepath.Join(tmp, "tmux.sock"), session: "kubesurface-e2e-" + rand.String(6), stderr: filepath.Join(tmp, "stderr")}
	t.Cleanup(func() { p.tmux("kill-server") })
	cmd := []string{"env", "KUBECONFIG=/nonexistent", "XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"),
		"sh", "-c", `"$@" 2>"$0"`, p.stderr, binary, "demo", "--now", "2026-11-30"}
	if out, err := p.tmux(append([]string{"new-session", "-d", "-s", p.session, "-x", "100", "-y", "30"}, cmd...)...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	p.waitFor("demo scanned", fmt.Sprintf("%d/%d done", n, n), fmt.Sprintf("%d/%d rows", n, n))
	time.Sleep(300 * time.Millisecond) // the last frame
	tui := p.capture()
	// The fleet view, at 80x24, the size docs/tui.md shows it at: the
	// urgency chart, then the timeline.
	if out, err := p.tmux("resize-window", "-t", p.session, "-x", "80", "-y", "24"); err != nil {
		t.Fatalf("tmux resize-window: %v: %s", err, out)
	}
	p.keys(true, "c")
	p.waitFor("fleet view", "Urgency by distribution", "enter: filter the table")
	time.Sleep(300 * time.Millisecond)
	fleet := p.capture()
	p.keys(false, "Tab", "Tab", "Tab")
	p.waitFor("timeline", "already past")
	time.Sleep(300 * time.Millisecond)
	timeline := p.capture()
	p.keys(true, "q")

	blank := regexp.MustCompile(`\n(?:[ \t]*\n){2,}`)
	screen := func(s string) string { return blank.ReplaceAllString(strings.TrimRight(s, "\n"), "\n\n") + "\n" }
	samples := []struct{ file, name, text string }{
		{readmePath, "tui", screen(tui)},
		{readmePath, "scan", strings.TrimRight(string(table), "\n") + "\n"},
		{readmePath, "fleet", screen(fleet)},
		{"../../docs/tui.md", "fleet", screen(fleet)},
		{"../../docs/tui.md", "timeline", screen(timeline)},
	}
	for _, smp := range samples {
		raw, err := os.ReadFile(smp.file)
		if err != nil {
			t.Fatal(err)
		}
		doc := string(raw)
		start, end := sample(t, doc, smp.name)
		if os.Getenv("KS_UPDATE_README") != "" {
			doc = doc[:start] + smp.text + doc[end:]
			if err := os.WriteFile(smp.file, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, want := normalize(smp.text), normalize(doc[start:end]); got != want {
			t.Errorf("%s's %s sample is not what the binary prints now (KS_UPDATE_README=1 rewrites it):\n--- %s\n%s\n--- binary\n%s", smp.file, smp.name, smp.file, want, got)
		}
	}
}
