package report

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// page is one report as the formats people read (Markdown, HTML) show it.
// It is built once from the results so that both formats say the same
// things and differ only in markup; every string in it is already cleaned
// of control characters, and each renderer escapes for its own syntax.
type page struct {
	Title     string
	Generated string
	Meta      []Field
	// Stale warns that the dated facts are old; empty when they are not.
	Stale   string
	Summary Grid
	// Fleet is the shape of the whole fleet (see fleetSections), with the
	// numbers it was drawn from; empty without targets.
	Fleet      []Section
	FleetStats *fleet.Stats
	// Charts draw Fleet for the HTML report.
	Charts  []chart
	Targets []targetPage
}

// targetPage is the full detail of one result.
type targetPage struct {
	// ID is the HTML anchor the summary links to; Number is its position.
	ID       string
	Number   int
	Name     string
	Sections []Section
}

// Section is one titled part of the full detail of a result. The report
// formats and the TUI's detail view both render Sections, so every place a
// result is shown in full says the same things; each only adds its markup.
// Every string in it is already cleaned for display (see clean.Line),
// so a renderer need only escape for its own syntax.
type Section struct {
	Title  string
	Blocks []Block
}

// The section titles, in the order Sections returns them. They are stable so
// that a renderer can pick the sections it shows in a place (the TUI puts
// each on a tab) without depending on their position.
const (
	SectionVerdicts = "Target and verdicts"
	SectionRequests = "Anonymous requests"
	SectionNetwork  = "Addresses and connection"
	SectionTLS      = "TLS"
	SectionVersion  = "Version and support"
	SectionCVEs     = "CVEs"
	SectionAdvice   = "Advice"
	SectionUpgrade  = "Upgrade readiness"
	SectionErrors   = "Errors"
)

// Sections is the full detail of one result, one section per title above
// and in that order. Empty parts are mostly stated ("No findings.") rather
// than left out, so a reader can tell "nothing found" from "not shown".
func Sections(r scan.Result) []Section {
	return []Section{
		verdicts(r), requests(r), network(r), tlsSection(r), versionSection(r), cveSection(r), adviceSection(r), upgradeSection(r), errorSection(r),
	}
}

// Block is one piece of a section. Several parts may be set; they render in
// the order Heading, Text, Fields, Items, Table, Code.
type Block struct {
	Heading string
	Text    string
	Fields  []Field
	Items   []string
	Table   *Grid
	// Code holds shell commands, one per line, shown verbatim.
	Code []string
}

// Field is one labelled value. Level is set when the value is a rating
// (critical … none), so a renderer can colour it; the word itself is always
// in Value, so the colour never carries the meaning alone.
type Field struct {
	Label string
	Value string
	Level string
}

// Grid is a table: a header and rows of as many cells. (Table is taken by
// the function that writes the terminal summary.)
type Grid struct {
	Head []string
	Rows [][]Cell
}

// Cell is one table cell. Link is an http(s) URL and Anchor an in-page id
// the text points to; Level marks a rating as in Field; Code asks for a
// monospace rendering (hashes, paths).
type Cell struct {
	Text   string
	Level  string
	Link   string
	Anchor string
	Code   bool
}

// cell is the name the package's tests know Cell by.
type cell = Cell

// none is what an empty value shows as in the people-facing formats.
const none = "-"

