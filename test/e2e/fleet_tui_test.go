package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/rand"
)

// shodanFleet writes a Shodan download of n banners per version: each
// banner an address of its own with the /version Shodan recorded.
func shodanFleet(t *testing.T, path string, versions map[string]int) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	i := 0
	for v, n := range versions {
		for range n {
			i++
			banner := map[string]any{
				"ip_str": fmt.Sprintf("198.51.100.%d", i), "port": 6443, "transport": "tcp",
				"timestamp": "2026-11-20T08:15:30.000000",
				"ssl": map[string]any{"cert": map[string]any{"subject": map[string]string{"CN": "kube-apiserver"},
					"issuer": map[string]string{"CN": "kubernetes"}, "issued": "20260101000000Z", "expires": "20270101000000Z"}},
				"kubernetes": map[string]string{"version": v, "build_date": "2025-06-01T00:00:00Z", "go_version": "go1.24.4", "platform": "linux/amd64"},
			}
			if err := enc.Encode(banner); err != nil {
				t.Fatal(err)
			}
		}
	}
	return i
}

// selection is the fleet view's last line: what is selected, how many
// targets it counts and the filter enter adds.
var selection = regexp.MustCompile(`▸ (.+): (\d+) targets? · enter: filter the table \(([^)]+)\)`)

// TestFleetViewFiltersInTmux opens `view` on a Shodan download in a real
// terminal, opens the fleet view, and filters the table from a chart
// twice: from a segment of the urgency chart and from a bar of the
// minors chart. Each time the table shows as many rows as the chart
// counted, and the filter line shows the terms added.
func TestFleetViewFiltersInTmux(t *testing.T) {
	need(t, "ANON") // the binary is built when the clusters are up
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	// Every row in the table; then at most 4, the fleet view counting all
	// twelve and each selection reading the file again for its rows.
	t.Run("all rows", func(t *testing.T) { fleetFilters(t, 0) })
	t.Run("rows held back", func(t *testing.T) { fleetFilters(t, 4) })
}

func fleetFilters(t *testing.T, maxRows int) {
	work, tmp := t.TempDir(), t.TempDir()
	data := filepath.Join(work, "shodan.json")
	total := shodanFleet(t, data, map[string]int{
		"v1.31.2-eks-7f9249a": 5, "v1.33.4-eks-1a2b3c4": 2, "v1.30.14+k3s1": 3, "v1.36.1": 2,
	})
	stderr, status := filepath.Join(tmp, "stderr"), filepath.Join(tmp, "status")
	p := &tmuxPane{t: t, socket: filepath.Join(tmp, "tmux.sock"), session: "kubesurface-e2e-" + rand.String(6), stderr: stderr}
	t.Cleanup(func() { p.tmux("kill-server") })
	script := `"$@" 2>"$KS_STDERR"; echo $? >"$KS_STATUS"`
	cmd := []string{"env", "XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"), "KS_STDERR=" + stderr, "KS_STATUS=" + status,
		"sh", "-c", script, "sh", binary, "view", "--now", "2026-11-30", data}
	shown := func(n int) int { return n }
	if maxRows > 0 {
		cmd = append(cmd, "--max-rows", strconv.Itoa(maxRows))
		shown = func(n int) int { return min(n, maxRows) }
	}
	if out, err := p.tmux(append([]string{"new-session", "-d", "-s", p.session, "-x", "100", "-y", "30", "-c", work}, cmd...)...); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	all := fmt.Sprintf("%d/%d rows", shown(total), shown(total))
	p.waitFor("loaded", all)

	// filterFrom selects with keys, presses enter and checks the table.
	filterFrom := func(name string, keys ...string) {
		t.Helper()
		p.keys(true, "c")
		p.waitFor(name+": fleet view", "Urgency by distribution", "enter: filter the table")
		for _, k := range keys {
			p.keys(false, k)
		}
		time.Sleep(300 * time.Millisecond) // let the last key draw
		screen := p.capture()
		m := selection.FindStringSubmatch(screen)
		if m == nil {
			t.Fatalf("%s: no selection line on the screen:\n%s", name, screen)
		}
		n, _ := strconv.Atoi(m[2])
		terms := m[3]
		p.keys(false, "Enter")
		want := fmt.Sprintf("%d/%d rows", n, total)
		if maxRows > 0 {
			// The file read again: the table holds the selection's rows.
			want = fmt.Sprintf("%d/%d rows", shown(n), shown(n))
		}
		table := p.waitFor(name+": filtered table", "filter: "+terms, want, "TARGET")
		if n == 0 || n == total {
			t.Errorf("%s: the selection %q counts %d of %d targets: it filters nothing out", name, m[1], n, total)
		}
		if got := strings.Count(table, "198.51.100."); got != shown(n) {
			t.Errorf("%s: %d rows drawn, the chart counted %d:\n%s", name, got, n, table)
		}
		p.keys(false, "Escape") // clears the filter
		cleared := []string{all}
		if maxRows > 0 {
			// The first rows, read again.
			cleared = append(cleared, fmt.Sprintf("the table holds %d of %d targets", maxRows, total))
		}
		p.waitFor(name+": filter cleared", cleared...)
	}
	// The largest bar is EKS (7): its first segment is its most urgent level.
	filterFrom("urgency segment", "l")
	// Minors, oldest first: 1.30 (k3s, 3 targets).
	filterFrom("minor bar", "Tab", "Tab")

	p.keys(true, "q")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := p.tmux("has-session", "-t", p.session); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("q did not end the program; the screen shows:\n%s", p.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := os.ReadFile(status); strings.TrimSpace(string(code)) != "0" {
		errs, _ := os.ReadFile(stderr)
		t.Errorf("exit status %q, stderr %q", strings.TrimSpace(string(code)), errs)
	}
}
