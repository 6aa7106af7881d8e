package scan

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/internal/clean"
)

// Sources of targets, as shown in Ref.Source.
const (
	SourceKubeconfig = "kubeconfig"
	SourceEndpoint   = "endpoint"
)

// DefaultPorts are probed when an endpoint names a host without a port:
// 443 is what managed providers serve, 6443 what kubeadm, k3s and RKE2 do.
var DefaultPorts = []int{443, 6443}

// DefaultMaxTargets bounds CIDR expansion so a typo such as /8 cannot start
// millions of probes.
const DefaultMaxTargets = 4096

// Target is one API server to probe. Endpoints carry no credentials at all;
// a kubeconfig target carries its own context's client configuration, which
// only the authenticated probe of that same target ever uses.
type Target struct {
	Ref
	// BasePath is the URL path prefix the API is served under (e.g. Rancher's
	// /k8s/clusters/c-xxxx), without a trailing slash.
	BasePath string
	// Plaintext targets were given as http:// URLs.
	Plaintext bool
	// ServerName is the SNI to send (kubeconfig tls-server-name), if any.
	ServerName string
	// Rest is the context's own client configuration; nil for endpoints.
	Rest *rest.Config
	// ConfigError says why a kubeconfig context has no usable client
	// configuration; the anonymous probe still runs.
	ConfigError string
	// Range targets come from a CIDR block: with Options.Sweep, a connect
	// sweep finds whether anything listens before the probe.
	Range bool
	// StandsFor is the public address a demo server on loopback imitates;
	// only the demo sets it (no flag, file or saved result can). The
	// target is still dialled only where its host resolves; when every
	// address it resolves to is loopback, StandsFor is listed first among
	// its addresses, marked simulated, so that its reach and exposure are
	// judged as the real server's would be. A target that resolves to any
	// other address ignores it.
	StandsFor netip.Addr
}

// key identifies a row: one per address:port (and base path) per source.
// Target has it too, by embedding, so a saved result and the target it
// came from share their identity.
func (r Ref) key() string {
	return r.Source + "\x00" + r.Context + "\x00" + r.URL
}

// Dedupe drops targets that would produce the same row, keeping the first.
func Dedupe(targets []Target) []Target {
	seen := make(map[string]bool, len(targets))
	out := targets[:0:0]
	for _, t := range targets {
		if seen[t.key()] {
			continue
		}
		seen[t.key()] = true
		out = append(out, t)
	}
	return out
}

// MaxEndpointListSize caps one endpoint list (a -f file, or stdin): half a
// million endpoints, far more than --max-targets lets a scan hold.
const MaxEndpointListSize = 16 << 20

// maxEndpointLine caps one line of an endpoint list.
const maxEndpointLine = 1 << 20

// ReadEndpoints reads endpoints from r, one or more per line separated by
// white space or commas; blank lines and # comments are skipped. name is used
// in errors ("stdin", a file name). It reads at most MaxEndpointListSize
// bytes, and returns ctx.Err() as soon as ctx ends, even while r blocks (a
// stdin or FIFO that never closes).
func ReadEndpoints(ctx context.Context, r io.Reader, name string) ([]string, error) {
	br := bounded.NewReader(ctx, r, name, MaxEndpointListSize)
	defer br.Close()
	var out []string
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64*1024), maxEndpointLine)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		out = append(out, strings.FieldsFunc(line, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\r'
		})...)
	}
	switch err := sc.Err(); {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, bufio.ErrTooLong):
		return nil, fmt.Errorf("reading endpoints from %s: a line is longer than %s", name, bounded.Size(maxEndpointLine))
	case bounded.IsTooLarge(err):
		return nil, fmt.Errorf("reading endpoints: %w", err)
	case err != nil:
		return nil, fmt.Errorf("reading endpoints from %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no endpoints", name)
	}
	return out, nil
}

// ParseEndpoints turns user input into targets: host, host:port,
// http(s)://host[:port][/base], bracketed or bare IPv6, and CIDR blocks
// (optionally with :port). More than max targets in all is an error, checked
// before anything is expanded.
func ParseEndpoints(inputs []string, max int) ([]Target, error) {
	return ParseEndpointsContext(context.Background(), inputs, max)
}

// ParseEndpointsContext is ParseEndpoints stopping with ctx.Err() when ctx
// ends: with a raised --max-targets a CIDR block can take many seconds to
// expand.
func ParseEndpointsContext(ctx context.Context, inputs []string, max int) ([]Target, error) {
	if max <= 0 {
		max = DefaultMaxTargets
	}
	var out []Target
	seen := map[string]bool{}
	for _, in := range inputs {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ts, b, err := parseEndpoint(in, max)
		if err == nil && b != nil {
			ts, err = b.expand(ctx)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			return nil, inputError{in: in, err: err}
		}
		for i, t := range ts {
			if i%expandCheck == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !seen[t.key()] {
				seen[t.key()] = true
				out = append(out, t)
			}
		}
		if len(out) > max {
			return nil, fmt.Errorf("endpoint %q: brings the list to %d targets, more than --max-targets %d", redact(in), len(out), max)
		}
	}
	return out, nil
}

