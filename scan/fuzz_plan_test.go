package scan

import (
	"context"
	"strings"
	"testing"
)

// FuzzPlan: for any endpoint list the lazy plan agrees with the eager
// expansion: both refuse it with the same error, or both yield the same
// targets in the same order, and every shard of 3 as Shard makes it.
func FuzzPlan(f *testing.F) {
	for _, s := range []string{
		"10.0.0.0/30", "10.0.0.0/30 10.0.0.1", "10.0.0.0/30:6443 10.0.0.0/31 https://10.0.0.1:6443",
		"[fd00::/126]:6443 fd00::1 [fd00::2]:6443", "0.0.0.0/31 224.0.0.0/30", "::ffff:10.0.0.0/126 10.0.0.1",
		"api.example.com 10.0.0.0/31 api.example.com:443", "10.0.0.0/8", "10.0.0.0/33", "0.0.0.0/32",
	} {
		f.Add(s, uint16(64))
	}
	f.Fuzz(func(t *testing.T, list string, max uint16) {
		in := strings.Fields(list)
		if len(in) == 0 || len(in) > 16 {
			return
		}
		limit := int(max)%4096 + 1
		eager, eagerErr := ParseEndpoints(in, limit)
		p := NewPlan()
		lazyErr := p.AddEndpoints(context.Background(), in, limit)
		if (eagerErr == nil) != (lazyErr == nil) {
			// The one allowed difference: blocks count whole, overlaps
			// included, so the plan may refuse what de-duplicates under
			// the limit; never the other way round.
			if eagerErr == nil && strings.Contains(lazyErr.Error(), "more than --max-targets") {
				return
			}
			t.Fatalf("%q max %d: eager error %v, lazy error %v", in, limit, eagerErr, lazyErr)
		}
		if eagerErr != nil {
			if eagerErr.Error() != lazyErr.Error() && !strings.Contains(lazyErr.Error(), "more than --max-targets") {
				t.Fatalf("%q: eager error %q, lazy %q", in, eagerErr, lazyErr)
			}
			return
		}
		if got := p.Targets(); !equalTargets(got, eager) {
			t.Fatalf("%q:\n lazy  %v\n eager %v", in, names(got), names(eager))
		}
		for i := range 3 {
			p.Shard(i, 3)
			if got, want := p.Targets(), Shard(eager, i, 3); !equalTargets(got, want) {
				t.Fatalf("%q shard %d/3:\n lazy  %v\n eager %v", in, i, names(got), names(want))
			}
		}
	})
}
