package clean_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/internal/clean/cleantest"
)

func TestLinePassesNothingThatDrivesATerminal(t *testing.T) {
	for _, in := range append(cleantest.Hostile, cleantest.Invalid, cleantest.Payload) {
		out := clean.Line(in)
		cleantest.Check(t, "Line("+strconv.Quote(in)+")", out)
		if strings.Contains(out, "\n") {
			t.Errorf("Line(%q) = %q: more than one line", in, out)
		}
		if !utf8.ValidString(out) {
			t.Errorf("Line(%q) = %q: not UTF-8", in, out)
		}
		if clean.Line(out) != out {
			t.Errorf("Line is not idempotent on %q", in)
		}
	}
}

func TestLineShowsWhatItReplaced(t *testing.T) {
	for in, want := range map[string]string{
		"v1.30.5":                 "v1.30.5",
		"ünïcode ✓ 日本":            "ünïcode ✓ 日本",
		"a\r\nb\tc":               "a  b c",
		"v1.3\x00\x001.2":         "v1.3\uFFFD\uFFFD1.2",
		"\x1b[31mred":             "\uFFFD[31mred",
		"\u202egnp.exe":           "\uFFFDgnp.exe",
		"x\u0085y\u2028z":         "x y z",
		"\u009b2J":                "\uFFFD2J",
		"bad\xffbyte":             "bad\uFFFDbyte",
		"kept \uFFFD replacement": "kept \uFFFD replacement",
	} {
		if got := clean.Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLineDoesNotAllocateOnCleanText(t *testing.T) {
	s := strings.Repeat("cluster-0042 v1.30.5-eks-1a2b3c4 ünïcode ", 4)
	if n := testing.AllocsPerRun(100, func() { _ = clean.Line(s) }); n != 0 {
		t.Errorf("Line allocates %v times on clean text", n)
	}
}

func TestJSONEscapesWhatEncodingJSONLeavesRaw(t *testing.T) {
	in := map[string]string{}
	for i, h := range cleantest.Hostile {
		in[string(rune('a'+i))] = h
	}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := clean.JSON(raw)
	cleantest.Check(t, "JSON", string(out))
	for _, esc := range []string{`\u007f`, `\u009b`, `\u0085`, `\u202e`, `\u2066`, `\u200e`, `\u061c`} {
		if !strings.Contains(string(out), esc) {
			t.Errorf("JSON output lacks %s: %s", esc, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("escaped JSON does not decode: %v", err)
	}
	var want map[string]string
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		if back[k] != v {
			t.Errorf("%s decodes to %q, want %q", k, back[k], v)
		}
	}
	plain := []byte(`{"a": "v1.30.5 ünïcode"}`)
	if got := clean.JSON(plain); &got[0] != &plain[0] {
		t.Errorf("JSON copied clean input")
	}
}

func TestURLHidesUserInfoAndQuery(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:S3cret@host:6443":      "https://redacted@host:6443",
		"https://user:S3cret@host:6443/base": "https://redacted@host:6443/base",
		"https://tok3n@host":                 "https://redacted@host",
		"https://host:6443/?token=abc":       "https://host:6443/?redacted",
		"https://u:p@host/x?token=abc#frag":  "https://redacted@host/x?redacted",
		"https://user:pa/ss@host:6443":       "https://redacted@host:6443",
		// A ? before the last @: the @ may be in the query, so a URL
		// that does not parse is hidden whole, and one that does keeps
		// its own host.
		"https://user:p?ss#w@host:6443":             "https://redacted",
		"https://h/?user=a@b.example&token=S3cret":  "https://h/?redacted",
		"h:6443?token=S3@cret":                      "h:6443?redacted",
		"https://h/#frag?x@y":                       "https://h/#redacted",
		"h:6443?token=S3cret&next=https://x":        "h:6443?redacted", // no scheme before a ?
		"https://user:S3cret@bad host:6443":         "https://redacted@bad host:6443",
		"https://user:S3cret@[::1:6443":             "https://redacted@[::1:6443",
		"user:S3cret@host:6443":                     "redacted@host:6443",
		"https://host:6443":                         "https://host:6443",
		"https://host:6443/?":                       "https://host:6443/?",
		"10.0.0.0/28:6443":                          "10.0.0.0/28:6443",
		"https://redacted@host:6443/?redacted":      "https://redacted@host:6443/?redacted",
		"https://a:b@h/?next=https://c:d@x/?t=S3cr": "https://redacted@h/?redacted",
	} {
		if got := clean.URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactFindsURLsInMessages(t *testing.T) {
	for in, want := range map[string]string{
		`Get "https://user:S3cret@127.0.0.1:6443/version": dial tcp 127.0.0.1:6443: connect: connection refused`: `Get "https://redacted@127.0.0.1:6443/version": dial tcp 127.0.0.1:6443: connect: connection refused`,
		`Get "https://user:***@h/version?timeout=32s": EOF`:                                                      `Get "https://redacted@h/version?redacted": EOF`,
		`context "c": server "user:S3cret@10.0.0.1:6443" is not a URL`:                                           `context "c": server "redacted@10.0.0.1:6443" is not a URL`,
		`server "https://h:6443/?token=S3cret" is not a URL`:                                                     `server "https://h:6443/?redacted" is not a URL`,
		`(url=https://u:S3cret@h)`:                                                                               `(url=https://redacted@h)`,
		`server user:S3cret@h/base is odd`:                                                                       `server redacted@h/base is odd`,
		`User "oidc:jane@example.com" cannot list nodes`:                                                         `User "oidc:jane@example.com" cannot list nodes`,
		`forbidden: User "jane@example.com" cannot list nodes`:                                                   `forbidden: User "jane@example.com" cannot list nodes`,
		`server "127.0.0.1:6443/?token=S3cret" is not a URL`:                                                     `server "127.0.0.1:6443/?redacted" is not a URL`,
		`is it? yes=no`:                                        `is it? yes=no`,
		`no URL here: connection refused`:                      `no URL here: connection refused`,
		`see https://kubernetes.io/docs/ for more`:             `see https://kubernetes.io/docs/ for more`,
		"two\thttps://a:S3cret@h\nhttps://h/?t=S3cret.":        "two\thttps://redacted@h\nhttps://h/?redacted.",
		`"https://u:p\"S3cret@h"`:                              `"https://redacted@h"`,
		`server "h:6443/?token=S3cret&next=https://x/" is odd`: `server "h:6443/?redacted" is odd`,
		`?token=S3cret`:                                        `?redacted`,
	} {
		if got := clean.Redact(in); got != want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", in, got, want)
		}
		if clean.Redact(clean.Redact(in)) != clean.Redact(in) {
			t.Errorf("Redact is not idempotent on %q", in)
		}
	}
}

func TestHideFindsThePiecesOfTheInputAMessageQuotes(t *testing.T) {
	for _, c := range []struct{ msg, input, want string }{
		{`invalid host name "t0ken@host"`, "t0ken@host:6443", `invalid host name "redacted@host"`},
		{`server "t0ken@127.0.0.1:6443" is not a URL`, "t0ken@127.0.0.1:6443", `server "redacted@127.0.0.1:6443" is not a URL`},
		{`invalid port "6443?token=S3cret"`, "host:6443?token=S3cret", `invalid port "6443?redacted"`},
		{`Get "https://u:***@h/version": EOF`, "https://u:S3cret@h", `Get "https://redacted@h/version": EOF`},
		{`user "admin" not found`, "", `user "admin" not found`},
		// Quoted with %q, escaped: a control character and a space in the
		// password would otherwise leave both halves of it to be seen.
		{fmt.Sprintf("parse %q: invalid", "https://u:S3\x01 cret@h"), "https://u:S3\x01 cret@h", `parse "https://redacted@h": invalid`},
		{fmt.Sprintf("host %q", "h?t=S3 \u202ecret"), "h?t=S3 \u202ecret", `host "h?redacted"`},
	} {
		if got := clean.Hide(c.msg, c.input); got != c.want {
			t.Errorf("Hide(%q, %q) = %q, want %q", c.msg, c.input, got, c.want)
		}
	}
}
