package report

import (
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// flatten is every label and value a result's sections show, one a line.
func flatten(r scan.Result) string {
	var b strings.Builder
	for _, s := range Sections(r) {
		for _, bl := range s.Blocks {
			for _, f := range bl.Fields {
				b.WriteString(f.Label + ": " + f.Value + "\n")
			}
			if bl.Table != nil {
				for _, row := range bl.Table.Rows {
					for _, c := range row {
						b.WriteString(c.Text + " | ")
					}
					b.WriteString("\n")
				}
			}
		}
	}
	return b.String()
}

// TestSectionsShowForcedUpgradeAndWhereCVEsWereMatched: the overview and
// the version section date the provider's own upgrade; the CVE table says
// whether a CVE was matched on the API server or on kubelets.
func TestSectionsShowForcedUpgradeAndWhereCVEsWereMatched(t *testing.T) {
	r := scan.Result{Target: scan.Ref{Name: "prod"}, Version: &scan.Version{GitVersion: "v1.31.14-eks-ab12cd3"},
		Urgency: &scan.Urgency{Level: "critical",
			Lifecycle: &scan.Lifecycle{Calendar: "eks", Minor: "1.31", Phase: "extended", EndOfStandardSupport: "2025-11-26",
				EndOfExtendedSupport: "2026-11-26", DaysLeft: 0},
			ForcedUpgrade: &scan.ForcedUpgrade{By: "EKS", On: "2026-11-26", To: "1.32", DaysLeft: 0},
			CVEs: []scan.CVERef{
				{ID: "CVE-1", Severity: "high", FixedIn: []string{"1.31.5"}},
				{ID: "CVE-2", Severity: "high", FixedIn: []string{"1.31.5"}, Kubelets: []string{"1.30.1", "1.31.0"}, WindowsOnly: true},
			}}}
	got := flatten(r)
	for _, want := range []string{
		"Forced upgrade: EKS upgrades this control plane to 1.32 on or after 2026-11-26 (0 days left: ends today)",
		"Days left: extended, 0 days left: ends today",
		"| API server |",
		"| kubelet 1.30.1, 1.31.0 (Windows nodes) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sections lack %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "Forced upgrade:"); n != 2 {
		t.Errorf("forced upgrade shown %d times, want in the verdicts and the lifecycle", n)
	}

	r.Urgency.Lifecycle = &scan.Lifecycle{Calendar: "aks", Minor: "1.31", Phase: "unsupported", EndOfStandardSupport: "2025-11-01",
		EndOfExtendedSupport: "2026-11-30", ExtendedOptIn: "the Premium tier with LTS", DaysLeft: -1}
	r.Urgency.ForcedUpgrade = &scan.ForcedUpgrade{By: "AKS", On: "2026-03-05", To: "1.33", DaysLeft: -30, Unless: "the cluster is on LTS"}
	got = flatten(r)
	for _, want := range []string{
		"Days left: unsupported, support ended 1 day ago",
		"Extended support needs: the Premium tier with LTS (not assumed)",
		"AKS upgrades this control plane to 1.33 on or after 2026-03-05 (due 30 days ago) unless the cluster is on LTS",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sections lack %q:\n%s", want, got)
		}
	}
}
