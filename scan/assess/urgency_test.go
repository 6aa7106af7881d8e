package assess

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// judged runs Judge on a result carrying only what the rules read.
func judged(t *testing.T, git, dist string, now string, mod func(*scan.Result)) *scan.Result {
	t.Helper()
	b, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	r := &scan.Result{Dist: scan.Distribution{Name: dist},
		Exposure: scan.Exposure{Reach: scan.ClassPrivate, Access: scan.AccessVersion, Level: scan.LevelMedium}}
	if git != "" {
		r.Version = &scan.Version{GitVersion: git, Source: "anonymous"}
	}
	if mod != nil {
		mod(r)
	}
	Judge(r, b, day(now))
	return r
}

// nodes gives the result an authenticated view with one node per kubelet
// version and OS pair given.
func nodes(pairs ...string) func(*scan.Result) {
	return func(r *scan.Result) {
		r.Auth = &scan.Auth{}
		for i := 0; i+1 < len(pairs); i += 2 {
			r.Auth.Nodes = append(r.Auth.Nodes, scan.Node{Name: fmt.Sprintf("n%d", i/2), KubeletVersion: pairs[i], OS: pairs[i+1]})
		}
	}
}

func hasRule(u *scan.Urgency, id string) bool {
	for _, r := range u.Rules {
		if r == id {
			return true
		}
	}
	return false
}

