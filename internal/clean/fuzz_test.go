package clean_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
)

// FuzzLine: whatever a server or file holds, Line gives one line of valid
// UTF-8 with no control, bidi or line-breaking character, leaves clean
// text as it is, is idempotent, and shows one character for each it was
// given (a replaced one stays visible, nothing is spliced out).
func FuzzLine(f *testing.F) {
	for _, s := range append(cleantest.Hostile, cleantest.Invalid, cleantest.Payload, "v1.30.5", "ünïcode ✓ 日本", "\uFFFD", "") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := clean.Line(s)
		cleantest.Check(t, fmt.Sprintf("Line(%q)", s), out)
		if !utf8.ValidString(out) || strings.ContainsAny(out, "\n\r\t\v\f") {
			t.Fatalf("Line(%q) = %q", s, out)
		}
		if clean.Line(out) != out {
			t.Fatalf("Line(%q) = %q, not idempotent", s, out)
		}
		if utf8.RuneCountInString(out) != utf8.RuneCountInString(s) {
			t.Fatalf("Line(%q) = %q: %d characters for %d", s, out, utf8.RuneCountInString(out), utf8.RuneCountInString(s))
		}
		clean := utf8.ValidString(s) && !strings.ContainsFunc(s, clean.IsControl)
		if clean && out != s {
			t.Fatalf("Line(%q) = %q: clean text changed", s, out)
		}
	})
}

// FuzzJSON: any valid JSON, as it is or as encoding/json writes it, stays
// valid JSON through clean.JSON, decodes to the same value, and holds no
// raw DEL, C1 or bidi character; it is idempotent.
func FuzzJSON(f *testing.F) {
	raw, _ := json.Marshal(cleantest.Hostile)
	f.Add(raw)
	f.Add([]byte(`{"a": "v1.30.5 ünïcode", "b": [1, 2.5e300, null, true], "c": {"\u202e": "\u0085"}}`))
	f.Add([]byte("\"raw \u202e and \u0085 and \x7f\""))
	f.Add([]byte("[\"\xff\", \"\\u00\", 1]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		var want any
		if err := decode(data, &want); err != nil {
			t.Fatalf("valid JSON %q does not decode: %v", data, err)
		}
		re, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range [][]byte{data, re} {
			out := clean.JSON(in)
			if !json.Valid(out) {
				t.Fatalf("JSON(%q) = %q: not valid", in, out)
			}
			var got any
			if err := decode(out, &got); err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("JSON(%q) = %q decodes to %v (%v), want %v", in, out, got, err, want)
			}
			for _, r := range string(out) {
				if r >= 0x7f && clean.IsControl(r) {
					t.Fatalf("JSON(%q) = %q holds %U raw", in, out, r)
				}
			}
			if again := clean.JSON(out); !bytes.Equal(again, out) {
				t.Fatalf("JSON is not idempotent on %q", in)
			}
		}
	})
}

func decode(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(v)
}

// urlSeeds are the URLs of the table tests, and odd ones.
var urlSeeds = []string{
	"https://user:S3cret@host:6443", "https://user:S3cret@host:6443/base", "https://tok3n@host", "https://host:6443/?token=abc",
	"https://u:p@host/x?token=abc#frag", "https://user:pa/ss@host:6443", "https://user:p?ss#w@host:6443",
	"https://user:S3cret@bad host:6443", "https://user:S3cret@[::1:6443", "user:S3cret@host:6443", "https://host:6443",
	"https://host:6443/?", "10.0.0.0/28:6443", "https://redacted@host:6443/?redacted", "https://a:b@h/?next=https://c:d@x/?t=S3cr",
	"https://h/?user=a@b.example&token=S3cret", "h:6443?token=S3@cret", "https://h/#frag?x@y", "://@?", "@", "?", "",
	"https://[fe80::1%25eth0]:6443/?a=b", "HTTPS://U:P@H:1/%zz?q", "https://u:p@h?\x00",
}

// FuzzURL: URL is idempotent, and what it leaves, where it parses as a
// URL, has no user info but "redacted" and no query but "redacted".
func FuzzURL(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := clean.URL(s)
		if again := clean.URL(out); again != out {
			t.Fatalf("URL(%q) = %q, then %q", s, out, again)
		}
		checkRedacted(t, s, out)
	})
}

// checkRedacted fails when out, a URL as URL leaves it, parses with user
// info or a query other than the redaction marks. A URL without a scheme
// is read as one after // (a host first), as URL reads it.
func checkRedacted(t *testing.T, in, out string) {
	t.Helper()
	target := out
	if !strings.Contains(target, "://") {
		target = "//" + target
	}
	u, err := url.Parse(target)
	if err != nil {
		return
	}
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword || u.User.Username() != clean.Redacted {
			t.Fatalf("%q is shown as %q: user info %q survives", in, out, u.User)
		}
	}
	if u.RawQuery != "" && u.RawQuery != clean.Redacted {
		t.Fatalf("%q is shown as %q: query %q survives", in, out, u.RawQuery)
	}
}

// The markers around a fuzzed password and query: a message that shows
// either end of the secret, whole or cut, shows one of them.
const (
	pwStart, pwEnd = "PW9x", "x9WP"
	qStart, qEnd   = "QM7k", "k7MQ"
)

