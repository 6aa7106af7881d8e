package clean

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// Redacted stands in for the user info and the query a URL carried.
const Redacted = "redacted"

// URL hides the user info (user:password@, or a token given as the user)
// and the query (?token=...) of s, a URL or what was meant as one, whether
// or not it parses: a URL that fails to parse is exactly the one whose
// password would otherwise be echoed in the error about it. The user info
// is everything up to the last @ (after the scheme's ://, if any), even
// when that @ is in a path or query: a password holding '/', '?' or '#'
// would otherwise leave its first part visible, and hiding a little too
// much of an odd URL is the safer mistake. The query is everything after
// the first ? that follows. A ? before that last @ makes it unclear which
// the @ belongs to (?user=a@b.example&token=x); then the URL is parsed to
// say, and hidden whole if it does not parse. What is left (scheme, host,
// port, path) is kept, so the message still says which server it is about.
// Only letters, digits, '+', '-' and '.' before "://" are a scheme: in
// host?next=https://x the query runs on over the "://".
func URL(s string) string {
	scheme := ""
	if i := strings.Index(s, "://"); i >= 0 && isScheme(s[:i]) {
		scheme, s = s[:i+3], s[i+3:]
	}
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		if strings.IndexByte(s[:at], '?') >= 0 {
			// The @ may be in the query (?user=a@b.example&token=...),
			// and what follows it the rest of the query.
			return scheme + parsedURL(s)
		}
		s = Redacted + s[at:]
	}
	if q := strings.IndexByte(s, '?'); q >= 0 && q < len(s)-1 {
		s = s[:q+1] + Redacted
	}
	return scheme + s
}

// parsedURL is URL for s, what follows a URL's scheme, when a ? comes
// before its last @: then only a parser can say whether that @ ends user
// info (a password with a ? in it) or is in the query. Where s parses, its
// host and path are kept and its user info, query and fragment hidden;
// where it does not, all of it is.
func parsedURL(s string) string {
	u, err := url.Parse("//" + s)
	if err != nil || u.Host == "" || strings.ContainsAny(u.EscapedPath(), "@:") || u.User == nil && colonBeforeAt(s) || !plainHost(u.Host) {
		// An @ in the path too: URL would read it as user info again. A
		// : between the host and the last @ (h/:pass?word@host?q): to the
		// parser a path ends the host early and the rest is a query or a
		// fragment, but to a reader what precedes that @ is user:password.
		// So is a : in the path it would keep, whatever user info it took
		// (@h/:pass#word@host?q), or in its host beyond a port
		// (h:pass:#word@host?q, which the parser takes for a host with
		// an empty port): here an @ always follows.
		return Redacted
	}
	out := u.Host + u.EscapedPath()
	if u.User != nil {
		out = Redacted + "@" + out
	}
	// As URL shows them, so that URL leaves the result as it is: a query
	// hides what follows it, a fragment included.
	switch {
	case u.RawQuery != "" || u.ForceQuery && u.Fragment != "":
		out += "?" + Redacted
	case u.ForceQuery:
		out += "?"
	case u.Fragment != "":
		out += "#" + Redacted
	}
	return out
}

// plainHost reports whether a parsed host is a name or address with, at
// most, a numeric port: any other : in it is a reader's user:password.
func plainHost(host string) bool {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") || !strings.Contains(host, ":") {
		return true
	}
	_, port, err := net.SplitHostPort(host)
	return err == nil && port != "" && strings.Trim(port, "0123456789") == ""
}

// colonBeforeAt reports a : after the host part of s (what follows a
// URL's scheme) and before its last @, where a reader sees user:password
// that a parser took for a path, query or fragment.
func colonBeforeAt(s string) bool {
	at := strings.LastIndexByte(s, '@')
	end := strings.IndexAny(s, "/?#")
	return at >= 0 && end >= 0 && end < at && strings.Contains(s[end:at], ":")
}

// Hide is Redact for a message about input (a URL as the user gave it)
// that may quote pieces of it without their scheme, such as the host part
// `token@host` an error about the host names: wherever the user info of
// input appears followed by its @, or its query after its ?, it is hidden.
func Hide(msg, input string) string {
	rest := input
	if i := strings.Index(rest, "://"); i >= 0 && isScheme(rest[:i]) {
		rest = rest[i+3:]
	}
	if at := strings.LastIndexByte(rest, '@'); at > 0 {
		if strings.IndexByte(rest[:at], '?') >= 0 {
			// The @ may be in the query (see URL): all of it may be secret.
			msg = hide(msg, rest, Redacted)
			rest = ""
		} else {
			msg = hide(msg, rest[:at+1], Redacted+"@")
			rest = rest[at+1:]
		}
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 && q < len(rest)-1 && rest[q+1:] != Redacted {
		msg = hide(msg, rest[q:], "?"+Redacted)
	}
	return Redact(msg)
}

// hide replaces piece in msg as it is and as Go's %q and %+q quote it:
// messages quote their input so, and a password holding a control
// character or a quote is then escaped in the message, where the raw
// piece is not found and white space in it splits it for Redact.
func hide(msg, piece, with string) string {
	if piece == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, piece, with)
	for _, q := range []string{strconv.Quote(piece), strconv.QuoteToASCII(piece)} {
		if q = q[1 : len(q)-1]; q != piece {
			msg = strings.ReplaceAll(msg, q, with)
		}
	}
	return msg
}

