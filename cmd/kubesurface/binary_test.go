package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan/assess"
)

// The tests here that need the process itself — its signal handling, exit
// codes, memory and open-file limits — run kubesurface built once, as a
// release is, with no kubeconfig, home or cache of the user's.

// safety fails a run that hangs; it is never what a test asserts.
const safety = time.Minute

var (
	builtOnce sync.Once
	built     string
	buildErr  error
)

// builtBinary is kubesurface built once for every test that runs it.
func builtBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	builtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kubesurface-bin-")
		if err != nil {
			buildErr = err
			return
		}
		built = filepath.Join(dir, "kubesurface")
		overlay, err := baseDataOverlay(dir)
		if err != nil {
			buildErr = err
			return
		}
		out, err := exec.Command("go", "build", "-overlay", overlay, "-o", built, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// baseDataOverlay writes a go build -overlay file that leaves out the
// data the release step refreshed (scan/assess/data/refreshed.json): the
// binary the tests run then embeds the hand-collected base, as the test
// binary itself judges with it (see hermetic), and verdicts at fixed
// dates hold whatever refresh a release committed. Built so, the binary
// is the release's in every other byte; no flag or variable of the
// binary's own picks its data.
func baseDataOverlay(dir string) (string, error) {
	refreshed, err := filepath.Abs(filepath.Join("..", "..", "scan", "assess", "data", assess.RefreshedFile))
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(map[string]map[string]string{"Replace": {refreshed: ""}})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay.json")
	return path, os.WriteFile(path, raw, 0o644)
}

// process is one run of the binary (or of a shell that execs it), its
// output captured.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	exited         chan struct{}
	code           int
}

// startBinary runs the built binary with args.
func startBinary(t *testing.T, stdin io.Reader, args ...string) *process {
	t.Helper()
	return startProcess(t, nil, stdin, builtBinary(t), args...)
}

// startProcess runs prog with a private HOME and cache and no kubeconfig,
// env added to that (a later entry wins).
func startProcess(t *testing.T, env []string, stdin io.Reader, prog string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(prog, args...), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + t.TempDir(),
		"KUBECONFIG=" + filepath.Join(t.TempDir(), "none")}, env...)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = stdin, p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// wait returns the exit code, failing the test if the process has not
// exited by the safety deadline (the behaviour asked for is "at once"; no
// duration is asserted).
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(safety):
		t.Fatalf("%v still running a minute later; stderr: %s", p.cmd.Args, p.stderr.String())
		return -1
	}
}

// waitUntil polls cond (a safety deadline again) while the process runs.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// blockedIn says whether a thread of process pid sleeps in the kernel in
// one of funcs (wait_for_partner: opening a FIFO nobody has open for the
// other end; pipe_read: reading a pipe), as /proc tells.
func blockedIn(pid int, funcs ...string) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err == nil && slices.Contains(funcs, string(b)) {
			return true
		}
	}
	return false
}

// waitingIn waits until the process sleeps in one of funcs, so that a
// signal lands in the wait a test is about. It is a best effort: where
// /proc does not say, the signal is sent anyway and the test still
// asserts the exit.
func waitingIn(t *testing.T, pid int, funcs ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if blockedIn(pid, funcs...) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("could not see the process waiting in %v; signalling anyway", funcs)
}
