package scan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestParseVersion uses gitVersion strings as real servers report them:
// every provider puts its build in the suffix, and the support window only
// cares about major.minor.
func TestParseVersion(t *testing.T) {
	cases := []struct {
		git  string
		want ParsedVersion
	}{
		{"v1.29.3-eks-adc7111", ParsedVersion{Semver: "1.29.3", Minor: "1.29", Major: 1, MinorNum: 29, Patch: 3, Suffix: "-eks-adc7111"}},
		{"v1.30.5-gke.1014001", ParsedVersion{Semver: "1.30.5", Minor: "1.30", Major: 1, MinorNum: 30, Patch: 5, Suffix: "-gke.1014001"}},
		{"v1.27.4+k3s1", ParsedVersion{Semver: "1.27.4", Minor: "1.27", Major: 1, MinorNum: 27, Patch: 4, Suffix: "+k3s1"}},
		{"v1.35.5+rke2r1", ParsedVersion{Semver: "1.35.5", Minor: "1.35", Major: 1, MinorNum: 35, Patch: 5, Suffix: "+rke2r1"}},
		{"v1.28.9+2f7b992", ParsedVersion{Semver: "1.28.9", Minor: "1.28", Major: 1, MinorNum: 28, Patch: 9, Suffix: "+2f7b992"}},
		{"v1.31.2", ParsedVersion{Semver: "1.31.2", Minor: "1.31", Major: 1, MinorNum: 31, Patch: 2}},
		{"v1.37.2", ParsedVersion{Semver: "1.37.2", Minor: "1.37", Major: 1, MinorNum: 37, Patch: 2}},
		{"1.30.0", ParsedVersion{Semver: "1.30.0", Minor: "1.30", Major: 1, MinorNum: 30, Patch: 0}},
	}
	for _, c := range cases {
		got, err := ParseVersion(c.git)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", c.git, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", c.git, got, c.want)
		}
	}
	for _, bad := range []string{"banana", "v1", "v1.29", "", "vX.Y.Z"} {
		if got, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) = %+v, want an error", bad, got)
		} else if !strings.Contains(err.Error(), `"`+bad+`"`) {
			t.Errorf("ParseVersion(%q) error %q does not name the version", bad, err)
		}
	}
}

// TestDistFromVersion checks the suffix rules, and that a plain upstream
// version claims no distribution: kubeadm, kind and most self-built
// servers report bare vX.Y.Z.
func TestDistFromVersion(t *testing.T) {
	for _, c := range []struct{ git, dist string }{
		{"v1.29.3-eks-adc7111", DistEKS},
		{"v1.30.5-gke.1014001", DistGKE},
		{"v1.27.4+k3s1", DistK3s},
		{"v1.35.5+rke2r1", DistRKE2},
		{"v1.28.9+2f7b992", DistOpenShift},
		{"v1.31.2", ""},
		{"v1.37.2", ""},
		{"v1.31.2+abc", ""}, // too short to be a commit
		{"banana", ""},
		{"v1", ""},
	} {
		dist, why := distFromVersion(c.git)
		if dist != c.dist {
			t.Errorf("distFromVersion(%q) = %q, want %q", c.git, dist, c.dist)
		}
		if dist != "" && !strings.Contains(why, c.git) {
			t.Errorf("distFromVersion(%q) evidence %q does not quote the version", c.git, why)
		}
		if dist == "" && why != "" {
			t.Errorf("distFromVersion(%q) gave evidence %q for no distribution", c.git, why)
		}
	}
}

