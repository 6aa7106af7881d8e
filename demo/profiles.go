package demo

import (
	"crypto/x509/pkix"

	"k8s.io/apimachinery/pkg/version"
)

// anonymity is how a server treats a request without credentials.
type anonymity int

const (
	// anonymousOff is --anonymous-auth=false: every request without
	// credentials gets 401, health checks included.
	anonymousOff anonymity = iota
	// anonymousLimited is anonymous authentication restricted to some
	// paths (AuthenticationConfiguration's anonymous.conditions, GKE's
	// LIMITED mode): those answer, every other path gets 401.
	anonymousLimited
	// anonymousOn is kube-apiserver's default: the request becomes
	// system:anonymous and RBAC decides, so what is not granted gets 403
	// naming system:anonymous.
	anonymousOn
)

// Paths anonymous users may read, as RBAC or the authenticator grants them.
var (
	healthOnly = []string{"/healthz", "/livez", "/readyz"}
	// publicInfo is what the system:public-info-viewer ClusterRole grants
	// system:unauthenticated on every cluster that keeps the default.
	publicInfo = []string{"/healthz", "/livez", "/readyz", "/version", "/version/"}
)

// oauthDiscovery is where OpenShift publishes its OAuth server's metadata,
// readable without credentials.
const oauthDiscovery = "/.well-known/oauth-authorization-server"

// profile is everything one demo server imitates.
type profile struct {
	name  string
	shows string
	info  version.Info
	cert  certSpec
	// anonymous and allowed decide every anonymous answer; allowAll is a
	// cluster-admin binding for system:anonymous.
	anonymous anonymity
	allowed   []string
	allowAll  bool
	// advertise is the address the cluster believes it serves on, as
	// discovery and the OIDC document repeat it.
	advertise string
	issuer    string
	// oauth is the issuer of OpenShift's OAuth server, whose discovery
	// document OpenShift serves to anyone; empty elsewhere.
	oauth      string
	namespaces []string
	groups     []string
	// standsFor is the public address the demo presents this server as
	// (a documentation address, RFC 5737): the scan judges its reach as
	// public, and the row says it is simulated. Empty: shown as what it
	// is, a server on loopback.
	standsFor string
}

// apiServerNames are the in-cluster names every API server certificate
// carries for the kubernetes Service.
var apiServerNames = []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}

func names(extra ...string) []string {
	return append(append([]string(nil), extra...), apiServerNames...)
}

