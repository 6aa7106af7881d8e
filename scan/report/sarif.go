package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

// InformationURI is where a code-scanning alert's reader learns what
// kubesurface is; the rules' help links point into its reference (docs/).
const InformationURI = "https://github.com/kubesurface/kubesurface"

// FingerprintKey names kubesurface's own entry in a SARIF result's
// partialFingerprints. The version suffix changes only if what is hashed
// changes, which would reopen every alert.
const FingerprintKey = "kubesurfaceFinding/v1"

// ReadinessRule is the SARIF rule of a blocked next upgrade hop.
const ReadinessRule = "readiness-blocked"

// ExposureRule is the SARIF rule id of an exposure level: one rule per
// level, because code scanning reads severity from the rule alone.
func ExposureRule(level string) string { return "exposure-" + level }

// securitySeverity is what GitHub code scanning reads as a rule's severity
// (a CVSS-like score as a string): the middle of the CVSS band that GitHub
// names like the level, so the alert reads critical, high, medium or low
// as kubesurface does. An unrated CVE counts as medium, not low: no rating
// is not no risk.
func securitySeverity(level string) string {
	switch level {
	case assess.Critical:
		return "9.5"
	case assess.High:
		return "8.0"
	case assess.Low:
		return "2.0"
	}
	return "5.5"
}

// sarifLevel maps a level to SARIF's: what must be acted on this cycle is
// an error, medium a warning, low a note.
func sarifLevel(level string) string {
	switch level {
	case assess.Critical, assess.High:
		return "error"
	case assess.Low:
		return "note"
	}
	return "warning"
}

// exposureLevels are the levels that are findings (none is not).
var exposureLevels = []string{scan.LevelCritical, scan.LevelHigh, scan.LevelMedium, scan.LevelLow}

// SARIF writes the results as one SARIF 2.1.0 run for code scanning: a rule
// per urgency rule, exposure level and CVE, and a result per finding per
// target. Targets are named in each location both as a relative artifact
// URI (GitHub refuses a result without one, and rejects an https URI that
// does not match its checkout) and as a logical location. A target that
// could not be probed has no findings: a tool execution notification of
// the run's invocation says why, so that its absence is not read as a fix.
func SARIF(w io.Writer, results []scan.Result, at time.Time, data DataInfo, opts Options) error {
	b := newSARIFBuilder(opts.Version)
	inv := sarif.NewInvocation().WithExecutionSuccessful(true).WithEndTimeUtc(at.UTC().Format(time.RFC3339))
	for _, r := range results {
		b.add(r)
		if n := probeNotification(r); n != nil {
			inv.AddToolExecutionNotification(n)
		}
	}
	b.run.AddInvocation(inv)
	b.run.WithProperties(sarif.NewPropertyBag().
		Add("generatedAt", at.UTC().Format(time.RFC3339)).
		Add("dataOrigin", data.Origin).
		Add("dataAsOf", data.DataAsOf))
	log := sarif.NewReport()
	log.AddRun(b.run)
	out, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return err
	}
	// encoding/json leaves DEL, C1 and bidirectional controls raw: the
	// same data, escaped, as every JSON format writes it.
	_, err = w.Write(append(clean.JSON(out), '\n'))
	return err
}

type sarifBuilder struct {
	run   *sarif.Run
	index map[string]int
}

func newSARIFBuilder(version string) *sarifBuilder {
	run := sarif.NewRunWithInformationURI("kubesurface", InformationURI)
	if version != "" {
		run.Tool.Driver.WithVersion(version)
	}
	b := &sarifBuilder{run: run, index: map[string]int{}}
	for _, rule := range assess.Rules {
		b.rule(rule.ID, rule.When, rule.Level, InformationURI+"/blob/main/docs/urgency.md#urgency-rules", "upgrade-urgency")
	}
	for _, l := range exposureLevels {
		b.rule(ExposureRule(l), fmt.Sprintf("the API server's exposure to anonymous strangers (reach × anonymous access) is %s", l),
			l, InformationURI+"/blob/main/docs/probes.md#exposure-levels", "exposure")
	}
	d := b.newRule(ReadinessRule, "the next minor upgrade is blocked: deprecated APIs it removes are still called, or kubelets are outside the skew it allows",
		assess.Medium, InformationURI+"/blob/main/docs/urgency.md#upgrade-readiness")
	// Not a security finding of its own (the urgency rules say how risky
	// staying is): a warning without security-severity.
	d.WithProperties(sarif.NewPropertyBag().WithTags([]string{"kubernetes", "upgrade-readiness", "maintainability"}))
	return b
}

