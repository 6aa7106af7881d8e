package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/kubeconfig"
)

// completeContexts offers the context names of the kubeconfig the command
// would read: --kubeconfig when it is on the line already, else KUBECONFIG
// (every file, merged), else ~/.kube/config. Names already given with
// --context are left out, since repeating one adds nothing. A kubeconfig
// that cannot be read offers nothing rather than file names, which would
// never be valid context names. A name that clean.Line would change is not
// offered: the shell would print it raw, and what it can be cleaned to is
// not the name.
func completeContexts(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	path, _ := cmd.Flags().GetString("kubeconfig")
	names, err := kubeconfig.Names(cmd.Context(), path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	given, _ := cmd.Flags().GetStringArray("context")
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) && !slices.Contains(given, n) && clean.Line(n) == n {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
