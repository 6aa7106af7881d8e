package scan

import (
	"fmt"
	"strings"
)

// Merge keeps one result per target identity (source, context, URL): the
// one that finished last, so that results gathered from several runs or
// shards, old and new, show each target's latest state. On a tie the later
// result wins. The order is that of each target's first appearance.
func Merge(results []Result) []Result {
	at := make(map[string]int, len(results))
	out := results[:0:0]
	for _, r := range results {
		i, seen := at[r.Target.key()]
		switch {
		case !seen:
			at[r.Target.key()] = len(out)
			out = append(out, r)
		case !r.FinishedAt.Before(out[i].FinishedAt):
			out[i] = r
		}
	}
	return out
}

// NoKubeconfig is the ConfigError of a kubeconfig target rebuilt from a
// saved result: results hold no credential, so only the anonymous probe
// can run until the kubeconfig is loaded again.
const NoKubeconfig = "rebuilt from saved results, which hold no credentials: anonymous view only (scan the context from its kubeconfig for the authenticated view)"

// FromRef rebuilds the target a saved result names, so that it can be
// probed again. An endpoint is parsed again from its URL; a kubeconfig
// context comes back as its server URL with ConfigError set to
// NoKubeconfig. The target keeps the saved name and URL, so that its new
// results merge with the saved ones.
func FromRef(ref Ref) (Target, error) {
	var t Target
	switch ref.Source {
	case SourceEndpoint:
		ts, err := ParseEndpoints([]string{ref.URL}, 1)
		if err != nil {
			return Target{}, fmt.Errorf("target %q: %w", ref.Name, err)
		}
		t = ts[0]
	case SourceKubeconfig:
		// FromServer takes what a kubeconfig may hold; a saved URL always
		// has the scheme kubesurface probed it with.
		if !strings.HasPrefix(ref.URL, "https://") && !strings.HasPrefix(ref.URL, "http://") {
			return Target{}, fmt.Errorf("context %q: url %q: only https:// and http:// are probed", ref.Context, ref.URL)
		}
		var err error
		if t, err = FromServer(ref.Context, ref.URL); err != nil {
			return Target{}, err
		}
		t.ConfigError = NoKubeconfig
	default:
		return Target{}, fmt.Errorf("target %q: unknown source %q (want %s or %s)", ref.Name, ref.Source, SourceEndpoint, SourceKubeconfig)
	}
	t.Name, t.URL = ref.Name, ref.URL
	return t, nil
}
