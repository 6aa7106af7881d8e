package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
	"github.com/kubesurface/kubesurface/scan"
)

// The embedded data ends at 1.36, so the harness's v1.37 server could only
// ever be judged "newer than the data". These tests give the scan data that
// knows 1.37, made the way a user gets it: `kubesurface data update` from
// the recorded source answers (scan/assess/testdata) served on 127.0.0.1,
// with one release the recording predates added to two products' answers.
// The dates are the tests' own choice, not endoflife.date's:
const (
	samples = "../../scan/assess/testdata"

	// Upstream Kubernetes 1.37, spaced as the recorded 1.36 is.
	k8s137Release  = "2026-08-26"
	k8s137EndOfAct = "2027-08-28"
	k8s137End      = "2027-10-28"

	// GKE 1.37 (Regular channel availability and end of standard
	// support); GKE's Extended channel runs 24 months from the release.
	gke137Release     = "2026-10-06"
	gke137EndOfAct    = "2027-09-30"
	gke137End         = "2027-11-06"
	gke137ExtendedEnd = "2028-10-06"

	// dataAsOf is the day the served CVE feed says it was updated: the
	// newest date of all sources, so the cache's data_as_of. Fixed, so
	// that data age at --now is too; it must not be after the real today
	// (a cache from the future is refused).
	dataAsOf = "2026-11-20"
)

// calendarCache runs `kubesurface data update` against the recorded
// sources plus 1.37 (for the server's minor, whose newest patch is the
// server's own version) and returns the XDG_CACHE_HOME holding the cache.
func calendarCache(t *testing.T, c cluster) string {
	t.Helper()
	pv, err := scan.ParseVersion(c.Version)
	if err != nil || pv.Minor != "1.37" || pv.Suffix != "" {
		t.Fatalf("the harness runs %q (%v); the dates above are 1.37's, for a release build", c.Version, err)
	}
	added := map[string]map[string]any{
		"kubernetes": release("1.37", k8s137Release, k8s137EndOfAct, k8s137End, pv.Semver),
		"google-kubernetes-engine": release("1.37", gke137Release, gke137EndOfAct, gke137End,
			pv.Semver+"-gke.1100000"),
	}
	src, srv := sourcetest.Start(t, samples, func(key string, w http.ResponseWriter, r *http.Request) bool {
		product, ok := strings.CutPrefix(key, "eol/")
		rel := added[product]
		if !ok || rel == nil {
			return false
		}
		raw, err := os.ReadFile(filepath.Join(samples, "endoflife-v1-product-"+product+".json"))
		if err != nil {
			t.Error(err)
			return false
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Error(err)
			return false
		}
		res := doc["result"].(map[string]any)
		res["releases"] = append([]any{rel}, res["releases"].([]any)...)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
		return true
	})
	stamp, _ := time.Parse(time.DateOnly, dataAsOf)
	src.Stamp(stamp.Add(9 * time.Hour))

	cache := t.TempDir()
	cmd := exec.Command(binary, "data", "update",
		"--endoflife-url", srv.URL, "--osv-url", srv.URL, "--cve-feed-url", srv.URL+sourcetest.FeedPath)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("data update: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	for _, want := range []string{"kubernetes 1.37", "gke 1.37", "data as of " + dataAsOf} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("data update does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "embedded snapshot") && strings.Contains(out.String(), "stays in use") {
		t.Fatalf("the embedded snapshot is newer than %s; move dataAsOf past it:\n%s", dataAsOf, out.String())
	}
	return cache
}

// release is one entry of endoflife.date's v1 product answer, shaped like
// the recorded ones.
func release(name, released, endOfActive, end, latest string) map[string]any {
	return map[string]any{
		"name": name, "codename": nil, "label": name, "releaseDate": released,
		"isLts": false, "ltsFrom": nil, "isEoas": false, "eoasFrom": endOfActive,
		"isEol": false, "eolFrom": end, "isMaintained": true,
		"latest": map[string]any{"name": latest, "date": dataAsOf, "link": nil},
		"custom": nil,
	}
}

