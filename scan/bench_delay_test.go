package scan

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// readBufs are the delay proxies' read buffers.
var readBufs = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

// delayProxy listens on 127.0.0.1 and relays every connection to upstream,
// delivering each chunk read in either direction delay after it was read:
// a link with a round trip of twice delay and no bandwidth limit, so what
// it measures is round trips. Everything it started is gone at cleanup.
func delayProxy(b testing.TB, upstream string, delay time.Duration) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
	)
	track := func(c net.Conn) bool {
		mu.Lock()
		defer mu.Unlock()
		if conns == nil {
			c.Close()
			return false
		}
		conns[c] = true
		return true
	}
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		conns = nil
		mu.Unlock()
		wg.Wait()
	})
	// pipe relays src to dst, each chunk held for delay; it ends both
	// connections when either side does.
	pipe := func(dst, src net.Conn) {
		type chunk struct {
			at   time.Time
			data []byte
		}
		// The queue holds what is in flight one way: a few chunks for an
		// API server's exchanges; a full queue holds the reader back, as
		// a full window would. Sized larger, each connection's pair of
		// queues was a large allocation of its own.
		q := make(chan chunk, 64)
		wg.Go(func() {
			defer close(q)
			// A pooled read buffer, and each chunk copied out at its size:
			// the proxies share the scanner's two cores, so the harness
			// must not spend them on garbage (a fresh 32 KiB buffer each
			// way of each connection, before).
			bp := readBufs.Get().(*[]byte)
			defer readBufs.Put(bp)
			buf := *bp
			for {
				n, err := src.Read(buf)
				if n > 0 {
					q <- chunk{time.Now().Add(delay), append([]byte(nil), buf[:n]...)}
				}
				if err != nil {
					return
				}
			}
		})
		wg.Go(func() {
			defer dst.Close()
			defer src.Close()
			for c := range q {
				time.Sleep(time.Until(c.at))
				if _, err := dst.Write(c.data); err != nil {
					// Drain so the reader is never stuck on a full queue.
					for range q {
					}
					return
				}
			}
		})
	}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !track(c) {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			if !track(up) {
				c.Close()
				return
			}
			pipe(up, c)
			pipe(c, up)
		}
	})
	return ln.Addr().String()
}

// BenchmarkScanDelayed measures full anonymous probes of 64 loopback API
// servers, each behind a proxy that adds 25 ms each way (a 50 ms round
// trip, a nearby cloud region): the figure counts round trips, which is
// what HTTP/2 and the parallel phases save on a slow link.
//
//	go test ./scan -run '^$' -bench '^BenchmarkScanDelayed$' -benchtime 3x
func BenchmarkScanDelayed(b *testing.B) {
	const n, delay = 64, 25 * time.Millisecond
	fleet := benchFleet(b, n)
	addrs := make([]string, n)
	for i, t := range fleet {
		addrs[i] = delayProxy(b, fmt.Sprintf("%s:%d", t.Host, t.Port), delay)
	}
	targets, err := ParseEndpoints(addrs, n)
	if err != nil {
		b.Fatal(err)
	}
	benchScan(b, New(Options{Concurrency: n, Timeout: 10 * time.Second}), targets)
}
