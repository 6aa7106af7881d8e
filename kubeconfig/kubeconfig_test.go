package kubeconfig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubesurface/kubesurface/scan"
)

// The three files below spread contexts over a KUBECONFIG list the way real
// users end up with them (one file per provider). "shared" is defined in
// first.yaml and second.yaml with different servers: kubectl takes the first
// file's, and so must Load, or kubesurface would scan a cluster kubectl
// would not talk to.
const (
	firstYAML = `apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: c-alpha
  cluster:
    server: https://alpha.example.test:6443
    tls-server-name: api.alpha.internal
- name: c-shared-first
  cluster:
    server: https://shared-first.example.test
contexts:
- name: alpha
  context: {cluster: c-alpha, user: u-alpha}
- name: shared
  context: {cluster: c-shared-first, user: u-alpha}
users:
- name: u-alpha
  user: {token: alpha-token}
`
	secondYAML = `apiVersion: v1
kind: Config
clusters:
- name: c-beta
  cluster:
    server: https://10.0.0.5:443
- name: c-shared-second
  cluster:
    server: https://shared-second.example.test:8443
contexts:
- name: beta
  context: {cluster: c-beta, user: u-beta}
- name: beta-twin
  context: {cluster: c-beta, user: u-beta, namespace: kube-system}
- name: shared
  context: {cluster: c-shared-second, user: u-beta}
users:
- name: u-beta
  user: {token: beta-token}
`
	thirdYAML = `apiVersion: v1
kind: Config
clusters:
- name: c-gamma
  cluster:
    server: https://[::1]:6443
contexts:
- name: gamma
  context: {cluster: c-gamma, user: u-gamma}
- name: orphan
  context: {cluster: c-does-not-exist, user: u-gamma}
users:
- name: u-gamma
  user: {token: gamma-token}
`
)