// TestRealServerOnTheCalendar: with data that knows 1.37, the real v1.37
// server gets the calendar's verdict at each --now (supported, all support
// ending within a month, past it), with the end date the data gives, and
// not "newer than the data". Its kubelets are not visible anonymously:
// their CVEs are named as not checked, at the server's version.
func TestRealServerOnTheCalendar(t *testing.T) {
	c := need(t, "ANON")
	cache := calendarCache(t, c)
	pv, _ := scan.ParseVersion(c.Version)
	for _, tc := range []struct {
		now, level, phase string
		daysLeft          int
		rule, reason      string
	}{
		{now: "2026-11-26", level: "current", phase: "standard", daysLeft: 336,
			reason: "1.37 is supported until " + k8s137End + ", on the newest patch the data knows"},
		{now: "2027-10-14", level: "critical", phase: "standard", daysLeft: 14,
			rule: "all-support-ends-soon", reason: "all support for 1.37 ends " + k8s137End + " (14 days left)"},
		{now: "2027-10-29", level: "critical", phase: "unsupported", daysLeft: -1,
			rule: "past-all-support", reason: "1.37 is out of all support since " + k8s137End + " (1 day ago)"},
	} {
		t.Run(tc.now, func(t *testing.T) {
			doc := scanJSONIn(t, cache, "--no-kubeconfig", "--now", tc.now, c.URL)
			if doc.Data.DataAsOf != dataAsOf || !strings.HasPrefix(doc.Data.Origin, cache) {
				t.Fatalf("data %+v, want the cache as of %s", doc.Data, dataAsOf)
			}
			u := only(t, doc).Urgency
			if u == nil || u.Lifecycle == nil {
				t.Fatalf("urgency = %+v, want a lifecycle", u)
			}
			lc := u.Lifecycle
			if u.Level != tc.level || lc.Calendar != "kubernetes" || lc.Minor != "1.37" || lc.Phase != tc.phase ||
				lc.ReleaseDate != k8s137Release || lc.EndOfStandardSupport != k8s137End || lc.DaysLeft != tc.daysLeft {
				t.Errorf("level %s, lifecycle %+v; want %s, kubernetes 1.37 %s, %d days to %s", u.Level, lc, tc.level, tc.phase, tc.daysLeft, k8s137End)
			}
			if u.JudgedAt != tc.now || u.NewestMinor != "1.37" || u.MinorsBehind != 0 || u.PatchesBehind != 0 {
				t.Errorf("judged %s, newest %s, %d minors and %d patches behind", u.JudgedAt, u.NewestMinor, u.MinorsBehind, u.PatchesBehind)
			}
			if !strings.HasPrefix(u.Reason, tc.reason) {
				t.Errorf("reason %q, want %q", u.Reason, tc.reason)
			}
			if tc.rule == "" && len(u.Rules) != 0 || tc.rule != "" && !slices.Contains(u.Rules, tc.rule) {
				t.Errorf("rules %v, want %q", u.Rules, tc.rule)
			}
			all := strings.Join(u.Reasons, "\n")
			if strings.Contains(all, "newer than the data") {
				t.Errorf("reasons %q still call the server newer than the data", u.Reasons)
			}
			if !strings.Contains(all, "would affect nodes at "+pv.Semver+" (") || !strings.Contains(all, "could not be checked") {
				t.Errorf("reasons %q do not say the kubelet CVEs at %s went unchecked", u.Reasons, pv.Semver)
			}
			for _, cve := range u.CVEs {
				if len(cve.Kubelets) > 0 {
					t.Errorf("%s matched on kubelets %v that an anonymous scan cannot see", cve.ID, cve.Kubelets)
				}
			}
		})
	}
}

