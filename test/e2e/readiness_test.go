package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/scan"
)

// The deprecated APIs the harness serves (clusters.sh: --runtime-config)
// and the minors that stop serving them, as v1.37's own API types say.
var (
	resourceClaimsV1beta1      = schema.GroupVersionResource{Group: "resource.k8s.io", Version: "v1beta1", Resource: "resourceclaims"}
	deviceClassesV1beta1       = schema.GroupVersionResource{Group: "resource.k8s.io", Version: "v1beta1", Resource: "deviceclasses"}
	leaseCandidatesV1beta1     = schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1beta1", Resource: "leasecandidates"}
	deviceClassesV1            = schema.GroupVersionResource{Group: "resource.k8s.io", Version: "v1", Resource: "deviceclasses"}
	removedIn138, removedIn139 = "1.38", "1.39"
)

// warnings collects the Warning headers the server sends a client.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.seen, "\n")
}

// TestReadinessDeprecatedAPIsFromMetrics calls deprecated APIs of the real
// kube-apiserver with client-go, as an old controller would, then scans
// the context: the server's own /metrics must name exactly those APIs
// with their removal release and request counts, and the hops that stop
// serving them must be blocked by them and by nothing else.
//
// It uses the HEALTH cluster, which only the readiness tests call with
// credentials: a freshly started cluster reports no deprecated API at all
// (the apiserver's own controllers use none; discovery of a deprecated
// group-version does not count), and the only other test that requests
// one, TestReadinessKubeletSkewOnNamedHops, requests a subset of these
// (checked by hand after a full run, see realcluster/README.md). So the
// set the server reports is exactly the set requested here, in whatever
// order the tests run and however often against the same cluster.
func TestReadinessDeprecatedAPIsFromMetrics(t *testing.T) {
	c := need(t, "HEALTH")
	ctx := context.Background()
	cfg := adminConfig(c)
	warned := &warnings{}
	cfg.WarningHandler = warned
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}

	// resourceclaims: two LISTs across all namespaces.
	for range 2 {
		if _, err := dyn.Resource(resourceClaimsV1beta1).List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatalf("list %s: %v (does the harness still serve it? clusters.sh --runtime-config)", resourceClaimsV1beta1, err)
		}
	}
	// deviceclasses: one object created at v1beta1, deleted at v1 (a
	// request at v1 is not deprecated and must not count).
	name := "ks-e2e-readiness-" + rand.String(5)
	dc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "resource.k8s.io/v1beta1", "kind": "DeviceClass",
		"metadata": map[string]any{"name": name}, "spec": map[string]any{},
	}}
	if _, err := dyn.Resource(deviceClassesV1beta1).Create(ctx, dc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create %s %s: %v", deviceClassesV1beta1, name, err)
	}
	t.Cleanup(func() {
		err := dyn.Resource(deviceClassesV1).Delete(context.Background(), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting device class %s: %v", name, err)
		}
	})
	// leasecandidates: one LIST across all namespaces.
	if _, err := dyn.Resource(leaseCandidatesV1beta1).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("list %s: %v", leaseCandidatesV1beta1, err)
	}
	// The server itself says these versions are going away.
	for _, w := range []string{
		"resource.k8s.io/v1beta1 ResourceClaim is deprecated",
		"resource.k8s.io/v1beta1 DeviceClass is deprecated",
		"coordination.k8s.io/v1beta1 LeaseCandidate is deprecated",
	} {
		if !strings.Contains(warned.all(), w) {
			t.Errorf("no warning %q from the server; got:\n%s", w, warned.all())
		}
	}

	r := only(t, scanJSON(t, "--kubeconfig", c.Kubeconfig, "--now", "2026-11-26"))
	a := r.Auth
	if a == nil || a.Error != "" {
		t.Fatalf("auth = %+v", a)
	}
	m := a.Metrics
	if m == nil || m.Error != "" || m.ErrorKind != "" || m.Bytes == 0 {
		t.Fatalf("metrics = %+v, want /metrics read as the admin", m)
	}

	// Exactly what was requested, each with its removal release and at
	// least the requests made above (a rerun against the same cluster
	// adds to the counts, never to the set).
	type api struct{ group, version, resource, subresource, removed string }
	want := map[api]int64{
		{"resource.k8s.io", "v1beta1", "resourceclaims", "", removedIn138}:      2,
		{"resource.k8s.io", "v1beta1", "deviceclasses", "", removedIn138}:       1,
		{"coordination.k8s.io", "v1beta1", "leasecandidates", "", removedIn139}: 1,
	}
	got := map[api]*int64{}
	for _, d := range m.DeprecatedAPIs {
		got[api{d.Group, d.Version, d.Resource, d.Subresource, d.RemovedRelease}] = d.Requests
	}
	for k, min := range want {
		n, ok := got[k]
		switch {
		case !ok:
			t.Errorf("deprecated APIs lack %+v; got %s", k, show(m.DeprecatedAPIs))
		case n == nil || *n < min:
			t.Errorf("%+v: requests %v, want at least %d (apiserver_request_total)", k, deref(n), min)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("deprecated API %+v reported but never requested by this test; got %s", k, show(m.DeprecatedAPIs))
		}
	}

	rd := r.Readiness
	if rd == nil {
		t.Fatal("no readiness judged")
	}
	// 1.37 -> 1.38 stops serving resource.k8s.io/v1beta1: blocked by
	// exactly the two resources requested, as the metric says.
	h := hop(t, rd, "1.37", "1.38")
	if h.Verdict != "blocked" || len(h.Why) == 0 {
		t.Errorf("hop 1.37 -> 1.38: verdict %q, why %q; want blocked with reasons", h.Verdict, h.Why)
	}
	checkHopAPIs(t, h, []string{"resource.k8s.io/v1beta1 deviceclasses", "resource.k8s.io/v1beta1 resourceclaims"})
	if len(h.Kubelets) != 0 {
		t.Errorf("hop 1.37 -> 1.38 blocked by kubelets %+v on a cluster without nodes", h.Kubelets)
	}
	// 1.38 -> 1.39 stops serving LeaseCandidate v1beta1.
	h = hop(t, rd, "1.38", "1.39")
	if h.Verdict != "blocked" {
		t.Errorf("hop 1.38 -> 1.39: verdict %q, why %q; want blocked", h.Verdict, h.Why)
	}
	checkHopAPIs(t, h, []string{"coordination.k8s.io/v1beta1 leasecandidates"})
	if rd.Verdict != "blocked" || rd.Reason == "" {
		t.Errorf("readiness verdict %q, reason %q; want blocked (the next hop) with a reason", rd.Verdict, rd.Reason)
	}
}

