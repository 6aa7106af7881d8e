package assess

import (
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// TestPatchBeyondTheData: a patch newer than any the data knows for its
// minor is never current; rules the data still vouches for (support
// windows, minors behind) keep firing and set the level.
func TestPatchBeyondTheData(t *testing.T) {
	// Dates on the newest minor are within a week of the data (2026-08-22),
	// before it can be stale.
	cases := []struct {
		name, git, dist, now string
		level                string
		rules                []string
		known                string // the newest patch the reason names
	}{
		{name: "newest minor, patch beyond", git: "v1.36.999", dist: scan.DistKubeadm, now: "2026-08-25",
			level: Unknown, known: "1.36.4"},
		{name: "one past the newest", git: "v1.36.5", dist: scan.DistK3s, now: "2026-08-25",
			level: Unknown, known: "1.36.4"},
		{name: "a pre-release of the next patch", git: "v1.36.5-rc.0", dist: scan.DistKubeadm, now: "2026-11-26",
			level: High, rules: []string{"pre-release"}, known: "1.36.4"},
		{name: "provider build beyond upstream", git: "v1.36.7-eks-ab12cd3", dist: scan.DistEKS, now: "2026-08-25",
			level: Unknown, known: "1.36.4"},
		{name: "GKE beyond its own newest, not upstream's", git: "v1.36.4-gke.100", dist: scan.DistGKE, now: "2026-08-25",
			level: Current},
		{name: "past all support at any patch", git: "v1.29.999-eks-ab12cd3", dist: scan.DistEKS, now: "2026-11-26",
			level: Critical, rules: []string{"past-all-support"}, known: "1.29."},
		{name: "support ends soon at any patch", git: "v1.35.99", dist: scan.DistKubeadm, now: "2027-01-15",
			level: Medium, rules: []string{"support-ends-soon", "one-minor-behind"}, known: "1.35.8"},
		{name: "stale data's newest minor, patch beyond", git: "v1.36.999", dist: scan.DistKubeadm, now: "2026-11-26",
			level: Low, rules: []string{"newer-minor-probably-out"}, known: "1.36.4"},
		{name: "the newest patch itself", git: "v1.36.4", dist: scan.DistKubeadm, now: "2026-08-25", level: Current},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := judged(t, c.git, c.dist, c.now, nil).Urgency
			if u.Level != c.level {
				t.Fatalf("level %s, want %s (rules %v, reasons %q)", u.Level, c.level, u.Rules, u.Reasons)
			}
			for _, id := range c.rules {
				if !hasRule(u, id) {
					t.Errorf("rule %s did not fire: %v", id, u.Rules)
				}
			}
			all := strings.Join(u.Reasons, "\n")
			if c.known == "" {
				if strings.Contains(all, "newer than the data's newest patch") {
					t.Errorf("reasons %q", u.Reasons)
				}
				return
			}
			if !strings.Contains(all, "newer than the data's newest patch of") || !strings.Contains(all, "("+c.known) ||
				!strings.Contains(all, "kubesurface data update") {
				t.Errorf("reasons %q: want the patch named beyond %s and the update suggested", u.Reasons, c.known)
			}
			if c.level == Unknown && u.Reason != u.Reasons[0] {
				t.Errorf("reason %q", u.Reason)
			}
			if c.level != Unknown && strings.Contains(u.Reason, "newer than the data") {
				t.Errorf("the table line %q should be the rule that set the level", u.Reason)
			}
			if u.PatchesBehind != 0 {
				t.Errorf("patches behind %d", u.PatchesBehind)
			}
		})
	}
}
