package main

import (
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// pluginName is the file name kubectl looks for on PATH to run
// `kubectl surface`; krew installs the release binary under it.
const pluginName = "kubectl-surface"

// nameAsInvoked makes help and usage say `kubectl surface` when the binary
// runs as the kubectl plugin (argv[0] kubectl-surface, or kubectl-surface.exe
// on Windows), since that is what the user typed. Commands, flags and exit
// codes are the same either way. Examples and long help are rewritten when
// shown, so commands added after this call are covered too.
func nameAsInvoked(root *cobra.Command, argv0 string) {
	base := filepath.Base(argv0)
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".exe") {
		base = strings.TrimSuffix(base, ext)
	}
	if base != pluginName {
		return
	}
	const display = "kubectl surface"
	root.Use = pluginName + strings.TrimPrefix(root.Use, root.Name())
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = display
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		c.Example = strings.ReplaceAll(c.Example, "kubesurface ", display+" ")
		c.Long = strings.ReplaceAll(c.Long, "kubesurface ", display+" ")
		help(c, args)
	})
}