// TestDistFromHost checks managed-service host names, including the forms a
// kubeconfig may carry (upper case, trailing dot), and that a look-alike in
// the middle of a name claims nothing.
func TestDistFromHost(t *testing.T) {
	for _, c := range []struct{ host, dist string }{
		{"x.gr7.us-west-2.eks.amazonaws.com", DistEKS},
		{"ABC.GR7.US-WEST-2.EKS.AMAZONAWS.COM.", DistEKS},
		{"x.yl4.cn-north-1.eks.amazonaws.com.cn", DistEKS},
		{"foo-dns-1a2b3c.hcp.westeurope.azmk8s.io", DistAKS},
		{"api.mycluster.abcd.p1.openshiftapps.com", DistOpenShift},
		{"0d2f2d00-4615-4c30-8c61-c94ee188fe34.k8s.ondigitalocean.com", DistDigitalOcean},
		{"b782cfdd-d88a-460f-938c-d9b989e3960f.eu-central-3-gw.linodelke.net", DistLKE},
		{"a16255eb-d29e-4f1f-8224-ffa5ff6e4e52.us-west-1.linodelke.net", DistLKE},
		{"k8s.ondigitalocean.com.evil.example", ""},
		{"k8s.example.com", ""},
		{"eks.amazonaws.com.evil.example", ""},
		{"10.0.0.1", ""},
		{"", ""},
	} {
		dist, why := distFromHost(c.host)
		if dist != c.dist {
			t.Errorf("distFromHost(%q) = %q, want %q", c.host, dist, c.dist)
		}
		if dist != "" && !strings.Contains(why, c.host) {
			t.Errorf("distFromHost(%q) evidence %q does not name the host", c.host, why)
		}
	}
}

// TestJudgeDistribution checks precedence (the server's own version suffix
// beats the host name, which beats the certificate's shape) and that the
// evidence lists only the sources that agree with the verdict.
func TestJudgeDistribution(t *testing.T) {
	result := func(git, host, flavour string) *Result {
		r := &Result{Target: Ref{Host: host}}
		if git != "" {
			r.Version = &Version{GitVersion: git, Source: "anonymous"}
		}
		if flavour != "" {
			r.TLS = &TLS{Kubernetes: true, Flavour: flavour}
		}
		return r
	}
	for _, c := range []struct {
		name              string
		git, host, flavor string
		want              string
		evidence          []string // one substring per expected evidence line, in order
	}{
		{"nothing", "", "k8s.example.com", "", DistUnknown, nil},
		{"plain version says nothing", "v1.31.2", "10.0.0.1", "", DistUnknown, nil},
		{"version alone", "v1.27.4+k3s1", "10.0.0.1", "", DistK3s, []string{"+k3s"}},
		{"version over cert", "v1.30.5-gke.1014001", "10.0.0.1", "kubeadm", DistGKE, []string{"-gke."}},
		{"version over host", "v1.27.4+k3s1", "foo.hcp.westeurope.azmk8s.io", "aks", DistK3s, []string{"+k3s"}},
		{"host over cert", "v1.31.2", "foo.hcp.westeurope.azmk8s.io", "kubeadm", DistAKS, []string{"azmk8s.io"}},
		{"all agree", "v1.29.3-eks-adc7111", "x.gr7.us-west-2.eks.amazonaws.com", "eks", DistEKS,
			[]string{"-eks-", "eks.amazonaws.com", "shaped like eks"}},
		{"version and cert agree, host does not say", "v1.35.5+rke2r1", "10.0.0.1", "rke2", DistRKE2,
			[]string{"+rke2", "shaped like rke2"}},
		{"cert alone", "", "10.0.0.1", "minikube", DistMinikube, []string{"shaped like minikube"}},
		{"unparsable version ignored", "banana", "10.0.0.1", "kind", DistKind, []string{"shaped like kind"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := judgeDistribution(result(c.git, c.host, c.flavor))
			if d.Name != c.want {
				t.Errorf("distribution %q, want %q (evidence %q)", d.Name, c.want, d.Evidence)
			}
			if len(d.Evidence) != len(c.evidence) {
				t.Fatalf("evidence %q, want %d lines matching %q", d.Evidence, len(c.evidence), c.evidence)
			}
			for i, w := range c.evidence {
				if !strings.Contains(d.Evidence[i], w) {
					t.Errorf("evidence[%d] = %q, want it to mention %q", i, d.Evidence[i], w)
				}
			}
		})
	}
}

