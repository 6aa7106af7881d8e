package scan

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests hand the scanner servers shaped like each distribution (and
// like what only pretends to be one) over real TLS and HTTP, and check
// that the verdict follows the strongest evidence, shows what disagrees,
// and keeps nothing of the providers' identifiers.

// named issues a serving certificate for 127.0.0.1 with the subject and
// DNS SANs a distribution gives its API server, signed by ca.
func (ca *testCA) named(t *testing.T, subject string, dns ...string) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := servingTemplate(t, time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour))
	tmpl.Subject, tmpl.DNSNames = pkix.Name{CommonName: subject}, dns
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// apiNames are the SANs every kube-apiserver certificate carries.
var apiNames = []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}

// openshiftOAuth is what OpenShift's API server serves anyone at
// /.well-known/oauth-authorization-server.
const openshiftOAuth = `{"issuer":"https://oauth-openshift.apps.ocp.example.com",` +
	`"authorization_endpoint":"https://oauth-openshift.apps.ocp.example.com/oauth/authorize",` +
	`"token_endpoint":"https://oauth-openshift.apps.ocp.example.com/oauth/token",` +
	`"scopes_supported":["user:check-access","user:full","user:info","user:list-projects","user:list-scoped-projects"],` +
	`"response_types_supported":["code","token"],"grant_types_supported":["authorization_code","implicit"],` +
	`"code_challenge_methods_supported":["plain","S256"]}`

// distServer is an API server that discloses git at /version (refuses it
// if ""), answers oauth (if not "") at OAuth discovery, and otherwise
// refuses anonymous users as fakeAPIServer(403) does.
func distServer(git, oauth string) http.Handler {
	anon := fakeAPIServer(http.StatusForbidden)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/version" && git == "":
			writeStatus(w, http.StatusForbidden, `forbidden: User "system:anonymous" cannot get path "/version"`)
		case r.URL.Path == "/version":
			writeJSON(w, http.StatusOK, map[string]string{"major": "1", "gitVersion": git, "platform": "linux/amd64"})
		case r.URL.Path == oauthPath && oauth != "":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, oauth)
		default:
			anon.ServeHTTP(w, r)
		}
	})
}