// newPage builds the report of results generated at at, judged with data.
func newPage(results []scan.Result, at time.Time, data DataInfo) page {
	p := page{
		Title:     "kubesurface report",
		Generated: at.UTC().Format("2006-01-02 15:04:05 UTC"),
		Stale:     clean.Line(data.Stale),
	}
	p.Meta = []Field{
		{Label: "Generated", Value: p.Generated},
		{Label: "Data origin", Value: orNone(clean.Line(data.Origin))},
		{Label: "Data snapshot", Value: orNone(clean.Line(data.SnapshotDate))},
		{Label: "Data as of", Value: orNone(clean.Line(data.DataAsOf))},
		{Label: "Targets", Value: strconv.Itoa(len(results))},
	}
	if len(results) > 0 {
		p.Meta = append(p.Meta,
			Field{Label: "Exposure", Value: tally(results, func(r scan.Result) string { return r.Exposure.Level })},
			Field{Label: "Urgency", Value: tally(results, func(r scan.Result) string { return urgency(r) })})
	}
	if len(results) > 0 {
		p.FleetStats = SumFleet(results)
		p.Fleet = fleetSections(p.FleetStats)
		p.Charts = fleetCharts(p.FleetStats, p.Fleet)
	}
	p.Summary = Grid{Head: []string{"Target", "Source", "Address", "Distribution", "Version", "Exposure", "Urgency", "End of support", "CVEs", "Ready", "Reason"}}
	for i, r := range results {
		id := "target-" + strconv.Itoa(i+1)
		exp := r.Exposure.Level
		if r.Exposure.Access != "" {
			exp += " (" + r.Exposure.Access + ")"
		}
		p.Summary.Rows = append(p.Summary.Rows, []Cell{
			{Text: clean.Line(r.Target.Name), Anchor: id},
			{Text: clean.Line(source(r))},
			{Text: clean.Line(r.Address())},
			{Text: orNone(clean.Line(r.Dist.Name))},
			{Text: clean.Line(version(r))},
			{Text: clean.Line(exp), Level: clean.Line(r.Exposure.Level)},
			{Text: clean.Line(urgency(r)), Level: clean.Line(urgency(r))},
			{Text: supportText(r)},
			{Text: cveText(r), Level: worstCVE(r)},
			{Text: clean.Line(assess.ReadyCell(r.Readiness))},
			{Text: orNone(clean.Line(note(r)))},
		})
		p.Targets = append(p.Targets, targetPage{ID: id, Number: i + 1, Name: clean.Line(r.Target.Name), Sections: Sections(r)})
	}
	return p
}

