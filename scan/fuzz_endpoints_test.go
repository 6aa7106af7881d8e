package scan

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kubesurface/kubesurface/internal/clean"
)

// Fuzz targets for every parser of targets: what a user types, what an
// endpoint list holds, what a kubeconfig names and what a results file
// gives back. Each checks the invariants the rest of the scan rests on,
// not only the absence of a panic: a target that parses is one kubesurface
// can probe and save, and what it saves reads back as the same target.

// endpointSeeds are the hostile and odd inputs of the table tests.
var endpointSeeds = []string{
	"k8s.example.com", "k8s.example.com:6443", "10.0.0.7", "  padded.example.com:6443\t",
	"https://k8s.example.com", "HTTPS://k8s.example.com/", "https://rancher.example.com:8443/k8s/clusters/c-abc",
	"https://proxy.example.com/k8s/c%2Fabc", "http://insecure.example.com", "https://[fd00::1]:6443", "[::1]:6443",
	"::1", "FD00:0::1", "10.0.0.0/30", "10.0.0.0/30:6443", "10.0.0.5/31:6443", "[fd00::/127]:6443",
	"255.255.255.255/32:6443", "0.0.0.0/30:6443", "[::/127]:6443", "224.0.0.0/30", "::/0", "10.0.0.0/8",
	"127.1", "2130706433:6443", "0x7f.1:6443", "0X7F.0.0.1:6443", "0177.0.0.1:6443", "0x7f000001:6443",
	"127.0.0.1.:6443", "10.0x10.0377.255:6443", "1.65535:6443", "00000000000000000000127.1:6443",
	"https://0x7f.1/k8s/clusters/c-1", "https://2130706433.", "1password.example.com:6443", "0x7g:6443",
	"1.2.3.4.5", "256.1.1.1", "4294967296", "0x100000000", "99999999999999999999999999", "08.1.1.1",
	"1..2", "-1.2.3.4", "+1.2.3.4", "1_0.0.0.1", ".1", "0x", "0", "0.0", "00", "0xe0.1",
	"::", "[::]", "[::]:6443", "::ffff:0.0.0.0", "ff02::1", "[ff02::1%eth0]:6443", "https://", "http://:8080",
	"[]:6443", "[example.com]:6443", "[example.com]", "https://[fe80::1%25eth0]:6443", "[fe80::1%eth0]:6443",
	"fe80::1%eth0", "https://[fe80::1%eth0]:6443", "https://[fe80::1%25]:6443", "fe80::1%",
	"https://[fe80::1%25a%0Ab]:6443", "https://[fe80::1%25a%1B]:6443", "[fe80::1%a]b]:6443", "fe80::1%a\x00b",
	"fe80::1%é", "127.0.0.1%eth0", "host%eth0:6443", "", "   ", "host:99999", "host:0", "host:",
	"ftp://x", "https://:6443", "bad host!", "-leading.example.com", "a..b", "10.0.0.0/33", "10.0.0.0/30:0",
	"host/path", "[::1", "a:b:c", "https://user:s3cret@host", "token@host:6443", "host:6443/?token=x",
	"https://h/?token=abc", "https://h:6443/base/?a=b#frag", "k8s.example.com.", "https://K8S.example.com:6443/",
	"https://[fe80::1%25eth0]:6443/k8s/c%2F1", "[fe80::a:b%en0.1]:443", "[::ffff:10.0.0.1]:6443",
	"\x1b]0;title\x07", "host\u202e:6443", "host\r\nforged:6443",
}

