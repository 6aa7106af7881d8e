package scan

import (
	"strings"
	"testing"
	"time"
)

func TestMergeKeepsTheNewestOfEachTarget(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	res := func(source, context, url string, finished time.Time, level string) Result {
		return Result{Target: Ref{Name: url, Source: source, Context: context, URL: url}, FinishedAt: finished,
			State: StateDone, Exposure: Exposure{Access: AccessVersion, Level: level}}
	}
	a := "https://10.0.0.1:6443"
	b := "https://10.0.0.2:6443"
	in := []Result{
		res(SourceEndpoint, "", a, at.Add(time.Hour), "newest"),
		res(SourceEndpoint, "", b, at, "old"),
		res(SourceEndpoint, "", a, at, "old"),
		res(SourceKubeconfig, "prod", a, at, "other identity"), // same URL, own row
		res(SourceEndpoint, "", b, at.Add(time.Minute), "newer"),
		res(SourceEndpoint, "", a, time.Time{}, "never finished"),
		res(SourceEndpoint, "", b, at.Add(time.Minute), "tie: later wins"),
	}
	got, notes := Merge(in)
	if len(notes) != 0 {
		t.Errorf("notes for results that all reached nothing and replaced nothing that did: %q", notes)
	}
	var levels []string
	for _, r := range got {
		levels = append(levels, r.Target.Source+" "+r.Target.URL+" "+r.Exposure.Level)
	}
	want := []string{
		"endpoint " + a + " newest",
		"endpoint " + b + " tie: later wins",
		"kubeconfig " + a + " other identity",
	}
	if strings.Join(levels, "\n") != strings.Join(want, "\n") {
		t.Errorf("Merge kept:\n%s\nwant:\n%s", strings.Join(levels, "\n"), strings.Join(want, "\n"))
	}
	if in[0].Exposure.Level != "newest" || in[1].Exposure.Level != "old" {
		t.Error("Merge changed its input")
	}
}

// TestMergeNeverLetsAStopHideAFinishedResult: a result cut short by a
// stop (or never finished) loses to a finished one whichever is newer and
// whichever comes first; a newer result that did not reach the server
// wins, and the merge says so.
func TestMergeNeverLetsAStopHideAFinishedResult(t *testing.T) {
	mon := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tue := mon.Add(24 * time.Hour)
	ref := Ref{Name: "prod\x1b[2J", Source: SourceKubeconfig, Context: "prod", URL: "https://10.0.0.1:6443"}
	res := func(state State, access string, at time.Time) Result {
		r := Result{Target: ref, State: state, FinishedAt: at, Exposure: Exposure{Access: access}}
		if state == StateFailed {
			r.Errors = []PhaseFailure{{Phase: PhaseConnect, Error: "connect: connection refused"}}
		}
		return r
	}
	good := res(StateDone, AccessVersion, mon)
	cases := []struct {
		name      string
		newer     Result
		wantNewer bool
		note      string
	}{
		{"cancelled", res(StateCancelled, AccessUnknown, tue), false, ""},
		{"cancelled after it saw the version", res(StateCancelled, AccessVersion, tue), false, ""},
		{"waiting (a TUI export)", res(StateWaiting, AccessUnknown, time.Time{}), false, ""},
		{"probing (a TUI export)", res(StateProbing, AccessUnknown, tue), false, ""},
		{"done again", res(StateDone, AccessDiscovery, tue), true, ""},
		{"failed", res(StateFailed, AccessUnreachable, tue), true, `"prod\x1b[2J": the newer result (failed, finished 2026-11-24T09:00:00Z: connect: connection refused) did not reach the server and replaces one that did (finished 2026-11-23T09:00:00Z)`},
		{"done but unreachable", res(StateDone, AccessUnreachable, tue), true, "the newer result (unreachable, finished 2026-11-24T09:00:00Z) did not reach the server"},
	}
	for _, c := range cases {
		for _, order := range []string{"older first", "newer first"} {
			in := []Result{good, c.newer}
			if order == "newer first" {
				in = []Result{c.newer, good}
			}
			got, notes := Merge(in)
			if len(got) != 1 {
				t.Fatalf("%s, %s: %d rows for one target", c.name, order, len(got))
			}
			want := good
			if c.wantNewer {
				want = c.newer
			}
			if got[0].State != want.State || !got[0].FinishedAt.Equal(want.FinishedAt) || got[0].Exposure.Access != want.Exposure.Access {
				t.Errorf("%s, %s: kept %s/%s of %s, want %s/%s of %s", c.name, order, got[0].State, got[0].Exposure.Access, got[0].FinishedAt,
					want.State, want.Exposure.Access, want.FinishedAt)
			}
			switch {
			case c.note == "" && len(notes) > 0:
				t.Errorf("%s, %s: unexpected notes %q", c.name, order, notes)
			case c.note != "" && order == "older first" && (len(notes) != 1 || !strings.Contains(notes[0], c.note)):
				t.Errorf("%s, %s: notes %q, want one containing %q", c.name, order, notes, c.note)
			case c.note != "" && order == "newer first" && len(notes) != 0:
				// The older complete result came second and lost on time:
				// nothing was replaced, nothing to say.
				t.Errorf("%s, %s: notes %q, want none", c.name, order, notes)
			}
		}
	}

	// Two unfinished results: the newer one stands in until a finished one comes.
	got, _ := Merge([]Result{res(StateWaiting, AccessUnknown, time.Time{}), res(StateCancelled, AccessUnknown, tue)})
	if got[0].State != StateCancelled {
		t.Errorf("cancelled vs waiting: kept %s", got[0].State)
	}
}