// TestReadinessUnknownWithoutMetricsPermission: an authenticated user
// without RBAC grants may not GET /metrics (nor list nodes), so nothing
// can be said about the hops: unknown, never ready, with the RBAC that
// would let the scan see.
func TestReadinessUnknownWithoutMetricsPermission(t *testing.T) {
	c := need(t, "HEALTH")
	ca, err := os.ReadFile(c.CA)
	if err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	writeKubeconfig(t, kc, c.URL, map[string]userCA{"no-rbac": {token: c.UserToken, ca: ca}})

	r := only(t, scanJSON(t, "--kubeconfig", kc, "--now", "2026-11-26"))
	a := r.Auth
	if a == nil || a.Error != "" || a.User != "realcluster-user" {
		t.Fatalf("auth = %+v, want the plain user authenticated", a)
	}
	if a.Metrics == nil || a.Metrics.ErrorKind != scan.AuthForbidden || len(a.Metrics.DeprecatedAPIs) != 0 {
		t.Fatalf("metrics = %+v, want forbidden and nothing read", a.Metrics)
	}
	rd := r.Readiness
	if rd == nil {
		t.Fatal("no readiness judged")
	}
	if rd.Verdict != "unknown" {
		t.Errorf("readiness verdict %q (%s), want unknown without /metrics", rd.Verdict, rd.Reason)
	}
	// The path always reaches at least the next minor, so an empty Hops
	// would make the loop below pass without judging anything. Every hop
	// can be nothing but unknown: neither the APIs in use nor the kubelets
	// are visible to this user.
	if len(rd.Hops) == 0 {
		t.Fatalf("readiness %+v lists no hop, want at least the next minor", rd)
	}
	for _, h := range rd.Hops {
		if h.Verdict != "unknown" {
			t.Errorf("hop %s -> %s judged %q without /metrics and nodes", h.From, h.To, h.Verdict)
		}
	}
	if !strings.Contains(rd.Reason, "/metrics") || !strings.Contains(rd.Reason, "realcluster-user") {
		t.Errorf("readiness reason %q does not say /metrics is forbidden to the user", rd.Reason)
	}

	// The way out: the advice's RBAC, applied as the admin with the real
	// kubectl, must let the same user read /metrics.
	if r.Advice == nil || len(r.Advice.Grant) != 1 {
		t.Fatalf("advice = %+v, want one grant for /metrics", r.Advice)
	}
	cmds := r.Advice.Grant[0].Commands
	if len(cmds) < 3 || !strings.HasPrefix(cmds[0], "kubectl apply -f - <<") || cmds[len(cmds)-1] != "EOF" {
		t.Fatalf("grant commands %q, want a kubectl apply heredoc", cmds)
	}
	grant := strings.Join(cmds[1:len(cmds)-1], "\n") + "\n"
	for _, w := range []string{`nonResourceURLs: ["/metrics"]`, `verbs: ["get"]`, "realcluster-user"} {
		if !strings.Contains(grant, w) {
			t.Errorf("grant lacks %q:\n%s", w, grant)
		}
	}
	file := filepath.Join(t.TempDir(), "grant.yaml")
	if err := os.WriteFile(file, []byte(grant), 0o600); err != nil {
		t.Fatal(err)
	}
	// RBAC reaches the authorizer through an informer: wait for it, both
	// ways, so that a rerun finds the user without the grant again.
	user := &rest.Config{Host: c.URL, BearerToken: c.UserToken, TLSClientConfig: rest.TLSClientConfig{CAFile: c.CA}}
	rc, err := rest.UnversionedRESTClientFor(withCodecs(user))
	if err != nil {
		t.Fatal(err)
	}
	metricsAllowed := func(want bool) error {
		deadline := time.Now().Add(time.Minute)
		for {
			err := rc.Get().AbsPath("/metrics").Do(context.Background()).Error()
			if (err == nil) == want && (want || apierrors.IsForbidden(err)) {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("GET /metrics as realcluster-user, a minute after the change: %v", err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	admin := c // kubectl runs as the cluster's admin (c.Kubeconfig)
	if _, stderr, err := kubectl(t, admin, "apply", "-f", file); err != nil {
		t.Fatalf("kubectl apply of the advised grant: %v\n%s\n%s", err, stderr, grant)
	}
	t.Cleanup(func() {
		if _, stderr, err := kubectl(t, admin, "delete", "-f", file); err != nil {
			t.Errorf("removing the grant: %v\n%s", err, stderr)
		} else if err := metricsAllowed(false); err != nil {
			t.Error(err)
		}
	})
	if err := metricsAllowed(true); err != nil {
		t.Fatal(err)
	}
	r = only(t, scanJSON(t, "--kubeconfig", kc, "--now", "2026-11-26"))
	if r.Auth == nil || r.Auth.Metrics == nil || r.Auth.Metrics.Error != "" || r.Auth.Metrics.ErrorKind != "" {
		t.Fatalf("auth after the grant = %+v, want /metrics read", r.Auth)
	}
	if r.Advice != nil && len(r.Advice.Grant) != 0 {
		t.Errorf("the grant is still advised once /metrics is readable: %+v", r.Advice.Grant)
	}
	if r.Readiness == nil || strings.Contains(r.Readiness.Reason, "/metrics is forbidden") {
		t.Errorf("readiness after the grant = %+v", r.Readiness)
	}
}

// withCodecs gives an unversioned REST client what it needs to decode a
// Status from the server.
func withCodecs(c *rest.Config) *rest.Config {
	c.GroupVersion = &schema.GroupVersion{}
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	return c
}

// TestReadinessKubeletSkew creates Node objects through the API with
// kubelet versions set through the status subresource, as kubelets would:
// v1.34 kubelets are within the skew policy of the v1.37 server (3 minors)
// but not of 1.38 (4), so they alone block the hop to 1.38; a v1.35 and a
// v1.37 kubelet do not. Before the nodes exist, the same hop is ready.
//
// It uses the OFF cluster, where no test requests a deprecated API (so a
// block can come only from the kubelets, and the server names no removal
// ahead), and which other tests expect to be without nodes when they
// start (evidence_test.go): the nodes get unique names and are gone again,
// checked, before the test ends.
func TestReadinessKubeletSkew(t *testing.T) {
	c := need(t, "OFF")
	cs := adminClient(t, c)
	if list, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("the cluster has %d nodes before the test (%v); the ready hop below assumes none", len(list.Items), err)
	}

	// With no deprecated API requested and no kubelet, nothing blocks.
	r := only(t, scanJSON(t, "--kubeconfig", c.Kubeconfig, "--now", "2026-11-26"))
	if r.Auth == nil || r.Auth.Metrics == nil || r.Auth.Metrics.ErrorKind != "" || len(r.Auth.Metrics.DeprecatedAPIs) != 0 {
		t.Fatalf("metrics before = %+v, want read and empty", r.Auth)
	}
	if r.Readiness == nil {
		t.Fatal("no readiness judged")
	}
	// The server (v1.37) is past the data (newest minor 1.36) and its
	// metric names no removal ahead; the next minor is 1.38 all the same,
	// and the skew policy alone says which kubelets it leaves behind.
	const pastTheData = "(a v1.37 server past the data whose metric names no removal: the next minor's skew must still be judged)"
	if h, ok := findHop(r.Readiness, "1.37", "1.38"); !ok {
		t.Errorf("no hop 1.37 -> 1.38 before the nodes %s; readiness %+v", pastTheData, r.Readiness)
	} else if h.Verdict != "ready" || len(h.APIs) != 0 || len(h.Kubelets) != 0 {
		t.Errorf("hop 1.37 -> 1.38 before the nodes: %+v, want ready", h)
	}

	k := makeKubelets(t, c, cs)
	r = only(t, scanJSON(t, "--kubeconfig", c.Kubeconfig, "--now", "2026-11-26"))
	if _, ok := findHop(r.Readiness, "1.37", "1.38"); !ok {
		t.Fatalf("v1.34 kubelets, 4 minors behind 1.38, block no hop %s; readiness %+v", pastTheData, r.Readiness)
	}
	rd := checkKubelets(t, c, r, k)
	h := hop(t, rd, "1.37", "1.38")
	if h.Verdict != "blocked" || len(h.Why) == 0 {
		t.Errorf("hop 1.37 -> 1.38: verdict %q, why %q; want blocked by the v1.34 kubelets", h.Verdict, h.Why)
	}
	if len(h.APIs) != 0 {
		t.Errorf("hop 1.37 -> 1.38 blocked by APIs %+v; none was requested on this cluster", h.APIs)
	}
	if rd.Verdict != "blocked" {
		t.Errorf("readiness verdict %q (%s), want blocked (the next hop)", rd.Verdict, rd.Reason)
	}
}

// TestReadinessKubeletSkewOnNamedHops: the same kubelets on a cluster
// whose server names removals in 1.38 and 1.39 (deprecated APIs requested
// here, on the HEALTH cluster as in TestReadinessDeprecatedAPIsFromMetrics,
// and none other): the v1.34 kubelets block both hops, the v1.35 one only
// the hop to 1.39 (4 minors behind it), the v1.37 one neither.
func TestReadinessKubeletSkewOnNamedHops(t *testing.T) {
	c := need(t, "HEALTH")
	cfg := adminConfig(c)
	cfg.WarningHandler = &warnings{} // expected, and checked above
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, gvr := range []schema.GroupVersionResource{resourceClaimsV1beta1, leaseCandidatesV1beta1} {
		if _, err := dyn.Resource(gvr).List(context.Background(), metav1.ListOptions{}); err != nil {
			t.Fatalf("list %s: %v", gvr, err)
		}
	}
	cs := adminClient(t, c)
	k := makeKubelets(t, c, cs)
	r := only(t, scanJSON(t, "--kubeconfig", c.Kubeconfig, "--now", "2026-11-26"))
	rd := checkKubelets(t, c, r, k)
	for _, to := range []string{"1.38", "1.39"} {
		from := map[string]string{"1.38": "1.37", "1.39": "1.38"}[to]
		if h := hop(t, rd, from, to); h.Verdict != "blocked" || len(h.APIs) == 0 {
			t.Errorf("hop %s -> %s: verdict %q, APIs %+v; want blocked, by the APIs the server names too", from, to, h.Verdict, h.APIs)
		}
	}
	h := hop(t, rd, "1.38", "1.39")
	want := map[string][]string{"1.34": k.old, "1.35": {k.allowed}}
	got := map[string][]string{}
	for _, b := range h.Kubelets {
		m := strings.TrimPrefix(b.Version, "v")
		if len(m) > 4 {
			m = m[:4]
		}
		got[m] = append(got[m], b.Nodes...)
	}
	for m := range got {
		slices.Sort(got[m])
	}
	if len(got) != len(want) || !slices.Equal(got["1.34"], want["1.34"]) || !slices.Equal(got["1.35"], want["1.35"]) {
		t.Errorf("hop 1.38 -> 1.39 kubelets %+v, want the v1.34 nodes %v and the v1.35 node %s", h.Kubelets, k.old, k.allowed)
	}
}

// kubelets are the nodes makeKubelets made: two at v1.34.3, one at
// v1.35.1 and one at the server's version.
type kubelets struct {
	old              []string
	allowed, current string
	versions         map[string]string
}

// makeKubelets creates the nodes through the API, their kubelet versions
// set through the status subresource, and removes them (waiting until they
// are gone) when the test ends.
func makeKubelets(t *testing.T, c cluster, cs *kubernetes.Clientset) kubelets {
	t.Helper()
	suffix := rand.String(5)
	k := kubelets{old: []string{"old-a-" + suffix, "old-b-" + suffix}, allowed: "skew-ok-" + suffix, current: "current-" + suffix}
	k.versions = map[string]string{k.old[0]: "v1.34.3", k.old[1]: "v1.34.3", k.allowed: "v1.35.1", k.current: c.Version}
	// Registered first, so it runs after createNode's deletions.
	t.Cleanup(func() { waitNodesGone(t, cs, k.versions) })
	for name, v := range k.versions {
		createNode(t, cs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, corev1.NodeSystemInfo{KubeletVersion: v})
	}
	return k
}

// checkKubelets checks what every hop says about the kubelets of k: the
// hop to 1.38 is held back by exactly the v1.34 nodes, and no hop by the
// kubelet at the server's own version.
func checkKubelets(t *testing.T, c cluster, r scan.Result, k kubelets) *scan.Readiness {
	t.Helper()
	if r.Auth == nil || r.Auth.Error != "" || len(r.Auth.Nodes) != len(k.versions) {
		t.Fatalf("auth = %+v, want our %d nodes", r.Auth, len(k.versions))
	}
	if r.Auth.Skew != nil && len(r.Auth.Skew.Violations) != 0 {
		t.Errorf("skew violations %v: every kubelet here is within 3 minors of v1.37", r.Auth.Skew.Violations)
	}
	rd := r.Readiness
	if rd == nil {
		t.Fatal("no readiness judged")
	}
	h := hop(t, rd, "1.37", "1.38")
	var named []string
	for _, b := range h.Kubelets {
		if !strings.HasPrefix(strings.TrimPrefix(b.Version, "v"), "1.34") {
			t.Errorf("hop 1.37 -> 1.38 blocked by kubelets at %q %v; only v1.34 is 4 minors behind 1.38", b.Version, b.Nodes)
		}
		if b.Count != len(b.Nodes) {
			t.Errorf("kubelet group %+v: count %d, %d nodes named", b, b.Count, len(b.Nodes))
		}
		named = append(named, b.Nodes...)
	}
	slices.Sort(named)
	if !slices.Equal(named, k.old) {
		t.Errorf("hop 1.37 -> 1.38 names kubelets %v, want exactly %v", named, k.old)
	}
	if !strings.Contains(strings.Join(h.Why, "\n"), k.old[0]) {
		t.Errorf("hop 1.37 -> 1.38 why %q does not name %s", h.Why, k.old[0])
	}
	for _, h := range rd.Hops {
		for _, b := range h.Kubelets {
			if slices.Contains(b.Nodes, k.current) {
				t.Errorf("hop %s -> %s blocked by the %s kubelet of %s", h.From, h.To, c.Version, k.current)
			}
		}
	}
	return rd
}

// waitNodesGone waits until none of the named nodes exists, so that the
// tests after this one find the cluster as it was.
func waitNodesGone(t *testing.T, cs *kubernetes.Clientset, names map[string]string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var left []string
		for name := range names {
			_, err := cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				left = append(left, name)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("nodes %v still there a minute after their deletion", left)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// hop finds the hop from -> to, failing the test when the judgement has none.
func hop(t *testing.T, rd *scan.Readiness, from, to string) scan.HopReadiness {
	t.Helper()
	h, ok := findHop(rd, from, to)
	if !ok {
		t.Fatalf("no hop %s -> %s in readiness %+v", from, to, rd)
	}
	return h
}

func findHop(rd *scan.Readiness, from, to string) (scan.HopReadiness, bool) {
	if rd == nil {
		return scan.HopReadiness{}, false
	}
	for _, h := range rd.Hops {
		if h.From == from && h.To == to {
			return h, true
		}
	}
	return scan.HopReadiness{}, false
}

// checkHopAPIs wants the hop's APIs to be exactly want ("group/version
// resource"), each from the metric with a request count.
func checkHopAPIs(t *testing.T, h scan.HopReadiness, want []string) {
	t.Helper()
	var got []string
	for _, a := range h.APIs {
		got = append(got, a.Group+"/"+a.Version+" "+a.Resource)
		if a.Source != "metric" || a.Requests == nil || *a.Requests <= 0 || a.Subresource != "" {
			t.Errorf("hop %s -> %s: API %+v (requests %v), want from the metric with requests > 0", h.From, h.To, a, deref(a.Requests))
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("hop %s -> %s stops serving APIs in use %v, want exactly %v", h.From, h.To, got, want)
	}
}

func show(ds []scan.DeprecatedAPI) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %s/%s %s/%s removed in %q, requests %v", d.Group, d.Version, d.Resource, d.Subresource, d.RemovedRelease, deref(d.Requests))
	}
	return b.String()
}

func deref(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}
