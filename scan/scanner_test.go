package scan

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// TestCancelStopsEverything: cancelling the context ends the scan with the
// targets not yet started still waiting, and closes the stream.
func TestCancelStopsEverything(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { buf := make([]byte, 64); c.Read(buf); c.Close() })
		}
	})
	defer func() { ln.Close(); wg.Wait() }()
	var inputs []string
	for i := range 20 {
		inputs = append(inputs, "https://"+ln.Addr().String()+"/t"+string(rune('a'+i)))
	}
	targets, err := ParseEndpoints(inputs, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := New(Options{Concurrency: 1, Timeout: 10 * time.Second})
	updates := s.Run(ctx, targets)
	<-updates // the first target has started
	cancel()
	for range updates {
	}
	// The stream closed: every probe has ended. Run again to count what a
	// cancelled scan leaves waiting.
	res := s.Scan(ctx, targets)
	waiting := 0
	for _, r := range res {
		if r.State == StateWaiting {
			waiting++
		}
	}
	if waiting != len(targets) {
		t.Errorf("a scan on a cancelled context started %d targets", len(targets)-waiting)
	}
}

// TestRateLimitedScanCompletes runs the --rate path: every target still
// gets its probe (the limiter delays starts, it never drops one). How fast
// targets start is not asserted: no timed assertions.
func TestRateLimitedScanCompletes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // a refusing port: each probe ends at connect
	var inputs []string
	for i := range 5 {
		inputs = append(inputs, "https://"+ln.Addr().String()+"/r"+string(rune('a'+i)))
	}
	targets, err := ParseEndpoints(inputs, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range New(Options{Rate: 50, Timeout: time.Second}).Scan(context.Background(), targets) {
		if r.State != StateFailed || r.Connect == nil || r.Connect.Error != "connect: connection refused" {
			t.Errorf("%s: state %s, connect %+v", r.Target.URL, r.State, r.Connect)
		}
	}
}
