package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// heldConn records every write that reaches the socket; the first one
// waits until release is closed, so the test decides what is queued
// behind it.
type heldConn struct {
	net.Conn
	started chan struct{}
	release chan struct{}
	mu      sync.Mutex
	writes  [][]byte
	fail    error
}

func (h *heldConn) Write(p []byte) (int, error) {
	h.mu.Lock()
	first := len(h.writes) == 0
	h.writes = append(h.writes, append([]byte(nil), p...))
	fail := h.fail
	h.mu.Unlock()
	if first {
		close(h.started)
		<-h.release
	}
	if fail != nil {
		return 0, fail
	}
	return len(p), nil
}

func (h *heldConn) written() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][]byte(nil), h.writes...)
}

func TestCorkConnPassesWritesThroughUntilCorked(t *testing.T) {
	h := &heldConn{started: make(chan struct{}), release: make(chan struct{})}
	close(h.release)
	c := &corkConn{Conn: h}
	for _, m := range []string{"hello", "world"} {
		if n, err := c.Write([]byte(m)); n != len(m) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", m, n, err)
		}
	}
	got := h.written()
	if len(got) != 2 || string(got[0]) != "hello" || string(got[1]) != "world" {
		t.Fatalf("uncorked writes reached the socket as %q, want each as it came", got)
	}
}

// Writes made while a flush is on the wire go out together, in order, in
// the next one.
func TestCorkConnGathersWritesBehindAFlush(t *testing.T) {
	h := &heldConn{started: make(chan struct{}), release: make(chan struct{})}
	c := &corkConn{Conn: h}
	c.cork()
	if _, err := c.Write([]byte("0;")); err != nil {
		t.Fatal(err)
	}
	<-h.started
	var want bytes.Buffer
	for i := 1; i <= 10; i++ {
		m := fmt.Sprintf("%d;", i)
		want.WriteString(m)
		if n, err := c.Write([]byte(m)); n != len(m) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", m, n, err)
		}
	}
	close(h.release)
	waitFlushed(c)
	got := h.written()
	if len(got) != 2 || string(got[0]) != "0;" || string(got[1]) != want.String() {
		t.Fatalf("socket writes %q; want %q then %q", got, "0;", want.String())
	}
}

// A failed flush is the error of every later write, and nothing queued
// after it reaches the socket.
func TestCorkConnReportsAFailedFlush(t *testing.T) {
	boom := errors.New("connection reset")
	h := &heldConn{started: make(chan struct{}), release: make(chan struct{}), fail: boom}
	c := &corkConn{Conn: h}
	c.cork()
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatalf("the first corked write failed at once: %v", err)
	}
	<-h.started
	close(h.release)
	waitFlushed(c)
	for range 2 {
		if n, err := c.Write([]byte("b")); n != 0 || !errors.Is(err, boom) {
			t.Fatalf("write after a failed flush = %d, %v; want 0, %v", n, err, boom)
		}
	}
	if got := h.written(); len(got) != 1 {
		t.Fatalf("socket writes after the failure: %q", got)
	}
}

// Many writers at once over a real loopback connection: every write
// arrives whole and each writer's writes in its own order.
func TestCorkConnKeepsEachWriteWholeAndInOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		s, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(s)
		s.Close()
		got <- b
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := &corkConn{Conn: raw}
	c.cork()
	const writers, each = 16, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := fmt.Fprintf(c, "<%02d:%04d>", w, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	waitFlushed(c)
	raw.Close()
	b := <-got
	next := make([]int, writers)
	for len(b) > 0 {
		var w, i int
		if _, err := fmt.Sscanf(string(b[:9]), "<%02d:%04d>", &w, &i); err != nil || w >= writers {
			t.Fatalf("torn or foreign write at %q: %v", b[:min(len(b), 20)], err)
		}
		if i != next[w] {
			t.Fatalf("writer %d: write %d arrived where %d was due", w, i, next[w])
		}
		next[w]++
		b = b[9:]
	}
	for w, n := range next {
		if n != each {
			t.Errorf("writer %d: %d of %d writes arrived", w, n, each)
		}
	}
}

// waitFlushed waits until no flush is running.
func waitFlushed(c *corkConn) {
	for {
		c.mu.Lock()
		busy := c.flushing
		c.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