// FuzzParseEndpoints: whatever is typed, every target that comes back can
// be probed and saved: a port in range, a canonical host, a URL that
// parses to that host and port without user info or query, a name with
// nothing left to redact, no two rows with one identity, no more than max
// rows, and a saved Ref that FromRef turns back into the same target.
// Errors are one line that names nothing raw. Inputs are the fuzzed
// string's lines, as several arguments.
func FuzzParseEndpoints(f *testing.F) {
	for _, s := range endpointSeeds {
		f.Add(s, uint16(0))
	}
	f.Add("a.example.com\nb.example.com:6443\n10.0.0.0/31", uint16(5))
	f.Add("10.0.0.0/31\n10.0.0.0/30", uint16(8))
	f.Add("a.example.com\na.example.com\na.example.com:443", uint16(2))
	f.Fuzz(func(t *testing.T, in string, m uint16) {
		inputs := strings.Split(in, "\n")
		max := 1 + int(m%600) // small, so a fuzzed block expands fast
		ts, err := ParseEndpoints(inputs, max)
		if err != nil {
			checkMessage(t, err.Error())
			if ts != nil {
				t.Fatalf("targets %v returned with the error %v", ts, err)
			}
			return
		}
		if len(ts) == 0 || len(ts) > max {
			t.Fatalf("%d targets for max %d", len(ts), max)
		}
		seen := map[string]bool{}
		for _, tg := range ts {
			if seen[tg.key()] {
				t.Fatalf("two rows with the identity of %+v", tg.Ref)
			}
			seen[tg.key()] = true
			if tg.Source != SourceEndpoint || tg.Context != "" || tg.Rest != nil || tg.ConfigError != "" {
				t.Fatalf("endpoint %+v carries kubeconfig fields", tg)
			}
			checkTarget(t, tg)
		}
	})
}

// checkTarget holds a parsed target to what probing and saving it need.
func checkTarget(t *testing.T, tg Target) {
	t.Helper()
	if tg.Port < 1 || tg.Port > 65535 {
		t.Fatalf("%+v: port out of range", tg.Ref)
	}
	if canon, err := parseHost(tg.Host); err != nil || canon != tg.Host {
		t.Fatalf("%+v: host is not canonical: parseHost = %q, %v", tg.Ref, canon, err)
	}
	u, err := url.Parse(tg.URL)
	if err != nil {
		t.Fatalf("%+v: URL does not parse: %v", tg.Ref, err)
	}
	wantScheme := "https"
	if tg.Plaintext {
		wantScheme = "http"
	}
	switch {
	case u.Scheme != wantScheme:
		t.Fatalf("%+v: scheme %q, plaintext %v", tg.Ref, u.Scheme, tg.Plaintext)
	case u.Hostname() != tg.Host || u.Port() != strconv.Itoa(tg.Port):
		t.Fatalf("%+v: URL names %q port %q", tg.Ref, u.Hostname(), u.Port())
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		t.Fatalf("%+v: URL keeps user info, query or fragment", tg.Ref)
	case strings.TrimRight(u.EscapedPath(), "/") != tg.BasePath:
		t.Fatalf("%+v: URL path %q, base path %q", tg.Ref, u.EscapedPath(), tg.BasePath)
	case tg.Source == SourceEndpoint && clean.URL(tg.Name) != tg.Name:
		// A context's name is the user's own (kubernetes-admin@kubernetes).
		t.Fatalf("%+v: name holds user info or a query", tg.Ref)
	}
	back, err := FromRef(tg.Ref)
	if err != nil {
		t.Fatalf("saved %+v does not read back: %v", tg.Ref, err)
	}
	if back.key() != tg.key() || back.Ref != tg.Ref || back.BasePath != tg.BasePath || back.Plaintext != tg.Plaintext {
		t.Fatalf("saved %+v (base %q) reads back as %+v (base %q)", tg.Ref, tg.BasePath, back.Ref, back.BasePath)
	}
}

// checkMessage holds an error to one line with nothing raw in it: every
// outside value is quoted or cleaned before it is named.
func checkMessage(t *testing.T, msg string) {
	t.Helper()
	if clean.Line(msg) != msg {
		t.Fatalf("error is not one clean line: %q", msg)
	}
}

// The password and query markers of FuzzEndpointSecrets: they wrap the
// fuzzed secret, so a message that shows either end of it, whole or cut,
// shows one of them.
const (
	pwStart, pwEnd = "PW9x", "x9WP"
	qStart, qEnd   = "QM7k", "k7MQ"
)