// tally counts results per level, most severe first: "1 high, 2 none".
func tally(results []scan.Result, level func(scan.Result) string) string {
	counts := map[string]int{}
	for _, r := range results {
		counts[level(r)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := fleet.Severity(b) - fleet.Severity(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", counts[k], clean.Line(k))
	}
	return strings.Join(parts, ", ")
}

func verdicts(r scan.Result) Section {
	s := Section{Title: SectionVerdicts}
	t := r.Target
	s.Blocks = append(s.Blocks, Block{Fields: []Field{
		{Label: "Name", Value: clean.Line(t.Name)},
		{Label: "Source", Value: orNone(clean.Line(t.Source))},
		{Label: "Context", Value: orNone(clean.Line(t.Context))},
		{Label: "URL", Value: orNone(clean.Line(t.URL))},
		{Label: "State", Value: orNone(clean.Line(string(r.State)))},
		{Label: "Last phase", Value: orNone(clean.Line(string(r.Phase)))},
		{Label: "Started", Value: stamp(r.StartedAt)},
		{Label: "Duration", Value: millis(r.DurationMS)},
	}})
	e := r.Exposure
	v := Block{Heading: "Verdicts", Fields: []Field{
		{Label: "Exposure", Value: orNone(clean.Line(e.Level)), Level: clean.Line(e.Level)},
		{Label: "Reach", Value: orNone(clean.Line(e.Reach))},
		{Label: "Anonymous access", Value: orNone(clean.Line(e.Access))},
		{Label: "Distribution", Value: orNone(clean.Line(r.Dist.Name))},
	}}
	if u := r.Urgency; u != nil {
		v.Fields = append(v.Fields,
			Field{Label: "Urgency", Value: orNone(clean.Line(u.Level)), Level: clean.Line(u.Level)},
			Field{Label: "Priority", Value: strconv.Itoa(u.Priority)},
			Field{Label: "Judged at", Value: orNone(clean.Line(u.JudgedAt))},
			Field{Label: "Data as of", Value: orNone(clean.Line(u.DataAsOf))})
		if len(u.Rules) > 0 {
			v.Fields = append(v.Fields, Field{Label: "Urgency rules", Value: clean.Line(strings.Join(u.Rules, ", "))})
		}
		if fu := u.ForcedUpgrade; fu != nil {
			v.Fields = append(v.Fields, Field{Label: "Forced upgrade", Value: clean.Line(fu.Sentence())})
		}
	} else {
		v.Fields = append(v.Fields, Field{Label: "Urgency", Value: "not judged"})
	}
	if rd := r.Readiness; rd != nil {
		v.Fields = append(v.Fields, Field{Label: "Upgrade readiness", Value: clean.Line(assess.ReadyCell(rd))})
		if rd.Reason != "" {
			v.Fields = append(v.Fields, Field{Label: "Readiness", Value: errText(rd.Reason)})
		}
	}
	s.Blocks = append(s.Blocks, v)
	s.Blocks = append(s.Blocks, listOr("Exposure reasons", e.Reasons, "No reasons given."))
	if r.Urgency != nil {
		s.Blocks = append(s.Blocks, listOr("Urgency reasons", r.Urgency.Reasons, "No reasons given."))
	}
	s.Blocks = append(s.Blocks, distributionBlocks(r)...)
	return s
}

// distributionBlocks are the evidence for the distribution and, where
// some points elsewhere, the evidence against it: a conflict is shown
// next to the verdict, not settled out of sight.
func distributionBlocks(r scan.Result) []Block {
	out := []Block{listOr("Distribution evidence", r.Dist.Evidence, "No evidence: the distribution is a guess.")}
	if len(r.Dist.Against) > 0 {
		out = append(out, Block{Heading: "Evidence against " + orNone(clean.Line(r.Dist.Name)), Items: clean.All(r.Dist.Against)})
	}
	if a := r.Auth; a != nil && a.OpenShift != nil {
		out = append(out, Block{Heading: "OpenShift ClusterVersion", Fields: []Field{
			{Label: "Release", Value: orNone(clean.Line(a.OpenShift.Version))},
			{Label: "Channel", Value: orNone(clean.Line(a.OpenShift.Channel))},
		}})
	}
	return out
}

func requests(r scan.Result) Section {
	s := Section{Title: SectionRequests}
	if len(r.Anonymous) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No anonymous request was made (the target was not reached)."})
		return s
	}
	tb := &Grid{Head: []string{"Path", "Status", "Latency", "Bytes", "Note"}}
	for _, q := range r.Anonymous {
		status := none
		if q.Status != 0 {
			status = strconv.Itoa(q.Status)
			if txt := http.StatusText(q.Status); txt != "" {
				status += " " + txt
			}
		}
		bytes := strconv.FormatInt(q.Bytes, 10)
		if q.Truncated {
			bytes += " (truncated)"
		}
		tb.Rows = append(tb.Rows, []Cell{
			{Text: clean.Line(q.Path), Code: true},
			{Text: status},
			{Text: millis(q.LatencyMS)},
			{Text: bytes},
			{Text: orNone(requestNote(q))},
		})
	}
	s.Blocks = append(s.Blocks, Block{Table: tb})
	return s
}

// requestNote is what a request revealed: its error, its redirect, its
// content type and the parsed summary in a stable order.
func requestNote(q scan.Request) string {
	var parts []string
	if q.Error != "" {
		parts = append(parts, "error: "+clean.Redact(q.Error))
	}
	if q.Location != "" {
		parts = append(parts, "redirect to "+q.Location+" (not followed)")
	}
	keys := make([]string, 0, len(q.Summary))
	for k := range q.Summary {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if q.Summary[k] != "" {
			parts = append(parts, k+"="+q.Summary[k])
		}
	}
	if q.ContentType != "" {
		parts = append(parts, "type "+q.ContentType)
	}
	return clean.Line(strings.Join(parts, "; "))
}

func network(r scan.Result) Section {
	s := Section{Title: SectionNetwork}
	if len(r.Addresses) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No address was resolved."})
	} else {
		tb := &Grid{Head: []string{"Address", "Class"}}
		for _, a := range r.Addresses {
			class := orNone(clean.Line(a.Class))
			if a.Simulated {
				// A demo server standing for this address: judged as it,
				// never dialled. Every view of the row says so.
				class += " (simulated by the demo, not dialled)"
			}
			tb.Rows = append(tb.Rows, []Cell{{Text: clean.Line(a.IP), Code: true}, {Text: class}})
		}
		s.Blocks = append(s.Blocks, Block{Table: tb})
	}
	if c := r.Connect; c != nil {
		f := []Field{{Label: "Connected to", Value: orNone(clean.Line(c.Address))}}
		if c.Error != "" {
			f = append(f, Field{Label: "Connection error", Value: errText(c.Error)})
		} else {
			f = append(f, Field{Label: "Connect latency", Value: millis(c.LatencyMS)})
		}
		s.Blocks = append(s.Blocks, Block{Fields: f})
	} else {
		s.Blocks = append(s.Blocks, Block{Text: "No TCP connection was attempted."})
	}
	return s
}

