package scan

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// parseCase is one ParseEndpoints input and the rows it must produce.
type parseCase struct {
	in   string
	want []Ref
	base string // BasePath of every target
	http bool   // Plaintext of every target
}

// parseRef is the Ref of an endpoint row, spelled out so that a wrong
// default port, scheme or name shows up as a field difference.
func parseRef(name, url, host string, port int) Ref {
	return Ref{Name: name, Source: SourceEndpoint, URL: url, Host: host, Port: port}
}

// TestParseEndpoints pins every input shape the scan command documents: a
// bare host fans out to both default ports, everything with a port (or a
// scheme) names exactly one row, and the row's URL is what gets probed.
func TestParseEndpoints(t *testing.T) {
	cases := []parseCase{
		{in: "k8s.example.com", want: []Ref{
			parseRef("k8s.example.com:443", "https://k8s.example.com:443", "k8s.example.com", 443),
			parseRef("k8s.example.com:6443", "https://k8s.example.com:6443", "k8s.example.com", 6443),
		}},
		{in: "k8s.example.com:6443", want: []Ref{
			parseRef("k8s.example.com:6443", "https://k8s.example.com:6443", "k8s.example.com", 6443),
		}},
		{in: "10.0.0.7", want: []Ref{
			parseRef("10.0.0.7:443", "https://10.0.0.7:443", "10.0.0.7", 443),
			parseRef("10.0.0.7:6443", "https://10.0.0.7:6443", "10.0.0.7", 6443),
		}},
		{in: "  padded.example.com:6443\t", want: []Ref{
			parseRef("padded.example.com:6443", "https://padded.example.com:6443", "padded.example.com", 6443),
		}},
		{in: "https://k8s.example.com", want: []Ref{
			parseRef("https://k8s.example.com", "https://k8s.example.com:443", "k8s.example.com", 443),
		}},
		{in: "HTTPS://k8s.example.com/", want: []Ref{
			parseRef("HTTPS://k8s.example.com/", "https://k8s.example.com:443", "k8s.example.com", 443),
		}},
		{in: "https://rancher.example.com:8443/k8s/clusters/c-abc", base: "/k8s/clusters/c-abc", want: []Ref{
			parseRef("https://rancher.example.com:8443/k8s/clusters/c-abc", "https://rancher.example.com:8443/k8s/clusters/c-abc", "rancher.example.com", 8443),
		}},
		{in: "https://rancher.example.com/k8s/clusters/c-abc/", base: "/k8s/clusters/c-abc", want: []Ref{
			parseRef("https://rancher.example.com/k8s/clusters/c-abc/", "https://rancher.example.com:443/k8s/clusters/c-abc", "rancher.example.com", 443),
		}},
		// An escaped base path is probed as given, so the URL shown must be
		// the same bytes, not escaped a second time.
		{in: "https://proxy.example.com/k8s/c%2Fabc", base: "/k8s/c%2Fabc", want: []Ref{
			parseRef("https://proxy.example.com/k8s/c%2Fabc", "https://proxy.example.com:443/k8s/c%2Fabc", "proxy.example.com", 443),
		}},
		{in: "http://insecure.example.com:8080", http: true, want: []Ref{
			parseRef("http://insecure.example.com:8080", "http://insecure.example.com:8080", "insecure.example.com", 8080),
		}},
		{in: "http://insecure.example.com", http: true, want: []Ref{
			parseRef("http://insecure.example.com", "http://insecure.example.com:80", "insecure.example.com", 80),
		}},
		{in: "https://[fd00::1]:6443", want: []Ref{
			parseRef("https://[fd00::1]:6443", "https://[fd00::1]:6443", "fd00::1", 6443),
		}},
		{in: "[::1]:6443", want: []Ref{
			parseRef("[::1]:6443", "https://[::1]:6443", "::1", 6443),
		}},
		{in: "::1", want: []Ref{
			parseRef("[::1]:443", "https://[::1]:443", "::1", 443),
			parseRef("[::1]:6443", "https://[::1]:6443", "::1", 6443),
		}},
		{in: "fd00::1", want: []Ref{
			parseRef("[fd00::1]:443", "https://[fd00::1]:443", "fd00::1", 443),
			parseRef("[fd00::1]:6443", "https://[fd00::1]:6443", "fd00::1", 6443),
		}},
		// Bare IPv6 is normalised, so the same address typed two ways is one row.
		{in: "FD00:0::1", want: []Ref{
			parseRef("[fd00::1]:443", "https://[fd00::1]:443", "fd00::1", 443),
			parseRef("[fd00::1]:6443", "https://[fd00::1]:6443", "fd00::1", 6443),
		}},
		{in: "10.0.0.0/30", want: []Ref{
			parseRef("10.0.0.0:443", "https://10.0.0.0:443", "10.0.0.0", 443),
			parseRef("10.0.0.0:6443", "https://10.0.0.0:6443", "10.0.0.0", 6443),
			parseRef("10.0.0.1:443", "https://10.0.0.1:443", "10.0.0.1", 443),
			parseRef("10.0.0.1:6443", "https://10.0.0.1:6443", "10.0.0.1", 6443),
			parseRef("10.0.0.2:443", "https://10.0.0.2:443", "10.0.0.2", 443),
			parseRef("10.0.0.2:6443", "https://10.0.0.2:6443", "10.0.0.2", 6443),
			parseRef("10.0.0.3:443", "https://10.0.0.3:443", "10.0.0.3", 443),
			parseRef("10.0.0.3:6443", "https://10.0.0.3:6443", "10.0.0.3", 6443),
		}},
		{in: "10.0.0.0/30:6443", want: []Ref{
			parseRef("10.0.0.0:6443", "https://10.0.0.0:6443", "10.0.0.0", 6443),
			parseRef("10.0.0.1:6443", "https://10.0.0.1:6443", "10.0.0.1", 6443),
			parseRef("10.0.0.2:6443", "https://10.0.0.2:6443", "10.0.0.2", 6443),
			parseRef("10.0.0.3:6443", "https://10.0.0.3:6443", "10.0.0.3", 6443),
		}},
		// Host bits are masked off: the block is what the user meant.
		{in: "10.0.0.5/31:6443", want: []Ref{
			parseRef("10.0.0.4:6443", "https://10.0.0.4:6443", "10.0.0.4", 6443),
			parseRef("10.0.0.5:6443", "https://10.0.0.5:6443", "10.0.0.5", 6443),
		}},
		{in: "[fd00::/127]:6443", want: []Ref{
			parseRef("[fd00::]:6443", "https://[fd00::]:6443", "fd00::", 6443),
			parseRef("[fd00::1]:6443", "https://[fd00::1]:6443", "fd00::1", 6443),
		}},
		{in: "255.255.255.255/32:6443", want: []Ref{
			parseRef("255.255.255.255:6443", "https://255.255.255.255:6443", "255.255.255.255", 6443),
		}},
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
				if tg.BasePath != c.base || tg.Plaintext != c.http {
					t.Errorf("%s: BasePath %q Plaintext %v, want %q %v", tg.Name, tg.BasePath, tg.Plaintext, c.base, c.http)
				}
				if tg.Rest != nil || tg.Context != "" || tg.ServerName != "" || tg.ConfigError != "" {
					t.Errorf("%s: an endpoint must carry no client configuration: %+v", tg.Name, tg)
				}
			}
			if !reflect.DeepEqual(refs, c.want) {
				t.Errorf("ParseEndpoints(%q) =\n%s\nwant\n%s", c.in, parseRefs(refs), parseRefs(c.want))
			}
		})
	}
}