// TestJudgeVersionFromAuth checks that a version only the authenticated
// probe saw still names the distribution, but is not counted as anonymous
// disclosure.
func TestJudgeVersionFromAuth(t *testing.T) {
	r := &Result{
		Target:    Ref{Host: "10.0.0.1"},
		Addresses: []Address{{IP: "10.0.0.1", Class: ClassPrivate}},
		Connect:   &Connect{Address: "10.0.0.1:6443"},
		TLS:       &TLS{Version: "TLS 1.3"},
		Auth:      &Auth{ServerVersion: "v1.30.5-gke.1014001"},
	}
	judge(r)
	if r.Version == nil || r.Version.Source != "authenticated" || r.Version.Minor != "1.30" {
		t.Fatalf("Version = %+v, want the authenticated v1.30.5-gke.1014001", r.Version)
	}
	if r.Dist.Name != DistGKE {
		t.Errorf("distribution %q, want gke", r.Dist.Name)
	}
	if r.Exposure.Access != AccessTLS {
		t.Errorf("access %q, want tls: an authenticated version is not an anonymous one", r.Exposure.Access)
	}
}

// TestClassify covers each reach class, IPv4-mapped IPv6 (which must be
// judged as the IPv4 address it is) and the borders of the CGNAT block.
func TestClassify(t *testing.T) {
	for _, c := range []struct{ ip, class string }{
		{"8.8.8.8", ClassPublic},
		{"2001:4860:4860::8888", ClassPublic},
		{"::ffff:8.8.8.8", ClassPublic},
		{"172.32.0.1", ClassPublic},
		{"100.63.255.255", ClassPublic},
		{"100.128.0.0", ClassPublic},
		{"10.1.2.3", ClassPrivate},
		{"172.16.0.1", ClassPrivate},
		{"172.31.255.255", ClassPrivate},
		{"192.168.1.1", ClassPrivate},
		{"fd00::1", ClassPrivate},
		{"::ffff:10.0.0.1", ClassPrivate},
		{"100.64.1.1", ClassCGNAT},
		{"100.64.0.0", ClassCGNAT},
		{"100.127.255.255", ClassCGNAT},
		{"127.0.0.1", ClassLoopback},
		{"127.1.2.3", ClassLoopback},
		{"::1", ClassLoopback},
		{"::ffff:127.0.0.1", ClassLoopback},
		{"169.254.1.1", ClassLinkLocal},
		{"fe80::1", ClassLinkLocal},
		{"0.0.0.0", ClassOther},
		{"224.0.0.1", ClassOther},
		{"ff02::1", ClassOther},
	} {
		if got := Classify(netip.MustParseAddr(c.ip)); got != c.class {
			t.Errorf("Classify(%s) = %q, want %q", c.ip, got, c.class)
		}
	}
}

// TestExposureWidestReach checks that one public address makes the host
// public, and that only an unresolved host has unknown reach.
func TestExposureWidestReach(t *testing.T) {
	for _, c := range []struct {
		classes []string
		want    string
	}{
		{nil, ClassUnknown},
		{[]string{ClassPrivate, ClassPublic, ClassLoopback}, ClassPublic},
		{[]string{ClassLoopback, ClassLinkLocal}, ClassLinkLocal},
		{[]string{ClassPrivate, ClassCGNAT}, ClassCGNAT},
		{[]string{ClassOther}, ClassOther},
		{[]string{ClassOther, ClassLoopback}, ClassLoopback},
	} {
		var addrs []Address
		for _, cl := range c.classes {
			addrs = append(addrs, Address{Class: cl})
		}
		if got := widestReach(addrs); got != c.want {
			t.Errorf("widestReach(%v) = %q, want %q", c.classes, got, c.want)
		}
	}
}

// verdictResult is a probed target at ip whose handshake succeeded and whose
// anonymous requests got the statuses given (401 for any path not named).
func verdictResult(ip string, status map[string]int) Result {
	a := netip.MustParseAddr(ip)
	r := Result{
		Target:    Ref{Host: ip, Port: 6443},
		Addresses: []Address{{IP: ip, Class: Classify(a)}},
		Connect:   &Connect{Address: net.JoinHostPort(ip, "6443")},
		TLS:       &TLS{Version: "TLS 1.3", Kubernetes: true},
	}
	for _, p := range AnonymousPaths {
		s, ok := status[p]
		if !ok {
			s = http.StatusUnauthorized
		}
		q := Request{Path: p, Status: s}
		if s == http.StatusForbidden {
			q.Summary = map[string]string{"reason": "Forbidden", "anonymousAuthenticated": "true",
				"message": `forbidden: User "system:anonymous" cannot get path "` + p + `"`}
		}
		if s == http.StatusOK {
			q.Summary = map[string]string{"recognised": "true"}
		}
		if p == "/version" && s == http.StatusOK {
			q.Summary = map[string]string{"gitVersion": "v1.31.4", "recognised": "true"}
			r.Version = versionFrom(q.Summary, "anonymous")
		}
		r.Anonymous = append(r.Anonymous, q)
	}
	return r
}

