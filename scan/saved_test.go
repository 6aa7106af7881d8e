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
			Exposure: Exposure{Level: level}}
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
	got := Merge(in)
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
