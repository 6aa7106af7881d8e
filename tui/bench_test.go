package tui

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/tui/table"
)

// idleRunner never probes: the benchmarks feed results themselves.
type idleRunner struct{}

func (idleRunner) RunSeq(context.Context, iter.Seq[scan.Target]) <-chan scan.Update {
	ch := make(chan scan.Update)
	close(ch)
	return ch
}

var benchDists = []string{"eks", "gke", "aks", "k3s", "kubeadm", "openshift"}

// benchResult is a finished, judged result for target i, varied enough
// that sorting and filtering have real work to do.
func benchResult(i int, data *assess.Bundle, now time.Time) scan.Result {
	t := scan.Target{Ref: scan.Ref{Name: fmt.Sprintf("cluster-%05d", i), Source: scan.SourceEndpoint,
		URL: fmt.Sprintf("https://10.%d.%d.%d:6443", i>>16&255, i>>8&255, i&255), Host: "10.0.0.1", Port: 6443}}
	r := scan.Pending(t)
	r.State, r.Phase = scan.StateDone, scan.PhaseDone
	dist := benchDists[i%len(benchDists)]
	suffix := map[string]string{"eks": "-eks-1a2b3c4", "gke": "-gke.1000", "k3s": "+k3s1", "openshift": "+2f7b992"}[dist]
	r.Version = &scan.Version{GitVersion: fmt.Sprintf("v1.%d.%d%s", 24+i%13, i%11, suffix), Source: "anonymous"}
	r.Dist = scan.Distribution{Name: dist}
	r.Addresses = []scan.Address{{IP: "10.0.0.1", Class: []string{"public", "private", "loopback"}[i%3]}}
	r.Connect = &scan.Connect{Address: "10.0.0.1:6443", LatencyMS: int64(i % 250)}
	r.Exposure = scan.Exposure{Reach: r.Addresses[0].Class, Access: []string{"tls", "health", "version", "discovery", "read"}[i%5], Level: []string{"none", "low", "medium", "high", "critical"}[i%5]}
	assess.Judge(&r, data, now)
	return r
}

// benchModel is a 160x40 program holding n finished rows.
func benchModel(b *testing.B, n int) *Model {
	b.Helper()
	data, err := assess.Base()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	targets := make([]scan.Target, n)
	for i := range targets {
		targets[i] = scan.Target{Ref: scan.Ref{Name: fmt.Sprintf("cluster-%05d", i), URL: fmt.Sprintf("https://10.%d.%d.%d:6443", i>>16&255, i>>8&255, i&255)}}
	}
	m := New(context.Background(), Config{Targets: targets, Scanner: idleRunner{}, Data: data, Now: now,
		Clock: func() time.Time { return now }})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	batch := batchMsg{scan: 0}
	for i := range targets {
		m.gen[i] = 0
		batch.updates = append(batch.updates, update{row: table.NewRow(i, benchResult(i, data, now))})
	}
	batch.done = true
	m.apply(batch)
	return m
}

func press(s string) tea.KeyPressMsg {
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// measure times each key press plus the re-render it causes, and reports
// the median, the figure the README gives.
func measure(b *testing.B, m *Model, keys func(i int) []tea.Msg) {
	b.Helper()
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		for _, k := range keys(i) {
			m.Update(k)
		}
		_ = m.render()
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median")
}

func BenchmarkKeyMove10k(b *testing.B) {
	m := benchModel(b, 10000)
	measure(b, m, func(i int) []tea.Msg {
		if i%2 == 0 {
			return []tea.Msg{press("j")}
		}
		return []tea.Msg{press("G")}
	})
}

func BenchmarkKeySort10k(b *testing.B) {
	m := benchModel(b, 10000)
	measure(b, m, func(int) []tea.Msg { return []tea.Msg{press("s")} })
}

// BenchmarkKeySortAfterUpdate10k is the cold case: a result arrived since
// the column was last sorted (the order cache is gone), so the press pays a
// full sort of 10,000 rows. The update itself is not timed.
func BenchmarkKeySortAfterUpdate10k(b *testing.B) {
	m := benchModel(b, 10000)
	row := m.table.Rows()[0]
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m.apply(batchMsg{scan: 0, updates: []update{{row: row}}, done: true})
		b.StartTimer()
		start := time.Now()
		m.Update(press("s"))
		_ = m.render()
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "ms-median")
}

// BenchmarkKeyFilterChar10k types "eks" one character at a time, then
// clears: each measured press adds (or at the end removes) one character.
func BenchmarkKeyFilterChar10k(b *testing.B) {
	m := benchModel(b, 10000)
	m.Update(press("/"))
	word := "dist:eks"
	measure(b, m, func(i int) []tea.Msg {
		pos := i % (len(word) + 1)
		if pos == len(word) {
			return []tea.Msg{tea.KeyPressMsg{Code: tea.KeyEscape}, press("/")}
		}
		return []tea.Msg{press(word[pos : pos+1])}
	})
}

// BenchmarkBurst10kUpdates applies 10,000 fresh results in the batches the
// scanner feed makes (at most 2,000 each) and reports the longest a batch
// holds the UI: input waits at most that long.
func BenchmarkBurst10kUpdates(b *testing.B) {
	m := benchModel(b, 10000)
	data, now := m.cfg.Data, m.cfg.Now
	// Rows are laid out on the feed's goroutine (scan's batcher), so what
	// the UI pays per batch is the re-sort, re-filter and redraw.
	results := make([]update, 10000)
	for i := range results {
		r := benchResult((i*7)%10000, data, now)
		r.Target = m.cfg.Targets[i].Ref
		results[i] = update{row: table.NewRow(i, r)}
	}
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for start := 0; start < len(results); start += 2000 {
			t0 := time.Now()
			m.apply(batchMsg{scan: 0, updates: results[start : start+2000], done: true})
			_ = m.render()
			if d := time.Since(t0); d > worst {
				worst = d
			}
		}
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms-worst-batch")
}
