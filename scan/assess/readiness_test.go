package assess

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/scan"
)

func count(n int64) *int64 { return &n }

// cluster gives the result the authenticated view of a context: a user,
// nodes (name=kubelet pairs) and the deprecated APIs /metrics listed.
func cluster(user string, kubelets map[string]string, apis ...scan.DeprecatedAPI) func(*scan.Result) {
	return func(r *scan.Result) {
		r.Target = scan.Ref{Name: "prod", Source: scan.SourceKubeconfig, Context: "prod"}
		r.Auth = &scan.Auth{User: user, Metrics: &scan.Metrics{DeprecatedAPIs: apis, Bytes: 4096}}
		for name, v := range kubelets {
			r.Auth.Nodes = append(r.Auth.Nodes, scan.Node{Name: name, KubeletVersion: v, OS: "linux"})
		}
	}
}

func hop(rd *scan.Readiness, from, to string) *scan.HopReadiness {
	for i := range rd.Hops {
		if rd.Hops[i].From == from && rd.Hops[i].To == to {
			return &rd.Hops[i]
		}
	}
	return nil
}

func apiKeys(apis []scan.APIInUse) []string {
	var out []string
	for _, a := range apis {
		n := "-"
		if a.Requests != nil {
			n = fmt.Sprint(*a.Requests)
		}
		out = append(out, APIName(a.Group, a.Version, a.Resource, a.Subresource)+" "+n+" "+a.Source)
	}
	return out
}

var sameKubelets = map[string]string{"cp-1": "v1.37.2", "w-1": "v1.37.2"}

