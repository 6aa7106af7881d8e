package kubeconfig

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/credential"
	"github.com/kubesurface/kubesurface/scan/credential/credentialtest"
)

// TestLoadMissingUserIsConfigError: a context naming a user the
// kubeconfig lacks is a configuration error that says so, not the 401 or
// 403 of an anonymous attempt (which is what clientcmd would make of it).
func TestLoadMissingUserIsConfigError(t *testing.T) {
	hermetic(t)
	var reviews atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "selfsubjectreviews") {
			reviews.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/version" {
			fmt.Fprint(w, `{"gitVersion":"v1.30.5"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path","reason":"Forbidden","code":403}`)
	}))
	srv.StartTLS()
	t.Cleanup(srv.Close)
	p := writeFile(t, t.TempDir(), "config", fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:%d", certificate-authority-data: %s}
contexts:
- name: typo
  context: {cluster: c, user: alcie}
- name: anonymous
  context: {cluster: c}
users:
- name: alice
  user: {token: t}
`, port(t, srv), caData(srv)))
	ts, err := Load(Options{Path: p})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	typo := byName(t, ts, "typo")
	if want := `context "typo": user "alcie" not found in the kubeconfig`; typo.ConfigError != want || typo.Rest != nil {
		t.Errorf("typo: ConfigError %q (Rest set %v), want %q", typo.ConfigError, typo.Rest != nil, want)
	}
	if typo.URL == "" {
		t.Errorf("typo: no URL; the anonymous probe must still run")
	}
	if a := byName(t, ts, "anonymous"); a.ConfigError != "" || a.Rest == nil {
		t.Errorf("anonymous: ConfigError %q; a context without a user is anonymous on purpose", a.ConfigError)
	}

	res := scan.New(scan.Options{Timeout: 3 * time.Second}).Scan(t.Context(), []scan.Target{typo})
	r := res[0]
	if r.Auth == nil || r.Auth.ErrorKind != scan.AuthConfig || !strings.Contains(r.Auth.Error, `user "alcie" not found`) {
		t.Errorf("auth %+v, want kind config naming the missing user", r.Auth)
	}
	if reviews.Load() != 0 {
		t.Errorf("%d authenticated probes were attempted without the user's credentials", reviews.Load())
	}
	if r.Version == nil || r.Version.Source != "anonymous" {
		t.Errorf("version %+v: the anonymous probe should have run", r.Version)
	}
}

// pluginMarker is an environment entry unique to the test, given to the
// plugins in their exec env: the guard, the plugin and what it starts
// inherit it, which is how the test finds them in /proc.
func pluginMarker(*testing.T) string { return credentialtest.Marker() }

// running lists the live processes whose environment holds mark, and how
// many of them are plugin guards.
func running(t *testing.T, mark string) (procs []string, guards int) {
	t.Helper()
	procs, err := credentialtest.Running(mark)
	if err != nil {
		t.Fatal(err)
	}
	isGuard := map[string]bool{}
	for _, p := range procs {
		pid, cmdline, _ := strings.Cut(p, ": ")
		isGuard[pid] = strings.Contains(cmdline, credential.GuardCommand)
	}
	for _, p := range procs {
		pid, _, _ := strings.Cut(p, ": ")
		// A guard's child between fork and exec still shows the guard's
		// command line: one guard, not two.
		if isGuard[pid] && !isGuard[parentPID(pid)] {
			guards++
		}
	}
	return procs, guards
}

// parentPID is the parent of process pid, from /proc ("" once gone).
func parentPID(pid string) string {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return ""
	}
	// pid (comm) state ppid ...; comm may hold spaces and parentheses.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 2 {
		return ""
	}
	return fields[1]
}

// awsHangingKubeconfig writes n EKS-shaped contexts on srv whose users run
// `aws eks get-token` for clusters c-0..c-n-1, with an AWS configuration
// whose credential_process never answers: the aws CLI (and the sleep it
// starts) hang as they do with a network that drops packets.
func awsHangingKubeconfig(t *testing.T, srv *httptest.Server, n int, mark string) string {
	t.Helper()
	awsHangs(t)
	k, v, _ := strings.Cut(mark, "=")
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nclusters:\n")
	for i := range n {
		fmt.Fprintf(&b, "- name: c-%d\n  cluster: {server: \"https://127.0.0.1:%d\", certificate-authority-data: %s}\n", i, port(t, srv), caData(srv))
	}
	b.WriteString("contexts:\n")
	for i := range n {
		fmt.Fprintf(&b, "- name: eks-%02d\n  context: {cluster: c-%d, user: u-%d}\n", i, i, i)
	}
	b.WriteString("users:\n")
	for i := range n {
		fmt.Fprintf(&b, `- name: u-%d
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, us-east-1, eks, get-token, --cluster-name, c-%d]
      env: [{name: %s, value: %s}]
      interactiveMode: IfAvailable
