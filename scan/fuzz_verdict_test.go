package scan

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for what a server says about itself: its gitVersion, its
// anonymous answers and its certificate. A server is whoever answers on a
// port, so each of these parsers takes hostile input by design; each must
// end in one of the verdicts the judgement knows, with bounded values.

// distributions are the names a judgement may give, and flavours the
// certificate shapes (a subset, plus "" for none).
var (
	distributions = []string{DistEKS, DistEKSD, DistGKE, DistAKS, DistDigitalOcean, DistLKE, DistOKE, DistK3s, DistRKE2, DistOpenShift,
		DistMinikube, DistKind, DistKubeadm, DistUnknown}
	// nodeProviders are what Node.Provider may hold ("" for a silent node).
	nodeProviders = []string{"", DistEKS, DistGKE, DistAKS, DistDigitalOcean, DistLKE, DistOKE, DistKind,
		ProviderAWS, ProviderGCE, ProviderAzure, ProviderOCI}
	flavours = []string{"", DistK3s, DistRKE2, DistMinikube, DistOpenShift, DistEKS, DistAKS, DistKind, DistGKE, DistKubeadm}
)

var versionSeeds = []string{
	"v1.29.3-eks-adc7111", "v1.30.5-gke.1014001", "v1.27.4+k3s1", "v1.35.5+rke2r1", "v1.28.9+2f7b992", "v1.31.2",
	"v1.37.2", "v1.31.2+abc", "v1", "v1.29", "", "banana", "vX.Y.Z", "v1.2.3.4", "1.2.3", "v01.02.03", "v1.2.3-",
	"v1.2.3+", "v1.2.3-a+b", "v99999999999999999999.1.1", "v1.36.999", "v1.29.3-eks-\x1b[31m", "v1.2.3\u202e",
	"v1.2.3-gke.1+k3s1", "  v1.2.3  ", "v1.2.3\n", "v4294967296.0.0",
}

// FuzzParseVersion: an accepted gitVersion gives Semver and Minor that
// agree with its numbers and with each other, a suffix that starts with
// '-' or '+', and numbers that read back the same from Semver+Suffix; the
// distribution it names, if any, is a known one.
func FuzzParseVersion(f *testing.F) {
	for _, s := range versionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, git string) {
		dist, why := distFromVersion(git)
		if (dist == "") != (why == "") || dist != "" && !slices.Contains(distributions, dist) {
			t.Fatalf("distFromVersion(%q) = %q, %q", git, dist, why)
		}
		p, err := ParseVersion(git)
		if err != nil {
			checkMessage(t, err.Error())
			if p != (ParsedVersion{}) {
				t.Fatalf("ParseVersion(%q) = %+v with an error", git, p)
			}
			if dist != "" {
				t.Fatalf("an unparsable version %q names distribution %s", git, dist)
			}
			return
		}
		if p.Semver != fmt.Sprintf("%d.%d.%d", p.Major, p.MinorNum, p.Patch) || p.Minor != fmt.Sprintf("%d.%d", p.Major, p.MinorNum) {
			t.Fatalf("ParseVersion(%q) = %+v: Semver and Minor disagree with the numbers", git, p)
		}
		if !strings.HasPrefix(p.Semver, p.Minor+".") {
			t.Fatalf("ParseVersion(%q) = %+v: Semver is not of Minor", git, p)
		}
		if p.Suffix != "" && p.Suffix[0] != '-' && p.Suffix[0] != '+' {
			t.Fatalf("ParseVersion(%q): suffix %q", git, p.Suffix)
		}
		again, err := ParseVersion("v" + p.Semver + p.Suffix)
		if err != nil || again != p {
			t.Fatalf("ParseVersion(%q) = %+v, but v%s%s reads as %+v, %v", git, p, p.Semver, p.Suffix, again, err)
		}
		v := versionFrom(map[string]string{"gitVersion": git}, "anonymous")
		if v.Semver != p.Semver || v.Minor != p.Minor {
			t.Fatalf("versionFrom(%q) = %+v, ParseVersion %+v", git, v, p)
		}
	})
}