// scanEndpoint probes url anonymously and returns its row.
func scanEndpoint(t *testing.T, url string) Result {
	t.Helper()
	ts, err := ParseEndpoints([]string{url}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return hostileScanner().Scan(t.Context(), ts)[0]
}

// mentions fails unless some line holds every one of words.
func mentions(t *testing.T, what string, lines []string, words ...string) {
	t.Helper()
	for _, l := range lines {
		all := true
		for _, w := range words {
			all = all && strings.Contains(l, w)
		}
		if all {
			return
		}
	}
	t.Errorf("%s %q: no line mentions %q", what, lines, words)
}

// TestDistributionOverTheWire: servers shaped like each case, probed as a
// stranger probes them.
func TestDistributionOverTheWire(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	public := newTestCA(t, "R11") // a named certificate from a public CA
	cases := []struct {
		name     string
		cert     tls.Certificate
		git      string
		oauth    string
		flavour  string
		dist     string
		evidence []string // words one evidence line must hold
		against  []string // words one line against must hold
	}{
		{"OpenShift 4.18: plain version, named certificate, OAuth discovery",
			public.named(t, "api.ocp.example.com", "api.ocp.example.com"), "v1.31.6", openshiftOAuth,
			"", DistOpenShift, []string{"OAuth", "oauth-openshift.apps.ocp.example.com"}, nil},
		{"OpenShift before 4.17: commit suffix and OAuth agree",
			public.named(t, "api.ocp.example.com", "api.ocp.example.com"), "v1.28.9+2f7b992", openshiftOAuth,
			"", DistOpenShift, []string{"commit"}, nil},
		{"plain version, named certificate, no OAuth: nothing to go on",
			public.named(t, "api.k8s.example.com", "api.k8s.example.com"), "v1.31.6", "",
			"", DistUnknown, nil, nil},
		{"an OAuth server that is not OpenShift's",
			public.named(t, "api.k8s.example.com", "api.k8s.example.com"), "v1.31.6",
			`{"issuer":"https://sso.example.com/realms/k8s","authorization_endpoint":"https://sso.example.com/realms/k8s/protocol/openid-connect/auth","token_endpoint":"https://sso.example.com/realms/k8s/protocol/openid-connect/token"}`,
			"", DistUnknown, nil, nil},
		{"OpenShift with its OAuth route renamed",
			public.named(t, "api.ocp.example.com", "api.ocp.example.com"), "v1.31.6",
			`{"issuer":"https://login.example.com","authorization_endpoint":"https://login.example.com/oauth/authorize","token_endpoint":"https://login.example.com/oauth/token"}`,
			"", DistOpenShift, []string{"OAuth", "login.example.com"}, nil},
		{"GitLab's OAuth metadata on a web server is not OpenShift",
			public.named(t, "gitlab.example.com", "gitlab.example.com"), "",
			`{"issuer":"https://gitlab.example.com","authorization_endpoint":"https://gitlab.example.com/oauth/authorize","token_endpoint":"https://gitlab.example.com/oauth/token"}`,
			"", DistUnknown, nil, nil},
		{"OAuth-looking HTML from a catch-all server",
			public.named(t, "api.k8s.example.com", "api.k8s.example.com"), "v1.31.6", `<html>oauth-openshift.apps</html>`,
			"", DistUnknown, nil, nil},
		{"OAuth metadata over plain http endpoints is not recognised",
			public.named(t, "api.k8s.example.com", "api.k8s.example.com"), "v1.31.6",
			`{"issuer":"http://oauth-openshift.apps.x","authorization_endpoint":"http://oauth-openshift.apps.x/oauth/authorize","token_endpoint":"http://oauth-openshift.apps.x/oauth/token"}`,
			"", DistUnknown, nil, nil},
		{"Cluster API control plane is kubeadm, not kind",
			ca.named(t, "kube-apiserver", append(apiNames, "mgmt-control-plane-x7k2p", "localhost")...), "v1.31.6", "",
			DistKubeadm, DistKubeadm, []string{"kubeadm"}, nil},
		{"kind",
			ca.named(t, "kube-apiserver", append(apiNames, "kind-control-plane", "localhost")...), "v1.31.6", "",
			DistKind, DistKind, []string{"kind"}, nil},
		{"an -eks- build behind kubeadm's certificate is EKS Distro or EKS Anywhere",
			ca.named(t, "kube-apiserver", append(apiNames, "eksa-control-plane-8k2lp", "localhost")...), "v1.29.3-eks-adc7111", "",
			DistKubeadm, DistEKSD, []string{"-eks-", "Amazon's build"}, []string{"eks:", "managed EKS service"}},
		{"an -eks- build behind EKS's certificate is EKS",
			ca.named(t, "kube-apiserver", append(apiNames, "abc.gr7.us-east-1.eks.amazonaws.com", "ip-172-16-1-10.ec2.internal")...), "v1.29.3-eks-adc7111", "",
			DistEKS, DistEKS, []string{"shaped like eks"}, nil},
		{"k3s build behind an AKS-shaped certificate: the build wins, the certificate is shown",
			ca.named(t, "apiserver", append(apiNames, "foo-dns-1a2b3c.hcp.westeurope.azmk8s.io")...), "v1.27.4+k3s1", "",
			DistAKS, DistK3s, []string{"+k3s"}, []string{"aks:", "shaped like aks"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startTLS(t, c.cert, distServer(c.git, c.oauth))
			r := scanEndpoint(t, srv.URL)
			if r.TLS == nil || r.TLS.Flavour != c.flavour {
				t.Fatalf("certificate shape %+v, want %q", r.TLS, c.flavour)
			}
			if r.Dist.Name != c.dist {
				t.Fatalf("distribution %+v, want %s", r.Dist, c.dist)
			}
			if len(c.evidence) > 0 {
				mentions(t, "evidence", r.Dist.Evidence, c.evidence...)
			}
			if len(c.against) > 0 {
				mentions(t, "against", r.Dist.Against, c.against...)
			} else if len(r.Dist.Against) > 0 && c.dist != DistEKSD {
				t.Errorf("against %q, want nothing pointing elsewhere", r.Dist.Against)
			}
			// OAuth discovery is evidence, never access: the same server
			// without it is exposed exactly as much.
			without := r
			without.Anonymous = nil
			for _, q := range r.Anonymous {
				if q.Path != oauthPath {
					without.Anonymous = append(without.Anonymous, q)
				}
			}
			if e := judgeExposure(&without); e.Access != r.Exposure.Access || e.Level != r.Exposure.Level {
				t.Errorf("exposure %s/%s, %s/%s without OAuth discovery", r.Exposure.Access, r.Exposure.Level, e.Access, e.Level)
			}
			if want := map[bool]string{true: AccessVersion, false: AccessHealth}[c.git != ""]; r.Exposure.Access != want {
				t.Errorf("access %s, want %s (nothing but /version and /healthz is open)", r.Exposure.Access, want)
			}
		})
	}
}

// TestOAuthDiscoverySummary: the summary of the OAuth answer keeps the
// issuer and authorization endpoint, capped, and recognises only a real
// metadata document; a hostile one is cut and not believed.
func TestOAuthDiscoverySummary(t *testing.T) {
	sum := summarize(oauthPath, http.StatusOK, []byte(openshiftOAuth), false)
	if sum["recognised"] != "true" || sum["issuer"] != "https://oauth-openshift.apps.ocp.example.com" ||
		sum["authorizationEndpoint"] != "https://oauth-openshift.apps.ocp.example.com/oauth/authorize" {
		t.Errorf("summary %v", sum)
	}
	long := `{"issuer":"https://oauth-openshift.apps.` + strings.Repeat(`\u001b[2J`, 5000) + `",` +
		`"authorization_endpoint":"https://a/oauth/authorize","token_endpoint":"https://a/oauth/token"}`
	sum = summarize(oauthPath, http.StatusOK, []byte(long), false)
	if len(sum["issuer"]) > maxSummaryValue+len("…") || !strings.HasSuffix(sum["issuer"], "…") {
		t.Errorf("issuer kept %d bytes: %q", len(sum["issuer"]), sum["issuer"])
	}
	for _, body := range []string{`{"issuer":"https://x"}`, `{"authorization_endpoint":"https://x/oauth/authorize"}`, `[]`, `ok`} {
		if s := summarize(oauthPath, http.StatusOK, []byte(body), false); s["recognised"] != "" {
			t.Errorf("%s recognised: %v", body, s)
		}
	}
	if s := summarize(oauthPath, http.StatusNotFound, []byte(openshiftOAuth), false); s != nil {
		t.Errorf("a 404 summarised: %v", s)
	}
}

// providerNode is a Node as a provider's kubelet and cloud controller
// manager leave it.
func providerNode(name, providerID, os string, labels map[string]string) string {
	b, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"name": name, "labels": labels},
		"spec":     map[string]any{"providerID": providerID},
		"status":   map[string]any{"nodeInfo": map[string]any{"kubeletVersion": "v1.31.4", "operatingSystem": os}},
	})
	return string(b)
}

