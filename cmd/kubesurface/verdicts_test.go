package main

import (
	"crypto/x509/pkix"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// providerServer is an API server shaped like a provider's: /version
// answers gitVersion anonymously, and the certificate carries the names
// that give the distribution away where the version does not (AKS's
// .azmk8s.io host cannot be a loopback test server's name, but it is a
// SAN of the certificate AKS serves). It listens on 127.0.0.1 only.
func providerServer(t *testing.T, gitVersion, commonName string, dnsNames ...string) *httptest.Server {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"major": "1", "gitVersion": gitVersion})
	return selfSignedServer(t, pkix.Name{CommonName: commonName}, dnsNames, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
			return
		}
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
}

// scanOne runs the built binary's `scan -o json` on one target and
// returns its result and the JSON as written.
func scanOne(t *testing.T, args ...string) (scan.Result, string) {
	t.Helper()
	p := startBinary(t, nil, append([]string{"scan", "--timeout", "10s", "-o", "json"}, args...)...)
	if code := p.wait(t); code != exitOK {
		t.Fatalf("exit %d: %s", code, p.stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(p.stdout.String()), &doc); err != nil || len(doc.Results) != 1 {
		t.Fatalf("decode: %v\n%s", err, p.stdout.String())
	}
	return doc.Results[0], p.stdout.String()
}

// TestVerdictsThroughTheBinary judges provider-shaped servers at fixed
// dates with the real binary's `scan -o json`: what an admin's script
// reads, for each class of verdict the rules distinguish.
func TestVerdictsThroughTheBinary(t *testing.T) {
	const (
		aksSAN = "kubesurface-test-dns-1a2b3c4d.hcp.westeurope.azmk8s.io"
		gkeCA  = "4f6e1c2a-9b7d-4e3f-8a1b-2c3d4e5f6a7b" // GKE signs with a per-cluster UUID CA
	)
	cases := []struct {
		name, git, cn string
		sans          []string
		now           string
		dist, level   string
		phase         string
		rules         []string
		reason        string // substring of one of the reasons
		forced        *scan.ForcedUpgrade
		cves          bool // whether any CVE may be listed
	}{
		{name: "AKS past community support, inside LTS", git: "v1.31.5", cn: "apiserver", sans: []string{aksSAN, "kubernetes"},
			now: "2026-06-01", dist: scan.DistAKS, level: "critical", phase: "unsupported", rules: []string{"past-all-support"},
			reason: "supported until 2026-11-30 only if the cluster is on the Premium tier with LTS", cves: true,
			forced: &scan.ForcedUpgrade{By: "AKS", On: "2026-03-05", To: "1.33", DaysLeft: -88,
				Unless: "the cluster is on LTS (Premium tier) or has opted out of the automatic upgrade of unsupported minors"}},
		{name: "GKE past standard support, on Extended", git: "v1.32.13-gke.2314000", cn: gkeCA, sans: []string{"kubernetes", "kubernetes.default"},
			now: "2026-06-01", dist: scan.DistGKE, level: "high", phase: "extended", rules: []string{"extended-support"},
			reason: "unless they are on the Extended channel, so this one is", cves: true,
			forced: &scan.ForcedUpgrade{By: "GKE", On: "2027-02-11", To: "1.33", DaysLeft: 255}},
		{name: "GKE past the Extended window", git: "v1.32.13-gke.2314000", cn: gkeCA, sans: []string{"kubernetes", "kubernetes.default"},
			now: "2027-03-01", dist: scan.DistGKE, level: "critical", phase: "unsupported", rules: []string{"past-all-support"},
			reason: "out of all support since 2027-02-11 (18 days ago)", cves: true,
			forced: &scan.ForcedUpgrade{By: "GKE", On: "2027-02-11", To: "1.33", DaysLeft: -18}},
		{name: "EKS on the last day of extended support", git: "v1.31.14-eks-ab12cd3", cn: "kube-apiserver", sans: []string{"0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com", "kubernetes", "kubernetes.default"},
			now: "2026-11-26", dist: scan.DistEKS, level: "critical", phase: "extended", rules: []string{"all-support-ends-soon", "extended-support"},
			reason: "all support for 1.31 ends 2026-11-26 (0 days left: ends today)", cves: true,
			forced: &scan.ForcedUpgrade{By: "EKS", On: "2026-11-26", To: "1.32", DaysLeft: 0}},
		{name: "EKS standard support ends in 10 days, extended follows", git: "v1.34.2-eks-ab12cd3", cn: "kube-apiserver", sans: []string{"0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com", "kubernetes", "kubernetes.default"},
			now: "2026-11-22", dist: scan.DistEKS, level: "high", phase: "standard", rules: []string{"standard-support-ends-very-soon"},
			reason: "standard support for 1.34 ends 2026-12-02 (10 days left)", cves: true,
			forced: &scan.ForcedUpgrade{By: "EKS", On: "2027-12-02", To: "1.35", DaysLeft: 375}},
		{name: "pre-release", git: "v1.36.0-rc.1", cn: "kube-apiserver", sans: []string{"kubernetes"},
			now: "2026-03-01", level: "high", phase: "standard", rules: []string{"pre-release"},
			reason: "1.36.0-rc.1 is a pre-release (rc.1) of 1.36, not a supported release of it", cves: true},
		{name: "unstamped build", git: "v0.0.0-master+$Format:%H$", cn: "kube-apiserver", sans: []string{"kubernetes"},
			now: "2026-11-26", level: "unknown", reason: "unstamped build"},
		{name: "newest minor of stale data", git: "v1.36.4", cn: "kube-apiserver", sans: []string{"kubernetes"},
			now: "2026-12-10", level: "low", phase: "standard", rules: []string{"newer-minor-probably-out"},
			reason: "data is 110 days old", cves: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := providerServer(t, c.git, c.cn, c.sans...)
			r, stdout := scanOne(t, "--no-kubeconfig", "--now", c.now, srv.URL)
			u := r.Urgency
			if u == nil {
				t.Fatalf("no urgency: %+v", r)
			}
			if c.dist != "" && r.Dist.Name != c.dist {
				t.Errorf("distribution %q (evidence %v), want %q", r.Dist.Name, r.Dist.Evidence, c.dist)
			}
			if u.Level != c.level {
				t.Fatalf("level %s, want %s (rules %v, reasons %q)", u.Level, c.level, u.Rules, u.Reasons)
			}
			for _, id := range c.rules {
				if !strings.Contains(" "+strings.Join(u.Rules, " ")+" ", " "+id+" ") {
					t.Errorf("rule %s did not fire: %v", id, u.Rules)
				}
			}
			if c.phase != "" && (u.Lifecycle == nil || u.Lifecycle.Phase != c.phase) {
				t.Errorf("lifecycle %+v, want phase %s", u.Lifecycle, c.phase)
			}
			if !strings.Contains(strings.Join(u.Reasons, "\n"), c.reason) {
				t.Errorf("reasons %q lack %q", u.Reasons, c.reason)
			}
			if (u.ForcedUpgrade == nil) != (c.forced == nil) || u.ForcedUpgrade != nil && *u.ForcedUpgrade != *c.forced {
				t.Errorf("forcedUpgrade %+v, want %+v", u.ForcedUpgrade, c.forced)
			}
			if !c.cves && len(u.CVEs) > 0 {
				t.Errorf("CVEs matched against %s: %v", c.git, u.CVEs)
			}
			if c.forced != nil && !strings.Contains(stdout, `"forcedUpgrade": {`) {
				t.Errorf("the JSON lacks the forcedUpgrade object:\n%s", stdout)
			}
		})
	}
}