// TestReadinessPerHop judges hops at a fixed date from results carrying
// nodes and what /metrics said: each verdict, the APIs with their source
// and counts, and the kubelets that must move first.
func TestReadinessPerHop(t *testing.T) {
	claims := scan.DeprecatedAPI{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims", RemovedRelease: "1.38", Requests: count(12)}
	claimStatus := scan.DeprecatedAPI{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims", Subresource: "status", RemovedRelease: "1.38", Requests: count(3)}
	slices := scan.DeprecatedAPI{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceslices", RemovedRelease: "1.38"}
	leases := scan.DeprecatedAPI{Group: "coordination.k8s.io", Version: "v1beta1", Resource: "leasecandidates", RemovedRelease: "1.39", Requests: count(40)}
	psp := scan.DeprecatedAPI{Group: "policy", Version: "v1beta1", Resource: "podsecuritypolicies", RemovedRelease: "1.25", Requests: count(7)}
	noRemoval := scan.DeprecatedAPI{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Resource: "flowschemas"}

	t.Run("metric removals past the data", func(t *testing.T) {
		r := judged(t, "v1.37.2", scan.DistKubeadm, "2026-11-26", cluster("admin", sameKubelets, claims, claimStatus, slices, leases, noRemoval))
		if r.Urgency.Level != Unknown {
			t.Errorf("urgency %s: a 1.37 server is newer than the data", r.Urgency.Level)
		}
		rd := r.Readiness
		if len(rd.Hops) != 2 || rd.Verdict != Blocked {
			t.Fatalf("readiness %+v", rd)
		}
		h := hop(rd, "1.37", "1.38")
		want := []string{"resourceclaims.v1beta1.resource.k8s.io 12 metric", "resourceclaims/status.v1beta1.resource.k8s.io 3 metric", "resourceslices.v1beta1.resource.k8s.io - metric"}
		if h == nil || h.Verdict != Blocked || !reflect.DeepEqual(apiKeys(h.APIs), want) {
			t.Fatalf("1.37 → 1.38: %+v, want APIs %q", h, want)
		}
		if !strings.HasPrefix(h.Why[0], "3 deprecated APIs in use: resourceclaims.v1beta1.resource.k8s.io (12 requests), resourceclaims/status.v1beta1.resource.k8s.io (3 requests)") {
			t.Errorf("why %q", h.Why)
		}
		h = hop(rd, "1.38", "1.39")
		if h == nil || h.Verdict != Blocked || !reflect.DeepEqual(apiKeys(h.APIs), []string{"leasecandidates.v1beta1.coordination.k8s.io 40 metric"}) {
			t.Fatalf("1.38 → 1.39: %+v", h)
		}
		if !strings.HasPrefix(rd.Reason, "1.37 → 1.38 blocked: 3 deprecated APIs in use") {
			t.Errorf("reason %q", rd.Reason)
		}
		if c := ReadyCell(rd); c != "blocked: 3 APIs" {
			t.Errorf("cell %q", c)
		}
		if len(r.Advice.Grant) != 0 {
			t.Errorf("/metrics was read, yet the advice grants it: %+v", r.Advice.Grant)
		}
	})

	t.Run("data removal in use", func(t *testing.T) {
		r := judged(t, "v1.24.17", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"n1": "v1.24.17"}, psp))
		rd := r.Readiness
		h := hop(rd, "1.24", "1.25")
		if h == nil || h.Verdict != Blocked || !reflect.DeepEqual(apiKeys(h.APIs), []string{"podsecuritypolicies.v1beta1.policy 7 data"}) {
			t.Fatalf("1.24 → 1.25: %+v", h)
		}
		if rd.Verdict != Blocked || len(rd.Hops) != 12 || rd.Hops[len(rd.Hops)-1].To != "1.36" {
			t.Errorf("readiness %s over %d hops", rd.Verdict, len(rd.Hops))
		}
		// 1.26 removes HPA v2beta2 and flowcontrol v1beta1, neither requested.
		if h := hop(rd, "1.25", "1.26"); h == nil || h.Verdict != Ready || len(h.APIs) != 0 {
			t.Errorf("1.25 → 1.26: %+v", h)
		}
		// The kubelet at 1.24 may follow to 1.27, not 1.28.
		if h := hop(rd, "1.27", "1.28"); h == nil || h.Verdict != Blocked || len(h.Kubelets) != 1 || h.Kubelets[0].Version != "1.24" {
			t.Errorf("1.27 → 1.28: %+v", h)
		}
	})

	t.Run("data removal not requested", func(t *testing.T) {
		r := judged(t, "v1.24.17", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"n1": "v1.24.17"}))
		if h := hop(r.Readiness, "1.24", "1.25"); h == nil || h.Verdict != Ready || r.Readiness.Verdict != Ready {
			t.Errorf("1.24 → 1.25 with no deprecated API requested: %+v", h)
		}
	})

	t.Run("skew", func(t *testing.T) {
		kubelets := map[string]string{"pool-a-1": "v1.33.5", "pool-a-2": "v1.33.5", "pool-a-3": "v1.33.1", "pool-a-4": "v1.33.5", "pool-a-5": "v1.33.5", "pool-a-6": "v1.33.5", "pool-b-1": "v1.36.1"}
		r := judged(t, "v1.36.1", scan.DistKubeadm, "2026-11-26", cluster("admin", kubelets,
			scan.DeprecatedAPI{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims", RemovedRelease: "1.37"}))
		rd := r.Readiness
		h := hop(rd, "1.36", "1.37")
		want := []scan.KubeletBlocker{{Version: "1.33", Count: 6, Nodes: []string{"pool-a-1", "pool-a-2", "pool-a-3", "pool-a-4", "pool-a-5"}}}
		if h == nil || h.Verdict != Blocked || !reflect.DeepEqual(h.Kubelets, want) {
			t.Fatalf("1.36 → 1.37: %+v", h)
		}
		why := strings.Join(h.Why, "\n")
		if !strings.Contains(why, "skew: 6 kubelets at 1.33 would be 4 minors behind 1.37 (policy allows 3): pool-a-1, pool-a-2, pool-a-3, pool-a-4, pool-a-5 and 1 more") {
			t.Errorf("why %q", h.Why)
		}
		if c := ReadyCell(rd); c != "blocked: 1 API" {
			t.Errorf("cell %q", c)
		}
		// Without an API in use, skew alone blocks.
		r = judged(t, "v1.35.1", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"old": "v1.32.9", "new": "v1.35.1"}))
		if r.Readiness.Verdict != Blocked || ReadyCell(r.Readiness) != "blocked: skew" || len(r.Readiness.Hops[0].APIs) != 0 {
			t.Errorf("skew alone: %+v", r.Readiness)
		}
	})

	t.Run("ready", func(t *testing.T) {
		r := judged(t, "v1.35.3", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"n1": "v1.35.3", "n2": "v1.34.0"}, noRemoval))
		rd := r.Readiness
		if rd.Verdict != Ready || len(rd.Hops) != 1 || rd.Hops[0].To != "1.36" || ReadyCell(rd) != Ready {
			t.Fatalf("readiness %+v", rd)
		}
	})

	t.Run("newest minor: the next one is judged", func(t *testing.T) {
		// The data's newest is 1.36; the next upgrade goes to 1.37 whether
		// or not the data lists it, and the kubelets' skew is known for it.
		r := judged(t, "v1.36.4", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"n1": "v1.36.4"}, noRemoval))
		if rd := r.Readiness; rd.Verdict != Ready || len(rd.Hops) != 1 || rd.Hops[0].To != "1.37" || !strings.Contains(rd.Reason, "removes nothing the data or the server names") {
			t.Fatalf("readiness %+v", rd)
		}
		r = judged(t, "v1.36.4", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"n1": "v1.36.4", "old": "v1.33.2"}, noRemoval))
		if rd := r.Readiness; rd.Verdict != Blocked || ReadyCell(rd) != "blocked: skew" || len(rd.Hops[0].Kubelets) != 1 || rd.Hops[0].Kubelets[0].Nodes[0] != "old" {
			t.Fatalf("a 1.33 kubelet under 1.36: readiness %+v", rd)
		}
	})

	t.Run("unknown without credentials", func(t *testing.T) {
		r := judged(t, "v1.35.3", scan.DistKubeadm, "2026-11-26", func(r *scan.Result) {
			r.Target = scan.Ref{Name: "10.0.0.1:6443", Source: scan.SourceEndpoint}
		})
		rd := r.Readiness
		if rd.Verdict != Unknown || ReadyCell(rd) != Unknown || !strings.Contains(rd.Reason, "no credentials") {
			t.Fatalf("readiness %+v", rd)
		}
		if len(r.Advice.Grant) != 0 {
			t.Errorf("no credentials, yet a grant: %+v", r.Advice.Grant)
		}
	})

	t.Run("unknown: /metrics forbidden", func(t *testing.T) {
		r := judged(t, "v1.35.3", scan.DistKubeadm, "2026-11-26", cluster("oidc:alice@example.com", map[string]string{"n1": "v1.35.3"}))
		r.Auth.Metrics = &scan.Metrics{Error: `forbidden: User "oidc:alice@example.com" cannot get path "/metrics"`, ErrorKind: scan.AuthForbidden}
		Judge(r, mustBase(t), day("2026-11-26"))
		rd := r.Readiness
		if rd.Verdict != Unknown || !strings.Contains(rd.Reason, "/metrics is forbidden to oidc:alice@example.com") {
			t.Fatalf("readiness %+v", rd)
		}
		if len(r.Advice.Grant) != 1 {
			t.Fatalf("advice grant %+v", r.Advice.Grant)
		}
		role, binding := decodeGrant(t, r.Advice.Grant[0])
		if !reflect.DeepEqual(role.Rules, []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}) {
			t.Errorf("role rules %+v", role.Rules)
		}
		if binding.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name}) ||
			!reflect.DeepEqual(binding.Subjects, []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "oidc:alice@example.com"}}) {
			t.Errorf("binding %+v", binding)
		}
	})
}

