package scan

import (
	"net"
	"runtime"
	"sync"
)

// corkConn gathers the writes that arrive together into one write to the
// socket, once it is corked. The anonymous requests all start at once on
// one h2 connection, and net/http's h2 client flushes each request's
// HEADERS frame as a TLS record of its own: a dozen write system calls, and
// a dozen packets for the network and the server to take one at a time,
// where one would do. Corked, a write is queued and the first writer of a
// batch hands the flush to a goroutine that yields once first, so the
// writes of every request goroutine runnable meanwhile go out with it. The
// order of bytes is kept: one flush runs at a time and takes the whole
// queue. Before cork is called (the TLS handshake, HTTP/1.1) every write
// goes straight through.
//
// A failed flush is reported by the next write and by every one after it;
// the h2 client's read loop sees the connection end in any case.
type corkConn struct {
	net.Conn

	mu       sync.Mutex
	corked   bool
	flushing bool
	queue    []byte
	spare    []byte
	err      error
}

// cork starts gathering writes.
func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.corked {
		c.mu.Unlock()
		return c.Conn.Write(p)
	}
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, err
	}
	c.queue = append(c.queue, p...)
	if !c.flushing {
		c.flushing = true
		go c.flush()
	}
	c.mu.Unlock()
	return len(p), nil
}

// flush writes the queue until it is empty, yielding before each write so
// that writers already runnable join the batch.
func (c *corkConn) flush() {
	for {
		runtime.Gosched()
		c.mu.Lock()
		if len(c.queue) == 0 || c.err != nil {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		out := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		_, err := c.Conn.Write(out)
		c.mu.Lock()
		c.spare = out[:0]
		if err != nil {
			c.err = err
			c.queue = nil
		}
		c.mu.Unlock()
	}
}
