package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
)

// defaultListen is loopback: the metrics name every target, its version
// and its weaknesses, which is a map for an attacker; exposing them is a
// choice (--listen :9720) the user makes, as in the Kubernetes example.
const defaultListen = "127.0.0.1:9720"

// defaultInterval is hourly: versions, support windows and exposure change
// over days, and each scan costs every target a probe.
const defaultInterval = time.Hour

// minInterval keeps a typo (--interval 1ms) from turning the exporter into
// a loop probing every target back to back.
const minInterval = time.Second

// jitter spreads the waits by ±10%: several exporters started together
// (a rollout) then drift apart instead of probing the same servers at the
// same moment every hour.
const jitter = 0.1

// shutdownGrace is how long a scrape in flight may finish after a signal:
// a scrape takes milliseconds, and the process must stop within a second.
const shutdownGrace = 500 * time.Millisecond

type serveFlags struct {
	listen   string
	interval time.Duration
}

func (f *serveFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.listen, "listen", defaultListen, "serve /metrics, /healthz and /readyz on this HOST:PORT (:9720 for every interface)")
	cmd.Flags().DurationVar(&f.interval, "interval", defaultInterval, "wait about this long (±10%, at least 1s) after each scan before the next")
}

func (f *serveFlags) validate() error {
	if f.interval < minInterval {
		return fmt.Errorf("--interval %s: at least %s", f.interval, minInterval)
	}
	if _, port, err := net.SplitHostPort(f.listen); err != nil {
		return fmt.Errorf("--listen %q: want HOST:PORT", f.listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("--listen %q: invalid port", f.listen)
	}
	return nil
}

// stdinTargets refuses '-' wherever it names stdin: serve reads its
// targets again before every scan, so that an edited list (a ConfigMap
// update) takes effect, and stdin can be read only once.
func stdinTargets(args []string, tf *targetFlags) error {
	if slices.Contains(args, "-") || slices.Contains(tf.files, "-") || slices.Contains(tf.fromResults, "-") {
		return errors.New("serve reads its targets again before every scan and stdin can be read only once: put the endpoints in a file (-f FILE)")
	}
	return nil
}

func newServeCmd() *cobra.Command {
	var tf targetFlags
	var jf judgeFlags
	var rf refreshFlags
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "serve [endpoint...]",
		Short: "Scan on an interval and serve the latest results as Prometheus metrics",
		Long: `Scan the targets scan would (the same flags and endpoints), then again after
every --interval (default 1h, jittered by ±10%, counted from the end of a
scan: scans never overlap), and serve the latest completed scan's results
as Prometheus metrics at /metrics (docs/serve.md),
plus /healthz (alive) and /readyz (200 once the first scan has completed,
503 before).

The kubeconfig, endpoint files and saved results are read again before
every scan, so an edited target list takes effect at the next scan; a target
no longer in it leaves the metrics. Stdin ('-') cannot be read twice and is
refused. A list that cannot be read at a rescan is logged and skipped: the
metrics stay those of the last completed scan, and
kubesurface_last_scan_timestamp_seconds says how old they are.

Binds ` + defaultListen + ` unless --listen says otherwise: the metrics map every
target and its weaknesses.

SIGINT or SIGTERM stops serving at once, mid-scan too; a scan cut short
publishes nothing.

Exit codes: 1 the address could not be bound, 2 bad flags or input (as scan),
130 stopped by a signal (the usual way to end it).`,
		Example: `  kubesurface serve                                  # every kubeconfig context, hourly
  kubesurface serve --no-kubeconfig -f targets.txt --interval 6h
  kubesurface serve --context prod --listen :9720 --offline`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := sf.validate(); err != nil {
				return usageError{err}
			}
			if err := stdinTargets(args, &tf); err != nil {
				return usageError{err}
			}
			if _, err := jf.date(); err != nil {
				return err
			}
			// Bad input fails now, before anything listens; at later
			// scans it is logged instead.
			plan, err := tf.targets(cmd, args)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", sf.listen)
			if err != nil {
				return fmt.Errorf("--listen %s: %w", sf.listen, err)
			}
			ex := newExporter()
			srv := &http.Server{Handler: ex.handler(), ReadHeaderTimeout: 10 * time.Second,
				IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
				defer cancel()
				if srv.Shutdown(ctx) != nil {
					srv.Close()
				}
			}()
			log := func(msg string) { fmt.Fprintln(cmd.ErrOrStderr(), "kubesurface: "+clean.Line(clean.Redact(msg))) }
			log(fmt.Sprintf("serving http://%s/metrics, scanning every %s", ln.Addr(), sf.interval))
			ctx := cmd.Context()
			var notes []string
			for n := 1; ; n++ {
				if n > 1 {
					if plan, err = tf.targets(cmd, args); err != nil {
						if ctx.Err() != nil {
							return errInterrupted
						}
						log(fmt.Sprintf("scan %d skipped, the metrics stay those of the last scan: %v", n, err))
					}
				}
				if err == nil {
					if note := tf.fitConcurrency(plan); note != "" && n == 1 {
						log(note)
					}
					var ok bool
					if notes, ok = serveScan(ctx, ex, &tf, &jf, &rf, plan, n, notes, log); !ok {
						return errInterrupted
					}
				}
				wait := jittered(sf.interval, rand.Float64())
				select {
				case <-ctx.Done():
					return errInterrupted
				case err := <-served:
					return fmt.Errorf("serving %s: %w", ln.Addr(), err)
				case <-time.After(wait):
				}
			}
		},
	}
	tf.register(cmd)
	jf.register(cmd)
	rf.register(cmd)
	sf.register(cmd)
	return cmd
}

