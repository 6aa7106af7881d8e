package assess

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/kubesurface/kubesurface/scan"
)

// Fuzz targets for the dated facts: the data cache a user's disk holds
// (anyone who can write ~/.cache can craft it) and the answers `data
// update` reads from endoflife.date, OSV and the official CVE feed. Data
// that passes Validate must judge any result without a panic, and what the
// update parsers make of any answer must pass Validate.

// smallBundle is a valid cache, small enough that mutating it explores the
// checks rather than the JSON decoder.
const smallBundle = `{"snapshot_date":"2026-08-22","data_as_of":"2026-08-22","sources":["x"],
"lifecycle":{
 "kubernetes":{"name":"Kubernetes","newest_minor":"1.36","releases":[
  {"minor":"1.36","release_date":"2026-04-22","end_of_standard_support":"2027-06-28","latest_patch":"1.36.3"},
  {"minor":"1.29","release_date":"2023-12-13","end_of_standard_support":"2025-02-28","latest_patch":"1.29.15"}]},
 "eks":{"name":"Amazon EKS","newest_minor":"1.35","releases":[{"minor":"1.35","end_of_standard_support":"2027-03-01","end_of_extended_support":"2028-03-01"}]},
 "gke":{"name":"GKE","newest_minor":"1.35","releases":[{"minor":"1.35","end_of_standard_support":"2027-03-01","latest_patch":"1.35.2"}]},
 "openshift":{"name":"OpenShift","newest_minor":"4.19","releases":[{"minor":"4.19","end_of_standard_support":"2027-01-01","kubernetes_minor":"1.32"}]}},
"cves":[{"id":"CVE-2024-0001","title":"t","severity":"High","cvss_v3_score":8.8,
  "affected":[{"introduced":"1.29.0","fixed":"1.29.10"},{"introduced":"1.30.0","last_affected":"1.36.1"},{"introduced":"1.36.2"}],"fixed_versions":["1.29.10"]}],
"removals":[{"minor":"1.32","removed":["flowcontrol.apiserver.k8s.io/v1beta3"]}]}`

// fuzzResults are results as a scan gives them, one per calendar and odd case.
func fuzzResults() []*scan.Result {
	var out []*scan.Result
	for _, c := range []struct{ git, dist string }{
		{"v1.29.3-eks-adc7111", scan.DistEKS}, {"v1.35.1-gke.100", scan.DistGKE}, {"v1.31.2", scan.DistAKS},
		{"v1.32.4+2f7b992", scan.DistOpenShift}, {"v1.36.999", scan.DistUnknown}, {"v1.99.0", scan.DistK3s},
		{"v0.0.0", scan.DistKind}, {"v1.36.2", scan.DistKubeadm}, {"banana", scan.DistUnknown}, {"", scan.DistUnknown},
	} {
		r := &scan.Result{Dist: scan.Distribution{Name: c.dist}, Exposure: scan.Exposure{Level: scan.LevelHigh, Access: scan.AccessVersion, Reach: scan.ClassPublic}}
		if c.git != "" {
			r.Version = &scan.Version{GitVersion: c.git}
			r.Auth = &scan.Auth{Skew: &scan.Skew{Violations: []string{"n1: kubelet 4 minors behind"}}}
		}
		out = append(out, r)
	}
	return out
}

// FuzzBundle: any bytes as the data cache either fail to decode or to
// validate, or make a bundle that writes and reads back as itself, still
// valid, and judges every kind of result without a panic, at any date,
// to a known level with a reason.
func FuzzBundle(f *testing.F) {
	// Not the embedded data as a seed: at 130 KB each input it makes
	// interesting takes the fuzzer longer to minimise than a CI run lasts.
	f.Add([]byte(smallBundle))
	for _, s := range []string{
		`{}`, `null`, `{"lifecycle":{"kubernetes":null}}`, `{"lifecycle":{"kubernetes":{}}}`, `{"cves":[null]}`,
		strings.Replace(smallBundle, `"introduced":"1.29.0",`, ``, 1), strings.Replace(smallBundle, `"2027-06-28"`, `"2027-13-45"`, 1),
		strings.Replace(smallBundle, `"1.36.3"`, `"v1.36.3"`, 1), strings.Replace(smallBundle, `"2026-08-22"`, `"9999-12-31"`, 2),
		// Every judgement walked a path of billions of minors to it.
		strings.ReplaceAll(smallBundle, `"1.36"`, `"1.4294967295"`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b Bundle
		if json.Unmarshal(data, &b) != nil {
			return
		}
		if err := b.Validate(); err != nil {
			return
		}
		out, err := json.Marshal(&b)
		if err != nil {
			t.Fatalf("a valid bundle does not marshal: %v", err)
		}
		var back Bundle
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("a written bundle does not read back: %v", err)
		}
		if err := back.Validate(); err != nil || !reflect.DeepEqual(&back, &b) {
			t.Fatalf("a valid bundle reads back changed (%v):\n%s", err, out)
		}
		Staleness(&b, time.Now())
		for _, now := range []time.Time{time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)} {
			for _, r := range fuzzResults() {
				Judge(r, &b, now)
				u := r.Urgency
				if !slices.Contains(Levels, u.Level) && u.Level != Unknown || u.Reason == "" || r.Advice == nil {
					t.Fatalf("%s (%s) at %s: urgency %+v", versionOf(r), r.Dist.Name, now.Format(time.DateOnly), u)
				}
			}
		}
	})
}