// FuzzEndpointSecrets: a password or query given with an endpoint never
// reaches an error or a row, whatever the rest of the input is and whatever
// the secret holds (quotes, control characters, spaces, @ and ? signs):
// neither end of it may show, also when an error quotes it escaped.
func FuzzEndpointSecrets(f *testing.F) {
	f.Add("https://", "user", "s3cret", "host:6443/base", "tok")
	f.Add("https://", "user", "s3\x00 cret", "host", "t ok")
	f.Add("", "user", "pass", "host:6443", "x")
	f.Add("", "u", "a/b:c", "h", "y")
	f.Add("", "user", "p\x01 w", "10.0.0.0/8", "t\x01 k")
	f.Add("http://", "", "\"", "[fe80::1%25eth0]:6443", "")
	f.Add("HTTPS://", "u@v", "p?w#x", "127.1", "a=b&c=d")
	f.Fuzz(func(t *testing.T, scheme, user, secret, host, query string) {
		for _, s := range []string{scheme, user, host} {
			for _, m := range []string{pwStart, pwEnd, qStart, qEnd} {
				if strings.Contains(s, m) {
					return // the marker would show without being the secret
				}
			}
		}
		inputs := []string{
			scheme + user + ":" + pwStart + secret + pwEnd + "@" + host,
			scheme + host + "?token=" + qStart + query + qEnd,
			scheme + host + "/?" + qStart + query + qEnd,
		}
		for _, in := range inputs {
			var shown []string
			if ts, err := ParseEndpoints([]string{in}, 16); err != nil {
				shown = append(shown, err.Error())
			} else {
				for _, tg := range ts {
					shown = append(shown, tg.Name, tg.URL, tg.Host, tg.BasePath)
				}
			}
			if tg, err := FromServer("ctx", in); err != nil {
				shown = append(shown, err.Error())
			} else {
				shown = append(shown, tg.Name, tg.URL, tg.Host, tg.BasePath, tg.ConfigError)
			}
			for _, s := range shown {
				for _, m := range []string{pwStart, pwEnd, qStart, qEnd} {
					if strings.Contains(s, m) {
						t.Fatalf("input %q: %q shows the secret (%s)", in, s, m)
					}
				}
			}
		}
	})
}

// FuzzParseHost: parseHost is idempotent, returns a host that is either a
// canonical IP literal or a DNS name whose last label is no number (so
// never a string DNS would be asked about that other tools read as an
// address), and reads a host whose last label is a number as IPv4.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{
		"127.1", "2130706433", "0x7f.1", "0177.0.0.1", "0x7f000001", "127.0.0.1.", "017700000001", "1.65535",
		"1.16777216", "1.2.65536", "0x", "0", "00", "0.0.0.0", "example.123", "k8s.example.0x1f", "1password.example.com",
		"::", "::1", "::ffff:127.0.0.1", "fe80::1%eth0", "fe80::1%", "fe80::1%a b", "FE80::1%25eth0", "ff02::1",
		"k8s.example.com", "K8S.Example.COM.", "a..b", "-a.b", "a_b.c", strings.Repeat("a", 64), "é.example",
		"1.2.3.4", "255.255.255.255", "224.0.0.1", "0x7g", "08", "0x7F.0.0.1.", "4294967295", "4294967296",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		canon, err := parseHost(h)
		if err != nil {
			checkMessage(t, err.Error())
			return
		}
		again, err := parseHost(canon)
		if err != nil || again != canon {
			t.Fatalf("parseHost(%q) = %q, but parseHost(%q) = %q, %v", h, canon, canon, again, err)
		}
		if addr, err := netip.ParseAddr(canon); err == nil {
			if addr.String() != canon {
				t.Fatalf("parseHost(%q) = %q, not the canonical %q", h, canon, addr)
			}
			if addr.WithZone("").Unmap().IsUnspecified() || addr.WithZone("").Unmap().IsMulticast() {
				t.Fatalf("parseHost(%q) = %q: no server answers there", h, canon)
			}
		} else {
			if endsInNumber(canon) {
				t.Fatalf("parseHost(%q) = %q: a name whose last label is a number", h, canon)
			}
			if err := checkName(canon); err != nil {
				t.Fatalf("parseHost(%q) = %q: %v", h, canon, err)
			}
		}
		if endsInNumber(h) && !isIP(h) {
			if a, err := netip.ParseAddr(canon); err != nil || !a.Is4() {
				t.Fatalf("parseHost(%q) = %q: a numeric last label must give IPv4", h, canon)
			}
		}
		if a, err := netip.ParseAddr(h); err == nil && a.Is4() && canon != h {
			t.Fatalf("parseHost(%q) = %q: a dotted quad must stay as it is", h, canon)
		}
	})
}

