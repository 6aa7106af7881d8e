package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// selfSignedServer serves h over TLS on 127.0.0.1 with a self-signed
// certificate for subject and the DNS names given (so its issuer is the
// subject: CN=kubernetes reads as kubeadm's CA), and stops with t.
func selfSignedServer(t *testing.T, subject pkix.Name, dns []string, h http.Handler) *httptest.Server {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      subject,
		DNSNames:     dns,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// openshiftOAuth is the OAuth discovery OpenShift's API server serves to
// anyone.
const openshiftOAuth = `{"issuer":"https://oauth-openshift.apps.ocp.example.com",` +
	`"authorization_endpoint":"https://oauth-openshift.apps.ocp.example.com/oauth/authorize",` +
	`"token_endpoint":"https://oauth-openshift.apps.ocp.example.com/oauth/token",` +
	`"scopes_supported":["user:full","user:info"],"response_types_supported":["code","token"]}`

// distributionServer is an API server with anonymous /version open, the
// OAuth discovery document oauth (none if ""), and 403 to system:anonymous
// everywhere else.
func distributionServer(t *testing.T, subject string, dns []string, git, oauth string) *httptest.Server {
	t.Helper()
	return selfSignedServer(t, pkix.Name{CommonName: subject}, dns, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/version":
			json.NewEncoder(w).Encode(map[string]string{"major": "1", "gitVersion": git, "platform": "linux/amd64"})
		case r.URL.Path == "/.well-known/oauth-authorization-server" && oauth != "":
			io.WriteString(w, oauth)
		default:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,`+
				`"message":"forbidden: User \"system:anonymous\" cannot get path %q"}`, r.URL.Path)
		}
	}))
}

// `scan -o json` of the real binary, at a fixed date, judges each
// distribution from the evidence its server gives: OpenShift 4.18 behind
// a named certificate by its OAuth discovery, a Cluster API control plane
// as kubeadm (not kind), kind as kind, and an -eks- build behind kubeadm's
// certificate as EKS Distro/Anywhere with the evidence against.
func TestScanJudgesDistributionFromEvidence(t *testing.T) {
	svc := []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	cases := []struct {
		name, subject string
		dns           []string
		git, oauth    string
		dist          string
		evidence      string
		against       string
		// The judgement at --now: the calendar it used, the level, a rule
		// that fired and a reason.
		calendar, level, phase, rule, reason string
	}{
		// OpenShift 4.18 ships 1.31: past maintenance support on
		// 2026-08-25, on EUS until 2027-02-25, never upstream's 1.31
		// (out of support since 2025-11-11, critical).
		{"openshift 4.18", "api.ocp.example.com", []string{"api.ocp.example.com"}, "v1.31.6", openshiftOAuth,
			scan.DistOpenShift, "names OpenShift's OAuth server", "",
			"openshift", "high", "extended", "extended-support", "OpenShift 4.18 (Kubernetes 1.31) left standard support on 2026-08-25; extended support ends 2027-02-25"},
		{"cluster api", "kubernetes", append(svc, "mgmt-control-plane-x7k2p", "localhost"), "v1.31.6", "",
			scan.DistKubeadm, "shaped like kubeadm", "",
			"kubernetes", "critical", "unsupported", "past-all-support", "1.31 is out of all support since 2025-11-11"},
		{"kind", "kubernetes", append(svc, "kind-control-plane", "localhost"), "v1.31.6", "",
			scan.DistKind, "shaped like kind", "",
			"kubernetes", "critical", "unsupported", "past-all-support", "1.31 is out of all support since 2025-11-11"},
		{"eks anywhere", "kubernetes", append(svc, "eksa-control-plane-4r8tz", "localhost"), "v1.29.3-eks-adc7111", "",
			scan.DistEKSD, "Amazon's build", "managed EKS service",
			"kubernetes", "critical", "unsupported", "past-all-support", "1.29 is out of all support since 2025-02-28"},
	}
	byURL := map[string]int{}
	args := []string{"scan", "--no-kubeconfig", "-o", "json", "--now", "2026-11-26", "--timeout", "5s"}
	for i, c := range cases {
		srv := distributionServer(t, c.subject, c.dns, c.git, c.oauth)
		byURL[srv.URL] = i
		args = append(args, srv.URL)
	}
	p := startBinary(t, nil, args...)
	if code := p.wait(t); code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, p.stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(p.stdout.String()), &doc); err != nil {
		t.Fatalf("%v\n%s", err, p.stdout.String())
	}
	if len(doc.Results) != len(cases) {
		t.Fatalf("%d results, want %d", len(doc.Results), len(cases))
	}
	for _, r := range doc.Results {
		i, ok := byURL[r.Target.URL]
		if !ok {
			t.Fatalf("result for %s, which was not scanned", r.Target.URL)
		}
		c := cases[i]
		t.Run(c.name, func(t *testing.T) {
			if r.Dist.Name != c.dist {
				t.Fatalf("distribution %+v, want %s", r.Dist, c.dist)
			}
			if !strings.Contains(strings.Join(r.Dist.Evidence, "\n"), c.evidence) {
				t.Errorf("evidence %q, want %q", r.Dist.Evidence, c.evidence)
			}
			if c.against != "" && !strings.Contains(strings.Join(r.Dist.Against, "\n"), c.against) {
				t.Errorf("against %q, want %q", r.Dist.Against, c.against)
			}
			if r.Exposure.Access != scan.AccessVersion {
				t.Errorf("access %s, want version: OAuth discovery is no access", r.Exposure.Access)
			}
			u := r.Urgency
			if u == nil || u.JudgedAt != "2026-11-26" || u.Lifecycle == nil {
				t.Fatalf("urgency %+v, want a judgement at --now", u)
			}
			if u.Lifecycle.Calendar != c.calendar || u.Level != c.level || u.Lifecycle.Phase != c.phase || !slices.Contains(u.Rules, c.rule) {
				t.Errorf("judged on the %s calendar: %s, %s, rules %v; want %s, %s, %s, rule %s (reasons %q)",
					u.Lifecycle.Calendar, u.Level, u.Lifecycle.Phase, u.Rules, c.calendar, c.level, c.phase, c.rule, u.Reasons)
			}
			if !strings.Contains(strings.Join(u.Reasons, "\n"), c.reason) {
				t.Errorf("reasons %q lack %q", u.Reasons, c.reason)
			}
			// A plain upstream version from a build OpenShift made: the
			// back-port note comes from the distribution recognised.
			if note := strings.Contains(strings.Join(r.Advice.Notes, "\n"), "back-ported"); note != (c.dist == scan.DistOpenShift || c.dist == scan.DistEKSD) {
				t.Errorf("back-port note %v for %s: %q", note, c.dist, r.Advice.Notes)
			}
		})
	}
}
