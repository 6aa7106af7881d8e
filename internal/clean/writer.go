package clean

import (
	"bytes"
	"io"
	"sync"
	"unicode/utf8"
)

// Writer passes a stream of text on through Line a line at a time, for
// text that arrives as a stream rather than as values: what a credential
// plugin prints on stderr. Cleaning each write on its own would turn the
// newlines between lines into spaces and could cut a rune or an escape
// sequence in two; cleaning the whole stream at the end would hold it all.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	max  int
	line []byte
}

// NewWriter returns a Writer to w. A line longer than maxLine bytes is
// passed on in pieces of at most maxLine, so a writer that never ends its
// line cannot make the Writer hold more than that.
func NewWriter(w io.Writer, maxLine int) *Writer {
	return &Writer{w: w, max: max(maxLine, utf8.UTFMax)}
}

// Write always takes all of p: after an error from w, the rest of p is
// dropped rather than held for a reader that may never come back.
func (c *Writer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		chunk := p[:min(len(p), c.max-len(c.line))]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			c.line = append(c.line, chunk[:i]...)
			p = p[i+1:]
		} else {
			c.line = append(c.line, chunk...)
			p = p[len(chunk):]
			if len(c.line) < c.max {
				break
			}
		}
		if err := c.emit(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Flush passes on a last line that has no newline yet, ended with one so
// that what is written after it starts a line of its own.
func (c *Writer) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.line) == 0 {
		return nil
	}
	return c.emit()
}

// emit writes the line held, cleaned, with a newline. A line cut at the
// cap keeps the start of a rune cut in two for the next piece, so the
// rune is shown rather than two replacement marks. A CR ending the line is
// the CRLF of a line ending, not a forged line: it is dropped.
func (c *Writer) emit() error {
	line, rest := c.line, []byte(nil)
	if len(line) >= c.max {
		if k := partialRune(line); k < len(line) {
			line, rest = line[:k], line[k:]
		}
	} else {
		line = bytes.TrimSuffix(line, []byte{'\r'})
	}
	out := Line(string(line)) + "\n"
	c.line = append(c.line[:0], rest...)
	_, err := io.WriteString(c.w, out)
	return err
}

// partialRune is where an incomplete but possibly valid UTF-8 sequence at
// the end of b starts, or len(b) when b does not end in one.
func partialRune(b []byte) int {
	for k := len(b) - 1; k >= 0 && k >= len(b)-utf8.UTFMax+1; k-- {
		if utf8.RuneStart(b[k]) {
			if !utf8.FullRune(b[k:]) {
				return k
			}
			break
		}
	}
	return len(b)
}
