package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// TestReadRoundTrips: what Line and Write wrote, Read gives back as it was,
// in every shape a machine-readable result file comes in.
func TestReadRoundTrips(t *testing.T) {
	want := fixtures()
	var ndjson bytes.Buffer
	for _, r := range want {
		if err := Line(&ndjson, r); err != nil {
			t.Fatal(err)
		}
	}
	var doc bytes.Buffer
	if err := Write(&doc, "json", want, fixtureAt, fixtureData); err != nil {
		t.Fatal(err)
	}
	compact, err := json.Marshal(NewDocument(want, fixtureAt, fixtureData))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"ndjson":           ndjson.String(),
		"ndjson with CRLF": strings.ReplaceAll(ndjson.String(), "\n", "\r\n"),
		"blank lines":      "\n" + strings.ReplaceAll(ndjson.String(), "\n", "\n\n"),
		"json document":    doc.String(),
		"one-line doc":     string(compact) + "\n",
		"docs and lines":   string(compact) + "\n" + ndjson.String(),
	} {
		got, err := Read(strings.NewReader(in), name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if name == "docs and lines" {
			want := append(fixtures(), fixtures()...)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: read %d results, want %d", name, len(got), len(want))
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s: read\n%s\nwant\n%s", name, g, w)
		}
	}
}

// TestReadNamesTheBadLine: a results file gathered from many workers is
// fixed by hand, so every error says which file and line.
func TestReadNamesTheBadLine(t *testing.T) {
	var good bytes.Buffer
	for _, r := range fixtures() {
		Line(&good, r)
	}
	lines := strings.Split(strings.TrimSpace(good.String()), "\n")
	var doc bytes.Buffer
	Write(&doc, "json", fixtures(), fixtureAt, fixtureData)
	docLines := strings.Split(doc.String(), "\n")
	badURL := strings.Replace(lines[1], `"url":"https://203.0.113.99:6443"`, `"url":"ftp://203.0.113.99"`, 1)
	if badURL == lines[1] {
		t.Fatal("fixture changed: no URL to break")
	}

	cases := []struct {
		name, in, want string
	}{
		{"truncated line", lines[0] + "\n" + lines[1][:40] + "\n" + lines[2] + "\n", "r.ndjson:2: "},
		{"not JSON", lines[0] + "\n\nkubesurface: data as of 2026-08-22 is 96 days old\n", "r.ndjson:3: invalid character 'k'"},
		{"JSON, not a result", lines[0] + "\n" + `{"hello":"world"}` + "\n", `r.ndjson:2: not a kubesurface result: apiVersion ""`},
		{"other schema", strings.Replace(lines[0], scan.APIVersion, "kubesurface/v2", 1), `r.ndjson:1: not a kubesurface result: apiVersion "kubesurface/v2"`},
		{"unprobeable target", lines[0] + "\n" + badURL + "\n", `r.ndjson:2: target "203.0.113.99:6443"`},
		{"wrong type", lines[0] + "\n" + `{"apiVersion":"kubesurface/v1","target":"x"}` + "\n", "r.ndjson:2: json: cannot unmarshal"},
		{"empty", "\n \n", "r.ndjson holds no results"},
		{"yaml", "apiVersion: kubesurface/v1\nkind: ScanReport\n", "r.ndjson:1: invalid character 'a'"},
		{"document cut short", strings.Join(docLines[:20], "\n"), "r.ndjson:20: truncated JSON document"},
		{"document with a syntax error", strings.Join(docLines[:9], "\n") + "\n  oops,\n" + strings.Join(docLines[9:], "\n"), "r.ndjson:10: invalid character 'o'"},
		{"document, then more", doc.String() + "{}\n", fmt.Sprintf("r.ndjson:%d: more after the JSON document", len(docLines))},
		{"other document", strings.Replace(doc.String(), `"kind": "ScanReport"`, `"kind": "Pod"`, 1), `r.ndjson: not a kubesurface report: apiVersion "kubesurface/v1" kind "Pod"`},
		{"bad result in a document", strings.Replace(doc.String(), `"url": "https://10.0.0.5:6443"`, `"url": "gopher://x"`, 1), `r.ndjson: results[2]: context "dev <script>alert(1)</script>": url "gopher://x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "r.ndjson")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
