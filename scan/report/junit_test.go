package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	junit "github.com/joshdk/go-junit"

	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
)

func writeJUnit(t *testing.T, rs []scan.Result, failOn string) []byte {
	t.Helper()
	g, err := ParseGate(failOn)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, "junit", rs, fixtureAt, fixtureData, Options{FailOn: g}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readJUnit reads out as a JUnit consumer does (go-junit, which CI tools
// build on), and checks that the counts written agree with what it finds.
func readJUnit(t *testing.T, out []byte) []junit.Suite {
	t.Helper()
	suites, err := junit.Ingest(out)
	if err != nil {
		t.Fatalf("junit does not parse: %v\n%s", err, out)
	}
	var written junitSuites
	if err := xml.Unmarshal(out, &written); err != nil {
		t.Fatalf("junit is not XML: %v", err)
	}
	if len(written.Suites) != len(suites) {
		t.Fatalf("%d suites written, %d read", len(written.Suites), len(suites))
	}
	var tests, failures, skipped int
	for i, s := range suites {
		w := written.Suites[i]
		if w.Tests != s.Totals.Tests || w.Failures != s.Totals.Failed || w.Skipped != s.Totals.Skipped || s.Totals.Error != 0 {
			t.Errorf("suite %s: written tests=%d failures=%d skipped=%d, read %+v", s.Name, w.Tests, w.Failures, w.Skipped, s.Totals)
		}
		tests, failures, skipped = tests+w.Tests, failures+w.Failures, skipped+w.Skipped
	}
	if written.Tests != tests || written.Failures != failures || written.Skipped != skipped {
		t.Errorf("testsuites counts %d/%d/%d, suites add up to %d/%d/%d", written.Tests, written.Failures, written.Skipped, tests, failures, skipped)
	}
	return suites
}

// cases is each suite's test cases as name=status.
func cases(suites []junit.Suite) map[string]string {
	out := map[string]string{}
	for _, s := range suites {
		var cs []string
		for _, c := range s.Tests {
			cs = append(cs, c.Name+"="+string(c.Status))
			if c.Classname != "kubesurface."+c.Name {
				out[s.Name+" classname"] = c.Classname
			}
		}
		out[s.Name] = strings.Join(cs, " ")
	}
	return out
}

func TestJUnitSuitesCasesAndFailures(t *testing.T) {
	rs := append(fixtures(), blockedCluster())
	for failOn, want := range map[string]map[string]string{
		// No --fail-on: high on either scale, as --fail-on high.
		"": {
			"prod-eks":          "exposure=failed urgency=failed",
			"203.0.113.99:6443": "exposure=passed urgency=skipped",
			"dev " + hostile:    "exposure=passed urgency=skipped",
			"prod-dra":          "exposure=failed urgency=failed readiness=passed",
		},
		"exposure:medium": {
			"prod-eks":          "exposure=failed urgency=passed",
			"203.0.113.99:6443": "exposure=passed urgency=skipped",
			"dev " + hostile:    "exposure=passed urgency=skipped",
			"prod-dra":          "exposure=failed urgency=passed readiness=passed",
		},
		"readiness:blocked": {
			"prod-eks":          "exposure=passed urgency=passed",
			"203.0.113.99:6443": "exposure=passed urgency=skipped",
			"dev " + hostile:    "exposure=passed urgency=skipped",
			"prod-dra":          "exposure=passed urgency=passed readiness=failed",
		},
		"critical": {
			"prod-eks":          "exposure=passed urgency=passed",
			"203.0.113.99:6443": "exposure=passed urgency=skipped",
			"dev " + hostile:    "exposure=passed urgency=skipped",
			"prod-dra":          "exposure=passed urgency=passed readiness=passed",
		},
	} {
		suites := readJUnit(t, writeJUnit(t, rs, failOn))
		got := cases(suites)
		if len(suites) != len(rs) {
			t.Errorf("--fail-on %q: %d suites for %d targets", failOn, len(suites), len(rs))
		}
		for name, w := range want {
			if got[name] != w {
				t.Errorf("--fail-on %q: %s: %s, want %s", failOn, name, got[name], w)
			}
		}
		for k, v := range got {
			if strings.HasSuffix(k, " classname") {
				t.Errorf("%s: %s", k, v)
			}
		}
		// A failure is exactly what makes scan exit 3.
		g, _ := ParseGate(failOn)
		if failOn == "" {
			g = DefaultGate
		}
		for i, s := range suites {
			failed := false
			for _, c := range s.Tests {
				failed = failed || c.Status == junit.StatusFailed
			}
			if fires := g.Check(rs[i]) != ""; fires != failed {
				t.Errorf("--fail-on %q: %s has a failure: %v, the gate fires: %v", failOn, s.Name, failed, fires)
			}
		}
	}
}

// The failure says what and why: its message the verdict and the gate,
// its text every reason, as written.
func TestJUnitFailureMessages(t *testing.T) {
	suites := readJUnit(t, writeJUnit(t, []scan.Result{blockedCluster()}, "readiness:blocked"))
	s := suites[0]
	if s.Name != "prod-dra" || s.Properties["url"] != blockedCluster().Target.URL || s.Properties["version"] != "v1.29.3-eks-adc7111" {
		t.Errorf("suite %q %v", s.Name, s.Properties)
	}
	var ready junit.Test
	for _, c := range s.Tests {
		if c.Name == CheckReadiness {
			ready = c
		}
	}
	e, ok := ready.Error.(junit.Error)
	if !ok {
		t.Fatalf("readiness: %+v", ready)
	}
	rd := blockedCluster().Readiness
	if e.Message != "readiness blocked: "+rd.Reason+" (--fail-on readiness:blocked)" || e.Type != "readiness:blocked" {
		t.Errorf("failure message %q type %q", e.Message, e.Type)
	}
	for _, h := range rd.Hops {
		if !strings.Contains(e.Body, h.From+"→"+h.To+": "+h.Why[0]) {
			t.Errorf("failure text lacks hop %s→%s:\n%s", h.From, h.To, e.Body)
		}
	}

	suites = readJUnit(t, writeJUnit(t, []scan.Result{exposedEKS()}, ""))
	urgency := suites[0].Tests[1]
	e = urgency.Error.(junit.Error)
	u := exposedEKS().Urgency
	if e.Message != "urgency high: "+u.Reason+" (no --fail-on: high)" {
		t.Errorf("urgency failure message %q", e.Message)
	}
	if e.Body != strings.Join(u.Reasons[1:], "\n") {
		t.Errorf("urgency failure text %q", e.Body)
	}
	if exp := suites[0].Tests[0]; exp.Duration.Milliseconds() != exposedEKS().DurationMS {
		t.Errorf("exposure took %s, the probe %dms", exp.Duration, exposedEKS().DurationMS)
	}
}

// Hostile text anywhere in a result leaves the XML well formed, holds no
// character XML 1.0 forbids nor any raw control, and reads back in a
// consumer with the words either side of it.
func TestJUnitOfHostileResults(t *testing.T) {
	rs := poisoned(cleantest.Payload + cleantest.Invalid + "\x00\x01\x0b\ufffe")
	out := writeJUnit(t, rs, "low")
	cleantest.Check(t, "junit", string(out))
	for _, r := range string(out) {
		if r != '\n' && r < 0x20 || r == 0xfffe || r == 0xffff {
			t.Fatalf("junit holds %U, which XML 1.0 forbids", r)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(out))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("junit is not well formed: %v", err)
			}
			break
		}
	}
	suites := readJUnit(t, out)
	if len(suites) != len(rs) || !strings.Contains(suites[0].Name, "evil") || !strings.Contains(suites[0].Name, "tail") {
		t.Errorf("the hostile target name did not survive: %q", suites[0].Name)
	}
}

func TestJUnitOfNothing(t *testing.T) {
	if suites := readJUnit(t, writeJUnit(t, nil, "")); len(suites) != 0 {
		t.Errorf("%d suites of no targets", len(suites))
	}
}