// FuzzDistribution: any gitVersion, ClusterVersion, OAuth issuer, nodes,
// host name and certificate shape give a known distribution, never a
// panic; the strongest evidence decides (the server's own word, then
// OpenShift's OAuth server, the nodes' labels, the host name, the
// certificate), an -eks- build is eks or eks-d, every verdict but
// unknown has evidence, and no piece of evidence is dropped: each is
// listed for the verdict or against it.
func FuzzDistribution(f *testing.F) {
	hosts := []string{"10.0.0.1", "x.gr7.us-west-2.eks.amazonaws.com", "foo.hcp.westeurope.azmk8s.io", "api.example.gke.goog",
		"api.x.openshiftapps.com.", "c.aroapp.io", "K8S.EKS.AMAZONAWS.COM.CN", "0d2f2d00-4615-4c30-8c61-c94ee188fe34.k8s.ondigitalocean.com",
		"b782cfdd-d88a-460f-938c-d9b989e3960f.eu-central-3-gw.linodelke.net"}
	for i, s := range versionSeeds {
		f.Add(s, "", "", []byte(nil), hosts[i%len(hosts)], "kubernetes", "kube-apiserver", "kubernetes.default,kind-control-plane,localhost")
	}
	f.Add("v1.31.2", "", "", []byte(nil), "10.0.0.1", "k3s-server-ca@1700000000", "k3s", "")
	f.Add("", "", "", []byte(nil), "", "9d3b3f4e-6c1a-4a2b-8f5e-0123456789ab", "34.1.2.3", "kubernetes.default")
	f.Add("v1.31.2", "", "", []byte(nil), "", "minikubeCA", "", "")
	// OpenShift 4.17+: a plain version, a named certificate, OAuth discovery.
	f.Add("v1.31.6", "", "https://oauth-openshift.apps.ocp.example.com", []byte(nil), "api.ocp.example.com", "R11", "api.ocp.example.com", "api.ocp.example.com")
	f.Add("v1.31.6", "4.18.3", "", []byte(nil), "api.ocp.example.com", "R11", "api.ocp.example.com", "api.ocp.example.com")
	// EKS Anywhere: an -eks- build behind kubeadm's certificate; and EKS itself.
	f.Add("v1.29.3-eks-adc7111", "", "", []byte{8, 8}, "10.0.0.1", "kubernetes", "kube-apiserver", "kubernetes.default,eksa-control-plane-abcde")
	f.Add("v1.29.3-eks-adc7111", "", "", []byte{1, 1, 8}, "10.0.0.1", "kubernetes", "kube-apiserver", "kubernetes.default,ip-10-0-1-5.ec2.internal")
	// Cluster API vs kind, with the nodes' word against the certificate.
	f.Add("v1.31.2", "", "", []byte{7, 7}, "127.0.0.1", "kubernetes", "kube-apiserver", "kubernetes.default,mgmt-control-plane-x7k2p,localhost")
	f.Add("v1.31.2", "", "", []byte{1, 2, 3, 4, 5, 6, 0, 9, 10, 11}, "127.0.0.1", "kubernetes", "kube-apiserver", "kubernetes.default,kind-control-plane,localhost")
	f.Fuzz(func(t *testing.T, git, openshift, issuer string, nodes []byte, host, issuerCN, subjectCN, sans string) {
		r := &Result{Target: Ref{Host: host}}
		if git != "" {
			r.Version = &Version{GitVersion: git}
		}
		if openshift != "" || len(nodes) > 0 {
			r.Auth = &Auth{}
			if openshift != "" {
				r.Auth.OpenShift = &OpenShiftVersion{Version: openshift}
			}
			for i, b := range nodes {
				r.Auth.Nodes = append(r.Auth.Nodes, Node{Name: strconv.Itoa(i), Provider: nodeProviders[int(b)%len(nodeProviders)]})
			}
		}
		if issuer != "" {
			body, _ := json.Marshal(map[string]string{"issuer": issuer, "authorization_endpoint": issuer + "/oauth/authorize", "token_endpoint": issuer + "/oauth/token"})
			r.Anonymous = append(r.Anonymous, Request{Path: oauthPath, Status: http.StatusOK, Summary: summarize(oauthPath, http.StatusOK, body, false)})
		}
		cert := &x509.Certificate{Issuer: pkix.Name{CommonName: issuerCN}, Subject: pkix.Name{CommonName: subjectCN}}
		if sans != "" {
			cert.DNSNames = strings.Split(sans, ",")
		}
		k8s, flavour := kubernetesShape(cert)
		r.TLS = &TLS{Kubernetes: k8s, Flavour: flavour}
		d := judgeDistribution(r)
		if !slices.Contains(distributions, d.Name) {
			t.Fatalf("distribution %q", d.Name)
		}
		if (d.Name == DistUnknown) != (len(d.Evidence) == 0) {
			t.Fatalf("distribution %q with evidence %q", d.Name, d.Evidence)
		}
		claims := distClaims(r)
		if len(d.Evidence)+len(d.Against) < len(claims) {
			t.Fatalf("evidence %q and against %q drop some of %+v", d.Evidence, d.Against, claims)
		}
		for _, a := range d.Against {
			if name, _, _ := strings.Cut(a, ": "); name == d.Name {
				t.Fatalf("evidence against %s names %s: %q", d.Name, d.Name, a)
			}
		}
		byVersion, _ := distFromVersion(git)
		byOAuth, _ := distFromOAuth(r)
		byHost, _ := distFromHost(host)
		var byNodes string
		var listed []Node
		if r.Auth != nil {
			listed = r.Auth.Nodes
		}
		for _, c := range countProviders(listed) {
			if _, bare := bareClouds[c.provider]; !bare {
				byNodes = c.provider
				break
			}
		}
		switch {
		case openshift != "" && d.Name != DistOpenShift:
			t.Fatalf("ClusterVersion says openshift, judged %s", d.Name)
		case openshift != "":
		case byVersion == DistEKS && d.Name != DistEKS && d.Name != DistEKSD:
			t.Fatalf("version %q says eks, judged %s", git, d.Name)
		case byVersion == DistEKS && d.Name == DistEKSD && (byNodes == DistEKS || byHost == DistEKS || flavour == DistEKS):
			t.Fatalf("judged eks-d with EKS's nodes %q, host %q or certificate %q", byNodes, byHost, flavour)
		case byVersion != "" && byVersion != DistEKS && d.Name != byVersion:
			t.Fatalf("version %q says %s, judged %s", git, byVersion, d.Name)
		case byVersion == "" && byOAuth != "" && d.Name != byOAuth:
			t.Fatalf("OAuth issuer %q says %s, judged %s", issuer, byOAuth, d.Name)
		case byVersion == "" && byOAuth == "" && byNodes != "" && d.Name != byNodes:
			t.Fatalf("nodes say %s, judged %s", byNodes, d.Name)
		case byVersion == "" && byOAuth == "" && byNodes == "" && byHost != "" && d.Name != byHost:
			t.Fatalf("host %q says %s, judged %s", host, byHost, d.Name)
		case byVersion == "" && byOAuth == "" && byNodes == "" && byHost == "" && flavour != "" && d.Name != flavour:
			t.Fatalf("certificate says %s, judged %s", flavour, d.Name)
		case byVersion == "" && byOAuth == "" && byNodes == "" && byHost == "" && flavour == "" && d.Name != DistUnknown:
			t.Fatalf("nothing says anything, judged %s", d.Name)
		}
	})
}

