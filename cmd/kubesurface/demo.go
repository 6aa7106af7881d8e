package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/demo"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/tui"
)

// demoTimeout bounds each probe phase of the demo scan. The servers are on
// loopback and answer at once, so this only leaves room for a busy machine;
// the default (scan.DefaultTimeout) would keep a first impression waiting if
// anything did get stuck.
const demoTimeout = 3 * time.Second

func newDemoCmd() *cobra.Command {
	var serve bool
	var rf refreshFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Scan a fleet of lifelike API servers on 127.0.0.1 (no cluster needed)",
		Long: `Start local HTTPS servers shaped like EKS, GKE, AKS, k3s, OpenShift, kubeadm
and RKE2 API servers (each with its own certificate chain and its
distribution's anonymous answers, one open to anonymous reads and one with an
expired certificate) and scan them in the TUI, as kubesurface scans real ones.

With --serve, print their endpoints instead (one per line, each with a
# comment naming what it imitates) and keep serving until interrupted, to
point 'kubesurface scan' at them.`,
		Example: `  kubesurface demo
  kubesurface demo --serve > demo-endpoints.txt &
  kubesurface scan --no-kubeconfig -f demo-endpoints.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			fleet, err := demo.Start(ctx)
			if err != nil {
				return err
			}
			defer fleet.Close()
			if serve {
				out := cmd.OutOrStdout()
				for _, s := range fleet.Servers() {
					fmt.Fprintf(out, "%s\t# %s: %s\n", s.URL, s.Name, s.Shows)
				}
				// On stderr, so that stdout stays an endpoint list that
				// `scan -f` and `scan -` read as it is.
				fmt.Fprintln(cmd.ErrOrStderr(), "serving; ctrl+c to stop")
				<-ctx.Done()
				// Stopping is what ctrl+c is for here, not a failure.
				return nil
			}
			targets, err := scan.ParseEndpoints(fleet.Endpoints(), 0)
			if err != nil {
				return err
			}
			servers := fleet.Servers()
			if len(targets) != len(servers) {
				return fmt.Errorf("demo: %s became %s", scan.Plural(len(servers), "server"), scan.Plural(len(targets), "target"))
			}
			for i := range targets {
				// The row name is what a user reads; 127.0.0.1:PORT says
				// nothing about which distribution it imitates.
				targets[i].Name = servers[i].Name
			}
			now := time.Now().UTC()
			judge := rf.start(ctx, now)
			defer judge.stop()
			// Exports go where the bare command puts them, so trying
			// them in the demo shows where real ones will land.
			dir, _ := os.Getwd()
			return tui.Run(ctx, tui.Config{
				Targets:   targets,
				Options:   scan.Options{Timeout: demoTimeout},
				Stage:     judge.stage,
				Refresh:   judge.refresh,
				DataNotes: judge.notes,
				Now:       now,
				Dir:       dir,
				Version:   currentBuild().Version,
				Dark:      true,
			})
		},
	}
	rf.register(cmd)
	cmd.Flags().BoolVar(&serve, "serve", false, "print the endpoints and keep serving until interrupted, instead of starting the TUI")
	return cmd
}