// decodeGrant reads the heredoc of the grant step as kubectl would get it
// and decodes its two documents strictly into the RBAC types.
func decodeGrant(t *testing.T, st scan.Step) (rbacv1.ClusterRole, rbacv1.ClusterRoleBinding) {
	t.Helper()
	c := st.Commands
	if len(c) < 3 || c[0] != "kubectl apply -f - <<'EOF'" || c[len(c)-1] != "EOF" {
		t.Fatalf("not a heredoc for kubectl apply: %q", c)
	}
	docs := strings.Split(strings.Join(c[1:len(c)-1], "\n"), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("%d documents:\n%s", len(docs), strings.Join(c, "\n"))
	}
	var role rbacv1.ClusterRole
	var binding rbacv1.ClusterRoleBinding
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &role); err != nil || role.Kind != "ClusterRole" || role.APIVersion != "rbac.authorization.k8s.io/v1" || role.Name == "" {
		t.Fatalf("role: %v %+v\n%s", err, role, docs[0])
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &binding); err != nil || binding.Kind != "ClusterRoleBinding" || binding.Name == "" {
		t.Fatalf("binding: %v %+v\n%s", err, binding, docs[1])
	}
	return role, binding
}

// The grant binds whoever the probe was, whatever the server calls it: a
// service account as one, an unknown user as a placeholder, and a hostile
// name as a quoted string that adds nothing to the documents.
func TestMetricsGrantSubjects(t *testing.T) {
	cases := []struct {
		user string
		want rbacv1.Subject
	}{
		{"", rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "USER"}},
		{"system:serviceaccount:ops:scanner", rbacv1.Subject{Kind: "ServiceAccount", Name: "scanner", Namespace: "ops"}},
		{"kubernetes-admin", rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "kubernetes-admin"}},
		{"evil\"\n  namespace: x\n- kind: Group\n  name: system:masters\x1b[2J", rbacv1.Subject{Kind: "User", APIGroup: "rbac.authorization.k8s.io",
			Name: "evil\"\n  namespace: x\n- kind: Group\n  name: system:masters\x1b[2J"}},
	}
	for _, c := range cases {
		_, binding := decodeGrant(t, metricsGrant(c.user))
		if !reflect.DeepEqual(binding.Subjects, []rbacv1.Subject{c.want}) {
			t.Errorf("user %q: subjects %+v", c.user, binding.Subjects)
		}
		for _, line := range metricsGrant(c.user).Commands {
			if strings.ContainsAny(line, "\n\x1b") {
				t.Errorf("user %q: a command line holds a raw control character: %q", c.user, line)
			}
		}
	}
}