// summaryKeys are every key a summary may hold.
var summaryKeys = []string{"reason", "message", "anonymousAuthenticated", "parseError", "gitVersion", "gitCommit", "buildDate",
	"goVersion", "platform", "recognised", "body", "versions", "groups", "items", "names", "issuer", "jwksUri", "format",
	"authorizationEndpoint"}

// FuzzSummarize: whatever a server sends on any anonymous path, with any
// status, gives a summary of known keys whose values are bounded (none
// longer than maxSummaryValue plus the ellipsis) and valid UTF-8 when the
// body was; only a 200 is ever recognised as the API's answer, and the
// exposure judged from it is one of the known access and level words.
func FuzzSummarize(f *testing.F) {
	bodies := []string{
		`{"major":"1","minor":"33","gitVersion":"v1.33.1","gitCommit":"abc","platform":"linux/amd64"}`,
		`{"kind":"APIVersions","versions":["v1"]}`, `{"kind":"APIGroupList","apiVersion":"v1","groups":[{},{}]}`,
		`{"kind":"NamespaceList","apiVersion":"v1","items":[{"metadata":{"name":"default"}},{"metadata":{"name":"é\u202e"}}]}`,
		`{"issuer":"https://kubernetes.default.svc","jwks_uri":"https://10.0.0.1:6443/openid/v1/jwks"}`,
		"# HELP apiserver_request_total x\n# TYPE apiserver_request_total counter\n", `{"swagger":"2.0","info":{"title":"Kubernetes"}}`,
		"ok", "[+]ping ok\nhealthz check passed", "<html><body>Welcome</body></html>", "{", "[1,2", "\xff\xfe{", "",
		`{"kind":"Status","reason":"Forbidden","message":"forbidden: User \"system:anonymous\" cannot get path \"/\""}`,
		`{"gitVersion":"` + strings.Repeat("é", 300) + `"}`, `{"message":"` + strings.Repeat("\u202e", 100) + `"}`,
		`{"gitVersion":"v1.2.3\u001b]0;pwned\u0007"}`, `{"versions":null}`, `{"items":[null]}`, `{"groups":"x"}`,
	}
	for i, b := range bodies {
		f.Add(uint8(i), 200, []byte(b), false)
	}
	f.Add(uint8(0), 403, []byte(bodies[len(bodies)-7]), false)
	f.Add(uint8(1), 401, []byte(`{"message":"Unauthorized","reason":"Unauthorized"}`), false)
	at := func(path string) uint8 { return uint8(slices.Index(AnonymousPaths, path)) }
	f.Add(at("/openapi/v2"), 200, []byte(`{"swagger`), true)
	// OpenShift's OAuth discovery, and what merely looks like it.
	for _, b := range []string{
		`{"issuer":"https://oauth-openshift.apps.ocp.example.com","authorization_endpoint":"https://oauth-openshift.apps.ocp.example.com/oauth/authorize",` +
			`"token_endpoint":"https://oauth-openshift.apps.ocp.example.com/oauth/token","scopes_supported":["user:full"],"response_types_supported":["code","token"]}`,
		`{"issuer":"https://oauth-openshift.apps.x","authorization_endpoint":"javascript:alert(1)","token_endpoint":"https://t"}`,
		`{"issuer":"http://oauth-openshift.apps.x","authorization_endpoint":"http://a/oauth/authorize","token_endpoint":"http://a/oauth/token"}`,
		`{"issuer":"https://` + strings.Repeat("\u202e", 150) + `","authorization_endpoint":"https://a\u001b[2J/oauth/authorize","token_endpoint":"https://a"}`,
		`{"issuer":""}`, `{"issuer":7}`, `<html>oauth</html>`,
	} {
		f.Add(at(oauthPath), 200, []byte(b), false)
	}
	f.Add(at(oauthPath), 403, []byte(`{"kind":"Status","reason":"Forbidden","message":"forbidden: User \"system:anonymous\" cannot get path \"/.well-known/oauth-authorization-server\""}`), false)
	f.Add(uint8(3), 302, []byte("moved"), false)
	f.Fuzz(func(t *testing.T, pathIndex uint8, status int, body []byte, truncated bool) {
		path := AnonymousPaths[int(pathIndex)%len(AnonymousPaths)]
		sum := summarize(path, status, body, truncated)
		for k, v := range sum {
			if !slices.Contains(summaryKeys, k) {
				t.Fatalf("%s %d: unknown summary key %q", path, status, k)
			}
			if len(v) > maxSummaryValue+len("…") {
				t.Fatalf("%s %d: %s is %d bytes", path, status, k, len(v))
			}
			if utf8.Valid(body) && !utf8.ValidString(v) {
				t.Fatalf("%s %d: %s = %q is not UTF-8", path, status, k, v)
			}
		}
		if sum["recognised"] != "" && (sum["recognised"] != "true" || status != http.StatusOK) {
			t.Fatalf("%s %d: recognised = %q", path, status, sum["recognised"])
		}
		if status != http.StatusOK && status != http.StatusUnauthorized && status != http.StatusForbidden && sum != nil {
			t.Fatalf("%s %d: summary %v of a status that has none", path, status, sum)
		}
		r := &Result{
			Addresses: []Address{{IP: "203.0.113.7", Class: ClassPublic}},
			Connect:   &Connect{Address: "203.0.113.7:443"},
			TLS:       &TLS{Version: "TLS 1.3"},
			Anonymous: []Request{{Path: path, Status: status, Summary: sum}},
		}
		if path == "/version" && status == http.StatusOK && sum["gitVersion"] != "" {
			r.Version = versionFrom(sum, "anonymous")
		}
		judge(r)
		if !slices.Contains([]string{AccessUnreachable, AccessTLS, AccessHealth, AccessVersion, AccessDiscovery, AccessRead}, r.Exposure.Access) ||
			LevelRank(r.Exposure.Level) < 0 || !slices.Contains(distributions, r.Dist.Name) {
			t.Fatalf("%s %d: exposure %+v, distribution %+v", path, status, r.Exposure, r.Dist)
		}
		if path == oauthPath && r.Exposure.Access != AccessTLS {
			// OAuth discovery is public by design on OpenShift: it is
			// distribution evidence, not access.
			t.Fatalf("%s %d: anonymous OAuth discovery judged %s access", path, status, r.Exposure.Access)
		}
	})
}

