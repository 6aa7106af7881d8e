package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubesurface/kubesurface/kubeconfig"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
)

// emptyKubeconfig is a valid kubeconfig with no contexts.
const emptyKubeconfig = "apiVersion: v1\nkind: Config\n"

// TestBuiltBinaryInputs runs the real kubesurface binary, built once here, on
// inputs that used to hang past Ctrl-C, exhaust memory, or exhaust file
// descriptors: signals must end every wait with exit 130, endless inputs
// must stop at their documented caps, and a low open-file limit must lower
// --concurrency instead of failing probes.
func TestBuiltBinaryInputs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("FIFOs, /dev/zero, /proc and ulimit as on Linux")
	}
	bin := builtBinary(t)
	t.Run("interrupted", func(t *testing.T) { testInterrupted(t, bin) })
	t.Run("too large", func(t *testing.T) { testTooLarge(t, bin) })
	t.Run("data cache FIFO", func(t *testing.T) { testCacheFIFO(t, bin) })
	t.Run("open-file limit", func(t *testing.T) { testOpenFileLimit(t, bin) })
}

func mkfifo(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	return p
}

// feed writes content to the FIFO once the child opens it: the child is
// then past its signal set-up, which a signal must not beat.
func feed(t *testing.T, fifo, content string) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			_, err = f.WriteString(content)
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(safety):
		// Let the writer go before failing.
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
		t.Fatal("the child never opened " + fifo)
	}
}

func tempFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testInterrupted(t *testing.T, bin string) {
	type setup struct {
		kubeconfigEnv string
		stdin         io.Reader
		args          []string
		// ready, if set, is a FIFO in KUBECONFIG that the child reads
		// first; then the child goes on to the wait under test.
		ready string
		// waits are the kernel functions the child sleeps in while it
		// waits; none for work (a scan of a huge range).
		waits []string
		// netns runs the child in a private network namespace with only
		// loopback up, so a range's connects reach nothing else; rows
		// (ndjson) may then be written before the stop.
		netns bool
	}
	cases := []struct {
		name string
		make func(t *testing.T) setup
	}{
		{"stdin that never closes", func(t *testing.T) setup {
			ready := mkfifo(t, "ready")
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			w.WriteString("127.0.0.1:1\n") // a line, then nothing and no end
			return setup{kubeconfigEnv: ready, ready: ready, stdin: r, args: []string{"scan", "-"}, waits: []string{"pipe_read"}}
		}},
		{"FIFO as -f", func(t *testing.T) setup {
			ready := mkfifo(t, "ready")
			return setup{kubeconfigEnv: ready, ready: ready, args: []string{"scan", "-f", mkfifo(t, "endpoints")}, waits: []string{"wait_for_partner"}}
		}},
		{"FIFO as --kubeconfig", func(t *testing.T) setup {
			return setup{args: []string{"scan", "--kubeconfig", mkfifo(t, "kubeconfig")}, waits: []string{"wait_for_partner"}}
		}},
		{"FIFO in KUBECONFIG", func(t *testing.T) setup {
			ready := mkfifo(t, "ready")
			return setup{kubeconfigEnv: ready + ":" + mkfifo(t, "kubeconfig"), ready: ready, args: []string{"scan"}, waits: []string{"wait_for_partner"}}
		}},
		{"tokenFile FIFO", func(t *testing.T) setup {
			ready := mkfifo(t, "ready")
			kc := tempFile(t, fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: piped, context: {cluster: c, user: u}}]
users: [{name: u, user: {tokenFile: %q}}]
`, mkfifo(t, "token")))
			return setup{kubeconfigEnv: ready + ":" + kc, ready: ready, args: []string{"scan"}, waits: []string{"wait_for_partner"}}
		}},
		{"huge CIDR with a raised --max-targets", func(t *testing.T) setup {
			return setup{netns: true, args: []string{"scan", "--no-kubeconfig", "--offline", "--now", "2026-09-01", "-o", "ndjson",
				"--max-targets", "100000000", "127.0.0.0/8:6443"}}
		}},
	}
	for _, c := range cases {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(c.name+"/"+sig.String(), func(t *testing.T) {
				s := c.make(t)
				var env []string
				if s.kubeconfigEnv != "" {
					env = []string{"KUBECONFIG=" + s.kubeconfigEnv}
				}
				name, args := bin, s.args
				if s.netns {
					name, args = "unshare", append([]string{"-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, bin}, args...)
				}
				ch := startProcess(t, env, s.stdin, name, args...)
				if s.ready != "" {
					feed(t, s.ready, emptyKubeconfig)
				}
				if len(s.waits) > 0 {
					waitingIn(t, ch.cmd.Process.Pid, s.waits...)
				} else {
					time.Sleep(300 * time.Millisecond) // into the expansion, which takes many seconds
				}
				if err := ch.cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				code := ch.wait(t)
				stderr := ch.stderr.String()
				if s.netns {
					// A scan stopped midway still says what its sweep found.
					sweep, rest, _ := strings.Cut(ch.stderr.String(), "\n")
					if !strings.HasPrefix(sweep, "kubesurface: connect sweep of the CIDR blocks: ") {
						t.Errorf("stderr %q: want the sweep's counts first", ch.stderr.String())
					}
					stderr = rest
				}
				if code != exitInterrupted || strings.TrimSpace(stderr) != "kubesurface: interrupted" {
					t.Errorf("exit %d, stderr %q; want %d and \"kubesurface: interrupted\"", code, ch.stderr.String(), exitInterrupted)
				}
				if s.netns {
					checkStoppedRows(t, ch.stdout.String())
				} else if ch.stdout.String() != "" {
					t.Errorf("stdout %q, want nothing", ch.stdout.String())
				}
			})
		}
	}
}

// maxRSS is the most memory the child held: an endless input must stop at
// its cap, far below this, not grow until the machine runs out.
const maxRSS = 512 << 20

func rss(c *process) int64 {
	if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss << 10 // KiB on Linux
	}
	return 0
}

func testTooLarge(t *testing.T, bin string) {
	t.Run("--kubeconfig /dev/zero", func(t *testing.T) {
		c := startProcess(t, nil, nil, bin, "scan", "--kubeconfig", "/dev/zero", "127.0.0.1:1")
		code := c.wait(t)
		wantUsageError(t, code, c.stdout.String(), c.stderr.String(), fmt.Sprintf("/dev/zero is larger than %d MiB", kubeconfig.MaxFileSize>>20))
		if m := rss(c); m > maxRSS {
			t.Errorf("peak memory %d MiB", m>>20)
		}
	})
	t.Run("-f /dev/zero", func(t *testing.T) {
		c := startProcess(t, nil, nil, bin, "scan", "--no-kubeconfig", "-f", "/dev/zero")
		code := c.wait(t)
		wantUsageError(t, code, c.stdout.String(), c.stderr.String(), "reading endpoints from /dev/zero: a line is longer than 1 MiB")
		if m := rss(c); m > maxRSS {
			t.Errorf("peak memory %d MiB", m>>20)
		}
	})
	t.Run("endpoint list over the cap on stdin", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big")
		line := strings.Repeat("#", 1000) + "\n"
		if err := os.WriteFile(big, []byte(strings.Repeat(line, scan.MaxEndpointListSize/len(line)+1)), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(big)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c := startProcess(t, nil, f, bin, "scan", "--no-kubeconfig", "-")
		code := c.wait(t)
		wantUsageError(t, code, c.stdout.String(), c.stderr.String(), fmt.Sprintf("reading endpoints: stdin is larger than %d MiB", scan.MaxEndpointListSize>>20))
	})
	t.Run("tokenFile /dev/zero", func(t *testing.T) {
		kc := tempFile(t, fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://%s"}}]
contexts:
- {name: endless, context: {cluster: c, user: endless}}
- {name: fine, context: {cluster: c, user: fine}}
users:
- {name: endless, user: {tokenFile: /dev/zero}}
- {name: fine, user: {token: t}}
`, closedPort(t)))
		c := startProcess(t, nil, nil, bin, "scan", "--kubeconfig", kc, "-o", "json", "--timeout", "2s")
		if code := c.wait(t); code != exitOK {
			t.Fatalf("exit %d, stderr %s; one bad context must not stop the scan", code, c.stderr.String())
		}
		var doc report.Document
		if err := json.Unmarshal([]byte(c.stdout.String()), &doc); err != nil || len(doc.Results) != 2 {
			t.Fatalf("output: %v, %d results\n%s", err, len(doc.Results), c.stdout.String())
		}
		want := fmt.Sprintf(`context "endless": tokenFile of user "endless": /dev/zero is larger than %d MiB`, kubeconfig.MaxReferencedFileSize>>20)
		for _, r := range doc.Results {
			switch r.Target.Name {
			case "endless":
				if r.Auth == nil || r.Auth.ErrorKind != scan.AuthConfig || !strings.Contains(r.Auth.Error, want) {
					t.Errorf("endless: auth %+v, want a config error %q", r.Auth, want)
				}
			case "fine":
				if r.Auth == nil || r.Auth.ErrorKind == scan.AuthConfig {
					t.Errorf("fine: auth %+v, want it probed", r.Auth)
				}
			}
		}
		if m := rss(c); m > maxRSS {
			t.Errorf("peak memory %d MiB", m>>20)
		}
	})
	t.Run("data cache symlink to /dev/zero", func(t *testing.T) {
		for _, args := range [][]string{
			{"scan", "--no-kubeconfig", closedPort(t), "--timeout", "2s"},
			{"data", "show"},
		} {
			c := prepareCache(t, bin, func(path string) error { return os.Symlink("/dev/zero", path) }, args...)
			code := c.wait(t)
			want := fmt.Sprintf("is larger than %d MiB", assess.MaxCacheSize>>20)
			out := c.stdout.String() + c.stderr.String()
			if code != exitOK || !strings.Contains(out, "ignoring the data cache") || !strings.Contains(out, want) {
				t.Errorf("%v: exit %d, output %s; want 0 and a note saying %q", args, code, out, want)
			}
			if m := rss(c); m > maxRSS {
				t.Errorf("%v: peak memory %d MiB", args, m>>20)
			}
		}
	})
}

