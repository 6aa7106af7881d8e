package assess

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// TestForcedUpgradeIsAFactOfItsOwn: the provider's own upgrade is dated,
// with its target, wherever the provider makes one, and nowhere else.
func TestForcedUpgradeIsAFactOfItsOwn(t *testing.T) {
	cases := []struct {
		name, git, dist, now string
		want                 *scan.ForcedUpgrade
		inReasons            bool
	}{
		{name: "EKS at the end of extended support", git: "v1.31.14-eks-ab12cd3", dist: scan.DistEKS, now: "2026-11-26",
			want: &scan.ForcedUpgrade{By: "EKS", On: "2026-11-26", To: "1.32", DaysLeft: 0}, inReasons: true},
		{name: "EKS far from it", git: "v1.36.1-eks-ab12cd3", dist: scan.DistEKS, now: "2026-11-26",
			want: &scan.ForcedUpgrade{By: "EKS", On: "2028-08-02", To: "1.37", DaysLeft: 615}},
		{name: "GKE at the end of standard support", git: "v1.34.9-gke.1655001", dist: scan.DistGKE, now: "2026-09-20",
			want: &scan.ForcedUpgrade{By: "GKE", On: "2026-10-01", To: "1.35", DaysLeft: 11, Unless: "the cluster is on the Extended channel"}, inReasons: true},
		{name: "GKE at the end of Extended", git: "v1.32.13-gke.2314000", dist: scan.DistGKE, now: "2027-01-01",
			want: &scan.ForcedUpgrade{By: "GKE", On: "2027-02-11", To: "1.33", DaysLeft: 41}, inReasons: true},
		{name: "AKS when the minor falls to n-4", git: "v1.31.5", dist: scan.DistAKS, now: "2026-02-01",
			want: &scan.ForcedUpgrade{By: "AKS", On: "2026-03-05", To: "1.33", DaysLeft: 32,
				Unless: "the cluster is on LTS (Premium tier) or has opted out of the automatic upgrade of unsupported minors"}, inReasons: true},
		{name: "AKS with no n+4 in the data", git: "v1.34.2", dist: scan.DistAKS, now: "2026-11-26"},
		{name: "upstream: nobody upgrades", git: "v1.31.14", dist: scan.DistKubeadm, now: "2026-11-26"},
		{name: "OpenShift: Red Hat does not", git: "v1.31.6+2f7b992", dist: scan.DistOpenShift, now: "2026-11-26"},
		{name: "DOKS: judged by upstream, no date", git: "v1.33.1", dist: scan.DistDigitalOcean, now: "2026-11-26"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := judged(t, c.git, c.dist, c.now, nil).Urgency
			got := u.ForcedUpgrade
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Fatalf("forced upgrade %+v, want %+v", got, c.want)
			}
			said := slices.ContainsFunc(u.Reasons, func(s string) bool { return strings.Contains(s, "upgrades this control plane to") })
			if said != c.inReasons {
				t.Errorf("reasons %q: forced upgrade said %v, want %v", u.Reasons, said, c.inReasons)
			}
		})
	}
}

// TestProviderTextsSayWhoUpgrades: the managed services that schedule
// upgrades never read "nobody upgrades for you"; self-managed ones do.
func TestProviderTextsSayWhoUpgrades(t *testing.T) {
	for dist, want := range map[string]string{
		scan.DistDigitalOcean: "DigitalOcean schedules an upgrade",
		scan.DistLKE:          "LKE schedules an upgrade",
		scan.DistOKE:          "leaves control plane upgrades to you",
		scan.DistEKSD:         "self-managed",
		scan.DistKubeadm:      "nobody upgrades for you",
		scan.DistK3s:          "nobody upgrades for you",
	} {
		u := judged(t, "v1.33.1", dist, "2026-11-26", nil).Urgency
		p := u.Lifecycle.Provider
		if !strings.Contains(p, want) {
			t.Errorf("%s: provider %q lacks %q", dist, p, want)
		}
		if (dist == scan.DistDigitalOcean || dist == scan.DistLKE) && strings.Contains(p, "nobody upgrades") {
			t.Errorf("%s: %q says nobody upgrades", dist, p)
		}
		if u.Lifecycle.Calendar != Upstream {
			t.Errorf("%s judged by %s, want the upstream calendar", dist, u.Lifecycle.Calendar)
		}
	}
}