// certKey signs the certificates FuzzCertificateShape builds: Ed25519
// from a fixed seed, so signing is fast and the same input gives the same
// certificate.
var certKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// certTime maps any number onto the times a certificate can carry
// (GeneralizedTime, years 1 to 9999).
func certTime(sec int64) time.Time {
	const lo, hi = -62135596800, 253402300799 // 0001-01-01, 9999-12-31T23:59:59Z
	if sec < lo || sec > hi {
		sec = lo + int64(uint64(sec)%uint64(hi-lo+1))
	}
	return time.Unix(sec, 0).UTC()
}

// FuzzCertificateShape: any subject, issuer and SANs (as a certificate
// struct, and through DER where they encode) give a known flavour, and
// only with the Kubernetes shape; leaked SANs are the certificate's own
// internal names and private, CGNAT or link-local addresses, never the
// names every API server carries; expiry findings count the days right
// at any date; the verdict does not change through DER.
func FuzzCertificateShape(f *testing.F) {
	svc := "kubernetes,kubernetes.default,kubernetes.default.svc,kubernetes.default.svc.cluster.local"
	now := time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC).Unix()
	for _, c := range [][4]string{
		{"kubernetes", "", "kube-apiserver", svc + ",ip-10-0-1-5.ec2.internal,10.96.0.1,10.0.1.5"},
		{"k3s-server-ca@1700000000", "", "k3s", svc + ",localhost,10.43.0.1,127.0.0.1"},
		{"rke2-server-ca@1700000000", "", "kube-apiserver", svc + ",10.43.0.1"},
		{"minikubeCA", "", "minikube", svc + ",control-plane.minikube.internal,192.168.49.2"},
		{"kubernetes", "", "kube-apiserver", svc + ",kind-control-plane,10.96.0.1,172.18.0.2"},
		{"kubernetes", "", "kube-apiserver", svc + ",abc.gr7.us-east-1.eks.amazonaws.com,ip-172-16-1-10.ec2.internal,10.100.0.1"},
		{"ca", "", "apiserver", svc + ",foo-dns-1a2b3c.hcp.westeurope.azmk8s.io"},
		{"9d3b3f4e-6c1a-4a2b-8f5e-0123456789ab", "", "34.1.2.3", svc + ",34.1.2.3"},
		{"kube-apiserver-lb-signer", "openshift", "api.ocp.example.com", "api.ocp.example.com"},
		{"corp-ca", "", "kube-apiserver", "api.k8s.example.com"},
		{"R11", "Let's Encrypt", "example.com", "example.com,www.example.com"},
		{"kubernetes", "", "kube-apiserver", "KUBERNETES.default.svc,master-1,localhost,api.corp,nas.home.arpa,printer.lan,box.local"},
		{"kubernetes", "", "kube-apiserver", "100.64.0.10,169.254.169.254,fd00::10,fe80::1,::ffff:10.0.0.1,8.8.8.8,127.0.0.1,::1"},
		{"\x1b]8;;http://evil\x07", "\u202e", "\xff", "é.internal,\x00"},
	} {
		f.Add(c[0], c[1], c[2], c[3], now-3600, now+365*86400)
	}
	f.Add("kubernetes", "", "expired", "", int64(-62135596800), int64(-62135596800))
	f.Add("kubernetes", "", "far", "", int64(253402300799), int64(253402300799))
	f.Fuzz(func(t *testing.T, issuerCN, issuerOrg, subjectCN, sans string, notBefore, notAfter int64) {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(2),
			Subject:      pkix.Name{CommonName: subjectCN},
			NotBefore:    certTime(notBefore),
			NotAfter:     certTime(notAfter),
		}
		if sans != "" {
			for _, s := range strings.Split(sans, ",") {
				if ip := net.ParseIP(s); ip != nil {
					tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
				} else {
					tmpl.DNSNames = append(tmpl.DNSNames, s)
				}
			}
		}
		issuer := &x509.Certificate{Subject: pkix.Name{CommonName: issuerCN}}
		if issuerOrg != "" {
			issuer.Subject.Organization = []string{issuerOrg}
		}
		// The struct as the handshake would give it, had it parsed.
		direct := *tmpl
		direct.Issuer = issuer.Subject
		k8s, flavour := checkCertificate(t, &direct)
		der, err := x509.CreateCertificate(nopReader{}, tmpl, issuer, certKey.Public(), certKey)
		if err != nil {
			return // not encodable (a name that is not UTF-8, a SAN that is not IA5): no server can send it
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return // Go's parser refuses what its encoder wrote (an odd SAN): the handshake fails first
		}
		k8s2, flavour2 := checkCertificate(t, c)
		if c.Issuer.CommonName == issuerCN && c.Subject.CommonName == subjectCN && slices.Equal(c.DNSNames, tmpl.DNSNames) &&
			(k8s2 != k8s || flavour2 != flavour) {
			t.Fatalf("through DER the shape changed: %v %q, then %v %q", k8s, flavour, k8s2, flavour2)
		}
	})
}