func versionOf(r *scan.Result) string {
	if r.Version == nil {
		return "no version"
	}
	return r.Version.GitVersion
}

// minimalWith is a valid bundle (the small one) with one calendar or the
// CVEs replaced, to hold what an update parser made to Validate.
func minimalWith(t *testing.T, key string, d *Distribution, cves []CVE) *Bundle {
	t.Helper()
	var b Bundle
	if err := json.Unmarshal([]byte(smallBundle), &b); err != nil {
		t.Fatal(err)
	}
	if d != nil {
		b.Lifecycle[key] = d
	}
	if cves != nil {
		b.CVEs = cves
	}
	return &b
}

// FuzzEndOfLife: whatever endoflife.date answers for a product either is
// refused with an error, or gives a calendar that passes Validate; a date
// field is a date, a boolean or null, and only a date is kept.
func FuzzEndOfLife(f *testing.F) {
	for i, p := range calendarProducts {
		raw, err := os.ReadFile(filepath.Join("testdata", "endoflife-v1-product-"+p.product+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, uint8(i))
	}
	f.Add([]byte(`{"result":{"releases":[{"name":"1.36","eolFrom":true,"latest":{"name":"1.36.3"}}]}}`), uint8(0))
	f.Add([]byte(`{"result":{"releases":[{"name":"4.20","eolFrom":"2027-01-01"}]}}`), uint8(4))
	f.Add([]byte(`{"result":{"releases":[{"name":"1.35","eolFrom":"2027-01-01","latest":{"name":"1.35.2-gke.9"}}]}}`), uint8(2))
	f.Add([]byte(`{"result":{"releases":[{"name":"1.35","eolFrom":"2027-02-30"},{"name":"x"}]}}`), uint8(1))
	f.Add([]byte(`{"result":{"releases":[{"name":"1.35","eolFrom":null,"releaseDate":false}]}}`), uint8(3))
	emb, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		p := calendarProducts[int(which)%len(calendarProducts)]
		var resp eolProduct
		if json.Unmarshal(data, &resp) != nil {
			return
		}
		d, _, err := calendar(p.key, &resp, emb.Lifecycle[p.key])
		if err != nil {
			return
		}
		if err := minimalWith(t, p.key, d, nil).Validate(); err != nil {
			t.Fatalf("%s: the calendar made of an accepted answer does not validate: %v\n%s", p.product, err, data)
		}
	})
}

// FuzzOSV: whatever OSV answers either is refused, or gives CVEs whose
// ranges start at a version and hold only versions, whose score is within
// 0-10 and whose rating agrees with it; assembled over the snapshot, they
// pass Validate.
func FuzzOSV(f *testing.F) {
	for _, name := range []string{"osv-query-k8s.json", "osv-query-apiserver.json"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"vulns":[{"id":"GO-1","aliases":["CVE-1","GHSA-x"],"affected":[{"package":{"ecosystem":"Go","name":"k8s.io/apiserver"},
		"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.0.0-2020"},{"introduced":"v0.29.0"},{"last_affected":"0.29.3"}]}]}],
		"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"MODERATE"}}]}`))
	f.Add([]byte(`{"vulns":[{"id":"GHSA-1","affected":[{"package":{"ecosystem":"Go","name":"k8s.io/kubernetes"},
		"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.2.3","fixed":"1.2.3"},{"fixed":"1.0.0"},{"limit":"x"}]}]}],"database_specific":"x"}]}`))
	emb, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	ratings := []string{"", "Critical", "High", "Medium", "Low"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var l osvList
		if json.Unmarshal(data, &l) != nil {
			return
		}
		cves, err := cvesFromOSV(l.Vulns)
		if err != nil {
			return
		}
		for id, c := range cves {
			if id == "" || c.id != id || len(c.ranges) == 0 {
				t.Fatalf("CVE %q: %+v", id, c)
			}
			for _, r := range c.ranges {
				if r.Introduced == "" {
					t.Fatalf("%s: a range without a start: %+v", id, r)
				}
				for _, v := range []string{r.Introduced, r.Fixed, r.LastAffected} {
					if _, err := utilversion.ParseSemantic(v); v != "" && err != nil {
						t.Fatalf("%s: range version %q: %v", id, v, err)
					}
				}
			}
			if !slices.Contains(ratings, c.rating) || c.score < 0 || c.score > 10 || c.score > 0 && ratingOfScore(c.score) != c.rating {
				t.Fatalf("%s: rating %q, score %v", id, c.rating, c.score)
			}
		}
		assembled, _ := assembleCVEs(emb.CVEs[:min(5, len(emb.CVEs))], cves, nil)
		if len(assembled) == 0 {
			return
		}
		if err := minimalWith(t, "", nil, assembled).Validate(); err != nil {
			t.Fatalf("CVEs assembled from an accepted answer do not validate: %v\n%s", err, data)
		}
	})
}

