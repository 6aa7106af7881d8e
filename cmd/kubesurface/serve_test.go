package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
)

// servingAt waits for serve's first line on stderr and returns the address
// it bound (--listen 127.0.0.1:0 picks a free port).
func servingAt(t *testing.T, p *process) string {
	t.Helper()
	at := regexp.MustCompile(`serving http://(127\.0\.0\.1:[0-9]+)/metrics`)
	var addr string
	waitUntil(t, "serving line", func() bool {
		if m := at.FindStringSubmatch(p.stderr.String()); m != nil {
			addr = m[1]
			return true
		}
		select {
		case <-p.exited:
			t.Fatalf("serve exited %d: %s", p.code, p.stderr.String())
		default:
		}
		return false
	})
	return addr
}

// get is the status and body of GET http://addr/path.
func get(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// scrape reads /metrics as Prometheus would and parses it with
// Prometheus's own text parser.
func scrape(t *testing.T, addr string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	code, body := get(t, addr, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the scrape does not parse: %v\n%s", err, body)
	}
	return fams, body
}

// labelsOf are a series' labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// value is the value of the series of family name whose labels include
// want, and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		ls := labelsOf(m)
		for k, v := range want {
			if ls[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// targetsIn are the target labels of kubesurface_target_info.
func targetsIn(fams map[string]*dto.MetricFamily) map[string]map[string]string {
	out := map[string]map[string]string{}
	if f := fams["kubesurface_target_info"]; f != nil {
		for _, m := range f.GetMetric() {
			ls := labelsOf(m)
			out[ls["target"]] = ls
		}
	}
	return out
}

// heldServer answers nothing until release is closed, then /version: a
// scan of it stays in flight as long as the test wants. asked counts the
// requests that arrived.
func heldServer(t *testing.T) (srv *httptest.Server, release chan struct{}, asked *atomic.Int64) {
	t.Helper()
	release, asked = make(chan struct{}), new(atomic.Int64)
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		if r.URL.Path == "/version" {
			w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.1"}`))
			return
		}
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		srv.Close()
	})
	return srv, release, asked
}

// The exporter end to end, through the built binary: real servers on
// 127.0.0.1 (a kubeconfig context with nodes and /metrics, contexts whose
// server URLs hold a password and a token, endpoints from a file), scraped
// over HTTP and read by Prometheus's text parser. /readyz waits for the
// first scan; the metrics agree with what `scan -o json` says of the same
// targets; a rescan follows an upgraded server and an edited target list;
// no secret reaches any label or value.
func TestServeExportsTheLatestScan(t *testing.T) {
	prod, _ := readinessCluster(t, "v1.35.2", []string{"v1.32.9", "v1.35.2"}, "")
	prodHost := strings.TrimPrefix(prod.URL, "https://")
	upgraded, version, _ := apiServer(t, "v1.31.4")
	upgradedHost := strings.TrimPrefix(upgraded.URL, "https://")
	held, release, asked := heldServer(t)
	heldHost := strings.TrimPrefix(held.URL, "https://")

	kc := writeKubeconfig(t, map[string]string{
		"prod":                                 "https://" + prodHost,
		"userinfo":                             "https://user:" + secret + "@" + prodHost,
		"query":                                "https://" + prodHost + "/?token=" + secret,
		"https://u:" + secret + "@ctx.example": "https://" + prodHost,
	})
	list := filepath.Join(t.TempDir(), "targets.txt")
	writeList := func(lines ...string) {
		if err := os.WriteFile(list, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeList(upgradedHost, heldHost)

	p := startBinary(t, nil, "serve", "--kubeconfig", kc, "-f", list, "--now", "2026-11-26", "--timeout", "30s",
		"--interval", "1s", "--listen", "127.0.0.1:0")
	addr := servingAt(t, p)

	// The first scan waits on the held server: alive, not ready, no
	// targets yet.
	waitUntil(t, "the held server asked", func() bool { return asked.Load() > 0 })
	if code, _ := get(t, addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz during the first scan: %d", code)
	}
	if code, msg := get(t, addr, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the first scan: %d %s, want 503", code, msg)
	}
	if fams, _ := scrape(t, addr); len(targetsIn(fams)) != 0 || fams["kubesurface_last_scan_timestamp_seconds"] != nil {
		t.Errorf("metrics before the first scan completed: %v", targetsIn(fams))
	}
	close(release)
	waitUntil(t, "/readyz 200", func() bool { code, _ := get(t, addr, "/readyz"); return code == http.StatusOK })

	fams, raw := scrape(t, addr)
	noSecret(t, "the scrape", raw)
	if strings.Contains(raw, "//u:") || strings.Contains(raw, "//user:") {
		t.Errorf("user info in the scrape:\n%s", raw)
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for k, v := range labelsOf(m) {
				if strings.Contains(v, secret) || strings.Contains(v, "?token") {
					t.Errorf("%s{%s=%q} carries a secret", name, k, v)
				}
			}
		}
	}

	// What scan says of the same targets, judged at the same date.
	code, stdout, stderr := invoke(t, "", "scan", "--kubeconfig", kc, "-f", list, "--now", "2026-11-26", "--timeout", "30s", "-o", "json")
	if code != exitOK {
		t.Fatalf("scan: exit %d %s", code, stderr)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	targets := targetsIn(fams)
	if len(targets) != len(doc.Results) || len(doc.Results) != 6 {
		t.Fatalf("targets in the metrics %v, in scan's output %d", targets, len(doc.Results))
	}
	for _, r := range doc.Results {
		name := labelText(r.Target.Name)
		info, ok := targets[name]
		if !ok {
			t.Errorf("target %q of scan's output is not in the metrics: %v", name, targets)
			continue
		}
		checkTargetMetrics(t, fams, name, info, r)
	}
	for _, want := range []string{"prod", "userinfo", "query", "https://redacted@ctx.example", upgradedHost, heldHost} {
		if _, ok := targets[want]; !ok {
			t.Errorf("no target %q in %v", want, targets)
		}
	}
	if info := targets["prod"]; info["context"] != "prod" || info["version"] != "1.35.2" || info["minor"] != "1.35" {
		t.Errorf("prod's info labels %v", info)
	}
	// Kubelets at 1.32 keep 1.35 from moving on: the readiness the
	// context's credentials could judge.
	if v, ok := value(fams, "kubesurface_upgrade_blocked", map[string]string{"target": "prod", "hop": "1.35->1.36"}); !ok || v != 1 {
		t.Errorf("kubesurface_upgrade_blocked{target=prod,hop=1.35->1.36} = %v, %v; want 1", v, ok)
	}
	if v, ok := value(fams, "kubesurface_probe_errors_total", map[string]string{"phase": "connect"}); !ok || v != 0 {
		t.Errorf("connect errors %v %v, want a zero series", v, ok)
	}
	if v, _ := value(fams, "kubesurface_scan_duration_seconds", nil); v <= 0 {
		t.Errorf("scan duration %v", v)
	}
	first, _ := value(fams, "kubesurface_last_scan_timestamp_seconds", nil)
	if math.Abs(first-float64(time.Now().Unix())) > 3600 {
		t.Errorf("last scan at %v, not about now", first)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("no Go collector")
	}
	if _, ok := fams["process_resident_memory_bytes"]; !ok {
		t.Error("no process collector")
	}
	t.Run("promtool check metrics", func(t *testing.T) { promtoolCheckMetrics(t, raw) })

	// The server is upgraded and the held endpoint leaves the list: a
	// later scan follows both.
	version.Store("v1.34.1")
	writeList(upgradedHost)
	waitUntil(t, "a rescan with the upgrade and the new list", func() bool {
		fams, _ = scrape(t, addr)
		ts := targetsIn(fams)
		_, still := ts[heldHost]
		return ts[upgradedHost]["version"] == "1.34.1" && !still
	})
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			if labelsOf(m)["target"] == heldHost {
				t.Errorf("%s still has the target removed from the list", name)
			}
		}
	}
	if info := targetsIn(fams)[upgradedHost]; info["minor"] != "1.34" {
		t.Errorf("upgraded target after the rescan: %v", info)
	}
	if later, _ := value(fams, "kubesurface_last_scan_timestamp_seconds", nil); later <= first {
		t.Errorf("last scan timestamp %v after the rescan, was %v", later, first)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != exitInterrupted || !strings.Contains(p.stderr.String(), "kubesurface: interrupted") {
		t.Errorf("after SIGTERM: exit %d, stderr %s", code, p.stderr.String())
	}
	noSecret(t, "stderr", p.stderr.String())
}

// checkTargetMetrics compares one target's series with its result as scan
// wrote it.
func checkTargetMetrics(t *testing.T, fams map[string]*dto.MetricFamily, name string, info map[string]string, r scan.Result) {
	t.Helper()
	of := map[string]string{"target": name}
	if info["distribution"] != r.Dist.Name || info["context"] != labelText(r.Target.Context) {
		t.Errorf("%s: info %v, result's distribution %q context %q", name, info, r.Dist.Name, r.Target.Context)
	}
	if r.Version != nil && info["version"] != r.Version.Semver {
		t.Errorf("%s: version label %q, result %q", name, info["version"], r.Version.Semver)
	}
	if v, ok := value(fams, "kubesurface_exposure_level", of); !ok || int(v) != scan.LevelRank(r.Exposure.Level) {
		t.Errorf("%s: exposure level %v %v, result %q", name, v, ok, r.Exposure.Level)
	}
	if v, ok := value(fams, "kubesurface_anonymous_access_level", of); !ok || int(v) != accessRank(r.Exposure.Access) {
		t.Errorf("%s: anonymous access level %v %v, result %q", name, v, ok, r.Exposure.Access)
	}
	u := r.Urgency
	if u == nil {
		t.Errorf("%s: scan judged no urgency", name)
		return
	}
	if v, ok := value(fams, "kubesurface_urgency_level", of); !ok || int(v) != assess.Rank(u.Level) {
		t.Errorf("%s: urgency level %v %v, result %q", name, v, ok, u.Level)
	}
	if lc := u.Lifecycle; lc != nil && lc.EndOfStandardSupport != "" {
		want, _ := time.Parse(time.DateOnly, lc.EndOfStandardSupport)
		if v, ok := value(fams, "kubesurface_support_end_timestamp_seconds", map[string]string{"target": name, "phase": "standard"}); !ok || int64(v) != want.Unix() {
			t.Errorf("%s: standard support end %v %v, result %s", name, v, ok, lc.EndOfStandardSupport)
		}
	} else if r.Version != nil {
		t.Errorf("%s: version %s without a support window in scan's output", name, r.Version.Semver)
	}
	if r.Version == nil {
		return
	}
	counts := map[string]int{}
	for _, c := range u.CVEs {
		counts[assess.LevelOfSeverity(c.Severity)]++
	}
	for _, s := range []string{"critical", "high", "medium", "low"} {
		if v, ok := value(fams, "kubesurface_cves", map[string]string{"target": name, "severity": s}); !ok || int(v) != counts[s] {
			t.Errorf("%s: %s CVEs %v %v, result %d", name, s, v, ok, counts[s])
		}
	}
}

// accessRank is the documented anonymous access scale.
func accessRank(access string) int {
	for i, a := range []string{"unreachable", "tls", "health", "version", "discovery", "read"} {
		if a == access {
			return i
		}
	}
	return -1
}

// promtool is the promtool .ci/promtool-check builds and caches, or one on
// PATH; "" when neither is there. Found when the test binary starts, from
// the caller's cache: tests point XDG_CACHE_HOME at their own.
var promtool = findPromtool()

func findPromtool() string {
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	if p := filepath.Join(cache, "kubesurface-ci", "bin", "promtool"); fileExists(p) {
		return p
	}
	p, _ := exec.LookPath("promtool")
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// promtoolCheckMetrics lints a scrape with Prometheus's own promtool: the
// names, types and help texts follow its conventions.
func promtoolCheckMetrics(t *testing.T, scrape string) {
	bin := promtool
	if bin == "" {
		t.Skip("no promtool on PATH or in the CI cache: run .ci/promtool-check once to build it")
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// SIGTERM while a scan is in flight: serve stops at once, as scan does,
// without waiting for the probe.
func TestServeStopsMidScan(t *testing.T) {
	held, _, asked := heldServer(t)
	p := startBinary(t, nil, "serve", "--no-kubeconfig", "--timeout", "1h", "--listen", "127.0.0.1:0", strings.TrimPrefix(held.URL, "https://"))
	servingAt(t, p)
	waitUntil(t, "the held server asked", func() bool { return asked.Load() > 0 })
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t); code != exitInterrupted {
		t.Errorf("exit %d after SIGTERM mid-scan, want %d; stderr %s", code, exitInterrupted, p.stderr.String())
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--no-kubeconfig", "-"}, "stdin can be read only once"},
		{[]string{"serve", "--no-kubeconfig", "-f", "-"}, "stdin can be read only once"},
		{[]string{"serve", "--no-kubeconfig", "--interval", "10ms", "127.0.0.1:1"}, "--interval 10ms: at least 1s"},
		{[]string{"serve", "--no-kubeconfig", "--listen", "nowhere", "127.0.0.1:1"}, `--listen "nowhere"`},
		{[]string{"serve", "--no-kubeconfig", "--listen", "127.0.0.1:70000", "127.0.0.1:1"}, "invalid port"},
		{[]string{"serve", "--no-kubeconfig", "not a target"}, "not a target"},
		{[]string{"serve"}, "nothing to scan"},
	} {
		code, stdout, stderr := invoke(t, "", c.args...)
		wantUsageError(t, code, stdout, stderr, c.want)
	}
}

// An address already taken is the environment's failure, exit 1, before
// any scan.
func TestServeCannotListen(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	code, stdout, stderr := invoke(t, "", "serve", "--no-kubeconfig", "--listen", l.Addr().String(), "127.0.0.1:1")
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, "--listen "+l.Addr().String()) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestLabelsHideSecretsAndStayUnique(t *testing.T) {
	rs := []scan.Result{
		{Target: scan.Ref{Name: "https://user:" + secret + "@h.example:6443/?token=" + secret}},
		{Target: scan.Ref{Name: "prod"}},
		{Target: scan.Ref{Name: "prod"}},
		{Target: scan.Ref{Name: "bad\x1b[31m\xffname"}},
		{Target: scan.Ref{Name: strings.Repeat("x", 1000)}},
	}
	got := targetLabels(rs)
	if got[0] != "https://redacted@h.example:6443/?redacted" || got[1] != "prod" || got[2] != "prod (2)" {
		t.Errorf("labels %q", got[:3])
	}
	if strings.Contains(got[3], "\x1b") || !utf8.ValidString(got[3]) {
		t.Errorf("control bytes kept: %q", got[3])
	}
	if len(got[4]) > maxLabel+len("…") {
		t.Errorf("a %d-byte label", len(got[4]))
	}
}

// The wait is within ±10% of the interval, whatever the draw.
func TestJitteredStaysWithinTenPercent(t *testing.T) {
	for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
		d := jittered(time.Hour, r)
		if d < 54*time.Minute || d > 66*time.Minute {
			t.Errorf("jittered(1h, %v) = %s", r, d)
		}
	}
}

// The example Deployment's own command line (examples/serve/serve.yaml),
// with the ConfigMap's file and the pod's port swapped for local ones as
// the kubelet would mount them: it serves, becomes ready and exports the
// list's targets. (test/e2e checks the manifest against a real
// kube-apiserver.)
func TestServeExampleServes(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "serve", "serve.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dep *appsv1.Deployment
	for _, doc := range strings.Split(string(src), "\n---\n") {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		if meta.Kind == "Deployment" {
			dep = new(appsv1.Deployment)
			if err := yaml.UnmarshalStrict([]byte(doc), dep); err != nil {
				t.Fatal(err)
			}
		}
	}
	if dep == nil {
		t.Fatal("the example has no Deployment")
	}
	ctr := dep.Spec.Template.Spec.Containers[0]
	if !slices.Equal(ctr.Command, []string{"kubesurface"}) {
		t.Fatalf("command %q", ctr.Command)
	}
	srv, _, _ := apiServer(t, "v1.35.8")
	host := strings.TrimPrefix(srv.URL, "https://")
	targets := writeFile(t, "targets.txt", "# a local stand-in\n"+host+"\n")
	var args []string
	for _, a := range ctr.Args {
		a = strings.ReplaceAll(a, "/targets/targets.txt", targets)
		if a == ":9720" {
			a = "127.0.0.1:0"
		}
		args = append(args, a)
	}
	if slices.Equal(args, ctr.Args) {
		t.Fatalf("args %q: no target file or port to swap", ctr.Args)
	}
	p := startBinary(t, nil, args...)
	addr := servingAt(t, p)
	waitUntil(t, "/readyz 200", func() bool { code, _ := get(t, addr, "/readyz"); return code == http.StatusOK })
	fams, _ := scrape(t, addr)
	if info := targetsIn(fams)[host]; info["version"] != "1.35.8" {
		t.Errorf("targets %v: want %s at 1.35.8", targetsIn(fams), host)
	}
}

// serve in-process, so that -race watches scrapes and rescans together:
// the metrics swap while /metrics is read, and the end of the context (the
// signal's doing in main) stops it with the interrupted exit.
func TestServeScrapedWhileItRescans(t *testing.T) {
	srv, _, hits := apiServer(t, "v1.35.8")
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--no-kubeconfig", "--interval", "1s", "--listen", "127.0.0.1:0", srv.URL},
			strings.NewReader(""), io.Discard, &stderr)
	}()
	at := regexp.MustCompile(`serving http://(127\.0\.0\.1:[0-9]+)/metrics`)
	var addr string
	waitUntil(t, "serving line", func() bool {
		m := at.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	var first float64
	waitUntil(t, "a second scan", func() bool {
		fams, _ := scrape(t, addr)
		last, ok := value(fams, "kubesurface_last_scan_timestamp_seconds", nil)
		if ok && first == 0 {
			first = last
		}
		return ok && last > first && hits.Load() >= 2
	})
	cancel()
	select {
	case code := <-done:
		if code != exitInterrupted {
			t.Errorf("exit %d when the context ended, want %d; stderr %s", code, exitInterrupted, stderr.String())
		}
	case <-time.After(safety):
		t.Fatal("serve still running a minute after its context ended")
	}
}
