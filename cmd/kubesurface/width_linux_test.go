package main

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of cols x rows and returns its terminal
// end, as a program's stdout would be in a terminal.
func openPTY(t *testing.T, cols, rows uint16) *os.File {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		t.Fatal(err)
	}
	return pts
}

// TestTableWidthIsTheTerminals: on a terminal the table fits its width,
// whatever COLUMNS says; elsewhere COLUMNS, else no limit.
func TestTableWidthIsTheTerminals(t *testing.T) {
	tty := openPTY(t, 77, 24)
	t.Setenv("COLUMNS", "200")
	if got := tableWidth(tty); got != 77 {
		t.Errorf("on a 77-column terminal: %d", got)
	}
	pipe, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pipe.Close()
	defer w.Close()
	if got := tableWidth(w); got != 200 {
		t.Errorf("to a pipe with COLUMNS=200: %d", got)
	}
	for _, c := range []string{"", "0", "-5", "wide"} {
		t.Setenv("COLUMNS", c)
		if got := tableWidth(w); got != 0 {
			t.Errorf("to a pipe with COLUMNS=%q: %d, want 0 (no limit)", c, got)
		}
	}
}
