package scan

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	utilversion "k8s.io/apimachinery/pkg/util/version"
)

// Distributions, as in Distribution.Name.
const (
	DistEKS       = "eks"
	DistGKE       = "gke"
	DistAKS       = "aks"
	DistK3s       = "k3s"
	DistRKE2      = "rke2"
	DistOpenShift = "openshift"
	DistMinikube  = "minikube"
	DistKind      = "kind"
	DistKubeadm   = "kubeadm"
	// DistEKSD is EKS Distro or EKS Anywhere: Amazon's build of Kubernetes
	// run by its owner, with upstream's calendar and no one upgrading it.
	DistEKSD         = "eks-d"
	DistDigitalOcean = "doks"
	DistLKE          = "lke"
	DistOKE          = "oke"
	DistUnknown      = "unknown"
)

// Anonymous access levels, from least to most.
const (
	AccessUnknown     = "unknown"
	AccessUnreachable = "unreachable"
	AccessTLS         = "tls"
	AccessHealth      = "health"
	AccessVersion     = "version"
	AccessDiscovery   = "discovery"
	AccessRead        = "read"
)

// Exposure levels, shared with the urgency scale.
const (
	LevelCritical = "critical"
	LevelHigh     = "high"
	LevelMedium   = "medium"
	LevelLow      = "low"
	LevelNone     = "none"
)

// ParsedVersion is a gitVersion reduced to what support windows speak of.
type ParsedVersion struct {
	Semver                 string // 1.29.3
	Minor                  string // 1.29
	Major, MinorNum, Patch uint
	// Suffix is whatever followed the patch (-eks-adc7111, +k3s1).
	Suffix string
}

// ParseVersion reads a server's gitVersion with apimachinery's parser, the
// one Kubernetes itself uses, so provider suffixes are handled as upstream
// handles them.
func ParseVersion(git string) (ParsedVersion, error) {
	v, err := utilversion.ParseGeneric(git)
	if err != nil {
		return ParsedVersion{}, fmt.Errorf("version %q: %w", git, err)
	}
	if len(v.Components()) < 3 {
		return ParsedVersion{}, fmt.Errorf("version %q: no patch number", git)
	}
	p := ParsedVersion{
		Semver: fmt.Sprintf("%d.%d.%d", v.Major(), v.Minor(), v.Patch()),
		Minor:  fmt.Sprintf("%d.%d", v.Major(), v.Minor()),
		Major:  v.Major(), MinorNum: v.Minor(), Patch: v.Patch(),
	}
	if sv, err := utilversion.ParseSemantic(git); err == nil {
		switch {
		case sv.PreRelease() != "":
			p.Suffix = "-" + sv.PreRelease()
		case sv.BuildMetadata() != "":
			p.Suffix = "+" + sv.BuildMetadata()
		}
	}
	return p, nil
}

var openshiftBuild = regexp.MustCompile(`^\+[0-9a-f]{7,}$`)

// distFromVersion reads the distribution from a gitVersion suffix.
func distFromVersion(git string) (string, string) {
	p, err := ParseVersion(git)
	if err != nil {
		return "", ""
	}
	s := p.Suffix
	switch {
	case strings.HasPrefix(s, "-eks-"):
		return DistEKS, fmt.Sprintf("version %s has the -eks- suffix", git)
	case strings.HasPrefix(s, "-gke."):
		return DistGKE, fmt.Sprintf("version %s has the -gke. suffix", git)
	case strings.HasPrefix(s, "+k3s"):
		return DistK3s, fmt.Sprintf("version %s has the +k3s suffix", git)
	case strings.HasPrefix(s, "+rke2"):
		return DistRKE2, fmt.Sprintf("version %s has the +rke2 suffix", git)
	case openshiftBuild.MatchString(s):
		return DistOpenShift, fmt.Sprintf("version %s carries a commit as build metadata, as OpenShift builds do", git)
	}
	return "", ""
}

