package assess

import (
	"encoding/json"
	"testing"
)

func TestCVSS3Score(t *testing.T) {
	cases := []struct {
		vector string
		score  float64
		rating string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical"},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, "Critical"},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5, "Medium"},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:L", 6.7, "Medium"}, // GHSA-4x4m-3c2p-qppc
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3, "Medium"}, // CVE-2020-8552
		{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N", 3.4, "Low"},    // CVE-2023-2431
		{"CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:C/C:H/I:N/A:N", 5.8, "Medium"}, // CVE-2025-13281
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10, "Critical"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, "High"},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "Low"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, ""},
		// temporal metrics do not change the base score
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C", 9.8, "Critical"},
		// metric order is free
		{"CVSS:3.1/S:U/AV:L/AC:L/PR:L/UI:N/C:H/I:N/A:N", 5.5, "Medium"},
	}
	for _, c := range cases {
		got, err := cvss3Score(c.vector)
		if err != nil {
			t.Errorf("%s: %v", c.vector, err)
			continue
		}
		if got != c.score || ratingOfScore(got) != c.rating {
			t.Errorf("%s: %v %q, want %v %q", c.vector, got, ratingOfScore(got), c.score, c.rating)
		}
	}
	for _, bad := range []string{
		"",
		"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", // no version
		"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", // CVSS 2
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H",  // CVSS 4
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",          // A missing
		"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",      // bad value
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:Q/C:H/I:H/A:H",      // bad scope
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", // twice
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",     // empty metric
	} {
		if s, err := cvss3Score(bad); err == nil {
			t.Errorf("%q accepted (%v)", bad, s)
		}
	}
}

// TestCVSS3ScoreAgreesWithTheSnapshot recomputes every score the embedded
// snapshot gives with its vector: the curators computed them with the same
// formula, so any difference is a defect on one side.
func TestCVSS3ScoreAgreesWithTheSnapshot(t *testing.T) {
	raw, err := embedded.ReadFile("data/cves.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CVEs []struct {
			ID     string  `json:"id"`
			Vector string  `json:"cvss_v3_vector"`
			Score  float64 `json:"cvss_v3_score"`
		} `json:"cves"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range doc.CVEs {
		if c.Vector == "" {
			continue
		}
		n++
		got, err := cvss3Score(c.Vector)
		if err != nil {
			t.Errorf("%s %s: %v", c.ID, c.Vector, err)
		} else if got != c.Score {
			t.Errorf("%s %s: %v, the snapshot says %v", c.ID, c.Vector, got, c.Score)
		}
	}
	if n < 50 {
		t.Errorf("only %d vectors checked", n)
	}
}