// newRule adds a rule with its description, default level and help link.
func (b *sarifBuilder) newRule(id, what, level, help string) *sarif.ReportingDescriptor {
	d := b.run.AddRule(id).WithDescription(what).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(what)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(level)))
	if help != "" {
		d.WithHelpURI(help)
	}
	b.index[id] = len(b.run.Tool.Driver.Rules) - 1
	return d
}

// rule adds a security rule: its severity and tags are what code
// scanning sorts and filters alerts by.
func (b *sarifBuilder) rule(id, what, level, help, kind string) {
	b.ruleScored(id, what, level, securitySeverity(level), help, kind)
}

func (b *sarifBuilder) ruleScored(id, what, level, severity, help, kind string) {
	b.newRule(id, what, level, help).WithProperties(sarif.NewPropertyBag().
		Add("security-severity", severity).
		WithTags([]string{"security", "kubernetes", kind}))
}

// add gives r's findings: its exposure level, each urgency rule that
// fired, each CVE, and a blocked next hop.
func (b *sarifBuilder) add(r scan.Result) {
	if slices.Contains(exposureLevels, r.Exposure.Level) {
		text := fmt.Sprintf("%s: exposure %s: reach %s, anonymous access %s", r.Target.Name, r.Exposure.Level, r.Exposure.Reach, r.Exposure.Access)
		if len(r.Exposure.Reasons) > 0 {
			text += ": " + strings.Join(r.Exposure.Reasons, "; ")
		}
		b.result(r, ExposureRule(r.Exposure.Level), r.Exposure.Level, text)
	}
	if u := r.Urgency; u != nil {
		for i, id := range u.Rules {
			rule, ok := urgencyRule(id)
			if !ok {
				continue // a saved result from another version's rules
			}
			why := rule.When
			if i < len(u.Reasons) {
				why = u.Reasons[i]
			}
			b.result(r, id, rule.Level, fmt.Sprintf("%s: urgency %s (%s): %s", r.Target.Name, rule.Level, id, why))
		}
		for _, c := range u.CVEs {
			b.cve(r, c)
		}
	}
	if rd := r.Readiness; rd != nil && rd.Verdict == assess.Blocked {
		b.result(r, ReadinessRule, assess.Medium, fmt.Sprintf("%s: next upgrade blocked: %s", r.Target.Name, rd.Reason))
	}
}

// cve gives one CVE its own rule, the first time it is seen: code scanning
// shows a rule's name, severity and help link on every alert and groups
// alerts by rule, so a rule per CVE lets each be ranked by its own score
// and link to its own advisory, where one "cve" rule would give every CVE
// the same severity.
func (b *sarifBuilder) cve(r scan.Result, c scan.CVERef) {
	if c.ID == "" {
		return
	}
	if _, ok := b.index[c.ID]; !ok {
		what := c.ID
		if c.Title != "" {
			what += ": " + c.Title
		}
		b.ruleScored(c.ID, what, c.Severity, cveSeverity(c), helpURL(c.URL), "cve")
	}
	text := fmt.Sprintf("%s: %s (%s", r.Target.Name, c.ID, orUnrated(c.Severity))
	if c.Score > 0 {
		text += fmt.Sprintf(", CVSS %.1f", c.Score)
	}
	text += ")"
	if c.Title != "" {
		text += " " + c.Title
	}
	text += " affects " + version(r)
	switch {
	case c.Unfixed:
		text += "; no release fixes it for this version: mitigate it"
	case len(c.FixedIn) > 0:
		text += "; fixed in " + strings.Join(c.FixedIn, ", ")
	}
	if len(c.Kubelets) > 0 {
		text += "; kubelets " + strings.Join(c.Kubelets, ", ")
	}
	b.result(r, c.ID, c.Severity, text)
}

