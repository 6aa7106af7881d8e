package assess

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
)

// fakeSources serves testdata as endoflife.date, OSV and the CVE feed do,
// on 127.0.0.1 (package sourcetest, which every test of the sources shares).
type fakeSources struct {
	*sourcetest.Sources
	srv *httptest.Server
}

func startSources(t *testing.T, intercept func(key string, w http.ResponseWriter, r *http.Request) bool) (*fakeSources, UpdateOptions) {
	t.Helper()
	s, srv := sourcetest.Start(t, "testdata", intercept)
	return &fakeSources{s, srv}, UpdateOptions{
		EndOfLife: srv.URL, OSV: srv.URL, CVEFeed: srv.URL + sourcetest.FeedPath,
		Client: srv.Client(), Timeout: 30 * time.Second,
		Now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
	}
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func rawRecords(t *testing.T, name string) []json.RawMessage {
	t.Helper()
	var l struct{ Vulns []json.RawMessage }
	if err := json.Unmarshal(sample(t, name), &l); err != nil {
		t.Fatal(err)
	}
	return l.Vulns
}

// replaced serves a sample with one string replaced, failing the test if
// the string is not there (the case would test nothing).
func replaced(t *testing.T, name, old, new string) []byte {
	t.Helper()
	raw := sample(t, name)
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	return bytes.Replace(raw, []byte(old), []byte(new), 1)
}

func cveByID(t *testing.T, b *Bundle, id string) CVE {
	t.Helper()
	for _, c := range b.CVEs {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("%s not in the bundle", id)
	return CVE{}
}

func releaseOf(t *testing.T, b *Bundle, key, minor string) Release {
	t.Helper()
	d := b.Lifecycle[key]
	if d == nil {
		t.Fatalf("no %s calendar", key)
	}
	for _, r := range d.Releases {
		if r.Minor == minor {
			return r
		}
	}
	t.Fatalf("%s %s not in the calendar", key, minor)
	return Release{}
}

func TestUpdateMapsTheSources(t *testing.T) {
	fs, o := startSources(t, nil)
	b, said, err := Update(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if b.SnapshotDate != "2026-11-25" || b.DataAsOf != "2026-08-22" {
		t.Errorf("snapshot %s, data as of %s; want 2026-11-25, 2026-08-22 (generated_at and the feed's updated_at)", b.SnapshotDate, b.DataAsOf)
	}

	t.Run("lifecycle", func(t *testing.T) {
		want := map[string]struct {
			newest string
			n      int
		}{Upstream: {"1.36", 5}, EKS: {"1.36", 4}, GKE: {"1.36", 3}, AKS: {"1.36", 3}, OpenShift: {"4.22", 4}}
		for key, w := range want {
			d := b.Lifecycle[key]
			if d == nil || d.NewestMinor != w.newest || len(d.Releases) != w.n || !strings.Contains(d.Source, fs.srv.URL) {
				t.Errorf("%s: %+v, want newest %s with %d releases, source naming the server", key, d, w.newest, w.n)
			}
		}
		if len(b.Lifecycle) != len(want) {
			t.Errorf("%d calendars, want %d", len(b.Lifecycle), len(want))
		}
		if got := b.Lifecycle[Upstream].Name; got != "Upstream Kubernetes" {
			t.Errorf("upstream name %q: want the snapshot's", got)
		}
		checks := []struct {
			key, minor string
			want       Release
		}{
			{Upstream, "1.36", Release{Minor: "1.36", ReleaseDate: "2026-04-22", EndOfActive: "2027-04-28", EndOfStandard: "2027-06-28", LatestPatch: "1.36.4"}},
			// eoas is a boolean in the source: no date is made up.
			{Upstream, "1.17", Release{Minor: "1.17", ReleaseDate: "2019-12-07", EndOfStandard: "2020-12-25", LatestPatch: "1.17.17"}},
			// EKS's latest is a platform version, not a Kubernetes patch.
			{EKS, "1.36", Release{Minor: "1.36", ReleaseDate: "2026-06-02", EndOfStandard: "2027-08-02", EndOfExtended: "2028-08-02"}},
			{EKS, "1.20", Release{Minor: "1.20", ReleaseDate: "2021-05-18", EndOfStandard: "2022-11-01"}},
			{GKE, "1.36", Release{Minor: "1.36", ReleaseDate: "2026-06-09", EndOfActive: "2027-06-30", EndOfStandard: "2027-08-09", LatestPatch: "1.36.3"}},
			{AKS, "1.35", Release{Minor: "1.35", ReleaseDate: "2026-03-05", EndOfStandard: "2027-03-31", EndOfExtended: "2028-03-31"}},
			{AKS, "1.26", Release{Minor: "1.26", ReleaseDate: "2023-04-18", EndOfStandard: "2024-04-11"}},
			{OpenShift, "4.22", Release{Minor: "4.22", ReleaseDate: "2026-06-09", EndOfActive: "2026-12-31", EndOfStandard: "2027-12-31", LatestPatch: "4.22.9", KubernetesMinor: "1.35"}},
			{OpenShift, "4.18", Release{Minor: "4.18", ReleaseDate: "2025-02-25", EndOfActive: "2025-09-17", EndOfStandard: "2026-08-25", EndOfExtended: "2027-02-25", LatestPatch: "4.18.52", KubernetesMinor: "1.31"}},
			// off the 4.N -> 1.(N+13) sequence: carried over, not derived
			{OpenShift, "4.3", Release{Minor: "4.3", ReleaseDate: "2020-02-12", EndOfActive: "2020-06-05", EndOfStandard: "2020-10-27", LatestPatch: "4.3.40", KubernetesMinor: "1.16"}},
		}
		for _, c := range checks {
			if got := releaseOf(t, b, c.key, c.minor); got != c.want {
				t.Errorf("%s %s:\n got %+v\nwant %+v", c.key, c.minor, got, c.want)
			}
		}
	})

	t.Run("cves", func(t *testing.T) {
		emb, _ := Embedded()
		if len(b.CVEs) != len(emb.CVEs) {
			t.Errorf("%d CVEs, want the snapshot's %d (the samples hold no CVE it lacks)", len(b.CVEs), len(emb.CVEs))
		}
		// GO-2025-3915 (page 1) and GHSA-4x4m-3c2p-qppc (page 2) merge;
		// the rating comes from the GHSA vector.
		c := cveByID(t, b, "CVE-2025-5187")
		wantRanges := []Range{{Introduced: "0.0.0", Fixed: "1.31.12"}, {Introduced: "1.32.0-alpha.0", Fixed: "1.32.8"}, {Introduced: "1.33.0-alpha.0", Fixed: "1.33.4"}}
		if !reflect.DeepEqual(c.Affected, wantRanges) || !reflect.DeepEqual(c.FixedIn, []string{"1.31.12", "1.32.8", "1.33.4"}) {
			t.Errorf("CVE-2025-5187 ranges %+v fixed %v", c.Affected, c.FixedIn)
		}
		if c.Severity != "Medium" || c.Score != 6.7 || c.Title != "Kubernetes Nodes can delete themselves by adding an OwnerReference" ||
			c.URL != "https://github.com/kubernetes/kubernetes/issues/133471" || c.Published != "2025-08-11" || !reflect.DeepEqual(c.Components, []string{"kube-apiserver"}) {
			t.Errorf("CVE-2025-5187: %+v", c)
		}
		// A Go record alone has no rating: the snapshot's stays.
		c = cveByID(t, b, "CVE-2025-13281")
		if !reflect.DeepEqual(c.Affected, []Range{{Introduced: "0.0.0", Fixed: "1.32.10"}, {Introduced: "1.33.0-alpha.0", Fixed: "1.33.6"}, {Introduced: "1.34.0-alpha.0", Fixed: "1.34.2"}}) ||
			c.Severity != "Medium" || c.Score != 5.8 ||
			c.Title != "Half-blind Server Side Request Forgery in kube-controller-manager through in-tree Portworx StorageClass" {
			t.Errorf("CVE-2025-13281: %+v", c)
		}
		// k8s.io/apiserver v0.17.3 is Kubernetes 1.17.3.
		c = cveByID(t, b, "CVE-2020-8552")
		if !reflect.DeepEqual(c.Affected, []Range{{Introduced: "0.0.0", Fixed: "1.15.10"}, {Introduced: "1.16.0", Fixed: "1.16.7"}, {Introduced: "1.17.0", Fixed: "1.17.3"}}) ||
			c.Severity != "Medium" || c.Score != 5.3 || c.URL != "https://github.com/kubernetes/kubernetes/issues/89378" {
			t.Errorf("CVE-2020-8552: %+v", c)
		}
		// Not in OSV's answer: the snapshot's entry, unchanged.
		var want CVE
		for _, e := range emb.CVEs {
			if e.ID == "CVE-2023-2431" {
				want = e
			}
		}
		if got := cveByID(t, b, "CVE-2023-2431"); !reflect.DeepEqual(got, want) {
			t.Errorf("CVE-2023-2431 changed:\n got %+v\nwant %+v", got, want)
		}
	})

	t.Run("removals and sources", func(t *testing.T) {
		emb, _ := Embedded()
		if !reflect.DeepEqual(b.Removals, emb.Removals) {
			t.Error("removals are not the snapshot's")
		}
		joined := strings.Join(b.Sources, "\n")
		for _, w := range []string{fs.srv.URL + "/api/v1/products/", fs.srv.URL + "/v1/query", fs.srv.URL + sourcetest.FeedPath, "2026-11-25T12:00:00Z", "removed APIs: no online source"} {
			if !strings.Contains(joined, w) {
				t.Errorf("sources lack %q:\n%s", w, joined)
			}
		}
	})

	t.Run("said", func(t *testing.T) {
		joined := strings.Join(said, "\n")
		for _, w := range []string{
			"lifecycle from endoflife.date: kubernetes 1.36 (5 releases), eks 1.36 (4 releases)",
			"3 for k8s.io/kubernetes in 2 pages, 1 for k8s.io/apiserver in 1 page",
			"3 CVEs with affected versions (3 updated, 0 new); 69 kept from the embedded snapshot",
			"1 CVE in the official feed has no affected-version data (neither OSV nor the snapshot gives ranges): CVE-2023-2878",
			"removed APIs: no online source; carried over from the embedded snapshot (7 minors, through 1.32)",
		} {
			if !strings.Contains(joined, w) {
				t.Errorf("report lacks %q:\n%s", w, joined)
			}
		}
	})

	t.Run("osv queries", func(t *testing.T) {
		want := []sourcetest.Query{
			{Ecosystem: "Go", Name: "k8s.io/kubernetes"},
			{Ecosystem: "Go", Name: "k8s.io/kubernetes", PageToken: "page-2"},
			{Ecosystem: "Go", Name: "k8s.io/apiserver"},
		}
		if got := fs.Queries(); !reflect.DeepEqual(got, want) {
			t.Errorf("queries %+v, want %+v", got, want)
		}
	})

	t.Run("cache round trip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "kubesurface", "data.json")
		if err := WriteCache(path, b); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCache(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Origin != path || !bytes.Equal(mustMarshal(c), mustMarshal(b)) {
			t.Error("the cache does not read back as written")
		}
	})
}

// TestUpdateFailsWhole checks that every way a source can fail stops the
// update with an error naming that source.
func TestUpdateFailsWhole(t *testing.T) {
	status := func(code int, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) { http.Error(w, body, code) }
	}
	body := func(raw []byte) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) { w.Write(raw) }
	}
	cases := []struct {
		name, key string
		answer    func(http.ResponseWriter)
		want      []string
	}{
		{"OSV fails on the second page", "osv/k8s.io/kubernetes/2", status(500, "internal error"),
			[]string{"OSV k8s.io/kubernetes", "page 2", "HTTP 500", "internal error"}},
		{"OSV rejects the query", "osv/k8s.io/apiserver/1", status(400, `{"code": 3, "message": "version specified in params and PURL query"}`),
			[]string{"OSV k8s.io/apiserver", "HTTP 400", "version specified in params"}},
		{"OSV pagination never ends", "osv/k8s.io/kubernetes/2", body([]byte(`{"next_page_token": "page-2"}`)),
			[]string{"OSV k8s.io/kubernetes", "pagination does not end"}},
		{"OSV has nothing", "osv/k8s.io/kubernetes/1", body([]byte(`{}`)),
			[]string{"OSV k8s.io/kubernetes", "no records at all"}},
		{"OSV version does not parse", "osv/k8s.io/kubernetes/2", body(bytes.Replace(mustMarshal(map[string]any{"vulns": rawRecords(t, "osv-query-k8s.json")[2:]}), []byte(`"1.33.4"`), []byte(`"1.33.x"`), 1)),
			[]string{"OSV", "GHSA-4x4m-3c2p-qppc", `"1.33.x"`, "not a semantic version"}},
		{"feed cut mid-body", "feed", func(w http.ResponseWriter) {
			raw := sample(t, "k8s-official-cve-feed.json")
			w.Header().Set("Content-Length", "5721")
			w.Write(raw[:1000])
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the connection drops
		}, []string{"official CVE feed", "reading the response", "unexpected EOF"}},
		{"feed is an HTML page", "feed", body([]byte("<!doctype html><title>Not here</title>")),
			[]string{"official CVE feed", "malformed JSON"}},
		{"feed has no items", "feed", body([]byte(`{"version": "https://jsonfeed.org/version/1.1", "items": []}`)),
			[]string{"official CVE feed", "no items"}},
		{"feed too large", "feed", func(w http.ResponseWriter) {
			chunk := bytes.Repeat([]byte(" "), 1<<20)
			for range 33 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, []string{"official CVE feed", "larger than 32 MiB"}},
		{"endoflife.date malformed JSON", "eol/amazon-eks", body([]byte(`{"result": {"releases": [`)),
			[]string{"endoflife.date amazon-eks", "/api/v1/products/amazon-eks", "malformed JSON"}},
		{"endoflife.date date does not parse", "eol/kubernetes", body(replaced(t, "endoflife-v1-product-kubernetes.json", `"eolFrom": "2027-06-28"`, `"eolFrom": "2027-06-31"`)),
			[]string{"endoflife.date kubernetes", `release 1.36 eolFrom "2027-06-31": not a date`}},
		{"endoflife.date date of the wrong type", "eol/google-kubernetes-engine", body(replaced(t, "endoflife-v1-product-google-kubernetes-engine.json", `"eolFrom": "2027-08-09"`, `"eolFrom": 20270809`)),
			[]string{"endoflife.date google-kubernetes-engine", "malformed JSON", "want a date, a boolean or null"}},
		{"endoflife.date version does not parse", "eol/kubernetes", body(replaced(t, "endoflife-v1-product-kubernetes.json", `"name": "1.36.4"`, `"name": "1.36.four"`)),
			[]string{"endoflife.date kubernetes", `latest "1.36.four": not a version`}},
		{"endoflife.date GKE version does not parse", "eol/google-kubernetes-engine", body(replaced(t, "endoflife-v1-product-google-kubernetes-engine.json", `"1.36.3-gke.1640000"`, `"latest"`)),
			[]string{"endoflife.date google-kubernetes-engine", `latest "latest": not a GKE version`}},
		{"endoflife.date unknown product", "eol/red-hat-openshift", status(404, "Not Found"),
			[]string{"endoflife.date red-hat-openshift", "HTTP 404"}},
		{"endoflife.date without releases", "eol/azure-kubernetes-service", body([]byte(`{"result": {"name": "azure-kubernetes-service", "releases": []}}`)),
			[]string{"endoflife.date azure-kubernetes-service", "no releases"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fired atomic.Bool
			_, o := startSources(t, func(key string, w http.ResponseWriter, _ *http.Request) bool {
				if key != c.key {
					return false
				}
				fired.Store(true)
				c.answer(w)
				return true
			})
			b, said, err := Update(context.Background(), o)
			if !fired.Load() {
				t.Fatalf("the request %s was never made", c.key)
			}
			if err == nil {
				t.Fatalf("no error; said %q", said)
			}
			if b != nil || said != nil {
				t.Error("data returned with the error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	t.Run("stuck server", func(t *testing.T) {
		_, o := startSources(t, func(key string, w http.ResponseWriter, r *http.Request) bool {
			if key != "feed" {
				return false
			}
			<-r.Context().Done() // never answers; the client gives up
			return true
		})
		o.Timeout = 2 * time.Second
		_, _, err := Update(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), "official CVE feed") || !strings.Contains(err.Error(), "no complete answer within 2s") {
			t.Errorf("error %v: want the feed named and the timeout said", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		_, o := startSources(t, func(key string, w http.ResponseWriter, r *http.Request) bool {
			if key != "osv/k8s.io/kubernetes/1" {
				return false
			}
			cancel()
			<-r.Context().Done()
			return true
		})
		_, _, err := Update(ctx, o)
		if err == nil || !strings.Contains(err.Error(), "OSV k8s.io/kubernetes") || !strings.Contains(err.Error(), "canceled") {
			t.Errorf("error %v: want OSV named and the cancellation said", err)
		}
	})
}

func mustMarshal(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}

// TestUpdateLifecycleEdges covers what the samples do not: an OpenShift
// minor newer than the snapshot, releases without an end-of-support date,
// and a boolean where a date may be.
func TestUpdateLifecycleEdges(t *testing.T) {
	var openshift, kubernetes map[string]any
	json.Unmarshal(sample(t, "endoflife-v1-product-red-hat-openshift.json"), &openshift)
	json.Unmarshal(sample(t, "endoflife-v1-product-kubernetes.json"), &kubernetes)
	prepend := func(doc map[string]any, rel map[string]any) []byte {
		res := doc["result"].(map[string]any)
		res["releases"] = append([]any{rel}, res["releases"].([]any)...)
		return mustMarshal(doc)
	}
	os423 := prepend(openshift, map[string]any{"name": "4.23", "releaseDate": "2026-12-01", "eoasFrom": "2027-06-01", "eolFrom": "2028-06-01", "eoesFrom": nil, "latest": map[string]any{"name": "4.23.0"}})
	// 1.37 is announced but has no end-of-life date yet; 1.17's eoas is
	// the boolean true.
	k8s137 := prepend(kubernetes, map[string]any{"name": "1.37", "releaseDate": "2026-08-26", "eoasFrom": false, "eolFrom": false, "latest": nil})
	k8s137 = bytes.Replace(k8s137, []byte(`"eoasFrom":null`), []byte(`"eoasFrom":true`), 1)
	if !bytes.Contains(k8s137, []byte(`"eoasFrom":true`)) {
		t.Fatal("the 1.17 edit did not apply")
	}
	_, o := startSources(t, func(key string, w http.ResponseWriter, _ *http.Request) bool {
		switch key {
		case "eol/red-hat-openshift":
			w.Write(os423)
		case "eol/kubernetes":
			w.Write(k8s137)
		default:
			return false
		}
		return true
	})
	b, said, err := Update(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if d := b.Lifecycle[OpenShift]; d.NewestMinor != "4.23" || releaseOf(t, b, OpenShift, "4.23").KubernetesMinor != "1.36" {
		t.Errorf("openshift 4.23: newest %s, %+v; want Kubernetes 1.36 by the sequence", d.NewestMinor, releaseOf(t, b, OpenShift, "4.23"))
	}
	if d := b.Lifecycle[Upstream]; d.NewestMinor != "1.36" || len(d.Releases) != 5 {
		t.Errorf("kubernetes: newest %s with %d releases; want 1.37 left out", d.NewestMinor, len(d.Releases))
	}
	if r := releaseOf(t, b, Upstream, "1.17"); r.EndOfActive != "" {
		t.Errorf("1.17 end of active support %q from a boolean", r.EndOfActive)
	}
	joined := strings.Join(said, "\n")
	for _, w := range []string{"kubernetes: left out 1.37: no end-of-support date in the source yet", "openshift: Kubernetes minor of 4.23 -> 1.36 derived from the sequence"} {
		if !strings.Contains(joined, w) {
			t.Errorf("report lacks %q:\n%s", w, joined)
		}
	}
}

func TestEventRanges(t *testing.T) {
	ev := func(kv ...string) []map[string]string {
		var out []map[string]string
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]string{kv[i]: kv[i+1]})
		}
		return out
	}
	cases := []struct {
		name    string
		events  []map[string]string
		staging bool
		want    []Range
		dropped int
	}{
		{"go vulndb style", ev("introduced", "0", "fixed", "1.32.10", "introduced", "1.33.0-alpha.0", "fixed", "1.33.6"), false,
			[]Range{{Introduced: "0.0.0", Fixed: "1.32.10"}, {Introduced: "1.33.0-alpha.0", Fixed: "1.33.6"}}, 0},
		{"leading v", ev("introduced", "v1.2.0", "fixed", "v1.2.5"), false, []Range{{Introduced: "1.2.0", Fixed: "1.2.5"}}, 0},
		{"no fix yet", ev("introduced", "1.30.0"), false, []Range{{Introduced: "1.30.0"}}, 0},
		{"last affected", ev("introduced", "0", "last_affected", "1.29.4"), false, []Range{{Introduced: "0.0.0", LastAffected: "1.29.4"}}, 0},
		{"out of order", ev("fixed", "1.26.5", "introduced", "1.26.0", "fixed", "1.25.10", "introduced", "0"), false,
			[]Range{{Introduced: "0.0.0", Fixed: "1.25.10"}, {Introduced: "1.26.0", Fixed: "1.26.5"}}, 0},
		{"limit ignored", ev("introduced", "0", "limit", "1.20.0", "fixed", "1.19.1"), false, []Range{{Introduced: "0.0.0", Fixed: "1.19.1"}}, 0},
		{"fix without start", ev("fixed", "1.2.3"), false, nil, 0},
		{"staging module", ev("introduced", "0", "fixed", "0.15.10", "introduced", "0.33.0-alpha.0", "fixed", "0.33.2"), true,
			[]Range{{Introduced: "0.0.0", Fixed: "1.15.10"}, {Introduced: "1.33.0-alpha.0", Fixed: "1.33.2"}}, 0},
		{"staging before tags", ev("introduced", "0", "fixed", "0.0.0-20190516230258-a675ac48af67", "introduced", "0.16.0", "fixed", "0.16.7"), true,
			[]Range{{Introduced: "1.16.0", Fixed: "1.16.7"}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, dropped, err := eventRanges(c.events, c.staging)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) || dropped != c.dropped {
				t.Errorf("got %+v (%d dropped), want %+v (%d)", got, dropped, c.want, c.dropped)
			}
		})
	}
	if _, _, err := eventRanges(ev("introduced", "0", "fixed", "1.2"), false); err == nil {
		t.Error("1.2 accepted as a semantic version")
	}
}
