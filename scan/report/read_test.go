package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	if err := Write(&doc, "json", want, fixtureAt, fixtureData, Options{}); err != nil {
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
		got, skipped, err := Read(strings.NewReader(in), name)
		if err != nil || len(skipped) > 0 {
			t.Errorf("%s: %v, skipped %v", name, err, skipped)
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

// TestReadSkipsTheBadRowNamingIt: one row that cannot be read costs only
// itself. It is skipped with a warning naming the file and line, so a
// results file gathered from many workers can be fixed by hand, and every
// other row loads.
func TestReadSkipsTheBadRowNamingIt(t *testing.T) {
	var good bytes.Buffer
	for _, r := range fixtures() {
		Line(&good, r)
	}
	lines := strings.Split(strings.TrimSpace(good.String()), "\n")
	var doc bytes.Buffer
	Write(&doc, "json", fixtures(), fixtureAt, fixtureData, Options{})
	docLines := strings.Split(doc.String(), "\n")
	badURL := strings.Replace(lines[1], `"url":"https://203.0.113.99:6443"`, `"url":"ftp://203.0.113.99"`, 1)
	if badURL == lines[1] {
		t.Fatal("fixture changed: no URL to break")
	}
	compact, _ := json.Marshal(NewDocument(fixtures(), fixtureAt, fixtureData))
	badInCompact := strings.Replace(string(compact), `"url":"https://203.0.113.99:6443"`, `"url":"ftp://203.0.113.99"`, 1)
	all := fixtures()
	cases := []struct {
		name, in string
		want     []scan.Result
		skipped  []string
	}{
		{"truncated line", lines[0] + "\n" + lines[1][:40] + "\n" + lines[2] + "\n", []scan.Result{all[0], all[2]}, []string{"r.ndjson:2: unexpected end of JSON input (skipped)"}},
		{"a log line among results", lines[0] + "\n\nkubesurface: data as of 2026-08-22 is 96 days old\n" + lines[1] + "\n", all[:2], []string{"r.ndjson:3: invalid character 'k'"}},
		{"JSON, not a result", lines[0] + "\n" + `{"hello":"world"}` + "\n", all[:1], []string{`r.ndjson:2: not a kubesurface result: apiVersion ""`}},
		{"other schema on one line", strings.Replace(lines[0], scan.APIVersion, "kubesurface/v2", 1) + "\n" + lines[1], all[1:2], []string{`r.ndjson:1: not a kubesurface result: apiVersion "kubesurface/v2"`}},
		{"unprobeable target", lines[0] + "\n" + badURL + "\n" + lines[2], []scan.Result{all[0], all[2]}, []string{`r.ndjson:2: target "203.0.113.99:6443"`}},
		{"wrong type", lines[0] + "\n" + `{"apiVersion":"kubesurface/v1","target":"x"}` + "\n", all[:1], []string{"r.ndjson:2: json: cannot unmarshal"}},
		{"bad result in a document", strings.Replace(doc.String(), `"url": "https://10.0.0.5:6443"`, `"url": "gopher://x"`, 1), all[:2],
			[]string{`r.ndjson:319: results[2]: context "dev <script>alert(1)</script>": url "gopher://x"`}},
		{"bad result in a one-line document", badInCompact + "\n" + lines[1], []scan.Result{all[0], all[2], all[1]}, []string{`r.ndjson:1: results[1]: target "203.0.113.99:6443"`}},
		{"document cut short", strings.Join(docLines[:300], "\n"), all[:1], []string{"r.ndjson:300: truncated JSON document; the rest of the document is lost"}},
		{"document with a syntax error", strings.Join(docLines[:300], "\n") + "\n  oops,\n" + strings.Join(docLines[300:], "\n"), all[:1], []string{"r.ndjson:301: invalid character 'o'"}},
		{"document, then a line that is not a result", doc.String() + "{}\n", all, []string{fmt.Sprintf(`r.ndjson:%d: not a kubesurface result`, len(docLines))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, skipped, err := Read(strings.NewReader(c.in), "r.ndjson")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				var names []string
				for _, r := range got {
					names = append(names, r.Target.Name)
				}
				t.Errorf("read %q, want %d others", names, len(c.want))
			}
			if len(skipped) != len(c.skipped) {
				t.Fatalf("skipped %v, want %q", skipped, c.skipped)
			}
			for i, s := range skipped {
				if !strings.Contains(s.Error(), c.skipped[i]) {
					t.Errorf("skipped %q, want it to contain %q", s, c.skipped[i])
				}
			}
		})
	}
}

// TestReadRefusesWhatHoldsNoResults: a file with no result and something
// that is not one (not JSON, YAML, another kind of document) is still an
// error naming it, and says why with its first unreadable row.
func TestReadRefusesWhatHoldsNoResults(t *testing.T) {
	var doc bytes.Buffer
	Write(&doc, "json", fixtures(), fixtureAt, fixtureData, Options{})
	cases := []struct{ name, in, want string }{
		{"yaml", "apiVersion: kubesurface/v1\nkind: ScanReport\n", "r.ndjson holds no results (first unreadable row: r.ndjson:1: invalid character 'a'"},
		{"a list of endpoints", "10.0.0.1:6443\n10.0.0.2:6443\n", "r.ndjson holds no results (first unreadable row: r.ndjson:1: invalid character"},
		{"other document", strings.Replace(doc.String(), `"kind": "ScanReport"`, `"kind": "Pod"`, 1), `r.ndjson:11: not a kubesurface report: apiVersion "kubesurface/v1" kind "Pod"`},
		{"other document, one line", `{"apiVersion":"v1","kind":"List","items":[]}`, `r.ndjson:1: not a kubesurface report: apiVersion "v1" kind "List"`},
		{"a log", strings.Repeat("level=info msg=hello\n", 2*MaxLeadingSkips), fmt.Sprintf("r.ndjson is not a results file: its first %d rows hold no kubesurface result (first: r.ndjson:1:", MaxLeadingSkips)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := Read(strings.NewReader(c.in), "r.ndjson")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
			if len(got) > 0 {
				t.Errorf("read %d results from it", len(got))
			}
		})
	}
}

// TestReadTakesAnEmptySourceAsNoResults: what a scan of nothing writes (an
// empty --shard: 0 bytes with -o ndjson, a document of no results with -o
// json), or a file of blank lines, is an empty set, not an error: one
// empty shard must not refuse the rest.
func TestReadTakesAnEmptySourceAsNoResults(t *testing.T) {
	var empty bytes.Buffer
	if err := Write(&empty, "json", nil, fixtureAt, fixtureData, Options{}); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"0 bytes":                "",
		"blank lines":            "\n \n\t\r\n",
		"-o json of no results":  empty.String(),
		"a document on one line": string(must(json.Marshal(NewDocument(nil, fixtureAt, fixtureData)))),
		"two empty documents":    empty.String() + "\n" + empty.String(),
	} {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder(strings.NewReader(in), "r.ndjson")
			if r, err := d.Next(); err != io.EOF {
				t.Fatalf("Next = %+v, %v; want io.EOF", r.Target, err)
			}
			if _, err := d.Next(); err != io.EOF {
				t.Errorf("Next again = %v, want io.EOF", err)
			}
			if d.Results() != 0 {
				t.Errorf("Results = %d", d.Results())
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
