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
	"sort"
	"strings"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubesurface/kubesurface/internal/bounded"
	"github.com/kubesurface/kubesurface/scan/credential"
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

// authenticated runs the owner's view of a kubeconfig target: first the
// context's exec credential plugin, if it has one (shared with the other
// contexts of this scan that run it identically, and bounded by the
// plugin pool), then the requests, which get a few request timeouts
// between them.
func (s *Scanner) authenticated(ctx context.Context, t Target, creds *credential.Batch) *Auth {
	if t.ConfigError != "" {
		return &Auth{Error: t.ConfigError, ErrorKind: AuthConfig}
	}
	start := time.Now()
	a := s.authProbe(ctx, t, creds)
	a.LatencyMS = ms(time.Since(start))
	return a
}

// authProbe uses the context's own rest.Config, hardened so its credential
// can only ever reach that context's server: requests to any other host are
// refused before they leave, redirects are not followed, and TLS is
// verified with the context's CA exactly as kubectl would. Every response
// body is capped, nodes are listed in pages up to MaxNodes, and /metrics is
// streamed for the two families an upgrade plan needs.
func (s *Scanner) authProbe(ctx context.Context, t Target, creds *credential.Batch) *Auth {
	// rest.CopyConfig shares (and writes into) the caller's ExecConfig;
	// give it a private one so the target is never written to.
	own := *t.Rest
	own.ExecProvider = t.Rest.ExecProvider.DeepCopy()
	cfg := rest.CopyConfig(&own)
	server, err := url.Parse(cfg.Host)
	if err != nil {
		return &Auth{Error: fmt.Sprintf("server %q is not a URL", cfg.Host), ErrorKind: AuthConfig}
	}
	if cfg.ExecProvider != nil && cfg.AuthProvider == nil {
		if !credential.Uses(cfg) {
			// The user also has a token or certificate: client-go (and
			// kubectl) would never run the plugin.
			cfg.ExecProvider = nil
		} else {
			cfg.ExecProvider.StdinUnavailable = true
			cfg.ExecProvider.StdinUnavailableMessage = "kubesurface runs credential plugins without a terminal; log in with the provider's CLI first"
			cred, err := creds.Get(ctx, cfg)
			if err != nil {
				kind, msg := classifyCredentialErr(err)
				return &Auth{Error: msg, ErrorKind: kind}
			}
			cred.Apply(cfg)
		}
	}

	actx, cancel := context.WithTimeout(ctx, 2*s.opts.Timeout)
	defer cancel()
	cfg.Timeout = s.opts.Timeout
	cfg.UserAgent = "kubesurface"
	cfg.QPS, cfg.Burst = 20, 20
	allowed := server.Host
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return hostGuard{rt: rt, host: allowed} })
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return capBodies{rt: rt, limit: s.opts.BodyLimit} })
	// A dialer of our own keeps this transport out of client-go's shared
	// cache, so closing it at the end leaves nothing running.
	cfg.Dial = (&net.Dialer{Timeout: s.opts.Timeout}).DialContext
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return &Auth{Error: clientConfigError(err), ErrorKind: AuthConfig}
	}
	defer utilnet.CloseIdleConnectionsFor(hc.Transport)
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cs, err := kubernetes.NewForConfigAndClient(cfg, hc)
	if err != nil {
		return &Auth{Error: clientConfigError(err), ErrorKind: AuthConfig}
	}

	a := &Auth{}
	raw, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(actx).Raw()
	if err != nil {
		a.ErrorKind, a.Error = classifyAuthErr(err)
		return a
	}
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.GitVersion == "" || len(v.GitVersion) > maxVersionLen {
		a.Warnings = append(a.Warnings, "server version: unreadable answer")
	} else {
		a.ServerVersion = v.GitVersion
	}

	if rev, err := cs.AuthenticationV1().SelfSubjectReviews().Create(actx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{}); err != nil {
		_, msg := classifyAuthErr(err)
		a.Warnings = append(a.Warnings, "identity: "+msg)
	} else {
		a.User, a.Groups = rev.Status.UserInfo.Username, rev.Status.UserInfo.Groups
	}

	nodes, warning := listNodes(actx, cs.CoreV1().RESTClient())
	if warning != "" {
		a.Warnings = append(a.Warnings, warning)
	}
	a.Nodes = nodes
	a.Skew = skew(a.ServerVersion, a.Nodes)

	switch ov, err := readClusterVersion(actx, cs.Discovery().RESTClient()); {
	case err == nil:
		a.OpenShift = ov
		if ov.Version == "" {
			a.Warnings = append(a.Warnings, "OpenShift ClusterVersion: names no release (status.desired.version, status.history)")
		}
	case apierrors.IsNotFound(err):
		// Not OpenShift: nothing to say.
	case apierrors.IsForbidden(err):
		// Every other distribution forbids it too, without RBAC for a
		// group it does not serve; only judge knows whether it matters.
		a.clusterVersionDenied = true
	default:
		_, msg := classifyAuthErr(err)
		a.Warnings = append(a.Warnings, "OpenShift ClusterVersion: "+msg)
	}

	a.Metrics = readMetrics(actx, cs.Discovery().RESTClient())
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

// classifyCredentialErr puts a plugin's failure into an error kind; the
// message is the PluginError's own.
func classifyCredentialErr(err error) (kind, msg string) {
	var pe *credential.PluginError
	if errors.As(err, &pe) {
		switch pe.Reason {
		case credential.Missing:
			return AuthPluginMissing, pe.Error()
		case credential.TimedOut:
			return AuthTimeout, pe.Error()
		case credential.Unusable:
			return AuthConfig, pe.Error()
		}
		return AuthPluginFailed, pe.Error()
	}
	if errors.Is(err, context.Canceled) {
		return AuthOther, "cancelled while waiting for the credential plugin"
	}
	return AuthOther, err.Error()
}

// classifyAuthErr puts client-go's errors into an admin's words.
func classifyAuthErr(err error) (kind, msg string) {
	s := err.Error()
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var tl *bounded.TooLargeError
	switch {
	case errors.As(err, &tl):
		return AuthOther, tl.Error()
	case clientCertProblem(s):
		return AuthConfig, clientConfigError(err)
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
	case errors.Is(err, context.Canceled):
		return AuthOther, "cancelled"
	case strings.Contains(s, "connection refused"):
		return AuthUnreachable, "connection refused"
	case strings.Contains(s, "refusing to send credentials"):
		return AuthOther, trimPrefixUpTo(s, "refusing")
	}
	return AuthOther, s
}

// clientConfigError words a client configuration client-go refused; a
// client certificate and key that are no pair is said the same way whether
// client-go found out building the client (inline data) or at the first
// request (files, which it reloads).
func clientConfigError(err error) string {
	s := err.Error()
	if clientCertProblem(s) {
		return "the client certificate and key cannot be used: " + trimPrefixUpTo(s, "tls: ")
	}
	return "client configuration: " + s
}

// clientCertProblem recognises the errors crypto/tls gives for a client
// certificate and key that do not make a pair (or are not PEM at all),
// which client-go only reports when the first request is made.
func clientCertProblem(s string) bool {
	for _, m := range []string{
		"tls: private key does not match public key",
		"tls: failed to find any PEM data",
		"tls: failed to find \"PRIVATE KEY\"",
		"tls: failed to parse private key",
		"tls: unknown public key algorithm",
		"tls: private key type does not match public key type",
	} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
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
