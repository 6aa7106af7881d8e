package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui/detail"
)

// withCredentials gives the k3s row the owner's view: three kubelets left
// at 1.33 and a client still calling resource.k8s.io/v1beta1, which its
// server says 1.37 removes; and the OpenShift row a user /metrics is
// forbidden to.
func withCredentials(r *scan.Result) {
	n := int64(12)
	switch r.Target.Host {
	case k3sHost:
		r.Auth = &scan.Auth{User: "admin", ServerVersion: "v1.36.4+k3s1",
			Nodes: []scan.Node{{Name: "edge-1", KubeletVersion: "v1.33.5+k3s1"}, {Name: "edge-2", KubeletVersion: "v1.33.5+k3s1"},
				{Name: "edge-3", KubeletVersion: "v1.33.1+k3s1"}, {Name: "cp-1", KubeletVersion: "v1.36.4+k3s1"}},
			Metrics: &scan.Metrics{DeprecatedAPIs: []scan.DeprecatedAPI{
				{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims", RemovedRelease: "1.37", Requests: &n}}}}
	case ocpHost:
		r.Auth = &scan.Auth{User: "dev-alice", ServerVersion: "v1.28.9+2f7b992",
			Nodes:   []scan.Node{{Name: "w-1", KubeletVersion: "v1.28.9+2f7b992"}},
			Metrics: &scan.Metrics{Error: `forbidden: User "dev-alice" cannot get path "/metrics"`, ErrorKind: scan.AuthForbidden}}
	}
}

// credentialed is a runner whose results carry withCredentials' views.
func credentialed() *fakeRunner { r := released(); r.final = withCredentials; return r }

// filterTo types a filter query and keeps it.
func (s *session) filterTo(q string) {
	s.t.Helper()
	s.tm.Type("/" + q)
	s.press(keyEnter)
	s.waitFor("filter: " + q)
}

// upgradeTab opens the Upgrade tab of the one row query lets through, on
// a w x h terminal, and returns the model as it was then.
func upgradeTab(t *testing.T, query string, w, h int) *Model {
	t.Helper()
	s := start(t, config(t, credentialed(), targets(t)), w, h, colorprofile.Ascii)
	s.waitFor("scan finished")
	s.filterTo(query)
	s.press(keyEnter)
	s.waitFor("Target and verdicts")
	for range 6 {
		s.press(keyTab)
	}
	s.waitFor("Upgrade readiness")
	return s.quit()
}

// The READY column, its filter key and the Upgrade tab, on a terminal
// wide enough for the column.
func TestReadinessInTheTUI(t *testing.T) {
	ascii := colorprofile.Ascii
	runner := credentialed

	t.Run("column", func(t *testing.T) {
		s := start(t, config(t, runner(), targets(t)), 160, 12, ascii)
		s.waitFor("scan finished")
		m := s.quit()
		golden(t, m)
		p := plain(m)
		for host, want := range map[string]string{k3sHost: "blocked: 1 API", ocpHost[:20]: "unknown", eksHost[:20]: "unknown", deadHost: "unknown"} {
			if l := lineWith(p, host); !strings.Contains(l, want) {
				t.Errorf("row %s lacks %q: %q", host, want, l)
			}
		}
	})

	t.Run("filter", func(t *testing.T) {
		s := start(t, config(t, runner(), targets(t)), 160, 12, ascii)
		s.waitFor("scan finished")
		s.filterTo("ready:blocked")
		m := s.quit()
		p := plain(m)
		if !strings.Contains(p, "1/4 rows") || !strings.Contains(p, k3sInput) || strings.Contains(p, ocpHost[:20]) {
			t.Errorf("want only the k3s row:\n%s", p)
		}
	})

	t.Run("filter on skew alone", func(t *testing.T) {
		// The filter must match the verdict, not the APIs: EKS read
		// /metrics clean but left kubelets at 1.28, four minors behind
		// the hop to 1.33; OpenShift read it clean with kubelets in step.
		skewed := released()
		skewed.final = func(r *scan.Result) {
			withCredentials(r)
			switch r.Target.Host {
			case eksHost:
				r.Auth = &scan.Auth{User: "admin", ServerVersion: "v1.32.9-eks-1a2b3c4", Metrics: &scan.Metrics{},
					Nodes: []scan.Node{{Name: "ng-old-1", KubeletVersion: "v1.28.15-eks-aeac579"}, {Name: "ng-new-1", KubeletVersion: "v1.32.9-eks-1a2b3c4"}}}
			case ocpHost:
				r.Auth.Metrics = &scan.Metrics{}
			}
		}
		s := start(t, config(t, skewed, targets(t)), 160, 12, ascii)
		s.waitFor("scan finished")
		all := plain(s.quit())
		for host, want := range map[string]string{eksHost[:20]: "blocked: skew", ocpHost[:20]: "ready", k3sHost: "blocked: 1 API"} {
			if l := lineWith(all, host); !strings.Contains(l, want) {
				t.Fatalf("row %s lacks %q: %q", host, want, l)
			}
		}
		s = start(t, config(t, skewed, targets(t)), 160, 12, ascii)
		s.waitFor("scan finished")
		s.filterTo("ready:blocked")
		p := plain(s.quit())
		if !strings.Contains(p, "2/4 rows") || !strings.Contains(p, k3sInput) || !strings.Contains(p, eksHost[:20]) ||
			strings.Contains(p, ocpHost[:20]) || strings.Contains(p, deadHost) {
			t.Errorf("want the k3s and EKS rows, not the ready OpenShift one:\n%s", p)
		}
	})

	t.Run("sort", func(t *testing.T) {
		s := start(t, config(t, runner(), targets(t)), 160, 12, ascii)
		s.waitFor("scan finished")
		// s moves the sort from urgency to end of support, CVEs, READY.
		s.tm.Type("sss")
		s.waitFor("READY▼")
		m := s.quit()
		// Blocked first; the unknowns keep the order they had.
		rowOrder(t, plain(m), k3sInput, eksInput[:20])
		rowOrder(t, plain(m), k3sInput, ocpHost[:20])
		if !strings.Contains(plain(m), "sort: ready▼") {
			t.Errorf("the status line does not name the sort:\n%s", plain(m))
		}
	})

	t.Run("upgrade tab", func(t *testing.T) {
		m := upgradeTab(t, "dist:k3s", 120, 30)
		golden(t, m)
		if m.detail.Tab() != 6 || detail.Tabs[6] != "Upgrade" {
			t.Fatalf("tab %d", m.detail.Tab())
		}
		p := plain(m)
		for _, want := range []string{"1.36 → 1.37: blocked", "resourceclaims.v1beta1.resource.k8s.io", "12", "the server's metric (removed_release)",
			"Kubelets to upgrade before 1.37", "1.33", "edge-1, edge-2, edge-3",
			"Who calls them: the server's metric does not say.", `jq -r 'select(.annotations["k8s.io/deprecated"]=="true")`} {
			if !strings.Contains(p, want) {
				t.Errorf("the Upgrade tab lacks %q:\n%s", want, p)
			}
		}
	})
}

// The Upgrade tab of a cluster whose /metrics is forbidden says so and
// shows the RBAC to apply, its YAML indentation intact; with no API known
// in use it has no callers to find.
func TestUpgradeTabGivesTheGrant(t *testing.T) {
	p := plain(upgradeTab(t, "dist:openshift", 140, 200))
	if strings.Contains(p, "Who calls them") {
		t.Errorf("the Upgrade tab says who calls APIs none of its hops has in use:\n%s", p)
	}
	for _, want := range []string{"/metrics is forbidden to dev-alice", "kubectl apply -f - <<'EOF'", "kind: ClusterRole",
		`- nonResourceURLs: ["/metrics"]`, `name: "dev-alice"`, "kind: ClusterRoleBinding"} {
		if !strings.Contains(p, want) {
			t.Errorf("the Upgrade tab lacks %q:\n%s", want, p)
		}
	}
	indent := func(sub string) int {
		l := lineWith(p, sub)
		return len(l) - len(strings.TrimLeft(l, " "))
	}
	if indent("verbs: [") != indent("rules:")+2 || indent("- kind: User") != indent("subjects:") {
		t.Errorf("the YAML lost its indentation:\n%s", p)
	}
}