func tlsSection(r scan.Result) Section {
	s := Section{Title: SectionTLS}
	t := r.TLS
	switch {
	case t == nil:
		s.Blocks = append(s.Blocks, Block{Text: "No TLS handshake was observed (the target was not reached)."})
		return s
	case t.Plaintext:
		s.Blocks = append(s.Blocks, Block{Text: "The port answered plain HTTP: no TLS, so everything sent to it, credentials included, travels unencrypted."})
	}
	f := []Field{
		{Label: "Version", Value: orNone(clean.Line(t.Version))},
		{Label: "Cipher suite", Value: orNone(clean.Line(t.CipherSuite))},
		{Label: "ALPN", Value: orNone(clean.Line(t.ALPN))},
		{Label: "Client certificate requested", Value: yesNo(t.ClientCertRequested)},
		{Label: "Handshake latency", Value: millis(t.LatencyMS)},
	}
	kube := yesNo(t.Kubernetes)
	if t.Flavour != "" {
		kube += " (" + clean.Line(t.Flavour) + ")"
	}
	f = append(f, Field{Label: "API server certificate", Value: kube})
	if t.Error != "" {
		f = append(f, Field{Label: "Handshake error", Value: errText(t.Error)})
	}
	s.Blocks = append(s.Blocks, Block{Fields: f})
	if len(t.Chain) > 0 {
		tb := &Grid{Head: []string{"#", "Subject", "Issuer", "SANs", "Key", "Not before", "Not after", "SHA-256"}}
		for i, c := range t.Chain {
			sans := append(slices.Clone(c.DNSNames), c.IPAddresses...)
			key := c.KeyType
			if c.KeyBits > 0 {
				key += " " + strconv.Itoa(c.KeyBits)
			}
			if c.IsCA {
				key += " (CA)"
			}
			tb.Rows = append(tb.Rows, []Cell{
				{Text: strconv.Itoa(i)},
				{Text: orNone(clean.Line(c.Subject))},
				{Text: orNone(clean.Line(c.Issuer))},
				{Text: orNone(clean.Line(strings.Join(sans, ", ")))},
				{Text: orNone(clean.Line(key))},
				{Text: stamp(c.NotBefore)},
				{Text: stamp(c.NotAfter)},
				{Text: orNone(clean.Line(c.SHA256)), Code: true},
			})
		}
		s.Blocks = append(s.Blocks, Block{Heading: "Served chain (leaf first)", Table: tb})
	}
	s.Blocks = append(s.Blocks,
		listOr("Leaked SANs", t.LeakedSANs, "No SAN names an internal host or address."),
		listOr("Findings", t.Findings, "No findings."))
	return s
}