// Redact hides the user info and query of every URL in msg, as URL does,
// for messages that quote URLs among other words: those of client-go and
// net/http, or one naming a kubeconfig server. A URL is found by its ://
// and runs to the next white space; user info without a scheme is found
// as a word of the form user:password@host:port (or @host/path), which
// user names such as oidc:jane@example.com are not. Where the raw input is
// known, Hide finds its pieces more surely. The quotes and punctuation a
// message puts after a URL ("...": ) are kept after a hidden query. A
// query without a scheme is found as a word with a ? followed, somewhere,
// by an =.
//
// A URL whose password holds raw white space is not found whole (no URL
// parser accepts one, so no library message carries it); inputs are
// redacted with URL, which sees the whole value.
func Redact(msg string) string {
	if !strings.ContainsAny(msg, "@?") && !strings.Contains(msg, "://") {
		return msg
	}
	var b strings.Builder
	b.Grow(len(msg))
	start := -1
	flush := func(end int) {
		if start >= 0 {
			b.WriteString(redactWord(msg[start:end]))
			start = -1
		}
	}
	for i, r := range msg {
		if unicode.IsSpace(r) || IsControl(r) {
			flush(i)
			b.WriteRune(r)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(msg))
	return b.String()
}

// redactWord redacts one white-space-delimited word of a message.
func redactWord(w string) string {
	if i := strings.Index(w, "://"); i >= 0 {
		// Back up over the scheme's letters; what precedes it (a quote,
		// a parenthesis, "url=") is kept as it is.
		s := i
		for s > 0 && isSchemeByte(w[s-1]) {
			s--
		}
		lead, u := w[:s], w[s:]
		if q := strings.IndexByte(lead, '?'); q >= 0 {
			// A query before the URL (host/?next=https://...) runs on
			// over it; user info before the query is seen to below.
			_, tail := splitTail(w)
			w = w[:q+1] + Redacted + tail
		} else {
			body, tail := splitTail(u)
			if !strings.ContainsAny(body, "@?") {
				return w
			}
			return lead + URL(body) + tail
		}
	} else if q := strings.IndexByte(w, '?'); q >= 0 && strings.Contains(w[q:], "=") {
		// host:6443/?token=x: a query without a scheme, as a message
		// quotes a kubeconfig server written without one.
		body, tail := splitTail(w)
		if q < len(body)-1 {
			w = body[:q+1] + Redacted + tail
		}
	}
	at := strings.LastIndexByte(w, '@')
	if at < 0 {
		return w
	}
	lead := len(w) - len(strings.TrimLeft(w, "\"'`([<{"))
	if !strings.Contains(w[lead:at], ":") || !looksLikeServer(w[at+1:]) {
		// user@host, an e-mail address, or a user name such as
		// "oidc:jane@example.com": no password in sight, and names are
		// what such messages are about.
		return w
	}
	return w[:lead] + Redacted + w[at:]
}

// looksLikeServer is what follows the @ of user:password@host:6443 in a
// message: a host with a port or a path, which an e-mail address has not.
func looksLikeServer(s string) bool {
	i := strings.IndexAny(s, ":/")
	return i > 0 && (s[i] == '/' || i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9')
}

// isScheme reports whether s can be what precedes a URL's "://": a
// scheme (RFC 3986: letters, digits, '+', '-', '.'), or nothing. A ? or @
// before "://" (host?next=https://...) makes it no scheme but a query or
// user info that runs on over it.
func isScheme(s string) bool {
	for i := range len(s) {
		if !isSchemeByte(s[i]) {
			return false
		}
	}
	return true
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// splitTail splits the quotes and punctuation a message puts after a URL
// (`"https://h/?q=1":` ends in `":`) from the URL, so that hiding the query
// does not swallow them. A tail that is part of the user info stays in the
// URL, which then hides it.
func splitTail(u string) (body, tail string) {
	end := len(u)
	for end > 0 && strings.IndexByte("\"'`)]}>,.;:!", u[end-1]) >= 0 {
		end--
	}
	if strings.LastIndexByte(u, '@') >= end {
		return u, ""
	}
	return u[:end], u[end:]
}
