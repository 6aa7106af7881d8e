package main

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
)

// TestVerboseLogStaysOffStderr runs kubesurface (this test binary as main)
// against a server whose answers make client-go log through klog (a
// Warning header, a response body over the cap) and a context whose
// credential plugin writes to stderr. By default none of it reaches
// stderr; with --verbose all of it does, which shows the lines are really
// produced, and the plugin's hostile lines (a window title, clear screen,
// a line forged with CR, a right-to-left override) arrive cleaned, still
// readable and still on lines of their own.
func TestVerboseLogStaysOffStderr(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the plugin is a shell script")
	}
	const (
		warning = "KLOG-CANARY server warning"
		bodyLog = "Unexpected error when reading response body"
		plugin  = "PLUGIN-STDERR-CANARY"
		// hostile is what the plugin prints after the canary line, as the
		// shell's printf writes it.
		hostile = `title \033]0;pwned\007 clear \033[2J cr\rFORGED rtl \342\200\256gnp.exe\nsecond line`
	)
	hostileRaw := "title \x1b]0;pwned\a clear \x1b[2J cr\rFORGED rtl \u202egnp.exe"
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer secret-token" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","code":401}`)
			return
		}
		switch {
		case r.URL.Path == "/version":
			w.Header().Set("Warning", `299 - "`+warning+`"`)
			fmt.Fprint(w, `{"gitVersion":"v1.30.5"}`)
		case strings.HasSuffix(r.URL.Path, "/selfsubjectreviews"):
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"status":{"userInfo":{"username":"`)
			io.CopyN(w, zeros{}, 4<<20)
		default:
			fmt.Fprint(w, `{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[]}`)
		}
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	script := filepath.Join(dir, "plugin.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho "+plugin+" >&2\nprintf '"+hostile+"' >&2\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"secret-token\"}}'\n"), 0o755)
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	kubeconfig := filepath.Join(dir, "config")
	os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %s}}]
contexts:
- {name: token, context: {cluster: c, user: token}}
- {name: plugin, context: {cluster: c, user: plugin}}
users:
- {name: token, user: {token: secret-token}}
- name: plugin
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: %q, interactiveMode: Never}
`, srv.URL, ca, script), 0o600)

	kubesurface := func(args ...string) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], append([]string{"scan", "--kubeconfig", kubeconfig, "-o", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "KUBESURFACE_TEST_AS_MAIN=1", "HOME="+dir, "XDG_CACHE_HOME="+dir)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubesurface scan %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String(), errb.String()
	}

	out, stderr := kubesurface()
	if !strings.Contains(out, "identity: the response body of /apis/authentication.k8s.io/v1/selfsubjectreviews is larger than 1 MiB") {
		t.Errorf("the scan did not get as far as the capped identity request:\n%s", out)
	}
	for _, line := range []string{warning, bodyLog, plugin} {
		if strings.Contains(stderr, line) {
			t.Errorf("stderr holds %q without --verbose:\n%s", line, stderr)
		}
	}
	_, stderr = kubesurface("--verbose")
	for _, line := range []string{warning, bodyLog, plugin + "\n", "\n" + clean.Line(hostileRaw) + "\n", "\nsecond line\n"} {
		if !strings.Contains(stderr, line) {
			t.Errorf("stderr lacks %q with --verbose:\n%q", line, stderr)
		}
	}
	if bad := cleantest.Problems(stderr); len(bad) > 0 {
		t.Errorf("stderr with --verbose holds raw %v", bad)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
