// Package report writes scan results for machines and people. Every format
// takes the same scan.Result values the TUI shows, and none of them can carry
// a credential: Result holds none.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// Formats lists what Write accepts ("md" is accepted for markdown too);
// `scan` streams ndjson with Line instead.
var Formats = []string{"table", "wide", "json", "yaml", "ndjson", "markdown", "html", "csv", "sarif", "junit", "stats"}

// Kind names the document `-o json` and `-o yaml` print.
const Kind = "ScanReport"

// Document is the whole-scan envelope of the JSON and YAML formats.
type Document struct {
	APIVersion  string        `json:"apiVersion"`
	Kind        string        `json:"kind"`
	GeneratedAt time.Time     `json:"generatedAt"`
	Data        DataInfo      `json:"data"`
	Results     []scan.Result `json:"results"`
}

// DataInfo says which dated facts the judgements rest on.
type DataInfo struct {
	// Origin is "embedded snapshot" or the cache file refreshed by
	// `data update`.
	Origin       string `json:"origin"`
	SnapshotDate string `json:"snapshotDate"`
	DataAsOf     string `json:"dataAsOf"`
	// Stale is set when the data is over 90 days old, saying so.
	Stale string `json:"stale,omitempty"`
	// Refresh says what the background refresh of this run did, when it
	// tried one: the data before and after, and whether results were
	// judged with each.
	Refresh string `json:"refresh,omitempty"`
}

// DataOf describes data b for a report of judgements made at now.
func DataOf(b *assess.Bundle, now time.Time) DataInfo {
	return DataInfo{Origin: b.Origin, SnapshotDate: b.SnapshotDate, DataAsOf: b.DataAsOf, Stale: assess.Staleness(b, now)}
}

// NewDocument wraps results with the schema version, time and data used.
func NewDocument(results []scan.Result, at time.Time, data DataInfo) Document {
	if results == nil {
		results = []scan.Result{}
	}
	return Document{APIVersion: scan.APIVersion, Kind: Kind, GeneratedAt: at.UTC(), Data: data, Results: results}
}

