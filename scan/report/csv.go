package report

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// CSVHeader names the columns CSV writes, in order: the Markdown summary's
// columns split into one value each, plus what a spreadsheet filters on.
var CSVHeader = []string{
	"target", "source", "context", "url", "address", "reach", "distribution", "version",
	"state", "exposure", "access", "urgency", "support_phase", "end_of_support", "days_left",
	"cve_count", "worst_cve", "cve_ids", "reason", "urgency_reasons",
	"readiness", "readiness_reason", "readiness_hops", "readiness_blockers",
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
		readyVerdict(r), readyReason(r), readyHops(r), readyBlockers(r),
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

// readyBlockers is what stands in each blocked hop's way, in one cell:
// "1.37→1.38: resourceclaims.v1beta1.resource.k8s.io (12 requests); 1.38→1.39:
// 2 kubelets at 1.35 (pool-old-1 pool-old-2)". Hops are split by "; ",
// blockers within a hop by ", ", node names by spaces (a name has none,
// and +N counts those not named), so a script can take it apart; hops
// nothing blocks are left out, as readiness_hops says what they are.
func readyBlockers(r scan.Result) string {
	if r.Readiness == nil {
		return ""
	}
	var hops []string
	for _, h := range r.Readiness.Hops {
		var bs []string
		for _, a := range h.APIs {
			b := assess.APIName(a.Group, a.Version, a.Resource, a.Subresource)
			if a.Requests != nil {
				b += " (" + count(*a.Requests, "request") + ")"
			}
			bs = append(bs, b)
		}
		for _, k := range h.Kubelets {
			nodes := k.Nodes
			if more := k.Count - len(k.Nodes); more > 0 {
				nodes = append(slices.Clip(nodes), "+"+strconv.Itoa(more))
			}
			b := count(int64(k.Count), "kubelet") + " at " + k.Version
			if len(nodes) > 0 {
				b += " (" + strings.Join(nodes, " ") + ")"
			}
			bs = append(bs, b)
		}
		if len(bs) > 0 {
			hops = append(hops, h.From+"→"+h.To+": "+strings.Join(bs, ", "))
		}
	}
	return strings.Join(hops, "; ")
}

func count(n int64, word string) string {
	if n != 1 {
		word += "s"
	}
	return strconv.FormatInt(n, 10) + " " + word
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
