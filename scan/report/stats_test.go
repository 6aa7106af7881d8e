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

// The Markdown report's Fleet tables say the numbers of the fixtures,
// worked out by hand, as rows a reader can check.
func TestMarkdownFleet(t *testing.T) {
	out := render(t, "markdown", fixtures())
	wantAll(t, "markdown", out,
		"## Fleet\n\n### Urgency by distribution\n\n| Distribution | high | unknown | Total |\n| --- | --- | --- | --- |\n| eks | 1 | 0 | 1 |\n| kubeadm | 0 | 1 | 1 |\n| unknown | 0 | 1 | 1 |\n",
		"| Reach | high | low | none | Total |\n| --- | --- | --- | --- | --- |\n| public | 1 | 0 | 1 | 2 |\n| private | 0 | 1 | 0 | 1 |\n",
		"| 1.29 | 1 | 1 extended | yes |\n",
		"Already past: 1 out of standard support, 0 out of all support, 0 forced upgrades due.",
		"| 2027-W12 | 2027-03-22 | 0 | 1: prod-eks | 0 |\n")
	if strings.Index(out, "## Fleet") > strings.Index(out, "## 1. prod-eks") || strings.Index(out, "## Fleet") < strings.Index(out, "## Summary") {
		t.Error("the Fleet section is not between the summary and the targets")
	}
	if out := render(t, "markdown", nil); strings.Contains(out, "Fleet") {
		t.Error("a report of no targets has a Fleet section")
	}
}

// Names in the Fleet tables come from the results: a hostile distribution
// or target name can neither add a row or column nor carry markup.
func TestMarkdownFleetEscapes(t *testing.T) {
	r := exposedEKS()
	r.Dist.Name = "eks | 9 | 9 |\n| forged " + hostile
	r.Target.Name = "prod | " + hostile
	out := render(t, "markdown", []scan.Result{r})
	wantAll(t, "markdown", out,
		`| eks \| 9 \| 9 \|`,
		`| 2027-W12 | 2027-03-22 | 0 | 1: prod \| \<script\>alert(1)\</script\> | 0 |`)
	if strings.Contains(out, "<script>") || strings.Contains(out, "\n| forged") {
		t.Errorf("markup or a row got through:\n%s", out)
	}
}
