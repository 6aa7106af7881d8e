package scan

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// randomInputs is a mix of overlapping CIDR blocks (IPv4, IPv6 and
// IPv4-mapped, with and without a port), the addresses inside them typed
// as hosts, host:port and URLs, and repeats.
func randomInputs(r *rand.Rand) []string {
	var in []string
	for range 1 + r.IntN(8) {
		switch r.IntN(9) {
		case 0, 1:
			in = append(in, fmt.Sprintf("10.%d.0.%d/%d", r.IntN(2), r.IntN(64), 26+r.IntN(7)))
		case 2:
			in = append(in, fmt.Sprintf("10.%d.0.%d/%d:%d", r.IntN(2), r.IntN(64), 27+r.IntN(6), []int{443, 6443, 8443}[r.IntN(3)]))
		case 3:
			in = append(in, fmt.Sprintf("10.%d.0.%d", r.IntN(2), r.IntN(64)))
		case 4:
			in = append(in, fmt.Sprintf("10.%d.0.%d:%d", r.IntN(2), r.IntN(64), []int{443, 6443}[r.IntN(2)]))
		case 5:
			in = append(in, fmt.Sprintf("https://10.%d.0.%d:%d", r.IntN(2), r.IntN(64), []int{443, 6443}[r.IntN(2)]))
		case 6:
			in = append(in, fmt.Sprintf("[fd00::%x/%d]:6443", r.IntN(64), 122+r.IntN(7)), fmt.Sprintf("[fd00::%x]:6443", r.IntN(64)))
		case 7:
			in = append(in, fmt.Sprintf("0.0.0.%d/%d", r.IntN(4), 30+r.IntN(3)), fmt.Sprintf("224.0.0.0/%d", 28+r.IntN(5)))
		case 8:
			if len(in) > 0 {
				in = append(in, in[r.IntN(len(in))])
			}
		}
	}
	return in
}

// TestPlanMatchesEagerExpansion: the lazy plan yields exactly what
// expanding every input and de-duplicating the list does, in the same
// order, and shards it the same way, on random sets of overlapping blocks
// and listed addresses; where it refuses the inputs, so does the eager
// expansion.
func TestPlanMatchesEagerExpansion(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kube := Target{Ref: Ref{Name: "ctx", Source: SourceKubeconfig, Context: "ctx", URL: "https://10.0.0.1:443", Host: "10.0.0.1", Port: 443}}
	saved, _ := FromRef(Ref{Name: "10.0.0.3:6443", Source: SourceEndpoint, URL: "https://10.0.0.3:6443", Host: "10.0.0.3", Port: 6443})
	compared := 0
	for range 2000 {
		in := randomInputs(r)
		const max = 100000
		eager, eagerErr := ParseEndpoints(in, max)
		p := NewPlan()
		p.Add(kube)
		lazyErr := p.AddEndpoints(context.Background(), in, max)
		if (eagerErr == nil) != (lazyErr == nil) {
			t.Fatalf("inputs %q: eager error %v, lazy error %v", in, eagerErr, lazyErr)
		}
		if eagerErr != nil {
			if eagerErr.Error() != lazyErr.Error() {
				t.Errorf("inputs %q: eager error %q, lazy %q", in, eagerErr, lazyErr)
			}
			continue
		}
		p.Add(saved)
		want := Dedupe(append(append([]Target{kube}, eager...), saved))
		if got := p.Targets(); !equalTargets(got, want) {
			t.Fatalf("inputs %q:\n lazy  %v\n eager %v", in, names(got), names(want))
		}
		if p.Count() < int64(len(want)) {
			t.Errorf("inputs %q: Count %d, fewer than the %d targets", in, p.Count(), len(want))
		}
		for _, n := range []int{2, 3, 7} {
			for i := range n {
				p.Shard(i, n)
				if got, want := p.Targets(), Shard(want, i, n); !equalTargets(got, want) {
					t.Fatalf("inputs %q shard %d/%d:\n lazy  %v\n eager %v", in, i, n, names(got), names(want))
				}
			}
		}
		compared++
	}
	if compared < 1000 {
		t.Errorf("only %d of 2000 random input sets were accepted: the test compares too little", compared)
	}
}

func equalTargets(a, b []Target) bool {
	return slices.EqualFunc(a, b, func(x, y Target) bool {
		return x.Ref == y.Ref && x.BasePath == y.BasePath && x.Plaintext == y.Plaintext && x.Range == y.Range
	})
}

