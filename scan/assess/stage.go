package assess

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// Stage is the judging step of the pipeline (targets -> scan -> assess ->
// tui/report). Every consumer judges through one, so that data refreshed
// while a run goes on, and the rules themselves, reach `scan`, the TUI,
// `view` and `demo` alike, and each can tell which data judged a result.
type Stage struct {
	now time.Time
	cur atomic.Pointer[staged]
	// mu orders swaps: generations only grow.
	mu sync.Mutex
}

// staged is the data in use and its generation: 1 for the data the run
// started with, one more for each swap. A result judged with an older
// generation than the current one was judged with data since replaced.
type staged struct {
	b   *Bundle
	gen int
}

// NewStage judges at now (--now, or today) with b until Swap replaces it.
func NewStage(b *Bundle, now time.Time) *Stage {
	s := &Stage{now: now}
	s.cur.Store(&staged{b: b, gen: 1})
	return s
}

// Data is the data judgements use now and its generation.
func (s *Stage) Data() (*Bundle, int) {
	st := s.cur.Load()
	return st.b, st.gen
}

// Now is the date judgements are for.
func (s *Stage) Now() time.Time { return s.now }

// Judge judges a finished result with the data in use and returns that
// data's generation, or 0 when r is not judged: it is not finished, or it
// was cut short before a version was seen ("not visible" would then be the
// stop's doing, not the server's).
func (s *Stage) Judge(r *scan.Result) int {
	if !Judgeable(r) {
		return 0
	}
	st := s.cur.Load()
	Judge(r, st.b, s.now)
	return st.gen
}

// Judgeable says whether a result holds what a judgement is about.
func Judgeable(r *scan.Result) bool {
	return r.Phase == scan.PhaseDone && (r.State != scan.StateCancelled || r.Version != nil)
}

// Swap makes b the data of every judgement from now on and returns its
// generation. Results judged before keep their judgement: the consumer
// decides whether to judge them again (the TUI does; printed lines cannot).
func (s *Stage) Swap(b *Bundle) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen := s.cur.Load().gen + 1
	s.cur.Store(&staged{b: b, gen: gen})
	return gen
}
