package fleet

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// Merged sums what summing scan.Merge's results sums, whatever the order
// and the duplicates: the newest finished record of a target wins, a
// cancelled one never beats a finished one, a tie goes to the later, and
// the order of first appearance is kept (the timeline's samples follow
// it). Equal Entries are kept once.
func TestMergedSumsAsMergedResults(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var in []scan.Result
	for i, r := range fixtures() {
		r.Target.URL = "https://" + r.Target.Name
		r.State, r.Phase, r.FinishedAt = scan.StateDone, scan.PhaseDone, at.Add(time.Duration(i)*time.Minute)
		in = append(in, r)
	}
	// A newer record of the second target, another minor: it wins.
	newer := in[1]
	newer.FinishedAt = at.Add(time.Hour)
	newer.Version = &scan.Version{Minor: "1.33"}
	newer.Urgency = &scan.Urgency{Level: "low", JudgedAt: "2026-11-26"}
	// An older record of the third: it loses.
	older := in[2]
	older.FinishedAt = at.Add(-time.Hour)
	older.Urgency = &scan.Urgency{Level: "current", JudgedAt: "2026-11-26"}
	// A cancelled, later record of the fourth: it loses too.
	cancelled := in[3]
	cancelled.State, cancelled.FinishedAt = scan.StateCancelled, at.Add(2*time.Hour)
	cancelled.Urgency = nil
	in = append(in, newer, older, cancelled)

	merged, _ := scan.Merge(in)
	want := New(time.Time{}, 0)
	for _, r := range merged {
		want.Add(r)
	}
	var g Merged
	calls := 0
	for _, r := range in {
		g.Add(r, func(*scan.Result) { calls++ })
	}
	got := New(time.Time{}, 0)
	g.SumInto(got)
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("Merged\n%s\nscan.Merge then Add\n%s", a, b)
	}
	if g.Len() != len(merged) || calls != len(fixtures())+1 {
		t.Errorf("%d targets (want %d), %d judged (want every first record and the one newer)", g.Len(), len(merged), calls)
	}
	// Two targets alike but for their names share one shape.
	var twins Merged
	for _, name := range []string{"a", "b"} {
		r := judged(name, "eks", "high", "public", "high", "1.29", nil, nil)
		r.Target.URL = "https://" + name
		twins.Add(r, nil)
	}
	if twins.Len() != 2 || twins.Shapes() != 1 {
		t.Errorf("%d targets, %d shapes: want 2 sharing 1", twins.Len(), twins.Shapes())
	}
	// One target read again and again, another distribution each time
	// (a hostile file can say anything): the shapes replaced are dropped,
	// so memory follows the targets, not the rows.
	var again Merged
	for i := range 1000 {
		r := judged("a", "dist-"+strconv.Itoa(i), "high", "public", "high", "1.29", nil, nil)
		r.Target.URL = "https://a"
		r.State, r.Phase, r.FinishedAt = scan.StateDone, scan.PhaseDone, at.Add(time.Duration(i)*time.Second)
		again.Add(r, nil)
	}
	// (Two places: the new shape is taken before the old is let go.)
	if again.Len() != 1 || again.Shapes() != 1 || len(again.shapes) > 2 {
		t.Errorf("%d targets, %d shapes (%d places): want 1, 1, at most 2", again.Len(), again.Shapes(), len(again.shapes))
	}
	sum := New(time.Time{}, 0)
	again.SumInto(sum)
	if sum.Urgency["dist-999"]["high"] != 1 || sum.Targets != 1 {
		t.Errorf("the newest record is not the one summed: %v", sum.Urgency)
	}
}
