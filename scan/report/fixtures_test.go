package report

import (
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// Hand-built results, one of each shape a report must read well for. They
// are built by hand rather than judged so that a change to the data or the
// rules cannot silently change what these tests check.

var (
	fixtureAt   = time.Date(2026, 11, 26, 9, 30, 5, 0, time.UTC)
	fixtureData = DataInfo{
		Origin: "embedded snapshot", SnapshotDate: "2026-07-01", DataAsOf: "2026-06-30",
		Stale: "data as of 2026-06-30 is 149 days old (over 90): run `kubesurface data update`",
	}
)

const (
	hostile        = "<script>alert(1)</script>"
	piped          = "reason with a | pipe"
	removedAPI     = "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"
	restrictCmd    = `aws eks update-cluster-config --region REGION --name CLUSTER --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true`
	leakedSAN      = "ip-10-0-1-5.ec2.internal"
	certSHA        = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	authFailure    = "the server has asked for the client to provide credentials"
	connectFailure = "connect 203.0.113.99:6443: connection refused"
)

// exposedEKS is an Internet-facing EKS cluster in extended support whose
// /version is open, with CVEs, kubelet skew and full advice.
func exposedEKS() scan.Result {
	return scan.Result{
		APIVersion: scan.APIVersion,
		Target: scan.Ref{Name: "prod-eks", Source: scan.SourceKubeconfig, Context: "prod-eks",
			URL: "https://ABCD1234.gr7.eu-west-1.eks.amazonaws.com", Host: "ABCD1234.gr7.eu-west-1.eks.amazonaws.com", Port: 443},
		State: scan.StateDone, Phase: scan.PhaseDone,
		StartedAt: fixtureAt.Add(-2 * time.Second), FinishedAt: fixtureAt, DurationMS: 1834,
		Addresses: []scan.Address{{IP: "203.0.113.10", Class: "public"}, {IP: "203.0.113.11", Class: "public"}},
		Connect:   &scan.Connect{Address: "203.0.113.10:443", LatencyMS: 21},
		TLS: &scan.TLS{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ALPN: "h2", ClientCertRequested: true, LatencyMS: 44,
			Chain: []scan.Certificate{
				{Subject: "CN=kube-apiserver", Issuer: "CN=kubernetes", DNSNames: []string{"kubernetes", "kubernetes.default.svc", leakedSAN},
					IPAddresses: []string{"10.100.0.1"}, KeyType: "RSA", KeyBits: 2048,
					NotBefore: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), SHA256: certSHA},
				{Subject: "CN=kubernetes", Issuer: "CN=kubernetes", KeyType: "RSA", KeyBits: 2048, IsCA: true,
					NotBefore: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2034, 1, 2, 0, 0, 0, 0, time.UTC), SHA256: "aa11"},
			},
			LeakedSANs: []string{leakedSAN, "10.100.0.1"}, Kubernetes: true, Flavour: "eks",
			Findings: []string{"SANs leak internal names: " + leakedSAN}},
		Anonymous: []scan.Request{
			{Path: "/version", Status: 200, LatencyMS: 31, Bytes: 263, ContentType: "application/json",
				Summary: map[string]string{"gitVersion": "v1.29.3-eks-adc7111", "recognised": "true"}},
			{Path: "/healthz", Status: 200, LatencyMS: 12, Bytes: 2, Summary: map[string]string{"body": "ok"}},
			{Path: "/api/v1/namespaces", Status: 401, LatencyMS: 14, Bytes: 129,
				Summary: map[string]string{"reason": "Unauthorized", "message": "Unauthorized"}},
			{Path: "/openapi/v2", LatencyMS: 5000, Error: "timed out"},
		},
		Version: &scan.Version{GitVersion: "v1.29.3-eks-adc7111", Semver: "1.29.3", Minor: "1.29", Source: "anonymous",
			BuildDate: "2024-03-12T00:00:00Z", GoVersion: "go1.21.8", Platform: "linux/amd64"},
		Auth: &scan.Auth{User: "arn:aws:iam::111122223333:user/alice", Groups: []string{"system:authenticated"},
			ServerVersion: "v1.29.3-eks-adc7111", LatencyMS: 230,
			Nodes: []scan.Node{{Name: "ip-10-0-1-5.ec2.internal", KubeletVersion: "v1.25.16-eks-1", MinorsBehind: 4}},
			Skew:  &scan.Skew{OldestKubelet: "v1.25.16-eks-1", NewestKubelet: "v1.25.16-eks-1", MaxBehind: 4, Violations: []string{"ip-10-0-1-5.ec2.internal (v1.25.16-eks-1, 4 minors behind)"}}},
		Dist:     scan.Distribution{Name: scan.DistEKS, Evidence: []string{"version suffix -eks-", "host .eks.amazonaws.com"}},
		Exposure: scan.Exposure{Reach: "public", Access: "version", Level: "high", Reasons: []string{"public address 203.0.113.10", "/version answers anonymously: v1.29.3-eks-adc7111"}},
		Urgency: &scan.Urgency{Level: "high", Reason: "1.29 is in EKS extended support until 2026-03-23",
			Reasons:  []string{"1.29 is in EKS extended support until 2026-03-23", "CVE-2024-3177 (high) is fixed in 1.29.4", "kubelet ip-10-0-1-5.ec2.internal is outside the skew policy"},
			Rules:    []string{"extended-support", "high-cve", "kubelet-skew"},
			JudgedAt: "2026-11-26", DataAsOf: "2026-06-30",
			Lifecycle: &scan.Lifecycle{Calendar: "eks", Minor: "1.29", Phase: "extended", ReleaseDate: "2024-01-23",
				EndOfStandardSupport: "2025-03-23", EndOfExtendedSupport: "2027-03-23", DaysLeft: 117, Provider: "EKS upgrades clusters at the end of extended support"},
			NewestMinor: "1.33", MinorsBehind: 4,
			CVEs: []scan.CVERef{
				{ID: "CVE-2024-3177", Title: "Bypassing mountable secrets policy", Severity: "high", Score: 2.7, FixedIn: []string{"1.29.4"}, URL: "https://github.com/kubernetes/kubernetes/issues/124336"},
				{ID: "CVE-2023-5528", Title: "Windows node escalation", Severity: "medium", Unfixed: true, URL: "javascript:alert(1)"},
			},
			WorstCVE: "high", Priority: 90},
		Advice: &scan.Advice{
			Path: []scan.Hop{{From: "1.29", To: "1.30"}, {From: "1.30", To: "1.31"}, {From: "1.31", To: "1.32", Removes: []string{removedAPI}}, {From: "1.32", To: "1.33"}},
			Restrict: []scan.Step{
				{Title: "EKS: or make the endpoint private", Commands: []string{restrictCmd}},
				{Title: "Stop disclosing the version to anonymous users", Commands: []string{"# kube-apiserver: --anonymous-auth=false"}},
			},
			Cadence: "upgrade every 3 months, one minor at a time",
			Notes:   []string{"CVEs are matched on the upstream base version 1.29.3; eks may have back-ported fixes"},
		},
	}
}

