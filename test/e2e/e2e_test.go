// Package e2e runs the kubesurface binary against real kube-apiservers on
// 127.0.0.1, started by this directory's own harness (clusters.sh). Without
// them every test skips and says how to start them.
package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

const howToStart = `no real kube-apiserver is up; start them with:
  env=$(bash test/e2e/clusters.sh up) && eval "$env"   # (bash .ci/run does this)`

// binary is the kubesurface command built once for all tests.
var binary string

func TestMain(m *testing.M) {
	// The binary must not refresh its (week-old) data from the Internet
	// while these tests run it; every child inherits this.
	os.Setenv("KUBESURFACE_OFFLINE", "1")
	code := func() int {
		if os.Getenv("KS_E2E_ANON_URL") == "" {
			return m.Run() // every test skips with howToStart
		}
		dir, err := os.MkdirTemp("", "kubesurface-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "kubesurface")
		build := exec.Command("go", "build", "-o", binary, "github.com/kubesurface/kubesurface/cmd/kubesurface")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building kubesurface:", err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// cluster is one running API server of the harness.
type cluster struct {
	URL, Token, UserToken, CA, Kubeconfig, Version string
}

func need(t *testing.T, mode string) cluster {
	t.Helper()
	get := func(k string) string { return os.Getenv("KS_E2E_" + mode + "_" + k) }
	c := cluster{URL: get("URL"), Token: get("TOKEN"), UserToken: get("USER_TOKEN"), CA: get("CA"),
		Kubeconfig: get("KUBECONFIG"), Version: get("VERSION")}
	if c.URL == "" {
		t.Skip(howToStart)
	}
	return c
}

// scanJSON runs `kubesurface scan -o json` and decodes the report.
func scanJSON(t *testing.T, args ...string) report.Document {
	t.Helper()
	doc, code, stderr := scanJSONCode(t, args...)
	if code != 0 {
		t.Fatalf("kubesurface %v: exit %d\nstderr: %s", args, code, stderr)
	}
	return doc
}

// scanJSONCode is scanJSON for runs whose exit code is the point.
func scanJSONCode(t *testing.T, args ...string) (report.Document, int, string) {
	t.Helper()
	return scanJSONCodeIn(t, t.TempDir(), args...)
}

// scanJSONIn is scanJSON with cache as XDG_CACHE_HOME, for scans that
// judge by data the test put in the cache.
func scanJSONIn(t *testing.T, cache string, args ...string) report.Document {
	t.Helper()
	doc, code, stderr := scanJSONCodeIn(t, cache, args...)
	if code != 0 {
		t.Fatalf("kubesurface %v: exit %d\nstderr: %s", args, code, stderr)
	}
	return doc
}

func scanJSONCodeIn(t *testing.T, cache string, args ...string) (report.Document, int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"scan", "-o", "json", "--timeout", "5s"}, args...)...)
	// Only what the test names: no user kubeconfig, no user data cache.
	cmd.Env = append(os.Environ(), "KUBECONFIG=/nonexistent", "XDG_CACHE_HOME="+cache)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("kubesurface %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	var doc report.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("decoding report (exit %d, stderr %s): %v\n%s", code, errb.String(), err, out.String())
	}
	if doc.APIVersion != "kubesurface/v1" || doc.Kind != "ScanReport" {
		t.Fatalf("envelope = %s/%s", doc.APIVersion, doc.Kind)
	}
	return doc, code, errb.String()
}

func only(t *testing.T, doc report.Document) scan.Result {
	t.Helper()
	if len(doc.Results) != 1 {
		t.Fatalf("want 1 result, got %d", len(doc.Results))
	}
	r := doc.Results[0]
	if r.State != scan.StateDone {
		t.Fatalf("state %s, errors %v", r.State, r.Errors)
	}
	return r
}

func status(r scan.Result, path string) int {
	for _, q := range r.Anonymous {
		if q.Path == path {
			return q.Status
		}
	}
	return -1
}

func TestAnonymousOnDisclosesVersion(t *testing.T) {
	c := need(t, "ANON")
	r := only(t, scanJSON(t, "--no-kubeconfig", c.URL))
	if r.Version == nil || r.Version.GitVersion != c.Version || r.Version.Source != "anonymous" {
		t.Fatalf("version = %+v, want %s from anonymous /version", r.Version, c.Version)
	}
	if r.Exposure.Access != scan.AccessVersion || r.Exposure.Reach != scan.ClassLoopback || r.Exposure.Level != scan.LevelLow {
		t.Fatalf("exposure = %+v", r.Exposure)
	}
	if !strings.Contains(strings.Join(r.Exposure.Reasons, "\n"), "discloses "+c.Version) {
		t.Errorf("reasons do not name the disclosed version: %v", r.Exposure.Reasons)
	}
	if status(r, "/api/v1/namespaces") != 403 {
		t.Errorf("/api/v1/namespaces = %d, want 403 to system:anonymous", status(r, "/api/v1/namespaces"))
	}
	if r.TLS == nil || !r.TLS.Kubernetes || !r.TLS.ClientCertRequested || len(r.TLS.Chain) == 0 {
		t.Fatalf("tls = %+v", r.TLS)
	}
	if r.Auth != nil {
		t.Errorf("an endpoint got an authenticated probe: %+v", r.Auth)
	}
}

