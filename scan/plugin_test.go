package scan

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubesurface/kubesurface/scan/credential"
	"github.com/kubesurface/kubesurface/scan/credential/credentialtest"
)

// These tests run exec credential plugins (shell scripts) through the
// scanner as a kubeconfig context would, and check what reaches the server,
// what the row says, and what is left running afterwards (in /proc).

// execCredential is what a well-behaved plugin prints.
const execCredential = `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"` + testToken + `"}}`

// requireShell skips where the plugins (POSIX shell scripts) and the
// process checks (/proc) cannot run.
func requireShell(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the plugin scripts and process checks need Linux")
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plugin.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// marker is an environment entry unique to the test (see credentialtest).
func marker(*testing.T) string { return credentialtest.Marker() }

const markPrefix = credentialtest.MarkPrefix

// pluginServer is an API server that accepts testToken (alice).
func pluginServer(t *testing.T) (*httptest.Server, *testCA, *recorder) {
	t.Helper()
	ca := newTestCA(t, "kubernetes")
	rec := &recorder{}
	return startTLS(t, ca.leaf(t), rec.wrap(authedAPIServer())), ca, rec
}

// pluginTarget is a context on srv whose user runs command with args and
// the marker in its environment.
func pluginTarget(t *testing.T, name string, srv *httptest.Server, ca *testCA, mark, command string, args ...string) Target {
	t.Helper()
	k, v, _ := strings.Cut(mark, "=")
	return contextTarget(t, name, srv.URL, &rest.Config{
		Host:            srv.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca.pem},
		ExecProvider: &clientcmdapi.ExecConfig{
			APIVersion:      "client.authentication.k8s.io/v1",
			Command:         command,
			Args:            args,
			Env:             []clientcmdapi.ExecEnvVar{{Name: k, Value: v}},
			InteractiveMode: clientcmdapi.IfAvailableExecInteractiveMode,
		},
	})
}

// leftRunning lists the live processes whose environment holds mark.
func leftRunning(t *testing.T, mark string) []string {
	t.Helper()
	procs, err := credentialtest.Running(mark)
	if err != nil {
		t.Fatal(err)
	}
	return procs
}

// waitUntil polls cond until it holds or a generous safety deadline
// passes (which fails the test: something hung).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func authKind(t *testing.T, r Result, kind string, words ...string) {
	t.Helper()
	if r.Auth == nil {
		t.Fatalf("%s: no auth result", r.Target.Name)
	}
	if r.Auth.ErrorKind != kind {
		t.Errorf("%s: auth error kind %q (%s), want %q", r.Target.Name, r.Auth.ErrorKind, r.Auth.Error, kind)
	}
	if strings.ContainsAny(r.Auth.Error, "\r\n") {
		t.Errorf("%s: auth error %q is not one line", r.Target.Name, r.Auth.Error)
	}
	for _, w := range words {
		if !strings.Contains(r.Auth.Error, w) {
			t.Errorf("%s: auth error %q does not say %q", r.Target.Name, r.Auth.Error, w)
		}
	}
}

// TestPluginCredentialIsUsed is the baseline the others depart from: a
// guarded plugin's token reaches the context's server, and nothing of the
// plugin is left running.
func TestPluginCredentialIsUsed(t *testing.T) {
	requireShell(t)
	srv, ca, rec := pluginServer(t)
	mark := marker(t)
	plugin := script(t, "echo '"+execCredential+"'")
	res := New(Options{Timeout: credTimeout}).Scan(t.Context(), []Target{pluginTarget(t, "sso", srv, ca, mark, plugin)})
	if a := res[0].Auth; a == nil || a.Error != "" || a.User != "alice" {
		t.Fatalf("auth %+v, want alice with the plugin's token", a)
	}
	authed, _, headers := split(rec.requests())
	if len(authed) != 5 || headers[0] != "Bearer "+testToken {
		t.Errorf("authenticated requests %q with %q, want the probe's five with the plugin's token", authed, headers)
	}
	if left := leftRunning(t, mark); len(left) > 0 {
		t.Errorf("still running after the scan: %q", left)
	}
	noTokenInJSON(t, res)
}