// CheckFormat rejects a format name before any scanning starts.
func CheckFormat(f string) error {
	if f == "md" || slices.Contains(Formats, f) {
		return nil
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", f, strings.Join(Formats, ", "))
}

// Options are what a report says about the run beyond its results, and
// how wide a table may be. Only SARIF, JUnit and the table use them: the
// other formats are the results themselves.
type Options struct {
	// Version is the kubesurface binary's version: SARIF names the tool
	// that made a finding, and code scanning shows it per analysis.
	Version string
	// FailOn is the --fail-on gate JUnit fails a check at; the zero Gate
	// means DefaultGate.
	FailOn Gate
	// Width is the terminal's width -o table fits itself to (TableWidth);
	// 0 is no limit, as for a pipe. -o wide ignores it.
	Width int
}

// Write writes a finished scan in format f.
func Write(w io.Writer, f string, results []scan.Result, at time.Time, data DataInfo, opts Options) error {
	switch f {
	case "json":
		return JSON(w, results, at, data)
	case "yaml":
		return YAML(w, results, at, data)
	case "ndjson":
		for _, r := range results {
			if err := Line(w, r); err != nil {
				return err
			}
		}
		return nil
	case "table", "wide":
		width := opts.Width
		if f == "wide" {
			width = 0
		}
		if err := TableWidth(w, results, width); err != nil {
			return err
		}
		return tableFooter(w, data)
	case "markdown", "md":
		return Markdown(w, results, at, data)
	case "html":
		return HTML(w, results, at, data)
	case "csv":
		return CSV(w, results)
	case "sarif":
		return SARIF(w, results, at, data, opts)
	case "junit":
		return JUnit(w, results, at, opts)
	case "stats":
		return Stats(w, SumFleet(results), at, data)
	}
	return CheckFormat(f)
}

// JSON writes the Document indented, one result at a time, so a scan of
// many thousands of targets is never held as one encoded buffer. The bytes
// are those json.Encoder with SetIndent("", "  ") writes for the Document,
// with the control and bidirectional characters it leaves raw escaped
// (clean.JSON): the data is the same, and the output is safe to cat.
func JSON(w io.Writer, results []scan.Result, at time.Time, data DataInfo) error {
	doc := NewDocument(nil, at, data)
	head, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	// head ends in `"results": []` + "\n}": open the list instead.
	head = bytes.TrimSuffix(clean.JSON(head), []byte("[]\n}"))
	bw := bufio.NewWriter(w)
	bw.Write(head)
	if len(results) == 0 {
		bw.WriteString("[]\n}\n")
		return bw.Flush()
	}
	bw.WriteString("[\n")
	for i, r := range results {
		b, err := json.MarshalIndent(r, "    ", "  ")
		if err != nil {
			return err
		}
		bw.WriteString("    ")
		bw.Write(clean.JSON(b))
		if i < len(results)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// YAML writes the Document as YAML, one result at a time for the same
// reason as JSON. Strings holding control or bidirectional characters are
// written double-quoted with those escaped (see marshalYAML).
func YAML(w io.Writer, results []scan.Result, at time.Time, data DataInfo) error {
	head, err := marshalYAML(NewDocument(nil, at, data))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	if len(results) == 0 {
		bw.Write(head)
		return bw.Flush()
	}
	bw.Write(bytes.Replace(head, []byte("results: []\n"), []byte("results:\n"), 1))
	for _, r := range results {
		b, err := marshalYAML(r)
		if err != nil {
			return err
		}
		for i, line := range bytes.SplitAfter(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			if i == 0 {
				bw.WriteString("- ")
			} else {
				bw.WriteString("  ")
			}
			bw.Write(line)
		}
		bw.WriteString("\n")
	}
	return bw.Flush()
}

// Line writes one result as a line of JSON: the ndjson stream, one line per
// target as it finishes. Control and bidirectional characters are escaped
// as in JSON.
func Line(w io.Writer, r scan.Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(clean.JSON(b), '\n'))
	return err
}

// source is where the target came from, named as the JSON names it
// (target.source): kubeconfig or endpoint.
func source(r scan.Result) string {
	return r.Target.Source
}

func version(r scan.Result) string { return orDash(gitVersion(r)) }

// gitVersion is the version the server reported, "" when none.
func gitVersion(r scan.Result) string {
	if r.Version == nil {
		return ""
	}
	return r.Version.GitVersion
}

func latency(r scan.Result) string {
	if r.Connect == nil || r.Connect.Error != "" {
		return "-"
	}
	return strconv.FormatInt(r.Connect.LatencyMS, 10) + "ms"
}

func urgency(r scan.Result) string {
	if r.Urgency == nil {
		return "-"
	}
	return r.Urgency.Level
}

// support is the end of the current support phase and the days to it.
func support(r scan.Result) string {
	if r.Urgency == nil || r.Urgency.Lifecycle == nil {
		return "-"
	}
	lc := r.Urgency.Lifecycle
	end := lc.End()
	if end == "" {
		return lc.Phase
	}
	return fmt.Sprintf("%s (%dd)", end, lc.DaysLeft)
}

func cves(r scan.Result) string {
	if r.Urgency == nil || len(r.Urgency.CVEs) == 0 {
		return "-"
	}
	worst := r.Urgency.WorstCVE
	if worst == "" {
		worst = "unfixed"
	}
	return fmt.Sprintf("%d (%s)", len(r.Urgency.CVEs), worst)
}

// note is the one thing a reader should know next: a probe error, the
// urgency's reason, or the authenticated view's failure; with URL secrets
// redacted, as errText does.
func note(r scan.Result) string {
	return clean.Redact(noteText(r))
}

func noteText(r scan.Result) string {
	switch {
	case len(r.Errors) > 0 && r.State == scan.StateFailed:
		return r.Errors[0].Error
	case r.Urgency != nil:
		return r.Urgency.Reason
	case len(r.Errors) > 0:
		return r.Errors[0].Error
	case r.Auth != nil && r.Auth.Error != "":
		return "auth: " + r.Auth.Error
	case r.Auth != nil && r.Auth.Skew != nil && len(r.Auth.Skew.Violations) > 0:
		return "kubelet skew: " + r.Auth.Skew.Violations[0]
	case r.TLS != nil && len(r.TLS.Findings) > 0:
		return r.TLS.Findings[0]
	}
	return ""
}