// TestCatchAllWebServerIsNotAnAPIServer: a web server that answers 200 with
// HTML to every path (common in CIDR scans) opens nothing; only bodies
// shaped like the API server's count.
func TestCatchAllWebServerIsNotAnAPIServer(t *testing.T) {
	html := []byte("<html><body>Welcome</body></html>")
	r := Result{
		Target:    Ref{Host: "203.0.113.7", Port: 443},
		Addresses: []Address{{IP: "203.0.113.7", Class: ClassPublic}},
		Connect:   &Connect{Address: "203.0.113.7:443"},
		TLS:       &TLS{Version: "TLS 1.3"},
	}
	for _, p := range AnonymousPaths {
		sum := summarize(p, http.StatusOK, html, false)
		if sum["recognised"] != "" {
			t.Errorf("%s: HTML recognised as the API's answer: %v", p, sum)
		}
		r.Anonymous = append(r.Anonymous, Request{Path: p, Status: http.StatusOK, Summary: sum})
	}
	if e := judgeExposure(&r); e.Access != AccessTLS {
		t.Errorf("catch-all server judged %s, want tls", e.Access)
	}
	real := map[string]string{
		"/healthz":           "ok",
		"/api":               `{"kind":"APIVersions","versions":["v1"]}`,
		"/apis":              `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`,
		"/api/v1/namespaces": `{"kind":"NamespaceList","apiVersion":"v1","items":[{"metadata":{"name":"default"}}]}`,
		"/metrics":           "# HELP apiserver_request_total x\n# TYPE apiserver_request_total counter\n",
		"/openapi/v2":        `{"swagger":"2.0","info":{"title":"Kubernetes"}}`,
	}
	for p, body := range real {
		if summarize(p, http.StatusOK, []byte(body), false)["recognised"] != "true" {
			t.Errorf("%s: the API server's own answer not recognised", p)
		}
	}
}

