package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
	"github.com/kubesurface/kubesurface/scan"
)

// The embedded data ends at 1.36, so the harness's v1.37 server could only
// ever be judged "newer than the data". These tests give the scan data that
// knows 1.37, made the way a user gets it: `kubesurface data update` from
// the recorded source answers (scan/assess/testdata) served on 127.0.0.1,
// with one release the recording predates added to two products' answers.
// The dates are the tests' own choice, not endoflife.date's:
const (
	samples = "../../scan/assess/testdata"

	// Upstream Kubernetes 1.37, spaced as the recorded 1.36 is.
	k8s137Release  = "2026-08-26"
	k8s137EndOfAct = "2027-08-28"
	k8s137End      = "2027-10-28"

	// GKE 1.37 (Regular channel availability and end of standard
	// support); GKE's Extended channel runs 24 months from the release.
	gke137Release     = "2026-10-06"
	gke137EndOfAct    = "2027-09-30"
	gke137End         = "2027-11-06"
	gke137ExtendedEnd = "2028-10-06"

	// dataAsOf is the day the served CVE feed says it was updated: the
	// newest date of all sources, so the cache's data_as_of. Fixed, so
	// that data age at --now is too; it must not be after the real today
	// (a cache from the future is refused).
	dataAsOf = "2026-11-20"
)

// calendarCache runs `kubesurface data update` against the recorded
// sources plus 1.37 (for the server's minor, whose newest patch is the
// server's own version) and returns the XDG_CACHE_HOME holding the cache.
func calendarCache(t *testing.T, c cluster) string {
	t.Helper()
	pv, err := scan.ParseVersion(c.Version)
	if err != nil || pv.Minor != "1.37" || pv.Suffix != "" {
		t.Fatalf("the harness runs %q (%v); the dates above are 1.37's, for a release build", c.Version, err)
	}
	added := map[string]map[string]any{
		"kubernetes": release("1.37", k8s137Release, k8s137EndOfAct, k8s137End, pv.Semver),
		"google-kubernetes-engine": release("1.37", gke137Release, gke137EndOfAct, gke137End,
			pv.Semver+"-gke.1100000"),
	}
	src, srv := sourcetest.Start(t, samples, func(key string, w http.ResponseWriter, r *http.Request) bool {
		product, ok := strings.CutPrefix(key, "eol/")
		rel := added[product]
		if !ok || rel == nil {
			return false
		}
		raw, err := os.ReadFile(filepath.Join(samples, "endoflife-v1-product-"+product+".json"))
		if err != nil {
			t.Error(err)
			return false
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Error(err)
			return false
		}
		res := doc["result"].(map[string]any)
		res["releases"] = append([]any{rel}, res["releases"].([]any)...)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
		return true
	})
	stamp, _ := time.Parse(time.DateOnly, dataAsOf)
	src.Stamp(stamp.Add(9 * time.Hour))

	cache := t.TempDir()
	cmd := exec.Command(binary, "data", "update",
		"--endoflife-url", srv.URL, "--osv-url", srv.URL, "--cve-feed-url", srv.URL+sourcetest.FeedPath)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("data update: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	for _, want := range []string{"kubernetes 1.37", "gke 1.37", "data as of " + dataAsOf} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("data update does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "embedded snapshot") && strings.Contains(out.String(), "stays in use") {
		t.Fatalf("the embedded snapshot is newer than %s; move dataAsOf past it:\n%s", dataAsOf, out.String())
	}
	return cache
}

// release is one entry of endoflife.date's v1 product answer, shaped like
// the recorded ones.
func release(name, released, endOfActive, end, latest string) map[string]any {
	return map[string]any{
		"name": name, "codename": nil, "label": name, "releaseDate": released,
		"isLts": false, "ltsFrom": nil, "isEoas": false, "eoasFrom": endOfActive,
		"isEol": false, "eolFrom": end, "isMaintained": true,
		"latest": map[string]any{"name": latest, "date": dataAsOf, "link": nil},
		"custom": nil,
	}
}

// TestRealServerOnTheCalendar: with data that knows 1.37, the real v1.37
// server gets the calendar's verdict at each --now (supported, all support
// ending within a month, past it), with the end date the data gives, and
// not "newer than the data". Its kubelets are not visible anonymously:
// their CVEs are named as not checked, at the server's version.
func TestRealServerOnTheCalendar(t *testing.T) {
	c := need(t, "ANON")
	cache := calendarCache(t, c)
	pv, _ := scan.ParseVersion(c.Version)
	for _, tc := range []struct {
		now, level, phase string
		daysLeft          int
		rule, reason      string
	}{
		{now: "2026-11-26", level: "current", phase: "standard", daysLeft: 336,
			reason: "1.37 is supported until " + k8s137End + ", on the newest patch the data knows"},
		{now: "2027-10-14", level: "critical", phase: "standard", daysLeft: 14,
			rule: "all-support-ends-soon", reason: "all support for 1.37 ends " + k8s137End + " (14 days left)"},
		{now: "2027-10-29", level: "critical", phase: "unsupported", daysLeft: -1,
			rule: "past-all-support", reason: "1.37 is out of all support since " + k8s137End + " (1 day ago)"},
	} {
		t.Run(tc.now, func(t *testing.T) {
			doc := scanJSONIn(t, cache, "--no-kubeconfig", "--now", tc.now, c.URL)
			if doc.Data.DataAsOf != dataAsOf || !strings.HasPrefix(doc.Data.Origin, cache) {
				t.Fatalf("data %+v, want the cache as of %s", doc.Data, dataAsOf)
			}
			u := only(t, doc).Urgency
			if u == nil || u.Lifecycle == nil {
				t.Fatalf("urgency = %+v, want a lifecycle", u)
			}
			lc := u.Lifecycle
			if u.Level != tc.level || lc.Calendar != "kubernetes" || lc.Minor != "1.37" || lc.Phase != tc.phase ||
				lc.ReleaseDate != k8s137Release || lc.EndOfStandardSupport != k8s137End || lc.DaysLeft != tc.daysLeft {
				t.Errorf("level %s, lifecycle %+v; want %s, kubernetes 1.37 %s, %d days to %s", u.Level, lc, tc.level, tc.phase, tc.daysLeft, k8s137End)
			}
			if u.JudgedAt != tc.now || u.NewestMinor != "1.37" || u.MinorsBehind != 0 || u.PatchesBehind != 0 {
				t.Errorf("judged %s, newest %s, %d minors and %d patches behind", u.JudgedAt, u.NewestMinor, u.MinorsBehind, u.PatchesBehind)
			}
			if !strings.HasPrefix(u.Reason, tc.reason) {
				t.Errorf("reason %q, want %q", u.Reason, tc.reason)
			}
			if tc.rule == "" && len(u.Rules) != 0 || tc.rule != "" && !slices.Contains(u.Rules, tc.rule) {
				t.Errorf("rules %v, want %q", u.Rules, tc.rule)
			}
			all := strings.Join(u.Reasons, "\n")
			if strings.Contains(all, "newer than the data") {
				t.Errorf("reasons %q still call the server newer than the data", u.Reasons)
			}
			if !strings.Contains(all, "would affect nodes at "+pv.Semver+" (") || !strings.Contains(all, "could not be checked") {
				t.Errorf("reasons %q do not say the kubelet CVEs at %s went unchecked", u.Reasons, pv.Semver)
			}
			for _, cve := range u.CVEs {
				if len(cve.Kubelets) > 0 {
					t.Errorf("%s matched on kubelets %v that an anonymous scan cannot see", cve.ID, cve.Kubelets)
				}
			}
		})
	}
}
