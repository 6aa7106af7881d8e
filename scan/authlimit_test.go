package scan

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// These tests point a kubeconfig context (bearer token, the server's CA)
// at servers that answer the owner's requests with more than anyone
// should read: the authenticated probe must stop at its caps, say so, and
// have read (and allocated) only about as much as the caps allow.

// ownerAPIServer answers anonymous requests as a locked-down API server
// does and hands requests bearing testToken to owner, after the paths the
// probe needs and owner does not take: alice's /version, identity and one
// node.
func ownerAPIServer(owner func(w http.ResponseWriter, r *http.Request) bool) http.Handler {
	authed := authedAPIServer()
	anon := fakeAPIServer(http.StatusUnauthorized)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			anon.ServeHTTP(w, r)
			return
		}
		if !owner(w, r) {
			authed.ServeHTTP(w, r)
		}
	})
}

// scanOwner scans one context on a server running h and returns its row.
func scanOwner(t *testing.T, h http.Handler) Result {
	t.Helper()
	ca := newTestCA(t, "kubernetes")
	srv := startTLS(t, ca.leaf(t), h)
	// The timeout is a ceiling, not a measure: under -race on a busy
	// 2-core machine, inflating and skimming a 64 MiB body took over 10 s.
	res := New(Options{Timeout: 2 * time.Minute}).Scan(t.Context(), []Target{
		contextTarget(t, "owner", srv.URL, bearer(srv.URL, rest.TLSClientConfig{CAData: ca.pem})),
	})
	if res[0].Auth == nil {
		t.Fatal("no auth result")
	}
	return res[0]
}

// allocated runs f and returns how many bytes the process allocated
// meanwhile (servers included), for loose bounds.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// countingWriter writes n bytes of filler to w until it has written limit
// or the client goes away, counting what the client was sent.
func fill(w io.Writer, prefix string, limit int64, sent *atomic.Int64) {
	chunk := []byte(strings.Repeat("a", 64<<10))
	n, _ := io.WriteString(w, prefix)
	sent.Add(int64(n))
	for sent.Load() < limit {
		n, err := w.Write(chunk)
		sent.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// TestAuthHugeBodyIsCapped: a /version answer of 1 GiB is cut at the body
// cap; the row says so, and the server got to send a small part of it.
func TestAuthHugeBodyIsCapped(t *testing.T) {
	var sent atomic.Int64
	var r Result
	alloc := allocated(func() {
		r = scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
			if req.URL.Path != "/version" {
				return false
			}
			w.Header().Set("Content-Type", "application/json")
			fill(w, `{"gitVersion":"`, 1<<30, &sent)
			return true
		}))
	})
	authKind(t, r, AuthOther, "/version", "larger than 1 MiB")
	t.Logf("server sent %d bytes, the process allocated %d", sent.Load(), alloc)
	if sent.Load() >= 1<<30 || sent.Load() > 64<<20 {
		t.Errorf("the server sent %d bytes of its 1 GiB; the probe should stop near the 1 MiB cap", sent.Load())
	}
	if alloc > 256<<20 {
		t.Errorf("the scan allocated %d bytes for a capped body", alloc)
	}
}

// TestAuthGzipBombIsCapped: client-go asks for gzip; a server answering
// with an endless gzip stream of zeros (a thousandfold ratio) is cut at
// the cap on the decoded bytes, so it inflates no further.
func TestAuthGzipBombIsCapped(t *testing.T) {
	var inflated atomic.Int64
	var asked atomic.Bool
	var r Result
	alloc := allocated(func() {
		r = scanOwner(t, ownerAPIServer(gzipBomb("/version", "application/json", &inflated, &asked)))
	})
	if !asked.Load() {
		t.Fatal("the probe did not ask for gzip; the test proves nothing")
	}
	authKind(t, r, AuthOther, "/version", "larger than 1 MiB")
	t.Logf("the server compressed %d bytes of zeros, the process allocated %d", inflated.Load(), alloc)
	if inflated.Load() >= 64<<30 {
		t.Errorf("the server got to send all of its 64 GiB bomb")
	}
	if alloc > 256<<20 {
		t.Errorf("the scan allocated %d bytes for a capped body", alloc)
	}
}

// gzipBomb answers path with an endless gzip stream of zeros (64 GiB, a
// thousandfold ratio), counting what it compressed and whether the client
// asked for gzip.
func gzipBomb(path, contentType string, inflated *atomic.Int64, asked *atomic.Bool) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != path {
			return false
		}
		asked.Store(strings.Contains(req.Header.Get("Accept-Encoding"), "gzip"))
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zeros := make([]byte, 1<<20)
		for inflated.Load() < 64<<30 {
			n, err := zw.Write(zeros)
			inflated.Add(int64(n))
			if err != nil {
				return true
			}
		}
		zw.Close()
		return true
	}
}

// nodeJSON is one Node as the probe reads it.
func nodeJSON(name, kubelet string) string {
	return fmt.Sprintf(`{"metadata":{"name":%q},"status":{"nodeInfo":{"kubeletVersion":%q}}}`, name, kubelet)
}