// TestJudgeExposure rates results built the way the probe builds them: the
// highest anonymous access reached decides, the widest address class sets
// the stakes, and plain HTTP makes everything one level worse.
func TestJudgeExposure(t *testing.T) {
	ok := http.StatusOK
	anon := map[string]int{"/version": ok, "/healthz": ok, "/livez": ok, "/readyz": ok,
		"/api": 403, "/apis": 403, "/api/v1/namespaces": 403, "/metrics": 403, "/openapi/v2": 403,
		"/.well-known/openid-configuration": 403, oauthPath: 403}
	with := func(base map[string]int, kv ...any) map[string]int {
		m := map[string]int{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(int)
		}
		return m
	}
	mod := func(r Result, f func(*Result)) Result { f(&r); return r }

	cases := []struct {
		name                 string
		r                    Result
		reach, access, level string
		reasons              []string
	}{
		{"never connected", mod(verdictResult("8.8.8.8", nil), func(r *Result) { r.Connect, r.TLS, r.Anonymous = nil, nil, nil }),
			ClassPublic, AccessUnreachable, LevelNone, []string{"no TCP connection"}},
		{"connection refused", mod(verdictResult("8.8.8.8", nil), func(r *Result) {
			r.Connect.Error, r.TLS, r.Anonymous = "connect: connection refused", nil, nil
		}), ClassPublic, AccessUnreachable, LevelNone, []string{"no TCP connection"}},
		{"port open, not TLS", mod(verdictResult("10.0.0.1", nil), func(r *Result) {
			r.TLS, r.Anonymous = &TLS{Error: `not TLS: first bytes "SSH-2"`}, nil
		}), ClassPrivate, AccessUnreachable, LevelNone, []string{"no TLS or HTTP answer"}},
		{"tls only, public", verdictResult("8.8.8.8", nil),
			ClassPublic, AccessTLS, LevelMedium, []string{"only the TLS handshake"}},
		{"tls only, loopback", verdictResult("127.0.0.1", nil),
			ClassLoopback, AccessTLS, LevelNone, nil},
		{"health only, private", verdictResult("10.1.2.3", map[string]int{"/healthz": ok}),
			ClassPrivate, AccessHealth, LevelLow, []string{"only health endpoints"}},
		{"default RBAC, public", verdictResult("8.8.8.8", anon),
			ClassPublic, AccessVersion, LevelHigh, []string{"discloses v1.31.4", "anonymous authentication is enabled"}},
		{"default RBAC, cgnat", verdictResult("100.64.1.1", anon),
			ClassCGNAT, AccessVersion, LevelMedium, nil},
		{"default RBAC, link-local", verdictResult("169.254.1.1", anon),
			ClassLinkLocal, AccessVersion, LevelLow, nil},
		{"/version 200 without gitVersion is not disclosure", mod(verdictResult("8.8.8.8", map[string]int{"/version": ok}), func(r *Result) {
			r.Version, r.Anonymous[0].Summary = nil, map[string]string{"parseError": "no gitVersion field"}
		}), ClassPublic, AccessTLS, LevelMedium, nil},
		{"authenticated version only", mod(verdictResult("8.8.8.8", nil), func(r *Result) {
			r.Version = &Version{GitVersion: "v1.31.4", Source: "authenticated"}
		}), ClassPublic, AccessTLS, LevelMedium, nil},
		{"discovery via /apis", verdictResult("10.0.0.1", with(anon, "/apis", ok)),
			ClassPrivate, AccessDiscovery, LevelMedium, []string{"can read /apis"}},
		{"discovery via metrics and openapi", verdictResult("8.8.8.8", with(anon, "/metrics", ok, "/openapi/v2", ok)),
			ClassPublic, AccessDiscovery, LevelHigh, []string{"can read /openapi/v2, /metrics"}},
		{"OAuth and OpenID discovery are no access", verdictResult("8.8.8.8",
			map[string]int{oauthPath: ok, "/.well-known/openid-configuration": ok}),
			ClassPublic, AccessTLS, LevelMedium, []string{"only the TLS handshake"}},
		{"namespaces 403 is not read", verdictResult("8.8.8.8", with(anon, "/api", ok)),
			ClassPublic, AccessDiscovery, LevelHigh, nil},
		{"namespaces redirect is not read", verdictResult("8.8.8.8", with(nil, "/api/v1/namespaces", http.StatusFound)),
			ClassPublic, AccessTLS, LevelMedium, nil},
		{"read, public", verdictResult("8.8.8.8", with(anon, "/api", ok, "/api/v1/namespaces", ok)),
			ClassPublic, AccessRead, LevelCritical, []string{"can list namespaces"}},
		{"read, private", verdictResult("192.168.1.1", with(anon, "/api/v1/namespaces", ok)),
			ClassPrivate, AccessRead, LevelHigh, nil},
		{"read, loopback", verdictResult("::1", with(anon, "/api/v1/namespaces", ok)),
			ClassLoopback, AccessRead, LevelMedium, nil},
		{"public address among private ones", mod(verdictResult("10.0.0.1", anon), func(r *Result) {
			r.Addresses = append(r.Addresses, Address{IP: "8.8.8.8", Class: ClassPublic})
		}), ClassPublic, AccessVersion, LevelHigh, nil},
		{"plain HTTP raises", mod(verdictResult("10.0.0.1", anon), func(r *Result) {
			r.TLS = &TLS{Plaintext: true, Error: "port answers plain HTTP, not TLS"}
		}), ClassPrivate, AccessVersion, LevelHigh, []string{"plain HTTP"}},
		{"plain HTTP caps at critical", mod(verdictResult("8.8.8.8", with(anon, "/api/v1/namespaces", ok)), func(r *Result) {
			r.TLS = &TLS{Plaintext: true}
		}), ClassPublic, AccessRead, LevelCritical, []string{"plain HTTP"}},
		{"plain HTTP does not raise none", mod(verdictResult("127.0.0.1", nil), func(r *Result) {
			r.TLS = &TLS{Plaintext: true}
		}), ClassLoopback, AccessTLS, LevelNone, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := judgeExposure(&c.r)
			if e.Reach != c.reach || e.Access != c.access || e.Level != c.level {
				t.Errorf("exposure %s reach, %s access, %s; want %s, %s, %s (reasons %q)",
					e.Reach, e.Access, e.Level, c.reach, c.access, c.level, e.Reasons)
			}
			if len(e.Reasons) == 0 || e.Reasons[0] != e.Reach+" reach, "+e.Access+" access" {
				t.Errorf("first reason %q, want the reach and access summary", e.Reasons)
			}
			for _, w := range c.reasons {
				if !slices.ContainsFunc(e.Reasons, func(s string) bool { return strings.Contains(s, w) }) {
					t.Errorf("reasons %q do not say %q", e.Reasons, w)
				}
			}
		})
	}
}

