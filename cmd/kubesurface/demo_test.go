package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/kubesurface/kubesurface/demo"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// lockedBuffer is a bytes.Buffer the command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoServeIsScannable runs `demo --serve` as main would, scans what it
// prints with `scan`, and checks that cancelling (ctrl+c) ends it cleanly.
func TestDemoServeIsScannable(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout lockedBuffer
	errR, errW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"demo", "--serve"}, strings.NewReader(""), &stdout, errW)
		errW.Close()
		done <- code
	}()

	// "serving" on stderr comes after every endpoint is on stdout.
	lines := bufio.NewScanner(errR)
	if !lines.Scan() || lines.Text() != "serving; ctrl+c to stop" {
		cancel()
		t.Fatalf("stderr %q, want the serving line (exit %d)", lines.Text(), <-done)
	}
	go io.Copy(io.Discard, errR) // whatever comes later must not block the command

	listing := stdout.String()
	var endpoints, names []string
	for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
		url, comment, ok := strings.Cut(l, "\t# ")
		name, _, _ := strings.Cut(comment, ":")
		if !ok || !strings.HasPrefix(url, "https://127.0.0.1:") || !strings.HasPrefix(name, "demo-") {
			t.Fatalf("line %q: want https://127.0.0.1:PORT<tab># demo-NAME: what it shows", l)
		}
		endpoints, names = append(endpoints, url), append(names, name)
	}
	if len(endpoints) < 8 {
		t.Fatalf("%d endpoints:\n%s", len(endpoints), listing)
	}

	// The listing itself is an endpoint list: scan it from stdin, comments
	// and all, plus the first endpoint as an argument (deduplicated).
	code, out, stderr := invoke(t, listing, "scan", "--no-kubeconfig", "-o", "json", endpoints[0], "-")
	if code != exitOK {
		t.Fatalf("scan exit %d: %s", code, stderr)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("scan output: %v\n%s", err, out)
	}
	if len(doc.Results) != len(endpoints) {
		t.Fatalf("%d results for %d endpoints", len(doc.Results), len(endpoints))
	}
	// The demo package's own test checks every verdict; here, that the
	// command serves what it lists and each server is told apart.
	dists := map[string]string{"demo-eks": scan.DistEKS, "demo-gke": scan.DistGKE, "demo-aks": scan.DistAKS,
		"demo-k3s": scan.DistK3s, "demo-openshift": scan.DistOpenShift, "demo-openshift-named": scan.DistOpenShift, "demo-kubeadm": scan.DistKubeadm}
	// A named certificate is the organisation's own, of no Kubernetes shape.
	named := map[string]bool{"demo-openshift-named": true}
	for i, r := range doc.Results {
		if r.Target.URL != endpoints[i] || r.State != scan.StateDone || r.TLS == nil || r.TLS.Kubernetes == named[names[i]] {
			t.Errorf("%s (%s): state %s, tls %+v", names[i], r.Target.URL, r.State, r.TLS)
		}
		if want, ok := dists[names[i]]; r.Dist.Name == scan.DistUnknown || ok && r.Dist.Name != want {
			t.Errorf("%s judged %s", names[i], r.Dist.Name)
		}
	}

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("demo --serve exit %d after cancel, want %d", code, exitOK)
	}
}

// TestDemoRejectsArguments: demo takes no endpoints; giving one is a usage
// error, before any server starts.
func TestDemoRejectsArguments(t *testing.T) {
	code, stdout, stderr := invoke(t, "", "demo", "https://example.com")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "unknown command") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestDemoHelpNamesWhatIsServed: the help lists every server the demo
// starts, and no other, with the ones presented as public addresses marked
// simulated.
func TestDemoHelpNamesWhatIsServed(t *testing.T) {
	code, help, stderr := invoke(t, "", "demo", "--help")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	fleet, err := demo.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	servers := fleet.Servers()
	if !strings.Contains(help, fmt.Sprintf("Start %d local HTTPS servers on 127.0.0.1", len(servers))) {
		t.Errorf("help does not count the %d servers:\n%s", len(servers), help)
	}
	listed := 0
	for _, l := range strings.Split(help, "\n") {
		if strings.HasPrefix(l, "  demo-") {
			listed++
		}
	}
	if listed != len(servers) {
		t.Errorf("help lists %d servers, the demo serves %d:\n%s", listed, len(servers), help)
	}
	simulated := 0
	for _, s := range servers {
		want := "  " + s.Name + "\n      " + s.Shows
		if s.StandsFor.IsValid() {
			simulated++
			want = "  " + s.Name + demo.Simulated + ", as " + s.StandsFor.String() + "\n      " + s.Shows
		}
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if simulated == 0 || simulated == len(servers) {
		t.Errorf("%d of %d servers simulated: want some, not all", simulated, len(servers))
	}
	// Two kubeadm servers (health-only, and the expired certificate), not
	// one per anonymous mode.
	if kubeadm := strings.Count(help, "\n      kubeadm "); kubeadm != 2 {
		t.Errorf("help describes %d kubeadm servers, the demo serves 2:\n%s", kubeadm, help)
	}
}
