package main

import (
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// tableWidth is how wide -o table may be on out: the terminal's width when
// out is one, else $COLUMNS when it is a number, else 0, no limit: like
// kubectl get, a pipe or file gets every column whole (-o wide always
// does).
func tableWidth(out io.Writer) int {
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 0
}
