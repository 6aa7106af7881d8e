package clean_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
)

// TestWriterCleansEachLineAndKeepsTheLines writes hostile text in every
// split, down to a byte at a time: each line comes out as Line makes it,
// the newlines between lines stay, a CRLF ending is a plain line end, and
// a last line without newline is passed on by Flush.
func TestWriterCleansEachLineAndKeepsTheLines(t *testing.T) {
	hostile := strings.ReplaceAll(cleantest.Payload, "\n", "") // one line
	in := "first " + hostile + "\r\nsecond\rforged\n\u202eright-to-left\x1b]0;pwned\a\nlast ünï"
	want := clean.Line("first "+hostile) + "\n" +
		"second forged\n" +
		clean.Line("\u202eright-to-left\x1b]0;pwned\a") + "\n" +
		"last ünï\n"
	for _, size := range []int{1, 2, 3, 7, len(in)} {
		var out bytes.Buffer
		w := clean.NewWriter(&out, 1<<10)
		for p := in; p != ""; p = p[min(size, len(p)):] {
			if n, err := w.Write([]byte(p[:min(size, len(p))])); err != nil || n != min(size, len(p)) {
				t.Fatalf("Write: %d, %v", n, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("written %d bytes at a time:\n got %q\nwant %q", size, out.String(), want)
		}
		if bad := cleantest.Problems(out.String()); len(bad) > 0 {
			t.Errorf("written %d bytes at a time: %v", size, bad)
		}
	}
}

// TestWriterHoldsAtMostALine: text that never ends its line is passed on in
// pieces of the cap as it comes, not held until the end, and a rune cut by
// the cap is shown whole in the next piece.
func TestWriterHoldsAtMostALine(t *testing.T) {
	var out bytes.Buffer
	w := clean.NewWriter(&out, 8)
	w.Write([]byte(strings.Repeat("e", 7) + "日本"))
	if got, want := out.String(), "eeeeeee\n"; got != want {
		t.Errorf("after 13 bytes with a cap of 8, written %q, want %q", got, want)
	}
	w.Write([]byte(strings.Repeat("x", 100)))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, l := range lines {
		if len(l) > 8 {
			t.Errorf("line %q is longer than the cap", l)
		}
	}
	if lines[1] != "日本xx" {
		t.Errorf("second piece %q, want the runes whole: %q", lines[1], "日本xx")
	}
	w.Flush()
	if got := strings.Count(out.String(), "x"); got != 100 {
		t.Errorf("%d of 100 bytes passed on", got)
	}
}

// TestWriterTakesAllOnError: a reader that went away does not make the
// writer keep what it could not pass on.
func TestWriterTakesAllOnError(t *testing.T) {
	w := clean.NewWriter(failing{}, 8)
	if n, err := w.Write([]byte("one\ntwo\n")); n != 8 || err == nil {
		t.Errorf("Write = %d, %v; want 8 and the error", n, err)
	}
	if err := w.Flush(); err != nil {
		t.Errorf("Flush after the lines were dropped: %v, want nothing to write", err)
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("closed") }