// nopReader is the randomness x509.CreateCertificate asks for; Ed25519
// needs none, so the certificate depends only on the input.
type nopReader struct{}

func (nopReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// checkCertificate holds the verdicts on one certificate to their
// invariants and returns its shape.
func checkCertificate(t *testing.T, c *x509.Certificate) (bool, string) {
	t.Helper()
	k8s, flavour := kubernetesShape(c)
	if !slices.Contains(flavours, flavour) || flavour != "" && !k8s {
		t.Fatalf("kubernetesShape = %v, %q", k8s, flavour)
	}
	for _, s := range leakedSANs(c) {
		if slices.Contains(c.DNSNames, s) {
			if publicAPINames[strings.ToLower(s)] {
				t.Fatalf("leaked SAN %q: a name every API server has", s)
			}
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || !slices.ContainsFunc(c.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.IP(a.AsSlice())) }) {
			t.Fatalf("leaked SAN %q is not in the certificate", s)
		}
		if cl := Classify(a); cl != ClassPrivate && cl != ClassCGNAT && cl != ClassLinkLocal {
			t.Fatalf("leaked SAN %s is %s", s, cl)
		}
	}
	now := time.Date(2026, 8, 22, 12, 0, 0, 0, time.UTC)
	var info TLS
	describeTLS(&info, tls.ConnectionState{Version: tls.VersionTLS12, PeerCertificates: []*x509.Certificate{c}}, now)
	if info.Kubernetes != k8s || info.Flavour != flavour || len(info.Chain) != 1 {
		t.Fatalf("describeTLS = %+v, shape %v %q", info, k8s, flavour)
	}
	for _, finding := range info.Findings {
		var days int
		var date string
		switch {
		case strings.HasPrefix(finding, "certificate expired "):
			if _, err := fmt.Sscanf(finding, "certificate expired %s (%d day", &date, &days); err != nil {
				t.Fatalf("finding %q: %v", finding, err)
			}
			if want := (now.Unix() - c.NotAfter.Unix()) / 86400; int64(days) != want {
				t.Fatalf("finding %q for NotAfter %s: want %d days", finding, c.NotAfter, want)
			}
		case strings.HasPrefix(finding, "certificate expires "):
			if _, err := fmt.Sscanf(finding, "certificate expires %s (in %d day", &date, &days); err != nil {
				t.Fatalf("finding %q: %v", finding, err)
			}
			if want := (c.NotAfter.Unix() - now.Unix()) / 86400; int64(days) != want || days > 30 {
				t.Fatalf("finding %q for NotAfter %s: want %d days", finding, c.NotAfter, want)
			}
		}
	}
	return k8s, flavour
}

