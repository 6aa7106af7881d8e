package demo

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// TestMain fails the package if a server, connection or handler goroutine
// outlives Close: the demo runs inside the TUI's process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// judgedAt is the date urgency is judged at, fixed so the test does not
// drift with the calendar (certificate expiry still uses the real clock,
// as the certificates are made from it).
var judgedAt = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// scanFleet starts the fleet, scans its targets as `kubesurface demo`
// does and judges every result.
func scanFleet(t *testing.T) (*Fleet, map[string]scan.Result) {
	t.Helper()
	f, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	targets, err := f.Targets()
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != len(f.Servers()) {
		t.Fatalf("%d servers, %d targets", len(f.Servers()), len(targets))
	}
	data, err := assess.Base()
	if err != nil {
		t.Fatal(err)
	}
	// A generous timeout: it only bounds a stuck phase, and the machine
	// may be busy; nothing here is timed.
	results := scan.New(scan.Options{Timeout: 30 * time.Second}).Scan(context.Background(), targets)
	byName := map[string]scan.Result{}
	for i, s := range f.Servers() {
		r := results[i]
		if r.Target.URL != s.URL {
			t.Fatalf("result %d is for %s, want %s", i, r.Target.URL, s.URL)
		}
		// The demo servers offer h2, as kube-apiserver does: the probe
		// must take it and still get an answer to every request.
		if r.TLS == nil || r.TLS.ALPN != "h2" {
			t.Errorf("%s: TLS %+v, want h2 negotiated", s.Name, r.TLS)
		}
		if len(r.Anonymous) != len(scan.AnonymousPaths) {
			t.Errorf("%s: %d anonymous requests, want %d", s.Name, len(r.Anonymous), len(scan.AnonymousPaths))
		}
		for _, q := range r.Anonymous {
			if q.Status == 0 {
				t.Errorf("%s: %s got no answer: %s", s.Name, q.Path, q.Error)
			}
		}
		assess.Judge(&r, data, judgedAt)
		byName[s.Name] = r
	}
	return f, byName
}

func status(r scan.Result, path string) int {
	for _, q := range r.Anonymous {
		if q.Path == path {
			return q.Status
		}
	}
	return 0
}

