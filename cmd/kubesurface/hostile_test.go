package main

import (
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
)

// asciiPayload is the part of the payload a certificate's DNS names can
// hold (they are ASCII): escape sequences, CR/LF and DEL.
const asciiPayload = "evil\x1b]0;pwned title\x07\x1b]8;;https://evil.example/\x1b\\x\r\nforged\x7f\x1b[5mtail"

// hostileServer is an API server run by someone who wants to drive the
// admin's terminal: its certificate's subject, issuer and DNS names, its
// /version and the message of every refusal carry escape sequences, OSC 8
// links, forged rows, bidirectional overrides, C1 controls and DEL.
func hostileServer(t *testing.T) *httptest.Server {
	t.Helper()
	subject := pkix.Name{CommonName: cleantest.Payload, Organization: []string{cleantest.Payload}}
	return selfSignedServer(t, subject, []string{asciiPayload, "kubernetes"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/healthz":
			// Text, not JSON: kept as the body's summary, with bytes that
			// are not UTF-8. Headers cannot carry ASCII controls (Go's
			// client refuses them) but can carry C1 and bidi runes.
			w.Header().Set("Content-Type", "text/plain\u009b5m\u202e")
			io.WriteString(w, "ok "+asciiPayload+" \xff\xfe")
			return
		case "/api":
			w.Header().Set("Location", "https://evil.example/\u009d8;;x\u009c\u202e\xff")
			w.WriteHeader(http.StatusFound)
			return
		}
		if r.URL.Path == "/version" {
			json.NewEncoder(w).Encode(map[string]string{"major": "1", "minor": "30",
				"gitVersion": "v1.30.5" + cleantest.Payload, "platform": cleantest.Payload, "goVersion": cleantest.Payload})
			return
		}
		w.WriteHeader(http.StatusForbidden)
		json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure",
			"message": "forbidden: " + cleantest.Payload, "reason": "Forbidden", "code": 403})
	}))
}

