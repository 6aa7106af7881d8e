package kubeconfig

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// TestServersNamingNoServerAreConfigErrors: a server kubectl cannot use
// (another scheme) or one naming no server (the unspecified or a multicast
// address) makes its context a config error that says why, and other
// contexts load as usual.
func TestServersNamingNoServerAreConfigErrors(t *testing.T) {
	hermetic(t)
	servers := map[string]string{
		"ftp":       "ftp://k8s.example.com",
		"file":      "file:///var/run/k8s.sock",
		"any-v6":    "https://[::]:6443",
		"any-v4":    "https://0.0.0.0:6443",
		"bare-any":  "0.0.0.0:6443",
		"multicast": "https://[ff02::1]:6443",
		"raw-zone":  "https://[fe80::1%eth0]:6443",
		"bad-num":   "https://1.2.3.4.5:6443",
	}
	why := map[string]string{
		"ftp": `scheme "ftp"`, "file": `scheme "file"`, "any-v6": "unspecified", "any-v4": "unspecified",
		"bare-any": "unspecified", "multicast": "multicast", "raw-zone": "%25", "bad-num": "IPv4",
	}
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: t}}]\nclusters:\n")
	for name, server := range servers {
		fmt.Fprintf(&b, "- {name: %s, cluster: {server: %q}}\n", name, server)
	}
	b.WriteString("- {name: fine, cluster: {server: \"https://127.0.0.1:6443\"}}\ncontexts:\n")
	for name := range servers {
		fmt.Fprintf(&b, "- {name: %s, context: {cluster: %s, user: u}}\n", name, name)
	}
	b.WriteString("- {name: fine, context: {cluster: fine, user: u}}\n")
	ts, err := Load(Options{Path: writeFile(t, t.TempDir(), "config", b.String())})
	if err != nil {
		t.Fatal(err)
	}
	for name, server := range servers {
		tg := byName(t, ts, name)
		if tg.Rest != nil || tg.URL != "" || !strings.Contains(tg.ConfigError, fmt.Sprintf("context %q", name)) ||
			!strings.Contains(tg.ConfigError, fmt.Sprintf("%q", server)) || !strings.Contains(tg.ConfigError, why[name]) {
			t.Errorf("%s (%s): config error %q, URL %q, rest %v; want an error naming the context, the server and %q",
				name, server, tg.ConfigError, tg.URL, tg.Rest != nil, why[name])
		}
	}
	if f := byName(t, ts, "fine"); f.ConfigError != "" || f.Rest == nil {
		t.Errorf("fine: config error %q", f.ConfigError)
	}
}

// TestNumericShorthandServerAuthenticates: a kubeconfig server written as
// https://127.1:PORT is probed at 127.0.0.1 by both probes. The context's
// own client gets the address too: handed "127.1" it would ask DNS, and
// verify the certificate against a name no certificate holds.
func TestNumericShorthandServerAuthenticates(t *testing.T) {
	hermetic(t)
	srv, withCred := fakeAPIServer(t)
	p := port(t, srv)
	ca := caData(srv)
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: t}}]\nclusters:\n")
	shorthands := []string{fmt.Sprintf("https://127.1:%d", p), fmt.Sprintf("https://2130706433:%d/", p), fmt.Sprintf("https://0x7f.0.0.1:%d", p)}
	for i, s := range shorthands {
		fmt.Fprintf(&b, "- {name: c%d, cluster: {server: %q, certificate-authority-data: %s}}\n", i, s, ca)
	}
	b.WriteString("contexts:\n")
	for i := range shorthands {
		fmt.Fprintf(&b, "- {name: n%d, context: {cluster: c%d, user: u}}\n", i, i)
	}
	ts, err := Load(Options{Path: writeFile(t, t.TempDir(), "config", b.String())})
	if err != nil {
		t.Fatal(err)
	}
	wantHost := fmt.Sprintf("127.0.0.1:%d", p)
	for _, tg := range ts {
		if tg.ConfigError != "" || tg.Host != "127.0.0.1" || tg.Rest == nil {
			t.Fatalf("%s: config error %q, host %q", tg.Name, tg.ConfigError, tg.Host)
		}
		if !strings.Contains(tg.Rest.Host, "://"+wantHost) {
			t.Errorf("%s: the context's client is for %q, want %s", tg.Name, tg.Rest.Host, wantHost)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, r := range scan.New(scan.Options{Timeout: 5 * time.Second}).Scan(ctx, ts) {
		if r.Connect == nil || r.Connect.Address != wantHost {
			t.Errorf("%s: anonymous probe connected to %+v, want %s", r.Target.Name, r.Connect, wantHost)
		}
		if r.Auth == nil || r.Auth.Error != "" || r.Auth.ServerVersion != "v1.30.5-eks-abcdef0" {
			t.Errorf("%s: auth %+v, want the server's version over the context's own verified TLS", r.Target.Name, r.Auth)
		}
	}
	if withCred.Load() == 0 {
		t.Error("no request carried the context's token")
	}
}

// TestSchemelessServerHasNoAuthenticatedView: kubectl reads a server
// without a scheme as plain http:// and sends it no credentials, so
// kubesurface does not either; it still probes the server anonymously
// (as https://, falling back to HTTP) and says why the view is missing.
func TestSchemelessServerHasNoAuthenticatedView(t *testing.T) {
	hermetic(t)
	srv, withCred := fakeAPIServer(t)
	server := fmt.Sprintf("127.1:%d", port(t, srv))
	ts, err := Load(Options{Path: writeFile(t, t.TempDir(), "config", fmt.Sprintf(`apiVersion: v1
kind: Config
users: [{name: u, user: {token: t}}]
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %s}}]
contexts: [{name: bare, context: {cluster: c, user: u}}]
`, server, caData(srv)))})
	if err != nil {
		t.Fatal(err)
	}
	tg := ts[0]
	if tg.Rest != nil || !strings.Contains(tg.ConfigError, "no scheme") || !strings.Contains(tg.ConfigError, "https://"+server) {
		t.Fatalf("config error %q, rest %v", tg.ConfigError, tg.Rest != nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := scan.New(scan.Options{Timeout: 5 * time.Second}).Scan(ctx, ts)[0]
	if r.Version == nil || r.Auth == nil || r.Auth.ErrorKind != scan.AuthConfig || r.Auth.Error != tg.ConfigError {
		t.Errorf("anonymous version %+v, auth %+v", r.Version, r.Auth)
	}
	if withCred.Load() != 0 {
		t.Errorf("%d requests carried a credential kubectl would not send", withCred.Load())
	}
}
