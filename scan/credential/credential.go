// Package credential runs kubeconfig exec credential plugins for a scan.
//
// client-go keeps the protocol (ExecCredential in and out,
// KUBERNETES_EXEC_INFO, provideClusterInfo, env, version checks); this
// package adds what a scan of many contexts needs and client-go lacks:
//
//   - every plugin runs under a guard (kubesurface re-executed, see
//     Dispatch) that caps its stdout, runs it in a process group of its
//     own and kills that group when it overruns its time or when
//     kubesurface goes away;
//   - at most Options.Concurrency plugins run at a time;
//   - within a Batch (one scan), contexts whose plugin would run with the
//     same command, arguments, environment and (with provideClusterInfo)
//     cluster share one run and its outcome, success or failure.
//
// The plugin runs once, up front, and the scan then sends the credential it
// returned as a static token or client certificate: a 401 never makes
// client-go run the plugin again behind the scan's back.
package credential

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/pkg/apis/clientauthentication"
	"k8s.io/client-go/plugin/pkg/client/auth/exec"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/transport"

	"github.com/kubesurface/kubesurface/internal/bounded"
)

// Defaults for Options fields left zero.
const (
	// DefaultConcurrency: cloud CLIs are whole interpreters (the aws CLI is
	// Python); a few at a time keep a laptop usable.
	DefaultConcurrency = 4
	// DefaultMaxOutput caps a plugin's stdout: an ExecCredential is a few
	// KB, so 1 MiB is far beyond any honest one.
	DefaultMaxOutput = 1 << 20
	// DefaultTimeout is how long one plugin may run before it is killed.
	DefaultTimeout = 10 * time.Second
)

// Options bound plugin runs.
type Options struct {
	// Concurrency is how many plugins may run at once.
	Concurrency int
	// Timeout is how long one plugin may run; then its process group is
	// killed.
	Timeout time.Duration
	// MaxOutput caps what a plugin may print on stdout.
	MaxOutput int64
	// Stderr passes what plugins print on stderr (capped) to kubesurface's
	// stderr; otherwise it is dropped.
	Stderr bool
}

// Pool runs plugins at most Options.Concurrency at a time. One Pool serves
// every scan of a Scanner, so concurrent scans share the limit.
type Pool struct {
	opts  Options
	slots chan struct{}
}

// NewPool returns a pool with o, zero fields taking their defaults.
func NewPool(o Options) *Pool {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxOutput <= 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	return &Pool{opts: o, slots: make(chan struct{}, o.Concurrency)}
}

// Batch returns a scope within which identical plugin runs are shared. A
// scan takes one for its targets; a later scan takes a new one, so a plugin
// that failed (not logged in) is tried again after the user logs in.
func (p *Pool) Batch() *Batch {
	return &Batch{pool: p, flights: map[string]*flight{}}
}

// Batch shares plugin runs between contexts of one scan.
type Batch struct {
	pool    *Pool
	mu      sync.Mutex
	flights map[string]*flight
}

type flight struct {
	done chan struct{}
	cred *Credential
	err  error
}

// Uses reports whether client-go would run cfg's exec plugin: it does not
// when the user also has a token, basic auth or a client certificate.
func Uses(cfg *rest.Config) bool {
	if cfg.ExecProvider == nil {
		return false
	}
	token := cfg.BearerToken != "" || cfg.BearerTokenFile != ""
	cert := (len(cfg.CertData) > 0 || cfg.CertFile != "") && (len(cfg.KeyData) > 0 || cfg.KeyFile != "")
	return !token && !cert && cfg.Username == ""
}

