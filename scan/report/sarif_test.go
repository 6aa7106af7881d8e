package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
)

func writeSARIF(t *testing.T, rs []scan.Result, at time.Time) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, "sarif", rs, at, fixtureData, Options{Version: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// validSARIF checks out against the official SARIF 2.1.0 schema that
// go-sarif embeds. Its Validate checks the report as go-sarif holds it, so
// the bytes must first read back into exactly what was written: nothing of
// the output is left out of the validation.
func validSARIF(t *testing.T, out []byte) *sarif.Report {
	t.Helper()
	rep, err := sarif.FromBytes(out, sarif.WithStrictValidation())
	if err != nil {
		t.Fatalf("sarif does not read: %v", err)
	}
	if err := rep.Validate(); err != nil {
		t.Fatalf("sarif is not valid SARIF 2.1.0: %v", err)
	}
	again, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(append(clean.JSON(again), '\n')), string(out); got != want {
		t.Fatalf("sarif does not read back as written: validation would miss what differs:\n got %s\nwant %s", got, want)
	}
	return rep
}

func TestSARIFIsValidAndComplete(t *testing.T) {
	rs := append(fixtures(), blockedCluster())
	rep := validSARIF(t, writeSARIF(t, rs, fixtureAt))
	if len(rep.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(rep.Runs))
	}
	run := rep.Runs[0]
	d := run.Tool.Driver
	if *d.Name != "kubesurface" || *d.Version != "v1.2.3" || *d.InformationURI != InformationURI {
		t.Errorf("driver %s %s %s", *d.Name, *d.Version, *d.InformationURI)
	}
	rules := map[string]*sarif.ReportingDescriptor{}
	for i, r := range d.Rules {
		rules[*r.ID] = r
		if r.ShortDescription == nil || r.ShortDescription.Text == nil || *r.ShortDescription.Text == "" {
			t.Errorf("rule %s has no description", *r.ID)
		}
		for _, res := range run.Results {
			if *res.RuleID == *r.ID && res.RuleIndex != i {
				t.Errorf("result of %s points at rule %d, not %d", *r.ID, res.RuleIndex, i)
			}
		}
	}
	wantSeverity := map[string]string{ExposureRule("critical"): "9.5", ExposureRule("high"): "8.0", ExposureRule("medium"): "5.5", ExposureRule("low"): "2.0",
		"CVE-2024-3177": "2.7", // its CVSS score
		"CVE-2023-5528": "5.5", // no score: its rating's band
	}
	for _, r := range assess.Rules {
		wantSeverity[r.ID] = securitySeverity(r.Level)
	}
	for id, want := range wantSeverity {
		r, ok := rules[id]
		if !ok {
			t.Errorf("no rule %s", id)
			continue
		}
		if got := r.Properties.Properties["security-severity"]; got != want {
			t.Errorf("rule %s: security-severity %v, want %s", id, got, want)
		}
		if !strings.Contains(strings.Join(r.Properties.Tags, " "), "security") {
			t.Errorf("rule %s: tags %v", id, r.Properties.Tags)
		}
	}
	if u := rules["CVE-2024-3177"].HelpURI; u == nil || *u != "https://github.com/kubernetes/kubernetes/issues/124336" {
		t.Errorf("CVE rule help %v", u)
	}
	if u := rules["CVE-2023-5528"].HelpURI; u != nil {
		t.Errorf("a javascript: link became the CVE's help: %s", *u)
	}
	if _, ok := rules[ReadinessRule].Properties.Properties["security-severity"]; ok {
		t.Error("a blocked upgrade is rated as a security finding")
	}

	// One result per finding per target: the EKS target's exposure, its
	// three rules and two CVEs; the kubeadm target's low exposure; the
	// blocked cluster's findings and its blocked hop.
	got := map[string][]string{}
	for _, res := range run.Results {
		loc := res.Locations[0]
		name := *loc.LogicalLocations[0].Name
		got[name] = append(got[name], *res.RuleID+"="+res.Level)
		if loc.PhysicalLocation == nil || *loc.PhysicalLocation.ArtifactLocation.URI == "" {
			t.Errorf("%s: result without an artifact location", name)
		}
		if !strings.HasPrefix(*res.Message.Text, name+": ") {
			t.Errorf("result message %q does not name %q", *res.Message.Text, name)
		}
	}
	want := "exposure-high=error extended-support=error high-cve=error kubelet-skew=error CVE-2024-3177=error CVE-2023-5528=warning"
	if g := strings.Join(got["prod-eks"], " "); g != want {
		t.Errorf("prod-eks results: %s\nwant %s", g, want)
	}
	if g := strings.Join(got["dev "+hostile], " "); g != "exposure-low=note" {
		t.Errorf("kubeadm results: %s", g)
	}
	if _, ok := got["203.0.113.99:6443"]; ok {
		t.Errorf("an unreachable target has findings: %v", got["203.0.113.99:6443"])
	}
	if g := got[blockedCluster().Target.Name]; !strings.Contains(strings.Join(g, " "), ReadinessRule+"=warning") {
		t.Errorf("blocked cluster: %v", g)
	}
	// The unreachable target is named in a notification instead.
	notes := run.Invocations[0].ToolExecutionNotifications
	if len(notes) == 0 || !strings.Contains(*notes[0].Message.Text, connectFailure) || notes[0].Level != "error" {
		t.Errorf("no notification says the unreachable target was not probed: %+v", notes)
	}
}

