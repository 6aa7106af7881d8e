package scan

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// AnonymousPaths are requested without any credential, in this order: what
// a stranger asks first, and the large bodies (/metrics, /openapi/v2) last
// so that cutting them off cannot cost the others their connection.
var AnonymousPaths = []string{
	"/version",
	"/healthz",
	"/livez",
	"/readyz",
	"/api",
	"/apis",
	"/api/v1/namespaces",
	"/.well-known/openid-configuration",
	oauthPath,
	"/metrics",
	"/openapi/v2",
}

// anonymous sends every AnonymousPaths request with no credential and no
// redirect following, reusing the observed TLS connection (or plain HTTP).
func (s *Scanner) anonymous(ctx context.Context, t Target, addr netip.Addr, first *tls.Conn, r *Result) {
	scheme := "https"
	if t.Plaintext || r.TLS != nil && r.TLS.Plaintext {
		scheme = "http"
	}
	if first != nil {
		// If no request got as far as dialling (ctx cancelled after the
		// handshake), the transport never took the observed connection:
		// close it here. Deferred first, so it runs last, after the
		// transport has closed its own; a second Close is a no-op.
		defer first.Close()
	}
	base := scheme + "://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) + t.BasePath
	var reqs []Request
	if first != nil && first.ConnectionState().NegotiatedProtocol == "h2" {
		reqs = s.anonymousH2(ctx, base, netip.AddrPortFrom(addr, uint16(t.Port)).String(), first)
	}
	var retry []int
	for i, q := range reqs {
		// Requests the connection lost unanswered (a GOAWAY, which
		// kube-apiserver sends now and then, or a reset): asked again,
		// over HTTP/1.1 on a new connection, as net/http's Transport
		// would. Not those that timed out: the server had its chance.
		if q.Status == 0 && !strings.HasSuffix(q.Error, "timed out") && ctx.Err() == nil {
			retry = append(retry, i)
		}
	}
	if reqs == nil {
		reqs = make([]Request, len(AnonymousPaths))
		for i := range reqs {
			retry = append(retry, i)
		}
	} else {
		first = nil
	}
	if len(retry) > 0 {
		client := anonymousClient(addr, t, first, s.opts)
		defer client.CloseIdleConnections()
		timedOut := false
		for _, i := range retry {
			p := AnonymousPaths[i]
			if timedOut {
				// A server that stalls once stalls again; don't let it hold
				// the scan for a timeout per path.
				reqs[i] = Request{Path: p, Error: "skipped: an earlier request timed out"}
				continue
			}
			reqs[i] = s.get(ctx, client, base, p)
			timedOut = strings.HasSuffix(reqs[i].Error, "timed out")
		}
	}
	r.Anonymous = append(r.Anonymous, reqs...)
	for _, req := range reqs {
		if req.Path == "/version" && req.Status == http.StatusOK && req.Summary["gitVersion"] != "" {
			r.Version = versionFrom(req.Summary, "anonymous")
		}
	}
	if ctx.Err() != nil {
		r.fail(PhaseHTTP, "cancelled")
	}
}

// h2Linger bounds how long net/http holds a closed h2 connection.
const h2Linger = time.Second

// anonymousH2 sends every AnonymousPaths request at once as streams of the
// observed h2 connection: one round trip for all of them instead of one
// each. The guarantees are those of the HTTP/1.1 path: no credential, no
// redirect followed, bodies capped. In place of skipping the requests after
// a timeout, all of them share one phase budget, so a stalled server holds
// the scan for one timeout, and each request it left unanswered says so.
// The rows come back in AnonymousPaths order.
func (s *Scanner) anonymousH2(ctx context.Context, base, addr string, tc *tls.Conn) []Request {
	var protos http.Protocols
	protos.SetHTTP2(true)
	tr := &http.Transport{
		Proxy:              nil,
		Protocols:          &protos,
		DisableCompression: true,
		// As for HTTP/1.1 responses; the HTTP/2 default is ten times it.
		MaxResponseHeaderBytes: 1 << 20,
		// net/http keeps a closed HTTP/2 connection that was never
		// reused in its pool for five seconds (or this, if shorter):
		// every target's connection, buffers and all, 60 MB of a scan's
		// heap at a few hundred targets a second. The requests all start
		// at once, so the connection is idle only once they are done;
		// a request that does find it closed is asked again over
		// HTTP/1.1 like any other the connection lost.
		IdleConnTimeout: h2Linger,
		// The one connection there is: NewClientConn dials once.
		DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
			if c := tc; c != nil {
				tc = nil
				return c, nil
			}
			return nil, errors.New("no second connection")
		},
	}
	if c, ok := tc.NetConn().(*corkConn); ok {
		c.cork()
	}
	reqs := make([]Request, len(AnonymousPaths))
	cc, err := tr.NewClientConn(ctx, "https", addr)
	if err != nil {
		for i, p := range AnonymousPaths {
			reqs[i] = Request{Path: p, Error: describeNetErr("GET "+p, err)}
		}
		return reqs
	}
	defer cc.Close()
	client := noRedirects(cc)
	pctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	var wg sync.WaitGroup
	for i, p := range AnonymousPaths {
		wg.Go(func() { reqs[i] = s.get(pctx, client, base, p) })
	}
	wg.Wait()
	return reqs
}

