package scan

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// netnsEnv marks the test binary re-run inside its own network namespace.
const netnsEnv = "KUBESURFACE_SWEEP_NETNS"

// inNetns runs the calling test again in a private network namespace
// (unshare -n), where filterRange can route loopback addresses into a
// black hole, and fails if it fails there. It returns true in the copy
// that runs inside, which does the work.
func inNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) == "1" {
		setupNetns(t)
		return true
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not found: the sweep's filtered case needs a private network namespace")
	}
	if err := exec.Command("unshare", "-n", "true").Run(); err != nil {
		t.Skipf("cannot make a network namespace here (unshare -n: %v); CI runs as root and can", err)
	}
	cmd := exec.CommandContext(t.Context(), "unshare", "-n", os.Args[0], "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("in a private network namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the test failed in its network namespace: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatal("the test did not pass in its network namespace")
	}
	return false
}

// filteredBlock is routed, inside the namespace, to a veth whose far end
// drops every packet (its next hop's MAC is nobody's): a SYN there gets
// no answer at all, as from a firewall that drops. The rest of 127.0.0.0/16
// stays loopback, refusing or accepting as its listeners say.
const filteredBlock = "127.1.0.0/24"

// setupNetns brings up loopback and the black hole in the namespace the
// test runs in: only loopback addresses, only in this namespace.
func setupNetns(t *testing.T) {
	t.Helper()
	for _, c := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "ks0", "type", "veth", "peer", "name", "ks1"},
		{"addr", "add", "10.255.0.1/30", "dev", "ks0"},
		{"link", "set", "ks0", "up"},
		{"link", "set", "ks1", "up"},
		{"neigh", "add", "10.255.0.2", "lladdr", "02:00:00:00:00:01", "dev", "ks0", "nud", "permanent"},
		{"route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local"},
		{"route", "add", "local", "127.0.0.0/16", "dev", "lo", "table", "local"},
		{"route", "add", filteredBlock, "via", "10.255.0.2", "dev", "ks0", "src", "127.0.0.1"},
	} {
		if out, err := exec.Command("ip", c...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
	for _, k := range []string{"all", "ks0"} {
		if err := os.WriteFile("/proc/sys/net/ipv4/conf/"+k+"/route_localnet", []byte("1"), 0); err != nil {
			t.Fatal(err)
		}
	}
}

// planOf is the plan of endpoint inputs.
func planOf(t *testing.T, inputs ...string) *Plan {
	t.Helper()
	p := NewPlan()
	if err := p.AddEndpoints(t.Context(), inputs, DefaultMaxTargets); err != nil {
		t.Fatal(err)
	}
	return p
}

// sweepScan runs a swept scan of plan and returns every final row by
// target name, and the progress.
func sweepScan(t *testing.T, ctx context.Context, opts Options, plan *Plan) (map[string]Result, *Progress) {
	t.Helper()
	opts.Sweep, opts.Progress = true, new(Progress)
	rows := map[string]Result{}
	for u := range New(opts).RunSeq(ctx, plan.All()) {
		if u.Result.Phase == PhaseDone {
			if _, twice := rows[u.Result.Target.Name]; twice {
				t.Errorf("%s finished twice", u.Result.Target.Name)
			}
			rows[u.Result.Target.Name] = u.Result
		}
	}
	return rows, opts.Progress
}

// TestSweepClassifies: in a block, the address with an API server is
// probed in full as without the sweep, a loopback address with nothing on
// the port is refused, and a dropped one is filtered after two connects;
// each gets its row, and the progress counts them.
func TestSweepClassifies(t *testing.T) {
	if !inNetns(t) {
		return
	}
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), fakeAPIServer(http.StatusForbidden))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	plan := planOf(t, fmt.Sprintf("127.0.0.0/30:%d", port), fmt.Sprintf("127.1.0.8/31:%d", port))
	rows, p := sweepScan(t, t.Context(), Options{Timeout: 2 * time.Second}, plan)
	name := func(a string) string { return net.JoinHostPort(a, strconv.Itoa(port)) }
	if len(rows) != 6 {
		t.Fatalf("%d rows, want 6: %v", len(rows), rows)
	}
	open := rows[name("127.0.0.1")]
	if open.State != StateDone || open.Version == nil || open.Version.GitVersion == "" || len(open.Anonymous) == 0 {
		t.Errorf("open target not probed in full: state %s, version %+v, %d requests, errors %v", open.State, open.Version, len(open.Anonymous), open.Errors)
	}
	again, err := FromRef(open.Target)
	if err != nil {
		t.Fatal(err)
	}
	direct := New(Options{Timeout: 2 * time.Second}).Scan(t.Context(), []Target{again})[0]
	if direct.Exposure.Access != open.Exposure.Access || direct.Exposure.Level != open.Exposure.Level {
		t.Errorf("swept exposure %+v, probed directly %+v", open.Exposure, direct.Exposure)
	}
	for _, a := range []string{"127.0.0.0", "127.0.0.2", "127.0.0.3"} {
		r := rows[name(a)]
		if r.State != StateFailed || r.Connect == nil || r.Connect.Error != "connect: connection refused" || r.Exposure.Access != AccessUnreachable {
			t.Errorf("%s: state %s, connect %+v, access %s; want refused", a, r.State, r.Connect, r.Exposure.Access)
		}
	}
	for _, a := range []string{"127.1.0.8", "127.1.0.9"} {
		r := rows[name(a)]
		if r.State != StateFailed || r.Connect == nil || !strings.HasPrefix(r.Connect.Error, "connect: no answer within") || !strings.Contains(r.Connect.Error, "then") {
			t.Errorf("%s: state %s, connect %+v; want filtered after two connects", a, r.State, r.Connect)
		}
	}
	if p.Swept.Load() != 6 || p.Open.Load() != 1 || p.Refused.Load() != 3 || p.Filtered.Load() != 2 || p.Done.Load() != 6 || p.Targets.Load() != 6 {
		t.Errorf("progress %s, %d targets, %d done", p, p.Targets.Load(), p.Done.Load())
	}
}