func fingerprints(t *testing.T, out []byte) map[string]string {
	t.Helper()
	rep := validSARIF(t, out)
	fp := map[string]string{}
	for _, res := range rep.Runs[0].Results {
		key := *res.Locations[0].LogicalLocations[0].Name + " " + *res.RuleID
		fp[key] = res.PartialFingerprints[FingerprintKey]
		if fp[key] == "" {
			t.Errorf("%s has no fingerprint", key)
		}
	}
	return fp
}

// A finding keeps its fingerprint from run to run, though the time and the
// words of the message change; the same rule on another target does not
// share it.
func TestSARIFFingerprintsAreStable(t *testing.T) {
	first := fingerprints(t, writeSARIF(t, fixtures(), fixtureAt))
	later := fixtures()
	later[0].Urgency.Reasons[0] = "1.29 is in EKS extended support until 2027-03-23, 10 days later"
	later[0].Exposure.Reasons = []string{"other words"}
	second := fingerprints(t, writeSARIF(t, later, fixtureAt.Add(48*time.Hour)))
	if len(first) == 0 || len(first) != len(second) {
		t.Fatalf("%d then %d findings", len(first), len(second))
	}
	for k, v := range first {
		if second[k] != v {
			t.Errorf("%s: fingerprint %s, then %s", k, v, second[k])
		}
	}

	twin := exposedEKS()
	twin.Target.Name, twin.Target.Context = "prod-eks-2", "prod-eks-2"
	both := fingerprints(t, writeSARIF(t, []scan.Result{exposedEKS(), twin}, fixtureAt))
	seen := map[string]string{}
	for k, v := range both {
		if other, dup := seen[v]; dup {
			t.Errorf("%s and %s share fingerprint %s", k, other, v)
		}
		seen[v] = k
	}
	if both["prod-eks exposure-high"] == "" || both["prod-eks-2 exposure-high"] == "" {
		t.Errorf("missing findings: %v", both)
	}
}

// The artifact URI is a relative reference that GitHub takes as a path:
// no scheme (a colon before the first slash would read as one), and the
// target's host, port and base path in it.
func TestTargetURI(t *testing.T) {
	for ref, want := range map[scan.Ref]string{
		{URL: "https://api.example.com:6443"}:                 "api.example.com/6443",
		{URL: "https://rancher.example.com/k8s/clusters/c-1"}: "rancher.example.com/443/k8s/clusters/c-1",
		{URL: "https://[2001:db8::1]:6443"}:                   "2001%3Adb8%3A%3A1/6443",
		{URL: "https://[fe80::1%25eth0]:6443"}:                "fe80%3A%3A1%25eth0/6443",
		{URL: "http://10.0.0.1:8080"}:                         "10.0.0.1/8080",
		{Name: "bad: name/../x", URL: ""}:                     "target/bad%3A%20name%2F..%2Fx",
	} {
		if ref.Port == 0 && strings.HasPrefix(ref.URL, "https://rancher") {
			ref.Port = 443
		}
		got := TargetURI(ref)
		if got != want {
			t.Errorf("%+v: %q, want %q", ref, got, want)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.IsAbs() {
			t.Errorf("%q is not a relative reference: %v", got, err)
		}
	}
}

// Hostile text from a server, a kubeconfig or a results file is kept in
// SARIF (it is data) but never raw, and the log stays valid.
func TestSARIFOfHostileResults(t *testing.T) {
	rs := poisoned(cleantest.Payload)
	out := writeSARIF(t, rs, fixtureAt)
	cleantest.Check(t, "sarif", string(out))
	rep := validSARIF(t, out)
	found := false
	for _, res := range rep.Runs[0].Results {
		if strings.Contains(*res.Message.Text, cleantest.Payload) {
			found = true
		}
	}
	if !found {
		t.Error("the hostile text is not kept in any message")
	}
}

func TestSARIFOfNothing(t *testing.T) {
	rep := validSARIF(t, writeSARIF(t, nil, fixtureAt))
	if n := len(rep.Runs[0].Results); n != 0 {
		t.Errorf("%d results of no targets", n)
	}
}