// anonymousClient dials only the address the connect phase chose (no second
// resolution that could land elsewhere), hands out the already-open TLS
// connection first, trusts no proxy from the environment and follows no
// redirect. It has no credential to send.
func anonymousClient(addr netip.Addr, t Target, first *tls.Conn, o Options) *http.Client {
	target := netip.AddrPortFrom(addr, uint16(t.Port)).String()
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", target)
	}
	serverName := t.ServerName
	if serverName == "" {
		serverName = t.Host
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         dial,
		DisableCompression:  true,
		MaxIdleConnsPerHost: 1,
		TLSHandshakeTimeout: o.Timeout,
		DialTLSContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if c := first; c != nil {
				first = nil
				return c, nil
			}
			raw, err := dial(ctx, network, a)
			if err != nil {
				return nil, err
			}
			var requested bool
			cfg := observeConfig(serverName, &requested)
			// This transport speaks HTTP/1.1 only.
			cfg.NextProtos = []string{"http/1.1"}
			tc := tls.Client(raw, cfg)
			if err := tc.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			return tc, nil
		},
	}
	return noRedirects(tr)
}

// noRedirects is a client over rt that hands a redirect back as it came,
// to be recorded, and never follows it: a Location may point anywhere.
// Both anonymous transports (HTTP/1.1 and h2) use it.
func noRedirects(rt http.RoundTripper) *http.Client {
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func (s *Scanner) get(ctx context.Context, client *http.Client, base, path string) Request {
	out := Request{Path: path}
	rctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, base+path, nil)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	req.Header.Set("Accept", "application/json, */*")
	req.Header.Set("User-Agent", "kubesurface")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		out.LatencyMS = ms(time.Since(start))
		out.Error = describeNetErr("GET "+path, unwrapURLError(err))
		return out
	}
	defer resp.Body.Close()
	out.Status = resp.StatusCode
	out.ContentType = resp.Header.Get("Content-Type")
	out.Location = resp.Header.Get("Location")
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.opts.BodyLimit+1))
	if err == nil && rctx.Err() != nil {
		// Closing the connection at the deadline can draw a clean end of
		// body from the server (it sees our close_notify and finishes the
		// response), so a read ended by the deadline may look complete.
		err = rctx.Err()
	}
	out.LatencyMS = ms(time.Since(start))
	out.Bytes = int64(len(body))
	if int64(len(body)) > s.opts.BodyLimit {
		out.Bytes, out.Truncated = s.opts.BodyLimit, true
		body = body[:s.opts.BodyLimit]
	}
	if err != nil {
		out.Error = describeNetErr("reading body of "+path, err)
		return out
	}
	out.Summary = summarize(path, resp.StatusCode, body, out.Truncated)
	return out
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// summarize keeps the few parsed fields that judgements and people need, so
// no body outlives its request.
func summarize(path string, status int, body []byte, truncated bool) map[string]string {
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		var st struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &st) == nil && st.Message != "" {
			m := map[string]string{"reason": truncate(st.Reason, maxSummaryValue), "message": truncate(st.Message, maxSummaryValue)}
			if strings.Contains(st.Message, "system:anonymous") {
				// 403 to system:anonymous: anonymous auth is on, RBAC said no.
				m["anonymousAuthenticated"] = "true"
			}
			return m
		}
		return nil
	}
	if status != http.StatusOK {
		return nil
	}
	// Recognised marks a body shaped like the API server's own answer; a
	// catch-all web server that says 200 to everything gets no credit for
	// an open endpoint.
	const recognised = "recognised"
	switch path {
	case "/version":
		var v struct {
			GitVersion, GitCommit, BuildDate, GoVersion, Platform string
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return map[string]string{"parseError": "invalid JSON: " + truncate(err.Error(), 120)}
		}
		if v.GitVersion == "" {
			return map[string]string{"parseError": "no gitVersion field"}
		}
		return map[string]string{"gitVersion": truncate(v.GitVersion, maxSummaryValue), "gitCommit": truncate(v.GitCommit, maxSummaryValue),
			"buildDate": truncate(v.BuildDate, maxSummaryValue), "goVersion": truncate(v.GoVersion, maxSummaryValue),
			"platform": truncate(v.Platform, maxSummaryValue), recognised: "true"}
	case "/healthz", "/livez", "/readyz":
		text := strings.TrimSpace(string(body))
		m := map[string]string{"body": truncate(text, 80)}
		if text == "ok" || strings.HasSuffix(text, "check passed") {
			m[recognised] = "true"
		}
		return m
	case "/api":
		var v struct {
			Kind     string   `json:"kind"`
			Versions []string `json:"versions"`
		}
		if json.Unmarshal(body, &v) == nil && len(v.Versions) > 0 {
			return map[string]string{"versions": truncate(strings.Join(v.Versions, ","), maxSummaryValue), recognised: "true"}
		}
	case "/apis":
		var v struct {
			Kind   string            `json:"kind"`
			Groups []json.RawMessage `json:"groups"`
		}
		if json.Unmarshal(body, &v) == nil && v.Kind == "APIGroupList" {
			return map[string]string{"groups": strconv.Itoa(len(v.Groups)), recognised: "true"}
		}
	case "/api/v1/namespaces":
		var v struct {
			Kind  string `json:"kind"`
			Items []struct {
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			} `json:"items"`
		}
		if json.Unmarshal(body, &v) == nil && v.Kind == "NamespaceList" {
			names := make([]string, 0, len(v.Items))
			for _, it := range v.Items {
				names = append(names, it.Metadata.Name)
			}
			return map[string]string{"items": strconv.Itoa(len(v.Items)), "names": truncate(strings.Join(names, ","), maxSummaryValue), recognised: "true"}
		}
	case "/.well-known/openid-configuration":
		var v struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(body, &v) == nil && v.Issuer != "" {
			return map[string]string{"issuer": truncate(v.Issuer, maxSummaryValue), "jwksUri": truncate(v.JWKSURI, maxSummaryValue), recognised: "true"}
		}
	case oauthPath:
		if m := summarizeOAuth(body); m != nil {
			return m
		}
	case "/metrics":
		if bytes.Contains(body, []byte("# TYPE apiserver_")) || bytes.Contains(body, []byte("\napiserver_")) {
			return map[string]string{"format": "prometheus", recognised: "true"}
		}
	case "/openapi/v2":
		if head := body[:min(len(body), 512)]; bytes.Contains(head, []byte(`"swagger"`)) {
			return map[string]string{"format": "swagger", recognised: "true"}
		}
	}
	if truncated {
		return nil
	}
	if len(body) > 0 && (body[0] == '{' || body[0] == '[') && !json.Valid(body) {
		return map[string]string{"parseError": "invalid JSON"}
	}
	return nil
}

// maxSummaryValue bounds every value a summary keeps from a body: real
// answers are far shorter (a gitVersion is some 20 bytes, an issuer URL
// under 100), and a server that sends a megabyte-long one must not have
// it carried into every row, table and saved result.
const maxSummaryValue = 200

// truncate cuts s to at most n bytes, at a character boundary so that a
// cut never makes invalid UTF-8 of a valid value, and marks the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// versionFrom builds a Version from /version's parsed fields.
func versionFrom(m map[string]string, source string) *Version {
	v := &Version{GitVersion: m["gitVersion"], GitCommit: m["gitCommit"], BuildDate: m["buildDate"],
		GoVersion: m["goVersion"], Platform: m["platform"], Source: source}
	if sv, err := ParseVersion(v.GitVersion); err == nil {
		v.Semver, v.Minor = sv.Semver, sv.Minor
	}
	return v
}