// nodePage writes a NodeList of items with a continue token (none if "").
func nodePage(w http.ResponseWriter, items []string, cont string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"kind":"NodeList","apiVersion":"v1","metadata":{"continue":%q},"items":[%s]}`, cont, strings.Join(items, ","))
}

// TestAuthNodesArePaged: a cluster of 600 nodes is read in pages of
// NodePageSize, every node kept.
func TestAuthNodesArePaged(t *testing.T) {
	var pages atomic.Int32
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != nodesPath {
			return false
		}
		pages.Add(1)
		start, _ := strconv.Atoi(req.URL.Query().Get("continue"))
		limit, _ := strconv.Atoi(req.URL.Query().Get("limit"))
		var items []string
		for i := start; i < 600 && i < start+limit; i++ {
			items = append(items, nodeJSON(fmt.Sprintf("node-%03d", i), "v1.30.4"))
		}
		cont := ""
		if start+limit < 600 {
			cont = strconv.Itoa(start + limit)
		}
		nodePage(w, items, cont)
		return true
	}))
	if r.Auth.Error != "" || len(r.Auth.Warnings) != 0 {
		t.Errorf("auth %+v, want no error or warning", r.Auth)
	}
	if len(r.Auth.Nodes) != 600 || r.Auth.Nodes[599].Name != "node-599" {
		t.Errorf("%d nodes, want all 600", len(r.Auth.Nodes))
	}
	if want := int32((600 + NodePageSize - 1) / NodePageSize); pages.Load() != want {
		t.Errorf("%d node requests, want %d pages of %d", pages.Load(), want, NodePageSize)
	}
}

// TestAuthEndlessNodesStop: a server that hands out continue tokens for
// ever stops at MaxNodes, with a warning, and skew judged on those.
func TestAuthEndlessNodesStop(t *testing.T) {
	var pages atomic.Int32
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != nodesPath {
			return false
		}
		p := pages.Add(1)
		limit, _ := strconv.Atoi(req.URL.Query().Get("limit"))
		items := make([]string, limit)
		for i := range items {
			items[i] = nodeJSON(fmt.Sprintf("node-%d-%d", p, i), "v1.30.4")
		}
		nodePage(w, items, fmt.Sprintf("page-%d", p))
		return true
	}))
	if len(r.Auth.Nodes) != MaxNodes {
		t.Errorf("%d nodes kept, want the cap %d", len(r.Auth.Nodes), MaxNodes)
	}
	if p := pages.Load(); p > MaxNodes/NodePageSize {
		t.Errorf("%d node pages requested, want at most %d", p, MaxNodes/NodePageSize)
	}
	if !strings.Contains(strings.Join(r.Auth.Warnings, "; "), "stopped at 10000 nodes") {
		t.Errorf("warnings %q, want the node cap named", r.Auth.Warnings)
	}
	if r.Auth.Skew == nil || r.Auth.Error != "" {
		t.Errorf("auth %+v: the nodes read should still be judged", r.Auth)
	}
}

// TestAuthEmptyPagesForeverStop: short pages with endless continue tokens
// stop at the page cap.
func TestAuthEmptyPagesForeverStop(t *testing.T) {
	var pages atomic.Int32
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != nodesPath {
			return false
		}
		nodePage(w, nil, fmt.Sprintf("page-%d", pages.Add(1)))
		return true
	}))
	if p := pages.Load(); p != MaxNodes/NodePageSize {
		t.Errorf("%d node pages requested, want the page cap %d", p, MaxNodes/NodePageSize)
	}
	if !strings.Contains(strings.Join(r.Auth.Warnings, "; "), "stopped after 40 pages") {
		t.Errorf("warnings %q, want the page cap named", r.Auth.Warnings)
	}
}

// TestAuthPageIgnoringLimitStops: a page with far more nodes than asked
// for is cut at the page size (the decoder streams; the rest is never
// turned into Go values).
func TestAuthPageIgnoringLimitStops(t *testing.T) {
	item := nodeJSON("n", "v1.30.4")
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != nodesPath {
			return false
		}
		nodePage(w, slicesRepeat(item, 100000), "")
		return true
	}))
	if len(r.Auth.Nodes) != NodePageSize {
		t.Errorf("%d nodes kept, want the page size %d", len(r.Auth.Nodes), NodePageSize)
	}
	if !strings.Contains(strings.Join(r.Auth.Warnings, "; "), "more than the 250 nodes a page asks for") {
		t.Errorf("warnings %q, want the oversized page named", r.Auth.Warnings)
	}
}

// TestAuthHugeNodePageIsCapped: one page whose body never ends stops at
// NodePageBodyLimit, and the hostile node's padded name is cut.
func TestAuthHugeNodePageIsCapped(t *testing.T) {
	var sent atomic.Int64
	r := scanOwner(t, ownerAPIServer(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != nodesPath {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		long := strings.Repeat("x", 1000)
		fill(w, `{"kind":"NodeList","items":[`+nodeJSON(long, "v1.30.4")+`,{"metadata":{"name":"`, 1<<30, &sent)
		return true
	}))
	if len(r.Auth.Nodes) != 1 || len(r.Auth.Nodes[0].Name) > maxNodeNameLen+len("…") {
		t.Errorf("nodes %d (first name %d bytes), want the one complete node, its name cut", len(r.Auth.Nodes), len(r.Auth.Nodes[0].Name))
	}
	if !strings.Contains(strings.Join(r.Auth.Warnings, "; "), "larger than 16 MiB") {
		t.Errorf("warnings %q, want the page body cap named", r.Auth.Warnings)
	}
	if sent.Load() > NodePageBodyLimit+64<<20 {
		t.Errorf("the server sent %d bytes; the probe should stop near the 16 MiB cap", sent.Load())
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