// TestGKENodesJudgeTheServer creates, through the API, the nodes a GKE node
// pool has (gce:// provider IDs, cloud.google.com/gke- labels), one with a
// v1.30.1 kubelet and one at the server's version, and a stray node on AWS,
// and expects the scan of the context to name GKE from the pool, show the
// AWS node against it, judge the server by GKE's 1.37 calendar (with the
// forced upgrade GKE makes), and match the kubelet CVEs against the
// kubelets: the old one carries them, the server does not.
func TestGKENodesJudgeTheServer(t *testing.T) {
	c := need(t, "OFF")
	cache := calendarCache(t, c)
	pv, _ := scan.ParseVersion(c.Version)
	cs := adminClient(t, c)
	if list, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("the cluster has %d nodes before the test (%v); the counts below assume none", len(list.Items), err)
	}
	suffix := rand.String(5)
	kubelets := map[string]string{"gke-e2e-old-" + suffix: "v1.30.1", "gke-e2e-new-" + suffix: c.Version}
	// Other tests on this cluster expect it without nodes when they start.
	stray := "ip-10-0-9-9-" + suffix
	kubelets[stray] = c.Version
	t.Cleanup(func() { waitNodesGone(t, cs, kubelets) })
	for name, v := range kubelets {
		if name != stray {
			gkeNode(t, cs, name, v)
		}
	}
	createNode(t, cs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: stray}, Spec: corev1.NodeSpec{ProviderID: "aws:///us-east-1a/i-0fedcba9876543210"}},
		corev1.NodeSystemInfo{KubeletVersion: c.Version, OperatingSystem: "linux"})

	doc := scanJSONIn(t, cache, "--kubeconfig", c.Kubeconfig, "--now", "2026-11-26")
	r := only(t, doc)
	if doc.Data.DataAsOf != dataAsOf {
		t.Fatalf("data %+v, want the cache as of %s", doc.Data, dataAsOf)
	}
	if r.Auth == nil || len(r.Auth.Nodes) != 3 {
		t.Fatalf("auth = %+v, want the 3 nodes", r.Auth)
	}
	for _, n := range r.Auth.Nodes {
		want := scan.DistGKE
		if n.Name == stray {
			want = scan.ProviderAWS
		}
		if n.Provider != want || n.OS != "linux" || n.KubeletVersion != kubelets[n.Name] {
			t.Errorf("node %+v, want %s, linux, kubelet %s", n, want, kubelets[n.Name])
		}
	}
	if r.Dist.Name != scan.DistGKE || !slices.Equal(r.Dist.Evidence, []string{"2 of 3 nodes have GKE node-pool labels (cloud.google.com/gke-)"}) {
		t.Fatalf("distribution %+v, want gke from the node-pool labels alone", r.Dist)
	}
	if want := "aws: 1 of 3 nodes has aws:// provider IDs and no managed service's labels"; !slices.Equal(r.Dist.Against, []string{want}) {
		t.Errorf("against %q, want the AWS node shown: %q", r.Dist.Against, want)
	}
	raw, _ := json.Marshal(r)
	for _, id := range []string{"e2e-project", "us-central1-c", "pool-" + suffix, "i-0fedcba9876543210", "us-east-1a"} {
		if bytes.Contains(raw, []byte(id)) {
			t.Errorf("the result holds %q", id)
		}
	}

	u := r.Urgency
	if u == nil || u.Lifecycle == nil {
		t.Fatalf("urgency = %+v", u)
	}
	lc := u.Lifecycle
	if lc.Calendar != "gke" || lc.Minor != "1.37" || lc.Phase != "standard" || lc.EndOfStandardSupport != gke137End ||
		lc.EndOfExtendedSupport != gke137ExtendedEnd || lc.DaysLeft != 345 || !strings.HasPrefix(lc.Provider, "GKE upgrades the control plane itself") {
		t.Errorf("lifecycle %+v, want GKE's 1.37: standard until %s (345 days), Extended channel until %s", lc, gke137End, gke137ExtendedEnd)
	}
	if fu := u.ForcedUpgrade; fu == nil || fu.By != "GKE" || fu.On != gke137End || fu.To != "1.38" || fu.Unless != "the cluster is on the Extended channel" {
		t.Errorf("forced upgrade %+v, want GKE to 1.38 on %s unless on Extended", u.ForcedUpgrade, gke137End)
	}

	// CVE-2024-10220 (gitRepo volumes, kubelet, high) is fixed in 1.30.3:
	// it holds the v1.30.1 kubelet and no release of 1.37. Windows-only
	// kubelet CVEs of 1.30.1 (CVE-2024-5321) do not hold Linux nodes.
	const kubeletCVE, windowsCVE = "CVE-2024-10220", "CVE-2024-5321"
	i := slices.IndexFunc(u.CVEs, func(x scan.CVERef) bool { return x.ID == kubeletCVE })
	if i < 0 {
		t.Fatalf("%s not matched on the v1.30.1 kubelet: %+v", kubeletCVE, u.CVEs)
	}
	if k := u.CVEs[i]; !slices.Equal(k.Kubelets, []string{"1.30.1"}) || k.Severity != "high" || k.Unfixed {
		t.Errorf("%s = %+v, want high, fixable, on kubelet 1.30.1 only", kubeletCVE, k)
	}
	for _, x := range u.CVEs {
		nodeOnly := len(x.Components) > 0 && !slices.ContainsFunc(x.Components, func(s string) bool { return s != "kubelet" && s != "kube-proxy" })
		switch {
		case x.ID == windowsCVE:
			t.Errorf("Windows-only %s listed for Linux nodes", windowsCVE)
		case nodeOnly && len(x.Kubelets) == 0:
			t.Errorf("%s (%v) matched against the API server, not the kubelets", x.ID, x.Components)
		case nodeOnly && !slices.Contains(x.Kubelets, "1.30.1"):
			t.Errorf("%s on kubelets %v, not the old one", x.ID, x.Kubelets)
		}
	}
	if u.Level != "high" || u.WorstCVE != "high" || !slices.Contains(u.Rules, "high-cve") || !slices.Contains(u.Rules, "kubelet-skew") {
		t.Errorf("level %s, worst CVE %s, rules %v; want high by high-cve and kubelet-skew", u.Level, u.WorstCVE, u.Rules)
	}
	if !strings.Contains(u.Reason, pv.Semver+" and its kubelets") || !strings.Contains(u.Reason, "worst fixable high: "+kubeletCVE) {
		t.Errorf("reason %q, want the kubelet CVE on %s's kubelets", u.Reason, pv.Semver)
	}
	if strings.Contains(strings.Join(u.Reasons, "\n"), "could not be checked") {
		t.Errorf("reasons %q: the kubelets were seen", u.Reasons)
	}
	if a := r.Auth.Skew; a == nil || len(a.Violations) != 1 || !strings.HasPrefix(a.Violations[0], "gke-e2e-old-"+suffix+": kubelet v1.30.1 is 7 minors behind") {
		t.Errorf("skew %+v, want the v1.30.1 node alone outside the policy", r.Auth.Skew)
	}
}

// gkeNode creates a node as a GKE node pool's: the project, zone and pool
// are in its provider ID and labels, which the result must not keep.
func gkeNode(t *testing.T, cs *kubernetes.Clientset, name, kubelet string) {
	t.Helper()
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"cloud.google.com/gke-nodepool":        "pool-" + name[len(name)-5:],
			"cloud.google.com/gke-os-distribution": "cos",
			"kubernetes.io/os":                     "linux",
		}},
		Spec: corev1.NodeSpec{ProviderID: "gce://e2e-project/us-central1-c/" + name},
	}
	createNode(t, cs, n, corev1.NodeSystemInfo{KubeletVersion: kubelet, OperatingSystem: "linux"})
}
