package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/kubeconfig"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// targetFlags are shared by every command that scans (scan now, the TUI
// later), so they read the same on each.
type targetFlags struct {
	kubeconfig   string
	contexts     []string
	files        []string
	noKubeconfig bool
	maxTargets   int
	timeout      time.Duration
	concurrency  int
	rate         float64
	plugins      int
	fromResults  []string
	shard        string
	openOnly     bool
	// shardI and shardN are --shard parsed by validate; shardN is 0 when
	// every target is kept.
	shardI, shardN int
	// sweepConcurrency is the sweep's connects in flight, as the open-file
	// limit allows (fitConcurrency).
	sweepConcurrency int
}

func (f *targetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, several files merged, else ~/.kube/config)")
	fl.StringArrayVar(&f.contexts, "context", nil, "only this kubeconfig context (repeatable; default: all contexts)")
	_ = cmd.RegisterFlagCompletionFunc("context", completeContexts) // fails only for a missing or twice-registered flag
	fl.StringArrayVarP(&f.files, "file", "f", nil, "read endpoints from FILE, one or more per line, # comments ('-' for stdin; repeatable)")
	fl.BoolVar(&f.noKubeconfig, "no-kubeconfig", false, "scan only the endpoints given, no kubeconfig contexts")
	fl.IntVar(&f.maxTargets, "max-targets", scan.DefaultMaxTargets, "refuse endpoint lists and CIDR blocks that expand past this many targets")
	fl.StringArrayVar(&f.fromResults, "from-results", nil, "probe again the targets of saved results: FILE as -o ndjson or -o json wrote it ('-' for stdin; repeatable)")
	fl.BoolVar(&f.openOnly, "open-only", false, "leave out the targets of CIDR blocks that the connect sweep found closed (refused, filtered, unreachable); they are only counted")
	fl.StringVar(&f.shard, "shard", "", "scan only shard I of N (I/N, 0 <= I < N) of the de-duplicated targets, chosen by target identity; an Indexed Job passes $(JOB_COMPLETION_INDEX)/N")
	f.registerProbe(cmd)
}

// registerProbe adds the flags that shape probing alone, for commands that
// probe targets they did not take from these flags (view's rescans).
func (f *targetFlags) registerProbe(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&f.timeout, "timeout", scan.DefaultTimeout, "timeout of each probe phase (resolve, connect, TLS, each request, authentication)")
	fl.IntVar(&f.concurrency, "concurrency", scan.DefaultConcurrency, "targets probed at once (lowered, with a note, to what the open-file limit allows)")
	fl.Float64Var(&f.rate, "rate", 0, "at most this many targets started per second (0: no limit)")
	fl.IntVar(&f.plugins, "plugin-concurrency", scan.DefaultPluginConcurrency, "exec credential plugins run at once; contexts running the same plugin the same way share one run")
}

// maxTimeout bounds --timeout: phases derive longer deadlines from it (the
// authenticated probe gets twice as long), which must not overflow.
const maxTimeout = 24 * time.Hour

// minRate is one target a day: slower than that is a typo, and the wait
// for the next start would outlast any scan.
const minRate = 1.0 / (24 * 60 * 60)

func (f *targetFlags) validate() error {
	switch {
	case f.maxTargets < 1:
		return fmt.Errorf("--max-targets must be at least 1")
	case f.timeout <= 0:
		return fmt.Errorf("--timeout must be positive")
	case f.timeout > maxTimeout:
		return fmt.Errorf("--timeout %s: at most %s", f.timeout, maxTimeout)
	case f.concurrency < 1:
		return fmt.Errorf("--concurrency must be at least 1")
	case math.IsNaN(f.rate) || math.IsInf(f.rate, 0):
		return fmt.Errorf("--rate %v: want a finite number of targets per second (0: no limit)", f.rate)
	case f.rate < 0:
		return fmt.Errorf("--rate must not be negative")
	case f.rate > 0 && f.rate < minRate:
		return fmt.Errorf("--rate %v: fewer than one target a day; use at least %.7f, or 0 for no limit", f.rate, minRate)
	case f.plugins < 1:
		return fmt.Errorf("--plugin-concurrency must be at least 1")
	case f.noKubeconfig && (f.kubeconfig != "" || len(f.contexts) > 0):
		return fmt.Errorf("--no-kubeconfig cannot be combined with --kubeconfig or --context")
	}
	if f.shard != "" {
		var err error
		if f.shardI, f.shardN, err = scan.ParseShard(f.shard); err != nil {
			return err
		}
	}
	return nil
}

