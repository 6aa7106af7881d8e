package table

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/tui/filter"
)

// Column indexes, in display order.
const (
	ColTarget = iota
	ColState
	ColSource
	ColAddress
	ColDist
	ColVersion
	ColExposure
	ColUrgency
	ColSupport
	ColCVEs
	ColReady
	ColLatency
	numCols
)

// Column describes one column: its title, the width it wants, and how soon
// it is dropped on a narrow terminal (higher drops first).
type Column struct {
	Title string
	Width int
	Drop  int
}

// Columns is the table's layout, in display order.
var Columns = [numCols]Column{
	ColTarget:   {"TARGET", 20, 0},
	ColState:    {"STATE", 7, 2},
	ColSource:   {"SOURCE", 10, 8},
	ColAddress:  {"ADDRESS", 21, 9},
	ColDist:     {"DIST", 9, 4},
	ColVersion:  {"VERSION", 17, 3},
	ColExposure: {"EXPOSURE", 17, 1},
	ColUrgency:  {"URGENCY", 8, 0},
	ColSupport:  {"END OF SUPPORT", 17, 5},
	ColCVEs:     {"CVES", 11, 7},
	ColReady:    {"READY", 15, 6},
	ColLatency:  {"LATENCY", 7, 10},
}

// Row is one target as the table shows it. Its cells, search text and sort
// keys are computed once per result, not per key press. Cells are cleaned
// for display (clean.Line); Result is the result as it came.
type Row struct {
	// ID is the target's position in the scan, stable across sorts.
	ID     int
	Result scan.Result
	// Entry is what the fleet view counts of the row; its keys are also
	// the row's filter fields, so a chart's bar filters to what it counted.
	Entry fleet.Entry
	Cells [numCols]string
	text  string
	keys  [numCols]sortKey
}

type sortKey struct {
	n float64
	s string
}

// NewRow lays out a result.
func NewRow(id int, r scan.Result) *Row {
	row := &Row{ID: id, Result: r, Entry: fleet.EntryOf(r)}
	c := &row.Cells
	c[ColTarget] = r.Target.Name
	c[ColState] = string(r.State)
	c[ColSource] = r.Target.Source
	if r.Target.Context != "" {
		c[ColSource] = "context"
	}
	c[ColAddress] = r.Address()
	c[ColDist] = dash(r.Dist.Name)
	c[ColVersion] = "-"
	if r.Version != nil {
		c[ColVersion] = r.Version.GitVersion
	}
	c[ColExposure] = "-"
	if r.State == scan.StateDone || r.State == scan.StateFailed || r.State == scan.StateCancelled {
		c[ColExposure] = r.Exposure.Level + " " + r.Exposure.Access
	}
	c[ColUrgency], c[ColSupport], c[ColCVEs] = "-", "-", "-"
	if u := r.Urgency; u != nil {
		c[ColUrgency] = u.Level
		if lc := u.Lifecycle; lc != nil {
			c[ColSupport] = support(lc)
		}
		if len(u.CVEs) > 0 {
			worst := u.WorstCVE
			if worst == "" {
				worst = "unfixed"
			}
			c[ColCVEs] = fmt.Sprintf("%d %s", len(u.CVEs), worst)
		}
	}
	c[ColReady] = assess.ReadyCell(r.Readiness)
	c[ColLatency] = "-"
	if r.Connect != nil && r.Connect.Error == "" {
		c[ColLatency] = strconv.FormatInt(r.Connect.LatencyMS, 10) + "ms"
	}
	// Cleaned once here, before any styling: every cell can come from a
	// server or a results file, and the table's own colours are added to
	// the cleaned text when it is drawn.
	for i := range c {
		c[i] = clean.Line(c[i])
	}

	row.text = strings.ToLower(strings.Join(c[:], string(filter.Sep)))
	row.sortKeys()
	return row
}

// lower is the non-empty values, in lower case (the values are mostly
// lower case already, which strings.ToLower returns without copying).
func lower(xs ...string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" {
			out = append(out, strings.ToLower(x))
		}
	}
	return out
}