// prepareCache starts the binary with a cache directory where put has
// put something in the data cache's place.
func prepareCache(t *testing.T, bin string, put func(path string) error, args ...string) *process {
	t.Helper()
	cache := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cache, "kubesurface"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := put(filepath.Join(cache, "kubesurface", "data.json")); err != nil {
		t.Skip(err)
	}
	return startProcess(t, []string{"XDG_CACHE_HOME=" + cache}, nil, bin, args...)
}

// testCacheFIFO: a FIFO in the data cache's place would block every scan
// until a signal; it is refused with a note, without being opened, and the
// embedded data judges.
func testCacheFIFO(t *testing.T, bin string) {
	for _, args := range [][]string{
		{"scan", "--no-kubeconfig", closedPort(t), "--timeout", "2s"},
		{"data", "show"},
	} {
		c := prepareCache(t, bin, func(path string) error { return syscall.Mkfifo(path, 0o600) }, args...)
		code := c.wait(t)
		out := c.stdout.String() + c.stderr.String()
		if code != exitOK || !strings.Contains(out, "ignoring the data cache") || !strings.Contains(out, "is a named pipe, not a file") {
			t.Errorf("%v: exit %d, output %s; want 0 and a note that the cache is a named pipe", args, code, out)
		}
	}
}

// testOpenFileLimit scans 100 TLS servers on 127.0.0.1 with --concurrency
// 500 under an open-file limit of 64: every server must be reached (no
// "too many open files"), and the lowered concurrency said once.
func testOpenFileLimit(t *testing.T, bin string) {
	var list strings.Builder
	for range 100 {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/version" {
				fmt.Fprint(w, `{"gitVersion":"v1.31.2"}`)
				return
			}
			http.NotFound(w, r)
		}))
		t.Cleanup(srv.Close)
		fmt.Fprintln(&list, srv.Listener.Addr().String())
	}
	endpoints := tempFile(t, list.String())
	c := startProcess(t, nil, nil, "sh", "-c", `ulimit -Sn 64 && ulimit -Hn 64 && exec "$0" "$@"`,
		bin, "scan", "--no-kubeconfig", "-f", endpoints, "-o", "ndjson", "--concurrency", "500", "--timeout", "20s")
	if code := c.wait(t); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, c.stderr.String())
	}
	note := fmt.Sprintf("kubesurface: probing %d targets at once, not 500: the open-file limit (ulimit -n) is 64", (64-filesReserved)/filesPerTarget)
	if got := c.stderr.String(); strings.Count(got, note) != 1 {
		t.Errorf("stderr %q: want the note %q once", got, note)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(c.stdout.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		n++
		if strings.Contains(line, "too many open files") {
			t.Errorf("a result says too many open files: %.300s", line)
			continue
		}
		var r scan.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if r.Connect == nil || r.Connect.Error != "" || r.TLS == nil || r.TLS.Error != "" || r.Version == nil || r.Version.GitVersion != "v1.31.2" {
			t.Errorf("%s: connect %+v TLS %+v version %+v; every server is up and must be reached", r.Target.Name, r.Connect, r.TLS, r.Version)
		}
	}
	if n != 100 {
		t.Errorf("%d results, want 100", n)
	}
}