// profiles are the fleet, in the order it is listed. The versions and names
// are those real clusters of each kind report; the urgency they draw
// depends on the date and the data, the exposure only on these answers.
var profiles = []profile{
	{
		name:  "demo-eks",
		shows: "EKS 1.30 on a public endpoint: anonymous /version open (the EKS default), node name and VPC addresses in the certificate",
		info: info("1", "30+", "v1.30.14-eks-7bfd1a2", "7bfd1a2c0e56d8a34b7f29e1c4d8a6b5f3e2c190",
			"2025-06-18T20:19:46Z", "go1.23.10"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "kubernetes"},
			subject: pkix.Name{CommonName: "kube-apiserver"},
			dns: names("ip-192-168-77-14.ec2.internal",
				"8E4C2F1A9B3D7E6F0A5C1B2D3E4F5A6B.gr7.us-east-1.eks.amazonaws.com"),
			ips: []string{"10.100.0.1", "192.168.77.14"},
		},
		anonymous: anonymousOn,
		allowed:   publicInfo,
		advertise: "192.168.77.14:443",
		issuer:    "https://oidc.eks.us-east-1.amazonaws.com/id/8E4C2F1A9B3D7E6F0A5C1B2D3E4F5A6B",
		// EKS's default: a public endpoint.
		standsFor: "203.0.113.10",
	},
	{
		name:  "demo-gke",
		shows: "GKE 1.33 on a public endpoint: anonymous access limited to health checks, 401 elsewhere",
		info: info("1", "33+", "v1.33.5-gke.1080000", "d3a6e17f9b0c52e48a1f6c7d2e9b0a4c5f8e1d36",
			"2025-09-24T04:12:55Z", "go1.24.6 X:boringcrypto", "1", "32"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "3b0d4e8f-6a2c-4f1e-9d7b-5c8a1e2f3b4c"},
			subject: pkix.Name{CommonName: "kube-apiserver"},
			dns:     names(),
			ips:     []string{"10.8.0.1", "10.128.0.2"},
		},
		anonymous: anonymousLimited,
		allowed:   healthOnly,
		advertise: "10.128.0.2:443",
		issuer:    "https://container.googleapis.com/v1/projects/demo-project/locations/europe-west1/clusters/prod",
		standsFor: "203.0.113.20",
	},
	{
		name:  "demo-aks",
		shows: "AKS 1.32 on a public endpoint: anonymous auth off (401 everywhere); only the certificate says AKS, the version stays hidden",
		info: info("1", "32", "v1.32.7", "158eee9fac884b429a92465edd0d88a43f81de34",
			"2025-07-15T18:38:22Z", "go1.23.10"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "ca"},
			subject: pkix.Name{CommonName: "apiserver"},
			dns: names("prod-weu-dns-8b1d2e4f.hcp.westeurope.azmk8s.io",
				"hcp-kubernetes.64b7f1c2e9d3a80001a2b3c4.svc.cluster.local"),
			ips: []string{"10.0.0.1"},
		},
		anonymous: anonymousOff,
		advertise: "10.224.0.4:443",
		issuer:    "https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/8b1d2e4f/",
		standsFor: "203.0.113.30",
	},
	{
		name:  "demo-k3s",
		shows: "k3s 1.31: anonymous-auth turned on for load-balancer health checks, so /version is open too",
		info: info("1", "31", "v1.31.4+k3s1", "a562d090b0f4e3c5e2b7c4d1e8f9a0b1c2d3e4f5",
			"2024-12-10T22:57:26Z", "go1.22.9"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "k3s-server-ca@1700000000"},
			subject: pkix.Name{CommonName: "k3s", Organization: []string{"k3s"}},
			dns:     names("edge-node-01", "localhost"),
			ips:     []string{"10.43.0.1", "127.0.0.1", "192.168.1.50", "::1"},
		},
		anonymous: anonymousOn,
		allowed:   publicInfo,
		advertise: "192.168.1.50:6443",
		issuer:    "https://kubernetes.default.svc.cluster.local",
	},
	{
		name:  "demo-openshift",
		shows: "OpenShift 4.15 (Kubernetes 1.28): past the end of all support; /version open",
		info: info("1", "28", "v1.28.9+2f7b992", "2f7b992a8c35e0f4d1b6a97c0e2f4d5b8a1c3e6f",
			"2024-06-26T15:21:56Z", "go1.20.12 X:strictfipsruntime"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "kube-apiserver-lb-signer", OrganizationalUnit: []string{"openshift"}},
			subject: pkix.Name{CommonName: "api.ocp-prod.example.com"},
			dns:     []string{"api.ocp-prod.example.com"},
		},
		anonymous: anonymousOn,
		allowed:   publicInfo,
		advertise: "10.0.42.10:6443",
		issuer:    "https://kubernetes.default.svc",
	},
	{
		name:  "demo-openshift-named",
		shows: "OpenShift 4.18 (Kubernetes 1.31) behind a named certificate: a plain upstream version; only its anonymous OAuth discovery says OpenShift (on EUS)",
		info: info("1", "31", "v1.31.8", "5b3d8e1f0a9c7b2d4e6f8a0c1e3b5d7f9a2c4e6b",
			"2025-08-05T11:20:31Z", "go1.22.12 (Red Hat 1.22.12-2.el9_5) X:strictfipsruntime"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "Example Corp Issuing CA 2", Organization: []string{"Example Corp"}},
			subject: pkix.Name{CommonName: "api.ocp-lab.example.com"},
			dns:     []string{"api.ocp-lab.example.com"},
		},
		anonymous: anonymousOn,
		allowed:   append([]string{oauthDiscovery}, publicInfo...),
		advertise: "10.0.7.10:6443",
		issuer:    "https://kubernetes.default.svc",
		oauth:     "https://oauth-openshift.apps.ocp-lab.example.com",
	},
	{
		name:  "demo-kubeadm",
		shows: "kubeadm 1.35: anonymous on but RBAC grants only health checks; /version is 403",
		info: info("1", "35", "v1.35.2", "f1e3a7c94b2d6e80c5a19f3b7d2e4c6a8b0f1d35",
			"2026-02-26T10:03:11Z", "go1.25.7", "1", "34"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "kubernetes"},
			subject: pkix.Name{CommonName: "kube-apiserver"},
			dns:     names("control-plane-1"),
			ips:     []string{"10.96.0.1", "192.168.10.21"},
		},
		anonymous: anonymousOn,
		allowed:   healthOnly,
		advertise: "192.168.10.21:6443",
		issuer:    "https://kubernetes.default.svc.cluster.local",
	},
	{
		name:  "demo-rke2-open",
		shows: "RKE2 lab on a public address with cluster-admin bound to system:anonymous: anyone lists namespaces, metrics and the OpenAPI document",
		info: info("1", "36", "v1.36.4+rke2r1", "6c0f2b8e3d9a7415f2c8e0b6a4d1f3c5e7a9b2d4",
			"2026-08-20T17:41:08Z", "go1.26.5 X:boringcrypto", "1", "35"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "rke2-server-ca@1712345678"},
			subject: pkix.Name{CommonName: "kube-apiserver", Organization: []string{"rke2"}},
			dns:     names("lab-server-1", "localhost"),
			ips:     []string{"10.43.0.1", "127.0.0.1", "172.16.20.5"},
		},
		anonymous:  anonymousOn,
		allowAll:   true,
		advertise:  "172.16.20.5:6443",
		issuer:     "https://kubernetes.default.svc.cluster.local",
		namespaces: []string{"cattle-system", "default", "kube-node-lease", "kube-public", "kube-system", "monitoring", "payments", "prod", "staging"},
		groups:     []string{"helm.cattle.io/v1", "k3s.cattle.io/v1", "metrics.k8s.io/v1beta1"},
		// The lab was given a public address "for a quick test".
		standsFor: "203.0.113.50",
	},
	{
		name:  "demo-expired",
		shows: "kubeadm 1.33 left alone for over a year: its API server certificate expired 40 days ago",
		info: info("1", "33", "v1.33.5", "8ff8c9ad2a1e5e4b7c3d0f6a9b2e4c1d7f3a5b80",
			"2025-09-09T19:44:50Z", "go1.24.6", "1", "32"),
		cert: certSpec{
			ca:      pkix.Name{CommonName: "kubernetes"},
			subject: pkix.Name{CommonName: "kube-apiserver"},
			dns:     names("homelab-cp"),
			ips:     []string{"10.96.0.1", "192.168.0.40"},
			expired: true,
		},
		anonymous: anonymousOn,
		allowed:   publicInfo,
		advertise: "192.168.0.40:6443",
		issuer:    "https://kubernetes.default.svc.cluster.local",
	},
}

// info builds a /version answer. Servers from 1.33 on also report their
// emulation and minimum compatibility versions, given as the last two
// arguments (the compatibility minor; emulation equals the binary's).
func info(major, minor, git, commit, built, goVersion string, compat ...string) version.Info {
	v := version.Info{
		Major: major, Minor: minor, GitVersion: git, GitCommit: commit, GitTreeState: "clean",
		BuildDate: built, GoVersion: goVersion, Compiler: "gc", Platform: "linux/amd64",
	}
	if len(compat) == 2 {
		v.EmulationMajor, v.EmulationMinor = major, minor
		v.MinCompatibilityMajor, v.MinCompatibilityMinor = compat[0], compat[1]
	}
	return v
}