func hasMarker(s string) bool {
	for _, m := range []string{pwStart, pwEnd, qStart, qEnd} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// FuzzRedact: in any message, a URL's password and query (without white
// space, which no URL parser lets through) are hidden wherever the URL
// stands, whatever surrounds it; every URL left parses without user info
// or query; Redact is idempotent. Hide, given the input the message is
// about, hides its password and query also where the message quotes the
// input escaped (%q), white space and all.
func FuzzRedact(f *testing.F) {
	f.Add("Get \"", "https", "user", "S3cret", "127.0.0.1:6443/version", "timeout=32s", "\": EOF")
	f.Add("(url=", "http", "", "p\"w", "h", "", ")")
	f.Add("server ", "HTTPS", "u@v", "p?w#x", "[::1]:6443", "a=b@c", ".")
	f.Add("x", "a+b", "u", "p\x01 w", "h", "t k", "")
	f.Fuzz(func(t *testing.T, before, scheme, user, secret, host, query, after string) {
		if hasMarker(before + scheme + user + host + after) {
			return // the marker would show without being the secret
		}
		msg := before + scheme + "://" + user + ":" + pwStart + secret + pwEnd + "@" + host + "?t=" + qStart + query + qEnd + after
		out := clean.Redact(msg)
		if clean.Redact(out) != out {
			t.Fatalf("Redact is not idempotent on %q: %q", msg, out)
		}
		for _, w := range strings.FieldsFunc(out, func(r rune) bool { return unicode.IsSpace(r) || clean.IsControl(r) }) {
			if i := strings.Index(w, "://"); i >= 0 {
				checkRedacted(t, msg, strings.TrimRight(w[strings.LastIndexFunc(w[:i], func(r rune) bool { return !isSchemeRune(r) })+1:], "\"'`)]}>,.;:!"))
			}
		}
		spaced := strings.ContainsFunc(scheme+user+secret+host+query, func(r rune) bool { return unicode.IsSpace(r) || clean.IsControl(r) })
		if !spaced && hasMarker(out) {
			t.Fatalf("Redact(%q) = %q shows the secret", msg, out)
		}

		// A query without a scheme, as a message quotes a kubeconfig
		// server written without one: found by its ? and =.
		if host != "" && !spaced {
			bare := before + host + "?t=" + qStart + query + qEnd + after
			if got := clean.Redact(bare); hasMarker(got) {
				t.Fatalf("Redact(%q) = %q shows the query", bare, got)
			}
		}

		input := scheme + "://" + user + ":" + pwStart + secret + pwEnd + "@" + host + "?t=" + qStart + query + qEnd
		for _, format := range []string{"endpoint %q: invalid", "parse %q: net/url: invalid userinfo", "%v", "[%s]"} {
			quoted := fmt.Sprintf(format, input)
			if got := clean.Hide(quoted, input); hasMarker(got) {
				t.Fatalf("Hide(%q, %q) = %q shows the secret", quoted, input, got)
			}
		}
	})
}

func isSchemeRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')
}

// FuzzWriter: a stream written through Writer in pieces of any size comes
// out as Line would give it line by line: no control, bidi or line-breaking
// character but the newline ending each line, no line longer than the cap
// allows, and, where every line fits the cap, exactly Line of each line.
func FuzzWriter(f *testing.F) {
	for _, s := range append(cleantest.Hostile, cleantest.Invalid, cleantest.Payload, "a\r\nb\n", "no newline", "\n\n", "") {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, piece uint8) {
		const maxLine = 64
		var out bytes.Buffer
		w := clean.NewWriter(&out, maxLine)
		step := int(piece)%17 + 1
		for b := []byte(s); len(b) > 0; {
			n := min(step, len(b))
			if k, err := w.Write(b[:n]); k != n || err != nil {
				t.Fatalf("Write = %d, %v; want %d, nil", k, err, n)
			}
			b = b[n:]
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if got != "" && !strings.HasSuffix(got, "\n") {
			t.Fatalf("%q: output %q does not end its last line", s, got)
		}
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		for _, l := range lines {
			cleantest.Check(t, fmt.Sprintf("Writer(%q)", s), l)
			if !utf8.ValidString(l) || strings.ContainsAny(l, "\r\t\v\f") {
				t.Fatalf("Writer(%q) gave the line %q", s, l)
			}
			if utf8.RuneCountInString(l) > maxLine {
				t.Fatalf("Writer(%q) gave a line of %d characters, over the cap of %d bytes in", s, utf8.RuneCountInString(l), maxLine)
			}
		}
		in := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for _, l := range in {
			if len(l) >= maxLine-1 {
				return // cut into pieces: compared above only
			}
		}
		if s == "" {
			if got != "" {
				t.Fatalf("nothing written, %q out", got)
			}
			return
		}
		var want strings.Builder
		for _, l := range in {
			want.WriteString(clean.Line(strings.TrimSuffix(l, "\r")) + "\n")
		}
		if got != want.String() {
			t.Fatalf("Writer(%q) in pieces of %d = %q; want %q", s, step, got, want.String())
		}
	})
}