func TestAnonymousHealthOnly(t *testing.T) {
	c := need(t, "HEALTH")
	r := only(t, scanJSON(t, "--no-kubeconfig", c.URL))
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if status(r, p) != 200 {
			t.Errorf("%s = %d, want 200", p, status(r, p))
		}
	}
	if status(r, "/version") != 401 {
		t.Errorf("/version = %d, want 401", status(r, "/version"))
	}
	if r.Version != nil || r.Exposure.Access != scan.AccessHealth {
		t.Fatalf("version %+v, exposure %+v; want health only", r.Version, r.Exposure)
	}
}

func TestAnonymousOffShowsOnlyTLS(t *testing.T) {
	c := need(t, "OFF")
	r := only(t, scanJSON(t, "--no-kubeconfig", c.URL))
	for _, q := range r.Anonymous {
		if q.Status != 401 {
			t.Errorf("%s = %d, want 401 with anonymous auth off", q.Path, q.Status)
		}
	}
	if r.Exposure.Access != scan.AccessTLS || r.Exposure.Level != scan.LevelNone || r.Version != nil {
		t.Fatalf("exposure %+v, version %+v; want TLS fingerprint only", r.Exposure, r.Version)
	}
	if len(r.TLS.Chain) == 0 || r.TLS.Chain[0].SHA256 == "" {
		t.Fatalf("no fingerprint: %+v", r.TLS)
	}
}

// TestAuthenticatedVersionsAndSkew creates Node objects through the API,
// setting kubelet versions through the status subresource as a kubelet
// would, and expects the authenticated probe to read and judge them.
func TestAuthenticatedVersionsAndSkew(t *testing.T) {
	c := need(t, "OFF") // anonymous off: everything must come from the kubeconfig
	cs := adminClient(t, c)
	suffix := rand.String(5)
	kubelets := map[string]string{
		"current-" + suffix: c.Version,
		"allowed-" + suffix: "v1.34.1",
		"ancient-" + suffix: "v1.33.4",
	}
	for name, v := range kubelets {
		createNode(t, cs, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, corev1.NodeSystemInfo{KubeletVersion: v})
	}

	r := only(t, scanJSON(t, "--kubeconfig", c.Kubeconfig))
	a := r.Auth
	if a == nil || a.Error != "" {
		t.Fatalf("auth = %+v", a)
	}
	if a.ServerVersion != c.Version || a.User != "realcluster-admin" {
		t.Fatalf("server version %q user %q", a.ServerVersion, a.User)
	}
	if r.Version == nil || r.Version.Source != "authenticated" || r.Version.GitVersion != c.Version {
		t.Errorf("version = %+v, want %s from the authenticated probe", r.Version, c.Version)
	}
	got := map[string]scan.Node{}
	for _, n := range a.Nodes {
		got[n.Name] = n
	}
	for name, v := range kubelets {
		if got[name].KubeletVersion != v {
			t.Errorf("node %s kubelet %q, want %q", name, got[name].KubeletVersion, v)
		}
	}
	if got["ancient-"+suffix].MinorsBehind != 4 || got["allowed-"+suffix].MinorsBehind != 3 {
		t.Errorf("minors behind: %+v", got)
	}
	if a.Skew == nil || a.Skew.MaxBehind < 4 {
		t.Fatalf("skew = %+v", a.Skew)
	}
	var violated []string
	for _, v := range a.Skew.Violations {
		violated = append(violated, strings.SplitN(v, ":", 2)[0])
	}
	if !contains(violated, "ancient-"+suffix) || contains(violated, "allowed-"+suffix) || contains(violated, "current-"+suffix) {
		t.Errorf("violations = %v, want only ancient-%s among ours", a.Skew.Violations, suffix)
	}
	if r.Exposure.Access != scan.AccessTLS {
		t.Errorf("anonymous view changed by the kubeconfig: %+v", r.Exposure)
	}
}

// adminConfig is the client-go config of the cluster's admin.
func adminConfig(c cluster) *rest.Config {
	return &rest.Config{Host: c.URL, BearerToken: c.Token, TLSClientConfig: rest.TLSClientConfig{CAFile: c.CA}}
}