func TestDemoFleetIsJudgedAsEachDistribution(t *testing.T) {
	f, results := scanFleet(t)

	cases := []struct {
		name, dist, access, version string
		// status is the anonymous answer per path, where it matters.
		status map[string]int
		// anonymous: a 403 names system:anonymous, so the exposure says
		// anonymous authentication is on.
		anonymous, expired bool
		// named: the certificate is the organisation's own, of no
		// Kubernetes shape.
		named   bool
		urgency string
		// public: the server imitates a public endpoint (simulated):
		// judged with public reach, at this level.
		public string
	}{
		{name: "demo-eks", dist: scan.DistEKS, access: scan.AccessVersion, version: "v1.30.14-eks-7bfd1a2",
			status:    map[string]int{"/version": 200, "/healthz": 200, "/api": 403, "/api/v1/namespaces": 403, "/metrics": 403},
			anonymous: true, public: scan.LevelHigh},
		{name: "demo-gke", dist: scan.DistGKE, access: scan.AccessHealth,
			status: map[string]int{"/version": 401, "/livez": 200, "/readyz": 200, "/api": 401}, public: scan.LevelMedium},
		{name: "demo-aks", dist: scan.DistAKS, access: scan.AccessTLS,
			status:  map[string]int{"/version": 401, "/healthz": 401, "/api": 401, "/.well-known/openid-configuration": 401},
			urgency: assess.Unknown, public: scan.LevelMedium},
		{name: "demo-k3s", dist: scan.DistK3s, access: scan.AccessVersion, version: "v1.31.4+k3s1",
			status: map[string]int{"/version": 200, "/apis": 403}, anonymous: true},
		{name: "demo-openshift", dist: scan.DistOpenShift, access: scan.AccessVersion, version: "v1.28.9+2f7b992",
			status: map[string]int{"/version": 200, "/api": 403}, anonymous: true, urgency: assess.Critical},
		{name: "demo-openshift-named", dist: scan.DistOpenShift, access: scan.AccessVersion, version: "v1.31.8",
			status: map[string]int{"/version": 200, "/.well-known/oauth-authorization-server": 200, "/api": 403}, anonymous: true, named: true, urgency: assess.High},
		{name: "demo-kubeadm", dist: scan.DistKubeadm, access: scan.AccessHealth,
			status: map[string]int{"/version": 403, "/healthz": 200, "/api": 403}, anonymous: true, urgency: assess.Unknown},
		{name: "demo-rke2-open", dist: scan.DistRKE2, access: scan.AccessRead, version: "v1.36.4+rke2r1",
			status: map[string]int{"/api": 200, "/apis": 200, "/api/v1/namespaces": 200, "/metrics": 200, "/openapi/v2": 200, "/.well-known/openid-configuration": 200},
			public: scan.LevelCritical},
		{name: "demo-expired", dist: scan.DistKubeadm, access: scan.AccessVersion, version: "v1.33.5",
			status: map[string]int{"/version": 200, "/api": 403}, anonymous: true, expired: true},
	}
	if len(cases) != len(f.Servers()) {
		t.Errorf("fleet has %d servers, the test checks %d", len(f.Servers()), len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, ok := results[c.name]
			if !ok {
				t.Fatalf("no server named %s", c.name)
			}
			if r.State != scan.StateDone || len(r.Errors) > 0 {
				t.Fatalf("state %s, errors %v", r.State, r.Errors)
			}
			if r.Dist.Name != c.dist {
				t.Errorf("distribution %s (%v), want %s", r.Dist.Name, r.Dist.Evidence, c.dist)
			}
			if c.named {
				if r.TLS == nil || r.TLS.Flavour != "" {
					t.Errorf("certificate shape: %+v, want none (a named certificate)", r.TLS)
				}
			} else if r.TLS == nil || !r.TLS.Kubernetes || r.TLS.Flavour != c.dist {
				t.Errorf("certificate shape: %+v, want a %s API server's", r.TLS, c.dist)
			} else {
				if !r.TLS.ClientCertRequested {
					t.Error("no client certificate requested; kube-apiserver requests one")
				}
				if n := len(r.TLS.Chain); n != 2 || r.TLS.Chain[0].KeyType != "ECDSA" || !r.TLS.Chain[1].IsCA {
					t.Errorf("chain %+v: want an ECDSA leaf and its CA", r.TLS.Chain)
				}
			}
			if r.Exposure.Access != c.access {
				t.Errorf("exposure access %s (%v), want %s", r.Exposure.Access, r.Exposure.Reasons, c.access)
			}
			// Every connection is to loopback, whatever the row stands for.
			if a, err := netip.ParseAddrPort(r.Connect.Address); err != nil || !a.Addr().IsLoopback() {
				t.Errorf("connected to %q: the demo must be reached on loopback only", r.Connect.Address)
			}
			simulated := slices.ContainsFunc(r.Exposure.Reasons, func(s string) bool { return strings.HasPrefix(s, "simulated: ") })
			switch {
			case c.public == "" && (r.Exposure.Reach != scan.ClassLoopback || simulated || strings.Contains(r.Target.Name, "simulated")):
				t.Errorf("reach %s, name %q, reasons %v: want loopback, as it is", r.Exposure.Reach, r.Target.Name, r.Exposure.Reasons)
			case c.public != "" && (r.Exposure.Reach != scan.ClassPublic || r.Exposure.Level != c.public || !simulated || r.Target.Name != c.name+Simulated):
				t.Errorf("reach %s level %s, name %q, reasons %v: want public reach at %s, said to be simulated", r.Exposure.Reach, r.Exposure.Level, r.Target.Name, r.Exposure.Reasons, c.public)
			case c.public != "" && (!r.Addresses[0].Simulated || !netip.MustParsePrefix("203.0.113.0/24").Contains(netip.MustParseAddr(r.Addresses[0].IP))):
				t.Errorf("addresses %+v: want a documentation address, marked simulated, first", r.Addresses)
			}
			switch {
			case c.version == "" && r.Version != nil:
				t.Errorf("version %s visible; it should be hidden from anonymous users", r.Version.GitVersion)
			case c.version != "" && (r.Version == nil || r.Version.GitVersion != c.version || r.Version.Source != "anonymous"):
				t.Errorf("version %+v, want %s from anonymous /version", r.Version, c.version)
			}
			for p, want := range c.status {
				if got := status(r, p); got != want {
					t.Errorf("anonymous GET %s: %d, want %d", p, got, want)
				}
			}
			announced := slices.ContainsFunc(r.Exposure.Reasons, func(s string) bool { return strings.Contains(s, "anonymous authentication is enabled") })
			if announced != c.anonymous {
				t.Errorf("anonymous authentication reported %v, want %v (reasons %v)", announced, c.anonymous, r.Exposure.Reasons)
			}
			expired := slices.ContainsFunc(r.TLS.Findings, func(s string) bool { return strings.HasPrefix(s, "certificate expired ") })
			if expired != c.expired {
				t.Errorf("expired-certificate finding %v, want %v (findings %v)", expired, c.expired, r.TLS.Findings)
			}
			if c.urgency != "" && (r.Urgency == nil || r.Urgency.Level != c.urgency) {
				t.Errorf("urgency %+v, want %s", r.Urgency, c.urgency)
			}
		})
	}

	t.Run("openshift is past all support", func(t *testing.T) {
		u := results["demo-openshift"].Urgency
		if u == nil || u.Lifecycle == nil {
			t.Fatalf("urgency %+v: want a lifecycle", u)
		}
		if u.Lifecycle.Calendar != assess.OpenShift || u.Lifecycle.Minor != "4.15" || u.Lifecycle.Phase != "unsupported" || !slices.Contains(u.Rules, "past-all-support") {
			t.Errorf("urgency %+v (lifecycle %+v): want OpenShift 4.15 past all support", u, u.Lifecycle)
		}
	})
	t.Run("eks certificate names internal hosts", func(t *testing.T) {
		leaked := results["demo-eks"].TLS.LeakedSANs
		for _, want := range []string{"ip-192-168-77-14.ec2.internal", "10.100.0.1", "192.168.77.14"} {
			if !slices.Contains(leaked, want) {
				t.Errorf("leaked SANs %v lack %s", leaked, want)
			}
		}
	})
	t.Run("anonymous read lists namespaces", func(t *testing.T) {
		r := results["demo-rke2-open"]
		for _, q := range r.Anonymous {
			if q.Path != "/api/v1/namespaces" {
				continue
			}
			if q.Summary["items"] != "9" || !strings.Contains(q.Summary["names"], "kube-system") || !strings.Contains(q.Summary["names"], "prod") {
				t.Errorf("namespace list summary %v", q.Summary)
			}
			return
		}
		t.Error("no /api/v1/namespaces request")
	})
	t.Run("denials are kube-apiserver's words", func(t *testing.T) {
		want := map[string]string{
			"demo-aks":     "Unauthorized",
			"demo-kubeadm": `forbidden: User "system:anonymous" cannot get path "/version"`,
		}
		for name, msg := range want {
			if got := summary(results[name], "/version")["message"]; got != msg {
				t.Errorf("%s /version denial %q, want %q", name, got, msg)
			}
		}
		if got := summary(results["demo-eks"], "/api/v1/namespaces")["message"]; !strings.HasPrefix(got, `namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces"`) {
			t.Errorf("eks namespace denial %q", got)
		}
	})
}

