package report

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

const secretToken = "tok-SECRET-123"

// apiServer answers like kube-apiserver on 127.0.0.1: strangers may read
// /version and /healthz, the bearer of secretToken is alice with one node.
// It records every Authorization header it receives.
type apiServer struct {
	mu   sync.Mutex
	seen []string
}

func (s *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.seen = append(s.seen, auth)
	s.mu.Unlock()
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	version := map[string]string{"gitVersion": "v1.29.3", "gitCommit": "6813625b7cd706db5bc7388921be03071e1a492d", "platform": "linux/amd64"}
	unauthorized := map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
	switch {
	case r.URL.Path == "/version":
		reply(http.StatusOK, version)
	case r.URL.Path == "/healthz":
		_, _ = w.Write([]byte("ok"))
	case auth != "Bearer "+secretToken:
		reply(http.StatusUnauthorized, unauthorized)
	case r.URL.Path == "/apis/authentication.k8s.io/v1/selfsubjectreviews":
		reply(http.StatusCreated, map[string]any{"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1", "metadata": map[string]any{},
			"status": map[string]any{"userInfo": map[string]any{"username": "alice", "groups": []string{"system:authenticated"}}}})
	case r.URL.Path == "/api/v1/nodes":
		reply(http.StatusOK, map[string]any{"kind": "NodeList", "apiVersion": "v1", "metadata": map[string]any{},
			"items": []any{map[string]any{"metadata": map[string]any{"name": "node-1"},
				"status": map[string]any{"nodeInfo": map[string]any{"kubeletVersion": "v1.27.9"}}}}})
	default:
		reply(http.StatusNotFound, map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404})
	}
}

// Reports never carry a credential: a kubeconfig context's token is used
// by the scan (the server sees it, and the authenticated view is in the
// report), yet no exported file contains it.
func TestExportsCarryNoCredentials(t *testing.T) {
	api := &apiServer{}
	srv := httptest.NewUnstartedServer(api)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener.Close()
	srv.Listener = l
	srv.StartTLS()
	defer srv.Close()

	target, err := scan.FromServer("ctx-with-token", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	target.Rest = &rest.Config{Host: srv.URL, BearerToken: secretToken, TLSClientConfig: rest.TLSClientConfig{Insecure: true}}
	results := scan.New(scan.Options{Timeout: 10 * time.Second}).Scan(t.Context(), []scan.Target{target})
	if len(results) != 1 {
		t.Fatalf("%d results", len(results))
	}
	r := &results[0]
	if r.Auth == nil || r.Auth.User != "alice" || r.Auth.Error != "" {
		t.Fatalf("the authenticated probe did not run as the token's user: %+v (errors %v)", r.Auth, r.Errors)
	}
	api.mu.Lock()
	sent := strings.Join(api.seen, "\n")
	api.mu.Unlock()
	if !strings.Contains(sent, secretToken) {
		t.Fatal("the server never received the token: the test would prove nothing")
	}

	data, err := assess.Base()
	if err != nil {
		t.Fatal(err)
	}
	judgedAt := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	assess.Judge(r, data, judgedAt)
	if r.Urgency == nil || r.Urgency.Level == "" {
		t.Fatalf("not judged: %+v", r.Urgency)
	}
	info := DataInfo{Origin: "embedded snapshot", SnapshotDate: data.SnapshotDate, DataAsOf: data.DataAsOf, Stale: assess.Staleness(data, judgedAt)}

	dir := t.TempDir()
	for _, format := range ExportFormats {
		path := filepath.Join(dir, DefaultName(format, judgedAt))
		if err := Export(path, format, results, judgedAt, info, Options{}, false); err != nil {
			t.Fatalf("Export %s: %v", format, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := string(b)
		if strings.Contains(out, secretToken) || strings.Contains(out, "SECRET") {
			t.Errorf("%s report contains the token", format)
		}
		want := []string{"ctx-with-token", "v1.29.3"}
		switch format {
		case "csv": // the flat table has no column for the owner's view
		case "sarif": // findings only: whose view was used is no finding
		case "junit": // verdicts and whose view they rest on, not the nodes
			want = append(want, "alice")
		case "stats": // the numbers: the minor it runs, no names
			want = []string{`"minor": "1.29"`}
		default:
			want = append(want, "alice", "v1.27.9")
		}
		for _, want := range want {
			if !strings.Contains(out, want) {
				t.Errorf("%s report lacks %q: the scan's findings did not reach it", format, want)
			}
		}
	}
}
