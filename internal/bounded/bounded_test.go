package bounded

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadFileWithinLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	want := bytes.Repeat([]byte("kubeconfig\n"), 20000) // several chunks
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{0, int64(len(want)), int64(len(want)) + 1} {
		got, err := ReadFile(context.Background(), path, limit)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("limit %d: %d bytes, %v; want %d bytes", limit, len(got), err, len(want))
		}
	}
}

func TestReadFileOverLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{1, 999} {
		_, err := ReadFile(context.Background(), path, limit)
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Name != path || tl.Limit != limit || !IsTooLarge(err) {
			t.Fatalf("limit %d: %v, want a TooLargeError naming %s", limit, err, path)
		}
	}
}

// /dev/zero never ends: the cap must end the read.
func TestReadFileEndlessDevice(t *testing.T) {
	_, err := ReadFile(context.Background(), "/dev/zero", 1<<20)
	if !IsTooLarge(err) || !strings.Contains(err.Error(), "/dev/zero is larger than 1 MiB") {
		t.Fatalf("got %v", err)
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(context.Background(), filepath.Join(t.TempDir(), "nope"), 10)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want not-exist", err)
	}
}

// A FIFO nobody writes to blocks the open itself; cancelling must still
// return at once.
func TestReadFileFIFOWithoutWriterIsCancellable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ReadFile(ctx, path, 10)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// Let the parked open finish so nothing outlives the test.
	w, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		w.Close()
	}
}

// A writer that opens the FIFO and then says nothing: the read is
// cancellable too, and Close ends the parked read.
func TestReaderSilentPipeIsCancellable(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReader(ctx, pr, "stdin", 0)
	if _, err := pw.Write([]byte("10.0.0.1\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "10.0.0.1\n" {
		t.Fatalf("first read: %q, %v", buf[:n], err)
	}
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := r.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("sticky error: got %v", err)
	}
	r.Close()
	pr.Close() // ends the parked background read
}

// A context already done stops even an endless source that always has
// data ready.
func TestReaderCancelledEndlessSource(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReader(ctx, zeros{}, "zeros", 0)
	defer r.Close()
	buf := make([]byte, chunk)
	if _, err := r.Read(buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	for i := 0; ; i++ {
		if _, err := r.Read(buf); err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v", err)
			}
			break
		}
		if i > 2 { // at most what was already handed over
			t.Fatal("reads go on after cancel")
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Exactly limit bytes is fine; one more is not, and the caller never sees
// more than limit.
func TestReaderExactLimit(t *testing.T) {
	for _, tc := range []struct {
		size, limit int64
		tooLarge    bool
	}{{10, 10, false}, {11, 10, true}, {chunk, chunk, false}, {chunk + 1, chunk, true}, {3 * chunk, chunk + 7, true}} {
		r := NewReader(context.Background(), bytes.NewReader(make([]byte, tc.size)), "x", tc.limit)
		got, err := io.ReadAll(r)
		if IsTooLarge(err) != tc.tooLarge || int64(len(got)) > tc.limit || (!tc.tooLarge && err != nil) {
			t.Errorf("size %d limit %d: read %d, %v", tc.size, tc.limit, len(got), err)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 16 << 20: "16 MiB", 1 << 30: "1 GiB", 512 << 10: "512 KiB", 1000: "1000 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
