package main

import (
	"errors"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/assess"
	"github.com/kubesurface/kubesurface/scan/report"
	"github.com/kubesurface/kubesurface/tui"
)

// newViewCmd opens the TUI on results saved earlier, so that what shards or
// cron jobs gathered can be triaged where they are read, without probing
// anything until the user asks for a rescan.
func newViewCmd() *cobra.Command {
	// Only the probe flags are registered; the rest keep what validate wants.
	tf := targetFlags{maxTargets: scan.DefaultMaxTargets}
	var jf judgeFlags
	cmd := &cobra.Command{
		Use:   "view FILE...",
		Short: "Open the TUI on saved results (scan -o ndjson or -o json) without probing",
		Long: `Open the TUI on results saved by 'scan -o ndjson' (one result per line) or
'scan -o json' (one document); '-' reads stdin. Results from several files
(the shards of an Indexed Job, runs of different days) are merged: one row per
target (source, context, URL), the one that finished last. Results not judged
yet are judged at --now; the header shows the date of the data the rows were
judged with. Nothing is probed until r or R rescans rows; kubeconfig
contexts are then probed anonymously only, since saved results hold no
credentials.

Exit codes: 0 quit (q or ctrl+c), 1 the terminal could not be used, 2 bad
flags or a file that cannot be read or holds a malformed line (named with
its line number).`,
		Example: `  kubesurface scan -o ndjson > results.ndjson && kubesurface view results.ndjson
  kubectl logs -l job-name=kubesurface --tail=-1 | grep '^{' | kubesurface view -
  kubesurface view monday.json tuesday.ndjson`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("view needs at least one FILE of saved results ('-' for stdin)")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := tf.validate(); err != nil {
				return usageError{err}
			}
			now, err := jf.date()
			if err != nil {
				return err
			}
			cfg, err := viewConfig(cmd.InOrStdin(), args, now, tf.options())
			if err != nil {
				return err
			}
			cfg.Dir, _ = os.Getwd()
			return tui.Run(cmd.Context(), cfg)
		},
	}
	tf.registerProbe(cmd)
	jf.register(cmd)
	return cmd
}

// viewConfig is the session view opens: the saved results as its rows,
// judged where they were not, and their targets rebuilt for rescans.
func viewConfig(stdin io.Reader, files []string, now time.Time, opts scan.Options) (tui.Config, error) {
	results, err := readResults(stdin, files)
	if err != nil {
		return tui.Config{}, err
	}
	data, notes := assess.Newest(now)
	targets := make([]scan.Target, len(results))
	for i := range results {
		if results[i].Urgency == nil && results[i].Phase == scan.PhaseDone {
			assess.Judge(&results[i], data, now)
		}
		// readResults has checked that every target rebuilds.
		targets[i], _ = scan.FromRef(results[i].Target)
	}
	return tui.Config{Targets: targets, Results: results, Options: opts, Data: data, DataNotes: notes, Now: now, Dark: true}, nil
}

// readResults loads saved results from files ('-' is stdin) and keeps the
// newest of each target. A file that cannot be read or holds a malformed
// line is a usage error naming it and the line.
func readResults(stdin io.Reader, files []string) ([]scan.Result, error) {
	var all []scan.Result
	for _, name := range files {
		err := withInput(stdin, name, func(r io.Reader, label string) error {
			rs, err := report.Read(r, label)
			all = append(all, rs...)
			return err
		})
		if err != nil {
			return nil, usageError{err}
		}
	}
	merged, _ := scan.Merge(all)
	return merged, nil
}