// jittered is d spread by ±jitter, r being uniform in [0, 1).
func jittered(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*r))
}

// serveScan runs scan number n, judges every result through the judging
// stage at the scan's own date (a long-running exporter must not judge at
// the date it started) and publishes them. It logs the data notes that the
// previous scan (its notes given as seen) did not, so stale data is said
// once a day rather than every scan, and returns this scan's. ok is false
// when ctx ended the scan, which then publishes nothing: half a scan
// would make the targets not yet reached vanish from the metrics.
func serveScan(ctx context.Context, ex *exporter, tf *targetFlags, jf *judgeFlags, rf *refreshFlags, plan *scan.Plan, n int, seen []string, log func(string)) (notes []string, ok bool) {
	now, _ := jf.date() // checked at start
	// Each scan loads the newest data (a refresh an earlier scan left in
	// the cache) and, when it is stale, refreshes it again, as a scan run
	// from cron would.
	judge := rf.start(ctx, now)
	defer judge.stop()
	for _, note := range judge.notes {
		if !slices.Contains(seen, note) {
			log(note)
		}
	}
	started := time.Now()
	s := scan.New(tf.options())
	var results []indexed
	judgedWith := map[int]int{}
	for u := range s.RunSeq(ctx, plan.All()) {
		if u.Result.Phase != scan.PhaseDone {
			continue
		}
		r := u.Result
		judgedWith[judge.stage.Judge(&r)]++
		results = append(results, indexed{u.Index, r})
	}
	if ctx.Err() != nil {
		return judge.notes, false
	}
	slices.SortFunc(results, func(a, b indexed) int { return a.i - b.i })
	ordered := make([]scan.Result, len(results))
	for k, r := range results {
		ordered[k] = r.Result
	}
	note, pending := settleRefresh(judge, false, false, ordered, judgedWith)
	took := time.Since(started)
	ex.publish(ordered, time.Now(), took)
	log(fmt.Sprintf("scan %d: %s in %s", n, scan.Plural(len(ordered), "target"), took.Round(time.Millisecond)))
	switch {
	case pending:
		log(finishRefresh(judge))
	case note != "":
		log(note)
	}
	return judge.notes, true
}
