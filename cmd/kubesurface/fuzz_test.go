package main

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
)

// gateLevels are the words a result's urgency or exposure level may be,
// the odd ones included.
var gateLevels = []string{assess.Critical, assess.High, assess.Medium, assess.Low, assess.Current, assess.Unknown,
	scan.LevelNone, "", "severe"}

// readyVerdicts are the words a result's readiness verdict may be, nil
// (not judged) and the odd ones included.
var readyVerdicts = []string{assess.Blocked, assess.Ready, assess.Unknown, "", "nil", "Blocked"}

// FuzzFailOn: any --fail-on either is refused with one clean line naming
// the flag, or is a known scale and level that reads back the same when
// written out; a gate fires on a result exactly when the scale it watches
// is at or above its level (readiness: when the next hop is blocked).
func FuzzFailOn(f *testing.F) {
	for _, s := range []string{"", "high", "critical", "urgency:high", "exposure:low", "severe", "risk:high", "urgency:",
		":high", "urgency:exposure:high", "HIGH", " high", "high\n", "exposure:\x1b[31mlow", "urgency:current",
		"readiness:blocked", "readiness:high", "readiness:", "READINESS:blocked", "readiness:blocked:x", "blocked", "readiness:ready"} {
		f.Add(s, uint8(0), uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, u, e uint8) {
		g, err := report.ParseGate(s)
		if err != nil {
			msg := err.Error()
			if clean.Line(msg) != msg || !strings.Contains(msg, "--fail-on") {
				t.Fatalf("--fail-on %q: error %q", s, msg)
			}
			return
		}
		if s == "" {
			if g != (report.Gate{}) {
				t.Fatalf("no --fail-on gives %+v", g)
			}
			return
		}
		if g.Scale == "readiness" && g.Level != assess.Blocked ||
			g.Scale != "readiness" && (!slices.Contains([]string{"", "urgency", "exposure"}, g.Scale) || !slices.Contains(gateLevels[:4], g.Level)) {
			t.Fatalf("--fail-on %q = %+v", s, g)
		}
		written := g.Level
		if g.Scale != "" {
			written = g.Scale + ":" + g.Level
		}
		if again, err := report.ParseGate(written); err != nil || again != g {
			t.Fatalf("--fail-on %q = %+v, written %q reads %+v, %v", s, g, written, again, err)
		}
		r := scan.Result{Target: scan.Ref{Name: "t"},
			Urgency:  &scan.Urgency{Level: gateLevels[int(u)%len(gateLevels)]},
			Exposure: scan.Exposure{Level: gateLevels[int(e)%len(gateLevels)]}}
		if v := readyVerdicts[int(u^e)%len(readyVerdicts)]; v != "nil" {
			r.Readiness = &scan.Readiness{Verdict: v}
		}
		want := g.Scale != "exposure" && g.Scale != "readiness" && assess.Rank(r.Urgency.Level) >= assess.Rank(g.Level) ||
			g.Scale != "urgency" && g.Scale != "readiness" && scan.LevelRank(r.Exposure.Level) >= scan.LevelRank(g.Level) ||
			g.Scale == "readiness" && r.Readiness != nil && r.Readiness.Verdict == assess.Blocked
		if got := g.Check(r) != ""; got != want {
			t.Fatalf("--fail-on %q on urgency %q, exposure %q, readiness %+v: fires %v", s, r.Urgency.Level, r.Exposure.Level, r.Readiness, got)
		}
	})
}

// FuzzNow: any --now either is refused as a usage error in one clean line,
// or is a date (midnight UTC) that writes back as typed, counts days right
// at any distance, and judges a result without a panic.
func FuzzNow(f *testing.F) {
	for _, s := range []string{"", "2026-11-26", "0001-01-01", "9999-12-31", "2026-13-01", "2026-02-29", "2024-02-29",
		"26/11/2026", "2026-1-1", "+2026-01-01", "2026-01-01T00:00:00Z", " 2026-01-01", "2026-01-01\x1b[2J", "\xff"} {
		f.Add(s, int16(365))
	}
	data, err := assess.Base()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, k int16) {
		j := judgeFlags{now: s}
		now, err := j.date()
		if s == "" {
			if err != nil || now.IsZero() {
				t.Fatalf("no --now: %v, %v", now, err)
			}
			return
		}
		if err != nil {
			var u usageError
			if msg := err.Error(); !errors.As(err, &u) || clean.Line(msg) != msg || !strings.Contains(msg, "--now") {
				t.Fatalf("--now %q: error %q (usage error: %v)", s, msg, errors.As(err, &u))
			}
			return
		}
		if now.Location() != time.UTC || now.Hour()+now.Minute()+now.Second()+now.Nanosecond() != 0 || now.Format(time.DateOnly) != s {
			t.Fatalf("--now %q = %v", s, now)
		}
		later := now.AddDate(0, 0, int(k))
		if d := assess.DaysBetween(now, later); d != int(k) || assess.DaysBetween(later, now) != -int(k) {
			t.Fatalf("--now %s: %d days on is %s, counted %d", s, k, later.Format(time.DateOnly), d)
		}
		r := &scan.Result{Version: &scan.Version{GitVersion: "v1.29.3-eks-adc7111"}, Dist: scan.Distribution{Name: scan.DistEKS}}
		assess.Judge(r, data, now)
		if lc := r.Urgency.Lifecycle; lc != nil && lc.Phase == "standard" && lc.DaysLeft < 0 {
			t.Fatalf("--now %s: %+v", s, lc)
		}
		assess.Staleness(data, now)
	})
}
