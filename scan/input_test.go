package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// within runs f and fails the test if it has not returned by the safety
// deadline: the bug these tests guard against is a read that never ends.
func within[T any](t *testing.T, f func() (T, error)) (T, error) {
	t.Helper()
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, err := f()
		ch <- res{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(time.Minute):
		t.Fatal("did not return")
		var zero T
		return zero, nil
	}
}

// TestReadEndpointsStdinThatNeverCloses: `kubesurface scan -` with a stdin
// that stays open (a terminal, a stuck producer) gives way to Ctrl-C.
func TestReadEndpointsStdinThatNeverCloses(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := w.WriteString("10.0.0.1:6443\n"); err != nil { // some data, then nothing more and no end
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	got, err := within(t, func() ([]string, error) { return ReadEndpoints(ctx, r, "stdin") })
	if !errors.Is(err, context.Canceled) || got != nil {
		t.Fatalf("ReadEndpoints = %q, %v; want context.Canceled", got, err)
	}
}

// TestReadEndpointsCap: an endless or huge list stops at the documented cap
// with an error saying so, and a list just under it is read whole.
func TestReadEndpointsCap(t *testing.T) {
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	// /dev/zero is one endless line: the line cap speaks first.
	_, err = within(t, func() ([]string, error) { return ReadEndpoints(context.Background(), f, "/dev/zero") })
	if err == nil || !strings.Contains(err.Error(), "reading endpoints from /dev/zero: a line is longer than 1 MiB") {
		t.Errorf("/dev/zero: %v", err)
	}

	line := []byte("10.0.0.1:6443 # a comment long enough to fill the list quickly without many entries\n")
	big := bytes.Repeat(line, MaxEndpointListSize/len(line)+1)
	_, err = within(t, func() ([]string, error) {
		return ReadEndpoints(context.Background(), bytes.NewReader(big), "list.txt")
	})
	if err == nil || err.Error() != fmt.Sprintf("reading endpoints: list.txt is larger than %d MiB, the most kubesurface reads of it", MaxEndpointListSize>>20) {
		t.Errorf("a list over the cap: %v", err)
	}
	fits := big[:MaxEndpointListSize/len(line)*len(line)]
	got, err := ReadEndpoints(context.Background(), bytes.NewReader(fits), "list.txt")
	if err != nil || len(got) != MaxEndpointListSize/len(line) {
		t.Errorf("a list under the cap: %d endpoints, %v", len(got), err)
	}
}

// TestReadEndpointsKeepsReadErrors: a failing source is named, and its
// error kept for the caller.
func TestReadEndpointsKeepsReadErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := ReadEndpoints(context.Background(), io.MultiReader(strings.NewReader("a.example\n"), errReader{boom}), "list.txt")
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "list.txt") {
		t.Errorf("got %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestParseEndpointsCancelsCIDRExpansion: a /8 with --max-targets raised
// to allow it takes many seconds and gigabytes to expand; a cancelled
// context stops it, whether it ends before or during the expansion.
func TestParseEndpointsCancelsCIDRExpansion(t *testing.T) {
	for _, in := range []string{"10.0.0.0/8:6443", "10.0.0.0/8", "[fd00::/104]:6443"} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		got, err := within(t, func() ([]Target, error) { return ParseEndpointsContext(ctx, []string{in}, 1<<25) })
		if !errors.Is(err, context.Canceled) || got != nil {
			t.Errorf("%s: %d targets, %v; want context.Canceled", in, len(got), err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := ParseEndpointsContext(ctx, []string{"10.0.0.1"}, 0); !errors.Is(err, context.Canceled) || got != nil {
		t.Errorf("cancelled before: %d targets, %v", len(got), err)
	}
	// An uncancelled context changes nothing.
	got, err := ParseEndpointsContext(context.Background(), []string{"10.0.0.0/20:6443"}, 1<<12)
	if err != nil || len(got) != 1<<12 || got[len(got)-1].URL != "https://10.0.15.255:6443" {
		t.Errorf("/20: %d targets, %v", len(got), err)
	}
}