// secretIDs are identifiers in the provider-shaped nodes below that no
// result may hold: account, project, subscription and instance ids.
var secretIDs = []string{"123456789012", "my-gcp-project", "0a1b2c3d-subscription", "MC_rg_aks", "i-0abcdef1234567890",
	"aaaaaaaatenancy", "ocid1.instance.oc1.phx.anyhqljr", "482913", "77001", "pool-alpha", "112233"}

// providerCases are each provider's nodes, as their APIs return them.
var providerCases = []struct {
	name     string
	node     string
	provider string
}{
	{"EKS managed node group", providerNode("ip-10-0-1-5.ec2.internal", "aws:///us-east-1a/i-0abcdef1234567890", "linux",
		map[string]string{"eks.amazonaws.com/nodegroup": "ng-1", "eks.amazonaws.com/capacityType": "ON_DEMAND", "kubernetes.io/os": "linux"}), DistEKS},
	{"EKS Fargate", providerNode("fargate-ip-10-0-2-9.ec2.internal", "aws:///us-east-1b/0123abcd/fargate-ip-10-0-2-9", "linux",
		map[string]string{"eks.amazonaws.com/compute-type": "fargate"}), DistEKS},
	{"kOps on AWS", providerNode("ip-10-0-3-7.ec2.internal", "aws:///us-east-1a/i-0abcdef1234567890", "linux",
		map[string]string{"kops.k8s.io/instancegroup": "nodes", "topology.kubernetes.io/region": "us-east-1"}), ProviderAWS},
	{"GKE", providerNode("gke-c-default-pool-7d29f8fc-wkg5", "gce://my-gcp-project/us-central1-c/gke-c-default-pool-7d29f8fc-wkg5", "linux",
		map[string]string{"cloud.google.com/gke-nodepool": "pool-alpha", "cloud.google.com/gke-os-distribution": "cos"}), DistGKE},
	{"kubeadm on GCE", providerNode("node-1", "gce://my-gcp-project/us-central1-c/node-1", "linux", nil), ProviderGCE},
	{"AKS Windows pool", providerNode("akswin000000", "azure:///subscriptions/0a1b2c3d-subscription/resourceGroups/MC_rg_aks/providers/Microsoft.Compute/virtualMachineScaleSets/akswin/virtualMachines/0", "windows",
		map[string]string{"kubernetes.azure.com/cluster": "MC_rg_aks", "kubernetes.azure.com/agentpool": "win", "kubernetes.io/os": "windows"}), DistAKS},
	{"Cluster API on Azure", providerNode("capz-md-0-x2k9p", "azure:///subscriptions/0a1b2c3d-subscription/resourceGroups/capz/providers/Microsoft.Compute/virtualMachines/capz-md-0-x2k9p", "linux", nil), ProviderAzure},
	{"DigitalOcean DOKS", providerNode("default-cj7j3", "digitalocean://482913", "linux",
		map[string]string{"doks.digitalocean.com/node-id": "1cf0f149-1502-4fbf-83e5-7d454f474ee5", "doks.digitalocean.com/node-pool": "default"}), DistDigitalOcean},
	{"Linode LKE", providerNode("lke-node-1", "linode://77001", "linux",
		map[string]string{"lke.linode.com/pool-id": "112233"}), DistLKE},
	{"Oracle OKE", providerNode("10.0.10.130", "ocid1.instance.oc1.phx.anyhqljr", "linux",
		map[string]string{"oke.oraclecloud.com/tenant_agent.version": "1.42.6-bae5d92f49-820", "oci.oraclecloud.com/fault-domain": "FAULT-DOMAIN-1",
			"node.info/compartment.id_prefix": "ocid1.tenancy.oc1", "node.info/compartment.id_suffix": "aaaaaaaatenancy"}), DistOKE},
	{"kubeadm on OCI", providerNode("worker-1", "oci://ocid1.instance.oc1.phx.anyhqljr", "linux",
		map[string]string{"oci.oraclecloud.com/fault-domain": "FAULT-DOMAIN-2"}), ProviderOCI},
	{"kind", providerNode("kind-worker", "kind://docker/kind/kind-worker", "linux", nil), DistKind},
	{"bare metal", providerNode("metal-1", "", "linux", map[string]string{"kubernetes.io/hostname": "metal-1"}), ""},
}

