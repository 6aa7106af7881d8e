package scan

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestListedAllIsAllButTheBlocks: ListedAll yields exactly All's targets
// that no block made, in the same order, sharded or not.
func TestListedAllIsAllButTheBlocks(t *testing.T) {
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
				if got := slices.Collect(p.ListedAll()); !equalTargets(got, want) {
					t.Fatalf("shard %d/%d:\n listed %v\n all    %v", i, n, names(got), names(want))
				}
			}
		}
	}
}