// providerHosts are host suffixes that give a managed service away.
var providerHosts = []struct{ suffix, dist string }{
	{".eks.amazonaws.com", DistEKS},
	{".eks.amazonaws.com.cn", DistEKS},
	{".azmk8s.io", DistAKS},
	{".gke.goog", DistGKE},
	{".openshiftapps.com", DistOpenShift},
	{".aroapp.io", DistOpenShift},
	// DOKS: https://<cluster uuid>.k8s.ondigitalocean.com; LKE:
	// https://<uuid>.<region>[-gw].linodelke.net. OKE's API endpoints are
	// bare IP addresses (public or private), so no host name tells OKE.
	{".k8s.ondigitalocean.com", DistDigitalOcean},
	{".linodelke.net", DistLKE},
}

func distFromHost(host string) (string, string) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range providerHosts {
		if strings.HasSuffix(h, p.suffix) {
			return p.dist, fmt.Sprintf("host %s ends in %s", host, p.suffix)
		}
	}
	return "", ""
}

// Weights of distribution evidence, strongest first.
const (
	// weightOwnWord is the server's own word: OpenShift's ClusterVersion,
	// the version suffix of the build it runs.
	weightOwnWord = iota
	// weightOAuth is OpenShift's OAuth server announcing itself.
	weightOAuth
	// weightNodes is the managed service's labels on the nodes it runs.
	weightNodes
	// weightHost is the provider's name for the API endpoint.
	weightHost
	// weightCert is the certificate's shape: a hint, since anyone can
	// issue a certificate of any shape.
	weightCert
)

// claim is one piece of evidence naming a distribution.
type claim struct {
	name, why string
	weight    int
}

// distClaims gathers every piece of evidence, strongest first.
func distClaims(r *Result) []claim {
	var out []claim
	add := func(w int, name, why string) {
		if name != "" {
			out = append(out, claim{name: name, why: why, weight: w})
		}
	}
	if a := r.Auth; a != nil && a.OpenShift != nil {
		why := "the ClusterVersion (config.openshift.io) is readable"
		if a.OpenShift.Version != "" {
			why = fmt.Sprintf("ClusterVersion says OpenShift %s", a.OpenShift.Version)
		}
		if a.OpenShift.Channel != "" {
			why += fmt.Sprintf(" (channel %s)", a.OpenShift.Channel)
		}
		add(weightOwnWord, DistOpenShift, why)
	}
	if r.Version != nil {
		name, why := distFromVersion(r.Version.GitVersion)
		add(weightOwnWord, name, why)
	}
	name, why := distFromOAuth(r)
	add(weightOAuth, name, why)
	if r.Auth != nil {
		for _, c := range countProviders(r.Auth.Nodes) {
			if _, bare := bareClouds[c.provider]; !bare {
				add(weightNodes, c.provider, nodesLine(c, len(r.Auth.Nodes)))
			}
		}
	}
	name, why = distFromHost(r.Target.Host)
	add(weightHost, name, why)
	if r.TLS != nil && r.TLS.Flavour != "" {
		add(weightCert, r.TLS.Flavour, fmt.Sprintf("certificate is shaped like %s's", r.TLS.Flavour))
	}
	return out
}

// judgeDistribution names the distribution the strongest evidence gives
// (see the weights) and shows the rest: what agrees as Evidence, what
// points elsewhere as Against, so that a conflict is seen rather than
// silently outvoted. An -eks- build is EKS only where something beyond
// the build says Amazon runs it; behind a certificate of its own it is
// EKS Distro or EKS Anywhere (eks-d), which its owner upgrades.
func judgeDistribution(r *Result) Distribution {
	d := Distribution{Name: DistUnknown}
	claims := distClaims(r)
	if len(claims) == 0 {
		return d
	}
	d.Name = claims[0].name
	eksd := d.Name == DistEKS && selfManagedEKS(r, claims)
	if eksd {
		d.Name = DistEKSD
	}
	for _, c := range claims {
		switch {
		case c.name == d.Name:
			d.Evidence = append(d.Evidence, c.why)
		case eksd && c.name == DistEKS:
			d.Evidence = append(d.Evidence, c.why+": Amazon's build of Kubernetes")
		case eksd && c.weight == weightCert && c.name == DistKubeadm:
			d.Evidence = append(d.Evidence, c.why+", as EKS Anywhere's are; EKS's own name its .eks.amazonaws.com endpoint")
		default:
			d.Against = append(d.Against, fmt.Sprintf("%s: %s", c.name, c.why))
		}
	}
	if eksd {
		d.Evidence = append(d.Evidence, "no EKS host name, EKS node labels or EKS-shaped certificate: not Amazon's managed EKS")
		d.Against = append(d.Against, "eks: the managed EKS service reports -eks- builds too; only the certificate, host name and nodes tell them apart, and a proxy in front of EKS would look the same")
	}
	d.Evidence, d.Against = append(d.Evidence, cloudLines(r, d.Name, true)...), append(d.Against, cloudLines(r, d.Name, false)...)
	return d
}

