package report

import (
	"bytes"
	"encoding/csv"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// blockedCluster is a 1.37 cluster whose next hop removes an API still
// called, and whose hop after that needs its old kubelets moved first.
func blockedCluster() scan.Result {
	n := int64(12)
	r := exposedEKS()
	r.Target.Name = "prod-dra"
	r.Readiness = &scan.Readiness{Verdict: "blocked",
		Reason: "1.37 → 1.38 blocked: 1 deprecated API in use: resourceclaims.v1beta1.resource.k8s.io (12 requests)",
		Hops: []scan.HopReadiness{
			{From: "1.37", To: "1.38", Verdict: "blocked", Why: []string{"1 deprecated API in use: resourceclaims.v1beta1.resource.k8s.io (12 requests)"},
				APIs: []scan.APIInUse{{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims", Requests: &n, Source: "metric"}}},
			{From: "1.38", To: "1.39", Verdict: "blocked", Why: []string{"skew: 2 kubelets at 1.35 would be 4 minors behind 1.39 (policy allows 3): pool-old-1, pool-old-2"},
				Kubelets: []scan.KubeletBlocker{{Version: "1.35", Count: 2, Nodes: []string{"pool-old-1", "pool-old-2"}}}},
		},
		Notes: []string{"apiserver_requested_deprecated_apis counts requests since this API server instance started"}}
	return r
}

// forbiddenCluster could not read /metrics: unknown, with the grant.
func forbiddenCluster() scan.Result {
	r := exposedEKS()
	r.Target.Name = "prod-nometrics"
	r.Readiness = &scan.Readiness{Verdict: "unknown", Reason: "1.35 → 1.36 unknown: /metrics is forbidden to alice",
		Hops: []scan.HopReadiness{{From: "1.35", To: "1.36", Verdict: "unknown", Why: []string{"/metrics is forbidden to alice"}}}}
	a := *r.Advice
	a.Grant = []scan.Step{{Title: "Let alice read /metrics", Commands: []string{"kubectl apply -f - <<'EOF'", "kind: ClusterRole", "- nonResourceURLs: [\"/metrics\"]", "EOF"}}}
	r.Advice = &a
	return r
}

func TestReadinessInEveryReport(t *testing.T) {
	results := []scan.Result{blockedCluster(), forbiddenCluster()}

	var tb bytes.Buffer
	if err := Table(&tb, results); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(tb.String(), "\n")
	if !strings.Contains(lines[0], "READY") {
		t.Fatalf("table header %q", lines[0])
	}
	col := strings.Index(lines[0], "READY")
	for i, want := range []string{"blocked: 1 API", "unknown"} {
		if got := lines[i+1][col:]; !strings.HasPrefix(got, want) {
			t.Errorf("row %d READY column %q, want %q", i+1, got, want)
		}
	}

	var md bytes.Buffer
	if err := Markdown(&md, results, fixtureAt, fixtureData); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| Ready |", "| blocked: 1 API |",
		"### Upgrade readiness",
		"#### 1.37 → 1.38: blocked", "| `resourceclaims.v1beta1.resource.k8s.io` | 12 | the server's metric (removed_release) |",
		"#### Kubelets to upgrade before 1.39", "| 1.35 | 2 | pool-old-1, pool-old-2 |",
		"#### Let alice read /metrics", "kubectl apply -f - <<'EOF'", `- nonResourceURLs: ["/metrics"]`,
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Where to find the callers, under the one hop with APIs in use:
	// not under the kubelet-only hop, nor the unknown one.
	callers := "Who calls them: the server's metric does not say."
	if n := strings.Count(md.String(), callers); n != 1 {
		t.Errorf("markdown says who calls %d times, want once (hop 1.37 → 1.38 only)", n)
	}
	_, hop, _ := strings.Cut(md.String(), "#### 1.37 → 1.38")
	if hop, _, _ = strings.Cut(hop, "#### 1.38 → 1.39"); !strings.Contains(hop, callers) ||
		!strings.Contains(hop, "```sh\njq -r 'select(.annotations[\"k8s.io/deprecated\"]==\"true\")") {
		t.Errorf("hop 1.37 → 1.38 lacks the callers' line and audit-log command:\n%s", hop)
	}

	var h bytes.Buffer
	if err := HTML(&h, results, fixtureAt, fixtureData); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<th scope=\"col\">Ready</th>", "Upgrade readiness", "1.37 → 1.38: blocked", "resourceclaims.v1beta1.resource.k8s.io", "pool-old-1, pool-old-2", "Let alice read /metrics"} {
		if !strings.Contains(html.UnescapeString(h.String()), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(html.UnescapeString(h.String()), callers); n != 1 {
		t.Errorf("HTML says who calls %d times, want once", n)
	}

	var c bytes.Buffer
	if err := CSV(&c, results); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	get := func(row int, col string) string {
		for i, h := range rows[0] {
			if h == col {
				return rows[row][i]
			}
		}
		t.Fatalf("no CSV column %q in %q", col, rows[0])
		return ""
	}
	if get(1, "readiness") != "blocked" || get(1, "readiness_hops") != "1.37→1.38 blocked; 1.38→1.39 blocked" ||
		!strings.Contains(get(1, "readiness_reason"), "resourceclaims.v1beta1.resource.k8s.io (12 requests)") {
		t.Errorf("CSV row %q", rows[1])
	}
	if get(2, "readiness") != "unknown" || get(2, "readiness_hops") != "1.35→1.36 unknown" {
		t.Errorf("CSV row %q", rows[2])
	}
	if got, want := get(1, "readiness_blockers"), "1.37→1.38: resourceclaims.v1beta1.resource.k8s.io (12 requests); 1.38→1.39: 2 kubelets at 1.35 (pool-old-1 pool-old-2)"; got != want {
		t.Errorf("readiness_blockers = %q, want %q", got, want)
	}
	if got := get(2, "readiness_blockers"); got != "" {
		t.Errorf("readiness_blockers of an unknown hop = %q, want empty", got)
	}
}

// readiness_blockers keeps both kinds of blocker of one hop apart, an API
// the server does not count, and the nodes a blocker does not name.
func TestCSVReadinessBlockers(t *testing.T) {
	r := blockedCluster()
	r.Readiness.Hops = []scan.HopReadiness{{From: "1.37", To: "1.38", Verdict: "blocked",
		APIs: []scan.APIInUse{{Group: "coordination.k8s.io", Version: "v1beta1", Resource: "leasecandidates", Source: "metric"},
			{Version: "v1", Resource: "componentstatuses", Source: "data", Requests: new(int64(1))}},
		Kubelets: []scan.KubeletBlocker{{Version: "1.33", Count: 7, Nodes: []string{"a", "b", "c", "d", "e"}}}}}
	recs, err := csv.NewReader(strings.NewReader(render(t, "csv", []scan.Result{r}))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "1.37→1.38: leasecandidates.v1beta1.coordination.k8s.io, componentstatuses.v1 (1 request), 7 kubelets at 1.33 (a b c d e +2)"
	if got := recs[1][slices.Index(CSVHeader, "readiness_blockers")]; got != want {
		t.Errorf("readiness_blockers = %q, want %q", got, want)
	}
}

// A result judged before readiness existed says so, not "ready".
func TestReadinessNotJudged(t *testing.T) {
	r := exposedEKS()
	r.Readiness = nil
	s := upgradeSection(r)
	if len(s.Blocks) != 1 || s.Blocks[0].Text != "Not judged." {
		t.Errorf("section %+v", s)
	}
	var tb bytes.Buffer
	Table(&tb, []scan.Result{r})
	lines := strings.Split(tb.String(), "\n")
	if got := lines[1][strings.Index(lines[0], "READY"):]; !strings.HasPrefix(got, "- ") {
		t.Errorf("READY column %q", got)
	}
}
