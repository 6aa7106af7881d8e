// Command kubesurface shows Kubernetes API servers as a stranger on the
// network sees them. This file holds only flags and subcommands; the work is
// in the kubeconfig, scan and report packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/textlogger"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan/credential"
)

// Exit codes; documented in the README and, per command, in --help.
const (
	exitOK          = 0
	exitFailure     = 1 // the scan ran but its output could not be written
	exitUsage       = 2 // bad flag, bad target, malformed kubeconfig, no targets
	exitGate        = 3 // a target reached the --fail-on level
	exitInterrupted = 130
)

// usageError marks errors that are the user's input, not the tool's failure.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// memoryLimit is the soft heap limit kubesurface asks of Go's collector
// unless GOMEMLIMIT says otherwise: a scan holding 10,000 results then
// stays near 180 MB instead of growing to twice its live heap. It is soft:
// a larger scan still completes, with more collection work.
const memoryLimit = 160 << 20

// gcPercent replaces Go's default of 100 unless GOGC is set. A scan's live
// heap is small (only the probes in flight) while each cycle scans the
// stacks of their goroutines (a dozen a probe over HTTP/2): collecting at
// three times the live heap instead of twice it saved about a tenth of a
// scan's CPU behind a slow link, and 400 no more for more memory (docs/speed.md:
// "Speed and memory"); memoryLimit still bounds the heap.
const gcPercent = 200

func main() {
	// First: when kubesurface is re-executed as a credential plugin's
	// guard, it is nothing else.
	credential.Dispatch()
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// verboseLog is kubesurface's verbose log: client-go's klog lines (a
// server's Warning headers, response bodies it could not read) and what
// credential plugins print on stderr. Nothing reaches it unless --verbose
// is given, or while the TUI runs with its stderr sent to its log file.
var verboseLog = &logSink{stderr: os.Stderr}

// logSink writes to the current os.Stderr (which the TUI points at its log
// file) only while switched on; in the TUI, only while os.Stderr is not
// the terminal's, so nothing is ever written over the screen.
type logSink struct {
	on, tui atomic.Bool
	stderr  *os.File // the process's own stderr
}

func (l *logSink) Write(p []byte) (int, error) {
	w := os.Stderr
	switch {
	case l.tui.Load():
		if w == l.stderr {
			return len(p), nil
		}
	case !l.on.Load():
		return len(p), nil
	}
	return w.Write(p)
}

func init() {
	// client-go logs through klog, which writes to stderr by default: a
	// hostile server's Warning header would land between the rows of a
	// table. Route every klog line to the verbose log instead.
	klog.SetLoggerWithOptions(textlogger.NewLogger(textlogger.NewConfig(textlogger.Output(verboseLog))), klog.ContextualLogger(true))
}

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	defer func() { verboseLog.on.Store(false); verboseLog.tui.Store(false) }()
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(gateError)):
		fmt.Fprintln(stderr, "kubesurface: "+clean.Line(err.Error()))
		return exitGate
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "kubesurface: interrupted")
		return exitInterrupted
	}
	// Errors quote what they are about (context names, file names, lines
	// of a results file, endpoints, server URLs): hostile text and URL
	// secrets are taken out here, where every error is printed.
	fmt.Fprintln(stderr, "kubesurface: "+clean.Line(clean.Redact(oneLine(err.Error()))))
	var ue usageError
	if errors.As(err, &ue) || isFlagError(err) {
		return exitUsage
	}
	return exitFailure
}

var errInterrupted = errors.New("interrupted")

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubesurface",
		Short: "See your Kubernetes API servers as a stranger on the network does",
		Long: `kubesurface probes every kubeconfig context and any endpoints you name,
anonymously first (what a stranger sees: TLS certificate, /version, health,
discovery, anonymous reads) and then with each context's own credentials
(server and kubelet versions, identity), and judges exposure and distribution.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	var verbose bool
	root.PersistentFlags().BoolVar(&verbose, "verbose", false, "write the verbose log to stderr: client-go's log lines and what credential plugins print on stderr (the TUI always writes it to its log file)")
	root.PersistentPreRun = func(*cobra.Command, []string) { verboseLog.on.Store(verbose) }
	root.AddCommand(newScanCmd())
	root.AddCommand(newDataCmd())
	attachTUI(root)
	root.AddCommand(newDemoCmd())
	root.AddCommand(newViewCmd())
	root.AddCommand(newServeCmd())
	root.AddCommand(newVersionCmd())
	attachVersionFlag(root)
	root.Long += rootHelp()
	nameAsInvoked(root, os.Args[0])
	return root
}

// oneLine folds cobra's multi-line suggestion into the one-line error every
// other input problem gets.
func oneLine(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.Index(msg, "\n\nDid you mean this?\n"); i >= 0 {
		msg = msg[:i] + " (did you mean: " + strings.Join(strings.Fields(msg[i+len("\n\nDid you mean this?\n"):]), ", ") + ")"
	}
	return strings.ReplaceAll(msg, "\n", " ")
}

// isFlagError catches cobra's own argument errors (unknown command).
func isFlagError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command ")
}