// probeNotification says that r's target was not, or not wholly, probed:
// a finding missing from the run is then not taken for one fixed.
func probeNotification(r scan.Result) *sarif.Notification {
	errs := probeErrors(r)
	if r.Auth != nil && r.Auth.Error != "" {
		// No authenticated view: kubelet skew and readiness went unjudged.
		errs = append(errs, "auth: "+r.Auth.Error)
	}
	if len(errs) == 0 && r.State != scan.StateFailed && r.State != scan.StateCancelled {
		return nil
	}
	level := "warning"
	if r.State == scan.StateFailed || r.State == scan.StateCancelled {
		level = "error"
	}
	state := string(r.State)
	if level == "warning" {
		state = "incomplete"
	}
	text := fmt.Sprintf("%s: probe %s", r.Target.Name, state)
	if len(errs) > 0 {
		text += ": " + strings.Join(errs, "; ")
	}
	return sarif.NewNotification().WithLevel(level).
		WithMessage(sarif.NewTextMessage(clean.Redact(text))).
		AddLocation(targetLocation(r.Target))
}

// result adds one finding of rule on r's target.
func (b *sarifBuilder) result(r scan.Result, rule, level, text string) {
	res := sarif.NewRuleResult(rule).WithRuleIndex(b.index[rule]).
		WithLevel(sarifLevel(level)).
		WithMessage(sarif.NewTextMessage(clean.Redact(text))).
		AddLocation(targetLocation(r.Target)).
		WithPartialFingerprints(map[string]string{FingerprintKey: fingerprint(rule, r.Target)})
	b.run.AddResult(res)
}

// targetLocation names the target twice: a logical location with the name
// the user gave, and a relative artifact URI built from the probed URL
// (HOST/PORT[/BASE]): GitHub requires an artifact location and rejects one
// whose scheme differs from the checkout's, so https://host:port itself
// cannot be used, and a relative reference may not hold a colon before its
// first slash, so the host's (IPv6) colons are escaped.
func targetLocation(t scan.Ref) *sarif.Location {
	logical := sarif.NewLogicalLocation().WithName(t.Name).WithKind("resource")
	if t.URL != "" {
		logical.WithFullyQualifiedName(t.URL)
	}
	return sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(TargetURI(t)))).
		AddLogicalLocation(logical)
}

// TargetURI is the relative URI reference SARIF locates a target's
// findings at: HOST/PORT, then the URL's base path, each part escaped.
func TargetURI(t scan.Ref) string {
	segment := func(s string) string { return strings.ReplaceAll(url.PathEscape(s), ":", "%3A") }
	u, err := url.Parse(t.URL)
	if err != nil || u.Hostname() == "" {
		return "target/" + segment(t.Name)
	}
	port := u.Port()
	if port == "" && t.Port > 0 {
		port = strconv.Itoa(t.Port)
	}
	out := segment(u.Hostname())
	if port != "" {
		out += "/" + segment(port)
	}
	if p := strings.Trim(u.EscapedPath(), "/"); p != "" {
		out += "/" + p
	}
	return out
}

// fingerprint identifies a finding across runs: the rule and the target's
// identity (its source, context and URL), never the message or the date,
// which change while the finding stays.
func fingerprint(rule string, t scan.Ref) string {
	h := sha256.New()
	for _, part := range []string{rule, t.Source, t.Context, t.URL} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// cveSeverity is the CVE's CVSS score where the data has one, else its
// rating's band.
func cveSeverity(c scan.CVERef) string {
	if c.Score > 0 && !math.IsNaN(c.Score) {
		return strconv.FormatFloat(min(c.Score, 10), 'f', 1, 64)
	}
	return securitySeverity(c.Severity)
}

// helpURL keeps an advisory link only when it is an absolute http(s) URL,
// as SARIF's helpUri must be; the data is outside input.
func helpURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

func orUnrated(s string) string {
	if s == "" {
		return "unrated"
	}
	return s
}

func urgencyRule(id string) (assess.Rule, bool) {
	for _, r := range assess.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return assess.Rule{}, false
}