`, i, i, k, v)
	}
	return writeFile(t, t.TempDir(), "config", b.String())
}

// awsHangs gives the aws CLI (confined by pluginEnv) a credential_process
// that never answers.
func awsHangs(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte("[default]\ncredential_process = /bin/sleep 100003\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestPluginAWSHangingIsKilled scans 40 EKS contexts whose real `aws eks
// get-token` hangs: at most PluginConcurrency run at once, each is killed
// with what it started at its timeout, every row says so, and once the
// scan has returned no aws process is left.
func TestPluginAWSHangingIsKilled(t *testing.T) {
	pluginEnv(t)
	requireOnPath(t, "aws")
	srv, _ := fakeAPIServer(t)
	mark := pluginMarker(t)
	ts, err := Load(Options{Path: awsHangingKubeconfig(t, srv, 40, mark)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	const limit = 8
	var (
		most  atomic.Int32
		worst []string // the processes seen when more than limit guards ran
	)
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			procs, g := running(t, mark)
			if int32(g) > most.Load() {
				most.Store(int32(g))
				if g > limit {
					worst = nil
					for _, p := range procs {
						pid, _, _ := strings.Cut(p, ": ")
						worst = append(worst, fmt.Sprintf("%s (parent %s)", p, parentPID(pid)))
					}
				}
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts := scan.Options{Timeout: 2 * time.Second, PluginConcurrency: limit}
	res := scan.New(opts).Scan(ctx, ts)
	close(stop)
	sampler.Wait()

	if left, _ := running(t, mark); len(left) > 0 {
		t.Errorf("still running after the scan returned: %q", left)
	}
	t.Logf("at most %d plugins ran at once", most.Load())
	if most.Load() > limit {
		t.Errorf("%d plugins ran at once, want at most %d; the processes then:\n%s", most.Load(), limit, strings.Join(worst, "\n"))
	}
	want := "credential plugin aws gave no answer within " + scan.PluginTimeout(opts.Timeout).String()
	for _, r := range res {
		if r.Auth == nil || r.Auth.ErrorKind != scan.AuthTimeout || !strings.HasPrefix(r.Auth.Error, want) {
			t.Errorf("%s: auth %+v, want kind timeout: %q", r.Target.Name, r.Auth, want)
		}
	}
}

// TestPluginAWSKilledWhenKubesurfaceDies: a scanning process (this test
// binary, re-executed) is killed while its aws plugins hang: none of them,
// nor the sleeps they started, outlives it.
func TestPluginAWSKilledWhenKubesurfaceDies(t *testing.T) {
	pluginEnv(t)
	requireOnPath(t, "aws")
	if os.Getenv("KUBESURFACE_TEST_CHILD") == "aws-hangs" {
		awsHangs(t)
		ts, err := Load(Options{Path: os.Getenv("KUBESURFACE_TEST_KUBECONFIG")})
		if err != nil {
			t.Fatal(err)
		}
		scan.New(scan.Options{Timeout: time.Hour}).Scan(context.Background(), ts)
		t.Fatal("the scan returned; it should have been killed")
	}
	srv, _ := fakeAPIServer(t)
	mark := pluginMarker(t)
	config := awsHangingKubeconfig(t, srv, 40, mark)
	child := exec.Command(os.Args[0], "-test.run=^TestPluginAWSKilledWhenKubesurfaceDies$", "-test.count=1")
	// The child dies by SIGKILL and cannot remove its own temporary
	// directories: they go under ours, which is removed.
	child.Env = append(os.Environ(), "TMPDIR="+t.TempDir(), "KUBESURFACE_TEST_CHILD=aws-hangs", "KUBESURFACE_TEST_KUBECONFIG="+config)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		procs, _ := running(t, mark)
		if strings.Contains(strings.Join(procs, "\n"), "sleep 100003") {
			break
		}
		if time.Now().After(deadline) {
			_ = child.Process.Kill()
			t.Fatalf("aws never reached its credential_process; running: %q", procs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	before, guards := running(t, mark)
	t.Logf("killing the scan with %d guards and %d processes in all", guards, len(before))
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	deadline = time.Now().Add(time.Minute)
	for {
		left, _ := running(t, mark)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running a minute after the scan was killed: %q", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