func versionSection(r scan.Result) Section {
	s := Section{Title: SectionVersion}
	if v := r.Version; v != nil {
		s.Blocks = append(s.Blocks, Block{Fields: []Field{
			{Label: "Version", Value: orNone(clean.Line(v.GitVersion))},
			{Label: "Seen", Value: orNone(clean.Line(v.Source))},
			{Label: "Minor", Value: orNone(clean.Line(v.Minor))},
			{Label: "Build date", Value: orNone(clean.Line(v.BuildDate))},
			{Label: "Go", Value: orNone(clean.Line(v.GoVersion))},
			{Label: "Platform", Value: orNone(clean.Line(v.Platform))},
			{Label: "Commit", Value: orNone(clean.Line(v.GitCommit))},
		}})
	} else {
		s.Blocks = append(s.Blocks, Block{Text: "The version is not visible: anonymous /version is closed and no working kubeconfig credentials showed it."})
	}
	if u := r.Urgency; u != nil {
		if lc := u.Lifecycle; lc != nil {
			s.Blocks = append(s.Blocks, Block{Heading: "Lifecycle", Fields: []Field{
				{Label: "Calendar", Value: orNone(clean.Line(lc.Calendar))},
				{Label: "Minor", Value: orNone(clean.Line(lc.Minor))},
				{Label: "Support phase", Value: orNone(clean.Line(lc.Phase))},
				{Label: "Release date", Value: orNone(clean.Line(lc.ReleaseDate))},
				{Label: "End of standard support", Value: orNone(clean.Line(lc.EndOfStandardSupport))},
				{Label: "End of extended support", Value: orNone(clean.Line(lc.EndOfExtendedSupport))},
				{Label: "Days left", Value: daysText(lc)},
				{Label: "At the end of support", Value: orNone(clean.Line(lc.Provider))},
			}})
			lb := &s.Blocks[len(s.Blocks)-1]
			if lc.ExtendedOptIn != "" {
				lb.Fields = append(lb.Fields, Field{Label: "Extended support needs", Value: clean.Line(lc.ExtendedOptIn) + " (not assumed)"})
			}
			if fu := u.ForcedUpgrade; fu != nil {
				lb.Fields = append(lb.Fields, Field{Label: "Forced upgrade", Value: clean.Line(fu.Sentence())})
			}
		} else {
			s.Blocks = append(s.Blocks, Block{Heading: "Lifecycle", Text: "Unknown: " + clean.Line(u.Reason)})
		}
		behind := []Field{}
		if u.NewestMinor != "" {
			behind = append(behind, Field{Label: "Newest minor", Value: clean.Line(u.NewestMinor)},
				Field{Label: "Minors behind", Value: strconv.Itoa(u.MinorsBehind)})
		}
		if u.LatestPatch != "" {
			behind = append(behind, Field{Label: "Newest patch of this minor", Value: clean.Line(u.LatestPatch)},
				Field{Label: "Patches behind", Value: strconv.Itoa(u.PatchesBehind)})
		} else if u.NewestMinor != "" {
			// Either on the newest patch, or the provider picks the patch
			// and the data has none to compare with.
			behind = append(behind, Field{Label: "Patches behind", Value: "none known"})
		}
		if len(behind) > 0 {
			s.Blocks = append(s.Blocks, Block{Heading: "Behind", Fields: behind})
		}
	} else {
		s.Blocks = append(s.Blocks, Block{Heading: "Lifecycle", Text: "Not judged."})
	}
	s.Blocks = append(s.Blocks, authBlocks(r)...)
	return s
}

// authBlocks are the owner's view: identity, kubelets and their skew.
func authBlocks(r scan.Result) []Block {
	a := r.Auth
	if a == nil {
		if r.Target.Source == scan.SourceEndpoint {
			return []Block{{Heading: "Authenticated view", Text: "Not applicable: endpoints are probed anonymously only."}}
		}
		return []Block{{Heading: "Authenticated view", Text: "Not run (the target was not reached)."}}
	}
	f := []Field{
		{Label: "User", Value: orNone(clean.Line(a.User))},
		{Label: "Groups", Value: orNone(clean.Line(strings.Join(a.Groups, ", ")))},
		{Label: "Server version", Value: orNone(clean.Line(a.ServerVersion))},
		{Label: "Latency", Value: millis(a.LatencyMS)},
	}
	if a.Error != "" {
		msg := errText(a.Error)
		if a.ErrorKind != "" {
			msg += " (" + clean.Line(a.ErrorKind) + ")"
		}
		f = append(f, Field{Label: "Error", Value: msg})
	}
	out := []Block{{Heading: "Authenticated view", Fields: f}}
	if len(a.Warnings) > 0 {
		items := make([]string, len(a.Warnings))
		for i, w := range a.Warnings {
			items[i] = errText(w)
		}
		out = append(out, Block{Heading: "Warnings", Items: items})
	}
	if len(a.Nodes) > 0 {
		tb := &Grid{Head: []string{"Node", "Kubelet", "Minors behind the server"}}
		for _, n := range a.Nodes {
			tb.Rows = append(tb.Rows, []Cell{{Text: clean.Line(n.Name)}, {Text: orNone(clean.Line(n.KubeletVersion))}, {Text: strconv.Itoa(n.MinorsBehind)}})
		}
		out = append(out, Block{Heading: "Kubelets", Table: tb})
	}
	if sk := a.Skew; sk != nil {
		out = append(out, Block{Heading: "Kubelet skew", Fields: []Field{
			{Label: "Oldest kubelet", Value: orNone(clean.Line(sk.OldestKubelet))},
			{Label: "Newest kubelet", Value: orNone(clean.Line(sk.NewestKubelet))},
			{Label: "Most minors behind", Value: strconv.Itoa(sk.MaxBehind)},
		}, Items: violations(sk.Violations)})
	}
	return out
}

