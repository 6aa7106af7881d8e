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

// silent is a 127.0.0.1 listener that accepts connections and never says
// a word: a TLS handshake with it waits until it is cut short.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// TestStopMarksProbesInFlightCancelled: a probe cut short by the scan's
// stop ends cancelled, and the handshake the stop broke is not reported as
// an unreachable server; a probe that finished before the stop keeps its
// own verdict. Scan, which may not get a probe's last update, marks what
// it last saw the same way.
func TestStopMarksProbesInFlightCancelled(t *testing.T) {
	slow := silent(t)
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()
	targets, err := ParseEndpoints([]string{"https://" + refused, "https://" + slow}, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// One at a time: the refused port has finished before the stop.
	s := New(Options{Concurrency: 1, Timeout: time.Minute})
	final := map[int]Result{}
	for u := range s.Run(ctx, targets) {
		if u.Index == 1 && u.Result.Phase == PhaseConnect {
			cancel() // connected, now in the handshake that never ends
		}
		if u.Result.Phase == PhaseDone {
			final[u.Index] = u.Result
		}
	}
	dead, stopped := final[0], final[1]
	if dead.State != StateFailed || dead.Exposure.Access != AccessUnreachable {
		t.Errorf("refused port: state %s, access %s: want failed, unreachable", dead.State, dead.Exposure.Access)
	}
	finished(t, stopped, StateCancelled)
	if stopped.Exposure.Access != AccessUnknown || stopped.Exposure.Level != LevelNone {
		t.Errorf("stopped handshake: exposure %+v, want unknown access (the stop broke it, not the server)", stopped.Exposure)
	}
	if len(stopped.Errors) == 0 || stopped.Errors[0].Error != "TLS handshake: cancelled" {
		t.Errorf("stopped handshake: errors %v", stopped.Errors)
	}

	// Scan, on a probe whose last update it saw in flight.
	last := Pending(targets[1])
	last.State, last.Phase = StateProbing, PhaseConnect
	last.Connect = &Connect{Address: slow}
	r := Stopped(last, time.Now())
	finished(t, r, StateCancelled)
	if r.Exposure.Access != AccessUnknown {
		t.Errorf("Stopped: access %s, want unknown", r.Exposure.Access)
	}
}

// TestStopKeepsAnUnreachableVerdictSeenBeforeIt: a connection refused
// before the stop is the server's answer, not the stop's.
func TestStopKeepsAnUnreachableVerdictSeenBeforeIt(t *testing.T) {
	r := Result{State: StateFailed, Connect: &Connect{Error: "connect: connection refused"},
		Errors: []PhaseFailure{{Phase: PhaseConnect, Error: "connect: connection refused"}}, Auth: &Auth{Error: "cancelled: the scan was stopped first"}}
	got := Stopped(r, time.Now())
	if got.State != StateCancelled || got.Exposure.Access != AccessUnreachable {
		t.Errorf("state %s, access %s: want cancelled, unreachable", got.State, got.Exposure.Access)
	}
}