func parseRefs(rs []Ref) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  %+v\n", r)
	}
	return b.String()
}

// TestParseEndpointsErrors checks that bad input is refused rather than
// guessed at, and that the error names the input so a user with a file of
// hundreds of endpoints can find the bad line.
func TestParseEndpointsErrors(t *testing.T) {
	cases := []struct {
		in   string
		want []string // substrings of the error, besides the quoted input
	}{
		{"", []string{"empty"}},
		{"   ", []string{"empty"}},
		{"host:99999", []string{"invalid port"}},
		{"host:0", []string{"invalid port"}},
		{"host:", []string{"invalid port"}},
		{"https://host:70000", []string{"invalid port"}},
		{"ftp://x", []string{`scheme "ftp"`}},
		{"https://:6443", []string{"no host"}},
		{"bad host!", []string{"invalid host name"}},
		{"-leading.example.com", []string{"invalid host name"}},
		{"a..b", []string{"invalid host name"}},
		{strings.Repeat("a", 64) + ".example.com", []string{"invalid host name"}},
		{"10.0.0.0/33", []string{"not a CIDR"}},
		{"10.0.0.0/30:0", []string{"invalid port"}},
		{"host/path", []string{"not a CIDR"}},
		{"[::1", []string{"not host"}},
		{"a:b:c", []string{"not host"}},
	}
	// A password typed into a URL is refused and never echoed back.
	if _, err := ParseEndpoints([]string{"https://user:s3cret@host"}, 0); err == nil ||
		!strings.Contains(err.Error(), `"https://redacted@host"`) || strings.Contains(err.Error(), "s3cret") ||
		!strings.Contains(err.Error(), "credentials") {
		t.Errorf("URL with a password: error %v", err)
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseEndpoints([]string{"ok.example.com", c.in}, 0)
			if err == nil {
				t.Fatalf("ParseEndpoints(%q) = %d targets, want an error", c.in, len(got))
			}
			msg := err.Error()
			if quoted := fmt.Sprintf("%q", c.in); !strings.Contains(msg, quoted) {
				t.Errorf("error %q does not name the input %s", msg, quoted)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if got != nil {
				t.Errorf("targets returned alongside the error: %v", got)
			}
		})
	}
}