// TestJudgeAtFixedDates pins verdicts to dates in the embedded snapshot,
// one per situation an admin meets.
func TestJudgeAtFixedDates(t *testing.T) {
	cases := []struct {
		name, git, dist, now string
		mod                  func(*scan.Result)
		level, phase         string
		rules                []string
		reason               string // substring of Reason
	}{
		{name: "supported and current", git: "v1.36.4", dist: scan.DistKubeadm, now: "2026-08-25",
			level: Current, phase: "standard", reason: "supported until 2027-06-28, on the newest patch the data knows, with no CVE an upgrade fixes"},
		{name: "current minor, old patch", git: "v1.36.1", dist: scan.DistK3s, now: "2026-11-26",
			level: Low, phase: "standard", rules: []string{"patches-behind"}, reason: "3 patches behind 1.36.4"},
		{name: "EKS in extended support", git: "v1.30.14-eks-ab12cd3", dist: scan.DistEKS, now: "2026-05-01",
			level: High, phase: "extended", rules: []string{"extended-support", "three-minors-behind"}, reason: "left standard support on 2025-07-23; extended support ends 2026-07-23 (83 days left)"},
		{name: "EKS past all support", git: "v1.29.15-eks-ab12cd3", dist: scan.DistEKS, now: "2026-11-26",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support"}, reason: "out of all support since 2026-03-23"},
		{name: "near the end of standard support", git: "v1.35.8", dist: scan.DistKubeadm, now: "2027-01-15",
			level: Medium, phase: "standard", rules: []string{"support-ends-soon", "one-minor-behind"}, reason: "ends 2027-02-28 (44 days left)"},
		{name: "GKE near the end", git: "v1.34.9-gke.1655001", dist: scan.DistGKE, now: "2026-09-01",
			level: Medium, phase: "standard", rules: []string{"support-ends-soon", "two-minors-behind"}},
		{name: "critical CVE", git: "v1.11.4", dist: scan.DistUnknown, now: "2026-11-26",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support", "critical-cve"}},
		{name: "high CVE in a supported minor", git: "v1.30.1", dist: scan.DistKubeadm, now: "2025-01-10",
			mod: nodes("v1.30.1", "linux"), level: High, phase: "standard", rules: []string{"high-cve"}},
		{name: "kubelet CVEs unchecked without nodes", git: "v1.30.1", dist: scan.DistKubeadm, now: "2025-01-10",
			level: High, phase: "standard", rules: []string{"medium-cve"}, reason: "in the kubelet or kube-proxy would affect nodes at 1.30.1"},

		// Support as the provider gives it.
		{name: "AKS past community support inside LTS", git: "v1.31.5", dist: scan.DistAKS, now: "2026-06-01",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support"},
			reason: "supported until 2026-11-30 only if the cluster is on the Premium tier with LTS"},
		{name: "AKS community support ends in 10 days", git: "v1.34.2", dist: scan.DistAKS, now: "2026-11-20",
			level: Critical, phase: "standard", rules: []string{"all-support-ends-soon"},
			reason: "support for 1.34 ends 2026-11-30 (10 days left) unless the cluster is on the Premium tier with LTS"},
		{name: "AKS past LTS too", git: "v1.31.5", dist: scan.DistAKS, now: "2026-12-05",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support"}, reason: "out of all support since 2025-11-01 (399 days ago)"},
		{name: "GKE on the Extended channel", git: "v1.32.13-gke.2314000", dist: scan.DistGKE, now: "2026-06-01",
			level: High, phase: "extended", rules: []string{"extended-support"},
			reason: "unless they are on the Extended channel, so this one is: Extended support ends 2027-02-11, 24 months from its release"},
		{name: "GKE past the Extended window", git: "v1.32.13-gke.2314000", dist: scan.DistGKE, now: "2027-03-01",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support"}, reason: "out of all support since 2027-02-11 (18 days ago)"},
		{name: "GKE standard support ends in 11 days", git: "v1.34.9-gke.1655001", dist: scan.DistGKE, now: "2026-09-20",
			level: High, phase: "standard", rules: []string{"standard-support-ends-very-soon", "support-ends-soon"},
			reason: "GKE upgrades this control plane to 1.35 on or after 2026-10-01 (11 days left) unless the cluster is on the Extended channel"},
		{name: "OpenShift placed by ClusterVersion", git: "v1.31.6+2f7b992", dist: scan.DistOpenShift, now: "2026-11-26",
			mod: func(r *scan.Result) {
				r.Auth = &scan.Auth{OpenShift: &scan.OpenShiftVersion{Version: "4.18.12", Channel: "eus-4.18"}}
			},
			level: High, phase: "extended", rules: []string{"extended-support"}, reason: "OpenShift 4.18 (Kubernetes 1.31) left standard support on 2026-08-25; extended support ends 2027-02-25 (91 days left)"},
		{name: "ClusterVersion places the cluster whatever else was judged", git: "v1.31.6", dist: scan.DistUnknown, now: "2026-11-26",
			mod: func(r *scan.Result) {
				r.Auth = &scan.Auth{OpenShift: &scan.OpenShiftVersion{Version: "4.18.12"}}
			},
			level: High, phase: "extended", rules: []string{"extended-support"}, reason: "OpenShift 4.18 (Kubernetes 1.31) left standard support"},
		{name: "ClusterVersion newer than the data", git: "v1.35.2+2f7b992", dist: scan.DistOpenShift, now: "2026-11-26",
			mod: func(r *scan.Result) {
				r.Auth = &scan.Auth{OpenShift: &scan.OpenShiftVersion{Version: "4.23.0"}}
			},
			level: Unknown, reason: "OpenShift 4.23 is newer than the data knows"},
		{name: "OpenShift EUS minor without an EUS date", git: "v1.33.5+2f7b992", dist: scan.DistOpenShift, now: "2026-11-26",
			level: Medium, phase: "standard", reason: "OpenShift 4.20 is an EUS minor, but the data has no end date for its Extended Update Support"},

		// Time running out.
		{name: "EKS on the last day of extended support", git: "v1.31.14-eks-ab12cd3", dist: scan.DistEKS, now: "2026-11-26",
			level: Critical, phase: "extended", rules: []string{"all-support-ends-soon", "extended-support"},
			reason: "EKS upgrades this control plane to 1.32 on or after 2026-11-26 (0 days left: ends today)"},
		{name: "upstream end of support in 18 days", git: "v1.35.8", dist: scan.DistKubeadm, now: "2027-02-10",
			level: Critical, phase: "standard", rules: []string{"all-support-ends-soon", "support-ends-soon"}, reason: "all support for 1.35 ends 2027-02-28 (18 days left)"},
		{name: "upstream end of support tomorrow", git: "v1.35.8", dist: scan.DistKubeadm, now: "2027-02-27",
			level: Critical, phase: "standard", rules: []string{"all-support-ends-soon"}, reason: "(1 day left)"},
		{name: "EKS standard support ends in 12 days", git: "v1.34.3-eks-ab12cd3", dist: scan.DistEKS, now: "2026-11-20",
			level: High, phase: "standard", rules: []string{"standard-support-ends-very-soon", "support-ends-soon"}, reason: "standard support for 1.34 ends 2026-12-02 (12 days left)"},
		{name: "out of support since yesterday", git: "v1.33.13", dist: scan.DistKubeadm, now: "2026-06-29",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support"}, reason: "out of all support since 2026-06-28 (1 day ago)"},

		// Stale data and versions that are not versions.
		{name: "newest minor of data a week old", git: "v1.36.4", dist: scan.DistKubeadm, now: "2026-08-29",
			level: Current, phase: "standard", reason: "supported until 2027-06-28"},
		{name: "newest minor of data eight days old", git: "v1.36.4", dist: scan.DistKubeadm, now: "2026-08-30",
			level: Low, phase: "standard", rules: []string{"newer-minor-probably-out"}, reason: "data is 8 days old and its newest minor 1.36 came out 130 days ago"},
		{name: "newest minor of stale data", git: "v1.36.4", dist: scan.DistKubeadm, now: "2026-12-10",
			level: Low, phase: "standard", rules: []string{"newer-minor-probably-out"},
			reason: "data is 110 days old and its newest minor 1.36 came out 232 days ago, more than one release cycle: a newer minor is probably out; run `kubesurface data update`"},
		{name: "unstamped build", git: "v0.0.0-master+$Format:%H$", dist: scan.DistUnknown, now: "2026-11-26",
			level: Unknown, reason: "unstamped build"},
		{name: "bare v0.0.0", git: "v0.0.0", dist: scan.DistKubeadm, now: "2026-11-26",
			level: Unknown, reason: "unstamped build"},
		{name: "alpha of a minor the data does not know", git: "v1.37.0-alpha.1", dist: scan.DistKubeadm, now: "2026-11-26",
			level: High, rules: []string{"pre-release"}, reason: "1.37.0-alpha.1 is a pre-release (alpha.1) of 1.37, not a supported release of it"},
		{name: "release candidate", git: "v1.36.0-rc.1", dist: scan.DistKubeadm, now: "2026-09-01",
			level: High, phase: "standard", rules: []string{"pre-release", "patches-behind"}, reason: "1.36.0-rc.1 is a pre-release (rc.1) of 1.36, not a supported release of it"},
		{name: "OpenShift by its Kubernetes minor", git: "v1.28.9+2f7b992", dist: scan.DistOpenShift, now: "2026-11-26",
			level: Critical, phase: "unsupported", rules: []string{"past-all-support"}, reason: "OpenShift 4.15 (Kubernetes 1.28) is out of all support since 2025-08-27"},
		{name: "kubelet skew", git: "v1.36.4", dist: scan.DistKubeadm, now: "2026-11-26",
			mod: func(r *scan.Result) {
				r.Auth = &scan.Auth{Skew: &scan.Skew{Violations: []string{"n1: kubelet v1.31.0 is 5 minors behind"}}}
			},
			level: High, phase: "standard", rules: []string{"kubelet-skew"}},
		{name: "newer than the data", git: "v1.37.2", dist: scan.DistUnknown, now: "2026-11-26",
			level: Unknown, reason: "newer than the data knows"},
		{name: "unparsable", git: "banana", dist: scan.DistUnknown, now: "2026-11-26",
			level: Unknown, reason: "cannot be parsed"},
		{name: "version not visible", git: "", dist: scan.DistUnknown, now: "2026-11-26",
			level: Unknown, reason: "not visible"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := judged(t, c.git, c.dist, c.now, c.mod)
			u := r.Urgency
			if u.Level != c.level {
				t.Fatalf("level %s, want %s (rules %v, reasons %v)", u.Level, c.level, u.Rules, u.Reasons)
			}
			for _, id := range c.rules {
				if !hasRule(u, id) {
					t.Errorf("rule %s did not fire: %v", id, u.Rules)
				}
			}
			if c.level == Current && len(u.Rules) > 0 {
				t.Errorf("current with rules %v", u.Rules)
			}
			if c.phase != "" && (u.Lifecycle == nil || u.Lifecycle.Phase != c.phase) {
				t.Errorf("lifecycle %+v, want phase %s", u.Lifecycle, c.phase)
			}
			if !strings.Contains(strings.Join(u.Reasons, "\n"), c.reason) {
				t.Errorf("reasons %q lack %q", u.Reasons, c.reason)
			}
			if u.Reason == "" || u.Reason != u.Reasons[0] || u.JudgedAt != c.now || u.DataAsOf == "" {
				t.Errorf("reason %q, judgedAt %q, dataAsOf %q", u.Reason, u.JudgedAt, u.DataAsOf)
			}
			if r.Advice == nil || r.Advice.Cadence == "" {
				t.Errorf("no advice")
			}
		})
	}
}

// TestRulesWithoutTheCalendarStillFire: a server the support calendar
// cannot place (newer than the data, OpenShift newer than the data, no
// version at all) is still judged on what needs no calendar: a kubelet
// outside the skew policy raises the urgency with its rule and reason,
// and the reason the support is unknown follows. Without such a fact it
// stays unknown.
func TestRulesWithoutTheCalendarStillFire(t *testing.T) {
	skew := func(r *scan.Result) {
		r.Auth = &scan.Auth{Skew: &scan.Skew{Violations: []string{"n1: kubelet v1.33.0 is 4 minors behind the API server v1.37.2 (policy allows 3)"}}}
	}
	for _, c := range []struct{ name, git, dist, why string }{
		{"newer than the data", "v1.37.2", scan.DistKubeadm, "1.37 is newer than the data knows"},
		{"OpenShift newer than the data", "v1.35.2+2f7b992", scan.DistOpenShift, "is newer than the data knows"},
		{"version not visible", "", scan.DistUnknown, "the version is not visible"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mod := skew
			if c.dist == scan.DistOpenShift {
				mod = func(r *scan.Result) {
					skew(r)
					r.Auth.OpenShift = &scan.OpenShiftVersion{Version: "4.23.0"}
				}
			}
			u := judged(t, c.git, c.dist, "2026-11-26", mod).Urgency
			if u.Level != High || !hasRule(u, "kubelet-skew") {
				t.Fatalf("level %s rules %v reasons %q: want high from kubelet-skew", u.Level, u.Rules, u.Reasons)
			}
			if u.Reason != "1 kubelet outside the version skew policy" {
				t.Errorf("reason %q", u.Reason)
			}
			if !strings.Contains(strings.Join(u.Reasons, "\n"), c.why) {
				t.Errorf("reasons %q do not say why the support is unknown (%q)", u.Reasons, c.why)
			}
			if u.Lifecycle != nil || hasRule(u, "past-all-support") || hasRule(u, "one-minor-behind") {
				t.Errorf("calendar rules fired without a calendar: %v, %+v", u.Rules, u.Lifecycle)
			}
		})
	}
	if u := judged(t, "v1.37.2", scan.DistKubeadm, "2026-11-26", nil).Urgency; u.Level != Unknown || len(u.Rules) != 0 {
		t.Errorf("no skew: level %s rules %v, want unknown", u.Level, u.Rules)
	}
}

func TestProviderBuildsMatchUpstreamBaseAndSayItMayBeBackported(t *testing.T) {
	r := judged(t, "v1.28.3-eks-4f4795d", scan.DistEKS, "2024-01-10", nil)
	if len(r.Urgency.CVEs) == 0 {
		t.Fatal("no CVE matched 1.28.3")
	}
	if !strings.Contains(strings.Join(r.Advice.Notes, "\n"), "back-ported") {
		t.Errorf("notes %v do not mention back-ports", r.Advice.Notes)
	}
	if r.Urgency.PatchesBehind != 0 {
		t.Errorf("EKS chooses patches itself; patches behind = %d", r.Urgency.PatchesBehind)
	}
}

func TestUnfixedCVEsAreListedButDoNotRaiseUrgency(t *testing.T) {
	r := judged(t, "v1.36.4", scan.DistKubeadm, "2026-11-26", nil)
	if len(r.Urgency.CVEs) == 0 {
		t.Fatal("the open CVEs (e.g. CVE-2020-8554) should be listed")
	}
	for _, c := range r.Urgency.CVEs {
		if !c.Unfixed {
			t.Errorf("%s is fixed but affects the newest patch?", c.ID)
		}
	}
	if r.Urgency.WorstCVE != "" {
		t.Errorf("worst fixable CVE = %q, want none", r.Urgency.WorstCVE)
	}
}

func TestUpgradePathOneMinorAtATimeWithRemovals(t *testing.T) {
	r := judged(t, "v1.24.17", scan.DistKubeadm, "2026-11-26", nil)
	p := r.Advice.Path
	if len(p) != 12 || p[0].From != "1.24" || p[0].To != "1.25" || p[len(p)-1].To != "1.36" {
		t.Fatalf("path %+v", p)
	}
	var hop125 scan.Hop
	for _, h := range p {
		if h.To == "1.25" {
			hop125 = h
		}
	}
	if !strings.Contains(strings.Join(hop125.Removes, "\n"), "policy/v1beta1 PodSecurityPolicy") {
		t.Errorf("1.25 hop removes %v, want PodSecurityPolicy", hop125.Removes)
	}
	if !strings.Contains(strings.Join(r.Advice.Notes, "\n"), "up to 1.32") {
		t.Errorf("notes %v should say removal data ends at 1.32", r.Advice.Notes)
	}
}

func TestRestrictAdviceIsProviderSpecific(t *testing.T) {
	for dist, want := range map[string]string{
		scan.DistEKS:     "publicAccessCidrs",
		scan.DistGKE:     "--enable-master-authorized-networks",
		scan.DistAKS:     "--api-server-authorized-ip-ranges",
		scan.DistKubeadm: "iptables",
		// The services judged by the upstream calendar have their own.
		scan.DistDigitalOcean: "--control-plane-firewall-allowed-addresses ADMIN_CIDR",
		scan.DistLKE:          "linode-cli lke cluster-acl-update",
		scan.DistOKE:          "oci ce cluster update-endpoint-config",
		scan.DistEKSD:         "iptables",
	} {
		r := judged(t, "v1.33.1", dist, "2026-11-26", nil)
		var cmds []string
		for _, s := range r.Advice.Restrict {
			cmds = append(cmds, s.Commands...)
		}
		if !strings.Contains(strings.Join(cmds, "\n"), want) {
			t.Errorf("%s: restrict commands %v lack %q", dist, cmds, want)
		}
	}
	closed := judged(t, "v1.33.1", scan.DistEKS, "2026-11-26", func(r *scan.Result) {
		r.Exposure = scan.Exposure{Reach: scan.ClassLoopback, Access: scan.AccessTLS, Level: scan.LevelNone}
	})
	if len(closed.Advice.Restrict) != 0 {
		t.Errorf("nothing to restrict on an unexposed server: %+v", closed.Advice.Restrict)
	}
}

// TestPriorityPutsExposedUnsupportedFirst: an Internet-exposed cluster out
// of standard support outranks even a critical private one.
func TestPriorityPutsExposedUnsupportedFirst(t *testing.T) {
	exposed := judged(t, "v1.30.14-eks-ab12cd3", scan.DistEKS, "2026-05-01", func(r *scan.Result) {
		r.Exposure = scan.Exposure{Reach: scan.ClassPublic, Access: scan.AccessTLS, Level: scan.LevelMedium}
	})
	private := judged(t, "v1.11.4", scan.DistUnknown, "2026-05-01", func(r *scan.Result) {
		r.Exposure = scan.Exposure{Reach: scan.ClassPrivate, Access: scan.AccessRead, Level: scan.LevelHigh}
	})
	current := judged(t, "v1.36.4", scan.DistKubeadm, "2026-11-26", nil)
	if !(exposed.Urgency.Priority > private.Urgency.Priority && private.Urgency.Priority > current.Urgency.Priority) {
		t.Errorf("priorities exposed %d, private critical %d, current %d", exposed.Urgency.Priority, private.Urgency.Priority, current.Urgency.Priority)
	}
}

// TestREADMETableMatchesRules walks the urgency table of the reference
// (docs/urgency.md): every row is a rule in code with the same level and
// words, in the same order.
func TestREADMETableMatchesRules(t *testing.T) {
	raw, err := os.ReadFile("../../docs/urgency.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(raw)
	start := strings.Index(section, "\n## Urgency rules")
	if start < 0 {
		t.Fatal("docs/urgency.md has no '## Urgency rules' section")
	}
	section = section[start:]
	row := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| (critical|high|medium|low) \\| (.+?) \\|$")
	rows := row.FindAllStringSubmatch(section, -1)
	if len(rows) != len(Rules) {
		t.Fatalf("docs/urgency.md lists %d rules, code has %d", len(rows), len(Rules))
	}
	for i, m := range rows {
		r := Rules[i]
		if m[1] != r.ID || m[2] != r.Level || m[3] != r.When {
			t.Errorf("row %d: docs %q/%q/%q, code %q/%q/%q", i, m[1], m[2], m[3], r.ID, r.Level, r.When)
		}
	}
}

// TestEmbeddedDataValidates: the embedded data, refreshed by the release
// step or not, loads and validates and is never older than the
// hand-collected base, which holds what the fixed-date tests assert on.
func TestEmbeddedDataValidates(t *testing.T) {
	emb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Errorf("the base does not validate: %v", err)
	}
	if emb.DataAsOf < b.DataAsOf {
		t.Errorf("embedded data as of %s is older than its base (as of %s)", emb.DataAsOf, b.DataAsOf)
	}
	for _, key := range []string{Upstream, EKS, GKE, AKS, OpenShift} {
		if b.Lifecycle[key] == nil {
			t.Errorf("no %s calendar", key)
		}
	}
	if len(b.CVEs) != 72 || len(b.Removals) == 0 || b.DataAsOf != "2026-08-22" {
		t.Errorf("cves %d removals %d asOf %s", len(b.CVEs), len(b.Removals), b.DataAsOf)
	}
	b.Lifecycle[Upstream].Releases[0].EndOfStandard = "someday"
	if err := b.Validate(); err == nil || !strings.Contains(err.Error(), "someday") {
		t.Errorf("a bad date passed validation: %v", err)
	}
	if Staleness(b, day("2026-11-26")) == "" || Staleness(b, day("2026-09-01")) != "" {
		t.Error("staleness is measured from data_as_of with a 90-day bound")
	}
}
