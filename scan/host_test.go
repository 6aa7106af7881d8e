package scan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestNumericHostShorthands: a host whose last label is a number is the
// IPv4 address curl and browsers read it as, in every input form. The row
// keeps the user's spelling; the URL and host are the address probed.
func TestNumericHostShorthands(t *testing.T) {
	cases := []struct {
		in   string
		want []Ref
		base string
	}{
		{in: "127.1", want: []Ref{
			parseRef("127.1:443", "https://127.0.0.1:443", "127.0.0.1", 443),
			parseRef("127.1:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443),
		}},
		{in: "2130706433:6443", want: []Ref{parseRef("2130706433:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "0x7f.1:6443", want: []Ref{parseRef("0x7f.1:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "0X7F.0.0.1:6443", want: []Ref{parseRef("0X7F.0.0.1:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "0177.0.0.1:6443", want: []Ref{parseRef("0177.0.0.1:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "0x7f000001:6443", want: []Ref{parseRef("0x7f000001:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "127.0.0.1.:6443", want: []Ref{parseRef("127.0.0.1.:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "127.0.1:6443", want: []Ref{parseRef("127.0.1:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "010.0.0.1:6443", want: []Ref{parseRef("010.0.0.1:6443", "https://8.0.0.1:6443", "8.0.0.1", 6443)}},
		{in: "10.0x10.0377.255:6443", want: []Ref{parseRef("10.0x10.0377.255:6443", "https://10.16.255.255:6443", "10.16.255.255", 6443)}},
		{in: "1.65535:6443", want: []Ref{parseRef("1.65535:6443", "https://1.0.255.255:6443", "1.0.255.255", 6443)}},
		{in: "00000000000000000000127.1:6443", want: []Ref{parseRef("00000000000000000000127.1:6443", "https://87.0.0.1:6443", "87.0.0.1", 6443)}},
		{in: "https://127.1:6443", want: []Ref{parseRef("https://127.1:6443", "https://127.0.0.1:6443", "127.0.0.1", 6443)}},
		{in: "https://0x7f.1/k8s/clusters/c-1", base: "/k8s/clusters/c-1", want: []Ref{
			parseRef("https://0x7f.1/k8s/clusters/c-1", "https://127.0.0.1:443/k8s/clusters/c-1", "127.0.0.1", 443)}},
		{in: "https://2130706433.", want: []Ref{parseRef("https://2130706433.", "https://127.0.0.1:443", "127.0.0.1", 443)}},
		// A label that merely starts with digits is a name, as in browsers.
		{in: "1password.example.com:6443", want: []Ref{parseRef("1password.example.com:6443", "https://1password.example.com:6443", "1password.example.com", 6443)}},
		{in: "123.example:6443", want: []Ref{parseRef("123.example:6443", "https://123.example:6443", "123.example", 6443)}},
		{in: "0x7g:6443", want: []Ref{parseRef("0x7g:6443", "https://0x7g:6443", "0x7g", 6443)}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseEndpoints([]string{c.in}, 0)
			if err != nil {
				t.Fatalf("ParseEndpoints(%q): %v", c.in, err)
			}
			var refs []Ref
			for _, tg := range got {
				refs = append(refs, tg.Ref)
				if tg.BasePath != c.base {
					t.Errorf("BasePath %q, want %q", tg.BasePath, c.base)
				}
			}
			if fmt.Sprint(refs) != fmt.Sprint(c.want) {
				t.Errorf("ParseEndpoints(%q) =\n%s\nwant\n%s", c.in, parseRefs(refs), parseRefs(c.want))
			}
		})
	}

	// A kubeconfig server means the same address.
	for server, want := range map[string]string{
		"https://127.1:6443":      "https://127.0.0.1:6443",
		"https://0x7f000001:6443": "https://127.0.0.1:6443",
		"0177.0.0.1:6443":         "https://127.0.0.1:6443",
		"http://2130706433":       "http://127.0.0.1:80",
	} {
		tg, err := FromServer("ctx", server)
		if err != nil || tg.URL != want || tg.Host != "127.0.0.1" || tg.Name != "ctx" {
			t.Errorf("FromServer(%q) = %+v, %v; want URL %s on 127.0.0.1", server, tg.Ref, err, want)
		}
	}
}

// TestNumericHostsThatAreNoAddress: a numeric last label that does not
// make an IPv4 address is an error, never a name to look up.
func TestNumericHostsThatAreNoAddress(t *testing.T) {
	for _, in := range []string{
		"1.2.3.4.5", "256.1.1.1", "1.256.1.1", "1.2.3.256", "example.123", "k8s.example.0x1f",
		"4294967296", "0x100000000", "99999999999999999999999999", "1.16777216", "1.2.65536",
		"08.1.1.1", "0x7g.1", "1..2", "-1.2.3.4", "+1.2.3.4", "1_0.0.0.1",
		".1", "0x", "0", "0.0.0.0", "0.0", "00", "224.0.0.1", "0xe0.1", "239.255.255.250",
	} {
		for _, form := range []string{"%s", "%s:6443", "https://%s:6443"} {
			input := fmt.Sprintf(form, in)
			got, err := ParseEndpoints([]string{input}, 0)
			if err == nil {
				t.Errorf("ParseEndpoints(%q) = %v, want an error", input, got)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, "number") && !strings.Contains(msg, "invalid host") &&
				!strings.Contains(msg, "unspecified") && !strings.Contains(msg, "multicast") {
				t.Errorf("ParseEndpoints(%q): error %q does not say why", input, msg)
			}
		}
		if _, err := FromServer("ctx-n", "https://"+in); err == nil || !strings.Contains(err.Error(), `"ctx-n"`) {
			t.Errorf("FromServer(https://%s): %v, want an error naming the context", in, err)
		}
	}
	// One trailing dot is allowed, as in a fully qualified name.
	if got, err := ParseEndpoints([]string{"1.2.3.4.:6443"}, 0); err != nil || got[0].Host != "1.2.3.4" {
		t.Errorf("1.2.3.4.: %v %v", got, err)
	}
}

// TestOddHostsAreRefused: addresses no server can answer on are config or
// usage errors in every form, and CIDR blocks just skip them.
func TestOddHostsAreRefused(t *testing.T) {
	for _, in := range []string{
		"::", "[::]", "[::]:6443", "0.0.0.0", "0.0.0.0:6443", "https://0.0.0.0", "https://[::]:6443",
		"::ffff:0.0.0.0", "ff02::1", "[ff02::1%eth0]:6443", "https://[ff05::2]", "224.0.0.251:6443", "https://",
		"http://:8080", "[]:6443", "[example.com]:6443", "[example.com]",
	} {
		if got, err := ParseEndpoints([]string{in}, 0); err == nil {
			t.Errorf("ParseEndpoints(%q) = %v, want an error", in, got)
		}
	}
	for _, server := range []string{
		"https://[::]:6443", "https://0.0.0.0:6443", "0.0.0.0:6443", "http://[ff02::1]", "https://224.0.0.1",
		"https://", "https://:6443", "ftp://k8s.example.com", "ssh://k8s.example.com:22", "file:///etc/passwd",
		"gopher://10.0.0.1", "HTTPS2://x", "https:///path", "//k8s.example.com", "[::]:6443", "::",
	} {
		_, err := FromServer("weird-ctx", server)
		if err == nil {
			t.Errorf("FromServer(%q) accepted", server)
			continue
		}
		if !strings.Contains(err.Error(), `context "weird-ctx"`) || !strings.Contains(err.Error(), strconv.Quote(server)) {
			t.Errorf("FromServer(%q): %q does not name the context and server", server, err)
		}
	}
	if _, err := FromServer("c", "ftp://k8s.example.com"); err == nil || !strings.Contains(err.Error(), `scheme "ftp"`) {
		t.Errorf("ftp server: %v, want the scheme named", err)
	}
	if _, err := FromServer("c", "https://[::]:6443"); err == nil || !strings.Contains(err.Error(), "unspecified") {
		t.Errorf("[::] server: %v, want it called unspecified", err)
	}

	// Blocks keep working: the unspecified address is skipped, a block of
	// nothing but it (or multicast) is refused.
	got, err := ParseEndpoints([]string{"0.0.0.0/30:6443"}, 0)
	if err != nil || len(got) != 3 || got[0].Host != "0.0.0.1" {
		t.Errorf("0.0.0.0/30: %v, %v; want the 3 addresses after 0.0.0.0", got, err)
	}
	got, err = ParseEndpoints([]string{"[::/127]:6443"}, 0)
	if err != nil || len(got) != 1 || got[0].Host != "::1" {
		t.Errorf("::/127: %v, %v; want ::1 alone", got, err)
	}
	for _, block := range []string{"0.0.0.0/32", "224.0.0.0/30", "[ff02::/126]:6443"} {
		if got, err := ParseEndpoints([]string{block}, 0); err == nil || !strings.Contains(err.Error(), "multicast") {
			t.Errorf("%s: %v, %v; want an error", block, got, err)
		}
	}
}

// TestIPv6Zones: a zone parses the same in every form (escaped as %25 in
// URLs, raw elsewhere), reads back from the saved URL as the same target,
// and is refused when it could not be an interface name.
func TestIPv6Zones(t *testing.T) {
	const url = "https://[fe80::1%25eth0]:6443"
	for _, in := range []string{url, "[fe80::1%eth0]:6443", "HTTPS://[FE80::1%25eth0]:6443/", "https://[fe80::1%25eth%30]:6443"} {
		got, err := ParseEndpoints([]string{in}, 0)
		if err != nil {
			t.Errorf("ParseEndpoints(%q): %v", in, err)
			continue
		}
		if len(got) != 1 || got[0].Host != "fe80::1%eth0" || got[0].Port != 6443 || got[0].URL != url || got[0].Name != in {
			t.Errorf("ParseEndpoints(%q) = %+v", in, got[0].Ref)
		}
	}
	got, err := ParseEndpoints([]string{"fe80::1%eth0", "[fe80::2%wlp2s0]"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range got {
		names = append(names, tg.Name+" "+tg.URL)
	}
	if want := []string{
		"[fe80::1%eth0]:443 https://[fe80::1%25eth0]:443", "[fe80::1%eth0]:6443 https://[fe80::1%25eth0]:6443",
		"[fe80::2%wlp2s0]:443 https://[fe80::2%25wlp2s0]:443", "[fe80::2%wlp2s0]:6443 https://[fe80::2%25wlp2s0]:6443",
	}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("bare zoned addresses: %q, want %q", names, want)
	}
	for _, server := range []string{url, "https://[fe80::1%25eth0]:6443/", "[fe80::1%25eth0]:6443"} {
		k, err := FromServer("link-local", server)
		if err != nil || k.Host != "fe80::1%eth0" || k.URL != url {
			t.Errorf("FromServer(%q) = %+v, %v", server, k.Ref, err)
		}
	}

	for _, in := range []string{
		"https://[fe80::1%eth0]:6443", // a raw % is not a URL escape
		"https://[fe80::1%25]:6443", "[fe80::1%]:6443", "fe80::1%",
		"https://[fe80::1%25eth%200]:6443", "https://[fe80::1%25a%0Ab]:6443", "https://[fe80::1%25a%1B]:6443",
		"https://[fe80::1%25a%5Db]:6443", "[fe80::1%a]b]:6443", "[fe80::1%a/b]:6443", "fe80::1%a\x00b", "fe80::1%é",
		"fe80::1%" + strings.Repeat("x", 16), "[fe80::1%" + strings.Repeat("x", 100) + "]:6443",
		"127.0.0.1%eth0", "[127.0.0.1%eth0]:6443", "host%eth0:6443",
	} {
		if got, err := ParseEndpoints([]string{in}, 0); err == nil {
			t.Errorf("ParseEndpoints(%q) = %+v, want an error", in, got[0].Ref)
		} else if strings.Contains(in, "%eth0]") && strings.HasPrefix(in, "https") && !strings.Contains(err.Error(), "%25") {
			t.Errorf("raw zone in a URL: %q does not say how to write it", err)
		}
		if _, err := FromServer("z", in); err == nil {
			t.Errorf("FromServer(%q) accepted", in)
		}
	}
	if _, err := ParseEndpoints([]string{"fe80::1%" + strings.Repeat("x", 15)}, 0); err != nil {
		t.Errorf("a 15-byte zone (IFNAMSIZ-1) is an interface name: %v", err)
	}
}

// TestSavedTargetsReadBack: every target, whatever form it was given in,
// comes back from its saved identity (the Ref a results file holds) as the
// same target: same key, host, port and URL. view and --from-results rely
// on it.
func TestSavedTargetsReadBack(t *testing.T) {
	inputs := []string{
		"127.1", "2130706433:6443", "https://0x7f.1:8443/base", "0177.0.0.1.", "http://0x7f000001",
		"fe80::1%eth0", "[fe80::1%eth0]:6443", "https://[fe80::1%25eth0]:6443/k8s/c%2F1", "[fe80::a:b%en0.1]:443",
		"FD00:0::1", "[::ffff:10.0.0.1]:6443", "10.0.0.0/31:6443", "k8s.example.com.", "https://K8S.example.com:6443/",
	}
	var targets []Target
	for _, in := range inputs {
		ts, err := ParseEndpoints([]string{in}, 0)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		targets = append(targets, ts...)
	}
	for i, server := range []string{"https://127.1:6443", "https://[fe80::1%25eth0]:6443", "[fe80::1%25lo]:6443", "0x7f.1:6443", "http://[FE80::1%25eth0]/x/"} {
		k, err := FromServer(fmt.Sprintf("ctx-%d", i), server)
		if err != nil {
			t.Fatalf("%s: %v", server, err)
		}
		targets = append(targets, k)
	}
	for _, want := range targets {
		got, err := FromRef(want.Ref)
		if err != nil {
			t.Errorf("%s (%s): %v", want.Name, want.URL, err)
			continue
		}
		if got.key() != want.key() || got.Host != want.Host || got.Port != want.Port || got.URL != want.URL ||
			got.BasePath != want.BasePath || got.Plaintext != want.Plaintext || got.Name != want.Name {
			t.Errorf("FromRef(%+v) =\n  %+v base %q\nwant\n  %+v base %q", want.Ref, got.Ref, got.BasePath, want.Ref, want.BasePath)
		}
		// And once more: a rescan's results are saved and read again.
		again, err := FromRef(got.Ref)
		if err != nil || again.key() != want.key() || again.Host != want.Host {
			t.Errorf("second read-back of %s: %+v, %v", want.Name, again.Ref, err)
		}
	}
}

// TestShorthandsNeverReachDNS scans numeric shorthands of a live
// 127.0.0.1 server through a resolver that counts every query: none may be
// made, and each must connect to 127.0.0.1. A real name is scanned too, so
// the counter is shown to count.
func TestShorthandsNeverReachDNS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"major":"1","minor":"33","gitVersion":"v1.33.1"}`))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	var queries atomic.Int32
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		queries.Add(1)
		return nil, errors.New("this test has no DNS")
	}}
	var inputs []string
	for _, h := range []string{"127.1", "2130706433", "0x7f.1", "0177.0.0.1", "0x7f000001", "127.0.0.1.", "017700000001"} {
		inputs = append(inputs, h+":"+port)
	}
	inputs = append(inputs, "https://0x7F.0.0.1:"+port)
	if all, err := ParseEndpoints(inputs, 0); err != nil || len(all) != 1 || all[0].Name != inputs[0] {
		// every spelling is one address: one row, the first spelling's
		t.Errorf("one address spelt %d ways: %v, %v; want one row", len(inputs), all, err)
	}
	var targets []Target
	for _, in := range inputs {
		ts, err := ParseEndpoints([]string{in}, 0)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, ts...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := New(Options{Timeout: 5 * time.Second, Resolver: resolver})
	for _, r := range s.Scan(ctx, targets) {
		if r.Connect == nil || r.Connect.Address != "127.0.0.1:"+port || r.Version == nil || r.Version.GitVersion != "v1.33.1" {
			t.Errorf("%s: connect %+v, version %+v, errors %+v", r.Target.Name, r.Connect, r.Version, r.Errors)
		}
	}
	if n := queries.Load(); n != 0 {
		t.Errorf("%d DNS queries for numeric hosts", n)
	}
	named, err := ParseEndpoints([]string{"kubesurface-test.invalid:" + port}, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Scan(ctx, named)
	if queries.Load() == 0 {
		t.Error("a real name made no query: the counter does not count")
	}
}
