package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// FuzzRead: whatever a file given to view or --from-results holds, reading
// it ends without a panic, and every result it accepts is one kubesurface
// wrote (its apiVersion, a target that rebuilds) that, written back as
// NDJSON (report.Line) and as a JSON document (report.JSON), reads again
// as the same results, with nothing skipped. Equal is equal as written:
// the JSON of the results read back is byte for byte that of the first
// read. Every row skipped names the input and a line within it.
func FuzzRead(f *testing.F) {
	var ndjson, doc bytes.Buffer
	for _, r := range fixtures() {
		if err := Line(&ndjson, r); err != nil {
			f.Fatal(err)
		}
	}
	if err := JSON(&doc, fixtures(), fixtureAt, fixtureData); err != nil {
		f.Fatal(err)
	}
	compact, err := json.Marshal(NewDocument(fixtures()[:1], fixtureAt, fixtureData))
	if err != nil {
		f.Fatal(err)
	}
	var one bytes.Buffer
	if err := Line(&one, exposedEKS()); err != nil {
		f.Fatal(err)
	}
	line := strings.TrimSpace(one.String())
	for _, s := range []string{
		ndjson.String(), doc.String(), string(compact), doc.String() + ndjson.String() + string(compact),
		"", "\n\n", "{", "[]", "null", `{"apiVersion":"kubesurface/v1"}`, `{"apiVersion":"kubesurface/v1","target":{"source":"kubeconfig","name":"c","context":"c"}}`,
		`{"apiVersion":"kubesurface/v1","kind":"ScanReport","results":[` + line + `,{"apiVersion":"x"},` + line + `]}`,
		"level=info msg=hello\n" + line + "\n\x00\xff\n" + line,
		`{"apiVersion":"kubesurface/v1","target":{"name":"x","source":"endpoint","url":"https://127.1:6443"},"startedAt":"2026-01-01T00:00:00+14:00"}`,
		`{"apiVersion":"kubesurface/v1","target":{"name":"\u202e\u001b[2J","source":"endpoint","url":"https://[fe80::1%25eth0]:6443"},"urgency":{"level":"high"},"urgency":null}`,
		strings.Replace(line, `"state"`, `"State"`, 1), strings.Replace(line, `"kubesurface/v1"`, `"kubesurface/v2"`, 1),
	} {
		f.Add([]byte(s))
	}
	// Internet-scan datasets are read by the same Decoder.
	for _, name := range []string{"shodan.json", "censys.json"} {
		b, err := os.ReadFile("testdata/datasets/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, skipped, err := Read(bytes.NewReader(data), "in")
		for _, s := range skipped {
			if s.Name != "in" || s.Line < 1 || s.Err == nil {
				t.Fatalf("skip %+v", s)
			}
		}
		if err != nil || len(got) == 0 {
			return
		}
		for _, r := range got {
			if r.APIVersion != scan.APIVersion {
				t.Fatalf("accepted a result of %q", r.APIVersion)
			}
			if _, err := scan.FromRef(r.Target); err != nil {
				t.Fatalf("accepted a result whose target does not rebuild: %v", err)
			}
		}
		want, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("results read do not write: %v", err)
		}
		var lines, document bytes.Buffer
		for _, r := range got {
			if err := Line(&lines, r); err != nil {
				t.Fatalf("Line: %v", err)
			}
		}
		if err := JSON(&document, got, fixtureAt, fixtureData); err != nil {
			t.Fatalf("JSON: %v", err)
		}
		for format, written := range map[string][]byte{"ndjson": lines.Bytes(), "json": document.Bytes()} {
			again, skipped, err := Read(bytes.NewReader(written), format)
			if err != nil || len(skipped) > 0 {
				t.Fatalf("%s: what was read, written back, does not read: %v, skipped %v\n%s", format, err, skipped, written)
			}
			back, err := json.Marshal(again)
			if err != nil || !bytes.Equal(back, want) {
				t.Fatalf("%s: read back as\n%s\nfirst read as\n%s", format, back, want)
			}
		}
	})
}
