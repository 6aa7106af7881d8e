package scan

import (
	"fmt"
	"strings"
	"time"
)

// Merge keeps one result per target identity (source, context, URL), so
// that results gathered from several runs or shards, old and new, show
// each target's latest state, by Merger's rule. The order is that of each
// target's first appearance. notes say where a newer result that did not
// reach the server replaced one that did.
func Merge(results []Result) (merged []Result, notes []string) {
	var m Merger
	out := results[:0:0]
	for _, r := range results {
		i, take, note := m.Add(r)
		switch {
		case i == len(out):
			out = append(out, r)
		case take:
			out[i] = r
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	return out, notes
}

// Merger merges results one at a time, as they are read, holding only
// what its rule needs of each target, not the results.
//
// The rule: a finished result (done or failed) always beats one cut short
// or never finished (cancelled, waiting, probing), whatever their times, so
// an interrupted run never hides what an earlier run learned. Otherwise
// the one that finished last wins; on a tie, the later one. A newer
// result that finished without reaching the server (failed, or done but
// unreachable) does replace one that reached it — the server may be down
// now — and the merge says so in a note.
type Merger struct {
	at   map[string]int
	kept []kept
}

// kept is what the rule needs of the result a target holds.
type kept struct {
	finishedAt        time.Time
	finished, reached bool
}

func keptOf(r Result) kept {
	finished := r.State == StateDone || r.State == StateFailed
	return kept{finishedAt: r.FinishedAt, finished: finished,
		reached: r.State == StateDone && r.Exposure.Access != AccessUnreachable && r.Exposure.Access != AccessUnknown}
}

// Add places r: i is its target's index in the merged list (the next one
// for a target not seen before), take says whether r takes that place (a
// new target, or one r beats), and note is set when taking it deserves a
// word to the user.
func (m *Merger) Add(r Result) (i int, take bool, note string) {
	if m.at == nil {
		m.at = map[string]int{}
	}
	k := r.Target.key()
	n := keptOf(r)
	i, seen := m.at[k]
	if !seen {
		i = len(m.kept)
		m.at[k] = i
		m.kept = append(m.kept, n)
		return i, true, ""
	}
	o := m.kept[i]
	switch {
	case o.finished && !n.finished:
		return i, false, ""
	case n.finished && !o.finished:
	case n.finishedAt.Before(o.finishedAt):
		return i, false, ""
	}
	m.kept[i] = n
	if n.finished && !n.reached && o.reached {
		note = fmt.Sprintf("%q: the newer result (%s) did not reach the server and replaces one that did (finished %s)",
			r.Target.Name, describeEnd(r), o.finishedAt.UTC().Format(time.RFC3339))
	}
	return i, true, note
}

// Len is the number of targets merged so far.
func (m *Merger) Len() int { return len(m.kept) }

// describeEnd says in a few words how a probe ended, for a merge note.
func describeEnd(r Result) string {
	s := string(r.State)
	if r.State == StateDone {
		s = r.Exposure.Access
	}
	s += ", finished " + r.FinishedAt.UTC().Format(time.RFC3339)
	if len(r.Errors) > 0 {
		s += ": " + r.Errors[0].Error
	}
	return s
}

// NoKubeconfig is the ConfigError of a kubeconfig target rebuilt from a
// saved result: results hold no credential, so only the anonymous probe
// can run until the kubeconfig is loaded again.
const NoKubeconfig = "rebuilt from saved results, which hold no credentials: anonymous view only (scan the context from its kubeconfig for the authenticated view)"

// NoServer is the ConfigError of a kubeconfig context rebuilt from a saved
// result without a server URL: the context had none kubesurface could
// probe when it was saved.
const NoServer = "rebuilt from saved results: the context had no server URL kubesurface could probe (scan it from its kubeconfig once its server is fixed)"

// FromRef rebuilds the target a saved result names, so that it can be
// probed again. An endpoint is parsed again from its URL; a kubeconfig
// context comes back as its server URL with ConfigError set to
// NoKubeconfig, or, saved without a URL, with nothing to probe and
// ConfigError NoServer. The target keeps the saved name and URL, so that
// its new results merge with the saved ones.
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
		if ref.URL == "" {
			// A context with no server, or one kubesurface could not
			// read: saved with an empty URL and a config error. It comes
			// back as such, with nothing to probe (no host), so that its
			// row is still shown and merged rather than the file refused.
			return Target{Ref: Ref{Name: ref.Name, Source: ref.Source, Context: ref.Context}, ConfigError: NoServer}, nil
		}
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
