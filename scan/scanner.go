// Package scan probes Kubernetes API servers the way a stranger on the
// network would, and, for kubeconfig contexts, the way their owner does. It
// streams what it learns as Updates so consumers can show rows filling in;
// it knows nothing of how results are shown.
package scan

import (
	"context"
	"iter"
	"net"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/kubesurface/kubesurface/scan/credential"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout = 5 * time.Second
	// DefaultConcurrency keeps the pipe full at Internet round trips: a
	// probe is a handful of them (connect, TLS, the requests at once over
	// HTTP/2), so at 50 ms 256 probes in flight allow about 1,000 targets
	// a second, past what two cores can handshake; on loopback, where the
	// CPU is the bound, more in flight costs nothing measurable (README:
	// "Speed and memory").
	DefaultConcurrency = 256
	DefaultBodyLimit   = 1 << 20
	// DefaultPluginConcurrency is how many exec credential plugins run at
	// once.
	DefaultPluginConcurrency = credential.DefaultConcurrency
)

// Options bound the scan. Every phase of every target gets Timeout on its
// own, so one slow phase cannot eat the budget of the others.
type Options struct {
	// Timeout bounds each phase (resolve, connect, TLS, each anonymous
	// request over HTTP/1.1, all of them together over HTTP/2, which sends
	// them at once);
	// the authenticated probe's requests get twice it together, and a
	// credential plugin PluginTimeout before them.
	Timeout time.Duration
	// Concurrency is how many targets are probed at once.
	Concurrency int
	// Sweep connects to every range target (Target.Range) first, up to
	// SweepConcurrency at once, and probes only those that accept: the
	// others get their row (refused, filtered, unreachable) from the
	// connect alone, or none with OpenOnly.
	Sweep            bool
	SweepConcurrency int
	// OpenOnly drops the rows of range targets the sweep found closed:
	// only Progress counts them.
	OpenOnly bool
	// Progress, if set, counts the run's targets and the sweep's outcomes.
	Progress *Progress
	// Rate, if positive, caps how many targets start per second.
	Rate float64
	// BodyLimit caps how much of any response body is read.
	BodyLimit int64
	// PluginConcurrency is how many exec credential plugins run at once,
	// across every target (and every concurrent Run).
	PluginConcurrency int
	// PluginStderr passes what credential plugins print on stderr (capped)
	// to this process's stderr; otherwise it is dropped.
	PluginStderr bool
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Now is the clock used to judge certificate expiry.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.SweepConcurrency <= 0 {
		o.SweepConcurrency = DefaultSweepConcurrency
	}
	if o.BodyLimit <= 0 {
		o.BodyLimit = DefaultBodyLimit
	}
	if o.PluginConcurrency <= 0 {
		o.PluginConcurrency = DefaultPluginConcurrency
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Update is one step of one target: Result is a complete copy of what is
// known so far, so a consumer can replace its row without merging.
type Update struct {
	// Index is the target's position in the slice given to Run.
	Index  int
	Result Result
}

// Scanner probes targets; it holds no state between runs (only the limit
// on credential plugins running at once, which concurrent runs share) and
// is safe for concurrent use.
type Scanner struct {
	opts    Options
	plugins *credential.Pool
}

// New returns a scanner with opts, zero fields taking their defaults.
func New(opts Options) *Scanner {
	opts = opts.withDefaults()
	return &Scanner{opts: opts, plugins: credential.NewPool(credential.Options{
		Concurrency: opts.PluginConcurrency,
		Timeout:     PluginTimeout(opts.Timeout),
		Stderr:      opts.PluginStderr,
	})}
}

// PluginTimeout is how long a credential plugin may run before it and its
// process group are killed: twice the phase timeout, as a plugin may make
// a network round trip or two of its own.
func PluginTimeout(phase time.Duration) time.Duration { return 2 * phase }

// Run probes targets concurrently and sends an Update when each target
// starts and after each phase it finishes (the authenticated and the
// network phases of a kubeconfig target overlap, so their updates come in
// either order, each carrying both sides' finished parts). The channel is
// closed when every probe has ended; cancelling ctx ends them all promptly.
// The consumer must drain the channel (or cancel ctx).
func (s *Scanner) Run(ctx context.Context, targets []Target) <-chan Update {
	return s.RunSeq(ctx, slices.Values(targets))
}

// RunSeq is Run over targets made as they are taken (a Plan's All): Index
// counts them from 0. It takes the next target only when a probe (or, for
// a range target with Options.Sweep, a connect) can start, so what it holds
// is what is in flight, however many targets there are.
func (s *Scanner) RunSeq(ctx context.Context, targets iter.Seq[Target]) <-chan Update {
	out := make(chan Update, 256)
	go func() {
		defer close(out)
		var lim *rate.Limiter
		if s.opts.Rate > 0 {
			lim = rate.NewLimiter(rate.Limit(s.opts.Rate), 1)
		}
		probes := new(errgroup.Group)
		probes.SetLimit(s.opts.Concurrency)
		connects := new(errgroup.Group)
		connects.SetLimit(s.opts.SweepConcurrency)
		est := newRTT(s.opts.Timeout)
		// Contexts of this run that would run the same plugin the same
		// way share its one run, failure included.
		creds := s.plugins.Batch()
		progress := s.opts.Progress
		if progress == nil {
			progress = new(Progress)
		}
		next := 0
		for t := range targets {
			if lim != nil && lim.Wait(ctx) != nil {
				break
			}
			if ctx.Err() != nil {
				break
			}
			i := next
			next++
			progress.Targets.Add(1)
			emit := func(r Result) {
				if r.Phase == PhaseDone {
					progress.Done.Add(1)
				}
				u := Update{Index: i, Result: r}
				// Try the buffer first: after cancellation select would
				// pick ctx.Done at random and drop a final update that
				// had room.
				select {
				case out <- u:
					return
				default:
				}
				select {
				case out <- u:
				case <-ctx.Done():
				}
			}
			probe := func() error {
				s.probe(ctx, t, creds, emit)
				return nil
			}
			if !s.opts.Sweep || !t.Range {
				probes.Go(probe)
				continue
			}
			// The connect's slot is held until the probe has one, so
			// open targets waiting for a probe hold back the sweep
			// rather than pile up.
			connects.Go(func() error {
				r, open, ok := s.sweep(ctx, t, est, progress)
				switch {
				case !ok:
				case open:
					if ctx.Err() == nil {
						probes.Go(probe)
					}
				case s.opts.OpenOnly:
					progress.Done.Add(1)
				default:
					emit(r)
				}
				return nil
			})
		}
		_ = connects.Wait()
		_ = probes.Wait()
	}()
	return out
}

// Scan runs a whole scan and returns the final results in target order.
// Targets never started (ctx cancelled) are returned in state waiting,
// those in flight at the stop in state cancelled.
func (s *Scanner) Scan(ctx context.Context, targets []Target) []Result {
	results := make([]Result, len(targets))
	for i, t := range targets {
		results[i] = Pending(t)
	}
	for u := range s.Run(ctx, targets) {
		results[u.Index] = u.Result
	}
	if ctx.Err() != nil {
		at := s.opts.Now().UTC()
		for i, r := range results {
			if r.State == StateProbing {
				results[i] = Stopped(r, at)
			}
		}
	}
	return results
}

// Stopped is the final result of a target that was being probed when the
// scan was stopped, made from the last update received, for a consumer
// that did not receive the probe's own final update: once ctx has ended,
// Run drops the updates its consumer has no room for.
func Stopped(last Result, at time.Time) Result {
	r := last.clone()
	judge(&r)
	cancelled(&r)
	r.finish(at)
	return r
}

// finish closes a result's last phase at the time given.
func (r *Result) finish(at time.Time) {
	r.Phase = PhaseDone
	r.FinishedAt = at
	if !r.StartedAt.IsZero() {
		r.DurationMS = at.Sub(r.StartedAt).Milliseconds()
	}
}

// Pending is the row of a target not probed yet.
func Pending(t Target) Result {
	return Result{
		APIVersion: APIVersion,
		Target:     t.Ref,
		State:      StateWaiting,
		Dist:       Distribution{Name: DistUnknown},
		Exposure:   Exposure{Reach: ClassUnknown, Access: AccessUnknown, Level: LevelNone},
	}
}