// selfManagedEKS: the -eks- build runs behind a certificate that is there
// and not EKS's, and neither the host name nor the nodes say EKS.
func selfManagedEKS(r *Result, claims []claim) bool {
	if r.TLS == nil || r.TLS.Plaintext || r.TLS.Error != "" || r.TLS.Flavour == DistEKS || !r.TLS.Kubernetes && len(r.TLS.Chain) == 0 {
		return false
	}
	for _, c := range claims {
		if c.name == DistEKS && c.weight != weightOwnWord {
			return false
		}
	}
	return true
}

// cloudLines are the nodes that run on a bare cloud, where the verdict is
// one cloud's managed service: for it when the cloud is that service's
// (agree), against it when it is another's or a local tool's.
func cloudLines(r *Result, dist string, agree bool) []string {
	if r.Auth == nil || dist == DistUnknown {
		return nil
	}
	var out []string
	for _, c := range countProviders(r.Auth.Nodes) {
		managed, bare := bareClouds[c.provider]
		if !bare {
			continue
		}
		match := managed == dist
		mismatch := dist == DistKind || dist == DistMinikube || !match && slices.Contains(managedServices, dist)
		switch {
		case agree && match:
			out = append(out, nodesLine(c, len(r.Auth.Nodes)))
		case !agree && mismatch:
			out = append(out, fmt.Sprintf("%s: %s", c.provider, nodesLine(c, len(r.Auth.Nodes))))
		}
	}
	return out
}

// managedServices are the distributions a provider runs for its customer.
var managedServices = []string{DistEKS, DistGKE, DistAKS, DistDigitalOcean, DistLKE, DistOKE}

// judgeExposure rates what an anonymous stranger gets, from the requests
// actually made: the highest access reached decides, and the address class
// says how many strangers there are.
func judgeExposure(r *Result) Exposure {
	e := Exposure{Reach: widestReach(r.Addresses), Access: AccessUnknown}
	ok := func(path string) bool {
		for _, q := range r.Anonymous {
			if q.Path == path && q.Status == http.StatusOK && q.Summary["recognised"] == "true" {
				return true
			}
		}
		return false
	}
	switch {
	case r.Connect == nil || r.Connect.Error != "":
		e.Access = AccessUnreachable
		e.Reasons = append(e.Reasons, "no TCP connection")
	case ok("/api/v1/namespaces"):
		e.Access = AccessRead
		e.Reasons = append(e.Reasons, "anonymous users can list namespaces")
	case ok("/api") || ok("/apis") || ok("/openapi/v2") || ok("/metrics"):
		e.Access = AccessDiscovery
		var open []string
		for _, p := range []string{"/api", "/apis", "/openapi/v2", "/metrics"} {
			if ok(p) {
				open = append(open, p)
			}
		}
		e.Reasons = append(e.Reasons, "anonymous users can read "+strings.Join(open, ", "))
	case r.Version != nil && r.Version.Source == "anonymous":
		e.Access = AccessVersion
		e.Reasons = append(e.Reasons, "anonymous /version discloses "+r.Version.GitVersion)
	case ok("/healthz") || ok("/livez") || ok("/readyz"):
		e.Access = AccessHealth
		e.Reasons = append(e.Reasons, "only health endpoints answer anonymous users")
	case r.TLS != nil && (r.TLS.Error == "" || r.TLS.Plaintext):
		e.Access = AccessTLS
		e.Reasons = append(e.Reasons, "only the TLS handshake (certificate fingerprint) is visible")
	default:
		e.Access = AccessUnreachable
		e.Reasons = append(e.Reasons, "port open but no TLS or HTTP answer")
	}
	if r.TLS != nil && r.TLS.Plaintext {
		e.Reasons = append(e.Reasons, "serves plain HTTP: anything sent can be read on the way")
	}
	for _, q := range r.Anonymous {
		if q.Summary["anonymousAuthenticated"] == "true" {
			e.Reasons = append(e.Reasons, "anonymous authentication is enabled (403 to system:anonymous)")
			break
		}
	}
	for _, a := range r.Addresses {
		if a.Simulated {
			e.Reasons = append(e.Reasons, fmt.Sprintf("simulated: a demo server on loopback standing for %s, judged as if it were there", a.IP))
			break
		}
	}
	e.Level = exposureLevel(e.Reach, e.Access)
	if r.TLS != nil && r.TLS.Plaintext && e.Level != LevelNone {
		e.Level = raise(e.Level)
	}
	e.Reasons = append([]string{fmt.Sprintf("%s reach, %s access", e.Reach, e.Access)}, e.Reasons...)
	return e
}

