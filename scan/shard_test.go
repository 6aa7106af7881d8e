package scan

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomTargets is a list as users give it: CIDR blocks (on the default
// ports or one), host names, URLs with base paths and kubeconfig contexts,
// overlapping on purpose, then de-duplicated as the commands do.
func randomTargets(t *testing.T, rng *rand.Rand) []Target {
	t.Helper()
	var inputs []string
	for range rng.IntN(4) + 1 {
		block := fmt.Sprintf("10.%d.%d.%d/%d", rng.IntN(4), rng.IntN(4), rng.IntN(16)*16, 28+rng.IntN(3))
		if rng.IntN(2) == 0 {
			block += ":6443"
		}
		inputs = append(inputs, block)
	}
	for range rng.IntN(20) {
		switch rng.IntN(3) {
		case 0:
			inputs = append(inputs, fmt.Sprintf("api-%d.example.com", rng.IntN(30)))
		case 1:
			inputs = append(inputs, fmt.Sprintf("api-%d.example.com:%d", rng.IntN(30), 6443+rng.IntN(3)))
		default:
			inputs = append(inputs, fmt.Sprintf("https://rancher.example.com/k8s/clusters/c-%d", rng.IntN(30)))
		}
	}
	ts, err := ParseEndpoints(inputs, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rng.IntN(5) {
		// Same server, other contexts: rows of their own.
		k, err := FromServer(fmt.Sprintf("ctx-%d", i), "https://10.0.0.1:6443")
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, k)
	}
	return Dedupe(ts)
}

func keys(ts []Target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.key()
	}
	slices.Sort(out)
	return out
}

// TestShardSplitsDisjointlyAndCompletely is the property workers rely on:
// for any list and any N, the N shards are pairwise disjoint, their union
// is the list, and a target's shard does not depend on the input order.
func TestShardSplitsDisjointlyAndCompletely(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 40 {
		targets := randomTargets(t, rng)
		shuffled := slices.Clone(targets)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for _, n := range []int{1, 2, 3, 7, 16, 100} {
			owner := map[string]int{}
			for i := range n {
				shard := Shard(targets, i, n)
				for _, tg := range shard {
					if prev, dup := owner[tg.key()]; dup {
						t.Fatalf("round %d, N=%d: %s is in shards %d and %d", round, n, tg.URL, prev, i)
					}
					owner[tg.key()] = i
				}
				if got, want := keys(Shard(shuffled, i, n)), keys(shard); !slices.Equal(got, want) {
					t.Fatalf("round %d, shard %d/%d: shuffling the input changed the shard:\n%q\n%q", round, i, n, got, want)
				}
			}
			if len(owner) != len(targets) {
				t.Fatalf("round %d, N=%d: the shards hold %d of %d targets", round, n, len(owner), len(targets))
			}
			for _, tg := range targets {
				if _, ok := owner[tg.key()]; !ok {
					t.Fatalf("round %d, N=%d: %s is in no shard", round, n, tg.URL)
				}
			}
		}
	}
}

// TestShardIsPinned: workers built from different versions must agree on
// every target's shard, so the function may never change silently.
func TestShardIsPinned(t *testing.T) {
	ts, err := ParseEndpoints([]string{"10.0.0.0/30:6443", "https://api.example.com:6443"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, tg := range ts {
		got[tg.Name] = shardOf(tg.Ref, 7)
	}
	// Computed independently: int.from_bytes(sha256(b"endpoint\0\0" +
	// url).digest()[:8], "big") % 7 in Python.
	want := map[string]int{"10.0.0.0:6443": 4, "10.0.0.1:6443": 4, "10.0.0.2:6443": 5, "10.0.0.3:6443": 1, "https://api.example.com:6443": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shards of 7 = %v, want %v", got, want)
	}
}

// TestShardIsBalanced: a block of sequential addresses, the common input,
// spreads evenly enough that no worker gets twice its share.
func TestShardIsBalanced(t *testing.T) {
	ts, err := ParseEndpoints([]string{"10.20.0.0/22:6443"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3, 16} {
		mean := len(ts) / n
		for i := range n {
			if got := len(Shard(ts, i, n)); got < mean/2 || got > mean*3/2 {
				t.Errorf("shard %d/%d holds %d of %d targets (mean %d)", i, n, got, len(ts), mean)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		i, n int
	}{{"0/1", 0, 1}, {"3/4", 3, 4}, {"99/100", 99, 100}} {
		i, n, err := ParseShard(c.in)
		if err != nil || i != c.i || n != c.n {
			t.Errorf("ParseShard(%q) = %d, %d, %v", c.in, i, n, err)
		}
	}
	for _, in := range []string{"", "1", "4/4", "5/4", "-1/4", "0/0", "1/-2", "a/4", "1/b", "1/2/3", " 1/2", "1 /2"} {
		if _, _, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) accepted", in)
		}
	}
}
