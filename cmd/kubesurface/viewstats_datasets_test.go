package main

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
	"github.com/kubesurface/kubesurface/scan/report"
)

// statsNumbers decodes a FleetStats document without its envelope
// (apiVersion, kind, generatedAt, data): the numbers only.
func statsNumbers(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatalf("%v:\n%s", err, doc)
	}
	for _, k := range []string{"apiVersion", "kind", "generatedAt", "data"} {
		delete(got, k)
	}
	return got
}

// `view -o stats` streams a Shodan download and a Censys host export
// (testdata/viewstats, shaped as scan/report/testdata/datasets' samples)
// into the numbers worked out here by hand, and into the numbers the old
// path gave (every merged result held, then judged and summed).
//
// The rows, judged at --now 2026-11-30 (upstream's newest minor is 1.36;
// every address is in a documentation range, which kubesurface classes
// as public, so every row's reach is public; a recorded /version is
// anonymous version access, exposure high; a certificate only is TLS
// access, exposure medium):
//
//	shodan.json:1 203.0.113.10:6443 k3s v1.24.17, seen 11-20: replaced by line 5
//	shodan.json:2 198.51.100.7:443  eks-d v1.31.2 (-eks- build, no EKS certificate), seen 11-21
//	shodan.json:3 192.0.2.33:6443   rke2, certificate only
//	shodan.json:4 not JSON: skipped
//	shodan.json:5 203.0.113.10:6443 k3s v1.35.8, seen 11-25: newer, wins
//	censys.json:1 203.0.113.50:6443 kubeadm v1.30.5 (SSH on port 22 passed over)
//	censys.json:2 198.51.100.60:443 eks, certificate only (EKS endpoint name)
//	censys.json:3 198.51.100.7:443  v1.33.1, seen 11-10: older than shodan.json:2, loses
//	censys.json:4 192.0.2.80:443    eks v1.34.2 with an EKS certificate
//	censys.json:5 a cut line: skipped
func TestViewStatsStreamsBothDatasetFormats(t *testing.T) {
	files := []string{"testdata/viewstats/shodan.json", "testdata/viewstats/censys.json"}
	code, stdout, stderr := invoke(t, "", append([]string{"view", "-o", "stats", "--now", "2026-11-30"}, files...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, skipped := range []string{"shodan.json:4", "censys.json:5"} {
		if !strings.Contains(stderr, skipped) {
			t.Errorf("the malformed line %s is not reported: %q", skipped, stderr)
		}
	}
	if strings.Contains(stderr, "reading") || strings.Contains(stderr, "\r") {
		t.Errorf("a progress line on a stderr that is not a terminal: %q", stderr)
	}
	got := statsNumbers(t, []byte(stdout))
	// targets: 3 Shodan ports (203.0.113.10 twice) + 4 Censys ones, one
	// of which (198.51.100.7:443) Shodan saw too = 6.
	//
	// urgency, by distribution:
	//   k3s 1.35.8: standard support ends 2027-02-28, 90 days left, within
	//     SoonDays (90): medium (no fixable CVE at the newest patch; one
	//     minor behind is only low). Its 1.24 record lost the merge.
	//   eks-d 1.31.2: upstream's calendar; 1.31 out of all support since
	//     2025-11-11: critical. (The 1.33.1 Censys record is older.)
	//   kubeadm 1.30.5: out of all support since 2025-07-15: critical.
	//   eks 1.34.2: EKS standard support ends 2026-12-02, 2 days left,
	//     extended support follows: high.
	//   eks and rke2 certificates only: the version is not visible: unknown.
	// exposure: all public; high for the 4 /version rows (.10, .7, .50,
	//   .80), medium for the 2 certificate-only ones (.33, .60).
	// minors: 1.30 and 1.31 unsupported; 1.34 (EKS) and 1.35 standard.
	// timeline, 2026-11-30 until 2027-05-30:
	//   overdue: 1.30 and 1.31 ended standard support (2025-07-15,
	//     2025-11-11) and, with no extended window upstream, all support
	//     then too: 2 of each.
	//   2026-W49 (Monday 2026-11-30): EKS 1.34's standard support ends
	//     2026-12-02; its extended support and EKS's forced upgrade are on
	//     2027-12-02, past the timeline's end.
	//   2027-W08 (Monday 2027-02-22): 1.35 leaves standard and all support
	//     on 2027-02-28, a Sunday.
	const want = `{
		"targets": 6,
		"urgency": {
			"eks": {"high": 1, "unknown": 1},
			"eks-d": {"critical": 1},
			"k3s": {"medium": 1},
			"kubeadm": {"critical": 1},
			"rke2": {"unknown": 1}
		},
		"exposure": {"public": {"high": 4, "medium": 2}},
		"minors": [
			{"minor": "1.30", "count": 1, "phases": {"unsupported": 1}, "supported": false},
			{"minor": "1.31", "count": 1, "phases": {"unsupported": 1}, "supported": false},
			{"minor": "1.34", "count": 1, "phases": {"standard": 1}, "supported": true},
			{"minor": "1.35", "count": 1, "phases": {"standard": 1}, "supported": true}
		],
		"timeline": {"from": "2026-11-30", "until": "2027-05-30",
			"overdue": {"endOfStandardSupport": 2, "endOfSupport": 2},
			"weeks": [
				{"week": "2026-W49", "start": "2026-11-30", "events": {
					"endOfStandardSupport": {"count": 1, "samples": ["https://192.0.2.80:443"]}}},
				{"week": "2027-W08", "start": "2027-02-22", "events": {
					"endOfStandardSupport": {"count": 1, "samples": ["https://203.0.113.10:6443"]},
					"endOfSupport": {"count": 1, "samples": ["https://203.0.113.10:6443"]}}}
			]}
	}`
	var exp map[string]any
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got\n%s\nwant\n%s", stdout, want)
	}

	// The old path: every merged result held (readResults), judged at
	// --now where unjudged, then summed.
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	results, err := readResults(t.Context(), nil, files, math.MaxInt, newNotices(new(strings.Builder)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := assess.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	stage := assess.NewStage(data, now)
	old := fleet.New(now, 0)
	for _, r := range results {
		if r.Urgency == nil {
			stage.Judge(&r)
		}
		old.Add(r)
	}
	b, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if want := statsNumbers(t, b); !reflect.DeepEqual(got, want) {
		t.Errorf("streamed\n%s\nthe old path\n%s", stdout, b)
	}
}

// The progress line says where reading is, and is drawn only on a
// terminal: a stderr that is a buffer, a file or a pipe gets none.
func TestStatsProgressLine(t *testing.T) {
	var b strings.Builder
	if p := newStatsProgress(&b, 2); p.w != nil {
		t.Fatal("a strings.Builder taken for a terminal")
	}
	p := &statsProgress{w: &b, files: 2}
	p.open(&savedInput{label: "a.json", size: 4 << 20, dec: report.NewDecoder(strings.NewReader(""), "a.json")}, 2)
	for range 1024 {
		p.row(700)
	}
	p.end()
	out := b.String()
	if !strings.Contains(out, "kubesurface: reading (2/2) a.json · 0 B of 4.0 MiB (0%) · 1024 rows, 700 targets") || !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("progress %q", out)
	}
}
