package scan

import (
	"strings"
	"testing"
)

// An endpoint's user info and query never appear in what is made of it:
// not in the error refusing it, whether or not it parses as a URL, and not
// in the target (name, URL) when it is accepted.
func TestEndpointSecretsAreNeverEchoed(t *testing.T) {
	const secret = "S3cretPassw0rd"
	refused := []string{
		"https://user:" + secret + "@127.0.0.1:6443",              // parses: refused for its credentials
		"https://user:" + secret + "@bad host:6443",               // does not parse
		"https://user:" + secret + "@[::1:6443",                   // does not parse
		"https://user:" + secret + "%zz@127.0.0.1",                // bad escape
		"user:" + secret + "@127.0.0.1:6443",                      // no scheme
		secret + "@127.0.0.1:6443",                                // a token as the user, no scheme
		secret + "@somehost",                                      // no scheme, no port
		"127.0.0.1:6443?token=" + secret,                          // a query without a scheme
		"https://user:" + secret + "@" + strings.Repeat("a", 300), // too long a host
	}
	for _, in := range refused {
		_, err := ParseEndpoints([]string{in}, 0)
		if err == nil {
			t.Errorf("%q was accepted", in)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error about %q shows the secret: %v", in, err)
		}
		if !strings.Contains(err.Error(), "redacted") {
			t.Errorf("the error about %q does not say what was hidden: %v", in, err)
		}
	}
	ts, err := ParseEndpoints([]string{"https://127.0.0.1:6443/?token=" + secret}, 0)
	if err != nil || len(ts) != 1 {
		t.Fatalf("a URL with a query: %v, %d targets", err, len(ts))
	}
	if got := ts[0].Ref; strings.Contains(got.Name+got.URL, secret) || got.Name != "https://127.0.0.1:6443/?redacted" {
		t.Errorf("target = %+v: the query should be hidden from its name and URL", got)
	}
}