// FuzzParseURL: a URL that parses formats to a URL that parses to the
// same target (parse, format, parse).
func FuzzParseURL(f *testing.F) {
	for _, s := range endpointSeeds {
		if strings.Contains(s, "://") {
			f.Add(s)
		}
	}
	f.Add("https://h:6443/a%20b/%2F/")
	f.Add("http://[::ffff:1.2.3.4]:80/x;y")
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := parseURL(s)
		if err != nil {
			checkMessage(t, fmt.Sprintf("%v", err))
			return
		}
		if len(ts) != 1 {
			t.Fatalf("parseURL(%q): %d targets", s, len(ts))
		}
		checkTarget(t, ts[0])
		again, err := parseURL(ts[0].URL)
		if err != nil {
			t.Fatalf("parseURL(%q) gave URL %q, which does not parse: %v", s, ts[0].URL, err)
		}
		a, b := ts[0], again[0]
		if a.URL != b.URL || a.Host != b.Host || a.Port != b.Port || a.BasePath != b.BasePath || a.Plaintext != b.Plaintext {
			t.Fatalf("parseURL(%q) = %+v, and its URL gives %+v", s, a.Ref, b.Ref)
		}
	})
}

// FuzzParseCIDR: a block expands to at most max distinct, probeable
// addresses, all inside it, each on the port given or the default ports.
func FuzzParseCIDR(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/30", "10.0.0.0/30:6443", "10.0.0.5/31:6443", "[fd00::/127]:6443", "255.255.255.255/32:6443",
		"0.0.0.0/30:6443", "[::/127]:6443", "224.0.0.0/30", "::/0", "10.0.0.0/8", "10.0.0.0/33", "10.0.0.0/30:0",
		"[ff02::/126]:6443", "fe80::%eth0/126", "[::ffff:10.0.0.0/126]:443", "10.0.0.0/-1", "host/path", "/", ":/:",
	} {
		f.Add(s, uint16(64))
	}
	f.Fuzz(func(t *testing.T, s string, m uint16) {
		max := 1 + int(m%600)
		ts, err := parseCIDR(context.Background(), s, max)
		if err != nil {
			checkMessage(t, err.Error())
			return
		}
		if len(ts) == 0 || len(ts) > max {
			t.Fatalf("parseCIDR(%q, %d): %d targets", s, max, len(ts))
		}
		seen := map[string]bool{}
		for _, tg := range ts {
			if seen[tg.key()] {
				t.Fatalf("parseCIDR(%q): %s twice", s, tg.URL)
			}
			seen[tg.key()] = true
			checkTarget(t, tg)
			a := netip.MustParseAddr(tg.Host)
			if _, err := probeable(a); err != nil {
				t.Fatalf("parseCIDR(%q): %s: %v", s, tg.Host, err)
			}
		}
	})
}

