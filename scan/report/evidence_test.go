package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
)

// conflicted is a cluster whose evidence disagrees, as judgeDistribution
// leaves it: an -eks- build behind kubeadm's certificate, with one node
// that says kind, read from a server that puts the payload everywhere.
func conflicted() scan.Result {
	r := authFailed()
	r.Auth = &scan.Auth{User: "admin", OpenShift: &scan.OpenShiftVersion{Version: "4.18.3", Channel: "stable-4.18"}}
	r.Dist = scan.Distribution{Name: scan.DistEKSD,
		Evidence: []string{"version v1.29.3-eks-adc7111 has the -eks- suffix: Amazon's build of Kubernetes"},
		Against:  []string{"kind: 1 of 3 nodes has kind:// provider IDs", "eks: the managed EKS service reports -eks- builds too"}}
	return r
}

// The distribution part of the detail shows the evidence against the
// verdict and the ClusterVersion, cleaned, and says nothing against a
// verdict nothing disagrees with.
func TestDistributionEvidenceAgainstIsShown(t *testing.T) {
	find := func(r scan.Result, heading string) *Block {
		for _, s := range Sections(r) {
			for i, b := range s.Blocks {
				if b.Heading == heading {
					return &s.Blocks[i]
				}
			}
		}
		return nil
	}
	r := conflicted()
	b := find(r, "Evidence against eks-d")
	if b == nil || len(b.Items) != 2 || !strings.HasPrefix(b.Items[0], "kind: 1 of 3 nodes") {
		t.Fatalf("evidence against = %+v", b)
	}
	if ov := find(r, "OpenShift ClusterVersion"); ov == nil || ov.Fields[0].Value != "4.18.3" || ov.Fields[1].Value != "stable-4.18" {
		t.Errorf("ClusterVersion block = %+v", ov)
	}
	if b := find(fixtures()[0], "Evidence against eks"); b != nil {
		t.Errorf("an against block with nothing against: %+v", b)
	}

	cleantest.Poison(&r, cleantest.Payload)
	for _, format := range []string{"markdown", "html"} {
		var out bytes.Buffer
		if err := Write(&out, format, []scan.Result{r}, fixtureAt, fixtureData, Options{}); err != nil {
			t.Fatal(err)
		}
		cleantest.Check(t, format, out.String())
		if !strings.Contains(out.String(), "Evidence against") || !strings.Contains(out.String(), "1 of 3 nodes has kind://") {
			t.Errorf("%s does not show the evidence against", format)
		}
	}
}
