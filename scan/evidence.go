package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/kubesurface/kubesurface/internal/bounded"
)

// Node providers, as in Node.Provider, beyond the distribution names a
// node can also carry (eks, gke, aks, doks, lke, oke, kind): bare
// clouds, whose provider IDs say where a node runs but not who runs the
// cluster (kOps, kubeadm or Cluster API on cloud machines look the same).
const (
	ProviderAWS   = "aws"
	ProviderGCE   = "gce"
	ProviderAzure = "azure"
	ProviderOCI   = "oci"
)

// Caps on what a node's identity fields may hold before they are judged;
// the whole page is already capped, these keep a hostile node from
// carrying more than a word into a result.
const (
	maxNodeOSLen = 32
	// maxSchemeLen bounds a providerID scheme: real ones are a word
	// (aws, gce, azure, digitalocean, linode, oci, kind).
	maxSchemeLen = 32
)

// labelProviders are the well-known node labels only a managed service
// sets on the nodes it runs, with the service they name.
//
// OKE: Oracle's nodes carry oke.oraclecloud.com/ labels
// (oke.oraclecloud.com/tenant_agent.version, …/node.info.private_worker;
// Oracle's "Supported Labels for Different Usecases" and the node objects
// quoted in public provider-detection tests). oci.oraclecloud.com/ labels
// (fault-domain) come from Oracle's cloud controller manager, which
// self-managed clusters on OCI run too, so they are not OKE's word.
var labelProviders = []struct {
	key      string
	prefix   bool
	provider string
}{
	{key: "eks.amazonaws.com/nodegroup", provider: DistEKS},
	{key: "eks.amazonaws.com/compute-type", provider: DistEKS},
	{key: "cloud.google.com/gke-nodepool", provider: DistGKE},
	{key: "cloud.google.com/gke-os-distribution", provider: DistGKE},
	{key: "kubernetes.azure.com/cluster", provider: DistAKS},
	{key: "kubernetes.azure.com/agentpool", provider: DistAKS},
	{key: "doks.digitalocean.com/node-id", provider: DistDigitalOcean},
	{key: "lke.linode.com/pool-id", provider: DistLKE},
	{key: "oke.oraclecloud.com/", prefix: true, provider: DistOKE},
}

// schemeProviders map a spec.providerID scheme to what it names. The
// cloud controller managers of DigitalOcean (digitalocean://) and Linode
// (linode://) are the managed services' own; kind sets kind:// on every
// node it makes (kind's kubeadm config: provider-id "kind://…"). Oracle's
// cloud controller manager writes oci:// (its providerPrefix) and OKE
// bare instance OCIDs (ocid1.instance.…, which it accepts as they are).
var schemeProviders = map[string]string{
	"kind":         DistKind,
	"aws":          ProviderAWS,
	"gce":          ProviderGCE,
	"azure":        ProviderAzure,
	"digitalocean": DistDigitalOcean,
	"linode":       DistLKE,
	"oci":          ProviderOCI,
}

// providerScheme is a node's spec.providerID reduced, while it is decoded,
// to its scheme: the rest names accounts, projects and subscriptions, which
// a result has no business holding.
type providerScheme string

func (p *providerScheme) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p = providerScheme(schemeOf(s))
	return nil
}

func schemeOf(id string) string {
	if strings.HasPrefix(id, "ocid1.instance.") {
		return "oci"
	}
	scheme, _, ok := strings.Cut(id, "://")
	if !ok || scheme == "" || len(scheme) > maxSchemeLen {
		return ""
	}
	for _, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '+') {
			return ""
		}
	}
	return scheme
}

// labelProvider is a node's metadata.labels reduced, while it is decoded,
// to the managed service its well-known labels name: label values (node
// pool names, cluster resource groups) are never kept, and a node with
// thousands of labels costs no map.
type labelProvider string

func (l *labelProvider) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("labels is not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
		if *l == "" {
			*l = labelProvider(providerOfLabel(key))
		}
	}
	_, err = dec.Token()
	return err
}

func providerOfLabel(key string) string {
	for _, lp := range labelProviders {
		if key == lp.key || lp.prefix && strings.HasPrefix(key, lp.key) {
			return lp.provider
		}
	}
	return ""
}

// nodeProvider is what one node's labels and provider ID name: a managed
// service's labels are its own word, and outrank a bare cloud's scheme.
func nodeProvider(labels labelProvider, scheme providerScheme) string {
	if labels != "" {
		return string(labels)
	}
	return schemeProviders[string(scheme)]
}

// providerWords say, for the evidence line, what the nodes showed.
var providerWords = map[string]string{
	DistEKS:          "EKS node-group labels (eks.amazonaws.com/)",
	DistGKE:          "GKE node-pool labels (cloud.google.com/gke-)",
	DistAKS:          "AKS agent-pool labels (kubernetes.azure.com/)",
	DistDigitalOcean: "DigitalOcean DOKS labels or digitalocean:// provider IDs",
	DistLKE:          "LKE pool labels or linode:// provider IDs",
	DistOKE:          "OKE labels (oke.oraclecloud.com/)",
	DistKind:         "kind:// provider IDs",
	ProviderAWS:      "aws:// provider IDs and no managed service's labels",
	ProviderGCE:      "gce:// provider IDs and no managed service's labels",
	ProviderAzure:    "azure:// provider IDs and no managed service's labels",
	ProviderOCI:      "OCI instance provider IDs and no managed service's labels",
}

// bareClouds are the node providers that name where nodes run, not a
// distribution, with the managed service of that cloud.
var bareClouds = map[string]string{
	ProviderAWS:   DistEKS,
	ProviderGCE:   DistGKE,
	ProviderAzure: DistAKS,
	ProviderOCI:   DistOKE,
}

