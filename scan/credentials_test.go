package scan

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// These tests hold the scanner to its promise about credentials: a
// kubeconfig context's token is sent only by that context's authenticated
// probe, only to that context's own server, only over TLS the context's CA
// verifies (or that the kubeconfig itself says not to verify), and never
// appears in a result. They assert on the Authorization headers the test
// servers actually receive, not on what the scanner reports.

const testToken = "secret-token"

const credTimeout = 2 * time.Second

func credScanner() *Scanner {
	return New(Options{Timeout: credTimeout})
}

const (
	selfSubjectReviewPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
	nodesPath             = "/api/v1/nodes"
)

// authedAPIServer answers like kube-apiserver: anonymous requests get what
// fakeAPIServer gives a stranger (401 beyond /version and /healthz), and
// requests bearing testToken are alice, who may read /version, review
// herself and list one node, but not get /metrics.
func authedAPIServer() http.Handler {
	anon := fakeAPIServer(http.StatusUnauthorized)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch h := r.Header.Get("Authorization"); {
		case h == "":
			anon.ServeHTTP(w, r)
			return
		case h != "Bearer "+testToken:
			writeStatus(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		switch r.URL.Path {
		case "/version":
			writeJSON(w, http.StatusOK, goodVersion)
		case selfSubjectReviewPath:
			writeJSON(w, http.StatusCreated, map[string]any{
				"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
				"metadata": map[string]any{},
				"status": map[string]any{"userInfo": map[string]any{
					"username": "alice", "groups": []string{"system:authenticated"},
				}},
			})
		case nodesPath:
			writeJSON(w, http.StatusOK, map[string]any{
				"kind": "NodeList", "apiVersion": "v1", "metadata": map[string]any{},
				"items": []any{map[string]any{
					"metadata": map[string]any{"name": "node-1"},
					"status":   map[string]any{"nodeInfo": map[string]any{"kubeletVersion": "v1.30.4"}},
				}},
			})
		case metricsPath:
			writeStatus(w, http.StatusForbidden, `forbidden: User "alice" cannot get path "/metrics"`)
		default:
			writeStatus(w, http.StatusNotFound, "the server could not find the requested resource")
		}
	})
}

// contextTarget is what the kubeconfig loader makes of a context whose
// server is url, with cfg as its client configuration.
func contextTarget(t *testing.T, name, url string, cfg *rest.Config) Target {
	t.Helper()
	tg, err := FromServer(name, url)
	if err != nil {
		t.Fatal(err)
	}
	tg.Rest = cfg
	return tg
}

func bearer(host string, tls rest.TLSClientConfig) *rest.Config {
	return &rest.Config{Host: host, BearerToken: testToken, TLSClientConfig: tls}
}

// split sorts what a server received into requests with and without an
// Authorization header, by path.
func split(reqs []seenRequest) (authed, anon []string, authHeaders []string) {
	for _, r := range reqs {
		if r.Authorization == "" {
			anon = append(anon, r.Path)
			continue
		}
		authed = append(authed, r.Path)
		authHeaders = append(authHeaders, r.Authorization)
	}
	return authed, anon, authHeaders
}

// noTokenInJSON checks that no result, as `scan -o json` would print it,
// carries the token.
func noTokenInJSON(t *testing.T, results []Result) {
	t.Helper()
	for i, r := range results {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
		if bytes.Contains(b, []byte(testToken)) {
			t.Errorf("result %d (%s) contains the token in its JSON: %s", i, r.Target.Name, b)
		}
	}
}

// neverSawCredentials checks that a server received requests, none of
// which carried any Authorization header.
func neverSawCredentials(t *testing.T, who string, rec *recorder) {
	t.Helper()
	reqs := rec.requests()
	if authed, _, _ := split(reqs); len(authed) != 0 {
		t.Errorf("%s received credentials on %q", who, authed)
	}
	if len(reqs) == 0 {
		t.Errorf("%s received no request at all; the test proves nothing", who)
	}
}

// TestCredentialTokenStaysWithItsContext scans a kubeconfig context next to
// an explicit endpoint on another server. The endpoint server must never
// see an Authorization header; the context's own server sees the token on
// the authenticated probe only, and every anonymous path arrives there
// without it.
func TestCredentialTokenStaysWithItsContext(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	ctxRec, epRec := &recorder{}, &recorder{}
	ctxSrv := startTLS(t, ca.leaf(t), ctxRec.wrap(authedAPIServer()))
	epSrv := startTLS(t, ca.leaf(t), epRec.wrap(authedAPIServer()))

	eps, err := ParseEndpoints([]string{epSrv.URL}, 0)
	if err != nil {
		t.Fatal(err)
	}
	targets := []Target{
		contextTarget(t, "prod", ctxSrv.URL, bearer(ctxSrv.URL, rest.TLSClientConfig{CAData: ca.pem})),
		eps[0],
	}
	results := credScanner().Scan(t.Context(), targets)

	neverSawCredentials(t, "endpoint server", epRec)
	if got := epRec.paths(); !slices.Equal(got, AnonymousPaths) {
		t.Errorf("endpoint server received %q, want the anonymous paths only", got)
	}

	authed, anon, headers := split(ctxRec.requests())
	if !slices.Equal(anon, AnonymousPaths) {
		t.Errorf("context server received %q without credentials, want exactly the anonymous paths %q", anon, AnonymousPaths)
	}
	slices.Sort(authed)
	if want := []string{nodesPath, selfSubjectReviewPath, clusterVersionPath, metricsPath, "/version"}; !slices.Equal(authed, want) {
		t.Errorf("context server received credentials on %q, want only the authenticated probe's %q", authed, want)
	}
	for _, h := range headers {
		if h != "Bearer "+testToken {
			t.Errorf("context server received Authorization %q, want the context's bearer token", h)
		}
	}

	ctxRes, epRes := results[0], results[1]
	if ctxRes.Auth == nil || ctxRes.Auth.Error != "" || ctxRes.Auth.User != "alice" || ctxRes.Auth.ServerVersion != goodGitVersion || len(ctxRes.Auth.Nodes) != 1 {
		t.Errorf("context auth = %+v, want alice seeing %s and one node", ctxRes.Auth, goodGitVersion)
	}
	for _, q := range ctxRes.Anonymous {
		if q.Path != "/version" && q.Path != "/healthz" && q.Status != http.StatusUnauthorized {
			t.Errorf("context's anonymous %s = %d, want 401 as a stranger gets", q.Path, q.Status)
		}
	}
	if epRes.Auth != nil {
		t.Errorf("endpoint got an authenticated probe: %+v", epRes.Auth)
	}
	noTokenInJSON(t, results)
}

