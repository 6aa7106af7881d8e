package main

import (
	"fmt"
	"os"
	"strings"
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
	var jf judgeFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Scan a fleet of lifelike API servers on 127.0.0.1 (no cluster needed)",
		Long:  demoHelp(),
		Example: `  kubesurface demo
  kubesurface demo --serve > demo-endpoints.txt &
  kubesurface scan --no-kubeconfig -f demo-endpoints.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			now, err := jf.date()
			if err != nil {
				return err
			}
			fleet, err := demo.Start(ctx)
			if err != nil {
				return err
			}
			defer fleet.Close()
			if serve {
				out := cmd.OutOrStdout()
				for _, s := range fleet.Servers() {
					fmt.Fprintf(out, "%s\t# %s: %s%s\n", s.URL, s.Name, s.Shows, servedAs(s))
				}
				// On stderr, so that stdout stays an endpoint list that
				// `scan -f` and `scan -` read as it is.
				fmt.Fprintln(cmd.ErrOrStderr(), "serving; ctrl+c to stop")
				<-ctx.Done()
				// Stopping is what ctrl+c is for here, not a failure.
				return nil
			}
			// Named for what they imitate; those that imitate public
			// endpoints stand for their public address, "(simulated)".
			targets, err := fleet.Targets()
			if err != nil {
				return err
			}
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
	// --now gives the same verdicts on any day: the README's sample of the
	// demo is checked against it.
	jf.register(cmd)
	cmd.Flags().BoolVar(&serve, "serve", false, "print the endpoints and keep serving until interrupted, instead of starting the TUI")
	return cmd
}

// demoHelp is the demo's help text, listing the servers from the fleet's
// own definition, so that it names exactly what is served.
func demoHelp() string {
	servers := demo.Profiles()
	var b strings.Builder
	fmt.Fprintf(&b, `Start %d local HTTPS servers on 127.0.0.1, each shaped like a real API server
(its own certificate chain, its distribution's anonymous answers), and scan
them in the TUI, as kubesurface scans real ones:

`, len(servers))
	for _, s := range servers {
		name := s.Name
		if s.StandsFor.IsValid() {
			name += demo.Simulated + ", as " + s.StandsFor.String()
		}
		fmt.Fprintf(&b, "  %s\n      %s\n", name, s.Shows)
	}
	b.WriteString(`
On loopback every server would look reachable from this host only. Those
marked (simulated) imitate public endpoints: the demo presents each as the
documentation address it stands for (203.0.113.0/24), so their reach and
exposure are judged as public, with a reason saying it is simulated. Every
connection still goes to 127.0.0.1.

With --serve, print their endpoints instead (one per line, each with a
# comment naming what it imitates) and keep serving until interrupted, to
point 'kubesurface scan' at them; scanned from that list, every server is
judged as what it is, on loopback.`)
	return b.String()
}

// servedAs is what a --serve line adds for a server the TUI presents as a
// public address.
func servedAs(s demo.Server) string {
	if !s.StandsFor.IsValid() {
		return ""
	}
	return " (the demo's TUI presents it as " + s.StandsFor.String() + ", simulated)"
}
