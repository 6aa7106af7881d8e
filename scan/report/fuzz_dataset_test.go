package report

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// datasetSeeds are the lines of a sample dataset in testdata.
func datasetSeeds(f *testing.F, file string) {
	b, err := os.ReadFile("testdata/datasets/" + file)
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range bytes.Split(b, []byte("\n")) {
		f.Add(l)
	}
}

// acceptedDataset holds what a dataset parser accepted to the invariants
// every result read must keep: one kubesurface could have written (its
// target rebuilds), finished and judged, bounded whatever the line held,
// and written back as NDJSON, read again as itself.
func acceptedDataset(t *testing.T, rs []scan.Result) {
	t.Helper()
	for _, r := range rs {
		if err := check(r); err != nil {
			t.Fatalf("accepted a result that does not rebuild: %v", err)
		}
		if r.State != scan.StateDone || r.Phase != scan.PhaseDone || len(r.Addresses) != 1 || r.Exposure.Access == "" || r.Dist.Name == "" {
			t.Fatalf("not a finished, judged result: %+v", r)
		}
		if r.TLS != nil {
			c := r.TLS.Chain[0]
			if len(c.Subject) > 1024 || len(c.Issuer) > 1024 || len(c.DNSNames) > 256 || len(c.IPAddresses) > 256 {
				t.Fatalf("certificate not bounded: %d, %d bytes, %d, %d names", len(c.Subject), len(c.Issuer), len(c.DNSNames), len(c.IPAddresses))
			}
		}
		var line bytes.Buffer
		if err := Line(&line, r); err != nil {
			t.Fatal(err)
		}
		again, skipped, err := Read(&line, "again")
		if err != nil || len(skipped) > 0 || len(again) != 1 {
			t.Fatalf("written back, does not read: %v %v", err, skipped)
		}
		want, _ := json.Marshal(r)
		got, _ := json.Marshal(again[0])
		if !bytes.Equal(want, got) {
			t.Fatalf("read back as\n%s\nwant\n%s", got, want)
		}
	}
}

// FuzzShodan: no Shodan banner, however made, panics the parser, and what
// it accepts keeps acceptedDataset's invariants.
func FuzzShodan(f *testing.F) {
	datasetSeeds(f, "shodan.json")
	f.Add([]byte(`{"ip_str":"::ffff:192.0.2.1","port":1,"timestamp":"2026-01-01","data":"{\"gitVersion\":\"v1.2.3\"}","ssl":{"chain":["x"],"cert":{"subject":{"CN":["a","b"]},"issuer":{"O":1}}}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := parseShodan(line)
		if err != nil {
			return
		}
		acceptedDataset(t, []scan.Result{r})
	})
}

// FuzzCensys: no Censys host, however made, panics the parser, and every
// result it makes of one keeps acceptedDataset's invariants.
func FuzzCensys(f *testing.F) {
	datasetSeeds(f, "censys.json")
	f.Add([]byte(`{"host_identifier":{"ipv6":"2001:db8::2"},"snapshot_date":"2026-01-01 00:00:00 UTC","services":[{"port":443,"kubernetes":{}},{"port":444,"service_name":"kubernetes","tls":{"certificates":{"leaf_data":{"names":["1.2.3.4","a"]}}}}]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		rs, err := parseCensys(line)
		if err != nil {
			if len(rs) != 0 {
				t.Fatal("results with an error")
			}
			return
		}
		if len(rs) == 0 {
			t.Fatal("no results and no error")
		}
		acceptedDataset(t, rs)
	})
}
