package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/kubesurface/kubesurface/scan"
)

// Read loads saved results, the inverse of Write for the formats machines
// read back: NDJSON (one Result per line, as `scan -o ndjson` streams it)
// or a JSON Document (`scan -o json`, indented or on one line). name is
// used in errors, which give the line of the first malformed input, so a
// results file gathered from many workers can be fixed by hand.
func Read(r io.Reader, name string) ([]scan.Result, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var out []scan.Result
	if first, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n")); string(bytes.TrimSpace(first)) == "{" {
		// An indented document, as `scan -o json` writes it.
		rs, err := readDocument(data, name)
		if err != nil {
			return nil, err
		}
		out = rs
	} else {
		for n, line := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			rs, err := readLine(line)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n+1, err)
			}
			out = append(out, rs...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no results", name)
	}
	return out, nil
}

// envelope tells a Document from a Result: only a Document has a kind.
type envelope struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// readLine reads one NDJSON line: a Result, or a whole Document on one line
// (`scan -o json | jq -c`).
func readLine(line []byte) ([]scan.Result, error) {
	var env envelope
	if err := json.Unmarshal(line, &env); err != nil {
		return nil, err
	}
	if env.Kind != "" {
		var doc Document
		if err := json.Unmarshal(line, &doc); err != nil {
			return nil, err
		}
		return checkDocument(doc)
	}
	var r scan.Result
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, err
	}
	if err := check(r); err != nil {
		return nil, err
	}
	return []scan.Result{r}, nil
}

// readDocument reads one indented Document. Syntax errors give the line;
// a result that is not one gives its index in results.
func readDocument(data []byte, name string) ([]scan.Result, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s:%d: %w", name, lineAt(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s:%d: %w", name, lineAt(data, te.Offset), err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%s:%d: truncated JSON document", name, lineAt(data, int64(len(data))))
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s:%d: more after the JSON document", name, lineAt(data, dec.InputOffset()))
	}
	rs, err := checkDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rs, nil
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func checkDocument(doc Document) ([]scan.Result, error) {
	if doc.APIVersion != scan.APIVersion || doc.Kind != Kind {
		return nil, fmt.Errorf("not a kubesurface report: apiVersion %q kind %q (want %s %s)", doc.APIVersion, doc.Kind, scan.APIVersion, Kind)
	}
	for i, r := range doc.Results {
		if err := check(r); err != nil {
			return nil, fmt.Errorf("results[%d]: %w", i, err)
		}
	}
	return doc.Results, nil
}

// check refuses what is JSON but not a result kubesurface wrote, or one
// whose target could not be probed again.
func check(r scan.Result) error {
	if r.APIVersion != scan.APIVersion {
		return fmt.Errorf("not a kubesurface result: apiVersion %q (want %s)", r.APIVersion, scan.APIVersion)
	}
	if _, err := scan.FromRef(r.Target); err != nil {
		return err
	}
	return nil
}