// TestPluginOutputIsCapped feeds plugins that print without end, or just
// past the cap: the guard stops them at DefaultMaxOutput (the row says
// so, the plugin is not waited for until its timeout), while an honest
// ExecCredential padded to exactly the cap still works.
func TestPluginOutputIsCapped(t *testing.T) {
	requireShell(t)
	srv, ca, _ := pluginServer(t)
	mark := marker(t)
	pad := credential.DefaultMaxOutput - len(execCredential) - 1 // echo's newline
	exact := script(t, fmt.Sprintf("echo '%s'; head -c %d /dev/zero | tr '\\0' ' '", execCredential, pad))
	over := script(t, fmt.Sprintf("echo '%s'; head -c %d /dev/zero | tr '\\0' ' '", execCredential, pad+1))
	endless := script(t, "yes ExecCredential")
	huge := script(t, "head -c 300000000 /dev/zero")
	// A long timeout: the cap, not the clock, must end the endless one.
	res := New(Options{Timeout: 30 * time.Second}).Scan(t.Context(), []Target{
		pluginTarget(t, "exact", srv, ca, mark, exact),
		pluginTarget(t, "over", srv, ca, mark, over),
		pluginTarget(t, "endless", srv, ca, mark, endless),
		pluginTarget(t, "huge", srv, ca, mark, huge),
	})
	if a := res[0].Auth; a == nil || a.Error != "" || a.User != "alice" {
		t.Errorf("exact: auth %+v, want alice: output of exactly the cap is allowed", a)
	}
	for _, r := range res[1:] {
		authKind(t, r, AuthPluginFailed, "plugin.sh", "printed more than 1 MiB and was stopped")
	}
	if left := leftRunning(t, mark); len(left) > 0 {
		t.Errorf("still running after the scan: %q", left)
	}
}

// hangingPlugin sleeps for ever and has started a child that does too.
const hangingPlugin = "sleep 100001 &\nsleep 100002"

// TestPluginHangingIsKilledAtItsTimeout: a plugin that never answers (and
// has a child) is killed with its whole process group at PluginTimeout,
// and the row says so.
func TestPluginHangingIsKilledAtItsTimeout(t *testing.T) {
	requireShell(t)
	srv, ca, _ := pluginServer(t)
	mark := marker(t)
	opts := Options{Timeout: 500 * time.Millisecond}
	res := New(opts).Scan(t.Context(), []Target{pluginTarget(t, "hangs", srv, ca, mark, script(t, hangingPlugin))})
	authKind(t, res[0], AuthTimeout, "plugin.sh", "gave no answer within "+PluginTimeout(opts.Timeout).String(), "stopped")
	if left := leftRunning(t, mark); len(left) > 0 {
		t.Errorf("still running after the scan returned: %q", left)
	}
}

// TestPluginKilledWhenKubesurfaceDies kills a scanning process (this test
// binary, re-executed) with SIGKILL while its plugin hangs: nothing of
// the plugin may outlive it.
func TestPluginKilledWhenKubesurfaceDies(t *testing.T) {
	requireShell(t)
	if os.Getenv("KUBESURFACE_TEST_CHILD") == "hanging-plugin" {
		srv, ca, _ := pluginServer(t)
		New(Options{Timeout: time.Hour}).Scan(t.Context(), []Target{
			pluginTarget(t, "hangs", srv, ca, markPrefix+os.Getenv("KUBESURFACE_TEST_MARK"), script(t, hangingPlugin)),
		})
		t.Fatal("the scan returned; it should have been killed")
	}
	mark := marker(t)
	child := exec.Command(os.Args[0], "-test.run=^TestPluginKilledWhenKubesurfaceDies$", "-test.count=1")
	// The child gets the marker's value only, so that it does not count
	// as a plugin process itself.
	// The child dies by SIGKILL and cannot remove its own temporary
	// directories: they go under ours, which is removed.
	child.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "KUBESURFACE_TEST_CHILD=hanging-plugin", "KUBESURFACE_TEST_MARK="+strings.TrimPrefix(mark, markPrefix))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// The guard, the shell and its two sleeps.
	waitUntil(t, "the plugin and its child to start", func() bool { return len(leftRunning(t, mark)) >= 4 })
	running := leftRunning(t, mark)
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	waitUntil(t, fmt.Sprintf("the plugin processes %q to end after kubesurface was killed", running), func() bool {
		return len(leftRunning(t, mark)) == 0
	})
}