func violations(v []string) []string {
	if len(v) == 0 {
		return []string{"Every kubelet is within the version skew policy."}
	}
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = "Outside the skew policy: " + clean.Line(s)
	}
	return out
}

func cveSection(r scan.Result) Section {
	s := Section{Title: SectionCVEs}
	u := r.Urgency
	switch {
	case u == nil:
		s.Blocks = append(s.Blocks, Block{Text: "Not judged."})
		return s
	case len(u.CVEs) == 0 && (u.Level == "unknown" || r.Version == nil):
		s.Blocks = append(s.Blocks, Block{Text: "Not checked: the version is unknown."})
		return s
	case len(u.CVEs) == 0:
		s.Blocks = append(s.Blocks, Block{Text: "No known CVE affects this version."})
		return s
	}
	if u.WorstCVE != "" {
		s.Blocks = append(s.Blocks, Block{Fields: []Field{{Label: "Worst fixed by an upgrade", Value: clean.Line(u.WorstCVE), Level: clean.Line(u.WorstCVE)}}})
	}
	// Where every CVE is the API server's, the column would only repeat it.
	onNodes := slices.ContainsFunc(u.CVEs, func(c scan.CVERef) bool { return len(c.Kubelets) > 0 })
	tb := &Grid{Head: []string{"CVE", "Severity", "Score", "Fixed in", "Title"}}
	if onNodes {
		tb.Head = []string{"CVE", "Severity", "Score", "Fixed in", "Affects", "Title"}
	}
	for _, c := range u.CVEs {
		fixed := clean.Line(strings.Join(c.FixedIn, ", "))
		if c.Unfixed {
			fixed = "no fix released (mitigate)"
		}
		score := none
		if c.Score > 0 {
			score = strconv.FormatFloat(c.Score, 'f', 1, 64)
		}
		row := []Cell{
			{Text: clean.Line(c.ID), Link: safeLink(c.URL)},
			{Text: orNone(clean.Line(c.Severity)), Level: clean.Line(c.Severity)},
			{Text: score},
			{Text: orNone(fixed)},
			{Text: orNone(clean.Line(c.Title))},
		}
		if onNodes {
			row = slices.Insert(row, 4, Cell{Text: affects(c)})
		}
		tb.Rows = append(tb.Rows, row)
	}
	s.Blocks = append(s.Blocks, Block{Table: tb})
	return s
}

// affects says what a CVE was matched on: the API server's version, or
// the kubelet versions a kubelet or kube-proxy CVE holds.
func affects(c scan.CVERef) string {
	if len(c.Kubelets) == 0 {
		return "API server"
	}
	s := "kubelet " + clean.Line(strings.Join(c.Kubelets, ", "))
	if c.WindowsOnly {
		s += " (Windows nodes)"
	}
	return s
}