// TestCredentialRedirectKeepsToken points the context at a server that
// redirects everything to another 127.0.0.1 server, one the context's CA
// also trusts, so only the refusal to follow redirects stands between the
// token and a stranger. The other server must receive nothing at all.
func TestCredentialRedirectKeepsToken(t *testing.T) {
	ca := newTestCA(t, "kubernetes")
	otherRec, ctxRec := &recorder{}, &recorder{}
	other := startTLS(t, ca.leaf(t), otherRec.wrap(authedAPIServer()))
	ctxSrv := startTLS(t, ca.leaf(t), ctxRec.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
	})))

	results := credScanner().Scan(t.Context(), []Target{
		contextTarget(t, "redirecting", ctxSrv.URL, bearer(ctxSrv.URL, rest.TLSClientConfig{CAData: ca.pem})),
	})

	if got := otherRec.requests(); len(got) != 0 {
		t.Errorf("redirect target received %d requests (%+v), want none", len(got), got)
	}
	authed, _, _ := split(ctxRec.requests())
	if len(authed) == 0 {
		t.Errorf("the authenticated probe never reached the context's own server; the test proves nothing")
	}
	r := results[0]
	if r.Auth == nil || r.Auth.Error == "" || r.Auth.ServerVersion != "" {
		t.Errorf("auth = %+v, want an error and no version from a redirect", r.Auth)
	}
	for _, q := range r.Anonymous {
		if q.Status != http.StatusFound || !strings.HasPrefix(q.Location, other.URL) {
			t.Errorf("anonymous %s = %d to %q, want 302 recorded, not followed", q.Path, q.Status, q.Location)
		}
	}
	noTokenInJSON(t, results)
}

// TestCredentialCAMismatchSendsNothing gives the context a CA that did not
// sign the server's certificate: TLS must fail before the token is
// written, and the failure must be classed as a CA mismatch.
func TestCredentialCAMismatchSendsNothing(t *testing.T) {
	serverCA, contextCA := newTestCA(t, "kubernetes"), newTestCA(t, "some-other-cluster")
	rec := &recorder{}
	srv := startTLS(t, serverCA.leaf(t), rec.wrap(authedAPIServer()))

	results := credScanner().Scan(t.Context(), []Target{
		contextTarget(t, "wrong-ca", srv.URL, bearer(srv.URL, rest.TLSClientConfig{CAData: contextCA.pem})),
	})

	neverSawCredentials(t, "server with an unverified certificate", rec)
	r := results[0]
	if r.Auth == nil || r.Auth.ErrorKind != AuthCAMismatch {
		t.Errorf("auth = %+v, want error kind %q", r.Auth, AuthCAMismatch)
	}
	if r.Version == nil || r.Version.Source != "anonymous" {
		t.Errorf("version = %+v: the anonymous probe should still have run", r.Version)
	}
	noTokenInJSON(t, results)
}

// TestCredentialInsecureSkipVerifySendsToOwnServer honours a kubeconfig's
// insecure-skip-tls-verify: the owner asked for the token to go to that
// server unverified, and the scan behaves as kubectl would. The other
// tests' "never saw a token" would pass trivially if no token were ever
// sent; this one shows the token does flow where it belongs.
func TestCredentialInsecureSkipVerifySendsToOwnServer(t *testing.T) {
	rec := &recorder{}
	srv := startTLS(t, newTestCA(t, "kubernetes").leaf(t), rec.wrap(authedAPIServer()))

	results := credScanner().Scan(t.Context(), []Target{
		contextTarget(t, "insecure", srv.URL, bearer(srv.URL, rest.TLSClientConfig{Insecure: true})),
	})

	authed, anon, headers := split(rec.requests())
	if !slices.Contains(authed, "/version") {
		t.Errorf("authenticated requests %q, want /version with the token", authed)
	}
	for _, h := range headers {
		if h != "Bearer "+testToken {
			t.Errorf("server received Authorization %q, want the context's bearer token", h)
		}
	}
	if !slices.Equal(anon, AnonymousPaths) {
		t.Errorf("server received %q without credentials, want exactly the anonymous paths", anon)
	}
	r := results[0]
	if r.Auth == nil || r.Auth.Error != "" || r.Auth.User != "alice" {
		t.Errorf("auth = %+v, want alice", r.Auth)
	}
	noTokenInJSON(t, results)
}