// TestSweepOpenOnly: with OpenOnly the closed targets leave no row, only
// counts, and the open one is still probed in full.
func TestSweepOpenOnly(t *testing.T) {
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), fakeAPIServer(http.StatusForbidden))
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	rows, p := sweepScan(t, t.Context(), Options{OpenOnly: true}, planOf(t, fmt.Sprintf("127.0.0.0/29:%d", port)))
	if len(rows) != 1 {
		t.Fatalf("%d rows, want only the open one", len(rows))
	}
	for name, r := range rows {
		if name != fmt.Sprintf("127.0.0.1:%d", port) || r.State != StateDone || r.Version == nil {
			t.Errorf("row %s: state %s, version %+v", name, r.State, r.Version)
		}
	}
	if p.Refused.Load() != 7 || p.Open.Load() != 1 || p.Done.Load() != 8 {
		t.Errorf("progress %s, %d done", p, p.Done.Load())
	}
}

// TestSweepOnlyRanges: listed endpoints are probed without a sweep (their
// connect is the probe's own), so the sweep never counts them.
func TestSweepOnlyRanges(t *testing.T) {
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), fakeAPIServer(http.StatusForbidden))
	rows, p := sweepScan(t, t.Context(), Options{}, planOf(t, srv.Listener.Addr().String(), "127.0.0.1:1"))
	if len(rows) != 2 || p.Swept.Load() != 0 {
		t.Errorf("%d rows, %d swept; want 2 rows, none swept", len(rows), p.Swept.Load())
	}
	if r := rows["127.0.0.1:1"]; r.Connect == nil || r.Connect.Error != "connect: connection refused" {
		t.Errorf("127.0.0.1:1 connect %+v", r.Connect)
	}
}

// TestSweepStopsMidway: a stop while thousands of connects wait on a
// filtered block ends the run promptly with no goroutine left behind
// (TestMain's goleak check), rows only for what finished.
func TestSweepStopsMidway(t *testing.T) {
	if !inNetns(t) {
		return
	}
	ctx, cancel := context.WithCancel(t.Context())
	opts := Options{Sweep: true, SweepConcurrency: 128, Progress: new(Progress), Timeout: time.Minute}
	updates := New(opts).RunSeq(ctx, planOf(t, filteredBlock).All())
	for opts.Progress.Targets.Load() < 128 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	for u := range updates {
		t.Errorf("update after a stop with nothing finished: %+v", u.Result.Target)
	}
	if got := opts.Progress.Targets.Load(); got > 129 {
		t.Errorf("the run took %d targets with 128 connects in flight that had not ended", got)
	}
	if n := opts.Progress.Swept.Load(); n != 0 {
		t.Errorf("%d connects counted as finished: the stop is not an outcome", n)
	}
}