// Get returns the credential cfg's exec plugin gives, running the plugin
// unless a context of this batch with the same plugin invocation already
// has (or is running it). It waits for a free slot first; ctx ends the
// wait, not a plugin run other contexts may share. Errors are
// *PluginError, or ctx's error.
func (b *Batch) Get(ctx context.Context, cfg *rest.Config) (*Credential, error) {
	ec := cfg.ExecProvider
	plugin := filepath.Clean(ec.Command)
	var cluster *clientauthentication.Cluster
	if ec.ProvideClusterInfo {
		var err error
		if cluster, err = rest.ConfigToExecCluster(cfg); err != nil {
			return nil, &PluginError{Plugin: plugin, Reason: Unusable, Detail: err.Error()}
		}
	}
	key := keyOf(ec, cluster)
	b.mu.Lock()
	f, ok := b.flights[key]
	if !ok {
		f = &flight{done: make(chan struct{})}
		b.flights[key] = f
		go b.pool.run(ctx, f, ec, cluster)
	}
	b.mu.Unlock()
	select {
	case <-f.done:
		return f.cred, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// keyOf is what makes two plugin runs the same run: what the plugin is
// given (command, arguments, environment, API version, interactive mode)
// and, only when it is given the cluster, the cluster.
func keyOf(ec *clientcmdapi.ExecConfig, cluster *clientauthentication.Cluster) string {
	k := struct {
		Command     string
		Args        []string
		Env         []clientcmdapi.ExecEnvVar
		APIVersion  string
		Interactive clientcmdapi.ExecInteractiveMode
		Cluster     *clientauthentication.Cluster `json:",omitempty"`
		Extension   []byte                        `json:",omitempty"`
	}{filepath.Clean(ec.Command), ec.Args, ec.Env, ec.APIVersion, ec.InteractiveMode, nil, nil}
	if cluster != nil {
		c := *cluster
		c.Config = nil
		k.Cluster, k.Extension = &c, rawOf(cluster.Config)
	}
	b, err := json.Marshal(k)
	if err != nil {
		// Unreachable for these types; a key nobody else has only costs
		// sharing.
		return fmt.Sprintf("%p", ec)
	}
	return string(b)
}

func rawOf(o runtime.Object) []byte {
	switch v := o.(type) {
	case nil:
		return nil
	case *runtime.Unknown:
		return v.Raw
	}
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Appendf(nil, "%p", o)
	}
	return b
}

// backstop is how far past its timeout kubesurface still waits for a
// guarded plugin: the guard kills it at the timeout, so this only matters
// if the guard itself were stuck.
const backstop = 10 * time.Second

func (p *Pool) run(ctx context.Context, f *flight, ec *clientcmdapi.ExecConfig, cluster *clientauthentication.Cluster) {
	defer close(f.done)
	plugin := filepath.Clean(ec.Command)
	if !dispatched.Load() {
		f.err = &PluginError{Plugin: plugin, Reason: Unusable, Detail: "this program cannot guard plugins (its main does not call credential.Dispatch)"}
		return
	}
	exe, err := os.Executable()
	if err != nil {
		f.err = &PluginError{Plugin: plugin, Reason: Unusable, Detail: "cannot find kubesurface's own executable to guard the plugin: " + err.Error()}
		return
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		f.err = ctx.Err()
		return
	}
	defer func() { <-p.slots }()

	guarded := ec.DeepCopy()
	guarded.Command = exe
	guarded.Args = guardArgs{parent: os.Getpid(), timeout: p.opts.Timeout, maxOutput: p.opts.MaxOutput,
		stderr: p.opts.Stderr, command: plugin, args: ec.Args}.argv()
	a, err := exec.GetAuthenticator(guarded, cluster)
	if err != nil {
		f.err = &PluginError{Plugin: plugin, Reason: Unusable, Detail: err.Error()}
		return
	}
	type outcome struct {
		cred *Credential
		err  error
	}
	ch := make(chan outcome, 1)
	go func() {
		c, err := extract(a)
		ch <- outcome{c, err}
	}()
	timer := time.NewTimer(p.opts.Timeout + backstop)
	defer timer.Stop()
	select {
	case o := <-ch:
		f.cred = o.cred
		if o.err != nil {
			f.err = p.classify(plugin, ec, o.err)
		}
	case <-timer.C:
		f.err = &PluginError{Plugin: plugin, Reason: TimedOut, Timeout: p.opts.Timeout}
	}
}

// extract has client-go run the plugin and reads back what it would send:
// the Authorization header its round tripper sets, and the client
// certificate its TLS callback returns. Nothing leaves the process: the
// round trip ends at a recorder.
func extract(a *exec.Authenticator) (*Credential, error) {
	tc := &transport.Config{}
	if err := a.UpdateTransportConfig(tc); err != nil {
		return nil, err
	}
	var rec recorder
	req, err := http.NewRequest(http.MethodGet, "https://credential.invalid/", nil)
	if err != nil {
		return nil, err
	}
	resp, err := tc.WrapTransport(&rec).RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	c := &Credential{token: strings.TrimPrefix(rec.authorization, "Bearer ")}
	if tc.TLS.GetCertHolder == nil {
		return c, nil
	}
	cert, err := tc.TLS.GetCertHolder.GetCert()
	if err != nil {
		return nil, err
	}
	if cert != nil && len(cert.Certificate) > 0 {
		for _, der := range cert.Certificate {
			c.cert = append(c.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
		key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("exec plugin returned a client key kubesurface cannot use: %v", err)
		}
		c.key = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})
	}
	if c.token == "" && c.cert == nil {
		return nil, errors.New("exec plugin didn't return a token or cert/key pair")
	}
	return c, nil
}

type recorder struct{ authorization string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.authorization = req.Header.Get("Authorization")
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: req}, nil
}

// Credential is what a plugin returned: a bearer token, a client
// certificate, or both.
type Credential struct {
	token     string
	cert, key []byte
}

// Apply replaces cfg's exec plugin with the credential it returned.
func (c *Credential) Apply(cfg *rest.Config) {
	cfg.ExecProvider = nil
	cfg.BearerToken, cfg.BearerTokenFile = c.token, ""
	if c.cert != nil {
		cfg.CertData, cfg.KeyData = c.cert, c.key
		cfg.CertFile, cfg.KeyFile = "", ""
	}
}