// targets gathers kubeconfig contexts, then endpoints from arguments, files
// and stdin, then saved results' targets, into a plan whose CIDR blocks are
// expanded only as they are probed; any bad input is a usage error naming
// it. Every read is capped and ends with the command's context (Ctrl-C,
// SIGTERM): errInterrupted.
func (f *targetFlags) targets(cmd *cobra.Command, args []string) (*scan.Plan, error) {
	if err := f.validate(); err != nil {
		return nil, usageError{err}
	}
	ctx := cmd.Context()
	plan := scan.NewPlan()
	if !f.noKubeconfig {
		ts, err := kubeconfig.LoadContext(ctx, kubeconfig.Options{Path: f.kubeconfig, Contexts: f.contexts})
		if err != nil {
			return nil, inputError(ctx, err)
		}
		plan.Add(ts...)
	}
	var inputs []string
	readFrom := func(name string) error {
		r, label, err := openEndpoints(ctx, cmd.InOrStdin(), name)
		if err != nil {
			return err
		}
		defer r.Close()
		eps, err := scan.ReadEndpoints(ctx, r, label)
		inputs = append(inputs, eps...)
		return err
	}
	for _, a := range args {
		if a == "-" {
			if err := readFrom("-"); err != nil {
				return nil, inputError(ctx, err)
			}
			continue
		}
		inputs = append(inputs, a)
	}
	for _, name := range f.files {
		if err := readFrom(name); err != nil {
			return nil, inputError(ctx, err)
		}
	}
	if len(inputs) > 0 {
		if err := plan.AddEndpoints(ctx, inputs, f.maxTargets); err != nil {
			return nil, inputError(ctx, err)
		}
	}
	savedNone := false
	if len(f.fromResults) > 0 {
		warnings := newNotices(cmd.ErrOrStderr())
		saved, err := readResults(cmd.Context(), cmd.InOrStdin(), f.fromResults, f.maxTargets, warnings)
		warnings.flush()
		if err != nil {
			return nil, err
		}
		for _, r := range saved {
			// readResults has checked that every target rebuilds.
			t, _ := scan.FromRef(r.Target)
			plan.Add(t)
		}
		savedNone = len(saved) == 0
	}
	if plan.Count() == 0 {
		if savedNone && ctx.Err() == nil {
			// Saved results that are all empty shards: a scan of nothing
			// that succeeds, as the shard that wrote them did.
			fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: --from-results: no results in "+clean.Line(strings.Join(f.fromResults, ", "))+"; nothing to scan")
			return plan, nil
		}
		return nil, usageError{errNothingToScan}
	}
	if ctx.Err() != nil {
		return nil, errInterrupted
	}
	if f.shardN > 0 {
		// Of the de-duplicated targets, so that every worker shards the
		// same list.
		plan.Shard(f.shardI, f.shardN)
	}
	return plan, nil
}

// inputError is err as the user's bad input, unless the context has ended,
// which is why the read stopped.
func inputError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	return usageError{err}
}

// openEndpoints opens an endpoint list, name ('-' is stdin), in a way that
// gives way to ctx even while the open blocks (a FIFO without a writer).
// Stdin is not closed when the list is.
func openEndpoints(ctx context.Context, stdin io.Reader, name string) (io.ReadCloser, string, error) {
	if name == "-" {
		return io.NopCloser(stdin), "stdin", nil
	}
	r, err := bounded.Open(ctx, name, scan.MaxEndpointListSize)
	return r, name, err
}

// options are the scan's options; credential plugins' stderr goes to the
// verbose log, so it is passed on only when that log is on.
func (f *targetFlags) options() scan.Options {
	return scan.Options{Timeout: f.timeout, Concurrency: f.concurrency, Rate: f.rate,
		Sweep: true, SweepConcurrency: f.sweepConcurrency, OpenOnly: f.openOnly,
		PluginConcurrency: f.plugins, PluginStderr: verboseLog.on.Load()}
}

// errNothingToScan is the first-run case: the TUI explains it on screen,
// the headless command as an error.
var errNothingToScan = errors.New("nothing to scan: no kubeconfig contexts found and no endpoints given (try: kubesurface scan https://HOST:6443, or kubesurface demo)")

// judgeFlags are the date and gate of a judgement.
type judgeFlags struct {
	now    string
	failOn string
}

