package credential

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
)

// GuardCommand is the hidden first argument that makes kubesurface (or a
// test binary) run as the guard of one credential plugin instead of as
// itself. It is not a user command: Dispatch consumes it before any flag
// parsing.
const GuardCommand = "__kubesurface-credential-guard"

// The guard's exit codes. client-go only passes an exec plugin's exit code
// on, so these are how the guard tells kubesurface what it did; a plugin
// exiting with one of them itself is reported as exit code 1 so that it is
// never mistaken for the guard's verdict.
const (
	// ExitGuardFailed: the guard could not run the plugin (bad arguments,
	// no pipes, a start error other than "not found").
	ExitGuardFailed = 120
	// ExitNotFound: the plugin's command is not on PATH (or not executable).
	ExitNotFound = 121
	// ExitTooLarge: the plugin printed more than the cap on stdout.
	ExitTooLarge = 122
	// ExitTimedOut: the plugin ran past its time and was killed.
	ExitTimedOut = 123
)

// stderrCap is how much of a plugin's stderr the guard passes on; the rest
// is read and dropped so the plugin never blocks on a full pipe.
const stderrCap = 64 << 10

// stderrLine is the longest line of a plugin's stderr passed on in one
// piece; a longer one (or one that never ends) is passed on in pieces, so
// the guard holds at most this much of it.
const stderrLine = 4 << 10

// drainGrace bounds how long the guard keeps reading a plugin's pipes
// after its process group is gone: only a process that left the group
// (setsid) could still hold them open.
const drainGrace = time.Second

var dispatched atomic.Bool

// Dispatch must be the first thing main (and the TestMain of every package
// whose tests run exec plugins) does. When the process was started as a
// plugin's guard it runs the guard and exits; otherwise it records that
// this binary can be re-executed as one, which is what lets the scan wrap
// plugins at all: a binary without the dispatch would run its own main (or
// its whole test suite) as the "plugin".
func Dispatch() {
	if len(os.Args) > 1 && os.Args[1] == GuardCommand {
		os.Exit(guard(os.Args[2:], os.Stdout, os.Stderr))
	}
	dispatched.Store(true)
}

// guardArgs is the command line kubesurface gives the guard; args after
// "--" are the plugin's command and arguments as the kubeconfig has them.
type guardArgs struct {
	parent    int
	timeout   time.Duration
	maxOutput int64
	stderr    bool
	command   string
	args      []string
}

func (g guardArgs) argv() []string {
	return append([]string{GuardCommand,
		"--parent=" + strconv.Itoa(g.parent),
		"--timeout=" + g.timeout.String(),
		"--max-output=" + strconv.FormatInt(g.maxOutput, 10),
		"--stderr=" + strconv.FormatBool(g.stderr),
		"--", g.command}, g.args...)
}

func parseGuardArgs(args []string) (guardArgs, error) {
	var g guardArgs
	fs := flag.NewFlagSet(GuardCommand, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&g.parent, "parent", 0, "")
	fs.DurationVar(&g.timeout, "timeout", 0, "")
	fs.Int64Var(&g.maxOutput, "max-output", 0, "")
	fs.BoolVar(&g.stderr, "stderr", false, "")
	if err := fs.Parse(args); err != nil {
		return g, err
	}
	rest := fs.Args()
	switch {
	case len(rest) == 0 || rest[0] == "":
		return g, errors.New("no plugin command")
	case g.timeout <= 0 || g.maxOutput <= 0 || g.parent <= 0:
		return g, errors.New("--parent, --timeout and --max-output must be positive")
	}
	g.command, g.args = rest[0], rest[1:]
	return g, nil
}

