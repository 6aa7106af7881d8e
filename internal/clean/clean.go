// Package clean makes text from outside safe to show: Line for a terminal
// (and any format a person reads), JSON for the machine formats, URL and
// Redact for the secrets a URL can carry. Servers, kubeconfig files and
// saved results are written by whoever controls them, so every value they
// give is treated as hostile until it passes through here.
package clean

import (
	"strings"
	"unicode/utf8"
)

// Replacement is what Line shows in place of a character it must not pass.
// Dropping such characters would let a server splice a plausible value out
// of pieces ("v1.3\x00\x001.2" read as "v1.31.2"); U+FFFD is the character
// terminals and browsers already use for "something that cannot be shown
// was here", so the value stays visibly odd rather than silently changed,
// and it is the same mark Go gives invalid UTF-8.
const Replacement = '\uFFFD'

// Line makes s one line of text that cannot drive a terminal: line breaks
// and tabs (CR, LF, TAB, VT, FF, NEL, U+2028, U+2029) become a space, so a
// value can neither start a forged table row nor break a column; every
// other control character (C0 including ESC, DEL, C1 including the 8-bit
// CSI 0x9B), every bidirectional override, isolate and mark (which make
// text read in another order than it is stored), and every byte that is not
// UTF-8 become Replacement. With ESC and the C1 introducers gone, no escape
// sequence (colour, blink, clear screen, window title, OSC 8 hyperlink,
// DCS) survives: what is left of one is visible text.
//
// Clean strings are returned as they are without allocating, so it costs
// next to nothing on the values that need nothing.
func Line(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || IsControl(r) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(Replacement)
		case isBreak(r):
			b.WriteByte(' ')
		case IsControl(r):
			b.WriteRune(Replacement)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// All is Line of each of xs, in a new slice.
func All(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = Line(x)
	}
	return out
}

// IsControl reports whether r must never reach a terminal raw: the C0 and
// C1 controls and DEL, the Unicode line and paragraph separators, and the
// bidirectional formatting characters (embeddings and overrides U+202A to
// U+202E, isolates U+2066 to U+2069, the marks U+200E, U+200F and U+061C).
func IsControl(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return true
	case r < 0x61c:
		return false
	}
	return r == '\u061c' || r == '\u200e' || r == '\u200f' || r == '\u2028' || r == '\u2029' ||
		r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// isBreak is a control that separates text: shown as a space, so that the
// words either side stay apart.
func isBreak(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// JSON escapes, in b (JSON as encoding/json writes it), every character
// IsControl names that encoding/json leaves raw: DEL, the C1 controls and
// the bidirectional formatting characters, as \u escapes. The data is
// unchanged (any JSON reader decodes the escapes to the same runes) but the
// bytes are safe to cat. It is safe on the encoded bytes because those
// runes can only occur inside JSON strings: outside them JSON holds ASCII
// punctuation, digits, literals and white space, which it leaves alone
// (encoding/json escapes every C0 control inside a string, so a raw one is
// structural white space).
func JSON(b []byte) []byte {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x7f && IsControl(r) {
			break
		}
		i += size
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x7f && IsControl(r) {
			out = appendEscape(out, r)
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

const hex = "0123456789abcdef"

// appendEscape writes r (in the Basic Multilingual Plane, as every rune
// IsControl names is) as a \uXXXX escape, the form JSON and YAML's double
// quoted scalars both read.
func appendEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hex[r>>12&0xf], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
}