// kubeconfigFiles writes the three files (and names a fourth that does not
// exist, which kubectl silently skips) and returns their paths in order.
func kubeconfigFiles(t *testing.T) (first, second, third, missing string) {
	t.Helper()
	dir := t.TempDir()
	first = writeFile(t, dir, "first.yaml", firstYAML)
	second = writeFile(t, dir, "second.yaml", secondYAML)
	third = writeFile(t, dir, "third.yaml", thirdYAML)
	return first, second, third, filepath.Join(dir, "never-written.yaml")
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// hermetic points HOME at an empty directory so neither Load nor kubectl
// can pick up the machine's own kubeconfig or caches.
func hermetic(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	unsetenv(t, "KUBECONFIG")
}

// unsetenv removes k for the test and restores it afterwards; an empty
// value is not the same as unset for KUBECONFIG or the cloud SDKs.
func unsetenv(t *testing.T, k string) {
	t.Helper()
	t.Setenv(k, "") // registers the restore
	if err := os.Unsetenv(k); err != nil {
		t.Fatal(err)
	}
}

// kubectl runs the real kubectl with the test's environment (KUBECONFIG,
// HOME), so it sees exactly what Load sees.
func kubectl(t *testing.T, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not on PATH; this test compares Load with the real kubectl, install it to run it")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func kubectlContextNames(t *testing.T, args ...string) []string {
	t.Helper()
	out := kubectl(t, append([]string{"config", "get-contexts", "-o", "name"}, args...)...)
	return strings.Fields(string(out))
}

// kubectlServers maps every context to its cluster's server as kubectl's
// merged view has it (empty when the cluster does not exist).
func kubectlServers(t *testing.T, args ...string) map[string]string {
	t.Helper()
	out := kubectl(t, append([]string{"config", "view", "-o", "json"}, args...)...)
	var v struct {
		Clusters []struct {
			Name    string `json:"name"`
			Cluster struct {
				Server string `json:"server"`
			} `json:"cluster"`
		} `json:"clusters"`
		Contexts []struct {
			Name    string `json:"name"`
			Context struct {
				Cluster string `json:"cluster"`
			} `json:"context"`
		} `json:"contexts"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("kubectl config view: %v\n%s", err, out)
	}
	servers := map[string]string{}
	for _, c := range v.Contexts {
		servers[c.Name] = ""
		for _, cl := range v.Clusters {
			if cl.Name == c.Context.Cluster {
				servers[c.Name] = cl.Cluster.Server
			}
		}
	}
	return servers
}

func targetNames(ts []scan.Target) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func byName(t *testing.T, ts []scan.Target, name string) scan.Target {
	t.Helper()
	for _, x := range ts {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no target %q among %v", name, targetNames(ts))
	return scan.Target{}
}

// TestLoadMatchesKubectl is the package's promise: with a KUBECONFIG list,
// Load yields the contexts `kubectl config get-contexts` lists, in its
// order, each pointing at the server kubectl would use (first file wins
// for a context defined twice).
func TestLoadMatchesKubectl(t *testing.T) {
	hermetic(t)
	first, second, third, missing := kubeconfigFiles(t)
	t.Setenv("KUBECONFIG", strings.Join([]string{first, second, third, missing}, string(os.PathListSeparator)))

	ts, err := Load(Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := targetNames(ts)
	want := kubectlContextNames(t)
	if !slices.Equal(got, want) {
		t.Fatalf("contexts: Load %v, kubectl %v", got, want)
	}
	// Guard against kubectl and Load agreeing on nothing at all.
	if exp := []string{"alpha", "beta", "beta-twin", "gamma", "orphan", "shared"}; !slices.Equal(got, exp) {
		t.Fatalf("contexts: got %v, want %v", got, exp)
	}

	servers := kubectlServers(t)
	for _, tg := range ts {
		server, ok := servers[tg.Name]
		if !ok {
			t.Errorf("%s: kubectl config view has no such context", tg.Name)
			continue
		}
		if server == "" {
			if tg.ConfigError == "" || tg.Rest != nil {
				t.Errorf("%s: kubectl sees no server, but the target has ConfigError %q and Rest %v", tg.Name, tg.ConfigError, tg.Rest != nil)
			}
			continue
		}
		if tg.Rest == nil || tg.Rest.Host != server || tg.URL != withPort(t, server) {
			t.Errorf("%s: URL %q (rest host %v), kubectl's server %q", tg.Name, tg.URL, restHost(tg), server)
		}
	}
	if s := byName(t, ts, "shared"); s.Rest == nil || s.Rest.Host != "https://shared-first.example.test" || s.Rest.BearerToken != "alpha-token" {
		t.Errorf("shared: URL %q rest %v; the first file's definition (and user) must win", s.URL, restHost(s))
	}
}

// withPort spells out https's default port: the probe's URL names the
// port it connects to, kubectl keeps the server as written.
func withPort(t *testing.T, server string) string {
	t.Helper()
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("kubectl's server %q: %v", server, err)
	}
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "443")
	}
	return u.String()
}

func restHost(t scan.Target) any {
	if t.Rest == nil {
		return nil
	}
	return t.Rest.Host
}

// TestLoadExplicitPathWinsOverKUBECONFIG checks --kubeconfig replaces the
// KUBECONFIG list rather than adding to it, as kubectl's flag does.
func TestLoadExplicitPathWinsOverKUBECONFIG(t *testing.T) {
	hermetic(t)
	first, second, third, _ := kubeconfigFiles(t)
	t.Setenv("KUBECONFIG", strings.Join([]string{first, second}, string(os.PathListSeparator)))

	ts, err := Load(Options{Path: third})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := targetNames(ts)
	if want := kubectlContextNames(t, "--kubeconfig", third); !slices.Equal(got, want) {
		t.Fatalf("contexts: Load %v, kubectl --kubeconfig %v", got, want)
	}
	if want := []string{"gamma", "orphan"}; !slices.Equal(got, want) {
		t.Fatalf("contexts: got %v, want only the explicit file's %v", got, want)
	}
}

// TestLoadExplicitPathMissing: a --kubeconfig that does not exist is a
// mistake to report, unlike a missing default file.
func TestLoadExplicitPathMissing(t *testing.T) {
	hermetic(t)
	p := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(Options{Path: p})
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("Load of a missing --kubeconfig: err %v, want an error naming %s", err, p)
	}
}

// TestLoadContextsNarrows checks --context keeps only the named contexts,
// in the order given and without duplicates.
func TestLoadContextsNarrows(t *testing.T) {
	hermetic(t)
	first, second, third, _ := kubeconfigFiles(t)
	t.Setenv("KUBECONFIG", strings.Join([]string{first, second, third}, string(os.PathListSeparator)))

	ts, err := Load(Options{Contexts: []string{"gamma", "alpha", "gamma"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := targetNames(ts), []string{"gamma", "alpha"}; !slices.Equal(got, want) {
		t.Fatalf("contexts: got %v, want %v", got, want)
	}
}

// TestLoadUnknownContext: a typo in --context must stop the scan and say
// which name is wrong, not silently scan nothing.
func TestLoadUnknownContext(t *testing.T) {
	hermetic(t)
	first, _, _, _ := kubeconfigFiles(t)
	ts, err := Load(Options{Path: first, Contexts: []string{"alpha", "no-such-ctx"}})
	if err == nil {
		t.Fatalf("Load: no error, targets %v", targetNames(ts))
	}
	if !strings.Contains(err.Error(), `"no-such-ctx"`) {
		t.Fatalf("error %q does not name the unknown context", err)
	}
}

// TestLoadMalformedFile: a broken file is an error naming that file, both
// as --kubeconfig and inside a KUBECONFIG list, so the user knows what to fix.
func TestLoadMalformedFile(t *testing.T) {
	hermetic(t)
	first, _, _, _ := kubeconfigFiles(t)
	bad := writeFile(t, t.TempDir(), "broken.yaml", "apiVersion: v1\nclusters: [")

	if _, err := Load(Options{Path: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load(--kubeconfig %s): err %v, want an error naming the file", bad, err)
	}
	t.Setenv("KUBECONFIG", strings.Join([]string{first, bad}, string(os.PathListSeparator)))
	if _, err := Load(Options{}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load(KUBECONFIG with %s): err %v, want an error naming the file", bad, err)
	}
}

// TestLoadContextWithoutServer: one broken context must not hide the
// others; it becomes a target that carries its reason.
func TestLoadContextWithoutServer(t *testing.T) {
	hermetic(t)
	dir := t.TempDir()
	p := writeFile(t, dir, "config", `apiVersion: v1
kind: Config
clusters:
- name: empty
  cluster: {}
- name: ok
  cluster: {server: "https://127.0.0.1:6443"}
contexts:
- name: no-cluster
  context: {cluster: missing, user: u}
- name: no-server
  context: {cluster: empty, user: u}
- name: fine
  context: {cluster: ok, user: u}
users:
- name: u
  user: {token: t}
`)
	ts, err := Load(Options{Path: p})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := targetNames(ts), []string{"fine", "no-cluster", "no-server"}; !slices.Equal(got, want) {
		t.Fatalf("contexts: got %v, want %v", got, want)
	}
	for _, name := range []string{"no-cluster", "no-server"} {
		tg := byName(t, ts, name)
		if tg.ConfigError == "" || !strings.Contains(tg.ConfigError, name) || tg.Rest != nil {
			t.Errorf("%s: ConfigError %q, Rest set %v; want an error naming the context and no client config", name, tg.ConfigError, tg.Rest != nil)
		}
		if tg.Source != scan.SourceKubeconfig || tg.Context != name {
			t.Errorf("%s: Ref %+v, want a kubeconfig ref for the context", name, tg.Ref)
		}
	}
	if f := byName(t, ts, "fine"); f.ConfigError != "" || f.Rest == nil {
		t.Errorf("fine: ConfigError %q, Rest set %v", f.ConfigError, f.Rest != nil)
	}
}

// TestLoadNoKubeconfig: a machine without ~/.kube/config and without
// KUBECONFIG has nothing to scan from kubeconfig, which is not an error
// (endpoints may still be given). client-go fixes the home file's path when
// the process starts, so the check runs in a child process started with
// the empty HOME.
func TestLoadNoKubeconfig(t *testing.T) {
	if os.Getenv("KUBESURFACE_TEST_CHILD") == "no-kubeconfig" {
		home := os.Getenv("HOME")
		if !strings.HasPrefix(clientcmd.RecommendedHomeFile, home+string(os.PathSeparator)) {
			t.Fatalf("client-go's home file %s is not under HOME %s", clientcmd.RecommendedHomeFile, home)
		}
		ts, err := Load(Options{})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if len(ts) != 0 {
			t.Fatalf("Load: %d targets %v, want none", len(ts), targetNames(ts))
		}
		fmt.Println("child: no kubeconfig, no targets, no error")
		return
	}
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadNoKubeconfig$", "-test.v", "-test.count=1")
	cmd.Env = []string{"HOME=" + home, "KUBESURFACE_TEST_CHILD=no-kubeconfig", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: no kubeconfig, no targets, no error") {
		t.Fatalf("child with HOME=%s and no KUBECONFIG: %v\n%s", home, err, out)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("Load wrote into the empty HOME: %v", entries)
	}
}

// TestLoadNormalContext checks what a context carries into the scan: the
// server's URL split for the probe, the SNI from tls-server-name (both for
// the anonymous probe and the owner's client), and the user's token in the
// client config only.
func TestLoadNormalContext(t *testing.T) {
	hermetic(t)
	first, _, third, _ := kubeconfigFiles(t)
	ts, err := Load(Options{Path: first, Contexts: []string{"alpha"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d targets, want 1", len(ts))
	}
	a := ts[0]
	wantRef := scan.Ref{Name: "alpha", Source: scan.SourceKubeconfig, Context: "alpha",
		URL: "https://alpha.example.test:6443", Host: "alpha.example.test", Port: 6443}
	if a.Ref != wantRef {
		t.Errorf("Ref %+v, want %+v", a.Ref, wantRef)
	}
	if a.ServerName != "api.alpha.internal" {
		t.Errorf("ServerName %q, want the tls-server-name", a.ServerName)
	}
	if a.ConfigError != "" || a.Rest == nil {
		t.Fatalf("ConfigError %q, Rest set %v", a.ConfigError, a.Rest != nil)
	}
	if a.Rest.Host != "https://alpha.example.test:6443" || a.Rest.BearerToken != "alpha-token" || a.Rest.TLSClientConfig.ServerName != "api.alpha.internal" {
		t.Errorf("rest.Config host %q token %q server name %q", a.Rest.Host, a.Rest.BearerToken, a.Rest.TLSClientConfig.ServerName)
	}

	// An IPv6 literal and a port-less URL are split as the probe needs them.
	ts, err = Load(Options{Path: third, Contexts: []string{"gamma"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if g := ts[0]; g.Host != "::1" || g.Port != 6443 || g.URL != "https://[::1]:6443" {
		t.Errorf("gamma: Ref %+v", g.Ref)
	}
	ts, err = Load(Options{Path: first, Contexts: []string{"shared"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s := ts[0]; s.Host != "shared-first.example.test" || s.Port != 443 || s.URL != "https://shared-first.example.test:443" {
		t.Errorf("shared: Ref %+v, want port 443 for an https URL without one", s.Ref)
	}
}

// TestLoadSameServerTwoTargets: two contexts on one server are two owners'
// views (namespace, user), so neither Load nor Dedupe may fold them.
func TestLoadSameServerTwoTargets(t *testing.T) {
	hermetic(t)
	_, second, _, _ := kubeconfigFiles(t)
	ts, err := Load(Options{Path: second, Contexts: []string{"beta", "beta-twin"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ts = scan.Dedupe(ts)
	if got, want := targetNames(ts), []string{"beta", "beta-twin"}; !slices.Equal(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	if ts[0].URL != ts[1].URL || ts[0].URL != "https://10.0.0.5:443" {
		t.Errorf("URLs %q and %q, want both https://10.0.0.5:443", ts[0].URL, ts[1].URL)
	}
	if ts[0].Rest == ts[1].Rest {
		t.Errorf("the two targets share one rest.Config")
	}
}

// sharedExecUserYAML has two contexts on two clusters using one exec user,
// the usual shape of a hand-written OIDC or SSO kubeconfig. Each cluster
// carries its own exec extension (client.authentication.k8s.io/exec), which
// client-go hands to the plugin as that cluster's config.
const sharedExecUserYAML = `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster:
    server: https://127.0.0.1:%d
    certificate-authority-data: %s
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: cluster-one}
- name: two
  cluster:
    server: https://127.0.0.1:%d
    certificate-authority-data: %s
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: cluster-two}
contexts:
- name: ctx-one
  context: {cluster: one, user: sso}
- name: ctx-two
  context: {cluster: two, user: sso}
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubesurface-no-such-plugin
      provideClusterInfo: true
      interactiveMode: IfAvailable
`

// TestLoadSharedExecUser: contexts sharing a user must still get their own
// exec configuration, each with its own cluster's extension; client-go's
// ClientConfig hands out the merged config's one ExecConfig pointer and
// writes the current cluster's extension into it.
func TestLoadSharedExecUser(t *testing.T) {
	hermetic(t)
	p := writeFile(t, t.TempDir(), "config", fmt.Sprintf(sharedExecUserYAML, 6443, "", 6444, ""))
	ts, err := Load(Options{Path: p})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(ts) != 2 || ts[0].Rest == nil || ts[1].Rest == nil || ts[0].Rest.ExecProvider == nil || ts[1].Rest.ExecProvider == nil {
		t.Fatalf("targets %v: want two with exec providers", targetNames(ts))
	}
	if ts[0].Rest.ExecProvider == ts[1].Rest.ExecProvider {
		t.Errorf("ctx-one and ctx-two share one ExecConfig")
	}
	for i, want := range []string{"cluster-one", "cluster-two"} {
		u, ok := ts[i].Rest.ExecProvider.Config.(*runtime.Unknown)
		if !ok || !strings.Contains(string(u.Raw), want) {
			t.Errorf("%s: exec extension %#v, want its own cluster's (%s)", ts[i].Name, ts[i].Rest.ExecProvider.Config, want)
		}
	}
}

// TestScanLeavesExecConfigAlone: the scanner runs plugins without a
// terminal, but must do so on its own copy; writing into the caller's
// targets races when two of them share a user, or when one target list is
// scanned twice at once (run with -race to see the race itself).
func TestScanLeavesExecConfigAlone(t *testing.T) {
	hermetic(t)
	srvOne, _ := fakeAPIServer(t)
	srvTwo, _ := fakeAPIServer(t)
	p := writeFile(t, t.TempDir(), "config", fmt.Sprintf(sharedExecUserYAML,
		port(t, srvOne), caData(srvOne), port(t, srvTwo), caData(srvTwo)))
	ts, err := Load(Options{Path: p})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	before := make([]any, len(ts))
	for i := range ts {
		before[i] = *ts[i].Rest.ExecProvider.DeepCopy()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	results := scan.New(scan.Options{Timeout: 3 * time.Second}).Scan(ctx, ts)
	for i, r := range results {
		if r.Auth == nil || r.Auth.ErrorKind != scan.AuthPluginMissing {
			t.Errorf("%s: auth %+v, want %s", r.Target.Name, r.Auth, scan.AuthPluginMissing)
		}
		if after := *ts[i].Rest.ExecProvider; !reflect.DeepEqual(before[i], any(after)) {
			t.Errorf("%s: scan changed the target's exec config: before %+v, after %+v", ts[i].Name, before[i], after)
		}
	}
}

// fakeAPIServer mimics what kube-apiserver shows a stranger on 127.0.0.1:
// /version and /healthz answer anonymous callers, everything else is a 401
// Status. It counts requests that carried a credential: with every plugin
// failing, none may arrive.
func fakeAPIServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var withCred atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			withCred.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			fmt.Fprint(w, `{"gitVersion":"v1.30.5-eks-abcdef0","major":"1","minor":"30"}`)
		case "/healthz":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			fmt.Fprint(w, "ok")
		default:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`)
		}
	}))
	// EKS serves a certificate naming its endpoint; an -eks- build behind
	// any other would be EKS Distro or EKS Anywhere.
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{eksShapedCert(t)}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &withCred
}