// guard runs one plugin as its parent would, with what client-go lacks: its
// stdout is capped, its stderr capped (and dropped unless asked for), it
// runs in a process group of its own that is killed when it overruns its
// time, when kubesurface goes away, or when the guard is signalled; and
// after it exits nothing it started in its group is left running.
//
// Everything the guard writes on stderr, the plugin's lines and its own
// messages (which quote the plugin's command from the kubeconfig), goes
// through clean.Line a line at a time. This is the one place to do it:
// client-go hands the plugin's command kubesurface's stderr as it is (the
// terminal under --verbose, the TUI's log file, which people read with cat
// or less), so no writer of kubesurface's ever sees these bytes.
func guard(args []string, stdout, stderr io.Writer) int {
	cleaned := clean.NewWriter(stderr, stderrLine)
	defer cleaned.Flush()
	stderr = cleaned
	g, err := parseGuardArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "kubesurface credential guard: %v\n", err)
		return ExitGuardFailed
	}
	// Watch for the parent's death before anything else, so that no moment
	// exists in which kubesurface could die unnoticed.
	gone := watchParent(g.parent)
	if !g.stderr {
		stderr = io.Discard
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	// A closed stderr (kubesurface's, piped to a reader that quit) must
	// give write errors, not kill the guard before it has killed the plugin.
	signal.Ignore(syscall.SIGPIPE)

	outR, outW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(stderr, "kubesurface credential guard: %v\n", err)
		return ExitGuardFailed
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(stderr, "kubesurface credential guard: %v\n", err)
		return ExitGuardFailed
	}
	// exec.Command resolves the name exactly as client-go's own
	// exec.Command would have (PATH for a bare name, the working directory
	// for a relative path), so "not found" means what it meant before.
	cmd := exec.Command(g.command, g.args...)
	cmd.Stdout, cmd.Stderr = outW, errW
	prepareChild(cmd)
	startErr := cmd.Start()
	outW.Close()
	errW.Close()
	if startErr != nil {
		outR.Close()
		errR.Close()
		var ee *exec.Error
		if errors.As(startErr, &ee) {
			return ExitNotFound
		}
		fmt.Fprintf(stderr, "kubesurface credential guard: %v\n", startErr)
		return ExitGuardFailed
	}

	var out bytes.Buffer
	overflow := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		n, _ := io.Copy(&out, io.LimitReader(outR, g.maxOutput+1))
		if n > g.maxOutput {
			close(overflow)
			_, _ = io.Copy(io.Discard, outR)
		}
	}()
	go func() {
		defer readers.Done()
		n, _ := io.Copy(stderr, io.LimitReader(errR, stderrCap))
		m, _ := io.Copy(io.Discard, errR)
		_ = cleaned.Flush() // the plugin's last line ends here, not in a note of ours
		if m > 0 && n == stderrCap {
			fmt.Fprintf(stderr, "[kubesurface: %d more bytes of the plugin's stderr dropped]\n", m)
		}
	}()

	var state *os.ProcessState
	exited := make(chan struct{})
	go func() {
		state = awaitExit(cmd.Process)
		close(exited)
	}()
	timer := time.NewTimer(g.timeout)
	defer timer.Stop()
	verdict := -1
	select {
	case <-exited:
	case <-overflow:
		verdict = ExitTooLarge
	case <-timer.C:
		verdict = ExitTimedOut
	case <-gone:
		verdict = ExitGuardFailed // nobody is left to read it
	case s := <-signals:
		verdict = 128 + int(s.(syscall.Signal))
	}
	if verdict >= 0 {
		killGroup(cmd.Process)
	}
	<-exited
	if state == nil {
		// Exited but not reaped (Linux, see awaitExit): its process group
		// id cannot have been reused, so killing the group reaches only
		// what the plugin left behind.
		killGroup(cmd.Process)
		state, _ = cmd.Process.Wait()
	}
	reapOrphans()

	done := make(chan struct{})
	go func() { readers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(drainGrace):
		// Only a process that left the group can still hold the pipes.
		_ = outR.SetReadDeadline(time.Now())
		_ = errR.SetReadDeadline(time.Now())
		select {
		case <-done:
		case <-time.After(drainGrace):
			return ExitGuardFailed
		}
	}
	outR.Close()
	errR.Close()

	select {
	case <-overflow:
		verdict = ExitTooLarge
	default:
	}
	if verdict >= 0 {
		return verdict
	}
	code := exitCode(state)
	if code == 0 {
		if _, err := stdout.Write(out.Bytes()); err != nil {
			return ExitGuardFailed
		}
	}
	if code >= ExitGuardFailed && code <= ExitTimedOut {
		fmt.Fprintf(stderr, "[kubesurface: the plugin exited with %d, which the guard reserves; reported as 1]\n", code)
		code = 1
	}
	return code
}

// exitCode is the plugin's exit status as a shell would give it: 128 plus
// the signal for a plugin killed by one.
func exitCode(state *os.ProcessState) int {
	if state == nil {
		return ExitGuardFailed
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if c := state.ExitCode(); c >= 0 {
		return c
	}
	return ExitGuardFailed
}
