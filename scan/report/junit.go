package report

import (
	"encoding/xml"
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

// JUnit's elements, as CI dashboards (GitLab, Jenkins, Azure DevOps) read
// them: the attributes every consumer agrees on, no more.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties []junitProperty `xml:"properties>property,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitMessage `xml:"failure,omitempty"`
		Skipped   *junitMessage `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",chardata"`
	}
)

// JUnit writes the results as JUnit XML for CI dashboards: a test suite
// per target and a test case per check (exposure, urgency, and readiness
// where it was judged). A check fails when it reaches opts.FailOn, exactly
// as `scan --fail-on` exits 3 on it, or DefaultGate without one; its
// reasons are the failure's text. A target whose version was never seen
// has its urgency case skipped, saying why.
//
// Dashboards show these strings to people, so each is one clean line
// (clean.Line; reasons one per line), with URL secrets redacted: that also
// replaces every character XML 1.0 cannot hold, which encoding/xml would
// otherwise write as is or refuse.
func JUnit(w io.Writer, results []scan.Result, at time.Time, opts Options) error {
	gate, label := opts.FailOn, "--fail-on "+opts.FailOn.String()
	if gate.Level == "" {
		gate, label = DefaultGate, "no --fail-on: "+DefaultGate.String()
	}
	doc := junitSuites{Name: "kubesurface", Suites: make([]junitSuite, 0, len(results))}
	var total time.Duration
	for _, r := range results {
		s := junitSuiteOf(r, gate, label, at)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
		total += time.Duration(r.DurationMS) * time.Millisecond
		doc.Suites = append(doc.Suites, s)
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func junitSuiteOf(r scan.Result, gate Gate, label string, at time.Time) junitSuite {
	s := junitSuite{Name: text(r.Target.Name), Time: seconds(time.Duration(r.DurationMS) * time.Millisecond)}
	if !r.StartedAt.IsZero() {
		s.Timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	} else if !at.IsZero() {
		s.Timestamp = at.UTC().Format("2006-01-02T15:04:05")
	}
	for _, p := range [][2]string{{"url", r.Target.URL}, {"context", r.Target.Context}, {"state", string(r.State)},
		{"distribution", r.Dist.Name}, {"version", gitVersion(r)}, {"user", authUser(r)}} {
		if p[1] != "" {
			s.Properties = append(s.Properties, junitProperty{Name: p[0], Value: text(p[1])})
		}
	}

	// Exposure is judged from the whole probe: its time is the probe's.
	exp := r.Exposure
	s.Cases = append(s.Cases, junitCaseOf(CheckExposure, s.Time, gate.Fails(CheckExposure, r), label,
		fmt.Sprintf("exposure %s: reach %s, anonymous access %s", orDash(exp.Level), orDash(exp.Reach), orDash(exp.Access)),
		"exposure:"+exp.Level, slices.Concat(exp.Reasons, probeErrors(r))))

	// Urgency and readiness are judged from what the probe saw, at no
	// time of their own.
	if u := r.Urgency; u != nil && u.Level != assess.Unknown {
		rest := u.Reasons
		if len(rest) > 0 && rest[0] == u.Reason {
			rest = rest[1:] // the summary says it already
		}
		s.Cases = append(s.Cases, junitCaseOf(CheckUrgency, "0", gate.Fails(CheckUrgency, r), label,
			fmt.Sprintf("urgency %s: %s", u.Level, u.Reason), "urgency:"+u.Level, rest))
	} else {
		// Unknown is no verdict: skipped, not passed, so a dashboard does
		// not count a server whose version was never seen as up to date.
		why := "not judged: the server's version was not seen"
		if u != nil {
			why = "urgency unknown: " + u.Reason
		}
		if errs := probeErrors(r); len(errs) > 0 {
			why += " (" + errs[0] + ")"
		}
		s.Cases = append(s.Cases, junitCase{Name: CheckUrgency, Classname: "kubesurface." + CheckUrgency, Time: "0",
			Skipped: &junitMessage{Message: text(why)}})
	}
	if rd := r.Readiness; rd != nil && rd.Verdict != "" {
		var why []string
		for _, h := range rd.Hops {
			for _, w := range h.Why {
				why = append(why, h.From+"→"+h.To+": "+w)
			}
		}
		s.Cases = append(s.Cases, junitCaseOf(CheckReadiness, "0", gate.Fails(CheckReadiness, r), label,
			fmt.Sprintf("readiness %s: %s", rd.Verdict, rd.Reason), "readiness:"+rd.Verdict, append(why, rd.Notes...)))
	}
	for _, c := range s.Cases {
		s.Tests++
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	return s
}

// junitCaseOf is one check: failed at the gate with summary as the
// message and the reasons as the text, else passed with them as its
// output, so a dashboard shows the verdict either way.
func junitCaseOf(check, took string, failed bool, label, summary, kind string, reasons []string) junitCase {
	c := junitCase{Name: check, Classname: "kubesurface." + check, Time: took}
	body := lines(reasons)
	if failed {
		c.Failure = &junitMessage{Message: text(summary + " (" + label + ")"), Type: text(kind), Text: body}
		return c
	}
	c.SystemOut = text(summary)
	if body != "" {
		c.SystemOut += "\n" + body
	}
	return c
}

// text is one line a dashboard may show: clean, and without URL secrets.
func text(s string) string { return clean.Line(clean.Redact(s)) }

func lines(xs []string) string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" {
			out = append(out, text(x))
		}
	}
	return strings.Join(out, "\n")
}

func probeErrors(r scan.Result) []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, string(e.Phase)+": "+e.Error)
	}
	return out
}

// seconds is JUnit's time: seconds with millisecond precision.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// authUser is who the authenticated view ran as, so a reader knows whose
// permissions readiness was judged with.
func authUser(r scan.Result) string {
	if r.Auth == nil {
		return ""
	}
	return r.Auth.User
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