func TestResourceOfKind(t *testing.T) {
	for kind, want := range map[string]string{"PodSecurityPolicy": "podsecuritypolicies", "Ingress": "ingresses", "IngressClass": "ingressclasses",
		"CronJob": "cronjobs", "EndpointSlice": "endpointslices", "CSIStorageCapacity": "csistoragecapacities", "Lease": "leases"} {
		if got := resourceOf(kind); got != want {
			t.Errorf("%s: %s, want %s", kind, got, want)
		}
	}
}

// A server that names a removal far ahead cannot make the path endless.
func TestReadinessPathIsBounded(t *testing.T) {
	far := scan.DeprecatedAPI{Group: "x.io", Version: "v1beta1", Resource: "things", RemovedRelease: "1.999999"}
	r := judged(t, "v1.37.0", scan.DistKubeadm, "2026-11-26", cluster("admin", sameKubelets, far))
	if len(r.Readiness.Hops) != 1 || !strings.Contains(strings.Join(r.Readiness.Notes, "\n"), "not judged") {
		t.Fatalf("readiness %+v", r.Readiness)
	}
}

// What keeps a hop from being judged is said, not guessed past.
func TestReadinessUnknownSaysWhy(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*scan.Result)
		want string
	}{
		{"probe failed", func(r *scan.Result) {
			cluster("", nil)(r)
			r.Auth = &scan.Auth{Error: "the server has asked for the client to provide credentials", ErrorKind: scan.AuthUnauthorized}
		}, "the authenticated probe failed (the server has asked for the client to provide credentials)"},
		{"reader absent", func(r *scan.Result) {
			cluster("admin", map[string]string{"n1": "v1.35.3"})(r)
			r.Auth.Metrics = nil
		}, "/metrics was not read"},
		{"metrics unreadable", func(r *scan.Result) {
			cluster("admin", map[string]string{"n1": "v1.35.3"})(r)
			r.Auth.Metrics = &scan.Metrics{Error: "timeout", ErrorKind: scan.AuthTimeout}
		}, "/metrics could not be read: timeout"},
		{"nodes not listable", func(r *scan.Result) {
			cluster("admin", nil)(r)
			r.Auth.Warnings = []string{"nodes: forbidden"}
		}, "kubelets unknown: nodes: forbidden"},
	}
	for _, c := range cases {
		r := judged(t, "v1.35.3", scan.DistKubeadm, "2026-11-26", c.mod)
		if rd := r.Readiness; rd.Verdict != Unknown || !strings.Contains(rd.Reason, c.want) {
			t.Errorf("%s: %+v, want unknown saying %q", c.name, rd, c.want)
		}
	}
	// A server older than the metric cannot say what is in use.
	r := judged(t, "v1.18.20", scan.DistKubeadm, "2026-11-26", cluster("admin", map[string]string{"n1": "v1.18.20"}))
	if rd := r.Readiness; rd.Hops[0].Verdict != Unknown || !strings.Contains(rd.Reason, "no apiserver_requested_deprecated_apis metric") {
		t.Errorf("1.18: %+v", rd)
	}
}

// Past the data, the next minor is still judged: unknown without the
// server's metric, ready when it names no removal and the kubelets allow.
func TestReadinessPastTheData(t *testing.T) {
	r := judged(t, "v1.37.2", scan.DistKubeadm, "2026-11-26", nil)
	if rd := r.Readiness; rd.Verdict != Unknown || len(rd.Hops) != 1 || rd.Hops[0].To != "1.38" || !strings.Contains(rd.Reason, "no credentials") {
		t.Errorf("anonymous 1.37: %+v", rd)
	}
	r = judged(t, "v1.37.2", scan.DistKubeadm, "2026-11-26", cluster("admin", sameKubelets))
	if rd := r.Readiness; rd.Verdict != Ready || len(rd.Hops) != 1 || ReadyCell(rd) != Ready {
		t.Errorf("1.37 whose metric names no removal: %+v", rd)
	}
}
