package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
)

// TestNonsenseProbeFlagsAreUsageErrors: values a float or duration flag
// parses but no scan can use are refused before anything is read or
// probed, by every command that probes.
func TestNonsenseProbeFlagsAreUsageErrors(t *testing.T) {
	cases := []struct {
		flags []string
		want  string
	}{
		{[]string{"--rate", "NaN"}, "--rate NaN: want a finite number"},
		{[]string{"--rate", "nan"}, "--rate NaN: want a finite number"},
		{[]string{"--rate", "+Inf"}, "--rate +Inf: want a finite number"},
		{[]string{"--rate", "Infinity"}, "--rate +Inf: want a finite number"},
		{[]string{"--rate", "-Inf"}, "--rate -Inf: want a finite number"},
		{[]string{"--rate", "1e400"}, `invalid argument "1e400" for "--rate"`},
		{[]string{"--rate", "-0.5"}, "--rate must not be negative"},
		{[]string{"--rate", "1e-300"}, "fewer than one target a day"},
		{[]string{"--rate", "0.00001"}, "fewer than one target a day"},
		{[]string{"--timeout", "25h"}, "--timeout 25h0m0s: at most 24h0m0s"},
		{[]string{"--timeout", "2562047h47m16.854775807s"}, "at most 24h0m0s"},
		{[]string{"--timeout", "2562048h"}, `invalid argument "2562048h" for "--timeout"`},
		{[]string{"--timeout", "-1s"}, "--timeout must be positive"},
	}
	for _, c := range cases {
		for _, cmd := range [][]string{{"scan", "--no-kubeconfig", "127.0.0.1:1"}, {"view", "-"}} {
			args := append(append([]string(nil), cmd...), c.flags...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := invoke(t, "", args...)
				wantUsageError(t, code, stdout, stderr, c.want)
			})
		}
	}
	// The edges themselves are fine.
	for _, flags := range [][]string{{"--rate", "0"}, {"--rate", "0.0000116"}, {"--rate", "1e300"}, {"--timeout", "24h"}} {
		args := append([]string{"scan", "--no-kubeconfig", "-o", "json", closedPort(t)}, flags...)
		if code, _, stderr := invoke(t, "", args...); code != exitOK {
			t.Errorf("%v: exit %d (%s)", flags, code, stderr)
		}
	}
}

// TestScanAtExtremeDates runs a whole scan of a live server judged at the
// first and the last date --now accepts: the day counts are exact where a
// time.Duration would have overflowed.
func TestScanAtExtremeDates(t *testing.T) {
	srv := versionServer(t, `{"major":"1","minor":"35","gitVersion":"v1.35.8"}`)
	for _, c := range []struct {
		now, phase, level, stale string
		daysLeft                 int
	}{
		{"0001-01-01", "standard", "low", "", 740039},
		{"9999-12-31", "unsupported", "critical", "2912209 days old", -2912019},
	} {
		code, stdout, stderr := invoke(t, "", "scan", "--no-kubeconfig", "--timeout", "5s", "-o", "json", "--now", c.now, srv.URL)
		if code != exitOK {
			t.Fatalf("--now %s: exit %d: %s", c.now, code, stderr)
		}
		var doc report.Document
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Results) != 1 {
			t.Fatalf("--now %s: %v\n%s", c.now, err, stdout)
		}
		u := doc.Results[0].Urgency
		if u == nil || u.JudgedAt != c.now || u.Lifecycle == nil || u.Lifecycle.Phase != c.phase || u.Lifecycle.DaysLeft != c.daysLeft || u.Level != c.level {
			t.Errorf("--now %s: urgency %+v lifecycle %+v; want %s, %s, %d days left", c.now, u, u.Lifecycle, c.level, c.phase, c.daysLeft)
		}
		if doc.Data.Stale != "" != (c.stale != "") || !strings.Contains(doc.Data.Stale, c.stale) || !strings.Contains(stderr, c.stale) {
			t.Errorf("--now %s: stale %q, stderr %q; want %q", c.now, doc.Data.Stale, stderr, c.stale)
		}
	}
}

// TestScanSaysWhyTheCacheIsIgnored: a data cache dated in the future, and
// a relative $XDG_CACHE_HOME, are each a note on stderr; the scan judges
// with the embedded snapshot and still succeeds.
func TestScanSaysWhyTheCacheIsIgnored(t *testing.T) {
	emb, err := assess.Base()
	if err != nil {
		t.Fatal(err)
	}
	emb.DataAsOf = "2999-01-01"
	raw, err := json.Marshal(emb)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cache := filepath.Join(home, ".cache", "kubesurface", "data.json")
	if err := os.MkdirAll(filepath.Dir(cache), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cache, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", "relative/cache")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"scan", "--no-kubeconfig", "--now", "2026-09-01", "-o", "json", closedPort(t)}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	stderr := errb.String()
	for _, want := range []string{"ignoring $XDG_CACHE_HOME: it is a relative path", "ignoring the data cache", cache, "data_as_of 2999-01-01 is after today"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	var doc report.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Data.Origin != "embedded snapshot" {
		t.Errorf("judged with %+v (%v), want the embedded snapshot", doc.Data, err)
	}
}

// TestDataShowAgeAtExtremeDates: the data's age is counted in calendar
// days at any --now.
func TestDataShowAgeAtExtremeDates(t *testing.T) {
	cacheHome(t)
	for now, want := range map[string]int{"9999-12-31": 2912209, "0001-01-01": -739849, "2026-08-22": 0} {
		if rep := showJSON(t, "--now", now); rep.AgeDays != want {
			t.Errorf("data show --now %s: age %d days, want %d", now, rep.AgeDays, want)
		}
	}
}