// exposureMatrix rates reach x access (docs/probes.md: "Exposure levels").
var exposureMatrix = map[string]map[string]string{
	ClassPublic:    {AccessTLS: LevelMedium, AccessHealth: LevelMedium, AccessVersion: LevelHigh, AccessDiscovery: LevelHigh, AccessRead: LevelCritical},
	ClassCGNAT:     {AccessTLS: LevelLow, AccessHealth: LevelLow, AccessVersion: LevelMedium, AccessDiscovery: LevelMedium, AccessRead: LevelHigh},
	ClassPrivate:   {AccessTLS: LevelLow, AccessHealth: LevelLow, AccessVersion: LevelMedium, AccessDiscovery: LevelMedium, AccessRead: LevelHigh},
	ClassLinkLocal: {AccessTLS: LevelLow, AccessHealth: LevelLow, AccessVersion: LevelLow, AccessDiscovery: LevelLow, AccessRead: LevelMedium},
	ClassLoopback:  {AccessTLS: LevelNone, AccessHealth: LevelLow, AccessVersion: LevelLow, AccessDiscovery: LevelLow, AccessRead: LevelMedium},
}

func exposureLevel(reach, access string) string {
	if l, ok := exposureMatrix[reach][access]; ok {
		return l
	}
	return LevelNone
}

var levelOrder = []string{LevelNone, LevelLow, LevelMedium, LevelHigh, LevelCritical}

// LevelRank orders levels: none 0 … critical 4; unknown words rank -1.
func LevelRank(l string) int {
	for i, x := range levelOrder {
		if x == l {
			return i
		}
	}
	return -1
}

func raise(l string) string {
	if i := LevelRank(l); i >= 0 && i < len(levelOrder)-1 {
		return levelOrder[i+1]
	}
	return l
}

// judge fills the verdicts from the evidence gathered.
func judge(r *Result) {
	if r.Version == nil && r.Auth != nil && r.Auth.ServerVersion != "" {
		r.Version = versionFrom(map[string]string{"gitVersion": r.Auth.ServerVersion}, "authenticated")
	}
	r.Dist = judgeDistribution(r)
	r.Exposure = judgeExposure(r)
	if r.Auth != nil && r.Auth.clusterVersionDenied {
		// A copy: the Auth is shared with updates already sent.
		a := *r.Auth
		a.clusterVersionDenied = false
		if r.Dist.Name == DistOpenShift {
			a.Warnings = append(slices.Clone(a.Warnings), "OpenShift ClusterVersion: permission denied (403): the exact OpenShift release and channel are unknown")
		}
		r.Auth = &a
	}
}