// TestFromRefRebuildsAContextWithoutServer: a context with no server, or
// one kubesurface could not read, is saved with an empty URL; it comes
// back with nothing to probe and says why, rather than making the whole
// file unreadable.
func TestFromRefRebuildsAContextWithoutServer(t *testing.T) {
	ref := Ref{Name: "broken", Source: SourceKubeconfig, Context: "broken"}
	got, err := FromRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ref != ref || got.Host != "" || got.ConfigError != NoServer || got.Rest != nil {
		t.Errorf("FromRef(%+v) = %+v", ref, got)
	}
	if got.key() != ref.key() {
		t.Error("identity changed")
	}
	// An endpoint always has a URL: without one it is not what scan wrote.
	if _, err := FromRef(Ref{Name: "x", Source: SourceEndpoint}); err == nil {
		t.Error("an endpoint without a URL was accepted")
	}
}

// TestFromRefRebuildsTheProbedTarget: every endpoint form comes back as
// the target that produced the result, so a rescan probes the same thing
// and its row keeps its identity.
func TestFromRefRebuildsTheProbedTarget(t *testing.T) {
	ts, err := ParseEndpoints([]string{"10.0.0.0/31:6443", "api.example.com", "https://rancher.example.com/k8s/clusters/c-1%2F2",
		"http://10.1.1.1:8080", "[2001:db8::1]:6443", "2001:db8::2"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	k, err := FromServer("prod", "https://prod.example.com:6443/base/")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range append(ts, k) {
		got, err := FromRef(want.Ref)
		if err != nil {
			t.Errorf("%s: %v", want.Name, err)
			continue
		}
		if want.Source == SourceKubeconfig {
			if got.ConfigError != NoKubeconfig || got.Rest != nil {
				t.Errorf("%s: config error %q, rest %v: want the anonymous view only, saying why", want.Name, got.ConfigError, got.Rest)
			}
			want.ConfigError = NoKubeconfig
		}
		// A saved target is probed again as listed, whichever block it
		// came from: it was found open once, and a row is asked for.
		want.Range = false
		if got != want {
			t.Errorf("FromRef(%+v) =\n%+v\nwant\n%+v", want.Ref, got, want)
		}
		if got.key() != want.key() {
			t.Errorf("%s: identity changed", want.Name)
		}
	}

	// A URL written without its port still probes 443, under the saved URL.
	got, err := FromRef(Ref{Name: "eks", Source: SourceEndpoint, URL: "https://eks.example.com"})
	if err != nil || got.Port != 443 || got.URL != "https://eks.example.com" || got.Name != "eks" {
		t.Errorf("portless URL: %+v, %v", got, err)
	}

	for _, bad := range []Ref{
		{Name: "x", Source: "ssh", URL: "https://10.0.0.1:6443"},
		{Name: "x", Source: SourceEndpoint, URL: "https://user:secret@10.0.0.1:6443"},
		{Name: "x", Source: SourceEndpoint, URL: "ftp://10.0.0.1"},
		{Name: "x", Source: SourceEndpoint, URL: ""},
		{Name: "x", Source: SourceKubeconfig, Context: "x", URL: "https://10.0.0.1:99999"},
		{Name: "x", Source: SourceKubeconfig, Context: "x", URL: "gopher://10.0.0.1"},
		{Name: "x", Source: SourceKubeconfig, Context: "x", URL: "10.0.0.1:6443"},
	} {
		if _, err := FromRef(bad); err == nil {
			t.Errorf("FromRef(%+v) accepted", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error echoes a password: %v", err)
		}
	}
}