// FuzzReadEndpoints: any bytes give tokens that are not empty and hold no
// separator (white space, comma, line break, #), no more bytes than were
// read; the tokens read the same when written one per line, and when read
// one byte at a time.
func FuzzReadEndpoints(f *testing.F) {
	f.Add([]byte("# clusters\r\na.example.com\r\n\n   \t\nb.example.com:6443, c.example.com,,d.example.com # trailing comment\n" +
		"https://e.example.com/k8s/clusters/c-1\t10.0.0.0/30:6443\n#only a comment, f.example.com\ng.example.com"))
	for _, s := range []string{"", "\n\n", "# nothing here\n  # nor here\n", " , ,\n", "a\x00b\xff\xfe", "a\u2028b\u0085c", "x#y#z\r\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadEndpoints(context.Background(), bytes.NewReader(data), "list")
		if err != nil {
			checkMessage(t, err.Error())
			if got != nil {
				t.Fatalf("tokens %q returned with the error %v", got, err)
			}
			if !strings.Contains(err.Error(), "list") {
				t.Fatalf("error %q does not name the list", err)
			}
			return
		}
		total := 0
		for _, tok := range got {
			if tok == "" || strings.ContainsAny(tok, ", \t\r\n#") {
				t.Fatalf("token %q holds a separator", tok)
			}
			total += len(tok)
		}
		if total > len(data) {
			t.Fatalf("%d bytes of tokens from %d bytes", total, len(data))
		}
		again, err := ReadEndpoints(context.Background(), strings.NewReader(strings.Join(got, "\n")), "again")
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("tokens %q written one per line read back as %q, %v", got, again, err)
		}
		slow, err := ReadEndpoints(context.Background(), iotest.OneByteReader(bytes.NewReader(data)), "slow")
		if err != nil || !reflect.DeepEqual(slow, got) {
			t.Fatalf("read a byte at a time: %q, %v; want %q", slow, err, got)
		}
	})
}

// kubeconfigServers are the servers of the kubeconfig table tests.
var kubeconfigServers = []string{
	"https://10.0.0.1:6443", "https://ABC123.gr7.us-east-1.eks.amazonaws.com", "https://rancher.example.com/k8s/clusters/c-abc/",
	"http://127.0.0.1:8080", "127.0.0.1:6443", "k8s.example.com", "https://127.1:6443", "https://0x7f000001:6443",
	"0177.0.0.1:6443", "http://2130706433", "https://[::]:6443", "https://0.0.0.0:6443", "0.0.0.0:6443", "http://[ff02::1]",
	"https://224.0.0.1", "https://", "https://:6443", "ftp://k8s.example.com", "ssh://k8s.example.com:22", "file:///etc/passwd",
	"gopher://10.0.0.1", "HTTPS2://x", "https:///path", "//k8s.example.com", "[::]:6443", "::", "https://[fe80::1%25eth0]:6443",
	"[fe80::1%25lo]:6443", "0x7f.1:6443", "http://[FE80::1%25eth0]/x/", "https://user:pass@host:6443", "https://h/?token=x",
	"host:6443/path", "https://h:6443/a%2Fb/", "https://[fe80::1%eth0]:6443", "",
}

// FuzzFromServer: a server kubesurface accepts gives a target whose saved
// Ref reads back (FromRef) as the same key, host, port and URL, and whose
// authenticated client URL (ClientServer) dials the same host and port.
func FuzzFromServer(f *testing.F) {
	for _, s := range kubeconfigServers {
		f.Add("ctx", s)
	}
	f.Add("weird\x1b[31m ctx", "https://k8s.example.com:6443")
	f.Fuzz(func(t *testing.T, context, server string) {
		tg, err := FromServer(context, server)
		if err != nil {
			checkMessage(t, err.Error())
			if !strings.Contains(err.Error(), strconv.Quote(context)) {
				t.Fatalf("error %q does not name the context", err)
			}
			return
		}
		if tg.Source != SourceKubeconfig || tg.Name != context || tg.Context != context {
			t.Fatalf("FromServer(%q, %q) = %+v", context, server, tg.Ref)
		}
		checkTarget(t, tg)
		if back, err := FromRef(tg.Ref); err != nil || back.ConfigError != NoKubeconfig {
			t.Fatalf("saved %+v reads back with %v, config error %q", tg.Ref, err, back.ConfigError)
		}
		if !strings.Contains(server, "://") {
			return // no client: see FromServer
		}
		cs := ClientServer(server, tg)
		u, err := url.Parse(cs)
		if err != nil || u.Hostname() != tg.Host {
			t.Fatalf("ClientServer(%q) = %q, %v; want it to dial %s", server, cs, err, tg.Host)
		}
		if p := u.Port(); p != "" && p != strconv.Itoa(tg.Port) {
			t.Fatalf("ClientServer(%q) = %q, port %s; the probe dials %d", server, cs, p, tg.Port)
		}
	})
}