// withVersion answers /version, anonymous or not, with git and leaves the
// rest to h, so a provider's nodes are judged without a build suffix.
func withVersion(git string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			writeJSON(w, http.StatusOK, map[string]string{"major": "1", "gitVersion": git})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestNodesNameTheProvider: each provider's nodes, listed through the
// authenticated probe, give the provider and the operating system, and
// the result holds none of the providers' identifiers.
func TestNodesNameTheProvider(t *testing.T) {
	for _, c := range providerCases {
		t.Run(c.name, func(t *testing.T) {
			r := scanOwner(t, withVersion("v1.31.4", ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
				if req.URL.Path != nodesPath {
					return false
				}
				nodePage(w, []string{c.node, c.node}, "")
				return true
			})))
			if len(r.Auth.Nodes) != 2 || r.Auth.Error != "" {
				t.Fatalf("auth %+v", r.Auth)
			}
			n := r.Auth.Nodes[0]
			if n.Provider != c.provider {
				t.Errorf("provider %q, want %q", n.Provider, c.provider)
			}
			wantOS := "linux"
			if strings.Contains(c.name, "Windows") {
				wantOS = "windows"
			}
			if n.OS != wantOS {
				t.Errorf("os %q, want %s", n.OS, wantOS)
			}
			raw, _ := json.Marshal(r)
			for _, id := range secretIDs {
				if strings.Contains(string(raw), id) {
					t.Errorf("the result holds %q", id)
				}
			}
			// The certificate is kubeadm's (scanOwner's CA is named
			// kubernetes): a managed service's nodes outrank it, and it
			// is shown against them.
			switch _, bare := bareClouds[c.provider]; {
			case c.provider == "" || bare:
				if r.Dist.Name != DistKubeadm {
					t.Errorf("distribution %+v, want kubeadm from the certificate", r.Dist)
				}
			default:
				if r.Dist.Name != c.provider {
					t.Fatalf("distribution %+v, want %s from the nodes", r.Dist, c.provider)
				}
				mentions(t, "evidence", r.Dist.Evidence, "2 of 2 nodes have")
				mentions(t, "against", r.Dist.Against, "kubeadm:", "certificate")
			}
		})
	}
}