// TestBackportNoteForEveryProviderBuild: the README promises the note for
// every provider build, upstream calendar or not; upstream's own
// releases and pre-releases get none.
func TestBackportNoteForEveryProviderBuild(t *testing.T) {
	for _, c := range []struct {
		git, dist string
		note      bool
	}{
		{"v1.33.4+k3s1", scan.DistK3s, true},
		{"v1.33.4+rke2r1", scan.DistRKE2, true},
		{"v1.33.4-eks-ab12cd3", scan.DistEKS, true},
		{"v1.33.4-gke.100", scan.DistGKE, true},
		// OpenShift 4.17 and later report plain upstream versions: the
		// note comes from the distribution recognised (OAuth discovery,
		// ClusterVersion), not from a suffix.
		{"v1.31.6", scan.DistOpenShift, true},
		{"v1.33.4", scan.DistKubeadm, false},
		{"v1.33.4", scan.DistAKS, false},
		{"v1.33.0-rc.1", scan.DistKubeadm, false},
	} {
		r := judged(t, c.git, c.dist, "2026-11-26", nil)
		got := strings.Contains(strings.Join(r.Advice.Notes, "\n"), "back-ported")
		if got != c.note {
			t.Errorf("%s: back-port note %v, want %v (%v)", c.git, got, c.note, r.Advice.Notes)
		}
	}
}

// TestCVEsOnTheComponentTheyAffect: kubelet and kube-proxy CVEs follow the
// kubelets, Windows-only ones the Windows nodes.
func TestCVEsOnTheComponentTheyAffect(t *testing.T) {
	ids := func(u *scan.Urgency) []string {
		var out []string
		for _, c := range u.CVEs {
			out = append(out, c.ID)
		}
		return out
	}
	const (
		kubeletOnly = "CVE-2024-10220" // gitRepo volume: kubelet, fixed in 1.30.3
		windowsOnly = "CVE-2024-5321"  // Windows container logs: kubelet, fixed in 1.30.3
	)
	// Server at the newest 1.30 patch: none of its own CVEs is fixable.
	server := "v1.30.14"

	t.Run("kubelets older than the server carry their CVEs", func(t *testing.T) {
		u := judged(t, server, scan.DistKubeadm, "2025-01-10", nodes("v1.30.1", "linux", "v1.30.1", "linux", "v1.30.14", "linux")).Urgency
		i := slices.IndexFunc(u.CVEs, func(c scan.CVERef) bool { return c.ID == kubeletOnly })
		if i < 0 {
			t.Fatalf("%s not matched on kubelet 1.30.1: %v", kubeletOnly, ids(u))
		}
		if got := u.CVEs[i].Kubelets; !slices.Equal(got, []string{"1.30.1"}) {
			t.Errorf("kubelets %v, want the one distinct affected version", got)
		}
		if slices.Contains(ids(u), windowsOnly) {
			t.Errorf("Windows-only %s listed for Linux nodes", windowsOnly)
		}
		if u.WorstCVE == "" || !hasRule(u, u.WorstCVE+"-cve") {
			t.Errorf("kubelet CVEs should raise the level: worst %q rules %v", u.WorstCVE, u.Rules)
		}
	})
	t.Run("Windows nodes get the Windows-only ones", func(t *testing.T) {
		u := judged(t, server, scan.DistKubeadm, "2025-01-10", nodes("v1.30.1", "windows")).Urgency
		i := slices.IndexFunc(u.CVEs, func(c scan.CVERef) bool { return c.ID == windowsOnly })
		if i < 0 || !u.CVEs[i].WindowsOnly {
			t.Fatalf("%s not matched on a Windows kubelet: %+v", windowsOnly, u.CVEs)
		}
	})
	t.Run("unknown node OS is named", func(t *testing.T) {
		u := judged(t, server, scan.DistKubeadm, "2025-01-10", nodes("v1.30.1", "")).Urgency
		if slices.Contains(ids(u), windowsOnly) {
			t.Errorf("Windows-only %s listed without a Windows node", windowsOnly)
		}
		if !slices.ContainsFunc(u.Reasons, func(s string) bool { return strings.Contains(s, "whose node OS was not reported") }) {
			t.Errorf("reasons %q do not say the OS is unknown", u.Reasons)
		}
	})
	t.Run("without nodes they are not checked and do not count", func(t *testing.T) {
		u := judged(t, "v1.30.1", scan.DistKubeadm, "2025-01-10", nil).Urgency
		for _, c := range u.CVEs {
			if nodeOnly(CVE{Components: c.Components}) {
				t.Errorf("%s (%v) matched against the API server", c.ID, c.Components)
			}
		}
		if !slices.ContainsFunc(u.Reasons, func(s string) bool {
			return strings.Contains(s, "could not be checked") && strings.Contains(s, "only on Windows nodes")
		}) {
			t.Errorf("reasons %q do not say kubelet and Windows CVEs were not checked", u.Reasons)
		}
		if hasRule(u, "high-cve") {
			t.Errorf("an unchecked kubelet CVE raised the level: %v", u.Rules)
		}
	})
	t.Run("control plane CVEs stay on the server", func(t *testing.T) {
		u := judged(t, "v1.30.1", scan.DistKubeadm, "2025-01-10", nodes("v1.36.4", "linux")).Urgency
		if !slices.ContainsFunc(u.CVEs, func(c scan.CVERef) bool { return len(c.Kubelets) == 0 && !c.Unfixed }) {
			t.Errorf("no fixable control plane CVE on 1.30.1: %v", ids(u))
		}
	})
}