// TestParseEndpointsMaxTargets checks the bound is enforced before a block
// is expanded (a /8 must fail at once, not after allocating 33M rows) and
// that it counts across inputs.
func TestParseEndpointsMaxTargets(t *testing.T) {
	for _, c := range []struct {
		name   string
		inputs []string
		max    int
		want   int // targets; -1 for an error
	}{
		{"fits exactly", []string{"10.0.0.0/30"}, 8, 8},
		{"one over", []string{"10.0.0.0/30"}, 7, -1},
		{"port halves the count", []string{"10.0.0.0/30:6443"}, 4, 4},
		{"slash 8 under default", []string{"10.0.0.0/8"}, 0, -1},
		{"whole IPv6 space", []string{"::/0"}, 0, -1},
		{"counts across inputs", []string{"a.example.com", "b.example.com", "10.0.0.0/31"}, 5, -1},
		{"host fan-out counts", []string{"a.example.com", "b.example.com:6443", "c.example.com"}, 4, -1},
		{"url counts", []string{"a.example.com", "https://b.example.com"}, 2, -1},
		{"default bound", []string{"10.0.0.0/21"}, 0, 4096},
		{"duplicates do not count", []string{"a.example.com", "a.example.com", "a.example.com:443"}, 2, 2},
		{"overlapping blocks count once", []string{"10.0.0.0/31", "10.0.0.0/30"}, 8, 8},
		{"bracketed IPv6 without port", []string{"[2001:db8::1]"}, 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseEndpoints(c.inputs, c.max)
			if c.want < 0 {
				if err == nil {
					t.Fatalf("got %d targets, want an error", len(got))
				}
				if !strings.Contains(err.Error(), "--max-targets") {
					t.Errorf("error %q does not mention --max-targets", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.want {
				t.Errorf("got %d targets, want %d", len(got), c.want)
			}
		})
	}
}

// TestParseEndpointsDuplicatesCollapse checks that one server given twice,
// or in two spellings that probe the same URL, is probed once, and that the
// first spelling names the row.
func TestParseEndpointsDuplicatesCollapse(t *testing.T) {
	got, err := ParseEndpoints([]string{
		"k8s.example.com:6443", "k8s.example.com:6443",
		"k8s.example.com",         // :443 new, :6443 again
		"https://k8s.example.com", // :443 again
		"10.0.0.1:6443", "10.0.0.0/31:6443",
		"[::1]:6443", "::1",
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range got {
		names = append(names, tg.Name)
	}
	want := []string{"k8s.example.com:6443", "k8s.example.com:443", "10.0.0.1:6443", "10.0.0.0:6443", "[::1]:6443", "[::1]:443"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("rows %q, want %q", names, want)
	}
}

// TestReadEndpoints covers the file/stdin format: comments, commas, mixed
// separators, CRLF line ends, and an error naming the source when nothing
// usable is in it.
func TestReadEndpoints(t *testing.T) {
	in := "# clusters\r\n" +
		"a.example.com\r\n" +
		"\n" +
		"   \t\n" +
		"b.example.com:6443, c.example.com,,d.example.com # trailing comment\n" +
		"https://e.example.com/k8s/clusters/c-1\t10.0.0.0/30:6443\n" +
		"#only a comment, f.example.com\n" +
		"g.example.com" // no final newline
	got, err := ReadEndpoints(context.Background(), strings.NewReader(in), "clusters.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.example.com", "b.example.com:6443", "c.example.com", "d.example.com",
		"https://e.example.com/k8s/clusters/c-1", "10.0.0.0/30:6443", "g.example.com"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadEndpoints = %q, want %q", got, want)
	}

	for _, empty := range []string{"", "\n\n", "# nothing here\n  # nor here\n", " , ,\n"} {
		got, err := ReadEndpoints(context.Background(), strings.NewReader(empty), "stdin")
		if err == nil {
			t.Errorf("ReadEndpoints(%q) = %q, want an error", empty, got)
			continue
		}
		if !strings.Contains(err.Error(), "stdin") {
			t.Errorf("ReadEndpoints(%q) error %q does not name the source", empty, err)
		}
	}

	boom := errors.New("disk on fire")
	_, err = ReadEndpoints(context.Background(), iotest.ErrReader(boom), "list.txt")
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "list.txt") {
		t.Errorf("read error = %v, want it wrapped and naming list.txt", err)
	}
}

// TestFromServer checks a kubeconfig server URL becomes the same kind of
// target an endpoint would, tagged with its context, so the anonymous probe
// treats both alike.
func TestFromServer(t *testing.T) {
	cases := []struct {
		ctx, server string
		want        Ref
		base        string
		http        bool
	}{
		{"prod", "https://10.0.0.1:6443",
			Ref{Name: "prod", Source: SourceKubeconfig, Context: "prod", URL: "https://10.0.0.1:6443", Host: "10.0.0.1", Port: 6443}, "", false},
		{"eks", "https://ABC123.gr7.us-east-1.eks.amazonaws.com",
			Ref{Name: "eks", Source: SourceKubeconfig, Context: "eks", URL: "https://ABC123.gr7.us-east-1.eks.amazonaws.com:443", Host: "ABC123.gr7.us-east-1.eks.amazonaws.com", Port: 443}, "", false},
		{"rancher", "https://rancher.example.com/k8s/clusters/c-abc/",
			Ref{Name: "rancher", Source: SourceKubeconfig, Context: "rancher", URL: "https://rancher.example.com:443/k8s/clusters/c-abc", Host: "rancher.example.com", Port: 443}, "/k8s/clusters/c-abc", false},
		{"old", "http://127.0.0.1:8080",
			Ref{Name: "old", Source: SourceKubeconfig, Context: "old", URL: "http://127.0.0.1:8080", Host: "127.0.0.1", Port: 8080}, "", true},
		{"v6", "https://[fd00::1]:6443",
			Ref{Name: "v6", Source: SourceKubeconfig, Context: "v6", URL: "https://[fd00::1]:6443", Host: "fd00::1", Port: 6443}, "", false},
		// kubectl (rest.DefaultServerURL) reads a server without a scheme
		// as https://; a context kubectl can use must not be "not a URL".
		{"bare-ip", "10.0.0.1:6443",
			Ref{Name: "bare-ip", Source: SourceKubeconfig, Context: "bare-ip", URL: "https://10.0.0.1:6443", Host: "10.0.0.1", Port: 6443}, "", false},
		{"bare-host", "k8s.example.com:6443",
			Ref{Name: "bare-host", Source: SourceKubeconfig, Context: "bare-host", URL: "https://k8s.example.com:6443", Host: "k8s.example.com", Port: 6443}, "", false},
	}
	for _, c := range cases {
		t.Run(c.ctx, func(t *testing.T) {
			got, err := FromServer(c.ctx, c.server)
			if err != nil {
				t.Fatalf("FromServer(%q, %q): %v", c.ctx, c.server, err)
			}
			if got.Ref != c.want || got.BasePath != c.base || got.Plaintext != c.http {
				t.Errorf("FromServer(%q, %q) =\n  %+v base %q http %v\nwant\n  %+v base %q http %v",
					c.ctx, c.server, got.Ref, got.BasePath, got.Plaintext, c.want, c.base, c.http)
			}
			if got.Rest != nil {
				t.Error("FromServer must leave the client configuration to its caller")
			}
			// kubectl sends no credentials to a server without a scheme.
			if bare := !strings.Contains(c.server, "://"); bare != strings.Contains(got.ConfigError, "no scheme") {
				t.Errorf("config error %q for server %q", got.ConfigError, c.server)
			}
		})
	}

	for _, server := range []string{"", "https://", "https://h.example.com:99999", "::", "k8s.example.com:6443/path"} {
		_, err := FromServer("ctx-1", server)
		if err == nil {
			t.Errorf("FromServer(%q) succeeded, want an error", server)
			continue
		}
		if !strings.Contains(err.Error(), `"ctx-1"`) || !strings.Contains(err.Error(), fmt.Sprintf("%q", server)) {
			t.Errorf("FromServer(%q) error %q does not name the context and the server", server, err)
		}
	}
}

// TestDedupeKeepsSourcesApart checks that one server reached from two
// contexts, or from a context and as an endpoint, stays two rows: each
// context's authenticated view is its own finding.
func TestDedupeKeepsSourcesApart(t *testing.T) {
	a, err := FromServer("ctx-a", "https://10.0.0.1:6443")
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromServer("ctx-b", "https://10.0.0.1:6443")
	if err != nil {
		t.Fatal(err)
	}
	eps, err := ParseEndpoints([]string{"10.0.0.1:6443"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	aAgain := a
	aAgain.Name = "renamed" // same source, context and URL: the same row
	in := []Target{a, b, eps[0], aAgain, b, eps[0]}
	snapshot := append([]Target(nil), in...)

	got := Dedupe(in)
	want := []Target{a, b, eps[0]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Dedupe kept %v, want %v", dedupeNames(got), dedupeNames(want))
	}
	if !reflect.DeepEqual(in, snapshot) {
		t.Errorf("Dedupe changed its input: %v, was %v", dedupeNames(in), dedupeNames(snapshot))
	}
	if got := Dedupe(nil); len(got) != 0 {
		t.Errorf("Dedupe(nil) = %v", got)
	}
}

func dedupeNames(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Source+"/"+t.Name)
	}
	return out
}
