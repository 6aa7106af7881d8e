package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

var seeds = flag.Int("seeds", 300, "how many seeded random batches TestEverythingScanWritesReadsBack tries")

// TestEverythingScanWritesReadsBack is the property behind view and
// --from-results: a result of any shape scan can write — endpoint or
// kubeconfig source, a context with no server or an invalid one (saved
// with an empty URL), IPv4, IPv6 with and without a zone, base paths,
// http://, every state, any value in every field — written as NDJSON or as
// a JSON document (indented or on one line) reads back equal, and its
// target rebuilds with the same identity. Seeds are fixed so that CI runs
// the same cases every time; -seeds widens the search.
func TestEverythingScanWritesReadsBack(t *testing.T) {
	for seed := range uint64(*seeds) {
		rng := rand.New(rand.NewPCG(seed, 0x6b756265))
		results := make([]scan.Result, 1+rng.IntN(8))
		for i := range results {
			results[i] = randomResult(t, rng)
		}
		var lines, doc bytes.Buffer
		for _, r := range results {
			if err := Line(&lines, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := Write(&doc, "json", results, fixtureAt, fixtureData, Options{}); err != nil {
			t.Fatal(err)
		}
		compact := must(json.Marshal(NewDocument(results, fixtureAt, fixtureData)))
		for format, in := range map[string][]byte{"ndjson": lines.Bytes(), "json": doc.Bytes(), "one-line json": compact} {
			got, skipped, err := Read(bytes.NewReader(in), format)
			if err != nil || len(skipped) > 0 {
				t.Fatalf("seed %d, %s: %v, skipped %v\n%s", seed, format, err, skipped, in)
			}
			if !reflect.DeepEqual(got, results) {
				for i := range results {
					if i >= len(got) || !reflect.DeepEqual(got[i], results[i]) {
						g, _ := json.Marshal(got[min(i, len(got)-1)])
						w, _ := json.Marshal(results[i])
						t.Fatalf("seed %d, %s: result %d read back as\n%s\nwritten\n%s", seed, format, i, g, w)
					}
				}
				t.Fatalf("seed %d, %s: read %d results, wrote %d", seed, format, len(got), len(results))
			}
		}
		for _, r := range results {
			back, err := scan.FromRef(r.Target)
			if err != nil || back.Name != r.Target.Name || back.Source != r.Target.Source || back.Context != r.Target.Context || back.URL != r.Target.URL {
				t.Fatalf("seed %d: %+v rebuilt as %+v, %v", seed, r.Target, back.Ref, err)
			}
		}
	}
}

// randomTarget is a target as scan makes it: endpoints through
// ParseEndpoints, contexts through FromServer, and a context whose server
// FromServer refuses as the kubeconfig loader keeps it (name, no URL).
func randomTarget(t *testing.T, rng *rand.Rand) scan.Ref {
	t.Helper()
	hosts := []string{"10.0.0.1", "203.0.113.7", "api.example.com", "ABCD.gr7.eu-west-1.eks.amazonaws.com", "[2001:db8::1]", "[fe80::1%eth0]",
		"[fe80::1%25eth0]", "[fe80::a%en0.1]", "[::1]"}
	host := hosts[rng.IntN(len(hosts))]
	port := []string{"", ":443", ":6443", ":1", ":65535"}[rng.IntN(5)]
	base := []string{"", "/", "/k8s/clusters/c-1", "/k8s/clusters/c-1%2F2", "/a%20b/"}[rng.IntN(5)]
	urlHost := strings.Replace(host, "%25", "%", 1)
	urlHost = strings.Replace(urlHost, "%", "%25", 1)
	var forms []string
	switch rng.IntN(6) {
	case 0:
		forms = []string{host + port, strings.Trim(host, "[]")}
	case 1:
		forms = []string{"https://" + urlHost + port + base}
	case 2:
		forms = []string{"http://" + urlHost + port + base}
	case 3:
		forms = []string{"10.9.8.0/30", "10.9.8.0/31:6443", "[fd00::/127]:6443"}
	case 4:
		// A kubeconfig server: any of the above, and what FromServer
		// refuses (saved with no URL).
		name := randomString(rng)
		servers := []string{"https://" + urlHost + port + base, "http://" + urlHost + port, strings.Trim(host, "[]") + port, host + port, "", "ftp://x", "https://", "::", "https://user:pw@10.0.0.1"}
		server := servers[rng.IntN(len(servers))]
		tg, err := scan.FromServer(name, server)
		if err != nil {
			return scan.Ref{Name: name, Source: scan.SourceKubeconfig, Context: name}
		}
		return tg.Ref
	default:
		return scan.Ref{Name: "ctx", Source: scan.SourceKubeconfig, Context: "ctx"}
	}
	in := forms[rng.IntN(len(forms))]
	ts, err := scan.ParseEndpoints([]string{in}, 0)
	if err != nil {
		// Not something scan takes (that is the parsers' business): a
		// form it does take instead.
		ts, err = scan.ParseEndpoints([]string{"10.0.0.1:6443"}, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	return ts[rng.IntN(len(ts))].Ref
}

// randomResult fills every field of a Result with random values as JSON
// can hold them (nil rather than empty slices and maps, times in UTC, no
// NaN), then gives it a real target and a state scan writes.
func randomResult(t *testing.T, rng *rand.Rand) scan.Result {
	var r scan.Result
	fill(rng, reflect.ValueOf(&r).Elem(), 0)
	r.APIVersion = scan.APIVersion
	r.Target = randomTarget(t, rng)
	states := []scan.State{scan.StateWaiting, scan.StateProbing, scan.StateDone, scan.StateFailed, scan.StateCancelled}
	r.State = states[rng.IntN(len(states))]
	phases := []scan.Phase{"", scan.PhaseResolve, scan.PhaseConnect, scan.PhaseTLS, scan.PhaseHTTP, scan.PhaseAuth, scan.PhaseDone}
	r.Phase = phases[rng.IntN(len(phases))]
	return r
}

var timeType = reflect.TypeFor[time.Time]()

func fill(rng *rand.Rand, v reflect.Value, depth int) {
	if v.Type() == timeType {
		if rng.IntN(4) > 0 {
			v.Set(reflect.ValueOf(time.Unix(rng.Int64N(1<<34), rng.Int64N(1e9)).UTC()))
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randomString(rng))
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(rng.Int64N(1<<40) - 1<<39)
	case reflect.Float64:
		f := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10))
		v.SetFloat(f)
	case reflect.Pointer:
		if depth < 6 && rng.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fill(rng, v.Elem(), depth+1)
		}
	case reflect.Slice:
		if n := rng.IntN(4); n > 0 && depth < 6 {
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fill(rng, v.Index(i), depth+1)
			}
		}
	case reflect.Map:
		if n := rng.IntN(4); n > 0 {
			m := reflect.MakeMapWithSize(v.Type(), n)
			for range n {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				fill(rng, k, depth+1)
				fill(rng, e, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(rng, v.Field(i), depth+1)
			}
		}
	default:
		panic(fmt.Sprintf("fill: no generator for %s", v.Type()))
	}
}

// randomString draws from what servers and kubeconfigs put in strings:
// plain words, terminal escapes, bidi overrides, HTML, quotes, newlines,
// NUL, and non-ASCII text (always valid UTF-8: JSON cannot carry else).
func randomString(rng *rand.Rand) string {
	pieces := []string{"", "prod", "v1.29.3-eks-adc7111", "\x1b]0;owned\x07", "\x1b[2J", "\u202e", "<script>", `"quoted"`, "\\", "\n", "\r\n", "\x00",
		"日本語", "😀", "ok", " ", "%25", "\t", "\u2028"}
	var b strings.Builder
	for range rng.IntN(5) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}