// TestKubeletCVEsFollowTheNodesThroughTheBinary: with credentials that
// list nodes, kubelet CVEs are matched on the kubelet versions seen, not
// on the API server's; without them they are named as not checked.
func TestKubeletCVEsFollowTheNodesThroughTheBinary(t *testing.T) {
	const kubeletOnly = "CVE-2024-10220" // gitRepo volume: kubelet only, fixed in 1.30.3
	node := func(name, kubelet string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name},
			"status": map[string]any{"nodeInfo": map[string]any{"kubeletVersion": kubelet, "operatingSystem": "linux"}}}
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/version":
			w.Write([]byte(`{"major":"1","minor":"30","gitVersion":"v1.30.14"}`))
		case strings.HasSuffix(r.URL.Path, "/selfsubjectreviews"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","status":{"userInfo":{"username":"admin"}}}`))
		case r.URL.Path == "/api/v1/nodes":
			json.NewEncoder(w).Encode(map[string]any{"kind": "NodeList", "apiVersion": "v1", "metadata": map[string]any{},
				"items": []any{node("old-1", "v1.30.1"), node("old-2", "v1.30.1"), node("new", "v1.30.14")}})
		default:
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	kc := writeKubeconfig(t, map[string]string{"prod": srv.URL})

	r, stdout := scanOne(t, "--kubeconfig", kc, "--now", "2025-01-10")
	if r.Auth == nil || len(r.Auth.Nodes) != 3 {
		t.Fatalf("the authenticated probe saw no nodes: %+v", r.Auth)
	}
	u := r.Urgency
	var found *scan.CVERef
	for i, c := range u.CVEs {
		if c.ID == kubeletOnly {
			found = &u.CVEs[i]
		}
	}
	if found == nil || len(found.Kubelets) != 1 || found.Kubelets[0] != "1.30.1" {
		t.Fatalf("%s on kubelets: %+v (all %+v)", kubeletOnly, found, u.CVEs)
	}
	if found.Severity != "high" || u.WorstCVE != "high" || !strings.Contains(" "+strings.Join(u.Rules, " ")+" ", " high-cve ") {
		t.Errorf("the fixable high kubelet CVE did not count: %s %s, worst %q, rules %v", found.ID, found.Severity, u.WorstCVE, u.Rules)
	}
	if !strings.Contains(stdout, `"kubelets": [`) {
		t.Errorf("the JSON lacks cves[].kubelets")
	}

	// The same server as a stranger sees it: no nodes, so not checked.
	anon, _ := scanOne(t, "--no-kubeconfig", "--now", "2025-01-10", srv.URL)
	u = anon.Urgency
	// CVE-2025-1767 (kubelet, no fix) would hold a 1.30.14 kubelet.
	if !strings.Contains(strings.Join(u.Reasons, "\n"), "could not be checked") {
		t.Errorf("reasons %q", u.Reasons)
	}
	for _, c := range u.CVEs {
		if c.ID == kubeletOnly {
			t.Errorf("%s matched against the API server %s", kubeletOnly, anon.Version.GitVersion)
		}
	}
	if u.WorstCVE == "high" {
		t.Errorf("an unchecked kubelet CVE raised the level: rules %v", u.Rules)
	}
}