// adminClient is a client-go clientset for the cluster as its admin.
func adminClient(t *testing.T, c cluster) *kubernetes.Clientset {
	t.Helper()
	cs, err := kubernetes.NewForConfig(adminConfig(c))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// createNode creates n through the API, then sets its nodeInfo through
// the status subresource as a kubelet would, and deletes it when the test
// ends.
func createNode(t *testing.T, cs *kubernetes.Clientset, n *corev1.Node, info corev1.NodeSystemInfo) {
	t.Helper()
	ctx := context.Background()
	made, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{}) })
	made.Status.NodeInfo = info
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, made, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAuthenticatedFailuresKeepAnonymousView: a rejected token, a user
// without RBAC and a CA that does not verify each explain themselves, and
// the anonymous results stay.
func TestAuthenticatedFailuresKeepAnonymousView(t *testing.T) {
	c := need(t, "ANON")
	other := need(t, "OFF")
	dir := t.TempDir()
	ca, err := os.ReadFile(c.CA)
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := os.ReadFile(other.CA)
	if err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(dir, "kubeconfig")
	writeKubeconfig(t, kc, c.URL, map[string]userCA{
		"bad-token": {token: "not-a-valid-token", ca: ca},
		"no-rbac":   {token: c.UserToken, ca: ca},
		"wrong-ca":  {token: c.Token, ca: otherCA},
	})
	doc := scanJSON(t, "--kubeconfig", kc)
	if len(doc.Results) != 3 {
		t.Fatalf("want 3 rows, got %d", len(doc.Results))
	}
	byName := map[string]scan.Result{}
	for _, r := range doc.Results {
		byName[r.Target.Name] = r
		if r.Exposure.Access != scan.AccessVersion || r.Version == nil {
			t.Errorf("%s: anonymous view lost: %+v", r.Target.Name, r.Exposure)
		}
	}
	if a := byName["bad-token"].Auth; a == nil || a.ErrorKind != scan.AuthUnauthorized {
		t.Errorf("bad-token auth = %+v", a)
	}
	if a := byName["wrong-ca"].Auth; a == nil || a.ErrorKind != scan.AuthCAMismatch {
		t.Errorf("wrong-ca auth = %+v", a)
	}
	a := byName["no-rbac"].Auth
	if a == nil || a.Error != "" || a.User != "realcluster-user" || a.ServerVersion != c.Version {
		t.Fatalf("no-rbac auth = %+v", a)
	}
	if w := strings.Join(a.Warnings, "\n"); !strings.Contains(w, "nodes: permission denied") {
		t.Errorf("no-rbac warnings = %q, want nodes forbidden", w)
	}
	// Nothing secret in what is printed.
	raw, _ := json.Marshal(doc)
	for _, secret := range []string{c.Token, c.UserToken} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatal("a token appears in the JSON report")
		}
	}
}

type userCA struct {
	token string
	ca    []byte
}

// writeKubeconfig writes one cluster+user+context per entry, all pointing at
// server, the way kubectl would have written them.
func writeKubeconfig(t *testing.T, path, server string, ctxs map[string]userCA) {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nclusters:\n")
	for name, u := range ctxs {
		fmt.Fprintf(&b, "- name: %s\n  cluster:\n    server: %s\n    certificate-authority-data: %s\n", name, server, b64(u.ca))
	}
	b.WriteString("users:\n")
	for name, u := range ctxs {
		fmt.Fprintf(&b, "- name: %s\n  user:\n    token: %s\n", name, u.token)
	}
	b.WriteString("contexts:\n")
	for name := range ctxs {
		fmt.Fprintf(&b, "- name: %s\n  context:\n    cluster: %s\n    user: %s\n", name, name, name)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestJudgedEndToEnd: the real server's version (v1.37, newer than the
// embedded data) is judged unknown with the reason and the way out, never
// current; the advice and the gate work on the real result.
func TestJudgedEndToEnd(t *testing.T) {
	c := need(t, "ANON")
	doc, code, stderr := scanJSONCode(t, "--no-kubeconfig", "--now", "2026-11-26", "--fail-on", "exposure:low", c.URL)
	if code != 3 || !strings.Contains(stderr, "exposure low") {
		t.Fatalf("--fail-on exposure:low: exit %d, stderr %q", code, stderr)
	}
	r := only(t, doc)
	u := r.Urgency
	if u == nil || u.Level != "unknown" || !strings.Contains(u.Reason, "newer than the data") || !strings.Contains(u.Reason, "data update") {
		t.Fatalf("urgency = %+v", u)
	}
	if u.JudgedAt != "2026-11-26" || doc.Data.DataAsOf == "" || doc.Data.Stale == "" {
		t.Errorf("judgedAt %q, data %+v", u.JudgedAt, doc.Data)
	}
	if r.Advice == nil || r.Advice.Cadence == "" || len(r.Advice.Restrict) == 0 {
		t.Fatalf("advice = %+v", r.Advice)
	}
	var cmds []string
	for _, s := range r.Advice.Restrict {
		cmds = append(cmds, s.Commands...)
	}
	if !strings.Contains(strings.Join(cmds, "\n"), "anonymous") {
		t.Errorf("version disclosed anonymously, but no advice on anonymous access: %v", cmds)
	}
	_, code, _ = scanJSONCode(t, "--no-kubeconfig", "--now", "2026-11-26", "--fail-on", "exposure:medium", c.URL)
	if code != 0 {
		t.Errorf("--fail-on exposure:medium on a loopback server: exit %d", code)
	}
}