// TestPluginRunsAreShared scans 40 contexts whose users run the same
// plugin the same way: one run serves them all, whether it fails (not
// logged in) or succeeds.
func TestPluginRunsAreShared(t *testing.T) {
	requireShell(t)
	srv, ca, _ := pluginServer(t)
	for _, tc := range []struct {
		name, body string
		check      func(t *testing.T, r Result)
	}{
		{"failing", "exit 1", func(t *testing.T, r Result) {
			authKind(t, r, AuthPluginFailed, "plugin.sh", "exit code 1")
		}},
		{"succeeding", "echo '" + execCredential + "'", func(t *testing.T, r Result) {
			if r.Auth == nil || r.Auth.User != "alice" {
				t.Errorf("%s: auth %+v, want alice", r.Target.Name, r.Auth)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := filepath.Join(t.TempDir(), "runs")
			plugin := script(t, "echo run >> '"+runs+"'\n"+tc.body)
			mark := marker(t)
			var targets []Target
			for i := range 40 {
				targets = append(targets, pluginTarget(t, fmt.Sprintf("ctx-%02d", i), srv, ca, mark, plugin))
			}
			res := New(Options{Timeout: credTimeout}).Scan(t.Context(), targets)
			for _, r := range res {
				tc.check(t, r)
			}
			b, _ := os.ReadFile(runs)
			if n := strings.Count(string(b), "run\n"); n != 1 {
				t.Errorf("the plugin ran %d times for 40 identical contexts, want once", n)
			}
		})
	}
}

// TestPluginRunsAreLimited scans contexts whose plugins differ (their
// arguments), so none can share: each records how many plugins were
// running when it started, which must never exceed PluginConcurrency.
func TestPluginRunsAreLimited(t *testing.T) {
	requireShell(t)
	srv, ca, _ := pluginServer(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	plugin := script(t, `touch "`+dir+`/running.$$"
ls "`+dir+`" | grep -c '^running\.' >> "`+log+`"
sleep 0.3
rm "`+dir+`/running.$$"
echo '`+execCredential+`'`)
	mark := marker(t)
	var targets []Target
	for i := range 12 {
		targets = append(targets, pluginTarget(t, fmt.Sprintf("ctx-%02d", i), srv, ca, mark, plugin, "--cluster", strconv.Itoa(i)))
	}
	const limit = 3
	res := New(Options{Timeout: 10 * time.Second, PluginConcurrency: limit}).Scan(t.Context(), targets)
	for _, r := range res {
		if r.Auth == nil || r.Auth.User != "alice" {
			t.Errorf("%s: auth %+v, want alice", r.Target.Name, r.Auth)
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	counts := strings.Fields(string(b))
	if len(counts) != len(targets) {
		t.Errorf("%d plugin runs for %d different plugin invocations", len(counts), len(targets))
	}
	most := 0
	for _, c := range counts {
		n, _ := strconv.Atoi(c)
		most = max(most, n)
	}
	t.Logf("at most %d plugins ran at once (limit %d)", most, limit)
	if most > limit || most < 1 {
		t.Errorf("up to %d plugins ran at once, want at most %d", most, limit)
	}
}

// TestPluginGarbageOutput: plugins that exit 0 but print no usable
// ExecCredential are plugin failures in plain words, not "other".
func TestPluginGarbageOutput(t *testing.T) {
	requireShell(t)
	srv, ca, rec := pluginServer(t)
	mark := marker(t)
	cases := map[string]string{
		"garbage":       "echo 'hello, I am not JSON'",
		"html":          "echo '<html><body>Sign in</body></html>'",
		"no-token":      `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}'`,
		"other-version": `echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}'`,
		"half-pair":     `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"x"}}'`,
	}
	var targets []Target
	for name, body := range cases {
		targets = append(targets, pluginTarget(t, name, srv, ca, mark, script(t, body)))
	}
	res := New(Options{Timeout: credTimeout}).Scan(t.Context(), targets)
	for _, r := range res {
		authKind(t, r, AuthPluginFailed, "plugin.sh", "ExecCredential")
	}
	for _, r := range res {
		if (r.Target.Name == "garbage" || r.Target.Name == "html") && !strings.Contains(r.Auth.Error, "printed something that is not an ExecCredential") {
			t.Errorf("%s: %q, want it to say the output is not an ExecCredential", r.Target.Name, r.Auth.Error)
		}
	}
	if authed, _, _ := split(rec.requests()); len(authed) != 0 {
		t.Errorf("requests with credentials %q, want none", authed)
	}
}

// TestPluginMissingKeepsItsHint: a plugin that is not installed is named
// (not kubesurface, which runs it), and the kubeconfig's installHint is
// kept, on one line.
func TestPluginMissingKeepsItsHint(t *testing.T) {
	requireShell(t)
	srv, ca, _ := pluginServer(t)
	tg := pluginTarget(t, "missing", srv, ca, marker(t), "kubesurface-no-such-plugin")
	tg.Rest.ExecProvider.InstallHint = "Install it with:\n  brew install no-such-plugin"
	res := New(Options{Timeout: credTimeout}).Scan(t.Context(), []Target{tg})
	authKind(t, res[0], AuthPluginMissing, "credential plugin kubesurface-no-such-plugin is not installed", "Install it with: brew install no-such-plugin")
}

// TestPluginStderrIsCapped: what a plugin floods stderr with never holds
// it up, and the guard passes on at most 64 KiB of it when asked to.
// (This test binary's stderr is the scan's, so the check runs in a child
// whose stderr the test reads.)
func TestPluginStderrIsCapped(t *testing.T) {
	requireShell(t)
	if os.Getenv("KUBESURFACE_TEST_CHILD") == "stderr-flood" {
		srv, ca, _ := pluginServer(t)
		plugin := script(t, "head -c 50000000 /dev/zero | tr '\\0' 'e' >&2\necho '"+execCredential+"'")
		res := New(Options{Timeout: 30 * time.Second, PluginStderr: true}).Scan(t.Context(), []Target{pluginTarget(t, "noisy", srv, ca, marker(t), plugin)})
		if a := res[0].Auth; a == nil || a.User != "alice" {
			t.Fatalf("auth %+v, want alice despite the noise", a)
		}
		return
	}
	child := exec.Command(os.Args[0], "-test.run=^TestPluginStderrIsCapped$", "-test.count=1")
	child.Env = append(os.Environ(), "KUBESURFACE_TEST_CHILD=stderr-flood")
	var stderr bytes.Buffer
	child.Stderr = &stderr
	if out, err := child.Output(); err != nil {
		t.Fatalf("child: %v\n%s\n%.2000s", err, out, stderr.String())
	}
	n := strings.Count(stderr.String(), "e")
	if n < 64<<10 || n > 64<<10+200 {
		t.Errorf("the child's stderr holds %d bytes of the plugin's, want the 64 KiB cap", n)
	}
	if !strings.Contains(stderr.String(), "more bytes of the plugin's stderr dropped") {
		t.Errorf("no note that the rest was dropped; stderr ends %q", stderr.String()[max(0, stderr.Len()-200):])
	}
}

// TestPluginRunsSharedOnlyWhenIdentical: contexts share a run only when the
// plugin would see the same thing: a different environment, or (with
// provideClusterInfo) a different cluster, is a run of its own; without
// provideClusterInfo the cluster does not matter.
func TestPluginRunsSharedOnlyWhenIdentical(t *testing.T) {
	requireShell(t)
	one, ca, _ := pluginServer(t)
	two := startTLS(t, ca.leaf(t), authedAPIServer())
	for _, tc := range []struct {
		name string
		runs int
		edit func(i int, ec *clientcmdapi.ExecConfig)
	}{
		{"same everything, two clusters", 1, func(int, *clientcmdapi.ExecConfig) {}},
		{"environments differ", 2, func(i int, ec *clientcmdapi.ExecConfig) {
			ec.Env = append(ec.Env, clientcmdapi.ExecEnvVar{Name: "AWS_PROFILE", Value: strconv.Itoa(i)})
		}},
		{"cluster info given, two clusters", 2, func(_ int, ec *clientcmdapi.ExecConfig) { ec.ProvideClusterInfo = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := filepath.Join(t.TempDir(), "runs")
			plugin := script(t, "echo run >> '"+runs+"'\necho '"+execCredential+"'")
			mark := marker(t)
			var targets []Target
			for i, srv := range []*httptest.Server{one, two, one, two} {
				tg := pluginTarget(t, fmt.Sprintf("ctx-%d", i), srv, ca, mark, plugin)
				tc.edit(i%2, tg.Rest.ExecProvider)
				targets = append(targets, tg)
			}
			res := New(Options{Timeout: credTimeout}).Scan(t.Context(), targets)
			for _, r := range res {
				if r.Auth == nil || r.Auth.User != "alice" {
					t.Errorf("%s: auth %+v, want alice", r.Target.Name, r.Auth)
				}
			}
			b, _ := os.ReadFile(runs)
			if n := strings.Count(string(b), "run\n"); n != tc.runs {
				t.Errorf("the plugin ran %d times, want %d", n, tc.runs)
			}
		})
	}
}
