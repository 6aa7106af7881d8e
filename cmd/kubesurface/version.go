package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Set at link time by release builds (goreleaser's ldflags
// -X main.version=... -X main.commit=... -X main.date=...). Empty in a
// go install or go run build, which fall back to what the Go toolchain
// records in the binary.
var (
	version = ""
	commit  = ""
	date    = ""
)

// build is what `version` reports: enough to match a bug report to a
// source tree and a release.
type build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	Modified  bool   `json:"modified"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// currentBuild describes this binary.
func currentBuild() build {
	bi, _ := debug.ReadBuildInfo()
	return resolveBuild(version, commit, date, bi)
}

// resolveBuild prefers the link-time values, field by field, and otherwise
// takes the module version (v0.1.0 from go install ...@v0.1.0, a pseudo-
// version or "(devel)" from a checkout) and the vcs.* settings go build
// records when it builds inside a git work tree.
func resolveBuild(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) build {
	b := build{Version: ldVersion, Commit: ldCommit, Date: ldDate,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi == nil {
		if b.Version == "" {
			b.Version = "(unknown)"
		}
		return b
	}
	if bi.GoVersion != "" {
		b.GoVersion = bi.GoVersion
	}
	if b.Version == "" {
		b.Version = bi.Main.Version
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	var revision, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		case "vcs.modified":
			modified = s.Value
		}
	}
	if b.Commit == "" {
		b.Commit = revision
	}
	// vcs.modified describes the tree vcs.revision names; it says nothing
	// about a different commit injected at link time.
	b.Modified = modified == "true" && revision != "" && b.Commit == revision
	return b
}

// writeText is the human form, shared by `version` and `--version`.
func (b build) writeText(w io.Writer) error {
	or := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	c := or(b.Commit)
	if b.Modified {
		c += " (modified)"
	}
	_, err := fmt.Fprintf(w, "kubesurface %s\ncommit: %s\nbuilt:  %s\ngo:     %s %s\n", b.Version, c, or(b.Date), b.GoVersion, b.Platform)
	return err
}

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long: `Print the version, commit and build date of this binary: set by the release
build, else what the Go toolchain recorded (the module version from
go install ...@VERSION, and the git commit and its time when built from a
checkout). --version prints the same text.

Exit codes: 0 printed, 1 the output could not be written, 2 bad flags.`,
		Example: `  kubesurface version
  kubesurface version -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := currentBuild()
			switch output {
			case "text":
				return b.writeText(cmd.OutOrStdout())
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			return usageError{fmt.Errorf("unknown output format %q (want text or json)", output)}
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// attachVersionFlag gives the root --version, printing what `version`
// prints; cobra handles the flag before any command runs.
func attachVersionFlag(root *cobra.Command) {
	var text strings.Builder
	_ = currentBuild().writeText(&text)
	root.Version = text.String()
	// Version is the whole text, inserted as data: nothing in a version
	// string can be read as template syntax.
	root.SetVersionTemplate(`{{.Version}}`)
	root.Flags().Bool("version", false, "print the version, commit and build date (as the version command does)")
}
