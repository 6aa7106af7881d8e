package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/kubesurface/kubesurface/scan"
)

// TestNodesTellTheProvider creates Node objects through the real
// kube-apiserver, with the provider IDs and labels EKS's managed node
// groups (one of them Windows) and kind give their nodes, and expects the
// scan of the context to name each node's provider and operating system,
// to judge the distribution from them with the disagreeing node shown
// against it, to keep no account or instance id, and to judge urgency end
// to end. The real server serves no ClusterVersion: that stays silent.
func TestNodesTellTheProvider(t *testing.T) {
	c := need(t, "OFF")
	cs := adminClient(t, c)
	ctx := context.Background()
	if list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Fatalf("the cluster has %d nodes before the test (%v); counts below assume none", len(list.Items), err)
	}
	suffix := rand.String(5)
	eks := func(name, os string) *corev1.Node {
		return &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
				"eks.amazonaws.com/nodegroup": "ng-" + suffix, "eks.amazonaws.com/capacityType": "ON_DEMAND", "kubernetes.io/os": os}},
			Spec: corev1.NodeSpec{ProviderID: "aws:///us-east-1a/i-0abcdef1234567890"},
		}
	}
	want := map[string][2]string{ // name: provider, OS
		"ip-10-0-1-5-" + suffix:  {scan.DistEKS, "linux"},
		"ip-10-0-1-6-" + suffix:  {scan.DistEKS, "linux"},
		"ip-10-0-1-7-" + suffix:  {scan.DistEKS, "windows"},
		"kind-worker-" + suffix:  {scan.DistKind, "linux"},
		"bare-metal-1-" + suffix: {"", "linux"},
	}
	for name, pw := range want {
		var n *corev1.Node
		switch pw[0] {
		case scan.DistEKS:
			n = eks(name, pw[1])
		case scan.DistKind:
			n = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{ProviderID: "kind://docker/kind/" + name}}
		default:
			n = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		}
		createNode(t, cs, n, corev1.NodeSystemInfo{KubeletVersion: c.Version, OperatingSystem: pw[1]})
	}

	r := only(t, scanJSON(t, "--kubeconfig", c.Kubeconfig, "--now", "2026-11-26"))
	a := r.Auth
	if a == nil || a.Error != "" {
		t.Fatalf("auth = %+v", a)
	}
	if len(a.Nodes) != len(want) {
		t.Fatalf("%d nodes, want %d", len(a.Nodes), len(want))
	}
	for _, n := range a.Nodes {
		if w := want[n.Name]; n.Provider != w[0] || n.OS != w[1] {
			t.Errorf("node %s: provider %q, os %q; want %q, %q", n.Name, n.Provider, n.OS, w[0], w[1])
		}
	}
	if r.Dist.Name != scan.DistEKS {
		t.Fatalf("distribution %+v, want eks from the node labels", r.Dist)
	}
	if ev := strings.Join(r.Dist.Evidence, "\n"); !strings.Contains(ev, "3 of 5 nodes have EKS node-group labels") {
		t.Errorf("evidence %q, want the EKS nodes counted", r.Dist.Evidence)
	}
	if ag := strings.Join(r.Dist.Against, "\n"); !strings.Contains(ag, "kind: 1 of 5 nodes has kind://") {
		t.Errorf("against %q, want the kind node", r.Dist.Against)
	}
	if a.OpenShift != nil || strings.Contains(strings.Join(a.Warnings, "\n"), "ClusterVersion") {
		t.Errorf("a server without ClusterVersion: openshift %+v, warnings %q", a.OpenShift, a.Warnings)
	}
	raw, _ := json.Marshal(r)
	for _, id := range []string{"i-0abcdef1234567890", "us-east-1a", "ng-" + suffix} {
		if strings.Contains(string(raw), id) {
			t.Errorf("the result holds %q", id)
		}
	}
	u := r.Urgency
	if u == nil || u.Level == "" || u.Reason == "" || u.JudgedAt != "2026-11-26" {
		t.Fatalf("urgency = %+v, want a level and a reason at --now", u)
	}
}
