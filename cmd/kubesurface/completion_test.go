package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// complete runs cobra's hidden __complete command as the shell scripts do
// and returns the offered words and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"__complete"}, args...), strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("__complete %q: exit %d, stderr %s", args, code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompletionOfContextsFromEveryKubeconfigFile(t *testing.T) {
	dir := t.TempDir()
	file := func(name, cluster string, contexts ...string) string {
		var cs []string
		for _, c := range contexts {
			cs = append(cs, fmt.Sprintf("{name: %s, context: {cluster: %s, user: u}}", c, cluster))
		}
		path := filepath.Join(dir, name)
		body := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: %s, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [%s]
`, cluster, strings.Join(cs, ", "))
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	first := file("first", "c1", "prod-eks", "dev")
	second := file("second", "c2", "prod-gke", "staging")
	broken := filepath.Join(dir, "broken")
	if err := os.WriteFile(broken, []byte("apiVersion: v1\ncontexts: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", first+string(os.PathListSeparator)+second)
	t.Setenv("HOME", dir)

	noFiles := fmt.Sprintf(":%d", cobra.ShellCompDirectiveNoFileComp)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"TUI, all contexts of both files", []string{"--context", ""}, []string{"dev", "prod-eks", "prod-gke", "staging"}},
		{"scan, by prefix across files", []string{"scan", "--context", "p"}, []string{"prod-eks", "prod-gke"}},
		{"scan, --context=prefix", []string{"scan", "--context=st"}, []string{"staging"}},
		{"a context already given is not offered again", []string{"scan", "--context", "prod-eks", "--context", "p"}, []string{"prod-gke"}},
		{"--kubeconfig on the line wins over KUBECONFIG", []string{"scan", "--kubeconfig", second, "--context", ""}, []string{"prod-gke", "staging"}},
		{"TUI with --kubeconfig", []string{"--kubeconfig", first, "--context", ""}, []string{"dev", "prod-eks"}},
		{"no match", []string{"scan", "--context", "qa"}, nil},
		{"unreadable kubeconfig offers nothing, not files", []string{"scan", "--kubeconfig", broken, "--context", ""}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, directive := complete(t, c.args...)
			if !slices.Equal(got, c.want) {
				t.Errorf("__complete %q offered %q, want %q", c.args, got, c.want)
			}
			if directive != noFiles {
				t.Errorf("__complete %q directive %s, want %s (ShellCompDirectiveNoFileComp)", c.args, directive, noFiles)
			}
		})
	}
}

func TestCompletionScriptForEveryShell(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(shell, func(t *testing.T) {
			code, out, stderr := invoke(t, "", "completion", shell)
			if code != exitOK || stderr != "" {
				t.Fatalf("completion %s: exit %d, stderr %q", shell, code, stderr)
			}
			// Every script calls back into the binary's __complete, which
			// is where --context values come from.
			if !strings.Contains(out, "kubesurface") || !strings.Contains(out, "__complete") {
				t.Errorf("completion %s: %d bytes, no call to kubesurface __complete:\n%.400s", shell, len(out), out)
			}
		})
	}
}