// verdictAccessOrder is the README's access scale, least first.
var verdictAccessOrder = []string{AccessUnreachable, AccessTLS, AccessHealth, AccessVersion, AccessDiscovery, AccessRead}

// TestExposureMatrixMonotonic walks exposureMatrix: more anonymous access
// must never rate lower at the same reach, and wider reach must never rate
// lower for the same access. A typo in one cell would otherwise rank, say,
// a public readable server below a private one.
func TestExposureMatrixMonotonic(t *testing.T) {
	reaches := []string{ClassUnknown, ClassOther}
	for reach, row := range exposureMatrix {
		if reachRank(reach) == 0 {
			t.Errorf("exposureMatrix row %q is not a ranked address class", reach)
		}
		reaches = append(reaches, reach)
		for access, level := range row {
			if !slices.Contains(verdictAccessOrder, access) {
				t.Errorf("exposureMatrix[%s] has unknown access %q", reach, access)
			}
			if LevelRank(level) < 0 {
				t.Errorf("exposureMatrix[%s][%s] = %q, not a level", reach, access, level)
			}
		}
		for _, access := range verdictAccessOrder[1:] {
			if _, ok := row[access]; !ok {
				t.Errorf("exposureMatrix[%s] has no %s cell (it would silently rate none)", reach, access)
			}
		}
	}
	for _, class := range []string{ClassPublic, ClassCGNAT, ClassPrivate, ClassLinkLocal, ClassLoopback} {
		if _, ok := exposureMatrix[class]; !ok {
			t.Errorf("exposureMatrix has no %s row", class)
		}
	}
	slices.SortStableFunc(reaches, func(a, b string) int { return reachRank(a) - reachRank(b) })

	for _, reach := range reaches {
		for i := 1; i < len(verdictAccessOrder); i++ {
			lo, hi := verdictAccessOrder[i-1], verdictAccessOrder[i]
			if LevelRank(exposureLevel(reach, hi)) < LevelRank(exposureLevel(reach, lo)) {
				t.Errorf("%s reach: %s access rates %s, below %s access at %s",
					reach, hi, exposureLevel(reach, hi), lo, exposureLevel(reach, lo))
			}
		}
	}
	for _, access := range verdictAccessOrder {
		for i := 1; i < len(reaches); i++ {
			narrow, wide := reaches[i-1], reaches[i]
			if LevelRank(exposureLevel(wide, access)) < LevelRank(exposureLevel(narrow, access)) {
				t.Errorf("%s access: %s reach rates %s, below %s reach at %s",
					access, wide, exposureLevel(wide, access), narrow, exposureLevel(narrow, access))
			}
		}
	}
	if exposureLevel(ClassPublic, AccessRead) != LevelCritical || exposureLevel(ClassLoopback, AccessTLS) != LevelNone {
		t.Error("the matrix's corners moved: public read must be critical, loopback TLS none")
	}
}

// verdictKey is the one key every test certificate is made with; the shape
// checks read names only.
var verdictKey = func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

// verdictCert issues a leaf for subject with the given SANs from an issuer
// named issuerCN (issuerOrg optional), and parses it back, so the test sees
// exactly what a handshake would hand describeTLS.
func verdictCert(t *testing.T, issuerCN string, issuerOrg []string, subject string, sans ...string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: subject},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, s := range sans {
		if ip := net.ParseIP(s); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, s)
		}
	}
	issuer := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: issuerCN, Organization: issuerOrg},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &verdictKey.PublicKey, verdictKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer.CommonName != issuerCN {
		t.Fatalf("test certificate issuer %q, want %q", c.Issuer.CommonName, issuerCN)
	}
	return c
}

