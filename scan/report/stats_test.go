package report

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// TestStatsOfFixtures checks `-o stats` of the report fixtures against
// numbers worked out by hand from them (judged 2026-11-26).
func TestStatsOfFixtures(t *testing.T) {
	out := render(t, "stats", fixtures())
	const want = `{
	"apiVersion": "kubesurface/v1", "kind": "FleetStats", "generatedAt": "2026-11-26T09:30:05Z",
	"data": {"origin": "embedded snapshot", "snapshotDate": "2026-07-01", "dataAsOf": "2026-06-30",
		"stale": "data as of 2026-06-30 is 149 days old (over 90): run ` + "`kubesurface data update`" + `"},
	"targets": 3,
	"urgency": {"eks": {"high": 1}, "unknown": {"unknown": 1}, "kubeadm": {"unknown": 1}},
	"exposure": {"public": {"high": 1, "none": 1}, "private": {"low": 1}},
	"minors": [{"minor": "1.29", "count": 1, "phases": {"extended": 1}, "supported": true}],
	"timeline": {
		"from": "2026-11-26", "until": "2027-05-26",
		"overdue": {"endOfStandardSupport": 1},
		"weeks": [{"week": "2027-W12", "start": "2027-03-22", "events": {
			"endOfSupport": {"count": 1, "samples": ["prod-eks"]}}}]
	}
}`
	var got, exp any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// A sample name is the target's, which a results file may make hostile:
// the JSON escapes what a terminal would obey, and the name still decodes
// to itself.
func TestStatsEscapesSamples(t *testing.T) {
	r := exposedEKS()
	name := "prod\x1b]8;;https://evil\x07eks\u202e"
	r.Target.Name = name
	out := render(t, "stats", []scan.Result{r})
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("raw control or bidi characters in:\n%s", out)
	}
	var doc StatsDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Timeline.Weeks[0].Events["endOfSupport"].Samples; !reflect.DeepEqual(got, []string{name}) {
		t.Errorf("samples %q", got)
	}
}