// FuzzFromRef: any Ref a results file may hold either is refused with one
// clean line, or gives a target that keeps the saved name and URL, has a
// canonical host and a port in range, and reads back from its own Ref as
// the same target again.
func FuzzFromRef(f *testing.F) {
	f.Add("a.example.com:6443", SourceEndpoint, "", "https://a.example.com:6443", "a.example.com", 6443)
	f.Add("prod", SourceKubeconfig, "prod", "https://10.0.0.1:6443", "10.0.0.1", 6443)
	f.Add("x", SourceKubeconfig, "x", "10.0.0.1:6443", "", 0)
	f.Add("x", "ftp", "", "ftp://x", "", 0)
	f.Add("z", SourceEndpoint, "", "https://[fe80::1%25eth0]:6443", "fe80::1%eth0", 6443)
	f.Add("r", SourceKubeconfig, "r", "http://[FE80::1%25eth0]:80/x", "fe80::1%eth0", 80)
	f.Add("q", SourceEndpoint, "", "10.0.0.0/30", "", 0)
	f.Add("no-server", SourceKubeconfig, "no-server", "", "", 0)
	f.Fuzz(func(t *testing.T, name, source, context, u, host string, port int) {
		ref := Ref{Name: name, Source: source, Context: context, URL: u, Host: host, Port: port}
		tg, err := FromRef(ref)
		if err != nil {
			checkMessage(t, err.Error())
			return
		}
		if tg.Name != name || tg.URL != u || tg.Source != source {
			t.Fatalf("FromRef(%+v) = %+v: the saved name, URL and source must stay", ref, tg.Ref)
		}
		if source == SourceKubeconfig && u == "" {
			// A context saved without a server: its row, nothing to probe.
			if tg.ConfigError != NoServer || tg.Host != "" || tg.Port != 0 || tg.Context != context {
				t.Fatalf("FromRef(%+v) = %+v, %q", ref, tg.Ref, tg.ConfigError)
			}
			return
		}
		if tg.Port < 1 || tg.Port > 65535 {
			t.Fatalf("FromRef(%+v): port %d", ref, tg.Port)
		}
		if canon, err := parseHost(tg.Host); err != nil || canon != tg.Host {
			t.Fatalf("FromRef(%+v): host %q is not canonical", ref, tg.Host)
		}
		again, err := FromRef(tg.Ref)
		if err != nil || again.Ref != tg.Ref || again.BasePath != tg.BasePath || again.Plaintext != tg.Plaintext {
			t.Fatalf("FromRef(%+v) = %+v, which reads back as %+v, %v", ref, tg.Ref, again.Ref, err)
		}
	})
}

// FuzzParseShard: an accepted --shard has 0 <= I < N, and I/N formatted
// back parses to the same shard.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/4", "3/4", "4/4", "-1/4", "0/0", "1", "a/b", "/", "0/", "+1/2", "01/02", " 1/2",
		"9223372036854775807/9223372036854775807", "0/9223372036854775807", "0/99999999999999999999", "1/2/3", "0x1/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, n, err := ParseShard(s)
		if err != nil {
			checkMessage(t, err.Error())
			if i != 0 || n != 0 {
				t.Fatalf("ParseShard(%q) = %d, %d with an error", s, i, n)
			}
			return
		}
		if n < 1 || i < 0 || i >= n {
			t.Fatalf("ParseShard(%q) = %d/%d", s, i, n)
		}
		i2, n2, err := ParseShard(fmt.Sprintf("%d/%d", i, n))
		if err != nil || i2 != i || n2 != n {
			t.Fatalf("ParseShard(%q) = %d/%d, which reads back as %d/%d, %v", s, i, n, i2, n2, err)
		}
		ts, err := ParseEndpoints([]string{"10.0.0.0/30:6443"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n <= 1<<20 {
			for _, tg := range Shard(ts, i, n) {
				if shardOf(tg.Ref, n) != i {
					t.Fatalf("shard %d/%d holds %s", i, n, tg.Name)
				}
			}
		}
	})
}