// TestKubernetesShape checks each recognised certificate shape against a
// certificate laid out the way that distribution issues it, and that an
// ordinary web certificate is not mistaken for an API server's.
func TestKubernetesShape(t *testing.T) {
	svc := []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	cases := []struct {
		name    string
		cert    *x509.Certificate
		k8s     bool
		flavour string
	}{
		{"kubeadm", verdictCert(t, "kubernetes", nil, "kube-apiserver",
			append(svc, "ip-10-0-1-5.ec2.internal", "10.96.0.1", "10.0.1.5")...), true, "kubeadm"},
		{"k3s", verdictCert(t, "k3s-server-ca@1700000000", nil, "k3s",
			append(svc, "localhost", "10.43.0.1", "127.0.0.1")...), true, "k3s"},
		{"rke2", verdictCert(t, "rke2-server-ca@1700000000", nil, "kube-apiserver",
			append(svc, "10.43.0.1")...), true, "rke2"},
		{"minikube", verdictCert(t, "minikubeCA", nil, "minikube",
			append(svc, "control-plane.minikube.internal", "192.168.49.2")...), true, "minikube"},
		{"kind", verdictCert(t, "kubernetes", nil, "kube-apiserver",
			append(svc, "kind-control-plane", "localhost", "10.96.0.1", "172.18.0.2", "127.0.0.1")...), true, "kind"},
		{"kind HA, second control plane", verdictCert(t, "kubernetes", nil, "kube-apiserver",
			append(svc, "dev-control-plane2", "dev-external-load-balancer", "localhost", "127.0.0.1")...), true, "kind"},
		// Cluster API's KubeadmControlPlane machines are
		// <cluster>-control-plane-<random>; CAPD adds localhost too.
		{"Cluster API", verdictCert(t, "kubernetes", nil, "kube-apiserver",
			append(svc, "mgmt-control-plane-x7k2p", "localhost", "10.96.0.1", "172.18.0.3")...), true, "kubeadm"},
		{"kubeadm node named like kind, no localhost", verdictCert(t, "kubernetes", nil, "kube-apiserver",
			append(svc, "prod-control-plane", "10.96.0.1")...), true, "kubeadm"},
		{"eks", verdictCert(t, "kubernetes", nil, "kube-apiserver",
			append(svc, "abc.gr7.us-east-1.eks.amazonaws.com", "ip-172-16-1-10.ec2.internal", "10.100.0.1")...), true, "eks"},
		{"aks", verdictCert(t, "ca", nil, "apiserver",
			append(svc, "foo-dns-1a2b3c.hcp.westeurope.azmk8s.io")...), true, "aks"},
		{"gke", verdictCert(t, "9d3b3f4e-6c1a-4a2b-8f5e-0123456789ab", nil, "34.1.2.3",
			append(svc, "34.1.2.3")...), true, "gke"},
		{"openshift", verdictCert(t, "kube-apiserver-lb-signer", []string{"openshift"}, "api.ocp.example.com",
			"api.ocp.example.com"), true, "openshift"},
		{"unrecognised Kubernetes", verdictCert(t, "corp-ca", nil, "kube-apiserver", "api.k8s.example.com"), true, ""},
		{"web server", verdictCert(t, "R11", []string{"Let's Encrypt"}, "example.com", "example.com", "www.example.com"), false, ""},
	}
	for _, c := range cases {
		k8s, flavour := kubernetesShape(c.cert)
		if k8s != c.k8s || flavour != c.flavour {
			t.Errorf("%s: kubernetesShape = %v, %q; want %v, %q", c.name, k8s, flavour, c.k8s, c.flavour)
		}
	}
}

