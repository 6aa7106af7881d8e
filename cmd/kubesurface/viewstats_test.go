package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// savedAt is a finished endpoint result as `scan -o ndjson` saves it.
func savedAt(host string, finished time.Time) scan.Result {
	return scan.Result{
		APIVersion: scan.APIVersion,
		Target:     scan.Ref{Name: host + ":6443", Source: scan.SourceEndpoint, URL: "https://" + host + ":6443", Host: host, Port: 6443},
		State:      scan.StateDone, Phase: scan.PhaseDone, FinishedAt: finished,
	}
}

// `view -o stats` merges the files as the TUI does (the later result of a
// target wins), judges at --now what was saved unjudged, and prints the
// numbers, worked out here by hand, without a terminal.
func TestViewStats(t *testing.T) {
	monday := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	old := savedAt("203.0.113.10", monday)
	old.Dist = scan.Distribution{Name: "gke"}
	old.Exposure = scan.Exposure{Reach: "public", Level: "critical"}
	old.Urgency = &scan.Urgency{Level: "critical", JudgedAt: "2026-11-23"}
	eks := savedAt("203.0.113.10", monday.Add(24*time.Hour))
	eks.Version = &scan.Version{GitVersion: "v1.29.3-eks-adc7111", Minor: "1.29", Source: "anonymous"}
	eks.Dist = scan.Distribution{Name: "eks"}
	eks.Exposure = scan.Exposure{Reach: "public", Level: "high"}
	eks.Urgency = &scan.Urgency{Level: "high", JudgedAt: "2026-11-24",
		Lifecycle: &scan.Lifecycle{Calendar: "eks", Minor: "1.29", Phase: "extended", EndOfStandardSupport: "2025-03-23", EndOfExtendedSupport: "2027-03-23"}}
	// Refused and never judged: judged now, its version is not visible.
	refused := savedAt("203.0.113.99", monday)
	refused.State = scan.StateFailed
	refused.Dist = scan.Distribution{Name: "unknown"}
	refused.Exposure = scan.Exposure{Reach: "public", Access: "unreachable", Level: "none"}
	refused.Errors = []scan.PhaseFailure{{Phase: scan.PhaseConnect, Error: "connection refused"}}

	a := writeFile(t, "monday.ndjson", ndjson(t, old, refused))
	b := writeFile(t, "tuesday.ndjson", ndjson(t, eks)+"not json\n")
	code, stdout, stderr := invoke(t, "", "view", "-o", "stats", "--now", "2026-11-26", a, b)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "tuesday.ndjson:2") {
		t.Errorf("the malformed line is not reported: %q", stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if got["kind"] != "FleetStats" {
		t.Errorf("kind %v", got["kind"])
	}
	for _, k := range []string{"apiVersion", "kind", "generatedAt", "data"} {
		delete(got, k)
	}
	const want = `{
		"targets": 2,
		"urgency": {"eks": {"high": 1}, "unknown": {"unknown": 1}},
		"exposure": {"public": {"high": 1, "none": 1}},
		"minors": [{"minor": "1.29", "count": 1, "phases": {"extended": 1}, "supported": true}],
		"timeline": {"from": "2026-11-26", "until": "2027-05-26",
			"overdue": {"endOfStandardSupport": 1},
			"weeks": [{"week": "2027-W12", "start": "2027-03-22", "events": {
				"endOfSupport": {"count": 1, "samples": ["203.0.113.10:6443"]}}}]}
	}`
	var exp map[string]any
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got\n%s\nwant\n%s", stdout, want)
	}
}

func TestViewOutputOtherThanStatsIsAUsageError(t *testing.T) {
	file := writeFile(t, "r.ndjson", ndjson(t, savedAt("203.0.113.10", time.Now())))
	code, _, stderr := invoke(t, "", "view", "-o", "json", file)
	if code != exitUsage || !strings.Contains(stderr, "want stats") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