// expandCheck is how many targets are built or collected between two looks
// at the context: a few milliseconds of work.
const expandCheck = 4096

// redact hides the user info and query of an input that is, or was meant
// as, a URL, so that errors never echo a password or token: also when it
// does not parse, which is when the error about it is shown.
func redact(in string) string {
	return clean.URL(in)
}

// inputError is an error about the endpoint in, which names it redacted
// and hides the pieces of it the error quotes (the host part of
// token@host is user info as well).
type inputError struct {
	in  string
	err error
}

func (e inputError) Error() string {
	return clean.Hide(fmt.Sprintf("endpoint %q: %v", redact(e.in), e.err), e.in)
}

func (e inputError) Unwrap() error { return e.err }

// parseEndpoint reads one endpoint: its targets, or a CIDR block (nil
// targets), left for the caller to expand or keep as it is.
func parseEndpoint(in string, max int) ([]Target, *block, error) {
	s := strings.TrimSpace(in)
	if s == "" {
		return nil, nil, fmt.Errorf("empty endpoint")
	}
	if strings.Contains(s, "://") {
		ts, err := parseURL(s)
		return ts, nil, err
	}
	// Neither @ nor ? is part of a host, a port or a CIDR block: what
	// comes with them is user info or a query, a token perhaps, which the
	// errors below would quote (escaped, and so past any redaction).
	if strings.Contains(s, "@") {
		return nil, nil, fmt.Errorf("credentials (user@host) are not accepted")
	}
	if strings.Contains(s, "?") {
		return nil, nil, fmt.Errorf("a query is only read in a URL (https://host:port/?...), and not probed there")
	}
	if strings.Contains(s, "/") {
		b, err := parseBlock(s, max)
		return nil, b, err
	}
	ts, err := parseHostPort(s)
	return ts, nil, err
}

// parseHostPort reads host, host:port, [ipv6]:port and bare IPv6.
func parseHostPort(s string) ([]Target, error) {
	var ports []int
	host := s
	switch h, p, err := net.SplitHostPort(s); {
	case err == nil && strings.HasPrefix(s, "[") == strings.Contains(h, ":"):
		// host:port, or [ipv6]:port; brackets hold IPv6 and nothing else.
		port, err := parsePort(p)
		if err != nil {
			return nil, err
		}
		host, ports = h, []int{port}
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && strings.Contains(s, ":"):
		host = s[1 : len(s)-1] // [2001:db8::1] without a port
	case !strings.HasPrefix(s, "[") && strings.Count(s, ":") >= 2 && (isIP(s) || strings.Contains(s, "%")):
		// Bare IPv6, with or without a zone: no port to split off. A zone
		// that does not parse is told apart from other typos below.
	case strings.ContainsAny(s, "[]:"):
		return nil, fmt.Errorf("not host, host:port, [ipv6]:port, a URL or a CIDR")
	}
	canon, err := parseHost(host)
	if err != nil {
		return nil, err
	}
	explicit := ports != nil
	if !explicit {
		ports = DefaultPorts
	}
	// Rows keep the spelling the user gave (127.1 stays 127.1) except for
	// IP literals, which are normalised so one address typed two ways
	// reads the same; every row probes canon.
	shown := host
	if isIP(host) {
		shown = canon
	}
	out := make([]Target, 0, len(ports))
	for _, p := range ports {
		name := s // as given when it names one port; each expanded row otherwise
		if !explicit {
			name = net.JoinHostPort(shown, strconv.Itoa(p))
		}
		out = append(out, endpoint(name, canon, p, "", false))
	}
	return out, nil
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func parseURL(s string) ([]Target, error) {
	// User info is everything up to the last @, as clean.URL hides it: a
	// password holding a '/' is read by url.Parse as host, port and path,
	// which its errors and the row would then show.
	if _, rest, _ := strings.Cut(s, "://"); strings.Contains(rest, "@") {
		return nil, fmt.Errorf("credentials in the URL are not accepted")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %v%s", urlErrorReason(err), zoneHint(s))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("scheme %q: only https:// and http:// are probed", u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("credentials in the URL are not accepted")
	}
	host, err := parseHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		if port, err = parsePort(p); err != nil {
			return nil, err
		}
	}
	// The row is named as given, but without its query: the query is not
	// probed, and a token in it must not reach any output.
	return []Target{endpoint(redact(s), host, port, strings.TrimRight(u.EscapedPath(), "/"), u.Scheme == "http")}, nil
}