// TestKubernetesShapeLeakedSANs checks that node names, service IPs and
// private ranges a stranger reads off the certificate are reported, and the
// names every API server carries (and public names) are not.
func TestKubernetesShapeLeakedSANs(t *testing.T) {
	for _, c := range []struct {
		name string
		sans []string
		want []string
	}{
		{"kubeadm", []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
			"ip-10-0-1-5.ec2.internal", "10.96.0.1", "10.0.1.5"},
			[]string{"10.96.0.1", "10.0.1.5", "ip-10-0-1-5.ec2.internal"}},
		{"single-label node name", []string{"KUBERNETES.default.svc", "master-1", "localhost"}, []string{"master-1"}},
		{"internal suffixes", []string{"api.corp", "nas.home.arpa", "api.cluster.local", "printer.lan", "box.local"},
			[]string{"api.corp", "nas.home.arpa", "api.cluster.local", "printer.lan", "box.local"}},
		{"cgnat and link-local", []string{"100.64.0.10", "169.254.169.254", "fd00::10"}, []string{"100.64.0.10", "169.254.169.254", "fd00::10"}},
		{"public and loopback leak nothing", []string{"api.example.com", "8.8.8.8", "127.0.0.1", "::1", "abc.gr7.us-east-1.eks.amazonaws.com"}, nil},
	} {
		got := leakedSANs(verdictCert(t, "kubernetes", nil, "kube-apiserver", c.sans...))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: leakedSANs = %q, want %q", c.name, got, c.want)
		}
		if slices.Contains(got, "kubernetes.default.svc") {
			t.Errorf("%s: kubernetes.default.svc reported as leaked", c.name)
		}
	}
}

// TestSkew checks the kubelet skew policy against a v1.37.2 server: three
// minors behind is allowed, four is not, and a kubelet newer than its API
// server is never allowed.
func TestSkew(t *testing.T) {
	nodes := []Node{
		{Name: "same", KubeletVersion: "v1.37.2"},
		{Name: "three-behind", KubeletVersion: "v1.34.1"},
		{Name: "four-behind", KubeletVersion: "v1.33.0"},
		{Name: "newer", KubeletVersion: "v1.38.0"},
	}
	s := skew("v1.37.2", nodes)
	if s == nil {
		t.Fatal("skew = nil")
	}
	behind := map[string]int{}
	for _, n := range nodes {
		behind[n.Name] = n.MinorsBehind
	}
	if want := map[string]int{"same": 0, "three-behind": 3, "four-behind": 4, "newer": -1}; !reflect.DeepEqual(behind, want) {
		t.Errorf("MinorsBehind %v, want %v", behind, want)
	}
	if s.MaxBehind != 4 || s.OldestKubelet != "v1.33.0" || s.NewestKubelet != "v1.38.0" {
		t.Errorf("skew = %+v, want max 4, oldest v1.33.0, newest v1.38.0", s)
	}
	if len(s.Violations) != 2 {
		t.Fatalf("violations %q, want four-behind and newer", s.Violations)
	}
	for _, v := range s.Violations {
		if strings.HasPrefix(v, "same:") || strings.HasPrefix(v, "three-behind:") {
			t.Errorf("violation %q: within policy", v)
		}
	}
	if !strings.HasPrefix(s.Violations[0], "four-behind:") || !strings.Contains(s.Violations[0], "4 minors behind") {
		t.Errorf("violation %q, want four-behind, 4 minors", s.Violations[0])
	}
	if !strings.HasPrefix(s.Violations[1], "newer:") || !strings.Contains(s.Violations[1], "newer than the API server") {
		t.Errorf("violation %q, want newer than the server", s.Violations[1])
	}

	// Provider suffixes must not disturb the arithmetic.
	eks := []Node{{Name: "n1", KubeletVersion: "v1.29.15-eks-473151a"}, {Name: "n2", KubeletVersion: "v1.25.16-eks-59bf375"}}
	if s := skew("v1.29.3-eks-adc7111", eks); s == nil || s.MaxBehind != 4 || len(s.Violations) != 1 || !strings.HasPrefix(s.Violations[0], "n2:") {
		t.Errorf("EKS skew = %+v, want n2 four minors behind", s)
	}
	if s := skew("v1.37.2", []Node{{Name: "odd", KubeletVersion: "banana"}}); s == nil || len(s.Violations) != 1 || !strings.Contains(s.Violations[0], "unreadable") {
		t.Errorf("unreadable kubelet: skew = %+v, want one unreadable violation", s)
	}
	if s := skew("banana", nodes); s != nil {
		t.Errorf("unreadable server version: skew = %+v, want nil", s)
	}
	if s := skew("v1.37.2", nil); s != nil {
		t.Errorf("no nodes: skew = %+v, want nil", s)
	}
}