// eksShapedCert is a self-signed certificate for 127.0.0.1 with the names
// an EKS API server's carries; being self-signed, it is its own CA.
func eksShapedCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"0123456789ABCDEF0123456789ABCDEF.gr7.us-east-1.eks.amazonaws.com", "kubernetes", "kubernetes.default"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func port(t *testing.T, srv *httptest.Server) int {
	t.Helper()
	var p int
	if _, err := fmt.Sscanf(srv.Listener.Addr().String(), "127.0.0.1:%d", &p); err != nil {
		t.Fatalf("test server on %s, want 127.0.0.1", srv.Listener.Addr())
	}
	return p
}

// caData is the server's certificate as kubeconfig's base64 PEM, so the
// owner's client would trust it exactly as a real context trusts its CA.
func caData(srv *httptest.Server) string {
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	b, _ := json.Marshal(pemBytes) // []byte marshals as base64
	return strings.Trim(string(b), `"`)
}

// netnsCommand is how CI runs the plugin tests: inside a network namespace
// whose only interface is loopback, the cloud CLIs' credential look-ups
// (metadata servers, token endpoints) cannot leave the machine.
const netnsCommand = "go test -c -o /tmp/kubeconfig.test ./kubeconfig && unshare -n sh -c 'ip link set lo up && KUBESURFACE_NETNS=1 /tmp/kubeconfig.test -test.run Plugin -test.v'"

