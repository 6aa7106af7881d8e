package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// benchResults are n distinct targets, each a full judged result (CVEs,
// advice, a certificate chain): what a large fleet's results file holds.
func benchResults(n int) []scan.Result {
	out := make([]scan.Result, n)
	for i := range out {
		r := exposedEKS()
		r.Target.Name = fmt.Sprintf("cluster-%05d", i)
		r.Target.Context = r.Target.Name
		r.Target.Host = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		r.Target.URL = "https://" + r.Target.Host + ":6443"
		r.Target.Port = 6443
		out[i] = r
	}
	return out
}

// BenchmarkRead reads a results file of 2,000 targets as view and
// --from-results do, one result at a time: throughput and allocations per
// file (docs/speed.md).
func BenchmarkRead(b *testing.B) {
	results := benchResults(2000)
	var lines, doc bytes.Buffer
	for _, r := range results {
		Line(&lines, r)
	}
	Write(&doc, "json", results, fixtureAt, fixtureData, Options{})
	for _, c := range []struct {
		name string
		data []byte
	}{{"ndjson", lines.Bytes()}, {"json", doc.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				d := NewDecoder(bytes.NewReader(c.data), c.name)
				n := 0
				for {
					_, err := d.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != len(results) {
					b.Fatalf("read %d of %d", n, len(results))
				}
			}
		})
	}
}
