package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan/report"
)

// secret is the password (or token) a user put into a URL; it must appear
// in no output at all.
const secret = "S3cretPassw0rd"

// secretServer is the server the kubeconfig's contexts point at: the real
// kube-apiserver of the e2e harness when it runs (KS_E2E_ANON_URL), else a
// local stand-in that answers /version and refuses the rest.
func secretServer(t *testing.T) (hostPort string) {
	t.Helper()
	if u := os.Getenv("KS_E2E_ANON_URL"); u != "" {
		return strings.TrimPrefix(u, "https://")
	}
	srv := versionServer(t, `{"major":"1","minor":"31","gitVersion":"v1.31.4"}`)
	return strings.TrimPrefix(srv.URL, "https://")
}

// noSecret fails when the secret is anywhere in out.
func noSecret(t *testing.T, what, out string) {
	t.Helper()
	if i := strings.Index(out, secret); i >= 0 {
		t.Errorf("%s shows the secret: %q", what, out[max(0, i-120):min(len(out), i+40)])
	}
}

// A kubeconfig whose servers carry user info or a query, reachable or not,
// valid URLs or not, with or without a scheme: every format of the scan
// and its stderr keep the password and the token out.
func TestKubeconfigServerSecretsReachNoOutput(t *testing.T) {
	live := secretServer(t)
	down := closedPort(t)
	// Plain HTTP where https:// is asked for: client-go's error quotes the
	// request URL, user info and all.
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	closes := strings.TrimPrefix(plain.URL, "http://")
	kc := writeKubeconfig(t, map[string]string{
		"userinfo":   "https://user:" + secret + "@" + live,
		"down":       "https://user:" + secret + "@" + down,
		"plain-http": "https://user:" + secret + "@" + closes,
		"not-a-url":  "https://user:" + secret + "@bad host:6443",
		"query":      "https://" + live + "/?token=" + secret,
		"token-user": secret + "@" + live,
		"bare-query": live + "/?token=" + secret,
	})
	for _, format := range report.Formats {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := invoke(t, "", "scan", "--kubeconfig", kc, "--timeout", "5s", "-o", format)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, name := range []string{"userinfo", "down", "plain-http", "not-a-url", "query", "token-user", "bare-query"} {
				if format == "stats" { // counts, no names
					if !strings.Contains(stdout, `"targets": 7`) {
						t.Errorf("the stats do not count the seven contexts:\n%s", stdout)
					}
					break
				}
				if !strings.Contains(stdout, name) {
					t.Errorf("context %s is not in the output", name)
				}
			}
			// The formats with every detail show the errors, which say
			// what was hidden.
			if format != "table" && format != "wide" && format != "csv" && format != "stats" && !strings.Contains(stdout, "redacted") {
				t.Errorf("no error says what was hidden:\n%s", stdout)
			}
			noSecret(t, "stdout", stdout)
			noSecret(t, "stderr", stderr)
			// net/http masks the password of the URLs it quotes, but not
			// the user, which may be a token too.
			if strings.Contains(stdout+stderr, "://user") {
				t.Errorf("a URL with its user info is shown:\n%s", stdout)
			}
		})
	}
}
