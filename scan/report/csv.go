package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
)

// CSVHeader names the columns CSV writes, in order: the Markdown summary's
// columns split into one value each, plus what a spreadsheet filters on.
var CSVHeader = []string{
	"target", "source", "context", "url", "address", "reach", "distribution", "version",
	"state", "exposure", "access", "urgency", "support_phase", "end_of_support", "days_left",
	"cve_count", "worst_cve", "cve_ids", "reason", "urgency_reasons",
	"readiness", "readiness_reason", "readiness_hops",
}

// CSV writes one row per target under a header row, for spreadsheets and
// scripts that want a flat table rather than the JSON document. Unknown
// values are empty cells, numbers are bare numbers.
func CSV(w io.Writer, results []scan.Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range results {
		if err := cw.Write(csvRow(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(r scan.Result) []string {
	addr := ""
	if r.Connect != nil && r.Connect.Address != "" {
		addr = r.Connect.Address
	} else if len(r.Addresses) > 0 {
		addr = r.Addresses[0].IP
	}
	ver := ""
	if r.Version != nil {
		ver = r.Version.GitVersion
	}
	var level, phase, end, days, count, worst, ids, reasons string
	if u := r.Urgency; u != nil {
		level, worst = u.Level, u.WorstCVE
		count = strconv.Itoa(len(u.CVEs))
		if lc := u.Lifecycle; lc != nil {
			phase, end, days = lc.Phase, lc.End(), strconv.Itoa(lc.DaysLeft)
		}
		cveIDs := make([]string, len(u.CVEs))
		for i, c := range u.CVEs {
			cveIDs[i] = c.ID
		}
		ids = strings.Join(cveIDs, " ")
		reasons = strings.Join(u.Reasons, "; ")
	}
	row := []string{
		r.Target.Name, r.Target.Source, r.Target.Context, r.Target.URL, addr, r.Exposure.Reach, r.Dist.Name, ver,
		string(r.State), r.Exposure.Level, r.Exposure.Access, level, phase, end, days,
		count, worst, ids, note(r), reasons,
		readyVerdict(r), readyReason(r), readyHops(r),
	}
	for i, v := range row {
		if CSVHeader[i] != "days_left" && CSVHeader[i] != "cve_count" {
			row[i] = defuse(clean.Line(v))
		}
	}
	return row
}

func readyVerdict(r scan.Result) string {
	if r.Readiness == nil {
		return ""
	}
	return r.Readiness.Verdict
}

func readyReason(r scan.Result) string {
	if r.Readiness == nil {
		return ""
	}
	return clean.Redact(r.Readiness.Reason)
}

// readyHops is every hop in one cell, "1.37→1.38 blocked; 1.38→1.39
// ready": a spreadsheet filters on the summary, and the hops say how far a
// cluster could go.
func readyHops(r scan.Result) string {
	if r.Readiness == nil {
		return ""
	}
	parts := make([]string, len(r.Readiness.Hops))
	for i, h := range r.Readiness.Hops {
		parts[i] = h.From + "→" + h.To + " " + h.Verdict
	}
	return strings.Join(parts, "; ")
}

// defuse keeps a text cell from being read as a formula: spreadsheets
// execute cells starting with = + - @, and a server chooses its own
// version string. A leading apostrophe is the customary guard.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
