// Package sourcetest serves recorded answers of the public data sources
// (endoflife.date, OSV, the official Kubernetes CVE feed) in their real
// formats, so that `data update`, the background refresh and the release
// step can be exercised on 127.0.0.1 without the Internet. One server for
// every test and for .ci/release-check keeps them all on the same samples
// and the same protocol (OSV pagination included).
package sourcetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// FeedPath is where the CVE feed is served, as kubernetes.io serves it.
const FeedPath = "/docs/reference/issues-security/official-cve-feed/index.json"

// Query is one OSV query as the server received it.
type Query struct {
	Ecosystem, Name, PageToken string
}

// Intercept may answer a request itself (returning true). key names the
// request: "eol/<product>", "osv/<package>/<page>" or "feed".
type Intercept func(key string, w http.ResponseWriter, r *http.Request) bool

// Sources is the handler. OSV's k8s.io/kubernetes answer is split into two
// pages (the second asked with page token "page-2") so that pagination is
// exercised.
type Sources struct {
	dir       string
	intercept Intercept
	page1     []byte
	page2     []byte
	mux       *http.ServeMux

	mu        sync.Mutex
	queries   []Query
	served    int
	updatedAt string
}

// feedUpdated is the feed's own date, which Stamp replaces.
var feedUpdated = regexp.MustCompile(`"updated_at": *"[^"]*"`)

// Stamp makes the CVE feed say it was updated at t, as the live feed,
// regenerated daily, would on the day of a test: refreshed data is then as
// new as t, not as old as the recorded answers.
func (s *Sources) Stamp(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updatedAt = t.UTC().Format(time.RFC3339)
}

// New reads the samples of dir (scan/assess/testdata).
func New(dir string, intercept Intercept) (*Sources, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "osv-query-k8s.json"))
	if err != nil {
		return nil, err
	}
	var k8s struct{ Vulns []json.RawMessage }
	if err := json.Unmarshal(raw, &k8s); err != nil {
		return nil, fmt.Errorf("osv-query-k8s.json: %w", err)
	}
	if len(k8s.Vulns) < 2 {
		return nil, fmt.Errorf("osv-query-k8s.json: %d records, want at least 2 to make two pages", len(k8s.Vulns))
	}
	s := &Sources{dir: dir, intercept: intercept}
	s.page1, _ = json.Marshal(map[string]any{"vulns": k8s.Vulns[:2], "next_page_token": "page-2"})
	s.page2, _ = json.Marshal(map[string]any{"vulns": k8s.Vulns[2:]})
	s.routes()
	return s, nil
}

// Start serves dir's samples on 127.0.0.1 until the test ends.
func Start(t interface {
	Helper()
	Fatal(...any)
	Cleanup(func())
}, dir string, intercept Intercept) (*Sources, *httptest.Server) {
	t.Helper()
	s, err := New(dir, intercept)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// Queries are the OSV queries received so far, in order.
func (s *Sources) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// Served counts the requests answered so far, by the samples or by the
// intercept.
func (s *Sources) Served() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

func (s *Sources) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Sources) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/products/{product}", func(w http.ResponseWriter, r *http.Request) {
		p := r.PathValue("product")
		raw, err := os.ReadFile(filepath.Join(s.dir, "endoflife-v1-product-"+filepath.Base(p)+".json"))
		if err != nil {
			raw = nil
		}
		s.serve("eol/"+p, w, r, raw)
	})
	mux.HandleFunc("POST /v1/query", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Package struct {
				Ecosystem string `json:"ecosystem"`
				Name      string `json:"name"`
			} `json:"package"`
			PageToken string `json:"page_token"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil || q.Package.Ecosystem != "Go" {
			// OSV's own answer to a query it cannot use.
			http.Error(w, `{"code":3,"message":"bad query"}`, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.queries = append(s.queries, Query{q.Package.Ecosystem, q.Package.Name, q.PageToken})
		s.mu.Unlock()
		switch {
		case q.Package.Name == "k8s.io/kubernetes" && q.PageToken == "":
			s.serve("osv/k8s.io/kubernetes/1", w, r, s.page1)
		case q.Package.Name == "k8s.io/kubernetes" && q.PageToken == "page-2":
			s.serve("osv/k8s.io/kubernetes/2", w, r, s.page2)
		case q.Package.Name == "k8s.io/apiserver" && q.PageToken == "":
			raw, _ := os.ReadFile(filepath.Join(s.dir, "osv-query-apiserver.json"))
			s.serve("osv/k8s.io/apiserver/1", w, r, raw)
		default:
			// No match: proto3 JSON leaves out the empty list.
			s.serve("osv/"+q.Package.Name+"/?", w, r, []byte(`{}`))
		}
	})
	mux.HandleFunc("GET "+FeedPath, func(w http.ResponseWriter, r *http.Request) {
		raw, _ := os.ReadFile(filepath.Join(s.dir, "k8s-official-cve-feed.json"))
		s.mu.Lock()
		if s.updatedAt != "" {
			raw = feedUpdated.ReplaceAll(raw, []byte(`"updated_at": "`+s.updatedAt+`"`))
		}
		s.mu.Unlock()
		s.serve("feed", w, r, raw)
	})
	s.mux = mux
}

// serve answers with body unless the intercept does; a nil body is a 404
// without a JSON body, as endoflife.date answers an unknown product.
func (s *Sources) serve(key string, w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	s.served++
	s.mu.Unlock()
	if s.intercept != nil && s.intercept(key, w, r) {
		return
	}
	if body == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}
