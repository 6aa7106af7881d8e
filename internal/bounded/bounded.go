// Package bounded reads outside input (files, pipes, stdin) with a size cap
// and a context: a kubeconfig that is /dev/zero, a FIFO nobody writes to or
// a stdin that never closes must neither eat the machine's memory nor keep
// Ctrl-C from ending the program.
//
// Blocking opens and reads run in a goroutine of their own, so the caller
// returns as soon as its context ends. A read the kernel will not interrupt
// (a terminal, a FIFO without a writer) leaves that goroutine parked until
// the process exits, which is what follows a cancelled command; it holds one
// buffer and nothing else.
package bounded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// chunk is how much one background read asks for: large enough that the
// hand-off costs nothing next to the read, small enough to stay cheap.
const chunk = 64 << 10

// TooLargeError is the one error every capped read gives, so a message can
// name what was too large and the documented limit.
type TooLargeError struct {
	// Name is what was read: a file name, "stdin", "plugin output".
	Name  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, the most kubesurface reads of it", e.Name, Size(e.Limit))
}

// IsTooLarge reports whether err is, or wraps, a TooLargeError.
func IsTooLarge(err error) bool {
	var tl *TooLargeError
	return errors.As(err, &tl)
}

// Size writes a byte count as people read limits: 1 MiB, 16 MiB, 512 KiB.
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	if n == 1 {
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads the whole of path, refusing more than limit bytes with a
// *TooLargeError. It works on anything that can be opened (a regular file,
// a FIFO, /dev/fd/N from a shell's process substitution) and returns
// ctx.Err() as soon as ctx ends, even while the open itself is blocked.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	r, err := Open(ctx, path, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Open opens path for a streamed read that stops at limit bytes (0: no
// limit) with a *TooLargeError and at ctx's end with ctx.Err(). Errors
// from the open are the os package's, naming the path.
func Open(ctx context.Context, path string, limit int64) (io.ReadCloser, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, o.err
		}
		r := NewReader(ctx, o.f, path, limit).(*reader)
		r.closer = o.f
		return r, nil
	case <-ctx.Done():
		// The open may still succeed (a writer comes to the FIFO): close
		// what it opens rather than leak the descriptor.
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// NewReader reads r in the background and hands its bytes on, stopping at
// limit bytes (0: no limit) with a *TooLargeError naming name, and at ctx's
// end with ctx.Err(). Close stops the background read; it does not close r
// (stdin stays open), so a read parked in r ends with the process.
func NewReader(ctx context.Context, r io.Reader, name string, limit int64) io.ReadCloser {
	br := &reader{ctx: ctx, name: name, limit: limit, src: r, chunks: make(chan piece, 1), stop: make(chan struct{})}
	go br.pump()
	return br
}

type piece struct {
	b   []byte
	err error
}

type reader struct {
	ctx    context.Context
	name   string
	limit  int64
	src    io.Reader
	chunks chan piece
	stop   chan struct{}
	closed bool
	// closer is the file Open opened, closed by Close: closing also ends a
	// read parked on a pipe.
	closer io.Closer

	cur  []byte
	err  error // sticky, once the source has ended or failed
	read int64
}

// pump is the only goroutine that touches src.
func (r *reader) pump() {
	for {
		buf := make([]byte, chunk)
		n, err := r.src.Read(buf)
		if n > 0 || err != nil {
			select {
			case r.chunks <- piece{buf[:n], err}:
			case <-r.stop:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		select {
		case <-r.ctx.Done():
			r.err = r.ctx.Err()
			return 0, r.err
		case pc := <-r.chunks:
			r.cur = pc.b
			if pc.err != nil {
				r.err = pc.err
			}
		}
		// A context that has ended wins over data that is ready, so a
		// cancelled read of an endless source stops now, not at its end.
		if r.ctx.Err() != nil {
			r.cur, r.err = nil, r.ctx.Err()
			return 0, r.err
		}
	}
	if r.limit > 0 && r.read+int64(len(r.cur)) > r.limit {
		// Hand on what fits, then refuse: a caller that stops at the cap
		// never sees more than limit bytes.
		room := r.limit - r.read
		if room <= 0 {
			r.cur, r.err = nil, &TooLargeError{Name: r.name, Limit: r.limit}
			return 0, r.err
		}
		r.cur = r.cur[:room]
		r.err = &TooLargeError{Name: r.name, Limit: r.limit}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.read += int64(n)
	if len(r.cur) == 0 && r.limit > 0 && r.read >= r.limit && r.err == nil {
		// Exactly at the cap: more may follow, which is too much. Peek
		// without blocking past ctx.
		r.err = r.overLimit()
	}
	return n, nil
}

// overLimit is called when exactly limit bytes have been handed on: the
// read is too large if the source has anything more to give.
func (r *reader) overLimit() error {
	for {
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case pc := <-r.chunks:
			if len(pc.b) > 0 {
				return &TooLargeError{Name: r.name, Limit: r.limit}
			}
			if pc.err != nil {
				return pc.err
			}
		}
	}
}

func (r *reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	close(r.stop)
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
