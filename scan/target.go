package scan

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"

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

// ReadEndpoints reads endpoints from r, one or more per line separated by
// white space or commas; blank lines and # comments are skipped. name is used
// in errors ("stdin", a file name).
func ReadEndpoints(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		out = append(out, strings.FieldsFunc(line, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\r'
		})...)
	}
	if err := sc.Err(); err != nil {
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
	if max <= 0 {
		max = DefaultMaxTargets
	}
	var out []Target
	seen := map[string]bool{}
	for _, in := range inputs {
		ts, err := parseEndpoint(in, max)
		if err != nil {
			return nil, inputError{in: in, err: err}
		}
		for _, t := range ts {
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

func parseEndpoint(in string, max int) ([]Target, error) {
	s := strings.TrimSpace(in)
	if s == "" {
		return nil, fmt.Errorf("empty endpoint")
	}
	if strings.Contains(s, "://") {
		return parseURL(s)
	}
	if strings.Contains(s, "/") {
		return parseCIDR(s, max)
	}
	var ports []int
	host := s
	bare := s
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		bare = s[1 : len(s)-1] // [2001:db8::1] without a port
	}
	if addr, err := netip.ParseAddr(bare); err == nil && addr.Is6() {
		host = addr.String() // bare IPv6: no port to split off
	} else if h, p, err := net.SplitHostPort(s); err == nil {
		port, err := parsePort(p)
		if err != nil {
			return nil, err
		}
		host, ports = h, []int{port}
	} else if strings.ContainsAny(s, "[]") || strings.Count(s, ":") > 0 {
		return nil, fmt.Errorf("not host, host:port, [ipv6]:port, a URL or a CIDR")
	}
	if err := checkHost(host); err != nil {
		return nil, err
	}
	explicit := ports != nil
	if !explicit {
		ports = DefaultPorts
	}
	out := make([]Target, 0, len(ports))
	for _, p := range ports {
		name := s // as given when it names one port; each expanded row otherwise
		if !explicit {
			name = net.JoinHostPort(host, strconv.Itoa(p))
		}
		out = append(out, endpoint(name, host, p, "", false))
	}
	return out, nil
}

func parseURL(s string) ([]Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("scheme %q: only https:// and http:// are probed", u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("credentials in the URL are not accepted")
	}
	host := u.Hostname()
	if err := checkHost(host); err != nil {
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

func parseCIDR(s string, max int) ([]Target, error) {
	ports := DefaultPorts
	prefixText := s
	// 10.0.0.0/28:6443 or [fd00::/120]:6443
	if i := strings.LastIndexByte(s, ':'); i > strings.IndexByte(s, '/') {
		port, err := parsePort(s[i+1:])
		if err != nil {
			return nil, err
		}
		ports, prefixText = []int{port}, strings.Trim(s[:i], "[]")
	}
	prefix, err := netip.ParsePrefix(prefixText)
	if err != nil {
		return nil, fmt.Errorf("not a CIDR block: %v", err)
	}
	prefix = prefix.Masked()
	bits := prefix.Addr().BitLen() - prefix.Bits()
	count := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	count.Mul(count, big.NewInt(int64(len(ports))))
	if !count.IsInt64() || count.Int64() > int64(max) {
		return nil, fmt.Errorf("expands to %s targets, more than --max-targets %d", count, max)
	}
	out := make([]Target, 0, count.Int64())
	for a := prefix.Addr(); a.IsValid() && prefix.Contains(a); a = a.Next() {
		for _, p := range ports {
			out = append(out, endpoint(net.JoinHostPort(a.String(), strconv.Itoa(p)), a.String(), p, "", false))
		}
	}
	return out, nil
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port %q", p)
	}
	return n, nil
}

// checkHost accepts IP literals and DNS names; anything else is a typo.
func checkHost(h string) error {
	if h == "" {
		return fmt.Errorf("no host")
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if len(h) > 253 {
		return fmt.Errorf("host name too long")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("invalid host name %q", h)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("invalid host name %q", h)
			}
		}
	}
	return nil
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
// the caller adds the context's own client configuration.
func FromServer(context, server string) (Target, error) {
	// kubectl reads a server without a scheme as https://host:port
	// (rest.DefaultServerURL), so the probe of its context must too.
	bare := !strings.Contains(server, "://")
	full := server
	if bare {
		full = "https://" + server
	}
	u, err := url.Parse(full)
	if err != nil || u.Host == "" || bare && (strings.Trim(u.Path, "/") != "" || checkHost(u.Hostname()) != nil) {
		return Target{}, fmt.Errorf("context %q: server %q is not a URL", context, server)
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		if port, err = parsePort(p); err != nil {
			return Target{}, fmt.Errorf("context %q: server %q: %w", context, server, err)
		}
	}
	t := endpoint(server, u.Hostname(), port, strings.TrimRight(u.EscapedPath(), "/"), u.Scheme == "http")
	t.Name, t.Source, t.Context = context, SourceKubeconfig, context
	return t, nil
}