// TestNodeEvidenceConflicts: nodes that disagree with each other, or with
// the build, are all shown.
func TestNodeEvidenceConflicts(t *testing.T) {
	eks, kind, aws, gke := providerCases[0].node, providerCases[11].node, providerCases[2].node, providerCases[3].node
	cases := []struct {
		name     string
		git      string
		nodes    []string
		dist     string
		evidence []string
		against  []string
	}{
		{"most nodes win, the others are shown", "v1.31.4", []string{eks, eks, eks, kind}, DistEKS,
			[]string{"3 of 4 nodes have EKS node-group labels"}, []string{"kind: 1 of 4 nodes has kind://"}},
		{"an -eks- build with EKS node labels is EKS", "v1.29.3-eks-adc7111", []string{eks, eks}, DistEKS,
			[]string{"2 of 2 nodes have EKS node-group labels"}, []string{"kubeadm:"}},
		{"an -eks- build on bare AWS nodes behind kubeadm's certificate is eks-d", "v1.29.3-eks-adc7111", []string{aws, aws}, DistEKSD,
			[]string{"Amazon's build"}, []string{"managed EKS service"}},
		{"GKE nodes under a build that says EKS, behind kubeadm's certificate", "v1.29.3-eks-adc7111", []string{gke}, DistEKSD,
			[]string{"-eks-"}, []string{"gke: 1 of 1 node has GKE node-pool labels"}},
		{"GKE nodes beside AWS machines", "v1.31.4", []string{gke, aws}, DistGKE,
			[]string{"1 of 2 nodes has GKE"}, []string{"aws: 1 of 2 nodes has aws://"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := scanOwner(t, withVersion(c.git, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
				if req.URL.Path != nodesPath {
					return false
				}
				nodePage(w, c.nodes, "")
				return true
			})))
			if r.Dist.Name != c.dist {
				t.Fatalf("distribution %+v, want %s", r.Dist, c.dist)
			}
			for _, e := range c.evidence {
				mentions(t, "evidence", r.Dist.Evidence, e)
			}
			for _, a := range c.against {
				mentions(t, "against", r.Dist.Against, a)
			}
		})
	}
}

// clusterVersion is OpenShift's ClusterVersion as the API returns it.
func clusterVersion(desired string, history ...[2]string) map[string]any {
	var h []any
	for _, e := range history {
		h = append(h, map[string]any{"state": e[0], "version": e[1], "image": "quay.io/openshift-release-dev/ocp-release@sha256:0", "verified": true})
	}
	return map[string]any{
		"apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion",
		"metadata": map[string]any{"name": "version"},
		"spec":     map[string]any{"channel": "stable-4.18", "clusterID": "5a3e1f2c-0000-4000-8000-000000000000"},
		"status": map[string]any{
			"desired":            map[string]any{"version": desired, "image": "quay.io/openshift-release-dev/ocp-release@sha256:0"},
			"history":            h,
			"observedGeneration": 2,
		},
	}
}

