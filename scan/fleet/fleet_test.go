package fleet

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// judged is a result judged on 2026-11-26 (a Thursday, ISO week 48).
func judged(name, dist, level, reach, exposure, minor string, lc *scan.Lifecycle, fu *scan.ForcedUpgrade) scan.Result {
	r := scan.Result{
		Target:   scan.Ref{Name: name},
		Dist:     scan.Distribution{Name: dist},
		Exposure: scan.Exposure{Reach: reach, Level: exposure},
		Urgency:  &scan.Urgency{Level: level, JudgedAt: "2026-11-26", Lifecycle: lc, ForcedUpgrade: fu},
	}
	if minor != "" {
		r.Version = &scan.Version{Minor: minor}
	}
	return r
}

// fixtures returns the fleet whose numbers TestStats states by hand.
func fixtures() []scan.Result {
	eksExtended := func() *scan.Lifecycle {
		return &scan.Lifecycle{Calendar: "eks", Minor: "1.29", Phase: "extended", EndOfStandardSupport: "2025-03-23", EndOfExtendedSupport: "2027-03-23"}
	}
	eksForced := func() *scan.ForcedUpgrade { return &scan.ForcedUpgrade{By: "EKS", On: "2027-03-24", To: "1.30"} }
	return []scan.Result{
		// Never judged: counted, but no minor and no timeline; it also
		// comes first, so the timeline's start is taken from the next.
		{Target: scan.Ref{Name: "dark"}, Exposure: scan.Exposure{Reach: "public", Level: "none"}},
		judged("eks-a", "eks", "high", "public", "high", "1.29", eksExtended(), eksForced()),
		judged("gke-b", "gke", "critical", "public", "critical", "1.28",
			&scan.Lifecycle{Calendar: "gke", Minor: "1.28", Phase: "unsupported", EndOfStandardSupport: "2025-10-31"},
			&scan.ForcedUpgrade{By: "GKE", On: "2026-11-20", To: "1.29"}),
		judged("kubeadm-c", "kubeadm", "medium", "private", "low", "1.33",
			&scan.Lifecycle{Calendar: "kubernetes", Minor: "1.33", Phase: "standard", EndOfStandardSupport: "2027-06-28"}, nil),
		judged("eks-d", "eks", "high", "private", "low", "1.29", eksExtended(), eksForced()),
		// The extended window needs an opt-in the probe cannot see: all
		// support ends with standard support.
		judged("aks-f", "aks", "low", "cgnat", "medium", "1.31",
			&scan.Lifecycle{Calendar: "aks", Minor: "1.31", Phase: "standard", EndOfStandardSupport: "2026-11-30", EndOfExtendedSupport: "2027-11-30", ExtendedOptIn: "Premium tier"},
			&scan.ForcedUpgrade{By: "AKS", On: "2027-01-01", To: "1.32"}),
		judged("kubeadm-g", "kubeadm", "critical", "loopback", "low", "1.29",
			&scan.Lifecycle{Calendar: "kubernetes", Minor: "1.29", Phase: "unsupported", EndOfStandardSupport: "2025-02-28"}, nil),
	}
}

// TestStats compares the sum of Fixtures with numbers worked out by hand
// from them, written as the JSON `-o stats` carries.
func TestStats(t *testing.T) {
	s := New(time.Time{}, 0)
	for _, r := range fixtures() {
		s.Add(r)
	}
	const want = `{
	"targets": 7,
	"urgency": {
		"unknown": {"unjudged": 1},
		"eks": {"high": 2},
		"gke": {"critical": 1},
		"kubeadm": {"medium": 1, "critical": 1},
		"aks": {"low": 1}
	},
	"exposure": {
		"public": {"none": 1, "high": 1, "critical": 1},
		"private": {"low": 2},
		"cgnat": {"medium": 1},
		"loopback": {"low": 1}
	},
	"minors": [
		{"minor": "1.28", "count": 1, "phases": {"unsupported": 1}, "supported": false},
		{"minor": "1.29", "count": 3, "phases": {"extended": 2, "unsupported": 1}, "supported": true},
		{"minor": "1.31", "count": 1, "phases": {"standard": 1}, "supported": true},
		{"minor": "1.33", "count": 1, "phases": {"standard": 1}, "supported": true}
	],
	"timeline": {
		"from": "2026-11-26",
		"until": "2027-05-26",
		"overdue": {"endOfStandardSupport": 4, "endOfSupport": 2, "forcedUpgrade": 1},
		"weeks": [
			{"week": "2026-W49", "start": "2026-11-30", "events": {
				"endOfStandardSupport": {"count": 1, "samples": ["aks-f"]},
				"endOfSupport": {"count": 1, "samples": ["aks-f"]}}},
			{"week": "2026-W53", "start": "2026-12-28", "events": {
				"forcedUpgrade": {"count": 1, "samples": ["aks-f"]}}},
			{"week": "2027-W12", "start": "2027-03-22", "events": {
				"endOfSupport": {"count": 2, "samples": ["eks-a", "eks-d"]},
				"forcedUpgrade": {"count": 2, "samples": ["eks-a", "eks-d"]}}}
		]
	}
}`
	sameJSON(t, s, want)
}

func sameJSON(t *testing.T, got any, want string) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

// TestStatsBounded feeds more distinct names and more targets per week
// than are kept, as a hostile or huge dataset would.
func TestStatsBounded(t *testing.T) {
	s := New(time.Date(2026, 11, 26, 15, 4, 0, 0, time.UTC), 1)
	lc := &scan.Lifecycle{Phase: "standard", EndOfStandardSupport: "2026-12-01"}
	for i := range MaxKeys + 6 {
		n := strconv.Itoa(i)
		s.Add(judged("t"+n, "dist"+n, "low", "public", "low", "1."+n, lc, nil))
	}
	if got := len(s.Urgency); got != MaxKeys+1 {
		t.Errorf("%d distributions kept, want %d and %s", got, MaxKeys, Other)
	}
	if got := s.Urgency[Other]["low"]; got != 6 {
		t.Errorf("%s counts %d, want 6", Other, got)
	}
	if got := len(s.Minors); got != MaxKeys+1 {
		t.Errorf("%d minors kept, want %d and %s", got, MaxKeys, Other)
	}
	// 1.0 … 1.63 in numeric order (1.10 after 1.9), then the rest.
	if s.Minors[9].Minor != "1.9" || s.Minors[10].Minor != "1.10" || s.Minors[MaxKeys].Minor != Other || s.Minors[MaxKeys].Count != 6 {
		t.Errorf("minors ordered %s %s … %s (%d)", s.Minors[9].Minor, s.Minors[10].Minor, s.Minors[MaxKeys].Minor, s.Minors[MaxKeys].Count)
	}
	if s.Timeline.Until != "2026-12-26" || len(s.Timeline.Weeks) != 1 {
		t.Fatalf("timeline until %s with %d weeks", s.Timeline.Until, len(s.Timeline.Weeks))
	}
	e := s.Timeline.Weeks[0].Events[EndOfStandardSupport]
	if e.Count != MaxKeys+6 || !reflect.DeepEqual(e.Samples, []string{"t0", "t1", "t2"}) {
		t.Errorf("week counts %d with samples %v", e.Count, e.Samples)
	}
}