// writeKubeconfig writes a kubeconfig (as JSON, which is YAML) with one
// context per name, each for the server given, with a token.
func writeKubeconfig(t *testing.T, contexts map[string]string) string {
	t.Helper()
	var clusters, ctxs []map[string]any
	i := 0
	for name, server := range contexts {
		c := fmt.Sprintf("c%d", i)
		i++
		clusters = append(clusters, map[string]any{"name": c, "cluster": map[string]any{"server": server, "insecure-skip-tls-verify": true}})
		ctxs = append(ctxs, map[string]any{"name": name, "context": map[string]any{"cluster": c, "user": "u"}})
	}
	raw, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Config", "clusters": clusters, "contexts": ctxs,
		"users": []map[string]any{{"name": "u", "user": map[string]any{"token": "t0ken"}}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	// Escaped as JSON allows: the kubeconfig loader's YAML reader refuses
	// raw C1 controls, but reads their escapes.
	if err := os.WriteFile(path, clean.JSON(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// hostileContext is a kubeconfig context name carrying the payload.
var hostileContext = "ctx-" + cleantest.Payload

// Every format `scan` writes, for a kubeconfig context with a hostile name
// whose server is hostile: the formats people read show none of it raw, and
// the machine formats keep it, escaped.
func TestScanOfAHostileServerIsSafeToRead(t *testing.T) {
	srv := hostileServer(t)
	kc := writeKubeconfig(t, map[string]string{hostileContext: srv.URL})
	for _, format := range report.Formats {
		t.Run(format, func(t *testing.T) {
			code, stdout, stderr := invoke(t, "", "scan", "--kubeconfig", kc, "--timeout", "5s", "-o", format, "--now", "2026-11-26")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			cleantest.Check(t, "stdout", stdout)
			cleantest.Check(t, "stderr", stderr)
			if format == "stats" {
				// Counts only: the hostile values are in no number, and
				// the document must still decode.
				var doc report.StatsDocument
				if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Targets != 1 {
					t.Fatalf("stats: %v, %d targets:\n%s", err, doc.Targets, stdout)
				}
				return
			}
			if !strings.Contains(stdout, "evil") {
				t.Fatalf("the hostile values are not in the output at all:\n%s", stdout)
			}
			var results []scan.Result
			switch format {
			case "json", "yaml":
				var doc report.Document
				if err := yaml.Unmarshal([]byte(stdout), &doc); err != nil {
					t.Fatalf("%s does not decode: %v", format, err)
				}
				results = doc.Results
			case "ndjson":
				rs, skipped, err := report.Read(strings.NewReader(stdout), "stdout")
				if err != nil || len(skipped) > 0 {
					t.Fatal(err, skipped)
				}
				results = rs
			default:
				// Where a payload starts (cleaned, its first control is
				// U+FFFD), its end is on the same line.
				for _, line := range strings.Split(stdout, "\n") {
					if i := strings.Index(line, "evil\uFFFD"); i >= 0 && !strings.Contains(line[i:], "tail") {
						t.Errorf("a value was broken across lines: %q", line)
					}
				}
				return
			}
			// The data is all there: a machine reading the output gets the
			// server's values as it sent them.
			if len(results) != 1 {
				t.Fatalf("%d results", len(results))
			}
			r := results[0]
			if r.Target.Name != hostileContext {
				t.Errorf("name = %q, want the context's name as it is", r.Target.Name)
			}
			if r.Version == nil || r.Version.Platform != cleantest.Payload {
				t.Errorf("version = %+v, want the platform as the server sent it", r.Version)
			}
			if r.TLS == nil || len(r.TLS.Chain) == 0 || !strings.Contains(r.TLS.Chain[0].Subject, "\u202e") {
				t.Errorf("tls = %+v, want the subject as the certificate has it", r.TLS)
			}
			if r.Auth == nil || !strings.Contains(strings.Join(r.Auth.Warnings, "\n")+r.Auth.Error, "\x1b]8;;") {
				t.Errorf("auth = %+v, want the server's refusal as it sent it", r.Auth)
			}
		})
	}
}

// Messages on stderr quote kubeconfig context names, endpoints and target
// names: none of them reaches the terminal raw.
func TestStderrMessagesAreClean(t *testing.T) {
	srv := hostileServer(t)
	kc := writeKubeconfig(t, map[string]string{hostileContext: srv.URL})
	results := filepath.Join(t.TempDir(), "results.ndjson")
	r := scan.Pending(scan.Target{Ref: scan.Ref{Name: "saved" + cleantest.Payload, Source: "odd" + cleantest.Payload, URL: "https://127.0.0.1:6443"}})
	line, _ := json.Marshal(r)
	os.WriteFile(results, append(line, '\n'), 0o600)
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"unknown context among hostile ones", []string{"scan", "--kubeconfig", kc, "--context", "missing" + cleantest.Payload}, exitUsage},
		{"bad endpoint", []string{"scan", "--no-kubeconfig", "host" + cleantest.Payload}, exitUsage},
		{"bad saved result", []string{"view", results}, exitUsage},
		{"bad --from-results", []string{"scan", "--no-kubeconfig", "--from-results", results}, exitUsage},
		{"gate names the target", []string{"scan", "--kubeconfig", kc, "--timeout", "5s", "-o", "json", "--fail-on", "exposure:low"}, exitGate},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := invoke(t, "", c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s", code, c.code, stderr)
			}
			cleantest.Check(t, "stderr", stderr)
			// One line for the error (after any note about the data).
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "evil") || !strings.Contains(last, "tail") {
				t.Errorf("stderr = %q: want the error on one line naming the hostile value", stderr)
			}
		})
	}
}

// `data show` and the notes scan prints come from a data cache the network
// filled: they are shown clean too.
func TestDataFromTheCacheIsShownClean(t *testing.T) {
	cache := t.TempDir()
	b, err := assess.Base()
	if err != nil {
		t.Fatal(err)
	}
	for i := range b.Sources {
		b.Sources[i] += cleantest.Payload
	}
	for _, d := range b.Lifecycle {
		d.Name += cleantest.Payload
	}
	t.Setenv("XDG_CACHE_HOME", cache)
	path, _, err := assess.CacheFile()
	if err != nil {
		t.Fatal(err)
	}
	if err := assess.WriteCache(path, b); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"data", "show"}, {"data", "show", "-o", "json"}} {
		var out, errb strings.Builder
		code := run(t.Context(), args, strings.NewReader(""), &out, &errb)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		cleantest.Check(t, strings.Join(args, " "), out.String())
		if !strings.Contains(out.String(), "evil") {
			t.Errorf("%v does not show the cache's sources:\n%s", args, out.String())
		}
	}
}

// Shell completion offers context names for the shell to print: a name
// holding control or bidirectional text is left out, not offered raw (nor
// cleaned, which would offer a name that is not the context's).
func TestCompletionLeavesOutHostileContextNames(t *testing.T) {
	kc := writeKubeconfig(t, map[string]string{"prod": "https://127.0.0.1:1", hostileContext: "https://127.0.0.1:1", "ctx-\u202eplain": "https://127.0.0.1:1"})
	got, _ := complete(t, "scan", "--kubeconfig", kc, "--context", "")
	if len(got) != 1 || got[0] != "prod" {
		t.Errorf("offered %q, want only prod", got)
	}
}