// TestClusterVersion: OpenShift's ClusterVersion read with the context's
// credentials is the strongest evidence, gives the exact release and
// channel, and each failure says as much as it should.
func TestClusterVersion(t *testing.T) {
	var sent atomic.Int64
	cases := []struct {
		name      string
		answer    func(w http.ResponseWriter)
		oauth     bool
		want      *OpenShiftVersion
		dist      string
		warning   string // "" for none
		noWarning string
	}{
		{"desired version", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, clusterVersion("4.18.3", [2]string{"Completed", "4.18.3"}, [2]string{"Completed", "4.17.9"}))
		}, false, &OpenShiftVersion{Version: "4.18.3", Channel: "stable-4.18"}, DistOpenShift, "", "ClusterVersion"},
		{"no desired version: newest completed update", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, clusterVersion("", [2]string{"Partial", "4.18.4"}, [2]string{"Completed", "4.18.3"}, [2]string{"Completed", "4.17.9"}))
		}, false, &OpenShiftVersion{Version: "4.18.3", Channel: "stable-4.18"}, DistOpenShift, "", "ClusterVersion"},
		{"no version at all", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, clusterVersion("banana", [2]string{"Partial", "4.18.4"}))
		}, false, &OpenShiftVersion{Channel: "stable-4.18"}, DistOpenShift, "names no release", ""},
		{"not OpenShift (404)", func(w http.ResponseWriter) {
			writeStatus(w, http.StatusNotFound, "the server could not find the requested resource")
		}, false, nil, DistKubeadm, "", "ClusterVersion"},
		{"403 where nothing says OpenShift", func(w http.ResponseWriter) {
			writeStatus(w, http.StatusForbidden, `clusterversions.config.openshift.io "version" is forbidden`)
		}, false, nil, DistKubeadm, "", "ClusterVersion"},
		{"403 on OpenShift", func(w http.ResponseWriter) {
			writeStatus(w, http.StatusForbidden, `clusterversions.config.openshift.io "version" is forbidden`)
		}, true, nil, DistOpenShift, "permission denied (403)", ""},
		{"something else at that path", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, map[string]any{"apiVersion": "v1", "kind": "ClusterVersion", "status": map[string]any{"desired": map[string]any{"version": "4.18.3"}}})
		}, false, nil, DistKubeadm, "not a config.openshift.io ClusterVersion", ""},
		{"an endless ClusterVersion", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			fill(w, `{"apiVersion":"config.openshift.io/v1","kind":"ClusterVersion","status":{"history":[{"state":"`, 1<<30, &sent)
		}, false, nil, DistKubeadm, "larger than 4 MiB", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := withVersion("v1.31.6", ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
				if req.URL.Path != clusterVersionPath {
					return false
				}
				c.answer(w)
				return true
			}))
			if c.oauth {
				inner := h
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == oauthPath {
						fmt.Fprint(w, openshiftOAuth)
						return
					}
					inner.ServeHTTP(w, r)
				})
			}
			r := scanOwner(t, h)
			if got := r.Auth.OpenShift; (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("openshift %+v, want %+v", got, c.want)
			}
			if r.Dist.Name != c.dist {
				t.Errorf("distribution %+v, want %s", r.Dist, c.dist)
			}
			if c.want != nil && c.want.Version != "" {
				mentions(t, "evidence", r.Dist.Evidence, "ClusterVersion says OpenShift "+c.want.Version, "stable-4.18")
			}
			warnings := strings.Join(r.Auth.Warnings, "; ")
			if c.warning != "" && !strings.Contains(warnings, c.warning) {
				t.Errorf("warnings %q, want %q", warnings, c.warning)
			}
			if c.noWarning != "" && strings.Contains(warnings, c.noWarning) {
				t.Errorf("warnings %q, want none about %s", warnings, c.noWarning)
			}
			if raw, _ := json.Marshal(r); strings.Contains(string(raw), "5a3e1f2c") {
				t.Error("the result holds the cluster id")
			}
		})
	}
	if sent.Load() > ClusterVersionBodyLimit+64<<20 {
		t.Errorf("the endless ClusterVersion sent %d bytes; the probe should stop near its cap", sent.Load())
	}
}

// TestClusterVersionDeniedIsJudgedOnce: the 403 is settled by judge on a
// copy, so an update already sent keeps its Auth, and judging again adds
// nothing.
func TestClusterVersionDeniedIsJudgedOnce(t *testing.T) {
	a := &Auth{clusterVersionDenied: true}
	r := Result{Target: Ref{Host: "api.ocp.example.com"}, Version: &Version{GitVersion: "v1.28.9+2f7b992"}, Auth: a,
		Addresses: []Address{{IP: "10.0.0.1", Class: ClassPrivate}}, Connect: &Connect{Address: "10.0.0.1:6443"}}
	judge(&r)
	if len(a.Warnings) != 0 || !a.clusterVersionDenied {
		t.Errorf("judge changed the Auth an update holds: %+v", a)
	}
	if len(r.Auth.Warnings) != 1 || r.Auth.clusterVersionDenied {
		t.Fatalf("auth %+v, want one warning, settled", r.Auth)
	}
	judge(&r)
	if len(r.Auth.Warnings) != 1 {
		t.Errorf("judging again: warnings %q", r.Auth.Warnings)
	}
}
