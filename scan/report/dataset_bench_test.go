package report

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/fleet"
)

// shodanLines generates n Shodan banners as a stream, never whole: n
// distinct addresses, a few versions and certificate shapes, as an export
// of a Kubernetes query holds.
type shodanLines struct {
	n, i int
	buf  []byte
}

var benchVersions = []string{"v1.24.17+k3s1", "v1.28.15-eks-7f9249a", "v1.30.5", "v1.31.4-gke.1000", "v1.33.1"}
var benchIssuers = []string{"k3s-server-ca@1700000000", "kubernetes", "kubernetes", "0a1b2c3d-0000-4000-8000-123456789abc", "kubernetes"}

func (s *shodanLines) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.i == s.n {
			return 0, io.EOF
		}
		i := s.i
		s.i++
		k := i % len(benchVersions)
		ver := `"kubernetes":{"version":"` + benchVersions[k] + `","go_version":"go1.22.8","platform":"linux/amd64"},`
		if i%3 == 0 { // a third with only a certificate
			ver = ""
		}
		s.buf = fmt.Appendf(s.buf, `{"ip_str":"%d.%d.%d.%d","port":6443,"transport":"tcp","timestamp":"2026-11-%02dT08:15:30.123456","org":"Example","location":{"country_code":"NL"},%s`+
			`"data":"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n","ssl":{"cert":{"subject":{"CN":"kube-apiserver"},"issuer":{"CN":"%s"},"issued":"20251201000000Z","expires":"20271201000000Z","fingerprint":{"sha256":"%064x"}}}}`+"\n",
			11+i>>24&127, i>>16&255, i>>8&255, i&255, 1+i%28, ver, benchIssuers[k], i)
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// BenchmarkShodan500k streams 500,000 Shodan banners through the reader
// and the judging stage, keeping one result per target as view does (no
// TUI), judged and interned as view does: rows per second, the peak heap
// (garbage not yet collected included) and the peak live heap (docs/scaling.md:
// "Internet-scan datasets"). It is the path `view -o stats` took before
// it streamed, and the TUI's still.
func BenchmarkShodan500k(b *testing.B) {
	n := benchRows()
	stage := benchStage(b)
	for b.Loop() {
		var kept []scan.Result
		measurePeaks(b, n, func() {
			var m scan.Merger
			eachBanner(b, n, stage, func(r scan.Result) {
				i, take, _ := m.Add(r)
				if i == len(kept) {
					kept = append(kept, r)
				} else if take {
					kept[i] = r
				}
			}, true)
		})
		if len(kept) != n {
			b.Fatalf("kept %d of %d", len(kept), n)
		}
		runtime.KeepAlive(kept)
	}
}

// BenchmarkShodan500kStats streams the same banners through the path of
// `view -o stats`: each row judged as read (at one date, as --now does),
// only its fleet.Entry kept per target (fleet.Merged), summed at the end.
func BenchmarkShodan500kStats(b *testing.B) {
	n := benchRows()
	stage := benchStage(b)
	for b.Loop() {
		var s *fleet.Stats
		measurePeaks(b, n, func() {
			var g fleet.Merged
			eachBanner(b, n, stage, func(r scan.Result) { g.Add(r, nil) }, false)
			if g.Len() != n {
				b.Fatalf("kept %d of %d", g.Len(), n)
			}
			s = fleet.New(stage.Now(), 0)
			g.SumInto(s)
		})
		if s.Targets != n {
			b.Fatalf("summed %d of %d", s.Targets, n)
		}
	}
}

// eachBanner reads n generated banners and hands each to f judged: at
// the record's own date (atRecord, as the TUI does without --now) or at
// the stage's.
func eachBanner(b *testing.B, n int, stage *assess.Stage, f func(scan.Result), atRecord bool) {
	d := NewDecoder(&shodanLines{n: n}, "bench")
	judge := NewDatasetJudge(stage)
	for {
		r, err := d.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		at := stage.Now()
		if atRecord {
			at = r.FinishedAt
		}
		judge.Judge(d, &r, at)
		f(r)
	}
}

func benchStage(b *testing.B) *assess.Stage {
	data, err := assess.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	return assess.NewStage(data, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
}

// measurePeaks runs read over n rows and reports rows per second, the
// peak heap (garbage not yet collected included) and the peak live heap,
// sampled every 5 ms.
func measurePeaks(b *testing.B, n int, read func()) {
	runtime.GC()
	var peak, peakLive atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			if v := s[1].Value.Uint64(); v > peakLive.Load() {
				peakLive.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	read()
	elapsed := time.Since(start)
	close(stop)
	<-done
	b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peakLive.Load())/(1<<20), "peak-live-MB")
}

// TestWriteShodanBench writes the benchmarks' banners to the file
// KUBESURFACE_BENCH_FILE names (KUBESURFACE_BENCH_ROWS of them), to time
// the binary on them: docs/scaling.md, "Internet-scan datasets".
func TestWriteShodanBench(t *testing.T) {
	name := os.Getenv("KUBESURFACE_BENCH_FILE")
	if name == "" {
		t.Skip("KUBESURFACE_BENCH_FILE not set")
	}
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, &shodanLines{n: benchRows()}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// benchRows is 500,000, or KUBESURFACE_BENCH_ROWS for a quicker look.
func benchRows() int {
	if v, err := strconv.Atoi(os.Getenv("KUBESURFACE_BENCH_ROWS")); err == nil && v > 0 {
		return v
	}
	return 500_000
}