// TestConcurrencyWithin pins the arithmetic of the open-file budget.
func TestConcurrencyWithin(t *testing.T) {
	cases := []struct {
		want, targets, per int
		limit              uint64
		got                int
		note               bool
	}{
		{64, 1000, 4, 1 << 20, 64, false},                 // the usual machine: no change, no note
		{500, 100, 4, 64, 8, true},                        // (64-32)/4
		{500, 100, 8, 64, 4, true},                        // with credential plugins
		{500, 5, 4, 64, 500, false},                       // five targets fit whatever the flag says
		{64, 1000, 4, 16, 1, true},                        // a limit below the reserve still probes, one at a time
		{64, 1000, 4, ^uint64(0), 64, false},              // unlimited
		{1 << 30, 1 << 30, 4, ^uint64(0), 1 << 30, false}, // asking is not the limit's business
	}
	for _, c := range cases {
		got, note := concurrencyWithin(c.want, c.targets, c.per, c.limit)
		if got != c.got || (note != "") != c.note {
			t.Errorf("concurrencyWithin(%d, %d, %d, %d) = %d, %q; want %d, note %v", c.want, c.targets, c.per, c.limit, got, note, c.got, c.note)
		}
		if note != "" && !strings.Contains(note, fmt.Sprintf("is %d and each probe may hold %d files open", c.limit, c.per)) {
			t.Errorf("note %q does not give the limit and the estimate", note)
		}
	}
	if got := openFilesPerTarget(scan.PlanOf([]scan.Target{{}, {}})); got != filesPerTarget {
		t.Errorf("endpoints: %d files each, want %d", got, filesPerTarget)
	}
	withPlugin := scan.Target{Ref: scan.Ref{Name: "eks", Source: scan.SourceKubeconfig, Context: "eks"},
		Rest: &rest.Config{ExecProvider: &clientcmdapi.ExecConfig{Command: "aws"}}}
	if got := openFilesPerTarget(scan.PlanOf([]scan.Target{{}, withPlugin})); got != filesPerPluginTarget {
		t.Errorf("with a credential plugin: %d files each, want %d", got, filesPerPluginTarget)
	}
}

// checkStoppedRows: what a scan stopped midway wrote as ndjson is whole
// rows of targets that finished (refused: nothing listens on loopback in
// the namespace) or were cut short by the stop, never waiting ones.
func checkStoppedRows(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		return
	}
	for _, l := range lines {
		var r scan.Result
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if r.Phase != scan.PhaseDone || r.State != scan.StateFailed && r.State != scan.StateCancelled {
			t.Errorf("row %s: phase %s, state %s", r.Target.Name, r.Phase, r.State)
		}
	}
	t.Logf("%d rows written before the stop", len(lines))
}

// TestOpenOnlyCountsTheClosed: with --open-only the targets of a block that
// refused leave no row, and stderr says what the sweep found, the only
// place they are counted.
func TestOpenOnlyCountsTheClosed(t *testing.T) {
	code, out, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--offline", "--now", "2026-11-26", "--open-only", "-o", "ndjson", "127.0.0.0/30:1")
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q: want 0 and no row", code, out)
	}
	if !strings.Contains(stderr, "kubesurface: connect sweep of the CIDR blocks: 4 swept: 0 open, 4 refused, 0 filtered, 0 unreachable") {
		t.Errorf("stderr %q does not count the sweep", stderr)
	}
	code, out, stderr = invoke(t, "", "scan", "--no-kubeconfig", "--offline", "--now", "2026-11-26", "-o", "ndjson", "127.0.0.1:1")
	if code != exitOK || strings.Count(out, "\n") != 1 || strings.Contains(stderr, "connect sweep") {
		t.Errorf("a listed target: exit %d, %d rows, stderr %q; want its row and no sweep", code, strings.Count(out, "\n"), stderr)
	}
}
