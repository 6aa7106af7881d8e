package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kubesurface/kubesurface/tui/keys"
)

func TestRootHelpListsEveryKeyBindingAndExitCode(t *testing.T) {
	code, help, stderr := invoke(t, "", "--help")
	if code != exitOK || stderr != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, stderr)
	}
	keysAt := strings.Index(help, "Keys in the TUI")
	exitAt := strings.Index(help, "\nExit codes:\n")
	usageAt := strings.Index(help, "\nUsage:\n")
	if keysAt < 0 || exitAt < keysAt || usageAt < exitAt {
		t.Fatalf("root help lacks the keys and exit codes sections, in that order, before Usage:\n%s", help)
	}
	keySection, exitSection := help[keysAt:exitAt], help[exitAt:usageAt]

	// Every binding of the key map, not only those FullHelp returns (a
	// binding left out of FullHelp is missing from the TUI's ? page too),
	// found by reflection so that a new one cannot be forgotten, each with
	// every key it answers to named in its help.
	for _, b := range keys.Default().Bindings() {
		if u := keys.Unnamed(b.Binding); len(u) > 0 {
			t.Errorf("the help of the %s binding does not name its keys %q", b.Field, u)
		}
		h := b.Help()
		line := regexp.MustCompile(`(?m)^  (.*\s)?` + regexp.QuoteMeta(h.Key) + ` +` + regexp.QuoteMeta(h.Desc) + `( |$)`)
		if !line.MatchString(keySection) {
			t.Errorf("root help does not list the %s binding %q %q:\n%s", b.Field, h.Key, h.Desc, keySection)
		}
	}
	for i, l := range strings.Split(keySection, "\n") {
		if w := utf8.RuneCountInString(l); w > 80 {
			t.Errorf("keys line %d is %d columns wide:\n%s", i+1, w, l)
		}
	}

	for _, c := range []int{exitOK, exitFailure, exitUsage, exitGate, exitInterrupted} {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^  %d +\S`, c)).MatchString(exitSection) {
			t.Errorf("root help does not explain exit code %d:\n%s", c, exitSection)
		}
	}
	// Every command is named there, so none is left without its codes.
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	for _, path := range leafCommands(root) {
		if !strings.Contains(exitSection, path) {
			t.Errorf("the exit codes in the root help do not mention %q:\n%s", path, exitSection)
		}
	}
}

// leafCommands are the runnable commands' paths below the root ("scan",
// "data update"), with completion's per-shell children as "completion".
func leafCommands(root *cobra.Command) []string {
	var paths []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() || sub.Name() == "help" {
				continue
			}
			path := strings.TrimPrefix(sub.CommandPath(), root.Name()+" ")
			if sub.Name() == "completion" || !sub.HasAvailableSubCommands() {
				paths = append(paths, path)
				continue
			}
			walk(sub)
		}
	}
	walk(root)
	return paths
}

func TestEveryFlagIsDocumented(t *testing.T) {
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	flagName := regexp.MustCompile(`(?m)^\s+(?:-\S, )?--([a-z0-9-]+)`)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		// Names come from the usage text: naming pflag's Flag type here
		// would turn the indirect pflag requirement into a direct one.
		for _, m := range flagName.FindAllStringSubmatch(c.Flags().FlagUsages(), -1) {
			if f := c.Flags().Lookup(m[1]); f == nil || strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s has no help text", c.CommandPath(), m[1])
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if root.Flags().Lookup("version") == nil {
		t.Error("the root has no --version flag")
	}
}

func TestCommandsWithTheirOwnExitCodes(t *testing.T) {
	for _, args := range [][]string{{"scan", "--help"}, {"data", "update", "--help"}, {"version", "--help"}} {
		code, help, _ := invoke(t, "", args...)
		if code != exitOK || !strings.Contains(help, "Exit codes: 0 ") {
			t.Errorf("%s: exit %d, no exit codes:\n%s", strings.Join(args, " "), code, help)
		}
	}
}
