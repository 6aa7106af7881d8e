// Package kubeconfig turns kubeconfig contexts into scan targets, loading
// them with client-go's clientcmd exactly as kubectl does, so what kubesurface
// scans is what `kubectl config get-contexts` lists.
package kubeconfig

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan"
)

// Options select the kubeconfig and contexts, as kubectl's flags do.
type Options struct {
	// Path is --kubeconfig; empty means KUBECONFIG (several files merged),
	// else ~/.kube/config.
	Path string
	// Contexts narrows the set to these names; empty means all.
	Contexts []string
}

// Load returns one target per selected context, each with its own
// rest.Config. A context whose client configuration is broken (missing
// cluster, unreadable CA file) still becomes a target carrying the error, so
// the anonymous probe runs and the row explains itself. A malformed file or
// an unknown context is an error for the whole load.
func Load(o Options) ([]scan.Target, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Path
	cfg, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	names, err := selectContexts(cfg, o.Contexts)
	if err != nil {
		return nil, err
	}
	targets := make([]scan.Target, 0, len(names))
	for _, name := range names {
		targets = append(targets, target(cfg, rules, name))
	}
	return targets, nil
}

// Names lists the context names in the order kubectl prints them; shell
// completion of --context uses it.
func Names(path string) ([]string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = path
	cfg, err := rules.Load()
	if err != nil {
		return nil, err
	}
	return selectContexts(cfg, nil)
}

func selectContexts(cfg *clientcmdapi.Config, want []string) ([]string, error) {
	all := make([]string, 0, len(cfg.Contexts))
	for name := range cfg.Contexts {
		all = append(all, name)
	}
	sort.Strings(all)
	if len(want) == 0 {
		return all, nil
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range want {
		if _, ok := cfg.Contexts[w]; !ok {
			have := "none"
			if len(all) > 0 {
				have = strings.Join(all, ", ")
			}
			return nil, fmt.Errorf("kubeconfig: context %q not found (contexts: %s)", w, have)
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out, nil
}

func target(cfg *clientcmdapi.Config, rules clientcmd.ClientConfigLoader, name string) scan.Target {
	server := ""
	if c := cfg.Contexts[name]; c != nil {
		if cl := cfg.Clusters[c.Cluster]; cl != nil {
			server = cl.Server
		}
	}
	t, err := scan.FromServer(name, server)
	if err != nil {
		t = scan.Target{Ref: scan.Ref{Name: name, Source: scan.SourceKubeconfig, Context: name}}
		t.ConfigError = noServer(name, server)
		return t
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, name, &clientcmd.ConfigOverrides{}, rules).ClientConfig()
	if err != nil {
		t.ConfigError = configError(name, err)
		return t
	}
	// clientcmd gives every context of one user the same ExecConfig and
	// writes the current cluster's exec extension into it; without a copy
	// each target would carry the last context's.
	rc.ExecProvider = rc.ExecProvider.DeepCopy()
	t.Rest = rc
	t.ServerName = rc.TLSClientConfig.ServerName
	return t
}

func noServer(name, server string) string {
	if server == "" {
		return fmt.Sprintf("context %q names no cluster server", name)
	}
	return fmt.Sprintf("context %q: server %q is not a URL", name, clean.URL(server))
}

// configError flattens clientcmd's aggregate of validation errors into one
// line that names the context.
func configError(name string, err error) string {
	msg := err.Error()
	var agg interface{ Errors() []error }
	if errors.As(err, &agg) {
		parts := make([]string, 0, len(agg.Errors()))
		for _, e := range agg.Errors() {
			parts = append(parts, e.Error())
		}
		msg = strings.Join(parts, "; ")
	}
	return fmt.Sprintf("context %q: %s", name, msg)
}
