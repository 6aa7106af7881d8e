package scan

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Auth error kinds, as in Auth.ErrorKind.
const (
	AuthPluginMissing = "plugin-missing"
	AuthPluginFailed  = "plugin-failed"
	AuthUnauthorized  = "unauthorized"
	AuthForbidden     = "forbidden"
	AuthCAMismatch    = "ca-mismatch"
	AuthTimeout       = "timeout"
	AuthUnreachable   = "unreachable"
	AuthConfig        = "config"
	AuthOther         = "other"
)

// SkewPolicy is how many minors a kubelet may trail the API server
// (Kubernetes version skew policy since 1.28); it may never be newer.
const SkewPolicy = 3

// authenticated runs the owner's view of a kubeconfig target. It runs in its
// own goroutine because client-go starts exec plugins without a context: a
// plugin that hangs is abandoned at the timeout rather than holding the scan.
func (s *Scanner) authenticated(ctx context.Context, t Target) *Auth {
	if t.ConfigError != "" {
		return &Auth{Error: t.ConfigError, ErrorKind: AuthConfig}
	}
	// The whole phase gets a few request timeouts: an exec plugin, version,
	// nodes and identity each may take one.
	actx, cancel := context.WithTimeout(ctx, 2*s.opts.Timeout)
	defer cancel()
	done := make(chan *Auth, 1)
	start := time.Now()
	go func() { done <- authProbe(actx, t, s.opts.Timeout) }()
	select {
	case a := <-done:
		a.LatencyMS = ms(time.Since(start))
		return a
	case <-actx.Done():
		return &Auth{LatencyMS: ms(time.Since(start)), ErrorKind: AuthTimeout,
			Error: fmt.Sprintf("no answer within %s (a credential plugin may be waiting for a login)", 2*s.opts.Timeout)}
	}
}

// authProbe uses the context's own rest.Config, hardened so its credential
// can only ever reach that context's server: requests to any other host are
// refused before they leave, redirects are not followed, and TLS is
// verified with the context's CA exactly as kubectl would.
func authProbe(ctx context.Context, t Target, timeout time.Duration) *Auth {
	// rest.CopyConfig shares (and writes into) the caller's ExecConfig;
	// give it a private one so the target is never written to.
	own := *t.Rest
	own.ExecProvider = t.Rest.ExecProvider.DeepCopy()
	cfg := rest.CopyConfig(&own)
	cfg.Timeout = timeout
	cfg.UserAgent = "kubesurface"
	cfg.QPS, cfg.Burst = 20, 20
	if cfg.ExecProvider != nil {
		cfg.ExecProvider.StdinUnavailable = true
		cfg.ExecProvider.StdinUnavailableMessage = "kubesurface runs credential plugins without a terminal; log in with the provider's CLI first"
	}
	server, err := url.Parse(cfg.Host)
	if err != nil {
		return &Auth{Error: fmt.Sprintf("server %q is not a URL", cfg.Host), ErrorKind: AuthConfig}
	}
	allowed := server.Host
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return hostGuard{rt: rt, host: allowed} })
	// A dialer of our own keeps this transport out of client-go's shared
	// cache, so closing it at the end leaves nothing running.
	cfg.Dial = (&net.Dialer{Timeout: timeout}).DialContext
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return &Auth{Error: "client configuration: " + err.Error(), ErrorKind: AuthConfig}
	}
	defer utilnet.CloseIdleConnectionsFor(hc.Transport)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cs, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return &Auth{Error: "client configuration: " + err.Error(), ErrorKind: AuthConfig}
	}

	a := &Auth{}
	raw, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		a.ErrorKind, a.Error = classifyAuthErr(err)
		return a
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.GitVersion == "" {
		a.Warnings = append(a.Warnings, "server version: unreadable answer")
	}
	a.ServerVersion = v.GitVersion

	if rev, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{}); err != nil {
		_, msg := classifyAuthErr(err)
		a.Warnings = append(a.Warnings, "identity: "+msg)
	} else {
		a.User, a.Groups = rev.Status.UserInfo.Username, rev.Status.UserInfo.Groups
	}

	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 5000})
	if err != nil {
		_, msg := classifyAuthErr(err)
		a.Warnings = append(a.Warnings, "nodes: "+msg)
		return a
	}
	for _, n := range nodes.Items {
		a.Nodes = append(a.Nodes, Node{Name: n.Name, KubeletVersion: n.Status.NodeInfo.KubeletVersion})
	}
	a.Skew = skew(a.ServerVersion, a.Nodes)
	return a
}

// hostGuard refuses any request that is not for the context's own server.
// It sits under client-go's auth wrappers, so it sees the request with the
// credential attached and is the last word before it leaves.
type hostGuard struct {
	rt   http.RoundTripper
	host string
}