func adviceSection(r scan.Result) Section {
	s := Section{Title: SectionAdvice}
	a := r.Advice
	if a == nil {
		s.Blocks = append(s.Blocks, Block{Text: "No advice: the result was not judged."})
		return s
	}
	const pathHeading = "Upgrade path, one minor at a time"
	switch {
	case len(a.Path) > 0:
		items := make([]string, len(a.Path))
		for i, h := range a.Path {
			removes := "removes nothing the data lists"
			if len(h.Removes) > 0 {
				removes = "removes " + strings.Join(h.Removes, ", ")
			}
			items[i] = clean.Line(h.From + " → " + h.To + ": " + removes)
		}
		s.Blocks = append(s.Blocks, Block{Heading: pathHeading, Items: items})
	case r.Version == nil || r.Urgency == nil || r.Urgency.Level == "unknown":
		s.Blocks = append(s.Blocks, Block{Heading: pathHeading, Text: "None: the version is unknown."})
	default:
		s.Blocks = append(s.Blocks, Block{Heading: pathHeading, Text: "None: already on the newest minor."})
	}
	const restrictHeading = "Restrict the endpoint"
	switch {
	case len(a.Restrict) > 0:
		s.Blocks = append(s.Blocks, Block{Heading: restrictHeading,
			Text: "Ways to close the exposure, with commands; CLUSTER, REGION, RG and ADMIN_CIDR are placeholders for your values."})
	case r.Exposure.Level == scan.LevelNone || r.Exposure.Access == scan.AccessUnreachable:
		s.Blocks = append(s.Blocks, Block{Heading: restrictHeading, Text: "Nothing to restrict: no anonymous exposure was found."})
	default:
		s.Blocks = append(s.Blocks, Block{Heading: restrictHeading, Text: "No restriction steps were given."})
	}
	s.Blocks = append(s.Blocks, stepBlocks(a.Restrict)...)
	s.Blocks = append(s.Blocks, stepBlocks(a.Grant)...)
	s.Blocks = append(s.Blocks, Block{Heading: "Cadence", Text: orNone(clean.Line(a.Cadence))})
	if len(a.Notes) > 0 {
		s.Blocks = append(s.Blocks, Block{Heading: "Notes", Items: clean.All(a.Notes)})
	}
	return s
}

// stepBlocks are advice steps (restricting the endpoint, granting the RBAC
// the probe's user lacks) as commands to run, one block a step.
func stepBlocks(steps []scan.Step) []Block {
	var out []Block
	for _, st := range steps {
		out = append(out, Block{Heading: clean.Line(st.Title), Code: clean.All(st.Commands)})
	}
	return out
}

// callersText opens the block under each hop's deprecated APIs in use.
// The metric has no caller label, so the section can only count requests;
// it says so and points to the sources that do name the caller.
const callersText = `Who calls them: the server's metric does not say. Its audit log does (policy level Metadata or above): each such request is annotated k8s.io/deprecated: "true" and k8s.io/removed-release: "<minor>", with the caller in user.username and userAgent. Clients get a "Warning: 299" header, which kubectl prints. Callers in an audit log of JSON lines, the removing release last:`

// callersBlock is the same for every hop: the command holds no server data,
// so nothing a server names can end up in a command a reader runs.
func callersBlock() Block {
	return Block{Text: callersText, Code: []string{`jq -r 'select(.annotations["k8s.io/deprecated"]=="true") | [.user.username, .userAgent, .objectRef.resource, .objectRef.apiGroup, .objectRef.apiVersion, .annotations["k8s.io/removed-release"]] | @tsv' audit.log | sort | uniq -c`}}
}

