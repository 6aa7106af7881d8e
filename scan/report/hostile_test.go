package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
)

// poisoned is every fixture with the hostile payload appended to each of
// its strings, as a server, a kubeconfig or a results file could make them.
func poisoned(payload string) []scan.Result {
	rs := fixtures()
	for i := range rs {
		cleantest.Poison(&rs[i], payload)
		rs[i].APIVersion = scan.APIVersion // what readers check first
	}
	return rs
}

// The formats people read show no control, bidirectional or invalid text,
// whichever field it is in, and no value breaks its line: the text after
// the payload ("tail") is on the same line as the text before it ("evil").
func TestHumanFormatsShowNoHostileText(t *testing.T) {
	rs := poisoned(cleantest.Payload + cleantest.Invalid)
	data := fixtureData
	cleantest.Poison(&data, cleantest.Payload)
	for _, format := range []string{"table", "markdown", "html", "csv"} {
		var b bytes.Buffer
		if err := Write(&b, format, rs, fixtureAt, data, Options{}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := b.String()
		cleantest.Check(t, format, out)
		if !strings.Contains(out, "evil") {
			t.Fatalf("%s: the poisoned values are not shown at all:\n%s", format, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(line, "evil") && !strings.Contains(line[strings.Index(line, "evil"):], "tail") {
				t.Errorf("%s: a value was broken across lines: %q", format, line)
			}
		}
		if format == "table" {
			// Header, one line per result, a blank line, the data line and
			// the refresh's line.
			if n := strings.Count(out, "\n"); n != len(rs)+4 {
				t.Errorf("table: %d lines for %d results:\n%s", n, len(rs), out)
			}
		}
		if format == "csv" {
			recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(recs) != len(rs)+1 {
				t.Errorf("csv: %d records (%v), want %d", len(recs), err, len(rs)+1)
			}
		}
	}
}

// The machine formats keep the hostile data (they decode to exactly what
// was written) but hold none of it raw: every control and bidirectional
// character is escaped, so the output is safe to cat.
func TestMachineFormatsKeepHostileDataEscaped(t *testing.T) {
	rs := poisoned(cleantest.Payload)
	data := fixtureData
	cleantest.Poison(&data, cleantest.Payload)
	want := NewDocument(rs, fixtureAt, data)
	for _, format := range []string{"json", "ndjson", "yaml"} {
		var b bytes.Buffer
		if err := Write(&b, format, rs, fixtureAt, data, Options{}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := b.String()
		cleantest.Check(t, format, out)
		var got Document
		switch format {
		case "json":
			if err := json.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("json does not decode: %v", err)
			}
		case "ndjson":
			var read []scan.Result
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				var r scan.Result
				if err := json.Unmarshal([]byte(line), &r); err != nil {
					t.Fatalf("ndjson line does not decode: %v", err)
				}
				read = append(read, r)
			}
			got = NewDocument(read, fixtureAt, data)
		case "yaml":
			if err := yaml.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("yaml does not decode: %v\n%s", err, out)
			}
		}
		if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
			t.Errorf("%s does not decode to the data written:\n got %s\nwant %s", format, g, w)
		}
	}
}

// Strings without anything to escape come out of YAML as sigs.k8s.io/yaml
// writes them; with it, as a double-quoted scalar of JSON's escapes.
func TestYAMLQuotesOnlyWhatNeedsIt(t *testing.T) {
	for in, want := range map[string]string{
		"v1.30.5":               "k: v1.30.5\n",
		"two\nlines":            "k: |-\n  two\n  lines\n",
		"a\u202eb":              "k: \"a\\u202eb\"\n",
		"del\x7f":               "k: \"del\\u007f\"\n",
		"c1\u009b2J":            "k: \"c1\\u009b2J\"\n",
		"nel\u0085":             "k: \"nel\\u0085\"\n",
		"esc\x1b[2J\r\n":        "k: \"esc\\u001b[2J\\r\\n\"\n",
		"q\"uote\\ <&>":         "k: q\"uote\\ <&>\n",
		"q\"uote\x1b <&>":       "k: \"q\\\"uote\\u001b <&>\"\n",
		"kubesurface-quoted-0z": "k: kubesurface-quoted-0z\n",
	} {
		got, err := marshalYAML(map[string]string{"k": in})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if string(got) != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
		var back map[string]string
		if err := yaml.Unmarshal(got, &back); err != nil || back["k"] != in {
			t.Errorf("%q decodes to %q (%v)", in, back["k"], err)
		}
	}
}

// SARIF and JUnit of hostile results: SARIF keeps the data escaped and
// stays a valid log, JUnit shows it cleaned and stays well-formed XML
// (their own tests read them back: TestSARIFOfHostileResults,
// TestJUnitOfHostileResults); neither holds raw control text, whichever
// field of the result or the data it came from.
func TestCIFormatsHoldNoRawHostileText(t *testing.T) {
	rs := poisoned(cleantest.Payload + cleantest.Invalid)
	data := fixtureData
	cleantest.Poison(&data, cleantest.Payload)
	for _, format := range []string{"sarif", "junit"} {
		var b bytes.Buffer
		if err := Write(&b, format, rs, fixtureAt, data, Options{Version: "v1\x1b[2J" + cleantest.Payload}); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		cleantest.Check(t, format, b.String())
		if !strings.Contains(b.String(), "evil") {
			t.Errorf("%s: the poisoned values are not there at all", format)
		}
		if format == "sarif" && !json.Valid(b.Bytes()) {
			t.Error("sarif is not JSON")
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Results saved before errors were redacted as they were recorded (or
// written by hand) may still quote a URL with its password: the formats
// people read redact it as they show it.
func TestSavedSecretsAreRedactedOnDisplay(t *testing.T) {
	const secret = "S3cretPassw0rd"
	url := `"https://user:` + secret + `@10.0.0.5:6443/version?token=` + secret + `"`
	r := authFailed()
	r.Auth.Error = "Get " + url + ": EOF"
	r.Auth.Warnings = []string{"nodes: Get " + url + ": EOF"}
	r.Errors = []scan.PhaseFailure{{Phase: scan.PhaseTLS, Error: "handshake with " + url}}
	r.State = scan.StateFailed
	r.Connect.Error = "connect " + url
	r.TLS.Error = "tls " + url
	r.Anonymous[0].Error = "get " + url
	for _, format := range []string{"table", "markdown", "html", "csv", "junit", "sarif"} {
		out := render(t, format, []scan.Result{r})
		if strings.Contains(out, secret) || strings.Contains(out, "://user") {
			t.Errorf("%s shows the saved secret:\n%s", format, out)
		}
		if !strings.Contains(out, "https://redacted@10.0.0.5:6443/version?redacted") {
			t.Errorf("%s does not show the redacted URL:\n%s", format, out)
		}
	}
}