// nodeCount is how many of the listed nodes name one provider.
type nodeCount struct {
	provider string
	n        int
}

// countProviders tallies the nodes' providers, most first (ties in the
// order first seen), leaving out silent nodes.
func countProviders(nodes []Node) []nodeCount {
	var out []nodeCount
	for _, n := range nodes {
		if n.Provider == "" {
			continue
		}
		found := false
		for i := range out {
			if out[i].provider == n.Provider {
				out[i].n++
				found = true
				break
			}
		}
		if !found {
			out = append(out, nodeCount{provider: n.Provider, n: 1})
		}
	}
	slices.SortStableFunc(out, func(a, b nodeCount) int { return b.n - a.n })
	return out
}

func nodesLine(c nodeCount, total int) string {
	words := providerWords[c.provider]
	if words == "" {
		words = c.provider + " provider IDs"
	}
	have := "have"
	if c.n == 1 {
		have = "has"
	}
	return fmt.Sprintf("%d of %s %s %s", c.n, Plural(total, "node"), have, words)
}

// OAuth discovery: OpenShift's API server serves its built-in OAuth
// server's metadata (RFC 8414) to anyone, which upstream Kubernetes does
// not serve at all. Its issuer is oauth-openshift.apps.<cluster domain>
// (or a route the admin renamed), and its endpoints are the oauth-server's
// own /oauth/authorize and /oauth/token.
const oauthPath = "/.well-known/oauth-authorization-server"

// summarizeOAuth keeps the issuer and the authorization endpoint of an
// OAuth metadata document, recognised only when it is one: an issuer and
// both endpoints, each an absolute https URL.
func summarizeOAuth(body []byte) map[string]string {
	var v struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
	}
	if json.Unmarshal(body, &v) != nil || v.Issuer == "" {
		return nil
	}
	m := map[string]string{"issuer": truncate(v.Issuer, maxSummaryValue)}
	if v.AuthorizationEndpoint != "" {
		m["authorizationEndpoint"] = truncate(v.AuthorizationEndpoint, maxSummaryValue)
	}
	if httpsURL(v.Issuer) && httpsURL(v.AuthorizationEndpoint) && httpsURL(v.TokenEndpoint) {
		m["recognised"] = "true"
	}
	return m
}

func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

// distFromOAuth reads OpenShift from a recognised anonymous OAuth
// metadata document: its issuer is OpenShift's oauth route, or (a route
// the admin renamed) its authorization endpoint is the oauth-server's
// /oauth/authorize on a server otherwise seen to be Kubernetes, since
// other OAuth servers (GitLab's, Doorkeeper's) use that path too.
func distFromOAuth(r *Result) (string, string) {
	kube := r.Version != nil || r.TLS != nil && r.TLS.Kubernetes
	for _, q := range r.Anonymous {
		if q.Path != oauthPath || q.Status != 200 || q.Summary["recognised"] != "true" {
			continue
		}
		issuer := q.Summary["issuer"]
		iu, _ := url.Parse(issuer)
		au, _ := url.Parse(q.Summary["authorizationEndpoint"])
		if iu != nil && strings.HasPrefix(strings.ToLower(iu.Hostname()), "oauth-openshift.") ||
			kube && au != nil && au.Path == "/oauth/authorize" {
			return DistOpenShift, fmt.Sprintf("anonymous %s names OpenShift's OAuth server (issuer %s)", oauthPath, issuer)
		}
	}
	return "", ""
}

// ClusterVersion: OpenShift's own record of the release it runs.
const clusterVersionPath = "/apis/config.openshift.io/v1/clusterversions/version"

// maxChannelLen bounds an update channel (stable-4.18, eus-4.16, …).
const maxChannelLen = 64

var errNotClusterVersion = errors.New("unreadable ClusterVersion: not a config.openshift.io ClusterVersion")

// parseClusterVersion reads a ClusterVersion as a stream into the few
// fields kept: the desired release (status.desired.version), else the
// newest Completed entry of status.history (newest first, as the
// cluster-version operator writes it), and spec.channel. A version that
// does not parse as one is not kept; the object still says OpenShift.
func parseClusterVersion(r io.Reader) (*OpenShiftVersion, error) {
	var cv struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Channel string `json:"channel"`
		} `json:"spec"`
		Status struct {
			Desired struct {
				Version string `json:"version"`
			} `json:"desired"`
			History []struct {
				State   string `json:"state"`
				Version string `json:"version"`
			} `json:"history"`
		} `json:"status"`
	}
	if err := json.NewDecoder(r).Decode(&cv); err != nil {
		var tl *bounded.TooLargeError
		if errors.As(err, &tl) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("unreadable ClusterVersion: %w", err)
	}
	if cv.Kind != "ClusterVersion" || !strings.HasPrefix(cv.APIVersion, "config.openshift.io/") {
		return nil, errNotClusterVersion
	}
	ov := &OpenShiftVersion{Channel: clip(cv.Spec.Channel, maxChannelLen)}
	if exactRelease(cv.Status.Desired.Version) {
		ov.Version = cv.Status.Desired.Version
		return ov, nil
	}
	for _, h := range cv.Status.History {
		if h.State == "Completed" && exactRelease(h.Version) {
			ov.Version = h.Version
			break
		}
	}
	return ov, nil
}

// exactRelease accepts a release as OpenShift names them (4.18.3,
// 4.19.0-rc.2): major.minor.patch, short enough to be one.
func exactRelease(v string) bool {
	if v == "" || len(v) > maxVersionLen || v[0] < '0' || v[0] > '9' {
		return false
	}
	_, err := ParseVersion(v)
	return err == nil
}