// pluginEnv confines the cloud CLIs to empty configuration, so they find
// no account, and skips unless the network is private (see netnsCommand).
func pluginEnv(t *testing.T) {
	t.Helper()
	if os.Getenv("KUBESURFACE_NETNS") != "1" {
		t.Skip("runs only inside a private network namespace: " + netnsCommand)
	}
	t.Setenv("HOME", t.TempDir())
	t.Setenv("CLOUDSDK_CONFIG", t.TempDir())
	awsDir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(awsDir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(awsDir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"KUBECONFIG", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE", "CLOUDSDK_CORE_ACCOUNT"} {
		unsetenv(t, k)
	}
}

// requireOnPath skips when a cloud CLI is absent, except in CI, where a
// missing CLI would silently turn the test into a no-op.
func requireOnPath(t *testing.T, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not on PATH; CI must install it for the plugin tests", bin)
		}
		t.Skipf("%s is not on PATH; install it to run this test", bin)
	}
}

// scanWithPlugin scans one context whose user runs the given exec block
// against a fake API server and returns the result and how many requests
// reached the server with a credential.
func scanWithPlugin(t *testing.T, execYAML string) (scan.Result, int32) {
	t.Helper()
	srv, withCred := fakeAPIServer(t)
	p := writeFile(t, t.TempDir(), "config", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: demo
  cluster:
    server: https://127.0.0.1:%d
    certificate-authority-data: %s
contexts:
- name: demo
  context: {cluster: demo, user: demo}
users:
- name: demo
  user:
    exec:
%s`, port(t, srv), caData(srv), execYAML))
	ts, err := Load(Options{Path: p})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(ts) != 1 || ts[0].ConfigError != "" || ts[0].Rest == nil || ts[0].Rest.ExecProvider == nil {
		t.Fatalf("targets %+v: want one with an exec provider", ts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	results := scan.New(scan.Options{Timeout: 3 * time.Second}).Scan(ctx, ts)
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	r := results[0]
	if r.Auth != nil {
		t.Logf("auth error kind %q: %s", r.Auth.ErrorKind, r.Auth.Error)
	}
	return r, withCred.Load()
}

// checkPluginResult asserts what every failed plugin must leave: an auth
// error in plain words of the wanted kind, mentioning each of words, and an
// anonymous half that is untouched by the failure.
func checkPluginResult(t *testing.T, r scan.Result, withCred int32, kind string, words ...string) {
	t.Helper()
	if r.Auth == nil {
		t.Fatal("no auth result")
	}
	if r.Auth.ErrorKind != kind {
		t.Errorf("auth error kind %q (%s), want %q", r.Auth.ErrorKind, r.Auth.Error, kind)
	}
	msg := r.Auth.Error
	if msg == "" || strings.ContainsAny(msg, "\n\r") {
		t.Errorf("auth error %q: want one non-empty line", msg)
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("auth error %q does not say %q", msg, w)
		}
	}
	for _, raw := range []string{"exec: executable", "getting credentials", "Get \""} {
		if strings.Contains(msg, raw) {
			t.Errorf("auth error %q is client-go's wording (%q), not plain words", msg, raw)
		}
	}
	if r.Auth.User != "" || r.Auth.ServerVersion != "" || len(r.Auth.Nodes) > 0 {
		t.Errorf("auth %+v: a failed plugin cannot have learned anything", r.Auth)
	}
	if withCred != 0 {
		t.Errorf("%d requests reached the server with a credential", withCred)
	}

	if r.State != scan.StateDone || r.TLS == nil || r.TLS.Error != "" {
		t.Errorf("state %s, TLS %+v: the anonymous probe should have completed", r.State, r.TLS)
	}
	if r.Version == nil || r.Version.GitVersion != "v1.30.5-eks-abcdef0" || r.Version.Source != "anonymous" {
		t.Errorf("version %+v, want v1.30.5-eks-abcdef0 from the anonymous /version", r.Version)
	}
	if r.Exposure.Access != scan.AccessVersion {
		t.Errorf("exposure access %q, want %q (%v)", r.Exposure.Access, scan.AccessVersion, r.Exposure.Reasons)
	}
	if r.Dist.Name != scan.DistEKS {
		t.Errorf("distribution %q, want eks from the version suffix", r.Dist.Name)
	}
	for _, e := range r.Errors {
		t.Errorf("phase %s failed: %s", e.Phase, e.Error)
	}
}

// TestPluginGKENotLoggedIn runs the real gke-gcloud-auth-plugin with no
// gcloud account: the row must say the plugin is not logged in, and keep
// what the anonymous probe learned.
func TestPluginGKENotLoggedIn(t *testing.T) {
	pluginEnv(t)
	requireOnPath(t, "gke-gcloud-auth-plugin")
	r, withCred := scanWithPlugin(t, `      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
      interactiveMode: IfAvailable
`)
	checkPluginResult(t, r, withCred, scan.AuthPluginFailed, "gke-gcloud-auth-plugin", "not logged in")
}

// TestPluginAWSNotLoggedIn runs the real `aws eks get-token` with no AWS
// credentials (and no instance metadata to fall back on).
func TestPluginAWSNotLoggedIn(t *testing.T) {
	pluginEnv(t)
	requireOnPath(t, "aws")
	r, withCred := scanWithPlugin(t, `      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-east-1, eks, get-token, --cluster-name, demo]
      interactiveMode: IfAvailable
`)
	checkPluginResult(t, r, withCred, scan.AuthPluginFailed, "aws", "not logged in")
}

// TestPluginMissing: a kubeconfig copied from a colleague names a plugin
// this machine lacks; the row must say so instead of client-go's
// multi-line install hint.
func TestPluginMissing(t *testing.T) {
	pluginEnv(t)
	if p, err := exec.LookPath("kubesurface-no-such-plugin"); err == nil {
		t.Fatalf("kubesurface-no-such-plugin exists at %s; the test needs it missing", p)
	}
	r, withCred := scanWithPlugin(t, `      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubesurface-no-such-plugin
      provideClusterInfo: true
      interactiveMode: IfAvailable
`)
	checkPluginResult(t, r, withCred, scan.AuthPluginMissing, "kubesurface-no-such-plugin", "not installed")
}