func (g hostGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != g.host {
		return nil, fmt.Errorf("refusing to send credentials to %s: not the context's server %s", req.URL.Host, g.host)
	}
	return g.rt.RoundTrip(req)
}

// WrappedRoundTripper lets client-go reach the transport underneath, to
// close its idle connections when the probe ends.
func (g hostGuard) WrappedRoundTripper() http.RoundTripper { return g.rt }

// skew compares every kubelet with the server's minor. It fills
// Node.MinorsBehind in place.
func skew(server string, nodes []Node) *Skew {
	sv, err := ParseVersion(server)
	if err != nil || len(nodes) == 0 {
		return nil
	}
	s := &Skew{}
	var oldest, newest *ParsedVersion
	for i := range nodes {
		kv, err := ParseVersion(nodes[i].KubeletVersion)
		if err != nil {
			s.Violations = append(s.Violations, fmt.Sprintf("%s: kubelet version %q unreadable", nodes[i].Name, nodes[i].KubeletVersion))
			continue
		}
		behind := int(sv.MinorNum) - int(kv.MinorNum)
		if kv.Major != sv.Major {
			behind = 100 // a different major is beyond any policy
		}
		nodes[i].MinorsBehind = behind
		if behind > s.MaxBehind {
			s.MaxBehind = behind
		}
		switch {
		case behind > SkewPolicy:
			s.Violations = append(s.Violations, fmt.Sprintf("%s: kubelet %s is %d minors behind the API server %s (policy allows %d)", nodes[i].Name, nodes[i].KubeletVersion, behind, server, SkewPolicy))
		case behind < 0:
			s.Violations = append(s.Violations, fmt.Sprintf("%s: kubelet %s is newer than the API server %s (policy forbids it)", nodes[i].Name, nodes[i].KubeletVersion, server))
		}
		if oldest == nil || kv.MinorNum < oldest.MinorNum || kv.MinorNum == oldest.MinorNum && kv.Patch < oldest.Patch {
			oldest = &kv
			s.OldestKubelet = nodes[i].KubeletVersion
		}
		if newest == nil || kv.MinorNum > newest.MinorNum || kv.MinorNum == newest.MinorNum && kv.Patch > newest.Patch {
			newest = &kv
			s.NewestKubelet = nodes[i].KubeletVersion
		}
	}
	sort.Strings(s.Violations)
	return s
}

var (
	execMissing = regexp.MustCompile(`exec: executable (\S+) not found`)
	execFailed  = regexp.MustCompile(`exec: executable (\S+) failed with exit code (\d+)`)
)

// classifyAuthErr puts client-go's errors into an admin's words.
func classifyAuthErr(err error) (kind, msg string) {
	s := err.Error()
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case execMissing.MatchString(s):
		p := execMissing.FindStringSubmatch(s)[1]
		return AuthPluginMissing, fmt.Sprintf("credential plugin %s is not installed or not on PATH", p)
	case execFailed.MatchString(s):
		m := execFailed.FindStringSubmatch(s)
		return AuthPluginFailed, fmt.Sprintf("credential plugin %s failed (exit code %s): not logged in, or its credentials have expired", m[1], m[2])
	case strings.Contains(s, "standard input is unavailable"):
		return AuthPluginFailed, "credential plugin wants to prompt for input; log in with the provider's CLI first"
	case apierrors.IsUnauthorized(err):
		return AuthUnauthorized, "the server rejected the credentials (401): token expired, revoked or for another cluster"
	case apierrors.IsForbidden(err):
		return AuthForbidden, "permission denied (403): " + apiMessage(err)
	case errors.As(err, &ua) || strings.Contains(s, "certificate signed by unknown authority"):
		return AuthCAMismatch, "the server's certificate is not signed by the context's CA (nothing was sent)"
	case errors.As(err, &hn) || errors.As(err, &ci) || strings.Contains(s, "x509: "):
		return AuthCAMismatch, "the server's certificate does not verify: " + trimPrefixUpTo(s, "x509: ")
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(s, "Client.Timeout") || strings.Contains(s, "deadline exceeded"):
		return AuthTimeout, "timed out"
	case strings.Contains(s, "connection refused"):
		return AuthUnreachable, "connection refused"
	case strings.Contains(s, "refusing to send credentials"):
		return AuthOther, trimPrefixUpTo(s, "refusing")
	}
	return AuthOther, s
}

func apiMessage(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Message != "" {
		return se.Status().Message
	}
	return err.Error()
}

func trimPrefixUpTo(s, marker string) string {
	if i := strings.Index(s, marker); i >= 0 {
		return s[i:]
	}
	return s
}
