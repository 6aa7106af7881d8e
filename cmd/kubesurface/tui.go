package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui"
)

// firstRunHint is what a newcomer with no kubeconfig and no targets sees.
const firstRunHint = `No kubeconfig contexts were found and no endpoints were given, so there is nothing to scan.

  kubesurface demo                     open this view on local endpoints shaped like EKS, GKE, AKS, k3s, OpenShift and kubeadm
  kubesurface https://HOST:6443        scan an API server
  kubesurface --kubeconfig FILE        scan the contexts of a kubeconfig

Press q to quit.`

// attachTUI makes the bare command open the TUI, with the same target
// flags as scan.
func attachTUI(root *cobra.Command) {
	var tf targetFlags
	var jf judgeFlags
	var rf refreshFlags
	root.Use = "kubesurface [endpoint...]"
	root.Args = func(cmd *cobra.Command, args []string) error {
		for _, a := range args {
			if looksLikeCommand(a) {
				return usageError{fmt.Errorf("unknown command %q (%s); a single-label host needs a port, e.g. %s:6443", a, suggest(cmd, a), a)}
			}
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, args []string) error {
		now, err := jf.date()
		if err != nil {
			return err
		}
		plan, err := tf.targets(cmd, args)
		hint := ""
		if errors.Is(err, errNothingToScan) {
			hint, err, plan = firstRunHint, nil, scan.NewPlan()
		}
		if err != nil {
			return err
		}
		if empty(plan) && hint == "" {
			// Only --shard can leave nothing of a non-empty list.
			hint = "Shard " + tf.shard + " holds none of the targets given.\n\nPress q to quit."
		}
		judge := rf.start(cmd.Context(), now)
		defer judge.stop()
		if cmd.Context().Err() != nil {
			return errInterrupted
		}
		notes := judge.notes
		if note := tf.fitConcurrency(plan); note != "" {
			notes = append(notes, note)
		}
		dir, _ := os.Getwd()
		// The TUI sends stderr to its log file: the verbose log goes there.
		verboseLog.tui.Store(true)
		opts := tf.options()
		opts.PluginStderr = true
		err = tui.Run(cmd.Context(), tui.Config{Plan: plan, Options: opts, Stage: judge.stage, Refresh: judge.refresh,
			DataNotes: notes, Now: now, Dir: dir, Version: currentBuild().Version, Hint: hint, Dark: true})
		if err == nil && cmd.Context().Err() != nil {
			// SIGINT or SIGTERM from outside (in the TUI, ctrl+c is a key
			// and quits with 0, as q does).
			return errInterrupted
		}
		return err
	}
	tf.register(root)
	jf.register(root)
	rf.register(root)
}

// empty is whether the plan yields no target, found without making them
// all: a shard's first target comes within a few of the plan's.
func empty(plan *scan.Plan) bool {
	for range plan.All() {
		return false
	}
	return true
}

// looksLikeCommand is a word with no dot, colon or slash that is not
// localhost: far likelier a mistyped subcommand than a host.
func looksLikeCommand(a string) bool {
	return a != "-" && a != "localhost" && !strings.ContainsAny(a, ".:/[]")
}

// suggestionDistance is how many edits (cobra's Levenshtein, case
// ignored) a word may be from a subcommand to be suggested: "scna" and
// "veiw" are 2 from scan and view, while every pair of subcommands is at
// least 3 apart, so a typo names one, not all.
const suggestionDistance = 2

// suggest names the subcommands near a mistyped word (or those it begins),
// or points at the help when none is near.
func suggest(cmd *cobra.Command, a string) string {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = suggestionDistance
	}
	if s := cmd.SuggestionsFor(a); len(s) > 0 {
		return "did you mean: " + strings.Join(s, ", ") + "?"
	}
	return "see '" + cmd.CommandPath() + " --help' for the commands"
}
