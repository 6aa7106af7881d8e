package main

import (
	"fmt"
	"math"

	"github.com/kubesurface/kubesurface/scan"
)

// Files one target's probe can hold open at once, counted from what it
// does, and what the process keeps besides. A scan probing more targets at
// once than the open-file limit allows sees "too many open files" and
// reports healthy servers as unreachable, so --concurrency is lowered to
// fit instead (Go has already raised the soft limit to the hard one).
const (
	// filesPerTarget: the resolver's UDP sockets for the A and AAAA
	// queries and a TCP retry of a truncated answer, then the probe's
	// connection and the one replacing it after a body cut off at its cap.
	// The owner's probe, after the anonymous one, needs as many again.
	filesPerTarget = 4
	// filesPerPluginTarget: a credential plugin runs first, holding both
	// ends of its stdin, stdout and stderr pipes and a process handle
	// while it starts.
	filesPerPluginTarget = 8
	// filesReserved is for the process itself: standard streams, the
	// poller, the TUI's terminal and log, a file being read, and probes
	// abandoned at their timeout that are still closing.
	filesReserved = 32
)

// fitConcurrency lowers --concurrency to what the open-file limit allows
// for the plan's targets and says so; it says nothing when the limit is
// not the bound. The sweep's connects (one file each) get what is left,
// up to scan.DefaultSweepConcurrency.
func (f *targetFlags) fitConcurrency(plan *scan.Plan) string {
	perTarget := openFilesPerTarget(plan)
	note := f.fit(int(min(plan.Count(), math.MaxInt)), perTarget)
	f.sweepConcurrency = scan.DefaultSweepConcurrency
	if limit, ok := openFileLimit(); ok && plan.Ranges() {
		used := uint64(filesReserved) + uint64(f.concurrency)*uint64(perTarget)
		f.sweepConcurrency = 1
		if limit > used {
			f.sweepConcurrency = int(min(limit-used, scan.DefaultSweepConcurrency))
		}
	}
	return note
}

// fit lowers --concurrency for n targets holding perTarget files each.
func (f *targetFlags) fit(n, perTarget int) string {
	limit, ok := openFileLimit()
	if !ok {
		return ""
	}
	c, note := concurrencyWithin(f.concurrency, n, perTarget, limit)
	f.concurrency = c
	return note
}

// openFilesPerTarget is the most any one of the plan's targets may hold at
// once: only listed targets (kubeconfig contexts) run plugins.
func openFilesPerTarget(plan *scan.Plan) int {
	for t := range plan.Listed() {
		if t.Rest != nil && t.Rest.ExecProvider != nil {
			return filesPerPluginTarget
		}
	}
	return filesPerTarget
}

// concurrencyWithin is how many targets may be probed at once under an
// open-file limit, and a note when that is fewer than want for a scan of
// n targets.
func concurrencyWithin(want, n, perTarget int, limit uint64) (int, string) {
	allowed := 1
	if limit >= filesReserved+uint64(perTarget) {
		allowed = int(min((limit-filesReserved)/uint64(perTarget), math.MaxInt))
	}
	if min(want, n) <= allowed {
		return want, ""
	}
	return allowed, fmt.Sprintf("probing %s at once, not %d: the open-file limit (ulimit -n) is %d and each probe may hold %s open; raise the limit to probe more at once",
		scan.Plural(allowed, "target"), want, limit, scan.Plural(perTarget, "file"))
}
