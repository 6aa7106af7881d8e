package assess

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // a DST zone on any machine

	"github.com/kubesurface/kubesurface/scan"
)

// TestDaysBetween counts calendar days across leap years, DST changes,
// the epoch and the whole range --now accepts, where a time.Duration
// overflows.
func TestDaysBetween(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same date, other times", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 23, 59, 59, 0, time.UTC), 0},
		{"late evening to next morning", time.Date(2026, 5, 1, 23, 59, 0, 0, time.UTC), time.Date(2026, 5, 2, 0, 1, 0, 0, time.UTC), 1},
		{"leap February", day("2024-02-28"), day("2024-03-01"), 2},
		{"common February", day("2023-02-28"), day("2023-03-01"), 1},
		{"century, not leap", day("2100-02-28"), day("2100-03-01"), 1},
		{"400 years, leap", day("2000-02-28"), day("2000-03-01"), 2},
		{"spring forward (a 23-hour day)", time.Date(2026, 3, 7, 23, 30, 0, 0, ny), time.Date(2026, 3, 9, 0, 30, 0, 0, ny), 2},
		{"fall back (a 25-hour day)", time.Date(2026, 10, 31, 0, 30, 0, 0, ny), time.Date(2026, 11, 1, 23, 30, 0, 0, ny), 1},
		{"across the epoch", day("1969-12-31"), day("1970-01-01"), 1},
		{"before the epoch", day("1900-01-01"), day("1900-03-01"), 59},
		{"year 1 to 2027-06-28", day("0001-01-01"), day("2027-06-28"), 740159},
		{"to the end of year 9999", day("2026-08-22"), day("9999-12-31"), 2912209},
		{"the whole range", day("0001-01-01"), day("9999-12-31"), 3652058},
		{"backwards", day("9999-12-31"), day("0001-01-01"), -3652058},
		{"year 0", day("0000-01-01"), day("0001-01-01"), 366},
	}
	for _, c := range cases {
		if got := DaysBetween(c.a, c.b); got != c.want {
			t.Errorf("%s: DaysBetween(%s, %s) = %d, want %d", c.name, c.a, c.b, got, c.want)
		}
	}

	// Against counting one day at a time, from random dates of any year.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		a := time.Date(rng.IntN(9999)+1, time.Month(rng.IntN(12)+1), rng.IntN(28)+1, rng.IntN(24), 0, 0, 0, time.UTC)
		n := rng.IntN(1500)
		b := a
		for range n {
			b = b.AddDate(0, 0, 1)
		}
		if got := DaysBetween(a, b); got != n {
			t.Fatalf("DaysBetween(%s, %s) = %d, want %d", a, b, got, n)
		}
	}
}

// TestJudgeAtExtremeDates: judging at the first and last dates --now
// accepts gives the true day counts, not a saturated Duration's.
func TestJudgeAtExtremeDates(t *testing.T) {
	early := judged(t, "v1.36.4", scan.DistKubeadm, "0001-01-01", nil)
	if lc := early.Urgency.Lifecycle; lc == nil || lc.Phase != "standard" || lc.DaysLeft != 740159 {
		t.Errorf("at 0001-01-01: lifecycle %+v, want standard with 740159 days left", lc)
	}
	late := judged(t, "v1.36.4", scan.DistKubeadm, "9999-12-31", nil)
	u := late.Urgency
	if u.Level != Critical || u.Lifecycle == nil || u.Lifecycle.Phase != "unsupported" || u.Lifecycle.DaysLeft != -2911899 {
		t.Fatalf("at 9999-12-31: level %s lifecycle %+v", u.Level, u.Lifecycle)
	}
	if !strings.Contains(u.Reason, "since 2027-06-28 (2911899 days ago)") {
		t.Errorf("reason %q", u.Reason)
	}
	b, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	if s := Staleness(b, day("9999-12-31")); !strings.Contains(s, "2912209 days old") {
		t.Errorf("staleness at 9999-12-31: %q", s)
	}
	if s := Staleness(b, day("0001-01-01")); s != "" {
		t.Errorf("data from the future of --now is not stale: %q", s)
	}
	// On the last day of support it still holds, with 0 days left.
	last := judged(t, "v1.35.8", scan.DistKubeadm, "2027-02-28", nil)
	if lc := last.Urgency.Lifecycle; lc.Phase != "standard" || lc.DaysLeft != 0 {
		t.Errorf("on the end date: %+v", lc)
	}
	after := judged(t, "v1.35.8", scan.DistKubeadm, "2027-03-01", nil)
	if lc := after.Urgency.Lifecycle; lc.Phase != "unsupported" || lc.DaysLeft != -1 {
		t.Errorf("the day after the end: %+v", lc)
	}
}

// TestJudgeIgnoresTimeOfDay: the wall clock (any hour, any zone) and
// --now (midnight UTC) give the same phase and count on the same date.
func TestJudgeIgnoresTimeOfDay(t *testing.T) {
	b, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{
		time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 2, 28, 23, 59, 0, 0, time.UTC),
		time.Date(2027, 2, 28, 12, 0, 0, 0, time.FixedZone("UTC+14", 14*3600)),
	} {
		r := &scan.Result{Version: &scan.Version{GitVersion: "v1.35.8"}, Dist: scan.Distribution{Name: scan.DistKubeadm}}
		Judge(r, b, now)
		if lc := r.Urgency.Lifecycle; lc.Phase != "standard" || lc.DaysLeft != 0 {
			t.Errorf("at %s: %+v", now, lc)
		}
	}
}