// TestPreReleasesMatchCVEsBySemver: 1.31.0-rc.1 comes before 1.31.0, so a
// range introduced at 1.31.0-alpha.0 holds it and one introduced at
// 1.31.0 does not.
func TestPreReleasesMatchCVEsBySemver(t *testing.T) {
	u := judged(t, "v1.31.0-rc.1", scan.DistKubeadm, "2024-09-01", nodes("v1.31.0-rc.1", "windows")).Urgency
	if !slices.ContainsFunc(u.CVEs, func(c scan.CVERef) bool { return c.ID == "CVE-2024-9042" }) {
		t.Errorf("CVE-2024-9042 (introduced 1.31.0-alpha.0) should hold 1.31.0-rc.1: %+v", u.CVEs)
	}
	if !hasRule(u, "pre-release") {
		t.Errorf("rules %v", u.Rules)
	}
}

// TestPreReleasesAreNamedAsMatched: the reasons name the version the CVEs
// were matched at. A range introduced at 1.31.0 does not hold 1.31.0-rc.1,
// so a note or reason saying "1.31.0" would claim a match never made.
func TestPreReleasesAreNamedAsMatched(t *testing.T) {
	for _, c := range []struct {
		name  string
		nodes func(*scan.Result)
		want  string
	}{
		{"no nodes seen", nil, "would affect nodes at 1.31.0-rc.1 (CVE-2025-1767, CVE-2024-9042) but could not be checked"},
		{"no nodes seen", nil, "7 known CVEs affect 1.31.0-rc.1, worst fixable medium"},
		{"a kubelet seen", nodes("v1.30.1", "linux"), "10 known CVEs affect 1.31.0-rc.1 and its kubelets (3 of them in the kubelet or kube-proxy), worst fixable high: CVE-2024-10220"},
	} {
		u := judged(t, "v1.31.0-rc.1", scan.DistKubeadm, "2024-09-01", c.nodes).Urgency
		if !slices.ContainsFunc(u.Reasons, func(s string) bool { return strings.Contains(s, c.want) }) {
			t.Errorf("%s: reasons %q, want one saying %q", c.name, u.Reasons, c.want)
		}
		for _, r := range u.Reasons {
			if strings.Contains(r, "1.31.0 ") || strings.Contains(r, "1.31.0,") {
				t.Errorf("%s: %q names the release 1.31.0, not the pre-release the CVEs were matched at", c.name, r)
			}
		}
	}
}