// unreachable is an endpoint that refused the connection: almost nothing
// is known, and the report must say so rather than print empty sections.
func unreachable() scan.Result {
	return scan.Result{
		APIVersion: scan.APIVersion,
		Target:     scan.Ref{Name: "203.0.113.99:6443", Source: scan.SourceEndpoint, URL: "https://203.0.113.99:6443", Host: "203.0.113.99", Port: 6443},
		State:      scan.StateFailed, Phase: scan.PhaseDone,
		Addresses: []scan.Address{{IP: "203.0.113.99", Class: "public"}},
		Connect:   &scan.Connect{Address: "203.0.113.99:6443", Error: connectFailure},
		Dist:      scan.Distribution{Name: scan.DistUnknown},
		Exposure:  scan.Exposure{Reach: "public", Access: "unreachable", Level: "none", Reasons: []string{"no TCP connection"}},
		Urgency: &scan.Urgency{Level: "unknown", Reason: "the version is not visible", Reasons: []string{"the version is not visible"},
			JudgedAt: "2026-11-26", DataAsOf: "2026-06-30"},
		Advice: &scan.Advice{Cadence: "upgrade every 3 months, one minor at a time"},
		Errors: []scan.PhaseFailure{{Phase: scan.PhaseConnect, Error: connectFailure}},
	}
}

// authFailed is a kubeconfig context whose credentials the server refused;
// its name and one anonymous answer are hostile, to test escaping.
func authFailed() scan.Result {
	return scan.Result{
		APIVersion: scan.APIVersion,
		Target:     scan.Ref{Name: "dev " + hostile, Source: scan.SourceKubeconfig, Context: "dev " + hostile, URL: "https://10.0.0.5:6443", Host: "10.0.0.5", Port: 6443},
		State:      scan.StateDone, Phase: scan.PhaseDone,
		Addresses: []scan.Address{{IP: "10.0.0.5", Class: "private"}},
		Connect:   &scan.Connect{Address: "10.0.0.5:6443", LatencyMS: 1},
		TLS:       &scan.TLS{Version: "TLS 1.2", Kubernetes: true, Flavour: "kubeadm"},
		Anonymous: []scan.Request{
			{Path: "/version", Status: 403, LatencyMS: 2, Bytes: 300,
				Summary: map[string]string{"reason": "Forbidden", "message": "forbidden " + hostile + "\nsecond line", "anonymousAuthenticated": "true"}},
		},
		Auth:     &scan.Auth{Error: authFailure, ErrorKind: scan.AuthUnauthorized, LatencyMS: 9},
		Dist:     scan.Distribution{Name: scan.DistKubeadm, Evidence: []string{"kubeadm certificate"}},
		Exposure: scan.Exposure{Reach: "private", Access: "tls", Level: "low", Reasons: []string{piped, "anonymous authentication is enabled"}},
		Urgency: &scan.Urgency{Level: "unknown", Reason: piped, Reasons: []string{piped},
			JudgedAt: "2026-11-26", DataAsOf: "2026-06-30"},
		Advice: &scan.Advice{Cadence: "upgrade every 3 months, one minor at a time"},
	}
}

func fixtures() []scan.Result {
	return []scan.Result{exposedEKS(), unreachable(), authFailed()}
}