func (j *judgeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&j.now, "now", "", "judge support windows at this date (YYYY-MM-DD) instead of today, for reproducible runs")
}

// date is --now, or today.
func (j *judgeFlags) date() (time.Time, error) {
	if j.now == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, j.now)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--now %q: want a date as YYYY-MM-DD", j.now)}
	}
	return t, nil
}

func newScanCmd() *cobra.Command {
	var tf targetFlags
	var jf judgeFlags
	var rf refreshFlags
	var output string
	cmd := &cobra.Command{
		Use:   "scan [endpoint...]",
		Short: "Scan without the TUI and print the results (for CI and cron)",
		Long: `Scan every kubeconfig context and the endpoints given, then print the results.

Endpoints: host, host:port, https://host[:port][/base], http://host:port,
[ipv6]:port, bare IPv6, and CIDR blocks (10.0.0.0/28, 10.0.0.0/28:6443).
A host without a port is probed on 443 and 6443. '-' reads endpoints from stdin.
A CIDR block's targets are made as they are probed (no list is held), and
swept with TCP connects first: only what accepts is probed in full; refused,
filtered and unreachable targets get their row from the connect, or none
with --open-only.
A host whose last label is a number is an IPv4 address, read as curl and
browsers read it (127.1, 0x7f.1 and 2130706433 are 127.0.0.1), never looked
up. An IPv6 zone is raw in host:port ([fe80::1%eth0]:6443) and written %25
in URLs (https://[fe80::1%25eth0]:6443).
--from-results FILE probes again the targets of saved results.

--shard I/N scans only shard I (0-based) of N of the de-duplicated targets:
the shard of a target depends only on its identity, so N workers given the
same inputs split them disjointly and completely. In a Kubernetes Indexed Job
pass --shard $(JOB_COMPLETION_INDEX)/N with N the Job's completions, and
gather the workers' -o ndjson output for 'kubesurface view'.

SIGINT or SIGTERM stops the scan: every target already started is still
written, in any format, those cut short with state "cancelled" (never as
unreachable); targets not started are not written.

Exit codes: 0 the scan completed (whatever it found), 1 the results could not
be written, 2 bad flags or input (malformed kubeconfig, unknown context,
unparsable endpoint, nothing to scan), 3 a target reached the --fail-on
level (--fail-on readiness:blocked: its next upgrade hop is blocked by a
deprecated API in use or by kubelet skew), 130 interrupted.`,
		Example: `  kubesurface scan                              # every kubeconfig context
  kubesurface scan --context prod -o json
  kubesurface scan 203.0.113.10 https://api.example.com:6443 -o yaml
  kubesurface scan --no-kubeconfig 10.0.0.0/28:6443 -o ndjson
  kubesurface scan --no-kubeconfig --open-only --max-targets 70000 10.0.0.0/16 -o ndjson
  kubesurface scan -o markdown > report.md      # or -o html, -o csv
  kubesurface scan -o sarif > kubesurface.sarif # GitHub code scanning
  kubesurface scan -o junit --fail-on high > kubesurface.xml  # CI test reports
  cat endpoints.txt | kubesurface scan --no-kubeconfig -
  kubesurface scan --no-kubeconfig -f targets.txt --shard 2/8 -o ndjson
  kubesurface scan --from-results results.ndjson -o ndjson > again.ndjson`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := report.CheckFormat(output); err != nil {
				return usageError{err}
			}
			gate, err := report.ParseGate(jf.failOn)
			if err != nil {
				return usageError{err}
			}
			now, err := jf.date()
			if err != nil {
				return err
			}
			plan, err := tf.targets(cmd, args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			judge := rf.start(ctx, now)
			defer judge.stop()
			if ctx.Err() != nil {
				return errInterrupted
			}
			for _, n := range judge.notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+clean.Line(n))
			}
			if note := tf.fitConcurrency(plan); note != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+note)
			}
			if plan.Count() > heldResultsNote && output != "ndjson" && !tf.openOnly {
				fmt.Fprintf(cmd.ErrOrStderr(), "kubesurface: up to %d targets with -o %s: every result is held until the end; -o ndjson streams them, --open-only keeps only those that answer\n", plan.Count(), output)
			}
			opts := tf.options()
			opts.Progress = new(scan.Progress)
			s := scan.New(opts)
			w := cmd.OutOrStdout()
			// ndjson streams and keeps nothing: a scan of millions of
			// targets holds only the ones in flight. The other formats need
			// every result at the end, in target order.
			stream := output == "ndjson"
			var results []indexed
			culprit, culpritAt := "", math.MaxInt
			check := func(i int, r scan.Result) {
				if c := gate.Check(r); c != "" && i < culpritAt {
					culprit, culpritAt = c, i // report the first in input order
				}
			}
			// judgedWith counts the results written, by the generation of
			// the data that judged them: a refresh may land midway.
			judgedWith := map[int]int{}
			finish := func(i int, r scan.Result) error {
				judgedWith[judge.stage.Judge(&r)]++
				if stream {
					check(i, r)
					return report.Line(w, r)
				}
				results = append(results, indexed{i, r})
				return nil
			}
			// inFlight is the last update of each target started and not
			// finished: no more than --concurrency of them.
			inFlight := map[int]scan.Result{}
			for u := range s.RunSeq(ctx, plan.All()) {
				if u.Result.Phase != scan.PhaseDone {
					inFlight[u.Index] = u.Result
					continue
				}
				delete(inFlight, u.Index)
				if err := finish(u.Index, u.Result); err != nil {
					return err
				}
			}
			interrupted := ctx.Err() != nil
			if interrupted {
				// A stop (SIGINT, SIGTERM) still writes every target that
				// was started, those cut short as cancelled (the scanner's
				// own last word, or, where the stream dropped it, made from
				// the last update), never as a verdict the stop caused.
				// Targets never started are written by no format.
				at := time.Now().UTC()
				for _, i := range slices.Sorted(maps.Keys(inFlight)) {
					if err := finish(i, scan.Stopped(inFlight[i], at)); err != nil {
						return err
					}
				}
			}
			slices.SortFunc(results, func(a, b indexed) int { return a.i - b.i })
			ordered := make([]scan.Result, len(results))
			for k, r := range results {
				ordered[k] = r.Result
			}
			refreshNote, pending := settleRefresh(judge, interrupted, stream, ordered, judgedWith)
			if !stream {
				for k, r := range ordered {
					check(results[k].i, r) // judged again, if the data was refreshed
				}
				data, _ := judge.stage.Data()
				info := report.DataOf(data, now)
				info.Refresh = refreshNote
				if err := report.Write(w, output, ordered, time.Now(), info, report.Options{Version: currentBuild().Version, FailOn: gate, Width: tableWidth(w)}); err != nil {
					return err
				}
			}
			if plan.Ranges() {
				// The sweep's outcomes, on stderr like every note: with
				// --open-only the closed targets appear nowhere else.
				fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: connect sweep of the CIDR blocks: "+opts.Progress.String())
			}
			switch {
			case pending:
				// After the output, never before it: said once, with
				// what became of the refresh.
				fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+clean.Line(finishRefresh(judge)))
				// Ctrl-C during the grace: the output is whole, and the
				// exit says it was interrupted.
				interrupted = interrupted || ctx.Err() != nil
			case refreshNote != "" && output != "table" && output != "wide":
				// The table's footer says it where it is read already.
				fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+clean.Line(refreshNote))
			}
			if interrupted {
				return errInterrupted
			}
			if culprit != "" {
				return gateError{culprit}
			}
			return nil
		},
	}
	tf.register(cmd)
	jf.register(cmd)
	rf.register(cmd)
	cmd.Flags().StringVar(&jf.failOn, "fail-on", "", "exit 3 when any target reaches this level: critical, high, medium or low, on urgency or exposure; urgency:LEVEL or exposure:LEVEL for one scale; readiness:blocked when a target's next upgrade hop is blocked")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table (fitted to the terminal's width, long cells cut with …), wide (the table with every column whole), json, yaml, ndjson (one line per target as it finishes), markdown, html (one self-contained page), csv (one row per target), sarif (SARIF 2.1.0 for code scanning), junit (JUnit XML for CI; a check fails at --fail-on, default high) or stats (the fleet's numbers: urgency by distribution, exposure by reach, minors, support timeline)")
	cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(report.Formats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// heldResultsNote is how many targets a format written at the end may
// hold before the scan says that ndjson would not (about 10 KB a result).
const heldResultsNote = 100000

// indexed is a result and its target's place in the plan.
type indexed struct {
	i int
	scan.Result
}

// gateError fails the command with exit code 3 after the output is written.
type gateError struct{ culprit string }

func (e gateError) Error() string { return "--fail-on reached: " + e.culprit }
