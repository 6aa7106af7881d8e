package scan

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestStandsForIsJudgedNotDialled: a demo target on loopback that stands
// for a public address is judged with public reach, says it is simulated,
// and is connected to on loopback only; without StandsFor the same server
// is loopback, as before.
func TestStandsForIsJudgedNotDialled(t *testing.T) {
	var mu sync.Mutex
	var remotes []string
	h := fakeAPIServer(http.StatusForbidden)
	srv := startTLS(t, selfSigned(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes = append(remotes, r.RemoteAddr)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	targets, err := ParseEndpoints([]string{srv.URL, srv.URL + "/plain"}, 0)
	if err != nil || len(targets) != 2 {
		t.Fatal(len(targets), err)
	}
	public := netip.MustParseAddr("203.0.113.10")
	targets[0].StandsFor = public
	results := New(Options{Timeout: 30 * time.Second}).Scan(context.Background(), targets)

	sim := results[0]
	if sim.Exposure.Reach != ClassPublic || sim.Exposure.Level != LevelHigh {
		t.Errorf("simulated: reach %s level %s, want public and high (anonymous /version)", sim.Exposure.Reach, sim.Exposure.Level)
	}
	if len(sim.Addresses) != 2 || sim.Addresses[0] != (Address{IP: "203.0.113.10", Class: ClassPublic, Simulated: true}) || sim.Addresses[1].Class != ClassLoopback {
		t.Errorf("addresses %+v", sim.Addresses)
	}
	if !containsPrefix(sim.Exposure.Reasons, "simulated: a demo server on loopback standing for 203.0.113.10") {
		t.Errorf("reasons %q do not say it is simulated", sim.Exposure.Reasons)
	}
	host, _, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, r := range results {
		if ch, _, _ := net.SplitHostPort(r.Connect.Address); ch != host {
			t.Errorf("%s connected to %s", r.Target.URL, r.Connect.Address)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(remotes) == 0 {
		t.Fatal("the server was never asked")
	}
	for _, ra := range remotes {
		if a, err := netip.ParseAddrPort(ra); err != nil || !a.Addr().IsLoopback() {
			t.Errorf("a request came from %s", ra)
		}
	}

	plain := results[1]
	if plain.Exposure.Reach != ClassLoopback || len(plain.Addresses) != 1 || plain.Addresses[0].Simulated {
		t.Errorf("without StandsFor: reach %s, addresses %+v", plain.Exposure.Reach, plain.Addresses)
	}
}

// TestStandsForNeverRelabelsARealAddress: only a host that resolves to
// loopback alone takes StandsFor; one with any other address keeps its
// own classes (checked on addresses in memory: nothing is dialled).
func TestStandsForNeverRelabelsARealAddress(t *testing.T) {
	public := netip.MustParseAddr("203.0.113.10")
	addrs := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, a := range s {
			out = append(out, netip.MustParseAddr(a))
		}
		return out
	}
	for _, c := range []struct {
		addrs     []netip.Addr
		standsFor netip.Addr
		simulated bool
	}{
		{addrs("127.0.0.1"), public, true},
		{addrs("::1", "127.0.0.1"), public, true},
		{addrs("::ffff:127.0.0.1"), public, true},
		{addrs("127.0.0.1", "10.0.0.5"), public, false},
		{addrs("192.168.1.5"), public, false},
		{addrs("198.51.100.7"), public, false},
		{addrs("127.0.0.1"), netip.Addr{}, false},
		{nil, public, false},
	} {
		got := addressesOf(c.addrs, c.standsFor)
		simulated := len(got) > 0 && got[0].Simulated
		if simulated != c.simulated || len(got) != len(c.addrs)+map[bool]int{true: 1}[simulated] {
			t.Errorf("%v standing for %v: %+v", c.addrs, c.standsFor, got)
		}
		if !c.simulated && widestReach(got) != widestReach(addressesOf(c.addrs, netip.Addr{})) {
			t.Errorf("%v: reach changed by StandsFor", c.addrs)
		}
	}
}

func containsPrefix(xs []string, p string) bool {
	for _, x := range xs {
		if len(x) >= len(p) && x[:len(p)] == p {
			return true
		}
	}
	return false
}