// FuzzCVEFeed: whatever the official feed holds, the CVEs it indexes are
// named CVE-..., one id each, dated by a real date or not at all, rated
// as their CVSS vector scores.
func FuzzCVEFeed(f *testing.F) {
	raw, err := os.ReadFile(filepath.Join("testdata", "k8s-official-cve-feed.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"items":[{"id":"CVE-2023-2727, CVE-2023-2728","summary":" t ","date_published":"2023-06-15T00:00:00+14:00",
		"content_text":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H and CVSS:3.0/AV:X/AC:L"}]}`))
	f.Add([]byte(`{"items":[{"id":"GHSA-1\u2028CVE-1\tCVE-2,,","date_published":"0000-01-01"}]}`))
	f.Add([]byte(`{"items":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var feed cveFeed
		if json.Unmarshal(data, &feed) != nil {
			return
		}
		items, err := feed.byCVE()
		if err != nil {
			if len(feed.Items) != 0 {
				t.Fatalf("a feed with %d items refused: %v", len(feed.Items), err)
			}
			return
		}
		for id, it := range items {
			if !strings.HasPrefix(id, "CVE-") || strings.ContainsFunc(id, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
				t.Fatalf("indexed as %q", id)
			}
			if it.published != "" {
				if _, err := parseDate(it.published); err != nil {
					t.Fatalf("%s: published %q", id, it.published)
				}
			}
			if it.score < 0 || it.score > 10 || it.rating != ratingOfScore(it.score) {
				t.Fatalf("%s: rating %q, score %v", id, it.rating, it.score)
			}
		}
		var n newestDate
		n.see(feed.Meta.UpdatedAt)
		if _, err := parseDate(n.date); n.date != "" && err != nil {
			t.Fatalf("updated_at %q dated %q", feed.Meta.UpdatedAt, n.date)
		}
	})
}

// cvssMetrics are the base metrics in the specification's order.
var cvssMetrics = []string{"AV", "AC", "PR", "UI", "S", "C", "I", "A"}

// FuzzCVSS: a vector that scores gives a score within 0-10 with one
// decimal, a rating consistent with it, and the same score written in the
// specification's metric order (parse, format, parse); raising any one
// impact metric never lowers the score.
func FuzzCVSS(f *testing.F) {
	for _, v := range []string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C",
		"CVSS:3.1/S:U/AV:L/AC:L/PR:L/UI:N/C:H/I:N/A:N", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AV:N", "CVSS:3.1/", "CVSS:2.0/AV:N", "", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
		"CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:C/C:H/I:N/A:N",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, vector string) {
		s, err := cvss3Score(vector)
		if err != nil {
			return
		}
		if s < 0 || s > 10 || math.Abs(s*10-math.Round(s*10)) > 1e-9 {
			t.Fatalf("%s scores %v", vector, s)
		}
		rating := ratingOfScore(s)
		switch {
		case s == 0 && rating != "", s > 0 && LevelOfSeverity(rating) == "",
			s >= 9 && rating != "Critical", s >= 7 && s < 9 && rating != "High",
			s >= 4 && s < 7 && rating != "Medium", s > 0 && s < 4 && rating != "Low":
			t.Fatalf("%s scores %v, rated %q", vector, s, rating)
		}
		parts := strings.Split(vector, "/")
		m := map[string]string{}
		for _, p := range parts[1:] {
			k, v, _ := strings.Cut(p, ":")
			m[k] = v
		}
		canon := parts[0]
		for _, k := range cvssMetrics {
			canon += "/" + k + ":" + m[k]
		}
		again, err := cvss3Score(canon)
		if err != nil || again != s {
			t.Fatalf("%s scores %v, in the specification's order %s scores %v, %v", vector, s, canon, again, err)
		}
		for _, k := range []string{"C", "I", "A"} {
			if m[k] == "H" {
				continue
			}
			up := strings.Replace(canon, "/"+k+":"+m[k], "/"+k+":H", 1)
			if higher, err := cvss3Score(up); err != nil || higher < s {
				t.Fatalf("%s scores %v, but with %s:H %v, %v", canon, s, k, higher, err)
			}
		}
	})
}
