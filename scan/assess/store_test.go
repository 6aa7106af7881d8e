package assess

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cacheAt points the cache at a fresh directory and returns the cache
// file's path there, its directory made.
func cacheAt(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	path, _, err := CacheFile()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, dir) {
		t.Fatalf("cache file %s is not under XDG_CACHE_HOME %s", path, dir)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// newestWithin runs Newest and fails the test if it does not return: a
// cache in a FIFO's place used to hang every scan.
func newestWithin(t *testing.T, ctx context.Context) (*Bundle, []string) {
	t.Helper()
	type res struct {
		b     *Bundle
		notes []string
	}
	ch := make(chan res, 1)
	go func() {
		b, notes := Newest(ctx, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		ch <- res{b, notes}
	}()
	select {
	case r := <-ch:
		return r.b, r.notes
	case <-time.After(time.Minute):
		t.Fatal("Newest did not return")
		return nil, nil
	}
}

// TestHostileCache: a cache that is a symlink to /dev/zero, a FIFO (with or
// without a writer) or a file over the cap is ignored with a note saying
// why, and the embedded snapshot judges; nothing grows without bound or
// waits.
func TestHostileCache(t *testing.T) {
	emb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"symlink to /dev/zero", func(t *testing.T, path string) {
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Skip(err)
			}
		}, fmt.Sprintf("is larger than %d MiB", MaxCacheSize>>20)},
		{"over the cap", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(MaxCacheSize + 1); err != nil { // sparse: no disk spent
				t.Fatal(err)
			}
		}, fmt.Sprintf("is larger than %d MiB", MaxCacheSize>>20)},
		{"FIFO", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
		}, "is a named pipe, not a file"},
		{"FIFO with a writer that never writes", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			// O_RDWR opens a FIFO without waiting for a reader and keeps
			// a writer on it for the whole test.
			w, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Close() })
		}, "is a named pipe, not a file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := cacheAt(t)
			c.make(t, path)
			b, notes := newestWithin(t, context.Background())
			if b.Origin != emb.Origin {
				t.Errorf("data from %s, want the embedded snapshot", b.Origin)
			}
			if len(notes) == 0 || !strings.HasPrefix(notes[0], "ignoring the data cache (") || !strings.Contains(notes[0], path) || !strings.Contains(notes[0], c.want) {
				t.Errorf("notes %q: want the cache named and %q", notes, c.want)
			}
			if _, err := ReadCache(context.Background(), path); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ReadCache: %v, want %q", err, c.want)
			}
		})
	}
}

// TestReadCacheCancelled: a cache read that the context ends returns its
// error, and Newest then says nothing of the cache (the command is
// stopping, the cache is not to blame).
func TestReadCacheCancelled(t *testing.T) {
	path := cacheAt(t)
	if err := WriteCache(path, mustBase(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadCache(ctx, path); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadCache: %v, want context.Canceled", err)
	}
	for _, n := range func() []string { _, n := newestWithin(t, ctx); return n }() {
		if strings.Contains(n, "cache") {
			t.Errorf("note %q after cancellation", n)
		}
	}
	// And a valid cache still reads.
	if c, err := ReadCache(context.Background(), path); err != nil || c == nil || c.Origin != path {
		t.Errorf("ReadCache of a valid cache: %v, %v", c, err)
	}
}

// mustBase is the hand-collected data, which tests at fixed dates assert
// on whatever refresh the release step has embedded.
func mustBase(t *testing.T) *Bundle {
	t.Helper()
	b, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