// Reason says why a plugin gave no credential.
type Reason int

// Reasons, from the plugin's side of the protocol to kubesurface's.
const (
	// Failed: the plugin exited non-zero (not logged in, expired session).
	Failed Reason = iota + 1
	// Missing: the plugin's command is not installed or not on PATH.
	Missing
	// TooLarge: the plugin printed more than Options.MaxOutput.
	TooLarge
	// TimedOut: the plugin ran past Options.Timeout and was killed.
	TimedOut
	// BadOutput: the plugin exited 0 but printed no usable ExecCredential.
	BadOutput
	// Prompt: the plugin would need a terminal to prompt on.
	Prompt
	// Unusable: the exec configuration itself cannot be run.
	Unusable
)

// PluginError is why a plugin gave no credential, in words an admin can
// act on. It never holds what the plugin printed beyond client-go's
// one-line description of why it could not be decoded.
type PluginError struct {
	// Plugin is the command as the kubeconfig names it.
	Plugin   string
	Reason   Reason
	ExitCode int
	Limit    int64
	Timeout  time.Duration
	// Hint is the kubeconfig's installHint, for Missing.
	Hint string
	// Detail is client-go's description, for BadOutput, Unusable and
	// unforeseen failures.
	Detail string
}

func (e *PluginError) Error() string {
	switch e.Reason {
	case Missing:
		msg := fmt.Sprintf("credential plugin %s is not installed or not on PATH", e.Plugin)
		if h := oneLine(e.Hint, 300); h != "" {
			msg += " (install hint: " + h + ")"
		}
		return msg
	case TooLarge:
		return fmt.Sprintf("credential plugin %s printed more than %s and was stopped (an ExecCredential is a few KB)", e.Plugin, bounded.Size(e.Limit))
	case TimedOut:
		return fmt.Sprintf("credential plugin %s gave no answer within %s and was stopped (it may be waiting for a login)", e.Plugin, e.Timeout)
	case BadOutput:
		if e.Detail == "" {
			return fmt.Sprintf("credential plugin %s printed something that is not an ExecCredential", e.Plugin)
		}
		return fmt.Sprintf("credential plugin %s printed no usable ExecCredential: %s", e.Plugin, oneLine(e.Detail, 300))
	case Prompt:
		return fmt.Sprintf("credential plugin %s wants to prompt for input; log in with the provider's CLI first", e.Plugin)
	case Unusable:
		return fmt.Sprintf("credential plugin %s cannot be run: %s", e.Plugin, oneLine(e.Detail, 300))
	}
	if e.ExitCode > 0 {
		return fmt.Sprintf("credential plugin %s failed (exit code %d): not logged in, or its credentials have expired", e.Plugin, e.ExitCode)
	}
	return fmt.Sprintf("credential plugin %s failed: %s", e.Plugin, oneLine(e.Detail, 300))
}

var exitCodeRe = regexp.MustCompile(`failed with exit code (-?\d+)`)

// classify turns client-go's error for a guarded run into a PluginError.
// client-go names the guard (kubesurface's own executable) as the command,
// so the plugin's name comes from the configuration instead.
func (p *Pool) classify(plugin string, ec *clientcmdapi.ExecConfig, err error) *PluginError {
	s := err.Error()
	pe := &PluginError{Plugin: plugin, Detail: strings.TrimPrefix(s, "getting credentials: ")}
	if m := exitCodeRe.FindStringSubmatch(s); m != nil {
		code, _ := strconv.Atoi(m[1])
		switch code {
		case ExitNotFound:
			pe.Reason, pe.Hint = Missing, ec.InstallHint
		case ExitTooLarge:
			pe.Reason, pe.Limit = TooLarge, p.opts.MaxOutput
		case ExitTimedOut:
			pe.Reason, pe.Timeout = TimedOut, p.opts.Timeout
		case ExitGuardFailed:
			pe.Reason, pe.Detail = Failed, "it could not be started"
		default:
			pe.Reason, pe.ExitCode = Failed, code
		}
		return pe
	}
	switch {
	case strings.Contains(s, "standard input is unavailable") || strings.Contains(s, "standard input is not a terminal"):
		pe.Reason = Prompt
	case strings.Contains(s, "decoding stdout"):
		// client-go's decoder error names Go types, not the problem.
		pe.Reason, pe.Detail = BadOutput, ""
	case strings.Contains(s, "exec plugin"), strings.Contains(s, "client key"), strings.Contains(s, "failed parsing"):
		// client-go's checks of a decoded ExecCredential: no status, no
		// token or certificate, half a key pair, another API version.
		pe.Reason = BadOutput
	case strings.Contains(s, "exec: executable") && strings.Contains(s, "not found"):
		pe.Reason, pe.Detail = Unusable, "kubesurface's own executable, which guards plugins, is gone"
	default:
		pe.Reason = Failed
	}
	return pe
}

// oneLine folds text from a kubeconfig or from client-go into one line of
// at most max bytes.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}