func summary(r scan.Result, path string) map[string]string {
	for _, q := range r.Anonymous {
		if q.Path == path {
			return q.Summary
		}
	}
	return nil
}

// TestDemoEndpointsAreLoopbackAndStable: every server listens on 127.0.0.1
// only, under a unique name, in the order of its definition.
func TestDemoEndpointsAreLoopbackAndStable(t *testing.T) {
	f, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eps := f.Endpoints()
	if len(eps) < 8 {
		t.Fatalf("only %d endpoints", len(eps))
	}
	seen := map[string]bool{}
	for i, s := range f.Servers() {
		if s.Name != profiles[i].name || seen[s.Name] || s.Shows == "" {
			t.Errorf("server %d: %+v", i, s)
		}
		seen[s.Name] = true
		host, port, err := net.SplitHostPort(strings.TrimPrefix(eps[i], "https://"))
		if err != nil || host != "127.0.0.1" || port == "0" || eps[i] != s.URL {
			t.Errorf("endpoint %d %q (server URL %q): want https://127.0.0.1:PORT", i, eps[i], s.URL)
		}
	}
}

// TestDemoCloseStopsServing: after Close nothing listens, and a second
// Close is harmless. goleak (TestMain) checks that nothing still runs.
func TestDemoCloseStopsServing(t *testing.T) {
	f, err := Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Open a connection first, so Close has one to drop.
	c, err := net.Dial("tcp", strings.TrimPrefix(f.Endpoints()[0], "https://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, ep := range f.Endpoints() {
		c, err := net.Dial("tcp", strings.TrimPrefix(ep, "https://"))
		if err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Close", ep)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s after Close: %v, want connection refused", ep, err)
		}
	}
}

// TestDemoStartHonoursCancellation: a cancelled context starts nothing.
func TestDemoStartHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if f, err := Start(ctx); err == nil {
		f.Close()
		t.Fatal("Start succeeded with a cancelled context")
	}
}
