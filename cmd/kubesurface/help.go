package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"charm.land/bubbles/v2/key"

	"github.com/kubesurface/kubesurface/tui/keys"
)

// exitCodes says what each exit status means for each command, for the
// root help; run maps errors to the same codes for every command, and each
// command's own --help repeats its codes in its words.
var exitCodes = []struct {
	code int
	text string
}{
	{exitOK, "success: the TUI, view or demo was quit (q or ctrl+c), scan completed (whatever it found), data update wrote the cache, data show, version and completion printed (serve runs until a signal: 130)"},
	{exitFailure, "failure: the TUI or view could not use the terminal, scan could not write its results, serve could not bind its address, a data update source failed, the demo servers could not start, output could not be written"},
	{exitUsage, "bad flags or input, on every command: malformed kubeconfig, unknown context, unparsable endpoint; for scan and serve also nothing to scan (the TUI explains that on screen instead); for view and scan --from-results a results file that cannot be read or holds a malformed line"},
	{exitGate, "scan: a target reached the --fail-on level"},
	{exitInterrupted, "scan, data update: interrupted by a signal; serve: stopped by a signal, its usual end (demo --serve stops with 0)"},
}

// rootHelp is appended to the root's long help: the TUI's keys, taken from
// the key map the TUI itself uses so the two cannot drift, and every
// command's exit codes.
func rootHelp() string {
	var b strings.Builder
	b.WriteString("\n\nKeys in the TUI (? shows them there too):\n")
	groups := keys.Default().FullHelp()
	// Two groups side by side keep the list short without passing 80
	// columns; each pair is aligned on its own.
	for i := 0; i < len(groups); i += 2 {
		if i > 0 {
			b.WriteString("\n")
		}
		var right []key.Binding
		if i+1 < len(groups) {
			right = groups[i+1]
		}
		b.WriteString(keyColumns(groups[i], right))
	}
	b.WriteString("\nExit codes:\n")
	for _, e := range exitCodes {
		for i, line := range wrap(e.text, 72) {
			if i == 0 {
				fmt.Fprintf(&b, "  %-4d %s\n", e.code, line)
			} else {
				fmt.Fprintf(&b, "       %s\n", line)
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// keyColumns lays out two lists of bindings as key, description, key,
// description.
func keyColumns(left, right []key.Binding) string {
	cell := func(bs []key.Binding, i int) string {
		if i >= len(bs) {
			return "\t"
		}
		h := bs[i].Help()
		return h.Key + "\t" + h.Desc
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for i := range max(len(left), len(right)) {
		fmt.Fprintf(tw, "  %s\t%s\n", cell(left, i), cell(right, i))
	}
	tw.Flush()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// wrap breaks text into lines of at most width columns, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
