package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// readinessCluster is an API server as a kubeconfig context sees it: its
// version, who the token is, its nodes' kubelets, and /metrics for that
// token (metrics is the body, or "" for a 403 naming the user). A stranger
// gets 401 everywhere but /version. It counts the /metrics requests that
// carried the token. Loopback only.
func readinessCluster(t *testing.T, gitVersion string, kubelets []string, metrics string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var authedMetrics atomic.Int64
	var items []any
	for i, v := range kubelets {
		items = append(items, map[string]any{"metadata": map[string]any{"name": "node-" + string(rune('a'+i))},
			"status": map[string]any{"nodeInfo": map[string]any{"kubeletVersion": v, "operatingSystem": "linux"}}})
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authed := r.Header.Get("Authorization") == "Bearer t0ken"
		switch {
		case r.URL.Path == "/version":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"major": "1", "gitVersion": gitVersion})
		case !authed:
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		case strings.HasSuffix(r.URL.Path, "/selfsubjectreviews"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","status":{"userInfo":{"username":"ci-bot"}}}`))
		case r.URL.Path == "/api/v1/nodes":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"kind": "NodeList", "apiVersion": "v1", "metadata": map[string]any{}, "items": items})
		case r.URL.Path == "/metrics":
			authedMetrics.Add(1)
			if metrics == "" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden: User \"ci-bot\" cannot get path \"/metrics\"","reason":"Forbidden","code":403}`))
				return
			}
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			w.Write([]byte(metrics))
		default:
			http.Error(w, "Not Found", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &authedMetrics
}

// deprecatedMetrics is what a 1.37 server's /metrics says when clients
// still call resource.k8s.io/v1beta1 (gone in 1.38) and leasecandidates of
// coordination.k8s.io/v1beta1 (gone in 1.39).
const deprecatedMetrics = `# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="resource.k8s.io",removed_release="1.38",resource="resourceclaims",subresource="",version="v1beta1"} 1
apiserver_requested_deprecated_apis{group="coordination.k8s.io",removed_release="1.39",resource="leasecandidates",subresource="",version="v1beta1"} 1
# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="resource.k8s.io",resource="resourceclaims",scope="namespace",subresource="",verb="LIST",version="v1beta1"} 9
apiserver_request_total{code="201",component="apiserver",dry_run="",group="resource.k8s.io",resource="resourceclaims",scope="namespace",subresource="",verb="POST",version="v1beta1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leasecandidates",scope="namespace",subresource="",verb="GET",version="v1beta1"} 40
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 500
`

// scanGate runs the built binary's `scan -o json` with --fail-on
// readiness:blocked and returns the exit code and the one result.
func scanGate(t *testing.T, kc string) (int, scan.Result, string) {
	t.Helper()
	p := startBinary(t, nil, "scan", "--kubeconfig", kc, "--timeout", "10s", "--now", "2026-11-26", "-o", "json", "--fail-on", "readiness:blocked")
	code := p.wait(t)
	var doc report.Document
	if err := json.Unmarshal([]byte(p.stdout.String()), &doc); err != nil || len(doc.Results) != 1 {
		t.Fatalf("exit %d, decode: %v\n%s\n%s", code, err, p.stdout.String(), p.stderr.String())
	}
	return code, doc.Results[0], p.stderr.String()
}

// --fail-on readiness:blocked through the built binary, against a
// kubeconfig context whose server lists its nodes and serves /metrics.
func TestFailOnReadinessBlocked(t *testing.T) {
	t.Run("kubelet skew", func(t *testing.T) {
		// 1.35 with kubelets at 1.32: the hop to 1.36 would put them 4
		// minors behind. Skew alone blocks, whatever /metrics says.
		srv, _ := readinessCluster(t, "v1.35.2", []string{"v1.32.9", "v1.32.9", "v1.35.2"}, "")
		code, r, stderr := scanGate(t, writeKubeconfig(t, map[string]string{"prod": srv.URL}))
		rd := r.Readiness
		if code != exitGate || rd == nil || rd.Verdict != "blocked" || len(rd.Hops) != 1 {
			t.Fatalf("exit %d, readiness %+v\n%s", code, rd, stderr)
		}
		if k := rd.Hops[0].Kubelets; len(k) != 1 || k[0].Version != "1.32" || k[0].Count != 2 || strings.Join(k[0].Nodes, ",") != "node-a,node-b" {
			t.Errorf("kubelet blockers %+v", k)
		}
		if !strings.Contains(stderr, "--fail-on reached: prod: readiness blocked") {
			t.Errorf("stderr %q", stderr)
		}
	})

	t.Run("deprecated APIs in use", func(t *testing.T) {
		srv, authed := readinessCluster(t, "v1.37.2", []string{"v1.37.2", "v1.36.0"}, deprecatedMetrics)
		code, r, stderr := scanGate(t, writeKubeconfig(t, map[string]string{"prod": srv.URL}))
		if authed.Load() == 0 {
			t.Fatalf("the scan never requested /metrics with the context's token (exit %d)\n%s", code, stderr)
		}
		rd := r.Readiness
		if code != exitGate || rd == nil || rd.Verdict != "blocked" || len(rd.Hops) != 2 {
			t.Fatalf("exit %d, metrics %+v, readiness %+v\n%s", code, r.Auth.Metrics, rd, stderr)
		}
		apis := rd.Hops[0].APIs
		if len(apis) != 1 || apis[0].Resource != "resourceclaims" || apis[0].Source != "metric" || apis[0].Requests == nil || *apis[0].Requests != 12 {
			t.Errorf("1.37 → 1.38 APIs %+v", apis)
		}
		if apis := rd.Hops[1].APIs; len(apis) != 1 || apis[0].Resource != "leasecandidates" {
			t.Errorf("1.38 → 1.39 APIs %+v", apis)
		}
	})

	t.Run("metrics forbidden", func(t *testing.T) {
		srv, authed := readinessCluster(t, "v1.35.2", []string{"v1.35.2"}, "")
		code, r, stderr := scanGate(t, writeKubeconfig(t, map[string]string{"prod": srv.URL}))
		if authed.Load() == 0 {
			t.Fatalf("the scan never requested /metrics with the context's token (exit %d)\n%s", code, stderr)
		}
		if code != exitOK || r.Readiness == nil || r.Readiness.Verdict != "unknown" || !strings.Contains(r.Readiness.Reason, "forbidden to ci-bot") {
			t.Fatalf("exit %d, readiness %+v\n%s", code, r.Readiness, stderr)
		}
		if r.Advice == nil || len(r.Advice.Grant) != 1 || !strings.Contains(strings.Join(r.Advice.Grant[0].Commands, "\n"), `name: "ci-bot"`) {
			t.Errorf("advice grant %+v", r.Advice)
		}
	})
}