func names(ts []Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}

// TestPlanMaxTargetsCountsBlocksWhole: --max-targets bounds the blocks as
// given, overlaps included, so that the bound is known before anything
// is made; a block past it is refused without a target made.
func TestPlanMaxTargetsCountsBlocksWhole(t *testing.T) {
	p := NewPlan()
	if err := p.AddEndpoints(context.Background(), []string{"10.0.0.0/24", "10.0.0.0/24"}, 1024); err != nil {
		t.Fatal(err)
	}
	if got := len(p.Targets()); got != 512 {
		t.Errorf("two copies of a /24 on two ports yield %d targets, want 512", got)
	}
	err := NewPlan().AddEndpoints(context.Background(), []string{"10.0.0.0/24", "10.0.0.0/24"}, 1000)
	if err == nil || err.Error() != `endpoint "10.0.0.0/24": brings the list to 1024 targets, more than --max-targets 1000` {
		t.Errorf("error %v", err)
	}
	big := NewPlan()
	if err := big.AddEndpoints(context.Background(), []string{"127.0.0.0/8"}, 1<<25); err != nil {
		t.Fatal(err)
	}
	if big.Count() != 1<<25 || !big.Ranges() {
		t.Errorf("127.0.0.0/8: Count %d, Ranges %v", big.Count(), big.Ranges())
	}
	// The first targets of a /8 come at once: nothing is made ahead.
	var first []string
	for tg := range big.All() {
		first = append(first, tg.Name)
		if len(first) == 3 {
			break
		}
	}
	if !slices.Equal(first, []string{"127.0.0.0:443", "127.0.0.0:6443", "127.0.0.1:443"}) {
		t.Errorf("first targets of 127.0.0.0/8: %v", first)
	}
}

// TestLastAddr: the highest address of a prefix, in its own family.
func TestLastAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8": "10.255.255.255", "1.2.3.4/32": "1.2.3.4", "224.0.0.0/3": "255.255.255.255",
		"fd00::/120": "fd00::ff", "::ffff:10.0.0.0/120": "::ffff:10.0.0.255",
	} {
		if got := lastAddr(netip.MustParsePrefix(in)).String(); got != want {
			t.Errorf("lastAddr(%s) = %s, want %s", in, got, want)
		}
	}
	if !holdsServers(netip.MustParsePrefix("224.0.0.0/3")) || holdsServers(netip.MustParsePrefix("224.0.0.0/4")) {
		t.Error("224.0.0.0/3 reaches past multicast to 240.0.0.0/4; 224.0.0.0/4 is multicast only")
	}
}

// TestRunSeqIndexes: every update carries the index of its own target in
// the order the sequence made them, however the probes interleave.
func TestRunSeqIndexes(t *testing.T) {
	var in []string
	for port := 1; port <= 40; port++ {
		in = append(in, fmt.Sprintf("127.0.0.1:%d", port))
	}
	p := NewPlan()
	if err := p.AddEndpoints(t.Context(), in, 100); err != nil {
		t.Fatal(err)
	}
	done := 0
	for u := range New(Options{Concurrency: 8}).RunSeq(t.Context(), p.All()) {
		if want := in[u.Index]; u.Result.Target.Name != want {
			t.Errorf("update of %s carries index %d (%s)", u.Result.Target.Name, u.Index, want)
		}
		if u.Result.Phase == PhaseDone {
			done++
		}
	}
	if done != len(in) {
		t.Errorf("%d targets finished, want %d", done, len(in))
	}
}

// TestListedIsAllButTheBlocks: Listed yields exactly All's targets
// that no block made, in the same order, sharded or not.
func TestListedIsAllButTheBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	kube := Target{Ref: Ref{Name: "ctx", Source: SourceKubeconfig, Context: "ctx", URL: "https://10.0.0.1:443", Host: "10.0.0.1", Port: 443}}
	for range 500 {
		p := NewPlan()
		p.Add(kube)
		if p.AddEndpoints(context.Background(), randomInputs(r), 100000) != nil {
			continue
		}
		for _, n := range []int{0, 3} {
			for i := range max(n, 1) {
				p.Shard(i, n)
				var want []Target
				for tg := range p.All() {
					if !tg.Range {
						want = append(want, tg)
					}
				}
				if got := slices.Collect(p.Listed()); !equalTargets(got, want) {
					t.Fatalf("shard %d/%d:\n listed %v\n all    %v", i, n, names(got), names(want))
				}
			}
		}
	}
}