// Field is the lower-case values of one filter key. They are worked out
// when a filter asks, not kept: a row is read by a filter far less often
// than it is held, and half a million rows held a map of them each.
func (row *Row) Field(key string) []string {
	r, c, e := &row.Result, &row.Cells, &row.Entry
	switch key {
	case "target":
		return lower(r.Target.Name, r.Target.URL)
	case "source":
		return lower(r.Target.Source, c[ColSource])
	case "context":
		return lower(r.Target.Context)
	case "address":
		return lower(c[ColAddress], r.Target.Host)
	case "dist":
		return lower(e.Dist)
	case "version":
		return lower(c[ColVersion], versionSemver(*r))
	case "exposure":
		return lower(e.Exposure, r.Exposure.Access)
	case "access":
		return lower(r.Exposure.Access)
	case "reach":
		return lower(e.Reach)
	case "urgency":
		return lower(e.Urgency)
	case "state":
		return lower(string(r.State))
	case "minor":
		return lower(e.Minor)
	case "cve":
		if r.Urgency == nil {
			return nil
		}
		out := make([]string, len(r.Urgency.CVEs))
		for i, cv := range r.Urgency.CVEs {
			out[i] = strings.ToLower(cv.ID)
		}
		return out
	case "support":
		if r.Urgency == nil || r.Urgency.Lifecycle == nil {
			return nil
		}
		return lower(r.Urgency.Lifecycle.Phase)
	case "ready":
		if r.Readiness == nil {
			return nil
		}
		// ready:none finds the rows with no hop to take.
		return lower(cmp.Or(r.Readiness.Verdict, "none"), c[ColReady])
	case "eos", "eol", "forced", "week":
		return timelineField(key, *e)
	}
	return nil
}

// timelineField is the values of one of the timeline's keys: each event
// of that kind (eos, eol, forced; week takes all three) by ISO week, by
// date, and as "overdue" when it fell before the day the row was judged,
// as the fleet view's timeline groups them.
func timelineField(key string, e fleet.Entry) []string {
	var out []string
	for i, date := range e.Events {
		if key != "week" && key != [...]string{"eos", "eol", "forced"}[i] {
			continue
		}
		week, _, ok := fleet.WeekOf(date)
		if !ok {
			continue
		}
		vs := []string{strings.ToLower(week), date}
		if e.JudgedAt != "" && date < e.JudgedAt {
			vs = append(vs, "overdue")
		}
		for _, v := range vs {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// sortKeys orders each column by what it means, not its text: urgency by
// priority, exposure by level then access, support by days left.
func (row *Row) sortKeys() {
	r := row.Result
	for i, cell := range row.Cells {
		row.keys[i] = sortKey{s: strings.ToLower(cell)}
	}
	row.keys[ColState].n = float64(stateRank(r.State))
	row.keys[ColExposure].n = float64(scan.LevelRank(r.Exposure.Level)*10 + accessRank(r.Exposure.Access))
	if u := r.Urgency; u != nil {
		row.keys[ColUrgency].n = float64(u.Priority)
		if u.Lifecycle != nil {
			row.keys[ColSupport].n = float64(u.Lifecycle.DaysLeft)
		} else {
			row.keys[ColSupport].n = 1e9
		}
		row.keys[ColCVEs].n = float64(len(u.CVEs)*10 + assess.Rank(u.WorstCVE) + 1)
	} else {
		row.keys[ColUrgency].n = -1
		row.keys[ColSupport].n = 1e9
	}
	row.keys[ColReady].n = readyRank(r.Readiness)
	if pv, err := scan.ParseVersion(row.Cells[ColVersion]); err == nil {
		row.keys[ColVersion].n = float64(pv.Major)*1e8 + float64(pv.MinorNum)*1e4 + float64(pv.Patch)
	}
	if r.Connect != nil && r.Connect.Error == "" {
		row.keys[ColLatency].n = float64(r.Connect.LatencyMS)
	} else {
		row.keys[ColLatency].n = 1e9
	}
}

// Text is the lower-case text of every cell, separated by filter.Sep, for
// fuzzy matching.
func (row *Row) Text() string { return row.text }

// readyRank orders readiness like urgency, most in need of work first:
// blocked (by more APIs higher), unknown, ready, no hop, not judged.
func readyRank(rd *scan.Readiness) float64 {
	switch {
	case rd == nil:
		return 0
	case rd.Verdict == assess.Blocked && len(rd.Hops) > 0:
		return 1000 + float64(len(rd.Hops[0].APIs))
	case rd.Verdict == assess.Unknown:
		return 3
	case rd.Verdict == assess.Ready:
		return 2
	}
	return 1
}

func stateRank(s scan.State) int {
	switch s {
	case scan.StateProbing:
		return 1
	case scan.StateDone:
		return 2
	case scan.StateFailed:
		return 3
	case scan.StateCancelled:
		return 4
	}
	return 0
}

func accessRank(a string) int {
	for i, x := range []string{scan.AccessUnreachable, scan.AccessTLS, scan.AccessHealth, scan.AccessVersion, scan.AccessDiscovery, scan.AccessRead} {
		if x == a {
			return i + 1
		}
	}
	return 0
}

func versionSemver(r scan.Result) string {
	if r.Version == nil {
		return ""
	}
	return r.Version.Semver
}

func support(lc *scan.Lifecycle) string {
	end := lc.End()
	if end == "" {
		return lc.Phase
	}
	return fmt.Sprintf("%s %dd", end, lc.DaysLeft)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
