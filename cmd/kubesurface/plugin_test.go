package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestPluginNameInHelpOnlyWhenInvokedAsThePlugin(t *testing.T) {
	cases := []struct {
		argv0 string
		want  string
	}{
		{"/home/u/.krew/bin/kubectl-surface", "kubectl surface scan"},
		{`kubectl-surface.exe`, "kubectl surface scan"},
		{"/usr/local/bin/kubesurface", "kubesurface scan"},
		{"/tmp/kubectl-surface-old", "kubesurface scan"},
		{"/tmp/kubectl-surface.sh", "kubesurface scan"},
	}
	for _, c := range cases {
		t.Run(c.argv0, func(t *testing.T) {
			var out bytes.Buffer
			root := newRoot(strings.NewReader(""), &out, &out)
			nameAsInvoked(root, c.argv0)
			root.SetArgs([]string{"scan", "--help"})
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			help := out.String()
			for _, want := range []string{"Usage:\n  " + c.want + " [endpoint...] [flags]\n", "  " + c.want + " --context prod -o json\n"} {
				if !strings.Contains(help, want) {
					t.Errorf("scan --help as %s lacks %q:\n%s", c.argv0, want, help)
				}
			}
		})
	}
}