// FuzzCertificateDER: any bytes a server sends as its certificate either
// do not parse, or describe without a panic whatever key or names they
// hold, with the fingerprint of exactly those bytes. The first bytes of a
// failed handshake are told in one clean line.
func FuzzCertificateDER(f *testing.F) {
	for _, c := range []struct{ issuer, subject, sans string }{
		{"kubernetes", "kube-apiserver", "kubernetes.default,10.96.0.1"},
		{"k3s-server-ca@1700000000", "k3s", "localhost,10.43.0.1,fd00::1"},
	} {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: c.subject},
			NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
		for _, s := range strings.Split(c.sans, ",") {
			if ip := net.ParseIP(s); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, s)
			}
		}
		issuer := &x509.Certificate{Subject: pkix.Name{CommonName: c.issuer, Organization: []string{"org"}}}
		der, err := x509.CreateCertificate(nopReader{}, tmpl, issuer, certKey.Public(), certKey)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n"))
	f.Add([]byte("\x15\x03\x01\x00\x02"))
	f.Add([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	f.Fuzz(func(t *testing.T, der []byte) {
		if len(der) >= 5 {
			var rh tls.RecordHeaderError
			copy(rh.RecordHeader[:], der)
			msg, plain := classifyHandshakeError(rh)
			checkMessage(t, msg)
			if plain != strings.HasPrefix(string(der), "HTTP/") {
				t.Fatalf("first bytes %q: plain HTTP %v", der[:5], plain)
			}
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		checkCertificate(t, c)
		sum := sha256.Sum256(der)
		if got := describeCert(c); got.SHA256 != hex.EncodeToString(sum[:]) || got.KeyType == "" {
			t.Fatalf("describeCert = %+v", got)
		}
		if got := describeCert(c).KeyBits; got < 0 {
			t.Fatalf("key bits %s", strconv.Itoa(got))
		}
	})
}
