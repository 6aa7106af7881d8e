package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/kubeconfig"
	"github.com/kubesurface/kubesurface/scan"
	"github.com/kubesurface/kubesurface/scan/report"
)

// targetFlags are shared by every command that scans (scan now, the TUI
// later), so they read the same on each.
type targetFlags struct {
	kubeconfig   string
	contexts     []string
	files        []string
	noKubeconfig bool
	maxTargets   int
	timeout      time.Duration
	concurrency  int
	rate         float64
}

func (f *targetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, several files merged, else ~/.kube/config)")
	fl.StringArrayVar(&f.contexts, "context", nil, "only this kubeconfig context (repeatable; default: all contexts)")
	fl.StringArrayVarP(&f.files, "file", "f", nil, "read endpoints from FILE, one or more per line, # comments ('-' for stdin; repeatable)")
	fl.BoolVar(&f.noKubeconfig, "no-kubeconfig", false, "scan only the endpoints given, no kubeconfig contexts")
	fl.IntVar(&f.maxTargets, "max-targets", scan.DefaultMaxTargets, "refuse endpoint lists and CIDR blocks that expand past this many targets")
	fl.DurationVar(&f.timeout, "timeout", scan.DefaultTimeout, "timeout of each probe phase (resolve, connect, TLS, each request, authentication)")
	fl.IntVar(&f.concurrency, "concurrency", scan.DefaultConcurrency, "targets probed at once")
	fl.Float64Var(&f.rate, "rate", 0, "at most this many targets started per second (0: no limit)")
}

func (f *targetFlags) validate() error {
	switch {
	case f.maxTargets < 1:
		return fmt.Errorf("--max-targets must be at least 1")
	case f.timeout <= 0:
		return fmt.Errorf("--timeout must be positive")
	case f.concurrency < 1:
		return fmt.Errorf("--concurrency must be at least 1")
	case f.rate < 0:
		return fmt.Errorf("--rate must not be negative")
	case f.noKubeconfig && (f.kubeconfig != "" || len(f.contexts) > 0):
		return fmt.Errorf("--no-kubeconfig cannot be combined with --kubeconfig or --context")
	}
	return nil
}

// targets gathers kubeconfig contexts, then endpoints from arguments, files
// and stdin; any bad input is a usage error naming it.
func (f *targetFlags) targets(cmd *cobra.Command, args []string) ([]scan.Target, error) {
	if err := f.validate(); err != nil {
		return nil, usageError{err}
	}
	var out []scan.Target
	if !f.noKubeconfig {
		ts, err := kubeconfig.Load(kubeconfig.Options{Path: f.kubeconfig, Contexts: f.contexts})
		if err != nil {
			return nil, usageError{err}
		}
		out = append(out, ts...)
	}
	var inputs []string
	readFrom := func(name string) error {
		r := cmd.InOrStdin()
		label := "stdin"
		if name != "-" {
			fh, err := os.Open(name)
			if err != nil {
				return err
			}
			defer fh.Close()
			r, label = fh, name
		}
		eps, err := scan.ReadEndpoints(r, label)
		inputs = append(inputs, eps...)
		return err
	}
	for _, a := range args {
		if a == "-" {
			if err := readFrom("-"); err != nil {
				return nil, usageError{err}
			}
			continue
		}
		inputs = append(inputs, a)
	}
	for _, name := range f.files {
		if err := readFrom(name); err != nil {
			return nil, usageError{err}
		}
	}
	if len(inputs) > 0 {
		eps, err := scan.ParseEndpoints(inputs, f.maxTargets)
		if err != nil {
			return nil, usageError{err}
		}
		out = append(out, eps...)
	}
	if len(out) == 0 {
		return nil, usageError{fmt.Errorf("nothing to scan: no kubeconfig contexts found and no endpoints given (try: kubesurface scan https://HOST:6443)")}
	}
	return scan.Dedupe(out), nil
}

func (f *targetFlags) options() scan.Options {
	return scan.Options{Timeout: f.timeout, Concurrency: f.concurrency, Rate: f.rate}
}

func newScanCmd() *cobra.Command {
	var tf targetFlags
	var output string
	cmd := &cobra.Command{
		Use:   "scan [endpoint...]",
		Short: "Scan without the TUI and print the results (for CI and cron)",
		Long: `Scan every kubeconfig context and the endpoints given, then print the results.

Endpoints: host, host:port, https://host[:port][/base], http://host:port,
[ipv6]:port, bare IPv6, and CIDR blocks (10.0.0.0/28, 10.0.0.0/28:6443).
A host without a port is probed on 443 and 6443. '-' reads endpoints from stdin.

Exit codes: 0 the scan completed (whatever it found), 1 the results could not
be written, 2 bad flags or input (malformed kubeconfig, unknown context,
unparsable endpoint, nothing to scan), 130 interrupted.`,
		Example: `  kubesurface scan                              # every kubeconfig context
  kubesurface scan --context prod -o json
  kubesurface scan 203.0.113.10 https://api.example.com:6443 -o yaml
  kubesurface scan --no-kubeconfig 10.0.0.0/28:6443 -o ndjson
  cat endpoints.txt | kubesurface scan --no-kubeconfig -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := report.CheckFormat(output); err != nil {
				return usageError{err}
			}
			targets, err := tf.targets(cmd, args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s := scan.New(tf.options())
			w := cmd.OutOrStdout()
			var results []scan.Result
			if output == "ndjson" {
				// One line per target as soon as it finishes.
				for u := range s.Run(ctx, targets) {
					if u.Result.Phase == scan.PhaseDone {
						if err := report.Line(w, u.Result); err != nil {
							return err
						}
					}
				}
			} else {
				results = s.Scan(ctx, targets)
			}
			if ctx.Err() != nil {
				return errInterrupted
			}
			if output == "ndjson" {
				return nil
			}
			return report.Write(w, output, results, time.Now())
		},
	}
	tf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json, yaml or ndjson (one line per target as it finishes)")
	return cmd
}