// upgradeSection is readiness hop by hop: what each hop breaks, how often
// it is still called and where to find who calls it, the kubelets that
// must move first, and what would let an unknown be judged.
func upgradeSection(r scan.Result) Section {
	s := Section{Title: SectionUpgrade}
	rd := r.Readiness
	if rd == nil {
		s.Blocks = append(s.Blocks, Block{Text: "Not judged."})
		return s
	}
	f := []Field{{Label: "Next hop", Value: clean.Line(assess.ReadyCell(rd))}}
	if rd.Reason != "" {
		f = append(f, Field{Label: "Reason", Value: errText(rd.Reason)})
	}
	s.Blocks = append(s.Blocks, Block{Fields: f})
	for _, h := range rd.Hops {
		b := Block{Heading: clean.Line(h.From + " → " + h.To + ": " + h.Verdict)}
		for _, w := range h.Why {
			b.Items = append(b.Items, errText(w))
		}
		if len(h.APIs) > 0 {
			b.Table = &Grid{Head: []string{"API in use", "Requests", "Removal from"}}
			for _, api := range h.APIs {
				n := "not counted"
				if api.Requests != nil {
					n = strconv.FormatInt(*api.Requests, 10)
				}
				from := "the server's metric (removed_release)"
				if api.Source == assess.SourceData {
					from = "the removed-API data"
				}
				b.Table.Rows = append(b.Table.Rows, []Cell{{Text: clean.Line(assess.APIName(api.Group, api.Version, api.Resource, api.Subresource)), Code: true}, {Text: n}, {Text: from}})
			}
		}
		s.Blocks = append(s.Blocks, b)
		if len(h.APIs) > 0 {
			s.Blocks = append(s.Blocks, callersBlock())
		}
		if len(h.Kubelets) > 0 {
			tb := &Grid{Head: []string{"Kubelet minor", "Nodes", "First nodes"}}
			for _, k := range h.Kubelets {
				tb.Rows = append(tb.Rows, []Cell{{Text: clean.Line(k.Version)}, {Text: strconv.Itoa(k.Count)}, {Text: orNone(clean.Line(strings.Join(k.Nodes, ", ")))}})
			}
			s.Blocks = append(s.Blocks, Block{Heading: "Kubelets to upgrade before " + clean.Line(h.To), Table: tb})
		}
	}
	if r.Advice != nil {
		s.Blocks = append(s.Blocks, stepBlocks(r.Advice.Grant)...)
	}
	if len(rd.Notes) > 0 {
		s.Blocks = append(s.Blocks, Block{Heading: "Notes", Items: clean.All(rd.Notes)})
	}
	return s
}

func errorSection(r scan.Result) Section {
	s := Section{Title: SectionErrors}
	if len(r.Errors) == 0 {
		s.Blocks = append(s.Blocks, Block{Text: "No phase failed."})
		return s
	}
	items := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		items[i] = clean.Line(string(e.Phase)) + ": " + errText(e.Error)
	}
	s.Blocks = append(s.Blocks, Block{Items: items})
	return s
}

// listOr is a headed list, or the sentence saying it is empty, so that a
// reader can tell "nothing found" from "not shown".
func listOr(heading string, items []string, empty string) Block {
	if len(items) == 0 {
		return Block{Heading: heading, Text: empty}
	}
	return Block{Heading: heading, Items: clean.All(items)}
}

// supportText is the end of the current support phase with the days to it
// (or past it), for the summary.
func supportText(r scan.Result) string {
	if r.Urgency == nil || r.Urgency.Lifecycle == nil {
		return none
	}
	lc := r.Urgency.Lifecycle
	end := lc.End()
	if end == "" {
		return clean.Line(lc.Phase)
	}
	return clean.Line(end) + " (" + daysText(lc) + ")"
}

// daysText reads Lifecycle.DaysLeft in words: left in the phase, or past
// the end of all support.
func daysText(lc *scan.Lifecycle) string {
	switch {
	case lc.Phase == "unsupported" && lc.DaysLeft < 0:
		return "unsupported, support ended " + scan.DaysText(lc.DaysLeft)
	case lc.Phase == "unsupported":
		return "unsupported"
	}
	return clean.Line(lc.Phase) + ", " + scan.DaysText(lc.DaysLeft)
}

func cveText(r scan.Result) string {
	if r.Urgency == nil || len(r.Urgency.CVEs) == 0 {
		return "0"
	}
	if r.Urgency.WorstCVE == "" {
		return fmt.Sprintf("%d (none fixed by an upgrade)", len(r.Urgency.CVEs))
	}
	return fmt.Sprintf("%d (worst %s)", len(r.Urgency.CVEs), clean.Line(r.Urgency.WorstCVE))
}

func worstCVE(r scan.Result) string {
	if r.Urgency == nil {
		return ""
	}
	return clean.Line(r.Urgency.WorstCVE)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func millis(ms int64) string {
	return strconv.FormatInt(ms, 10) + " ms"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// errText is an error a result recorded, as people read it. The scanner
// redacts URL secrets as it records errors; results saved by an older
// version, or written by hand, are redacted here too.
func errText(s string) string {
	return clean.Line(clean.Redact(s))
}

func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// safeLink returns u when it is an absolute http(s) URL, else "": a link
// from the data must not become a javascript: or file: link in a report.
func safeLink(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	if strings.ContainsAny(u, " <>()\"'`\\") || clean.Line(u) != u {
		return ""
	}
	return u
}