func TestDaysAreSaidInWords(t *testing.T) {
	for n, want := range map[int]string{0: "0 days left: ends today", 1: "1 day left", 2: "2 days left", -1: "1 day ago", -12: "12 days ago"} {
		if got := scan.DaysText(n); got != want {
			t.Errorf("DaysText(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCountsAreSaidInWords(t *testing.T) {
	for _, c := range []struct {
		n          int
		word, want string
	}{{0, "row", "0 rows"}, {1, "row", "1 row"}, {2, "row", "2 rows"}, {1, "patch", "1 patch"}, {3, "patch", "3 patches"}} {
		if got := scan.Plural(c.n, c.word); got != c.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", c.n, c.word, got, c.want)
		}
	}
}

// TestMinorsTheCalendarDoesNotList: a minor missing from a calendar is
// "older than every release" only when it is; between two releases it is
// said to be between them, past all support only when the newer one is,
// and an OpenShift version that does not exist is never named.
func TestMinorsTheCalendarDoesNotList(t *testing.T) {
	clusterVersion := func(v string) func(*scan.Result) {
		return func(r *scan.Result) { r.Auth = &scan.Auth{OpenShift: &scan.OpenShiftVersion{Version: v}} }
	}
	for _, c := range []struct {
		name, git string
		mod       func(*scan.Result)
		level     string
		want      string
	}{
		{"OpenShift shipping a Kubernetes minor between 4.2 (1.14) and 4.3 (1.16)", "v1.15.3", nil, Critical,
			"no OpenShift release the calendar lists ships Kubernetes 1.15 (OpenShift 4.2 ships 1.14, OpenShift 4.3 ships 1.16); the releases either side are out of all support"},
		{"OpenShift shipping a Kubernetes minor older than 4.1's", "v1.12.4", nil, Critical,
			"Kubernetes 1.12 is older than every release the Red Hat OpenShift Container Platform 4 calendar lists"},
		{"an OpenShift minor older than every one listed", "v1.13.4", clusterVersion("4.0.22"), Critical,
			"OpenShift 4.0 is older than every release the Red Hat OpenShift Container Platform 4 calendar lists"},
	} {
		u := judged(t, c.git, scan.DistOpenShift, "2026-11-26", c.mod).Urgency
		all := strings.Join(u.Reasons, "\n")
		if u.Level != c.level || !strings.Contains(all, c.want) {
			t.Errorf("%s: level %s, reasons %q: want %s and %q", c.name, u.Level, u.Reasons, c.level, c.want)
		}
		for _, bad := range []string{"OpenShift 1.", "OpenShift " + strings.TrimPrefix(c.git, "v")[:4]} {
			if strings.Contains(all, bad) {
				t.Errorf("%s: reasons name an OpenShift version that does not exist (%q): %q", c.name, bad, u.Reasons)
			}
		}
		if c.mod == nil && u.Lifecycle != nil && u.Lifecycle.Minor != "" {
			t.Errorf("%s: lifecycle minor %q, want none (no OpenShift release ships %s)", c.name, u.Lifecycle.Minor, c.git)
		}
		if strings.Contains(c.want, "between") && strings.Contains(all, "older than every release") {
			t.Errorf("%s: said older than every release: %q", c.name, u.Reasons)
		}
	}

	// Between two releases, the newer still supported: nothing to judge
	// the missing minor by.
	b := mustBase(t)
	up := b.Lifecycle[Upstream]
	up.Releases = slices.DeleteFunc(slices.Clone(up.Releases), func(r Release) bool { return r.Minor == "1.35" })
	r := &scan.Result{Dist: scan.Distribution{Name: scan.DistKubeadm}, Version: &scan.Version{GitVersion: "v1.35.2"}}
	Judge(r, b, day("2026-11-26"))
	if u := r.Urgency; u.Level != Unknown || !strings.Contains(u.Reason, "does not list 1.35 (it lists 1.34 and 1.36)") || strings.Contains(u.Reason, "older than every") {
		t.Errorf("a minor missing between supported ones: level %s, reason %q", u.Level, u.Reason)
	}
}
