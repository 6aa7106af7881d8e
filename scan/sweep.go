package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultSweepConcurrency is how many connects the sweep keeps in flight: a
// connect is one socket and a SYN, so thousands cost little, and on a range
// where most addresses never answer they are what keeps the scan moving.
const DefaultSweepConcurrency = 1024

// Bounds of the sweep's connect timeout, which follows the round trips
// seen, as nmap's does: before any answer it is sweepFirstTimeout (or the
// phase timeout, if shorter); after, four deviations above the smoothed
// round trip, never under sweepMinTimeout (a busy host answers a SYN late)
// nor over the phase timeout. A connect that times out is tried once more
// with twice the timeout, for a SYN or its answer that was lost.
const (
	sweepFirstTimeout = time.Second
	sweepMinTimeout   = 250 * time.Millisecond
)

// Progress counts what a run has done so far, for a consumer to show while
// it runs (the TUI's header); every field only grows. Safe for concurrent
// use.
type Progress struct {
	// Targets is how many targets the run has taken from its plan.
	Targets atomic.Int64
	// Swept is how many range targets the connect sweep has finished,
	// and of them how many were open, refused, filtered (no answer) or
	// unreachable otherwise (no route).
	Swept, Open, Refused, Filtered, Unreachable atomic.Int64
	// Done is how many targets have their final result.
	Done atomic.Int64
}

// rtt is the smoothed round trip of the sweep's connects and its
// variation (RFC 6298), from which its connect timeout follows.
type rtt struct {
	mu          sync.Mutex
	srtt, rttv  time.Duration
	seen        bool
	first, most time.Duration
}

func newRTT(phase time.Duration) *rtt {
	return &rtt{first: min(sweepFirstTimeout, phase), most: phase}
}

// sample records the round trip of a connect that was answered (open or
// refused: both are one round trip).
func (e *rtt) sample(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.seen {
		e.srtt, e.rttv, e.seen = d, d/2, true
		return
	}
	diff := e.srtt - d
	if diff < 0 {
		diff = -diff
	}
	e.rttv = (3*e.rttv + diff) / 4
	e.srtt = (7*e.srtt + d) / 8
}

// timeout is how long a connect waits for an answer now.
func (e *rtt) timeout() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.seen {
		return e.first
	}
	return min(max(e.srtt+4*e.rttv, sweepMinTimeout), e.most)
}

// sweep connects to a range target and hangs up. Open, it says so and the
// full probe follows; otherwise it returns the target's final row: refused,
// filtered (no answer to two connects) or unreachable. ok is false, with
// no row, when the scan was stopped first.
func (s *Scanner) sweep(ctx context.Context, t Target, est *rtt, p *Progress) (r Result, open, ok bool) {
	addr, err := netip.ParseAddr(t.Host)
	if err != nil {
		// Range targets are addresses; anything else is probed in full.
		return Result{}, true, true
	}
	to := netip.AddrPortFrom(addr, uint16(t.Port)).String()
	started := s.opts.Now().UTC()
	var d net.Dialer
	wait := est.timeout()
	var waited []time.Duration
	for {
		cctx, cancel := context.WithTimeout(ctx, wait)
		t0 := time.Now()
		c, err := d.DialContext(cctx, "tcp", to)
		took := time.Since(t0)
		cancel()
		if err == nil {
			c.Close()
			est.sample(took)
			p.outcome(&p.Open)
			return Result{}, true, true
		}
		if ctx.Err() != nil {
			return Result{}, false, false
		}
		var msg string
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			est.sample(took)
			p.outcome(&p.Refused)
			msg = "connect: connection refused"
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
			waited = append(waited, wait)
			if len(waited) < 2 && wait < s.opts.Timeout {
				wait = min(2*wait, s.opts.Timeout)
				continue
			}
			p.outcome(&p.Filtered)
			msg = filteredMessage(waited)
		default:
			p.outcome(&p.Unreachable)
			msg = describeNetErr("connect", err)
		}
		return s.closed(t, addr, started, took, msg), false, true
	}
}

// filteredMessage says how long the sweep waited for a connect that got
// no answer at all: a firewall dropping it, or no host at the address.
func filteredMessage(waited []time.Duration) string {
	msg := "connect: no answer within " + waited[0].String()
	if len(waited) > 1 {
		msg += ", then " + waited[1].String()
	}
	return msg + " (filtered by a firewall, or no host at this address)"
}

// closed is the final row of a range target the sweep found closed.
func (s *Scanner) closed(t Target, addr netip.Addr, started time.Time, took time.Duration, msg string) Result {
	r := Pending(t)
	r.State, r.StartedAt = StateFailed, started
	r.Addresses = []Address{{IP: addr.String(), Class: Classify(addr)}}
	r.Phase = PhaseConnect
	r.Connect = &Connect{LatencyMS: ms(took), Error: msg}
	r.fail(PhaseConnect, msg)
	judge(&r)
	r.finish(s.opts.Now().UTC())
	return r
}

// outcome counts a finished connect of the sweep under its outcome.
func (p *Progress) outcome(n *atomic.Int64) {
	n.Add(1)
	p.Swept.Add(1)
}

// String is the sweep's progress as one line.
func (p *Progress) String() string {
	return fmt.Sprintf("%d swept: %d open, %d refused, %d filtered, %d unreachable",
		p.Swept.Load(), p.Open.Load(), p.Refused.Load(), p.Filtered.Load(), p.Unreachable.Load())
}