// urlErrorReason is why url.Parse refused a URL, without the URL it
// quotes: the caller names the input redacted, and the quoted copy is
// escaped (a control character in a password), so no redaction finds it.
func urlErrorReason(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// zoneHint explains the URL parse error a raw IPv6 zone causes: in a URL
// the % before a zone is itself escaped (RFC 6874).
func zoneHint(s string) string {
	if i := strings.IndexByte(s, '['); i >= 0 && strings.Contains(s[i:], "%") && !strings.Contains(s[i:], "%25") {
		return " (in a URL an IPv6 zone is written %25, as in https://[fe80::1%25eth0]:6443)"
	}
	return ""
}

// parseCIDR is the targets of a CIDR block, all made at once.
func parseCIDR(ctx context.Context, s string, max int) ([]Target, error) {
	b, err := parseBlock(s, max)
	if err != nil {
		return nil, err
	}
	return b.expand(ctx)
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port %q", p)
	}
	return n, nil
}

func endpoint(name, host string, port int, base string, plaintext bool) Target {
	scheme := "https"
	if plaintext {
		scheme = "http"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: base}
	// base is already escaped (it is probed as is): keep it so, rather than
	// have String escape its % signs a second time.
	if p, err := url.PathUnescape(base); err == nil {
		u.Path, u.RawPath = p, base
	}
	return Target{
		Ref:       Ref{Name: name, Source: SourceEndpoint, URL: u.String(), Host: host, Port: port},
		BasePath:  base,
		Plaintext: plaintext,
	}
}

// FromServer builds the probe target of a kubeconfig context's server URL;
// the caller adds the context's own client configuration. A server kubectl
// could not use, or one naming no server (ftp://, https://[::]), is an
// error naming the context, so the context is reported as misconfigured
// rather than probed as something it is not.
func FromServer(context, server string) (Target, error) {
	fail := func(why string) (Target, error) {
		return Target{}, fmt.Errorf("context %q: server %q: %s", context, redact(server), why)
	}
	// A server without a scheme is probed as https://host:port, which
	// shows the server's exposure whether it speaks TLS or not (the probe
	// falls back to plain HTTP when the handshake shows it).
	bare := !strings.Contains(server, "://")
	full := server
	if bare {
		full = "https://" + server
	}
	u, err := url.Parse(full)
	switch {
	case err != nil:
		return fail("not a URL" + zoneHint(full))
	case u.Scheme != "https" && u.Scheme != "http":
		return fail(fmt.Sprintf("scheme %q: only https:// and http:// are probed", u.Scheme))
	case u.Host == "" || bare && strings.Trim(u.Path, "/") != "":
		return fail("not a URL")
	case strings.Contains(u.Path, "@"):
		// User info runs to the last @ (clean.URL hides it so): a password
		// holding a '/' would otherwise become part of the probed path.
		return fail("an @ after the host: write a '/' in a password as %2F")
	}
	host, err := parseHost(u.Hostname())
	if err != nil {
		return fail(err.Error())
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		if port, err = parsePort(p); err != nil {
			return fail(err.Error())
		}
	}
	t := endpoint(server, host, port, strings.TrimRight(u.EscapedPath(), "/"), u.Scheme == "http")
	t.Name, t.Source, t.Context = context, SourceKubeconfig, context
	if bare {
		// kubectl reads such a server as plain http:// and then leaves the
		// user's credentials and the cluster's CA out (client-go merges
		// them only for https), so no authenticated view is kubectl's.
		t.ConfigError = fmt.Sprintf("context %q: server %q has no scheme: kubectl talks plain http:// to it and sends no credentials; write https://%s for the authenticated view",
			context, redact(server), redact(server))
	}
	return t, nil
}

// ClientServer is the server URL the context's own client should use: its
// kubeconfig server with the host replaced by the address the anonymous
// probe dials, where the two differ. https://127.1:6443 becomes
// https://127.0.0.1:6443, so the authenticated probe reaches the same
// server and never asks DNS about a numeric shorthand. Anything else comes
// back unchanged (a server without a scheme gets no client: see FromServer).
func ClientServer(server string, t Target) string {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || u.Hostname() == t.Host || t.Host == "" {
		return server
	}
	if p := u.Port(); p != "" {
		u.Host = net.JoinHostPort(t.Host, p)
	} else if strings.Contains(t.Host, ":") {
		u.Host = "[" + t.Host + "]"
	} else {
		u.Host = t.Host
	}
	return u.String()
}
